"""Customer features (models/intermediate/customers): RFM and behavioural windows.

The warehouse tests recompute features from the resolved orders and events with an
independent pandas implementation and compare them with what dbt built; the back-test
rebuilds the features at an earlier `as_of` and checks that nothing later leaks in.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import Warehouse, run_dbt

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEED = PROJECT_DIR / "seeds" / "rfm_segment_map.csv"
FEATURES_YML = PROJECT_DIR / "models" / "intermediate" / "customers" / "_customers__models.yml"
NO_PURCHASES = "No Purchases"


def reference_segment(recency: int, frequency: int) -> str:
    """The widely used R x F map, written from its range patterns (REFERENCES.md)."""
    patterns = [
        ("12", "12", "Hibernating"),
        ("12", "34", "At Risk"),
        ("12", "5", "Can't Lose Them"),
        ("3", "12", "About to Sleep"),
        ("3", "3", "Need Attention"),
        ("34", "45", "Loyal Customers"),
        ("4", "1", "Promising"),
        ("5", "1", "New Customers"),
        ("45", "23", "Potential Loyalists"),
        ("5", "45", "Champions"),
    ]
    matches = [name for r, f, name in patterns if str(recency) in r and str(frequency) in f]
    assert len(matches) == 1, f"cell {recency}{frequency} matches {matches}"
    return matches[0]


def read_segment_map() -> dict[tuple[int, int], str]:
    with SEED.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    cells = [(int(row["recency_score"]), int(row["frequency_score"])) for row in rows]
    assert len(cells) == len(set(cells)), "a cell is named twice"
    return {cell: row["rfm_segment"] for cell, row in zip(cells, rows, strict=True)}


def ntile(keys: Sequence[str], buckets: int = 5) -> dict[str, int]:
    """SQL ntile(buckets) over rows already in order: the first n % buckets get one more."""
    size, extra = divmod(len(keys), buckets)
    scores: dict[str, int] = {}
    position = 0
    for bucket in range(1, buckets + 1):
        count = size + (1 if bucket <= extra else 0)
        for key in keys[position : position + count]:
            scores[key] = bucket
        position += count
    return scores


def score_rfm(purchasers: pd.DataFrame) -> pd.DataFrame:
    """R, F, M quintiles with the documented orderings and tie-breaks."""
    rows = list(purchasers.itertuples(index=False))

    def ranked(key: Callable) -> list[str]:
        return [row.customer_id for row in sorted(rows, key=key)]

    recency = ntile(ranked(lambda r: (-r.recency_days, r.customer_id)))
    frequency = ntile(ranked(lambda r: (r.frequency, r.customer_id)))
    monetary = ntile(ranked(lambda r: (r.monetary, r.customer_id)))
    segments = read_segment_map()
    out = purchasers.copy()
    out["recency_score"] = out["customer_id"].map(recency)
    out["frequency_score"] = out["customer_id"].map(frequency)
    out["monetary_score"] = out["customer_id"].map(monetary)
    out["rfm_segment"] = [
        segments[(r, f)] for r, f in zip(out["recency_score"], out["frequency_score"], strict=True)
    ]
    return out


def expected_rfm(wh: Warehouse, as_of: dt.date) -> pd.DataFrame:
    """RFM of every dim_customers customer, from int_orders_resolved, in pandas."""
    with wh.connect() as con:
        customers = con.sql("select customer_id from core.dim_customers").df()
        orders = con.sql(
            "select customer_id, order_date, subtotal, discount from "
            "intermediate.int_orders_resolved where is_completed and customer_id is not null"
        ).df()
    orders = orders[pd.to_datetime(orders["order_date"]).dt.date <= as_of]
    orders = orders.assign(
        order_date=pd.to_datetime(orders["order_date"]).dt.date,
        net=[
            Decimal(str(s)) - Decimal(str(d if pd.notna(d) else 0))
            for s, d in zip(orders["subtotal"], orders["discount"], strict=True)
        ],
    )
    per_customer = orders.groupby("customer_id").agg(
        last_order=("order_date", "max"),
        frequency=("order_date", "nunique"),
        monetary=("net", "sum"),
    )
    per_customer["recency_days"] = [(as_of - d).days for d in per_customer["last_order"]]
    purchasers = (
        per_customer.reset_index()
        .merge(customers, on="customer_id", how="inner")[
            ["customer_id", "recency_days", "frequency", "monetary"]
        ]
        .reset_index(drop=True)
    )
    return score_rfm(purchasers)


def built_features(wh: Warehouse) -> pd.DataFrame:
    with wh.connect() as con:
        return con.sql(
            "select customer_id, as_of_date, recency_days, frequency, monetary, "
            "recency_score, frequency_score, monetary_score, rfm_segment "
            "from intermediate.int_customer_features"
        ).df()


def assert_rfm_matches(wh: Warehouse) -> dt.date:
    built = built_features(wh)
    as_of = pd.Timestamp(built["as_of_date"].iloc[0]).date()
    expected = expected_rfm(wh, as_of).set_index("customer_id")
    scored = built[built["recency_score"].notna()].set_index("customer_id")
    assert set(scored.index) == set(expected.index)
    columns = ["recency_days", "frequency", "recency_score", "frequency_score", "monetary_score"]
    got = scored.loc[expected.index, columns].astype(int)
    pd.testing.assert_frame_equal(got, expected[columns].astype(int), check_dtype=False)
    assert (scored.loc[expected.index, "rfm_segment"] == expected["rfm_segment"]).all()
    unscored = built[built["recency_score"].isna()]
    assert (unscored["rfm_segment"] == NO_PURCHASES).all()
    assert unscored[["frequency_score", "monetary_score"]].isna().all().all()
    return as_of


# --------------------------------------------------------------------- no warehouse


def test_segment_map_seed_is_the_reference_rf_map() -> None:
    segments = read_segment_map()
    assert set(segments) == {(r, f) for r in range(1, 6) for f in range(1, 6)}
    for (recency, frequency), name in segments.items():
        assert name == reference_segment(recency, frequency), (recency, frequency)


def test_ntile_helper_matches_sql_semantics() -> None:
    # 7 rows in 5 buckets: SQL gives sizes 2, 2, 1, 1, 1.
    scores = ntile(list("abcdefg"))
    assert [scores[k] for k in "abcdefg"] == [1, 1, 2, 2, 3, 4, 5]


def test_every_default_window_is_documented() -> None:
    windows = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"][
        "feature_windows_days"
    ]
    models = yaml.safe_load(FEATURES_YML.read_text())["models"]
    wide = next(m for m in models if m["name"] == "int_customer_features")
    documented = {column["name"] for column in wide["columns"]}
    for days in windows:
        for stem in ("product_views", "cart_adds", "orders", "active_days", "email_opens"):
            assert f"{stem}_{days}d" in documented


# ----------------------------------------------------------------------- warehouse


def test_every_customer_has_exactly_one_feature_row(warehouse: Warehouse) -> None:
    customers = warehouse.scalar("select count(*) from core.dim_customers")
    rows, distinct, missing = warehouse.query(
        """
        select
            (select count(*) from intermediate.int_customer_features),
            (select count(distinct customer_id) from intermediate.int_customer_features),
            (select count(*) from core.dim_customers as d
             where not exists (select 1 from intermediate.int_customer_features as f
                               where f.customer_id = d.customer_id))
        """
    )[0]
    assert customers > 0
    assert rows == distinct == customers
    assert missing == 0


def test_as_of_is_the_latest_resolved_event(warehouse: Warehouse) -> None:
    # int_as_of reads the staged models; the date must be the one the resolved data gives.
    as_of, source, latest = warehouse.query(
        """
        select
            (select as_of_date from intermediate.int_as_of),
            (select as_of_source from intermediate.int_as_of),
            greatest(
                (select max(cast(least(event_at, received_at) as date))
                 from intermediate.int_tracks_resolved),
                (select max(order_date) from intermediate.int_orders_resolved),
                (select max(event_date) from intermediate.int_email_events_resolved)
            )
        """
    )[0]
    assert source == "latest_event"
    assert as_of == latest


def test_rfm_matches_an_independent_pandas_computation(warehouse: Warehouse) -> None:
    assert_rfm_matches(warehouse)


def test_scores_are_balanced_quintiles(warehouse: Warehouse) -> None:
    built = built_features(warehouse)
    scored = built[built["recency_score"].notna()]
    assert len(scored) >= 5
    for column in ("recency_score", "frequency_score", "monetary_score"):
        counts = scored[column].value_counts()
        assert sorted(counts.index.astype(int)) == [1, 2, 3, 4, 5]
        assert (abs(counts - len(scored) / 5) <= 1).all(), counts.to_dict()


@pytest.mark.parametrize("days", [7, 30])
def test_windowed_views_match_raw_events(warehouse: Warehouse, days: int) -> None:
    # Independent of the daily rollup: count straight from the resolved events.
    mismatches = warehouse.scalar(
        f"""
        with as_of as (select as_of_date from intermediate.int_as_of),
        raw as (
            select t.customer_id, count(*) as views
            from intermediate.int_tracks_resolved as t, as_of
            where t.event_name = 'Product Viewed'
              and t.event_date > as_of.as_of_date - interval {days} day
              and t.event_date <= as_of.as_of_date
            group by 1
        )
        select count(*)
        from intermediate.int_customer_features as f
        left join raw on f.customer_id = raw.customer_id
        where f.product_views_{days}d != coalesce(raw.views, 0)
        """
    )
    assert mismatches == 0


@pytest.mark.dbt
def test_backtest_at_an_earlier_as_of_sees_nothing_later(scratch_warehouse: Warehouse) -> None:
    wh = scratch_warehouse
    latest = pd.Timestamp(wh.scalar("select as_of_date from intermediate.int_as_of")).date()
    earlier = latest - dt.timedelta(days=60)
    run_dbt(
        [
            "run",
            "--select",
            "path:models/intermediate/customers",
            "--vars",
            f"{{as_of: '{earlier.isoformat()}'}}",
        ],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
    )
    as_of = assert_rfm_matches(wh)
    assert as_of == earlier
    late_days = wh.scalar(
        "select count(*) from intermediate.int_customer_daily_activity "
        f"where activity_date > date '{earlier.isoformat()}'"
    )
    latest_order = wh.scalar("select max(last_order_date) from intermediate.int_customer_features")
    assert late_days == 0
    assert pd.Timestamp(latest_order).date() <= earlier
