"""Scheduled runs: an incremental run equals a full refresh, a re-run changes nothing, and a
run killed part-way then re-run ends as if it had never been interrupted.

The staging models of tracks, identify calls, ESP events, orders, order lines, CRM
contacts and consents, the identity records and the resolved event models (tracks and
ESP events with their customer) are incremental. A warehouse is built on one batch of
generated data, the generator appends the next batch (a later window of the same people,
with late events for the earlier one, plus one login that merges a cookie-only visitor of
batch 1 into a known user, so old events must be re-keyed), and the project runs again,
incrementally. A copy of that warehouse then runs with `--full-refresh` on the same raw
data: every incremental table and mart must be identical. (`--full-refresh` keeps the
identity registry and the histories, which are `full_refresh: false`; ids depend on the
order data arrived in, by design.) Copies of the batch-1 warehouse run the same schedule
killed (SIGKILL, DuckDB inside) when a given node has started, then run it again: they
must end identical to the uninterrupted run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import Warehouse, dbt_command, generate, remember_parse, run_dbt

pytestmark = pytest.mark.dbt

N_PEOPLE = 600
SEED = 23
INCREMENTAL_TABLES = (
    "staging.stg_segment__tracks",
    "staging.stg_segment__identifies",
    "staging.stg_esp__email_events",
    "staging.stg_segment__tracks_rejected",
    "staging.stg_segment__identifies_rejected",
    "staging.stg_esp__email_events_rejected",
    "staging.stg_commerce__orders",
    "staging.stg_commerce__order_items",
    "staging.stg_crm__contacts",
    "staging.stg_privacy__consents",
    "staging.stg_commerce__orders_rejected",
    "staging.stg_commerce__order_items_rejected",
    "staging.stg_crm__contacts_rejected",
    "staging.stg_privacy__consents_rejected",
    "intermediate.int_identity_records",
    "intermediate.int_identity_record_identifiers",
    "intermediate.int_identity_edges",
    "intermediate.int_tracks_resolved",
    "intermediate.int_email_events_resolved",
    "intermediate.int_orders_resolved",
    "intermediate.int_email_suppressions_resolved",
    "intermediate.int_customer_tracked_days",
    "intermediate.int_customer_email_days",
    "intermediate.int_customer_product_view_days",
    "intermediate.int_customer_latest_campaigns",
    "core.dim_customers",
)
INCREMENTAL_MODELS = tuple(table.split(".")[1] for table in INCREMENTAL_TABLES)
COMPARED = (
    *INCREMENTAL_TABLES,
    # the resolved models' identity keys, kept by their post-hook (DuckDB)
    "intermediate.int_tracks_resolved__identity_keys",
    "intermediate.int_email_events_resolved__identity_keys",
    "intermediate.int_orders_resolved__identity_keys",
    # the rollups' key sets, kept by their post-hook
    "intermediate.int_customer_tracked_days__key_sets",
    "intermediate.int_customer_email_days__key_sets",
    "intermediate.int_customer_product_view_days__key_sets",
    "intermediate.int_customer_latest_campaigns__key_sets",
    # the edges' state: the guardrails they were built on, the log of changed nodes
    # (emptied by every run of the edges)
    "intermediate.int_identity_edges__guardrails",
    "intermediate.int_identity_record_identifiers__changed_nodes",
    # the profile's state: key sets of the map, the sources' load times
    "core.dim_customers__key_sets",
    "core.dim_customers__loaded_through",
    "intermediate.int_identity_map",
    # what the features aggregate from the rollups
    "intermediate.int_customer_daily_activity",
    "intermediate.int_customer_category_views",
    "intermediate.int_customer_email_series_engagement",
    "intermediate.int_customer_features",
    "core.customer_id_merges",
    "audiences.seg_opened_not_clicking",
    "audiences.segment_memberships",
    "audiences.segment_membership_events",
    "audiences.customer_primary_segment",
)


JOB = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]


def run_project(wh: Warehouse, *extra: str) -> None:
    """The scheduled job, seeds and models (the data tests run elsewhere in the suite)."""
    run_dbt([*JOB, *extra], db_path=wh.db_path, raw_path=wh.raw_path, target_path=wh.target_path)


def run_project_killed_at(wh: Warehouse, node: str) -> str:
    """Run the scheduled job and SIGKILL dbt (and DuckDB in it) once `node` has started."""
    command = dbt_command(JOB, db_path=wh.db_path, raw_path=wh.raw_path, target_path=wh.target_path)
    process = subprocess.Popen(
        command.argv,
        cwd=command.cwd,
        env=dict(command.env, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    output = []
    for line in process.stdout:
        output.append(line)
        if " START " in line and f".{node} " in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=600)
    remember_parse(JOB, db_path=wh.db_path, target_path=wh.target_path)
    log = "".join(output)
    assert process.returncode == -signal.SIGKILL, f"dbt was not killed at {node}:\n{log[-3000:]}"
    return log


def table_rows(wh: Warehouse, table: str) -> list[tuple]:
    """Every row, in a fixed order (all columns), so two tables compare exactly."""
    return wh.query(f"select * from {table} order by all")


def snapshot(wh: Warehouse) -> dict[str, list[tuple]]:
    return {table: table_rows(wh, table) for table in COMPARED}


def took_incremental_path(wh: Warehouse, model: str) -> bool:
    """dbt's run artefact of an incremental run inserts or merges into the existing table
    (a full build of a model with a contract inserts too, but into `<model>__dbt_tmp`)."""
    statement = re.compile(rf'(insert|merge) into "[^"]+"\."[^"]+"\."{model}"[ (]')
    results = json.loads((wh.target_path / "run_results.json").read_text())
    (result,) = [r for r in results["results"] if r["unique_id"].endswith(f".{model}")]
    compiled = [result.get("compiled_code") or ""]
    compiled += [path.read_text() for path in (wh.target_path / "run").rglob(f"{model}.sql")]
    return any(statement.search(text.lower()) for text in compiled)


@pytest.fixture(scope="module")
def incremental(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """A warehouse built on batch 1, then run incrementally after batch 2 was appended."""
    base = tmp_path_factory.mktemp("incremental")
    raw = base / "raw"
    generate(raw, N_PEOPLE, SEED)
    wh = Warehouse(db_path=base / "cdp.duckdb", raw_path=raw, target_path=base / "target")
    run_project(wh)
    # the warehouse as batch 1 left it, for the interrupted runs
    shutil.copyfile(wh.db_path, base / "batch_1.duckdb")
    generate(raw, N_PEOPLE, SEED, "--append")
    add_a_login(base / "batch_1.duckdb", raw)
    run_project(wh)
    return wh


def add_a_login(batch_1_db: Path, raw: Path) -> None:
    """Batch 2 gets one more identify call: a visitor known in batch 1 only by a cookie
    (with tracked events) logs in as a user of batch 1, so two customers merge and the
    events of the merged-away one must be re-keyed."""
    with duckdb.connect(str(batch_1_db), read_only=True) as con:
        cookie, user = con.execute(
            """
            with cookie_only as (
                select customer_id
                from intermediate.int_identity_map
                group by 1
                having bool_and(identifier_type = 'anonymous_id')
            )
            select
                (select min(identity_map.identifier_value)
                 from intermediate.int_identity_map as identity_map
                 inner join cookie_only using (customer_id)
                 where customer_id in (select customer_id from intermediate.int_tracks_resolved)),
                (select min(identifier_value) from intermediate.int_identity_map
                 where identifier_type = 'user_id')
            """
        ).fetchone()
    assert cookie and user, "batch 1 has no cookie-only visitor or no user to merge"
    batches = json.loads((raw / "_truth" / "batches.json").read_text())
    login_ms = batches["batches"][0]["end_ms"] + 3_600_000
    instant = datetime.fromtimestamp(login_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    row = {
        "id": "late-login-merges-two-customers",
        "anonymous_id": cookie,
        "user_id": user,
        "timestamp": instant,
        "sent_at": instant,
        "received_at": instant,
        "context_library_name": "analytics.js",
    }
    table = pa.table({name: pa.array([value], pa.string()) for name, value in row.items()})
    pq.write_table(table, raw / "segment" / "identifies" / "part-0002-login.parquet")
    # and a bad track (no message id) delivered twice, byte for byte: both copies are
    # quarantined, by the incremental run as by a full build
    bad = {**row, "id": None, "event": "Product Viewed", "properties": "{}"}
    del bad["sent_at"]
    table = pa.table({name: pa.array([value] * 2, pa.string()) for name, value in bad.items()})
    pq.write_table(table, raw / "segment" / "tracks" / "part-0002-bad.parquet")


def batch_1_copy(incremental: Warehouse, tmp_path: Path) -> Warehouse:
    """A warehouse built on batch 1 only, reading the raw data of both batches."""
    wh = Warehouse(
        db_path=tmp_path / "cdp.duckdb", raw_path=incremental.raw_path, target_path=tmp_path / "t"
    )
    shutil.copyfile(incremental.db_path.parent / "batch_1.duckdb", wh.db_path)
    return wh


def test_incremental_run_took_the_incremental_path(incremental: Warehouse) -> None:
    for model in INCREMENTAL_MODELS:
        assert took_incremental_path(incremental, model), model
    # the resolved models take their keys from the side table, never a group-by of every
    # event, and read only the window: the pre-hook re-keyed the old events in place
    results = json.loads((incremental.target_path / "run_results.json").read_text())["results"]
    for model in ("int_tracks_resolved", "int_email_events_resolved", "int_orders_resolved"):
        code = next(r for r in results if r["unique_id"].endswith(f".{model}"))["compiled_code"]
        assert "re_keyed" not in code, model
        assert "group by" not in code.lower(), model
    # the tracks' and ESP events' delete reads the window only (strategy resolved_window:
    # a literal start the scan filters on); the orders' reads every order (an order's new
    # version replaces a row loaded before the window)
    for model, received in (
        ("int_tracks_resolved", "received_at"),
        ("int_email_events_resolved", "loaded_at"),
    ):
        (run_sql,) = (incremental.target_path / "run").rglob(f"{model}.sql")
        delete = run_sql.read_text().split("delete from", 1)[1].split(";", 1)[0]
        assert f"and ({received} is null or {received} >= cast('" in delete, (model, delete)
    (orders_sql,) = (incremental.target_path / "run").rglob("int_orders_resolved.sql")
    assert ">= cast(" not in orders_sql.read_text().split("delete from", 1)[1].split(";", 1)[0]
    # the identity records read the append-only sources from the newest settled receive
    # time on (a literal the scan filters on), and some records hold settled rows and
    # rows of the window both: the run added to records, it did not rebuild them
    code = next(r for r in results if r["unique_id"].endswith(".int_identity_records"))[
        "compiled_code"
    ]
    # (tracks and identify calls by received_at, ESP and consent events by loaded_at)
    assert code.count("received_at > cast(") == 2, code[:2000]
    assert code.count("loaded_at > cast(") == 2, code[:2000]
    split_records = dict(
        incremental.query(
            "select record_source, count(*) from intermediate.int_identity_records"
            " where settled_record_count between 1 and record_count - 1 group by 1"
        )
    )
    assert split_records.get("consents", 0) > 0, split_records
    assert sum(split_records.values()) > split_records["consents"], split_records
    batches = json.loads((incremental.raw_path / "_truth" / "batches.json").read_text())
    assert [b["batch"] for b in batches["batches"]] == [1, 2]
    # the second batch's events are staged: the newest event is past batch 1's end
    batch_1_end_ms = batches["batches"][0]["end_ms"]
    newest_ms = incremental.scalar(
        "select epoch_ms(max(event_at)) from staging.stg_segment__tracks"
    )
    assert newest_ms > batch_1_end_ms
    # the quarantine gained the bad rows of batch 2, the copies delivered twice included
    bad_copies = incremental.scalar(
        "select count(*) from staging.stg_segment__tracks_rejected"
        " where rejection_reason = 'missing_id' and user_id is not null"
        " and anonymous_id = (select anonymous_id from staging.stg_segment__identifies"
        " where identify_id = 'late-login-merges-two-customers')"
    )
    assert bad_copies == 2


QUARANTINE_SOURCES = {
    "stg_segment__tracks_rejected": ("segment/tracks", "received_at"),
    "stg_segment__identifies_rejected": ("segment/identifies", "received_at"),
    "stg_esp__email_events_rejected": ("esp/email_events", "_loaded_at"),
    "stg_commerce__orders_rejected": ("commerce/orders", "_loaded_at"),
    "stg_commerce__order_items_rejected": ("commerce/order_items", "_loaded_at"),
    "stg_crm__contacts_rejected": ("crm/contacts", "_loaded_at"),
    "stg_privacy__consents_rejected": ("privacy/consents", "_loaded_at"),
}


def newest_raw_receive_time(wh: Warehouse, folder: str, column: str) -> datetime:
    return wh.scalar(
        f"select max(timezone('UTC', try_cast({column} as timestamptz))) "
        f"from read_parquet('{wh.raw_path / folder}/*.parquet', union_by_name = true)"
    )


def test_quarantines_anchor_their_window_on_a_watermark(
    incremental: Warehouse, tmp_path: Path
) -> None:
    # Every quarantine records the newest receive time of the raw rows it has read, and
    # an incremental run starts its window from it: a quarantine with no recent bad row
    # (or none at all) reads the lookback window, not every raw row of its source.
    results = json.loads((incremental.target_path / "run_results.json").read_text())["results"]
    for model, (folder, column) in QUARANTINE_SOURCES.items():
        newest = newest_raw_receive_time(incremental, folder, column)
        watermark = incremental.scalar(f"select newest_received_at from staging.{model}__watermark")
        assert watermark == newest, model
        code = next(r for r in results if r["unique_id"].endswith(f".{model}"))["compiled_code"]
        assert f"{model}__watermark" in code, model
    # An emptied quarantine (no bad row since long ago, say) re-reads only the window
    # before its watermark: on the batch-1 warehouse, emptied, a run over both batches
    # quarantines the bad tracks received from 3 days before batch 1's newest raw row
    # on, and none of the earlier ones, which an anchor on its (missing) rows would read.
    batch_1 = batch_1_copy(incremental, tmp_path)
    with duckdb.connect(str(batch_1.db_path)) as con:
        (batch_1_watermark,) = con.execute(
            "select newest_received_at from staging.stg_segment__tracks_rejected__watermark"
        ).fetchone()
        con.execute("delete from staging.stg_segment__tracks_rejected")
    run_dbt(
        ["run", "-s", "stg_segment__tracks_rejected"],
        db_path=batch_1.db_path,
        raw_path=batch_1.raw_path,
        target_path=batch_1.target_path,
    )
    received = "timezone('UTC', try_cast(received_at as timestamptz))"
    in_window = (
        f"{received} is null or {received} >= timestamp '{batch_1_watermark}' - interval 3 day"
    )
    every_bad_track = incremental.query(
        f"select *, ({in_window}) as in_window from staging.stg_segment__tracks_rejected"
    )
    expected = Counter(row[:-1] for row in every_bad_track if row[-1])
    assert 0 < expected.total() < len(every_bad_track)
    assert Counter(batch_1.query("select * from staging.stg_segment__tracks_rejected")) == expected


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


def test_a_seed_change_rewrites_the_record_identifiers(
    incremental: Warehouse, tmp_path: Path
) -> None:
    """The incremental record identifiers depend on the identity seeds too: a value
    blocked in the seed (as `dbt seed` loads it) loses its rows on the next run, which
    ends as a full build of the same records and seeds."""
    wh = Warehouse(
        db_path=tmp_path / "cdp.duckdb", raw_path=incremental.raw_path, target_path=tmp_path / "t"
    )
    shutil.copyfile(incremental.db_path, wh.db_path)
    table = "intermediate.int_identity_record_identifiers"
    value = wh.scalar(f"select min(identifier_value) from {table} where identifier_type = 'email'")
    checksum = wh.scalar(f"select min(identity_seeds_checksum) from {table}")
    with wh.connect(read_only=False) as con:
        con.execute(
            "insert into reference.identifier_blocklist values ('email', ?, 'blocked by a test')",
            [value],
        )
    models = [
        "int_identifiers",
        "int_identity_record_identifiers",
        "int_identifier_guardrails",
        "int_identity_edges",
    ]
    run_dbt(
        ["run", "--select", *models],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
    )
    assert took_incremental_path(wh, "int_identity_record_identifiers")
    quoted = value.replace("'", "''")
    assert wh.scalar(f"select count(*) from {table} where identifier_value = '{quoted}'") == 0
    assert wh.scalar(f"select count(distinct identity_seeds_checksum) from {table}") == 1
    assert wh.scalar(f"select min(identity_seeds_checksum) from {table}") != checksum
    full = Warehouse(
        db_path=tmp_path / "full.duckdb", raw_path=wh.raw_path, target_path=tmp_path / "tf"
    )
    shutil.copyfile(wh.db_path, full.db_path)
    run_dbt(
        ["run", "--select", *models, "--full-refresh"],
        db_path=full.db_path,
        raw_path=full.raw_path,
        target_path=full.target_path,
    )
    assert not took_incremental_path(full, "int_identity_record_identifiers")
    assert table_rows(wh, table) == table_rows(full, table)
    # every record rewritten: the edges out of every node recomputed, as a full build
    edges = "intermediate.int_identity_edges"
    assert took_incremental_path(wh, "int_identity_edges")
    assert table_rows(wh, edges) == table_rows(full, edges)
    blocked_edges = wh.scalar(
        f"select count(*) from {edges}"
        f" where from_identifier_value = '{quoted}' or to_identifier_value = '{quoted}'"
    )
    assert blocked_edges == 0


def test_latest_campaigns_recompute_only_the_customers_with_new_email_events(
    incremental: Warehouse,
) -> None:
    """The per-customer model recomputed some customers, not all: those with ESP events
    in the lookback window and the re-keyed ones. No merged-away customer keeps a row."""
    table = "intermediate.int_customer_latest_campaigns"
    pending = incremental.scalar(f"select count(*) from {table}__pending")
    customers = incremental.scalar(f"select count(distinct customer_id) from {table}")
    assert 0 < pending < customers, (pending, customers)
    merges = [
        customer
        for (customer,) in incremental.query("select old_customer_id from core.customer_id_merges")
    ]
    held = {c for (c,) in incremental.query(f"select distinct customer_id from {table}")}
    assert not held & set(merges), "a merged-away customer kept its latest campaigns"
    # most pending customers merged the window's events into their held rows; the others
    # (re-keyed, or with a campaign held nowhere but seen before the window) regrouped
    regrouped = {c for (c,) in incremental.query(f"select customer_id from {table}__regroup")}
    pending_customers = {
        c for (c,) in incremental.query(f"select customer_id from {table}__pending")
    }
    assert regrouped <= pending_customers
    assert len(regrouped) < len(pending_customers) / 2, (len(regrouped), len(pending_customers))


def test_the_profile_recomputes_only_the_customers_whose_inputs_changed(
    incremental: Warehouse, tmp_path: Path
) -> None:
    """dim_customers rebuilt some customers, not all: those whose map rows changed (both
    sides of the run's merges among them) and those named by a source row of the window."""
    pending = {
        customer
        for (customer,) in incremental.query("select customer_id from core.dim_customers__pending")
    }
    customers = incremental.scalar("select count(*) from core.dim_customers")
    assert 0 < len(pending) < customers, (len(pending), customers)
    merges_sql = "select old_customer_id, current_customer_id from core.customer_id_merges"
    with batch_1_copy(incremental, tmp_path).connect() as con:
        merged_before = set(con.sql(merges_sql).fetchall())
    new_merges = set(incremental.query(merges_sql)) - merged_before
    assert new_merges, "batch 2 merged no customer: the profile's re-keying is untested"
    assert all(old in pending and new in pending for old, new in new_merges)


def test_edges_recompute_only_the_nodes_whose_records_or_guardrails_changed(
    incremental: Warehouse, tmp_path: Path
) -> None:
    """A run recomputes the edges out of the logged nodes (records rewritten since) and
    out of every node of a record holding an identifier whose guardrail decision differs
    from the one recorded; the other edges stay as they are. Three nodes' edges of the
    incremental warehouse are spoiled: a node put in the log, a node of a record holding
    a guardrailed identifier whose recorded decision is removed, and a node of neither.
    A run with no new data repairs the first two only."""
    wh = Warehouse(
        db_path=tmp_path / "cdp.duckdb", raw_path=incremental.raw_path, target_path=tmp_path / "t"
    )
    shutil.copyfile(incremental.db_path, wh.db_path)
    edges = "intermediate.int_identity_edges"
    held = "intermediate.int_identity_record_identifiers"
    log = f"{held}__changed_nodes"
    recorded = f"{edges}__guardrails"

    def edges_out_of(con: duckdb.DuckDBPyConnection, node: int) -> list[tuple]:
        return con.execute(
            f"select to_node_id, record_count from {edges} where from_node_id = ? order by 1",
            [node],
        ).fetchall()

    with wh.connect(read_only=False) as con:
        guardrailed = con.execute(
            f"""
            select
                recorded.identifier_type,
                recorded.identifier_value,
                min(edges.from_node_id)
            from {recorded} as recorded
            inner join {held} as holder using (identifier_type, identifier_value)
            inner join {held} as other using (record_key)
            inner join {edges} as edges on other.node_id = edges.from_node_id
            group by 1, 2
            order by 1, 2
            limit 1
            """
        ).fetchall()
        assert guardrailed, "no guardrailed identifier with edges: that path is untested"
        ((guard_type, guard_value, guard_node),) = guardrailed
        re_decided = {
            node
            for (node,) in con.execute(
                f"select other.node_id from {held} as holder"
                f" inner join {held} as other using (record_key)"
                " where holder.identifier_type = ? and holder.identifier_value = ?",
                [guard_type, guard_value],
            ).fetchall()
        }
        logged_node, untouched_node = [
            node
            for (node,) in con.execute(
                f"select distinct from_node_id from {edges} order by 1 limit 50"
            ).fetchall()
            if node not in re_decided
        ][:2]
        spoiled = (logged_node, guard_node, untouched_node)
        expected = {node: edges_out_of(con, node) for node in spoiled}
        edge_count = con.execute(f"select count(*) from {edges}").fetchone()[0]
        con.execute(
            f"update {edges} set record_count = record_count + 1000"
            " where from_node_id in (?, ?, ?)",
            list(spoiled),
        )
        con.execute(f"insert into {log} values (?)", [logged_node])
        con.execute(
            f"delete from {recorded} where identifier_type = ? and identifier_value = ?",
            [guard_type, guard_value],
        )
    run_project(wh)
    assert took_incremental_path(wh, "int_identity_edges")
    with wh.connect() as con:
        assert edges_out_of(con, logged_node) == expected[logged_node], "a logged node"
        assert edges_out_of(con, guard_node) == expected[guard_node], "a re-decided record"
        assert edges_out_of(con, untouched_node) == [
            (to_node, count + 1000) for to_node, count in expected[untouched_node]
        ], "the edges out of an untouched node were recomputed"
        assert con.execute(f"select count(*) from {edges}").fetchone()[0] == edge_count
        assert con.execute(f"select count(*) from {log}").fetchone()[0] == 0
        assert (
            con.execute(f"select count(*) from {recorded}").fetchone()[0]
            == (
                con.execute(
                    "select count(*) from intermediate.int_identifier_guardrails"
                ).fetchone()[0]
            )
        )


def test_a_full_build_of_the_record_identifiers_makes_the_edges_rebuild_whole(
    incremental: Warehouse, tmp_path: Path
) -> None:
    """A full build of the record identifiers leaves the "everything" mark in the log:
    the next run of the edges rebuilds every edge (a spoiled one is repaired), and
    empties the log."""
    wh = Warehouse(
        db_path=tmp_path / "cdp.duckdb", raw_path=incremental.raw_path, target_path=tmp_path / "t"
    )
    shutil.copyfile(incremental.db_path, wh.db_path)
    edges = "intermediate.int_identity_edges"
    log = "intermediate.int_identity_record_identifiers__changed_nodes"
    before = table_rows(wh, edges)
    with wh.connect(read_only=False) as con:
        con.execute(
            f"update {edges} set record_count = record_count + 1000"
            f" where from_node_id = (select min(from_node_id) from {edges})"
        )
    run_dbt(
        ["run", "--select", "int_identity_record_identifiers", "--full-refresh"],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
    )
    assert wh.query(f"select node_id from {log}") == [(None,)]
    run_dbt(
        ["run", "--select", "int_identifier_guardrails", "int_identity_edges"],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
    )
    assert took_incremental_path(wh, "int_identity_edges")
    assert table_rows(wh, edges) == before
    assert wh.scalar(f"select count(*) from {log}") == 0


def test_a_settings_change_recomputes_every_customer_of_the_latest_campaigns(
    incremental: Warehouse, tmp_path: Path
) -> None:
    """The rows store the checksum of the vars they were computed with: a run with
    another number of campaigns recomputes every customer, as a full build would."""
    wh = Warehouse(
        db_path=tmp_path / "cdp.duckdb", raw_path=incremental.raw_path, target_path=tmp_path / "t"
    )
    shutil.copyfile(incremental.db_path, wh.db_path)
    table = "intermediate.int_customer_latest_campaigns"
    model = [
        "--select",
        "int_customer_latest_campaigns",
        "--vars",
        "audience_not_clicking_campaigns: 2",
    ]
    run_dbt(["run", *model], db_path=wh.db_path, raw_path=wh.raw_path, target_path=wh.target_path)
    assert took_incremental_path(wh, "int_customer_latest_campaigns")
    assert wh.scalar(f"select max(send_rank) from {table}") == 2
    assert wh.scalar(f"select count(distinct settings_checksum) from {table}") == 1
    full = Warehouse(
        db_path=tmp_path / "full.duckdb", raw_path=wh.raw_path, target_path=tmp_path / "tf"
    )
    shutil.copyfile(incremental.db_path, full.db_path)
    run_dbt(
        ["run", *model, "--full-refresh"],
        db_path=full.db_path,
        raw_path=full.raw_path,
        target_path=full.target_path,
    )
    assert not took_incremental_path(full, "int_customer_latest_campaigns")
    assert table_rows(wh, table) == table_rows(full, table)


def test_record_identifiers_built_before_the_checksum_ask_for_a_full_refresh(
    incremental: Warehouse, tmp_path: Path
) -> None:
    """A table from before the model was incremental (no checksum column) fails the run
    with the command that rebuilds it, not with a binder error."""
    wh = Warehouse(
        db_path=tmp_path / "cdp.duckdb", raw_path=incremental.raw_path, target_path=tmp_path / "t"
    )
    shutil.copyfile(incremental.db_path, wh.db_path)
    with wh.connect(read_only=False) as con:
        con.execute(
            "alter table intermediate.int_identity_record_identifiers"
            " drop column identity_seeds_checksum"
        )
    result = run_dbt(
        ["run", "--select", "int_identity_record_identifiers"],
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
        check=False,
    )
    assert result.returncode != 0
    assert "built before it became incremental" in result.stdout
    assert "--full-refresh --select int_identity_records int_identity_record_identifiers" in (
        " ".join(result.stdout.split())
    )


def test_merges_re_key_the_events_of_the_merged_customers(
    incremental: Warehouse, tmp_path: Path
) -> None:
    """Events resolved in batch 1 to a customer that batch 2 merged away now carry the survivor."""
    before = batch_1_copy(incremental, tmp_path)
    with before.connect() as con:
        batch_1 = dict(
            con.sql("select event_id, customer_id from intermediate.int_tracks_resolved").fetchall()
        )
    merges = dict(
        incremental.query(
            "select old_customer_id, current_customer_id from core.customer_id_merges"
        )
    )
    now = dict(
        incremental.query("select event_id, customer_id from intermediate.int_tracks_resolved")
    )
    re_keyed = [event for event, customer in batch_1.items() if customer in merges]
    assert re_keyed, "batch 2 merged no customer with batch 1 events: the re-keying is untested"
    assert all(now[event] == merges[batch_1[event]] for event in re_keyed)


def test_rollups_rebuild_only_the_customer_days_whose_events_changed(
    incremental: Warehouse, tmp_path: Path
) -> None:
    """The incremental run rebuilt some of the rollups' rows, not all of them: the
    customer-days with events in the lookback window and every day of both sides of a
    merge. A merged-away customer has no row left; the survivor's rows count its events."""
    merges = dict(
        incremental.query(
            "select old_customer_id, current_customer_id from core.customer_id_merges"
        )
    )
    assert merges, "batch 2 merged no customer: the re-keying of the rollups is untested"
    for rollup in (
        "int_customer_tracked_days",
        "int_customer_email_days",
        "int_customer_product_view_days",
    ):
        pending = incremental.scalar(f"select count(*) from intermediate.{rollup}__pending")
        days = incremental.scalar(
            f"select count(distinct (customer_id, activity_date)) from intermediate.{rollup}"
        )
        assert 0 < pending < days / 2, rollup
    rollup_customers = {
        customer
        for (customer,) in incremental.query(
            "select distinct customer_id from intermediate.int_customer_tracked_days"
        )
    }
    assert not rollup_customers & set(merges), "a merged-away customer kept tracked days"
    with batch_1_copy(incremental, tmp_path).connect() as con:
        batch_1_days = con.sql(
            "select customer_id, activity_date from intermediate.int_customer_tracked_days"
        ).fetchall()
    re_keyed_days = [(merges[c], day) for c, day in batch_1_days if c in merges]
    assert re_keyed_days, "no merged-away customer had tracked days in batch 1"
    pending_days = set(
        incremental.query(
            "select customer_id, activity_date from intermediate.int_customer_tracked_days__pending"
        )
    )
    survivors = {merges[c] for c, _ in batch_1_days if c in merges}
    survivor_days = {
        (c, day)
        for c, day in incremental.query(
            "select customer_id, activity_date from intermediate.int_customer_tracked_days"
        )
        if c in survivors
    }
    # the merged-away customer's old days, now the survivor's, and all the survivor's days
    assert set(re_keyed_days) <= survivor_days <= pending_days


@pytest.mark.parametrize(
    "node",
    [
        "stg_segment__tracks",  # appending the new events
        "int_identity_records",  # adding the new rows to the settled records
        "int_identity_record_identifiers",  # rewriting the changed records' rows
        "int_identifier_guardrails",  # the record identifiers committed, the edges not yet
        "int_identity_edges",  # the edges out of the changed nodes, emptying the log
        "int_tracks_resolved",  # merging new and re-keyed events
        "int_orders_resolved",  # rewriting the window's orders, re-keying old ones
        "int_customer_tracked_days",  # the rollup, after its resolved model committed
        "int_customer_latest_campaigns",  # per customer, after the ESP events committed
        "dim_customers",  # the profile, per customer, with its state tables
        "int_identity_registry",  # the customer-id state (never fully refreshed)
        "segment_membership_events",  # the membership history
    ],
)
def test_a_run_killed_part_way_then_re_run_ends_as_an_uninterrupted_run(
    incremental: Warehouse, tmp_path: Path, node: str
) -> None:
    wh = batch_1_copy(incremental, tmp_path)
    run_project_killed_at(wh, node)
    expected = snapshot(incremental)
    assert snapshot(wh) != expected, f"the run killed at {node} had already done everything"
    run_project(wh)
    got = snapshot(wh)
    for table in COMPARED:
        assert got[table] == expected[table], f"{table} differs after a run killed at {node}"
