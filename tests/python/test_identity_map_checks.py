"""The identity map's singular tests fail on each defect they are there to catch.

`assert_identity_map_covers_every_identifier` compares the map with the identifiers in
one full outer join on node_id; `assert_one_customer_id_per_person` counts the distinct
(customer_id, person) pairs per person and per id. A copy of the suite's warehouse gets
one defect of each kind; the test must report each of them, one row per defect.
"""

from __future__ import annotations

import re

import pytest
from conftest import Warehouse, run_dbt

pytestmark = pytest.mark.dbt

TEST = "assert_identity_map_covers_every_identifier"
ONE_ID_PER_PERSON = "assert_one_customer_id_per_person"


def map_test(wh: Warehouse, test: str = TEST):
    return run_dbt(
        ["test", "-s", test],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
        check=False,
    )


def failures(wh: Warehouse, test: str = TEST) -> int:
    result = map_test(wh, test)
    found = re.search(r"Got (\d+) results?", result.stdout)
    return int(found.group(1)) if found else 0


def test_the_map_check_reports_every_kind_of_defect(scratch_warehouse: Warehouse) -> None:
    wh = scratch_warehouse
    assert map_test(wh).returncode == 0, "the built warehouse failed its map check"

    with wh.connect(read_only=False) as con:
        email, phone, loyalty = (
            con.execute(
                "select min(node_id) from intermediate.int_identity_map where identifier_type = ?",
                [identifier_type],
            ).fetchone()[0]
            for identifier_type in ("email", "phone", "loyalty_number")
        )
        # an identifier whose map row has no customer_id
        con.execute(
            "update intermediate.int_identity_map set customer_id = null where node_id = ?",
            [email],
        )
        # an identifier with no map row at all
        con.execute("delete from intermediate.int_identity_map where node_id = ?", [phone])
        # a map row naming another identifier than its node
        con.execute(
            "update intermediate.int_identity_map"
            " set identifier_value = identifier_value || '-other' where node_id = ?",
            [loyalty],
        )
        # a map row for a node the graph does not hold
        con.execute(
            "insert into intermediate.int_identity_map"
            " select * replace (node_id + 1 as node_id)"
            " from intermediate.int_identity_map where node_id = ?",
            [loyalty],
        )

    assert failures(wh) == 4


def test_the_one_id_per_person_check_reports_both_directions(
    scratch_warehouse: Warehouse,
) -> None:
    wh = scratch_warehouse
    assert failures(wh, ONE_ID_PER_PERSON) == 0, "the built warehouse failed the check"

    with wh.connect(read_only=False) as con:
        # one identifier of a person with several takes another customer's id:
        # that person now has two ids, and that id two persons
        node_id, other_customer_id = con.execute(
            "select node_id, (select min(other.customer_id)"
            "  from intermediate.int_identity_map as other"
            "  where other.customer_id <> map.customer_id)"
            " from intermediate.int_identity_map as map"
            " where customer_id in (select customer_id from intermediate.int_identity_map"
            "  group by customer_id having count(*) >= 2)"
            " order by node_id limit 1"
        ).fetchone()
        con.execute(
            "update intermediate.int_identity_map set customer_id = ? where node_id = ?",
            [other_customer_id, node_id],
        )

    assert failures(wh, ONE_ID_PER_PERSON) == 2
