"""Identity stitching: quality against the generator's truth, and a benchmark.

    python -m cdp.bench_identity --raw data/raw --db /tmp/bench.duckdb [--generate 1000000]

Quality (`stitching_quality`): pairwise precision and recall of "same person" over the
identifiers of `_truth/identity_truth.parquet`, from contingency counts (the number of
pairs of a group of n is n(n-1)/2, so no pair is ever enumerated). Recall is given twice:
against the raw truth, and against the truth reachable from the evidence (pairs of one
person whose identifiers are linked by records of that person only: a cookie that
browsed once and never logged in cannot be linked to anyone deterministically).

Benchmark (`main`): builds staging, times the stitching models (`dbt run`, wall time and
peak RSS of the process tree), then runs the SQL connected-components loop alone
(`dbt run-operation identity_connected_components_operation`) on the same edges as
`scipy.sparse.csgraph.connected_components` — the graph the pipeline stitches (its
cluster edges), the whole identity graph (every active edge), and 100,000-node chains with
ids ascending and shuffled along the path — and prints a Markdown report.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cdp.bench import measure

# the dbt project to run (this checkout unless CDP_PROJECT_DIR says otherwise)
PROJECT_DIR = Path(os.environ.get("CDP_PROJECT_DIR", Path(__file__).resolve().parents[1]))
BIN_DIR = Path(sys.executable).parent
STITCHING_MODELS = (
    "int_identity_records",
    "int_identifiers",
    "int_identity_record_identifiers",
    "int_identifier_guardrails",
    "int_identity_edges",
    "int_identity_clusters",
    "int_identity_assignments",
    "int_identity_guardrail_decisions",
    "int_identity_registry",
    "int_identity_map",
)
_WRITTEN = re.compile(
    r"components \[(?P<label>[^\]\[]+)\]: \S+ written, (?P<seconds>[\d.]+) s in all"
)
_CONVERGED = re.compile(
    r"components \[(?P<label>[^\]\[]+)\]: converged in (?P<iterations>\d+) iterations "
    r"\((?P<jumps>\d+) pointer jumps, (?P<statements>\d+) statements, (?P<seconds>[\d.]+) s\)"
)
# identifier columns of each staged table (type -> column), for the evidence graph
_STAGED_RECORDS = {
    "stg_segment__tracks": {
        "user_id": "user_id",
        "device_id": "device_id",
        "anonymous_id": "anonymous_id",
    },
    "stg_segment__identifies": {
        "user_id": "user_id",
        "email": "email",
        "phone": "phone_e164",
        "device_id": "device_id",
        "anonymous_id": "anonymous_id",
    },
    "stg_crm__contacts": {
        "user_id": "user_id",
        "email": "email",
        "phone": "phone_e164",
        "loyalty_number": "loyalty_number",
    },
    "stg_commerce__orders": {
        "user_id": "user_id",
        "email": "email",
        "loyalty_number": "loyalty_number",
        "anonymous_id": "anonymous_id",
    },
    "stg_privacy__consents": {"user_id": "user_id", "email": "email"},
}


# --------------------------------------------------------------------------- quality


@dataclass(frozen=True)
class PairScores:
    """Pairwise precision / recall of a clustering against a reference clustering."""

    true_positive_pairs: int
    predicted_pairs: int
    reference_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positive_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive_pairs / self.reference_pairs if self.reference_pairs else 1.0


def _pairs(counts: np.ndarray) -> int:
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def pairwise_scores(reference: np.ndarray, predicted: np.ndarray) -> PairScores:
    """Pair counts of two labelings of the same items, from contingency counts only."""
    if len(reference) != len(predicted):
        raise ValueError("both labelings must cover the same items")
    if len(reference) == 0:
        return PairScores(0, 0, 0)
    _, ref_codes = np.unique(reference, return_inverse=True)
    _, pred_codes = np.unique(predicted, return_inverse=True)
    cells = ref_codes.astype(np.int64) * (int(pred_codes.max()) + 1) + pred_codes
    _, cell_counts = np.unique(cells, return_counts=True)
    return PairScores(
        true_positive_pairs=_pairs(cell_counts),
        predicted_pairs=_pairs(np.bincount(pred_codes)),
        reference_pairs=_pairs(np.bincount(ref_codes)),
    )


@dataclass(frozen=True)
class StitchingQuality:
    """How the identity map compares with the generator's truth."""

    identifiers: int
    unmapped_identifiers: int
    raw: PairScores
    evidence: PairScores
    customers_with_two_persons_user_ids: int

    def lines(self) -> list[str]:
        return [
            f"identifiers of the truth: {self.identifiers:,} "
            f"({self.unmapped_identifiers:,} not in the identity map)",
            f"pairwise precision: {self.raw.precision:.5f} "
            f"({self.raw.true_positive_pairs:,} of {self.raw.predicted_pairs:,} pairs)",
            f"pairwise recall, evidence-reachable truth: {self.evidence.recall:.5f} "
            f"({self.evidence.true_positive_pairs:,} of {self.evidence.reference_pairs:,} pairs)",
            f"pairwise recall, raw truth: {self.raw.recall:.5f} "
            f"({self.raw.true_positive_pairs:,} of {self.raw.reference_pairs:,} pairs)",
            f"customers holding user ids of two true persons: "
            f"{self.customers_with_two_persons_user_ids}",
        ]


