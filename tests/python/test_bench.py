"""The benchmark's measuring parts: process-tree memory, timing, run_results parsing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cdp.bench import (
    BuildResult,
    Measured,
    measure,
    nodes_running_at,
    report,
    slowest_models,
    time_by_resource_type,
    tree_rss_bytes,
)

BIN_DIR = Path(sys.executable).parent


def test_tree_rss_counts_children() -> None:
    own = tree_rss_bytes(os.getpid())
    assert own > 10 * 1024**2  # a Python process with duckdb loaded holds > 10 MiB


def test_measure_sees_a_child_that_allocates_memory() -> None:
    # The child holds 300 MiB for a moment; the sampled peak must see most of it.
    code = (
        "import time; b = bytearray(300 * 1024**2); "
        "b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
    )
    result = measure([sys.executable, "-c", code], dict(os.environ), interval=0.05)
    assert result.returncode == 0
    assert result.seconds >= 1.5
    assert result.peak_rss_bytes > 250 * 1024**2


def test_slowest_models_sorted_and_trimmed(tmp_path: Path) -> None:
    results = {
        "results": [
            {"unique_id": "model.composable_cdp.a", "execution_time": 1.0},
            {"unique_id": "model.composable_cdp.b", "execution_time": 3.0},
            {"unique_id": "test.composable_cdp.c", "execution_time": 2.0},
        ]
    }
    (tmp_path / "run_results.json").write_text(json.dumps(results))
    assert slowest_models(tmp_path, 2) == [("b", 3.0), ("c", 2.0)]


def test_report_gives_ratio_and_rates() -> None:
    gen = Measured(2.0, 1024**3, 0)
    full = BuildResult("full build", Measured(100.0, 2 * 1024**3, 0), 1_000_000, [("m", 50.0)])
    inc = BuildResult("incremental build", Measured(5.0, 1024**3, 0), 10_000, [("m", 2.0)])
    text = report(1000, gen, full, inc)
    assert "| full build | 1,000,000 | 100.0 s | 2.00 GiB | 10,000 |" in text
    assert "Incremental / full wall time: 5.0%" in text
    assert "(1.00% new events)" in text


def test_time_by_resource_type_sums_each_kind(tmp_path: Path) -> None:
    results = {
        "results": [
            {"unique_id": "model.composable_cdp.a", "execution_time": 1.5},
            {"unique_id": "model.composable_cdp.b", "execution_time": 2.0},
            {"unique_id": "unit_test.composable_cdp.a.t", "execution_time": 0.5},
        ]
    }
    (tmp_path / "run_results.json").write_text(json.dumps(results))
    assert time_by_resource_type(tmp_path) == {"model": 3.5, "unit_test": 0.5}


@pytest.mark.dbt
def test_bench_runs_end_to_end_at_a_tiny_size(tmp_path: Path) -> None:
    """CI keeps the benchmark working: generate, full build, append, hourly build, report."""
    output = tmp_path / "bench.md"
    env = {k: v for k, v in os.environ.items() if k not in ("CDP_RAW_PATH", "CDP_DUCKDB_PATH")}
    subprocess.run(
        [
            *(str(BIN_DIR / "cdp"), "bench", "--customers", "200", "--seed", "5"),
            *("--workdir", str(tmp_path / "work"), "--output", str(output)),
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    text = output.read_text()
    assert "| full build (all nodes) |" in text
    assert "| incremental build (--selector hourly, data_tests_scope lookback) |" in text
    assert "Incremental / full wall time:" in text
    # the incremental build was the hourly job: no ML model, no unit test ran
    last_run = json.loads((tmp_path / "work" / "target" / "run_results.json").read_text())
    ran = {result["unique_id"] for result in last_run["results"]}
    assert not any(".churn_scores" in node or node.startswith("unit_test.") for node in ran)
    assert any(node.endswith(".int_tracks_resolved") for node in ran)
    # with the hourly job's data tests scoped to the lookback window, set by the
    # environment, so the hourly build parsed partially after the full build
    assert last_run["args"]["vars"] == {}
    compiled = tmp_path / "work" / "target" / "compiled"
    unique_test = next(compiled.rglob("unique_stg_segment__tracks_event_id.sql")).read_text()
    assert "received_at >= cast('" in unique_test
    log = (tmp_path / "work" / "logs" / "dbt.log").read_text()
    hourly_log = log[log.rindex("Running with dbt=") :]
    assert "Partial parsing enabled" in hourly_log
    assert "Unable to do partial parsing" not in hourly_log


def test_nodes_running_at_the_peak(tmp_path: Path) -> None:
    # a runs 10:00:00-10:00:10, b 10:00:05-10:00:20; a test with no timing is skipped
    def timing(start: str, end: str) -> list[dict[str, str]]:
        return [
            {
                "name": "compile",
                "started_at": f"2026-12-03T10:00:{start}Z",
                "completed_at": f"2026-12-03T10:00:{start}Z",
            },
            {
                "name": "execute",
                "started_at": f"2026-12-03T10:00:{start}Z",
                "completed_at": f"2026-12-03T10:00:{end}Z",
            },
        ]

    results = {
        "results": [
            {"unique_id": "model.composable_cdp.a", "timing": timing("00", "10")},
            {"unique_id": "model.composable_cdp.b", "timing": timing("05", "20")},
            {"unique_id": "test.composable_cdp.c", "timing": []},
        ]
    }
    (tmp_path / "run_results.json").write_text(json.dumps(results))
    moment = datetime(2026, 12, 3, 10, 0, 7, tzinfo=UTC).timestamp()
    assert nodes_running_at(tmp_path, moment) == ["a", "b"]
    later = datetime(2026, 12, 3, 10, 0, 15, tzinfo=UTC).timestamp()
    assert nodes_running_at(tmp_path, later) == ["b"]
    assert nodes_running_at(tmp_path, later + 60) == []
