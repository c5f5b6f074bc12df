"""The SQL connected-components loop (macros/identity), run for real through dbt.

A property test draws batches of random graphs (trees, chains in any id order, stars,
cliques, duplicates, self-loops, isolated nodes), stores each batch as one edges table
with disjoint node ids, runs the loop once on the whole batch (`dbt run-operation
identity_connected_components_operation`) and compares the result with
`scipy.sparse.csgraph.connected_components` on the same edges. Then 100,000-node chains,
ids ascending and shuffled along the path, must converge in at most 40 iterations.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cdp.bench_identity import run_loop, write_chain

pytestmark = pytest.mark.dbt

MAX_CHAIN_ITERATIONS = 40


@pytest.fixture(scope="module")
def loop_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A scratch DuckDB file and a dbt target folder shared by this module's runs.

    One smoke run first, so that a project that does not parse fails here, once,
    instead of inside the property test (where Hypothesis would try to shrink it).
    """
    base = tmp_path_factory.mktemp("identity_loop")
    db_path, target = base / "loop.duckdb", base / "target"
    write_chain(db_path, "main.smoke_edges", 3, shuffled=False)
    run_loop(db_path, "main.smoke_edges", "main.smoke_components", target)
    return db_path, target


@st.composite
def graphs(draw: st.DrawFn) -> list[tuple[int, int]]:
    """One small graph on nodes 0..n-1, as an edge list (isolated nodes as self-loops)."""
    n = draw(st.integers(1, 40))
    ids = draw(st.permutations(range(n)))
    shape = draw(st.sampled_from(["random", "chain", "star", "tree", "clique"]))
    if shape == "chain":
        edges = [(ids[i], ids[i + 1]) for i in range(n - 1)]
    elif shape == "star":
        edges = [(ids[0], ids[i]) for i in range(1, n)]
    elif shape == "tree":
        edges = [(ids[i], ids[draw(st.integers(0, i - 1))]) for i in range(1, n)]
    elif shape == "clique":
        k = min(n, 8)
        edges = [(ids[i], ids[j]) for i in range(k) for j in range(k) if i != j]
    else:
        m = draw(st.integers(0, 2 * n))
        edges = [(draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))) for _ in range(m)]
    duplicates = draw(st.lists(st.sampled_from(edges), max_size=3)) if edges else []
    # every node appears at least once (an isolated node is a self-loop)
    return [*edges, *((b, a) for a, b in duplicates), *((i, i) for i in range(n))]


def scipy_labels(edges: np.ndarray, n: int) -> np.ndarray:
    matrix = coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), (n, n))
    return connected_components(matrix, directed=False)[1]


@given(batch=st.lists(graphs(), min_size=1, max_size=30))
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_loop_matches_scipy(loop_db: tuple[Path, Path], batch: list[list[tuple[int, int]]]) -> None:
    db_path, target = loop_db
    offset, parts = 0, []
    for edges in batch:
        n = max(max(a, b) for a, b in edges) + 1
        parts.append(np.array(edges, dtype=np.int64) + offset)
        offset += n
    edges = np.concatenate(parts)
    # ids far from 0 and not dense, as hashed / ranked ids would be
    ids = np.random.default_rng(len(edges)).permutation(offset) * 7 + 1_000_003
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            "create or replace table batch_edges as "
            "select unnest($1) as node_id, unnest($2) as linked_node_id",
            [ids[edges[:, 0]], ids[edges[:, 1]]],
        )
    run = run_loop(db_path, "main.batch_edges", "main.batch_components", target)
    with duckdb.connect(str(db_path), read_only=True) as con:
        result = con.execute("select node_id, component_id from batch_components").fetchnumpy()
    expected = scipy_labels(edges, offset)
    position = {int(node): i for i, node in enumerate(ids)}
    pairs = zip(result["node_id"], result["component_id"], strict=True)
    got = {position[int(node)]: int(component) for node, component in pairs}
    assert len(result["node_id"]) == offset, "one row per node"
    assert sorted(got) == list(range(offset)), "every node has its row"
    # same partition, and each component labelled by its smallest node id
    smallest: dict[int, int] = {}
    for i in range(offset):
        smallest[expected[i]] = min(smallest.get(expected[i], ids[i]), int(ids[i]))
    assert all(got[i] == smallest[expected[i]] for i in range(offset))
    assert run.iterations <= MAX_CHAIN_ITERATIONS


@pytest.mark.parametrize("shuffled", [False, True], ids=["ascending", "shuffled"])
def test_long_chain_converges_in_log_iterations(
    loop_db: tuple[Path, Path], shuffled: bool, record_property
) -> None:
    db_path, target = loop_db
    nodes = 100_000
    write_chain(db_path, "main.chain_edges", nodes, shuffled=shuffled)
    run = run_loop(db_path, "main.chain_edges", "main.chain_components", target)
    record_property("iterations", run.iterations)
    record_property("pointer_jumps", run.pointer_jumps)
    print(
        f"{nodes:,}-node chain ({'shuffled' if shuffled else 'ascending'} ids): "
        f"{run.iterations} iterations, {run.pointer_jumps} pointer jumps, "
        f"{run.statements} statements, {run.loop_seconds:.2f} s"
    )
    assert run.iterations <= MAX_CHAIN_ITERATIONS
    with duckdb.connect(str(db_path), read_only=True) as con:
        row = con.execute(
            "select count(*), count(distinct component_id), min(component_id) from chain_components"
        ).fetchone()
    assert row == (nodes, 1, 0)


def test_max_iterations_guard_fails_loudly(loop_db: tuple[Path, Path]) -> None:
    """Past var identity_max_iterations the loop raises instead of returning a guess."""
    db_path, target = loop_db
    write_chain(db_path, "main.guard_edges", 2_000, shuffled=True)
    with pytest.raises(RuntimeError, match="not converged after 2 iterations"):
        run_loop(
            db_path,
            "main.guard_edges",
            "main.guard_components",
            target,
            extra_args=["--vars", "{identity_max_iterations: 2}"],
        )
