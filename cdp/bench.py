"""`cdp bench`: time a full and an incremental `dbt build` at a given population size.

Measures, in one run: data generation, a full build (`--full-refresh`, every node), then
an incremental build of a scheduled job (`--selector`, `hourly` by default, with its
data tests scoped to the lookback window as the README schedules it: `--test-scope`) after
appending a new batch of about 1% of the events. For each build
it reports wall time, peak RSS of the whole process tree (dbt, DuckDB and the Python
models all run in-process, but the tree is sampled anyway), events per second and the
slowest models from `target/run_results.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[1]
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def tree_rss_bytes(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat_file:
                fields = stat_file.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as statm_file:
                resident_pages = int(statm_file.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = resident_pages * PAGE_SIZE
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


@dataclass
class Measured:
    """Wall time, peak tree RSS, exit code and output (stdout and stderr) of one command."""

    seconds: float
    peak_rss_bytes: int
    returncode: int
    output: str = ""
    # wall-clock time (epoch seconds) of the sample that saw the peak
    peak_at: float = 0.0

    @property
    def output_tail(self) -> str:
        """The last 40 lines of the output, for an error message."""
        return "".join(self.output.splitlines(keepends=True)[-40:])


def measure(command: Sequence[str], env: dict[str, str], interval: float = 0.2) -> Measured:
    """Run a command, sampling the RSS of its process tree until it exits."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak, peak_at = 0, 0.0
    lines: list[str] = []

    def drain() -> None:
        assert process.stdout is not None
        lines.extend(process.stdout)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    while process.poll() is None:
        rss = tree_rss_bytes(process.pid)
        if rss > peak:
            peak, peak_at = rss, time.time()
        time.sleep(interval)
    reader.join()
    return Measured(time.perf_counter() - start, peak, process.returncode, "".join(lines), peak_at)


@dataclass
class BuildResult:
    """One dbt build, as measured."""

    label: str
    measured: Measured
    events: int
    slowest: list[tuple[str, float]] = field(default_factory=list)
    by_type: dict[str, float] = field(default_factory=dict)
    # the nodes that were running when the tree's RSS peaked
    at_peak: list[str] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        return self.events / self.measured.seconds if self.measured.seconds else 0.0


def slowest_models(target_path: Path, top: int) -> list[tuple[str, float]]:
    """The `top` slowest nodes of the last dbt invocation (run_results.json)."""
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    timed = [(r["unique_id"].split(".", 2)[-1], float(r["execution_time"])) for r in results]
    return sorted(timed, key=lambda item: item[1], reverse=True)[:top]


def _epoch(stamp: str) -> float:
    """run_results.json timestamps (UTC, ISO 8601, trailing Z) as epoch seconds."""
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def nodes_running_at(target_path: Path, moment: float) -> list[str]:
    """Nodes of the last dbt invocation whose execution spans `moment` (epoch seconds)."""
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    running = []
    for result in results:
        spans = [
            t for t in result.get("timing", []) if t.get("started_at") and t.get("completed_at")
        ]
        if not spans:
            continue
        started = min(_epoch(t["started_at"]) for t in spans)
        completed = max(_epoch(t["completed_at"]) for t in spans)
        if started <= moment <= completed:
            running.append(result["unique_id"].split(".", 2)[-1])
    return sorted(running)


def count_raw_events(raw_path: Path) -> int:
    """Rows of every raw event table (tracks, identifies, email events, orders)."""
    tables = ("segment/tracks", "segment/identifies", "esp/email_events", "commerce/orders")
    with duckdb.connect() as con:
        return sum(
            con.execute(
                f"select count(*) from read_parquet('{raw_path / table}/*.parquet')"
            ).fetchone()[0]
            for table in tables
        )


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def time_by_resource_type(target_path: Path) -> dict[str, float]:
    """Summed execution time of the last dbt invocation per resource type (model, test...)."""
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    totals: dict[str, float] = {}
    for result in results:
        kind = result["unique_id"].split(".", 1)[0]
        totals[kind] = totals.get(kind, 0.0) + float(result["execution_time"])
    return totals


