"""Staging: every raw row is accounted for, and the accounting test can fail.

The module builds only the staging layer (`dbt build -s +staging`: seeds, staging models,
their data and unit tests) into its own DuckDB file, from the suite's generated data
(CDP_TEST_DATA/raw, as `make test` provides) or from a small population generated here.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import Warehouse, generate, run_dbt

pytestmark = pytest.mark.dbt

STAGING_CUSTOMERS = 400
STAGING_SEED = 7

# staged table -> (source table, clean key column)
STAGED_TABLES = {
    "stg_segment__tracks": ("segment.tracks", "event_id"),
    "stg_segment__identifies": ("segment.identifies", "identify_id"),
    "stg_crm__contacts": ("crm.contacts", "contact_id"),
    "stg_commerce__orders": ("commerce.orders", "order_id"),
    "stg_commerce__order_items": ("commerce.order_items", "order_item_id"),
    "stg_commerce__products": ("commerce.products", "product_id"),
    "stg_esp__email_events": ("esp.email_events", "email_event_id"),
    "stg_privacy__consents": ("privacy.consents", "consent_id"),
    "stg_privacy__deletion_requests": ("privacy.deletion_requests", "deletion_request_id"),
}
# row-versioned tables (latest version wins) -> raw id column
VERSIONED_TABLES = {"crm.contacts": "contact_id", "commerce.orders": "order_id"}
RECONCILIATION = "test_name:source_reconciles"


def raw_count(raw_path: Path, source_table: str) -> int:
    source, table = source_table.split(".")
    pattern = raw_path / source / table / "*.parquet"
    with duckdb.connect() as con:
        return con.sql(
            f"select count(*) from read_parquet('{pattern}', union_by_name = true)"
        ).fetchall()[0][0]


def dbt_test_results(target_path: Path) -> dict[str, tuple[str, int | None]]:
    """{test node name: (status, failures)} from the last dbt run's run_results.json."""
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    return {
        row["unique_id"].split(".")[2]: (row["status"], row.get("failures"))
        for row in results
        if row["unique_id"].startswith("test.")
    }


def reconciliation_status(target_path: Path) -> dict[str, str]:
    """{clean model: status of its source_reconciles test} from the last dbt run."""
    statuses: dict[str, str] = {}
    for name, (status, _) in dbt_test_results(target_path).items():
        for model in STAGED_TABLES:
            if name.startswith(f"source_reconciles_{model}_"):
                statuses[model] = status
    return statuses