def _evidence_edges(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray]:
    """Edges between truth identifiers of one person that share a staged record."""
    parts = []
    for table, columns in _STAGED_RECORDS.items():
        tuple_columns = ", ".join(columns.values())
        parts.append(
            f"""
            select * from (
                select row_number() over () as record_id, * from (
                    select distinct {tuple_columns} from staging.{table}
                )
            )
            unpivot (identifier_value for staged_column in ({tuple_columns}))
            """
        )
        type_of = " ".join(f"when '{c}' then '{t}'" for t, c in columns.items())
        parts[-1] = (
            f"select '{table}' as record_table, record_id,"
            f" case staged_column {type_of} end as identifier_type, identifier_value"
            f" from ({parts[-1]})"
        )
    con.execute("create or replace temp table _record_ids as " + " union all ".join(parts))
    edges = con.execute(
        """
        with tagged as (
            select r.record_table, r.record_id, t.tid, t.person_id
            from _record_ids as r
            inner join _truth as t using (identifier_type, identifier_value)
        ),
        centres as (
            select record_table, record_id, person_id, min(tid) as centre
            from tagged group by all
        )
        select tagged.tid, centres.centre
        from tagged inner join centres using (record_table, record_id, person_id)
        where tagged.tid <> centres.centre
        """
    ).fetchnumpy()
    return edges["tid"].astype(np.int64), edges["centre"].astype(np.int64)