def run_bench(
    customers: int,
    seed: int,
    workdir: Path,
    append_days: int,
    top: int,
    selector: str = "hourly",
    test_scope: str = "lookback",
) -> str:
    """Run the whole benchmark and return it as a Markdown report."""
    raw, db, target = workdir / "raw", workdir / "cdp.duckdb", workdir / "target"
    for path in (db, Path(f"{db}.wal")):
        path.unlink(missing_ok=True)
    env = dict(os.environ, CDP_RAW_PATH=str(raw), CDP_DUCKDB_PATH=str(db))
    dbt = [_bin("dbt"), "build", "--target-path", str(target), "--log-path", str(workdir / "logs")]

    gen = measure(
        [
            _bin("cdp"),
            "generate",
            "--customers",
            str(customers),
            "--seed",
            str(seed),
            "--out",
            str(raw),
        ],
        env,
    )
    if gen.returncode:
        raise SystemExit(f"cdp bench: generation failed\n{gen.output_tail}")
    full_events = count_raw_events(raw)
    # the scope of the data tests comes from the environment (macro data_tests_scope),
    # so the hourly build parses partially after the full one, as in a schedule
    full = measure([*dbt, "--full-refresh"], dict(env, CDP_DATA_TESTS_SCOPE="all"))
    if full.returncode:
        raise SystemExit(f"cdp bench: full build failed\n{full.output_tail}")
    # the hourly build overwrites run_results.json: keep the full build's for analysis
    shutil.copyfile(target / "run_results.json", target / "run_results_full_build.json")
    full_result = BuildResult(
        "full build (all nodes)",
        full,
        full_events,
        slowest_models(target, top),
        time_by_resource_type(target),
        nodes_running_at(target, full.peak_at),
    )

    appended = measure(
        [
            _bin("cdp"),
            "generate",
            "--customers",
            str(customers),
            "--seed",
            str(seed),
            "--out",
            str(raw),
            "--append",
            "--append-days",
            str(append_days),
        ],
        env,
    )
    if appended.returncode:
        raise SystemExit(f"cdp bench: append failed\n{appended.output_tail}")
    new_events = count_raw_events(raw) - full_events
    incremental = measure(
        [*dbt, "--selector", selector], dict(env, CDP_DATA_TESTS_SCOPE=test_scope)
    )
    if incremental.returncode:
        raise SystemExit(f"cdp bench: incremental build failed\n{incremental.output_tail}")
    inc_result = BuildResult(
        f"incremental build (--selector {selector}, data_tests_scope {test_scope})",
        incremental,
        new_events,
        slowest_models(target, top),
        time_by_resource_type(target),
        nodes_running_at(target, incremental.peak_at),
    )
    return report(customers, gen, full_result, inc_result)


def report(customers: int, gen: Measured, full: BuildResult, inc: BuildResult) -> str:
    """Format the figures as Markdown, ready for BENCHMARKS.md."""
    gib = 1024**3
    lines = [
        f"### {customers:,} customers",
        "",
        f"Data generation: {gen.seconds:.1f} s, peak RSS {gen.peak_rss_bytes / gib:.2f} GiB.",
        "",
        "| build | raw events | wall time | peak RSS | events / s |",
        "|---|---:|---:|---:|---:|",
    ]
    for build in (full, inc):
        lines.append(
            f"| {build.label} | {build.events:,} | {build.measured.seconds:.1f} s | "
            f"{build.measured.peak_rss_bytes / gib:.2f} GiB | {build.events_per_second:,.0f} |"
        )
    ratio = inc.measured.seconds / full.measured.seconds
    lines += [
        "",
        f"Incremental / full wall time: {ratio:.1%} "
        f"({inc.events / max(full.events, 1):.2%} new events).",
        "",
    ]
    lines += ["Summed node time by kind (two threads run nodes side by side):", ""]
    for build in (full, inc):
        kinds = ", ".join(f"{kind} {secs:.1f} s" for kind, secs in sorted(build.by_type.items()))
        lines.append(f"- {build.label}: {kinds}")
    lines.append("")
    lines += ["Nodes running when the process tree's RSS peaked:", ""]
    for build in (full, inc):
        running = ", ".join(build.at_peak) or "none (between nodes)"
        lines.append(f"- {build.label}: {running}")
    lines.append("")
    for build in (full, inc):
        lines += [f"Slowest nodes, {build.label}:", "", "| node | seconds |", "|---|---:|"]
        lines += [f"| {name} | {secs:.1f} |" for name, secs in build.slowest]
        lines.append("")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    text = run_bench(
        args.customers,
        args.seed,
        workdir,
        args.append_days,
        args.top,
        args.selector,
        args.test_scope,
    )
    print(text)
    if args.output:
        Path(args.output).write_text(text)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="time full and incremental dbt builds")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", default="target/bench", help="scratch folder")
    parser.add_argument(
        "--append-days",
        type=int,
        default=2,
        help="days of new data to append (2 days, with the late events, are about 1%% of 540)",
    )
    parser.add_argument("--top", type=int, default=8, help="slowest nodes to list")
    parser.add_argument(
        "--selector",
        default="hourly",
        help="selector of the incremental build (selectors.yml; the full build runs everything)",
    )
    parser.add_argument(
        "--test-scope",
        choices=["lookback", "all"],
        default="lookback",
        help="data_tests_scope of the incremental build: the lookback window (the hourly "
        "job) or every row (the daily job)",
    )
    parser.add_argument("--output", help="also write the Markdown report to this file")
    parser.set_defaults(func=run)
