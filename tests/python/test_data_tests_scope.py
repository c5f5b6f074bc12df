"""The hourly job's data tests cover the rows a run wrote, the daily job's every row.

With CDP_DATA_TESTS_SCOPE=lookback (the hourly job; or `--vars '{data_tests_scope:
lookback}'`) the column tests of the incremental event models read only the rows
received in the lookback window (macros/tests/get_where_subquery.sql); without it (the
daily job) every row. A copy of
the suite's warehouse gets a duplicate event id outside the window, then one inside it.
"""

from __future__ import annotations

import json

import pytest
from conftest import Warehouse, run_dbt

pytestmark = pytest.mark.dbt

HOURLY = {"CDP_DATA_TESTS_SCOPE": "lookback"}
TEST = "unique_stg_segment__tracks_event_id"


def data_test(wh: Warehouse, test: str, *extra: str, env: dict[str, str] | None = None):
    return run_dbt(
        ["test", "-s", test, *extra],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
        check=False,
        env=env,
    )


def unique_test(wh: Warehouse, *extra: str, env: dict[str, str] | None = None):
    return data_test(wh, TEST, *extra, env=env)


def duplicate_one_event(wh: Warehouse, received: str) -> str:
    """Insert a second row for the first event id received in the given range."""
    with wh.connect(read_only=False) as con:
        (event_id,) = con.execute(
            f"""
            select min(event_id) from staging.stg_segment__tracks
            where received_at {received}
            """
        ).fetchone()
        assert event_id is not None
        con.execute(
            "insert into staging.stg_segment__tracks"
            " select * from staging.stg_segment__tracks where event_id = ?",
            [event_id],
        )
    return event_id


def test_lookback_scope_tests_the_window_and_the_daily_scope_everything(
    scratch_warehouse: Warehouse,
) -> None:
    wh = scratch_warehouse
    newest = "(select max(received_at) from staging.stg_segment__tracks)"
    duplicate_one_event(wh, f"< {newest} - interval 10 day")
    daily = unique_test(wh)
    assert daily.returncode != 0, "the daily test missed a duplicate event id"
    assert TEST in daily.stdout
    hourly = unique_test(wh, env=HOURLY)
    assert hourly.returncode == 0, "an old duplicate failed the hourly test"
    # the scope comes at run time: the hourly job after the daily one parses partially
    assert "Unable to do partial parsing" not in hourly.stdout
    # the var does too, at the price of a full parse (dbt re-parses when --vars change)
    by_var = unique_test(wh, "--vars", "{data_tests_scope: lookback}")
    assert by_var.returncode == 0, "an old duplicate failed the hourly test (var)"
    assert "Unable to do partial parsing" in by_var.stdout

    duplicate_one_event(wh, f">= {newest} - interval 1 day")
    hourly = unique_test(wh, env=HOURLY)
    assert hourly.returncode != 0, "the hourly test missed a duplicate in its window"
    # the window's start is read when the test runs and written as a literal, so the
    # scan skips the row groups before it
    compiled = next((wh.target_path / "compiled").rglob(f"{TEST}.sql")).read_text()
    assert "received_at >= cast('" in compiled


def test_an_unknown_scope_is_an_error(scratch_warehouse: Warehouse) -> None:
    by_env = unique_test(scratch_warehouse, env={"CDP_DATA_TESTS_SCOPE": "recent"})
    by_var = unique_test(scratch_warehouse, "--vars", "{data_tests_scope: recent}")
    for result in (by_env, by_var):
        assert result.returncode != 0
        assert "data_tests_scope must be 'all' or 'lookback'" in result.stdout
        assert "got 'recent'" in result.stdout


def resolved_test(wh: Warehouse, env: dict[str, str] | None = None):
    return data_test(wh, "assert_resolved_records_have_customers", env=env)