def stitching_quality(db_path: Path, truth_path: Path) -> StitchingQuality:
    """Compare a built warehouse's int_identity_map with `identity_truth.parquet`."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(
            "create temp table _truth as select *, row_number() over ("
            "order by identifier_type, identifier_value) - 1 as tid "
            f"from read_parquet('{truth_path / 'identity_truth.parquet'}')"
        )
        joined = con.execute(
            """
            select
                t.person_id,
                t.identifier_type = 'user_id' as is_user_id,
                m.customer_id is not null as is_mapped,
                -- an identifier missing from the map is a customer of its own
                coalesce(m.customer_id, '~' || t.tid) as predicted
            from _truth as t
            left join intermediate.int_identity_map as m using (identifier_type, identifier_value)
            order by t.tid
            """
        ).fetchnumpy()
        src, dst = _evidence_edges(con)
    person = np.asarray(joined["person_id"], dtype=str)
    predicted = np.asarray(joined["predicted"], dtype=str)
    mapped = np.asarray(joined["is_mapped"], dtype=bool)
    n = len(person)
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    _, evidence_component = connected_components(graph, directed=False)
    user_rows = np.flatnonzero(np.asarray(joined["is_user_id"], dtype=bool) & mapped)
    persons_per_customer: dict[str, set[str]] = {}
    for row in user_rows:
        persons_per_customer.setdefault(predicted[row], set()).add(person[row])
    return StitchingQuality(
        identifiers=n,
        unmapped_identifiers=int((~mapped).sum()),
        raw=pairwise_scores(person, predicted),
        evidence=pairwise_scores(
            np.char.add(np.char.add(person, "/"), evidence_component.astype(str)), predicted
        ),
        customers_with_two_persons_user_ids=sum(
            1 for persons in persons_per_customer.values() if len(persons) > 1
        ),
    )


# --------------------------------------------------------------------------- processes

# --------------------------------------------------------------------------- the loop


@dataclass(frozen=True)
class LoopRun:
    """One run of the SQL connected-components loop through dbt.

    loop_seconds: from reading the input to the output table written (dbt's start-up
    and parsing excluded); wall_seconds: the whole `dbt run-operation`.
    """

    iterations: int
    pointer_jumps: int
    statements: int
    loop_seconds: float
    wall_seconds: float
    peak_rss_bytes: int


def dbt_env(db_path: Path, raw_path: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["CDP_DUCKDB_PATH"] = str(db_path)
    if raw_path is not None:
        env["CDP_RAW_PATH"] = str(raw_path)
    return env


def dbt_command(args: Sequence[str], target_path: Path) -> list[str]:
    return [
        str(BIN_DIR / "dbt"),
        *args,
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]


def parse_loop_log(output: str, label: str) -> tuple[int, int, int, float]:
    """(iterations, pointer jumps, statements, seconds) of a loop's final log line."""
    for match in _CONVERGED.finditer(output):
        if match["label"] == label:
            return (
                int(match["iterations"]),
                int(match["jumps"]),
                int(match["statements"]),
                float(match["seconds"]),
            )
    raise RuntimeError(f"no convergence line for {label} in the dbt output:\n{output[-3000:]}")


def run_loop(
    db_path: Path,
    input_relation: str,
    output_relation: str,
    target_path: Path,
    extra_args: Sequence[str] = (),
) -> LoopRun:
    """Run the loop on a table (`node_id`, `linked_node_id`) through `dbt run-operation`."""
    args = "{input_relation: " + input_relation + ", output_relation: " + output_relation + "}"
    measured = measure(
        dbt_command(
            [
                "run-operation",
                "identity_connected_components_operation",
                "--args",
                args,
                *extra_args,
            ],
            target_path,
        ),
        dbt_env(db_path),
    )
    if measured.returncode != 0:
        raise RuntimeError(f"the loop failed:\n{measured.output[-5000:]}")
    label = output_relation.split(".")[-1]
    iterations, jumps, statements, _ = parse_loop_log(measured.output, label)
    written = [m for m in _WRITTEN.finditer(measured.output) if m["label"] == label]
    if not written:
        raise RuntimeError(f"no completion line for {label}:\n{measured.output[-3000:]}")
    seconds = float(written[-1]["seconds"])
    return LoopRun(
        iterations, jumps, statements, seconds, measured.seconds, measured.peak_rss_bytes
    )


@dataclass(frozen=True)
class ScipyRun:
    """scipy on the same edges: components, median compute time, fetch time, peak RSS."""

    components: int
    seconds: float
    fetch_seconds: float
    peak_rss_bytes: int


_SCIPY_SCRIPT = """
import statistics, sys, time, duckdb, numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
start = time.perf_counter()
con = duckdb.connect(sys.argv[1], read_only=True)
edges = con.execute(f"select node_id, linked_node_id from {sys.argv[2]}").fetchnumpy()
con.close()
a = np.asarray(edges["node_id"], dtype=np.int64)
linked = edges["linked_node_id"]
# a node without a link (null) is a self-loop for scipy
b = np.where(np.ma.getmaskarray(linked), a, np.ma.filled(linked, 0)).astype(np.int64)
fetch = time.perf_counter() - start
times = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    n = int(max(a.max(), b.max())) + 1
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n)).tocsr()
    count, labels = connected_components(graph, directed=False)
    times.append(time.perf_counter() - start)
absent = n - len(np.unique(np.concatenate([a, b])))  # ids missing from the edges
print(count - absent, statistics.median(times), fetch)
"""


