"""Scheduled runs: an incremental run equals a full refresh, and a re-run changes nothing.

The event-volume staging models (tracks, identify calls, ESP events) are incremental. A
warehouse is built on one batch of generated data, the generator appends the next batch
(a later window of the same people, with late events for the earlier one), and the
project runs again, incrementally. A copy of that warehouse then runs with
`--full-refresh` on the same raw data: every staging table and mart must be identical.
(`--full-refresh` keeps the identity registry and the histories, which are
`full_refresh: false`; ids depend on the order data arrived in, by design.)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import Warehouse, generate, run_dbt

pytestmark = pytest.mark.dbt

N_PEOPLE = 600
SEED = 23
INCREMENTAL_MODELS = ("stg_segment__tracks", "stg_segment__identifies", "stg_esp__email_events")
COMPARED = (
    *(f"staging.{model}" for model in INCREMENTAL_MODELS),
    "intermediate.int_identity_map",
    "intermediate.int_customer_features",
    "core.dim_customers",
    "core.customer_id_merges",
    "audiences.segment_memberships",
    "audiences.segment_membership_events",
    "audiences.customer_primary_segment",
)


def run_project(wh: Warehouse, *extra: str) -> None:
    """The scheduled job, seeds and models (the data tests run elsewhere in the suite)."""
    run_dbt(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test", *extra],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
    )


def table_rows(wh: Warehouse, table: str) -> list[tuple]:
    """Every row, in a fixed order (all columns), so two tables compare exactly."""
    return wh.query(f"select * from {table} order by all")


def snapshot(wh: Warehouse) -> dict[str, list[tuple]]:
    return {table: table_rows(wh, table) for table in COMPARED}


def took_incremental_path(wh: Warehouse, model: str) -> bool:
    """dbt's run artefact of an incremental run inserts into the existing table."""
    results = json.loads((wh.target_path / "run_results.json").read_text())
    (result,) = [r for r in results["results"] if r["unique_id"].endswith(f".{model}")]
    return "insert into" in (result.get("compiled_code") or "") or any(
        "insert into" in path.read_text() for path in (wh.target_path / "run").rglob(f"{model}.sql")
    )


@pytest.fixture(scope="module")
def incremental(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """A warehouse built on batch 1, then run incrementally after batch 2 was appended."""
    base = tmp_path_factory.mktemp("incremental")
    raw = base / "raw"
    generate(raw, N_PEOPLE, SEED)
    wh = Warehouse(db_path=base / "cdp.duckdb", raw_path=raw, target_path=base / "target")
    run_project(wh)
    generate(raw, N_PEOPLE, SEED, "--append")
    run_project(wh)
    return wh


def test_incremental_run_took_the_incremental_path(incremental: Warehouse) -> None:
    for model in INCREMENTAL_MODELS:
        assert took_incremental_path(incremental, model), model
    batches = json.loads((incremental.raw_path / "_truth" / "batches.json").read_text())
    assert [b["batch"] for b in batches["batches"]] == [1, 2]
    # the second batch's events are staged: the newest event is past batch 1's end
    batch_1_end_ms = batches["batches"][0]["end_ms"]
    newest_ms = incremental.scalar(
        "select epoch_ms(max(event_at)) from staging.stg_segment__tracks"
    )
    assert newest_ms > batch_1_end_ms


def test_incremental_run_equals_a_full_refresh(incremental: Warehouse, tmp_path: Path) -> None:
    full = Warehouse(
        db_path=tmp_path / "cdp.duckdb", raw_path=incremental.raw_path, target_path=tmp_path / "t"
    )
    shutil.copyfile(incremental.db_path, full.db_path)
    run_project(full, "--full-refresh")
    for model in INCREMENTAL_MODELS:
        assert not took_incremental_path(full, model), model
    expected, got = snapshot(full), snapshot(incremental)
    for table in COMPARED:
        assert got[table] == expected[table], f"{table} differs after the incremental run"


def test_rerunning_the_schedule_changes_nothing(incremental: Warehouse, tmp_path: Path) -> None:
    again = Warehouse(
        db_path=tmp_path / "cdp.duckdb", raw_path=incremental.raw_path, target_path=tmp_path / "t"
    )
    shutil.copyfile(incremental.db_path, again.db_path)
    before = snapshot(again)
    run_project(again)
    assert snapshot(again) == before