def unresolve_one_event(wh: Warehouse, received: str) -> None:
    """Drop the customer of the first resolved event received in the given range."""
    with wh.connect(read_only=False) as con:
        con.execute(
            f"""
            update intermediate.int_tracks_resolved set customer_id = null
            where event_id = (
                select min(event_id) from intermediate.int_tracks_resolved
                where customer_id is not null and received_at {received}
            )
            """
        )


def test_singular_tests_scope_their_event_reads_too(scratch_warehouse: Warehouse) -> None:
    """assert_resolved_records_have_customers reads the window's events in the hourly
    job (data_tests_lookback_condition) and every event in the daily one."""
    wh = scratch_warehouse
    newest = "(select max(received_at) from intermediate.int_tracks_resolved)"
    unresolve_one_event(wh, f"< {newest} - interval 10 day")
    assert resolved_test(wh, env=HOURLY).returncode == 0, "an old event failed the hourly test"
    assert resolved_test(wh).returncode != 0, "the daily test missed an unresolved event"

    unresolve_one_event(wh, f">= {newest} - interval 1 day")
    assert resolved_test(wh, env=HOURLY).returncode != 0, "the hourly test missed its window"


# --------------------------------------------- not_null_columns: one query per model

NOT_NULL = "not_null_columns_stg_segment__tracks_"


def null_out(wh: Warehouse, columns: list[str], received: str) -> None:
    """Set the given columns of the first event received in the given range to null."""
    assignments = ", ".join(f"{column} = null" for column in columns)
    with wh.connect(read_only=False) as con:
        con.execute(
            f"""
            update staging.stg_segment__tracks set {assignments}
            where event_id = (
                select min(event_id) from staging.stg_segment__tracks
                where received_at {received}
            )
            """
        )


def test_not_null_columns_names_each_column_holding_nulls(scratch_warehouse: Warehouse) -> None:
    """The model-level test checks every column declaring a not_null constraint, in the
    window for the hourly job and everywhere for the daily one; a failure is one row per
    column, with its number of null rows."""
    wh = scratch_warehouse
    assert data_test(wh, NOT_NULL).returncode == 0
    newest = "(select max(received_at) from staging.stg_segment__tracks)"
    null_out(wh, ["event_name"], f"< {newest} - interval 10 day")
    assert data_test(wh, NOT_NULL, env=HOURLY).returncode == 0, "an old null failed the hourly test"
    daily = data_test(wh, NOT_NULL)
    assert daily.returncode != 0, "the daily test missed a null event_name"
    assert "Got 1 result" in daily.stdout

    null_out(wh, ["event_name", "event_date"], f">= {newest} - interval 1 day")
    hourly = data_test(wh, NOT_NULL, env=HOURLY)
    assert hourly.returncode != 0, "the hourly test missed the nulls of its window"
    assert "Got 2 results" in hourly.stdout
    with wh.connect() as con:
        compiled = next((wh.target_path / "compiled").rglob(f"{NOT_NULL}*.sql")).read_text()
        failures = dict(con.execute(compiled).fetchall())
    assert failures == {"event_name": 1, "event_date": 1}


def test_every_not_null_constraint_is_tested(warehouse: Warehouse) -> None:
    """Each model and seed with a column declaring a not_null constraint carries the
    model-level test not_null_columns (which fails to compile on a model without one)."""
    manifest = json.loads((warehouse.target_path / "manifest.json").read_text())
    tested = {
        node["attached_node"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") == "not_null_columns"
    }
    constrained = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed")
        and any(
            constraint["type"] == "not_null"
            for column in node["columns"].values()
            for constraint in column.get("constraints", [])
        )
    }
    assert constrained, "no column declares a not_null constraint"
    assert sorted(constrained - tested) == []
    assert sorted(tested - constrained) == []
    assert not [
        node["name"]
        for node in manifest["nodes"].values()
        if (node.get("test_metadata") or {}).get("name") == "not_null"
    ], "a column uses the per-column not_null test: declare a not_null constraint instead"