def run_scipy(db_path: Path, input_relation: str, repeat: int = 3) -> ScipyRun:
    """scipy's connected components on the same table, in a fresh process.

    Timed from the edge arrays in memory to the labels (building the CSR matrix
    included), median of `repeat` runs; reading the edges out of DuckDB is reported
    apart. Peak RSS is sampled from the process, like the dbt runs.
    """
    measured = measure(
        [sys.executable, "-c", _SCIPY_SCRIPT, str(db_path), input_relation, str(repeat)],
        dict(os.environ),
    )
    if measured.returncode != 0:
        raise RuntimeError(f"scipy failed:\n{measured.output[-3000:]}")
    count, seconds, fetch = measured.output.split()[-3:]
    return ScipyRun(int(count), float(seconds), float(fetch), measured.peak_rss_bytes)


def sql_component_count(db_path: Path, output_relation: str) -> int:
    with duckdb.connect(str(db_path), read_only=True) as con:
        row = con.execute(f"select count(distinct component_id) from {output_relation}").fetchone()
    assert row is not None
    return int(row[0])


def write_chain(db_path: Path, table: str, nodes: int, shuffled: bool, seed: int = 7) -> None:
    """A path of `nodes` nodes whose ids ascend along it, or are shuffled along it."""
    ids = np.arange(nodes, dtype=np.int64)
    if shuffled:
        ids = np.random.default_rng(seed).permutation(ids)
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            f"create or replace table {table} as "
            "select unnest($1) as node_id, unnest($2) as linked_node_id",
            [ids[:-1], ids[1:]],
        )


# --------------------------------------------------------------------------- report


def _gib(n_bytes: int) -> str:
    return f"{n_bytes / 2**30:.2f} GiB"


@dataclass(frozen=True)
class GraphResult:
    name: str
    nodes: int
    edges: int
    loop: LoopRun
    scipy: ScipyRun
    components_agree: bool

    def row(self) -> str:
        ratio = self.loop.loop_seconds / self.scipy.seconds if self.scipy.seconds else float("nan")
        return (
            f"| {self.name} | {self.nodes:,} | {self.edges:,} | {self.loop.iterations} "
            f"({self.loop.pointer_jumps} jumps, {self.loop.statements} statements) | "
            f"{self.loop.loop_seconds:.2f} s | {self.scipy.seconds:.2f} s "
            f"(+{self.scipy.fetch_seconds:.2f} s fetch) | {ratio:.1f}x | "
            f"{_gib(self.loop.peak_rss_bytes)} | {_gib(self.scipy.peak_rss_bytes)} | "
            f"{'yes' if self.components_agree else 'NO'} |"
        )