@pytest.fixture(scope="module")
def staging(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """Staging built into a private DuckDB file; raw data from the suite or generated."""
    base = tmp_path_factory.mktemp("staging")
    shared = os.environ.get("CDP_TEST_DATA")
    if shared and (Path(shared) / "raw").is_dir():
        raw = Path(shared) / "raw"
    else:
        raw = base / "raw"
        generate(raw, STAGING_CUSTOMERS, STAGING_SEED)
    wh = Warehouse(db_path=base / "warehouse.duckdb", raw_path=raw, target_path=base / "target")
    run_dbt(
        # cautious: only tests whose every parent is selected (the privacy test of
        # an audience reads staging too, but its mart is not built here)
        ["build", "-s", "+staging", "--indirect-selection", "cautious"],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
    )
    return wh


@pytest.fixture
def tampered_copy(staging: Warehouse, tmp_path: Path) -> Iterator[Warehouse]:
    """A private copy of the staging database that a test may damage."""
    db_copy = tmp_path / "tampered.duckdb"
    shutil.copyfile(staging.db_path, db_copy)
    yield Warehouse(db_path=db_copy, raw_path=staging.raw_path, target_path=tmp_path / "target")


def test_every_table_reconciles_on_generated_data(staging: Warehouse) -> None:
    statuses = reconciliation_status(staging.target_path)
    assert statuses == dict.fromkeys(STAGED_TABLES, "pass")


def truth(raw_path: Path, name: str) -> dict:
    path = raw_path / "_truth" / name
    if not path.is_file():
        pytest.skip(f"{path} missing: the raw data was not written by `cdp generate`")
    return json.loads(path.read_text())


def test_rejections_match_the_generators_malformed_rows(staging: Warehouse) -> None:
    """Every malformed row the generator planted is quarantined, with its kind as reason."""
    malformed = truth(staging.raw_path, "malformed_counts.json")
    for model, (source_table, _) in STAGED_TABLES.items():
        reasons = dict(
            staging.query(
                f"select rejection_reason, count(*) from staging.{model}_rejected group by 1"
            )
        )
        assert reasons == malformed[source_table], model


def test_row_accounting_matches_the_generator(staging: Warehouse) -> None:
    """raw = clean + rejected + duplicates removed, against the generator's own accounting.

    The generator counts each row version of a versioned table (crm.contacts,
    commerce.orders) as a valid unique row; staging keeps only the latest version, so
    there clean = distinct ids of the valid rows and the other versions are superseded.
    """
    accounting = truth(staging.raw_path, "row_accounting.json")
    for model, (source_table, key) in STAGED_TABLES.items():
        expected = accounting[source_table]
        raw = raw_count(staging.raw_path, source_table)
        clean = staging.scalar(f"select count(*) from staging.{model}")
        rejected = staging.scalar(f"select count(*) from staging.{model}_rejected")
        removed = raw - clean - rejected
        assert raw == expected["total_rows"], model
        assert rejected == expected["malformed"], model
        assert clean == staging.scalar(f"select count(distinct {key}) from staging.{model}")
        if source_table in VERSIONED_TABLES:
            assert expected["duplicate_deliveries"] == 0, "versioned tables have no re-deliveries"
            assert clean + removed == expected["valid_unique"], model
            assert clean == distinct_valid_ids(staging, model, source_table), model
        else:
            assert clean == expected["valid_unique"], model
            assert removed == expected["duplicate_deliveries"], model


def distinct_valid_ids(staging: Warehouse, model: str, source_table: str) -> int:
    """Distinct trimmed ids of the raw rows, minus those only seen in quarantined rows."""
    source, table = source_table.split(".")
    raw_key = VERSIONED_TABLES[source_table]
    pattern = staging.raw_path / source / table / "*.parquet"
    return staging.scalar(
        f"""
        select count(distinct trim({raw_key}))
        from read_parquet('{pattern}', union_by_name = true)
        where trim({raw_key}) not in (
            select trim({raw_key}) from staging.{model}_rejected where {raw_key} is not null
        )
        """
    )


# model whose reconciliation must fail -> (damaged table, statement, row count change)
TAMPERING = {
    # a clean row lost
    "stg_segment__tracks": (
        "stg_segment__tracks",
        """delete from staging.stg_segment__tracks
        where event_id = (select min(event_id) from staging.stg_segment__tracks)""",
        -1,
    ),
    # a clean row invented (a copy of a row under a new key)
    "stg_commerce__orders": (
        "stg_commerce__orders",
        """insert into staging.stg_commerce__orders
        select * replace ('invented-' || order_id as order_id)
        from staging.stg_commerce__orders
        where order_id = (select min(order_id) from staging.stg_commerce__orders)""",
        1,
    ),
    # a clean row's key altered: same count, another key set
    "stg_esp__email_events": (
        "stg_esp__email_events",
        """update staging.stg_esp__email_events
        set email_event_id = 'altered-' || email_event_id
        where email_event_id = (select min(email_event_id) from staging.stg_esp__email_events)""",
        0,
    ),
    # a duplicate delivery kept
    "stg_privacy__consents": (
        "stg_privacy__consents",
        """insert into staging.stg_privacy__consents
        select * from staging.stg_privacy__consents
        where consent_id = (select min(consent_id) from staging.stg_privacy__consents)""",
        1,
    ),
    # a quarantined row lost
    "stg_segment__identifies": (
        "stg_segment__identifies_rejected",
        """delete from staging.stg_segment__identifies_rejected
        where rowid = (select min(rowid) from staging.stg_segment__identifies_rejected)""",
        -1,
    ),
}


def test_reconciliation_fails_when_a_row_is_lost_or_invented(tampered_copy: Warehouse) -> None:
    """Damage five tables in five ways: exactly their reconciliation tests fail."""
    with tampered_copy.connect(read_only=False) as con:
        for table, statement, change in TAMPERING.values():
            count = f"select count(*) from staging.{table}"
            before = con.sql(count).fetchall()[0][0]
            con.execute(statement)
            assert con.sql(count).fetchall()[0][0] == before + change, table
    tampered = tampered_copy.scalar(
        "select count(*) from staging.stg_esp__email_events where email_event_id like 'altered-%'"
    )
    assert tampered == 1

    result = run_dbt(
        ["test", "-s", RECONCILIATION],
        db_path=tampered_copy.db_path,
        raw_path=tampered_copy.raw_path,
        target_path=tampered_copy.target_path,
        check=False,
    )
    assert result.returncode != 0, "dbt test passed on a damaged staging layer"
    expected = {model: "fail" if model in TAMPERING else "pass" for model in STAGED_TABLES}
    assert reconciliation_status(tampered_copy.target_path) == expected
