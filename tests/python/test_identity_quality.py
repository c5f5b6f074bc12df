"""Identity stitching against the generator's truth (`_truth/identity_truth.parquet`).

Pairwise precision and recall of "same person" come from contingency counts
(`cdp.bench_identity.pairwise_scores`); the brute force below checks that arithmetic.
Recall is asserted against the truth reachable from the evidence (identifiers of one
person linked by records of that person): an anonymous cookie that browsed and never
logged in, ordered or identified is linked to nobody by any deterministic rule. The raw
recall is reported too.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from conftest import Warehouse
from hypothesis import given, settings
from hypothesis import strategies as st

from cdp.bench_identity import pairwise_scores, stitching_quality


def brute_force(reference: list[int], predicted: list[int]) -> tuple[int, int, int]:
    pairs = list(combinations(range(len(reference)), 2))
    same_ref = {p for p in pairs if reference[p[0]] == reference[p[1]]}
    same_pred = {p for p in pairs if predicted[p[0]] == predicted[p[1]]}
    return len(same_ref & same_pred), len(same_pred), len(same_ref)


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6)),
        min_size=0,
        max_size=40,
    )
)
@settings(max_examples=200, deadline=None)
def test_pairwise_scores_match_brute_force(labels: list[tuple[int, int]]) -> None:
    reference = [r for r, _ in labels]
    predicted = [p for _, p in labels]
    scores = pairwise_scores(np.array(reference), np.array(predicted))
    assert (
        scores.true_positive_pairs,
        scores.predicted_pairs,
        scores.reference_pairs,
    ) == brute_force(reference, predicted)


def test_pairwise_scores_known_values() -> None:
    # truth {a,b,c} {d}; predicted {a,b} {c,d}: 1 true pair of 2 predicted, 3 true
    scores = pairwise_scores(np.array(list("pppq")), np.array(list("xxyy")))
    assert scores.precision == pytest.approx(0.5)
    assert scores.recall == pytest.approx(1 / 3)


def test_stitching_matches_truth(warehouse: Warehouse, record_property) -> None:
    quality = stitching_quality(warehouse.db_path, warehouse.truth_path)
    for line in quality.lines():
        print(line)
    record_property("identity_precision", round(quality.raw.precision, 5))
    record_property("identity_recall_evidence", round(quality.evidence.recall, 5))
    record_property("identity_recall_raw", round(quality.raw.recall, 5))
    assert quality.identifiers > 1000, "the test data should hold a real population"
    assert quality.raw.precision >= 0.99
    assert quality.evidence.recall >= 0.99
    assert quality.customers_with_two_persons_user_ids == 0
    # the evidence can only lose pairs, never add: the raw recall is the lower one
    assert quality.raw.recall <= quality.evidence.recall


def test_no_customer_holds_two_persons_user_ids(warehouse: Warehouse) -> None:
    """Shared tablets and family emails must not merge two account holders."""
    truth = warehouse.truth_path / "identity_truth.parquet"
    rows = warehouse.query(
        f"""
        select m.customer_id, count(distinct t.person_id) as persons
        from read_parquet('{truth}') as t
        inner join intermediate.int_identity_map as m using (identifier_type, identifier_value)
        where t.identifier_type = 'user_id'
        group by 1
        having count(distinct t.person_id) > 1
        """
    )
    assert rows == []
    shared = warehouse.truth_path / "shared_identifiers.parquet"
    if shared.is_file():
        # every shared device / cookie / email of the truth got a guardrail decision
        undecided = warehouse.query(
            f"""
            select s.identifier_type, s.identifier_value
            from read_parquet('{shared}') as s
            inner join intermediate.int_identifiers as i using (identifier_type, identifier_value)
            left join intermediate.int_identity_guardrail_decisions as d
                using (identifier_type, identifier_value)
            where not i.is_blocked and d.decision is null
            """
        )
        assert undecided == []