def median_loop(runs: Sequence[LoopRun]) -> LoopRun:
    """The run with the median loop time (peak RSS: the largest of all)."""
    ordered = sorted(runs, key=lambda run: run.loop_seconds)
    middle = ordered[len(ordered) // 2]
    return LoopRun(
        middle.iterations,
        middle.pointer_jumps,
        middle.statements,
        middle.loop_seconds,
        middle.wall_seconds,
        max(run.peak_rss_bytes for run in runs),
    )


def bench_graph(
    db_path: Path, name: str, table: str, target_path: Path, repeat: int = 3
) -> GraphResult:
    with duckdb.connect(str(db_path), read_only=True) as con:
        row = con.execute(f"select count(*), count(distinct node_id) from {table}").fetchone()
    assert row is not None
    loop = median_loop(
        [
            run_loop(db_path, f"main.{table}", f"main.{table}_components", target_path)
            for _ in range(repeat)
        ]
    )
    scipy = run_scipy(db_path, f"main.{table}", repeat)
    with duckdb.connect(str(db_path), read_only=True) as con:
        nodes_row = con.execute(f"select count(*) from main.{table}_components").fetchone()
    assert nodes_row is not None
    agree = sql_component_count(db_path, f"main.{table}_components") == scipy.components
    return GraphResult(name, int(nodes_row[0]), int(row[0]), loop, scipy, agree)


def export_graphs(db_path: Path) -> None:
    """The graphs of a built warehouse, as (node_id, linked_node_id) tables."""
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            """
            create or replace table main.bench_cluster_graph as
            select node_id, cast(null as bigint) as linked_node_id
            from intermediate.int_identifiers
            where node_id is not null and identifier_type <> 'user_id'
            union all
            select from_node_id, to_node_id
            from intermediate.int_identity_edges
            where is_active and edge_kind = 'cluster'
            """
        )
        con.execute(
            """
            create or replace table main.bench_full_graph as
            select node_id, cast(null as bigint) as linked_node_id
            from intermediate.int_identifiers
            where node_id is not null
            union all
            select from_node_id, to_node_id
            from intermediate.int_identity_edges
            where is_active
            """
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cdp.bench_identity", description=__doc__)
    parser.add_argument("--raw", type=Path, required=True, help="raw data folder (raw_path)")
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to build (scratch)")
    parser.add_argument("--target", type=Path, default=Path("target/bench_identity"))
    parser.add_argument("--generate", type=int, default=0, help="generate N customers first")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--chain", type=int, default=100_000, help="chain length (0 = skip)")
    parser.add_argument("--skip-build", action="store_true", help="reuse a built --db")
    parser.add_argument(
        "--skip-staging", action="store_true", help="reuse the staged tables of --db"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per graph (median)")
    args = parser.parse_args(argv)
    target = args.target.resolve()
    db_path = args.db.resolve()
    raw = args.raw.resolve()
    report: list[str] = []
    if args.generate:
        started = time.perf_counter()
        subprocess.run(
            [
                str(BIN_DIR / "cdp"),
                "generate",
                "--customers",
                str(args.generate),
                "--seed",
                str(args.seed),
                "--out",
                str(raw),
            ],
            check=True,
        )
        report.append(
            f"generated {args.generate:,} customers in {time.perf_counter() - started:.0f} s"
        )
    if not args.skip_build:
        steps = [["seed"]]
        if not args.skip_staging:
            steps.append(
                ["run", "-s", "+int_identity_records", "--exclude", "int_identity_records"]
            )
        for step in steps:
            subprocess.run(
                dbt_command(step, target), cwd=PROJECT_DIR, env=dbt_env(db_path, raw), check=True
            )
        # a first build (no registry yet), then a re-run with no new data
        with duckdb.connect(str(db_path)) as con:
            con.execute("drop table if exists intermediate.int_identity_registry")
            con.execute("drop table if exists core.customer_id_merges")
        for label in ("first run", "re-run, no new data"):
            stitched = measure(
                dbt_command(["run", "-s", *STITCHING_MODELS], target), dbt_env(db_path, raw)
            )
            if stitched.returncode != 0:
                print(stitched.output[-5000:], file=sys.stderr)
                return 1
            iterations, jumps, statements, seconds = parse_loop_log(
                stitched.output, "int_identity_clusters"
            )
            report.append(
                f"stitching, {label} ({len(STITCHING_MODELS)} models, `dbt run`): "
                f"{stitched.seconds:.1f} s wall, peak RSS {_gib(stitched.peak_rss_bytes)}; "
                f"int_identity_clusters: {iterations} iterations, {jumps} pointer jumps, "
                f"{statements} statements, {seconds:.2f} s"
            )
    truth = raw / "_truth"
    if (truth / "identity_truth.parquet").is_file():
        report.extend(stitching_quality(db_path, truth).lines())
    export_graphs(db_path)
    graphs = [
        ("stitched graph (cluster edges)", "bench_cluster_graph"),
        ("whole identity graph (all active edges)", "bench_full_graph"),
    ]
    if args.chain:
        write_chain(db_path, "main.bench_chain_ascending", args.chain, shuffled=False)
        write_chain(db_path, "main.bench_chain_shuffled", args.chain, shuffled=True)
        graphs += [
            (f"{args.chain:,}-node chain, ids ascending", "bench_chain_ascending"),
            (f"{args.chain:,}-node chain, ids shuffled", "bench_chain_shuffled"),
        ]
    rows = [bench_graph(db_path, name, table, target, args.repeat) for name, table in graphs]
    report += [
        "",
        "| graph | nodes | edges | SQL iterations | SQL loop | scipy (+ reading the edges) "
        "| ratio | "
        "SQL peak RSS (dbt) | scipy peak RSS | same components |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(r.row() for r in rows),
    ]
    print("\n".join(report))
    return 0 if all(r.components_agree for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
