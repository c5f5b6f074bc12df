"""customer_id is deterministic and stable across runs; merges are recorded.

Each test works on a private copy of the suite's warehouse and re-runs only the identity
models (models/intermediate/identity and models/marts/core), on the staged data already
there, changed in place where the test needs it.
"""

from __future__ import annotations

import hashlib

import pytest
from conftest import Warehouse, run_dbt

pytestmark = pytest.mark.dbt

IDENTITY_MODELS = ["path:models/intermediate/identity", "path:models/marts/core"]
STAGED_TABLES = (
    "stg_segment__tracks",
    "stg_segment__identifies",
    "stg_crm__contacts",
    "stg_commerce__orders",
    "stg_esp__email_events",
    "stg_privacy__consents",
)


def rerun_identity(wh: Warehouse) -> None:
    run_dbt(
        ["run", "-s", *IDENTITY_MODELS],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
    )


def identity_map(wh: Warehouse) -> dict[tuple[str, str], str]:
    rows = wh.query(
        "select identifier_type, identifier_value, customer_id from intermediate.int_identity_map"
    )
    return {(t, v): c for t, v, c in rows}


def merges(wh: Warehouse) -> list[tuple]:
    return wh.query("select * from core.customer_id_merges order by old_customer_id")


def test_rerun_without_new_data_changes_nothing(scratch_warehouse: Warehouse) -> None:
    before, merges_before = identity_map(scratch_warehouse), merges(scratch_warehouse)
    rerun_identity(scratch_warehouse)
    assert identity_map(scratch_warehouse) == before
    assert merges(scratch_warehouse) == merges_before
    changed = scratch_warehouse.scalar(
        "select count(*) from intermediate.int_identity_registry where change_type <> 'new'"
    )
    assert changed == 0


def test_node_ids_depend_on_the_identifier_alone(warehouse: Warehouse) -> None:
    """node_id = priority * 2^60 + the first 60 bits of md5('<type>:<value>'), recomputed
    here from the identifier alone: the same id in every run, a stronger type first."""
    priority = dict(
        warehouse.query("select identifier_type, priority from reference.identifier_limits")
    )
    rows = warehouse.query(
        "select identifier_type, identifier_value, node_id, is_blocked"
        " from intermediate.int_identifiers"
    )
    assert len(rows) > 1000
    for identifier_type, value, node_id, is_blocked in rows:
        if is_blocked:
            assert node_id is None, (identifier_type, value)
            continue
        digest = hashlib.md5(f"{identifier_type}:{value}".encode()).hexdigest()
        assert node_id == priority[identifier_type] * 2**60 + int(digest[:15], 16), (
            identifier_type,
            value,
        )
    strongest_first = warehouse.query(
        "select identifier_type from intermediate.int_identifiers where node_id is not null "
        "group by 1 order by min(node_id)"
    )
    assert [t for (t,) in strongest_first] == sorted(priority, key=priority.get)


def test_row_order_does_not_change_ids(scratch_warehouse: Warehouse) -> None:
    """Same input in another row order, ids minted afresh: the very same ids."""
    before = identity_map(scratch_warehouse)
    with scratch_warehouse.connect(read_only=False) as con:
        con.execute("drop table intermediate.int_identity_registry")
        con.execute("drop table core.customer_id_merges")
        for table in STAGED_TABLES:
            con.execute(
                f"create or replace table staging.{table} as "
                f"select * from staging.{table} order by hash(random())"
            )
    rerun_identity(scratch_warehouse)
    assert identity_map(scratch_warehouse) == before


def _separate_customers_of_one_person(wh: Warehouse) -> tuple[str, str, str, str]:
    """(user_id, its customer, a cookie of the same true person, the cookie's customer)."""
    truth = wh.truth_path / "identity_truth.parquet"
    row = wh.query(
        f"""
        with truth as (
            select * from read_parquet('{truth}')
        ),
        mapped as (
            select truth.*, m.customer_id
            from truth
            inner join intermediate.int_identity_map as m using (identifier_type, identifier_value)
        ),
        -- customers made of cookies only (never linked to anything strong)
        cookie_customers as (
            select customer_id from intermediate.int_identity_map
            group by 1
            having count(*) filter (where identifier_type <> 'anonymous_id') = 0
        )
        select u.identifier_value, u.customer_id, a.identifier_value, a.customer_id
        from mapped as u
        inner join mapped as a
            on u.person_id = a.person_id and u.customer_id <> a.customer_id
        inner join cookie_customers as c on a.customer_id = c.customer_id
        where u.identifier_type = 'user_id' and a.identifier_type = 'anonymous_id'
        order by 1, 3
        limit 1
        """
    )
    assert row, "the test data should hold a person with a cookie never linked to them"
    return row[0]


def test_late_bridge_merges_customers_and_older_survives(scratch_warehouse: Warehouse) -> None:
    wh = scratch_warehouse
    user_id, user_customer, cookie, cookie_customer = _separate_customers_of_one_person(wh)
    created = dict(
        wh.query(
            "select distinct customer_id, customer_created_at "
            "from intermediate.int_identity_registry "
            f"where customer_id in ('{user_customer}', '{cookie_customer}')"
        )
    )
    survivor, merged = sorted([user_customer, cookie_customer], key=lambda c: (created[c], c))
    before = identity_map(wh)
    merges_before = merges(wh)
    # the bridge arrives in a later run: the person logs in on that browser
    with wh.connect(read_only=False) as con:
        con.execute(
            """
            insert into staging.stg_segment__identifies (
                identify_id, anonymous_id, user_id, identified_at, received_at
            )
            select 'late-bridge', ?, ?,
                max(identified_at) + interval 1 day, max(received_at) + interval 1 day
            from staging.stg_segment__identifies
            """,
            [cookie, user_id],
        )
    rerun_identity(wh)
    after = identity_map(wh)
    moved = {key for key in before if before[key] != after.get(key)}
    # only the merged customer's identifiers moved, all of them to the survivor
    assert moved == {key for key, c in before.items() if c == merged}
    assert {after[key] for key in moved} == {survivor}
    assert all(after[key] == c for key, c in before.items() if c != merged)
    new_rows = [m for m in merges(wh) if m not in merges_before]
    assert len(new_rows) == 1
    with wh.connect() as con:
        record = con.execute(
            "select old_customer_id, new_customer_id, current_customer_id, "
            "bridging_identifier_type, bridging_identifier_value, merged_at "
            f"from core.customer_id_merges where old_customer_id = '{merged}'"
        ).fetchone()
        bridge_seen = con.execute(
            "select max(identified_at) from staging.stg_segment__identifies"
        ).fetchone()
        in_dim = con.execute(
            f"select count(*) from core.dim_customers where customer_id = '{merged}'"
        ).fetchone()
    assert record is not None and bridge_seen is not None
    assert record[:3] == (merged, survivor, survivor)
    assert (record[3], record[4]) in {("user_id", user_id), ("anonymous_id", cookie)}
    assert record[5] == bridge_seen[0]
    assert in_dim == (0,)
    # the next run with nothing new keeps it all, and so does --full-refresh (the
    # registry and the merge history are full_refresh: false)
    merges_after = merges(wh)
    rerun_identity(wh)
    assert identity_map(wh) == after
    assert merges(wh) == merges_after
    run_dbt(
        ["run", "-s", *IDENTITY_MODELS, "--full-refresh"],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
    )
    assert identity_map(wh) == after
    assert merges(wh) == merges_after
