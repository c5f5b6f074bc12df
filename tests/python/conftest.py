"""Shared fixtures: a generated dataset and a DuckDB warehouse built from it by dbt.

`make test` generates the data and runs `dbt build` once, then points pytest at the
result through environment variables (CDP_TEST_DATA, CDP_DUCKDB_PATH); run alone,
`pytest` builds its own small warehouse in a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent
FALLBACK_CUSTOMERS = 1500
FALLBACK_SEED = 7


@dataclass(frozen=True)
class Warehouse:
    """A built DuckDB warehouse and the raw data it was built from."""

    db_path: Path
    raw_path: Path
    target_path: Path

    @property
    def truth_path(self) -> Path:
        return self.raw_path / "_truth"

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.db_path), read_only=read_only)

    def query(self, sql: str) -> list[tuple]:
        with self.connect() as con:
            return con.sql(sql).fetchall()

    def scalar(self, sql: str):
        rows = self.query(sql)
        assert len(rows) == 1, f"expected one row from: {sql}"
        return rows[0][0]


def dbt_env(db_path: Path, raw_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"CDP_DUCKDB_PATH": str(db_path), "CDP_RAW_PATH": str(raw_path)})
    env.update(extra or {})
    return env


# dbt re-parses the whole project (about 10 s) when a target folder has no
# partial_parse.msgpack, or when the profile, the --vars or the dbt version
# changed. Each test runs dbt in a fresh target folder against its own copy of a
# warehouse, so the suite seeds every new folder with the parse of an earlier run
# that had the same profile: dbt then re-parses only what differs (the files that
# read CDP_RAW_PATH). The profile is the same when the DuckDB file has the same
# name: dbt runs in the file's folder with a relative path (see run_dbt).
_PARSES: dict[tuple[str, ...], Path] = {}


def _option(args: Sequence[str], name: str) -> str | None:
    """The value given to an option (`--vars '{...}'`), or None."""
    values = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == name]
    return values[-1] if values else None


def _parse_key(db_path: Path, args: Sequence[str]) -> tuple[str, ...]:
    """What must match for a parse to be reused: project, file name and --vars."""
    project = _option(args, "--project-dir") or str(PROJECT_DIR)
    return (project, db_path.name, _option(args, "--vars") or "")


@dataclass(frozen=True)
class DbtCommand:
    """A dbt command line and where and how it runs (see run_dbt)."""

    argv: list[str]
    cwd: Path
    env: dict[str, str]


def dbt_command(
    args: Sequence[str],
    *,
    db_path: Path,
    raw_path: Path,
    target_path: Path,
    env: dict[str, str] | None = None,
) -> DbtCommand:
    """The dbt command run_dbt runs, with a reused parse put in place."""
    key = _parse_key(db_path, args)
    parse_file = target_path / "partial_parse.msgpack"
    if not parse_file.exists() and key in _PARSES and _PARSES[key].is_file():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_PARSES[key], parse_file)
    # dbt runs in the DuckDB file's folder, so the project is named explicitly
    # (unless the caller runs a copy of it)
    project_options = []
    if _option(args, "--project-dir") is None:
        project_options += ["--project-dir", str(PROJECT_DIR)]
    if _option(args, "--profiles-dir") is None:
        project_options += ["--profiles-dir", str(PROJECT_DIR)]
    argv = [
        str(BIN_DIR / "dbt"),
        *args,
        *project_options,
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]
    return DbtCommand(argv, db_path.parent, dbt_env(Path(db_path.name), raw_path, env))


def remember_parse(args: Sequence[str], *, db_path: Path, target_path: Path) -> None:
    """Offer the parse a dbt run left in its target folder to later runs."""
    parse_file = target_path / "partial_parse.msgpack"
    if parse_file.is_file():
        _PARSES.setdefault(_parse_key(db_path, args), parse_file)


def run_dbt(
    args: Sequence[str],
    *,
    db_path: Path,
    raw_path: Path,
    target_path: Path,
    check: bool = True,
    timeout: float = 1200,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a dbt command against a given DuckDB file and raw folder; return the result.

    `env` adds environment variables (CDP_DATA_TESTS_SCOPE, say) to dbt's."""
    command = dbt_command(
        args, db_path=db_path, raw_path=raw_path, target_path=target_path, env=env
    )
    result = subprocess.run(
        command.argv,
        cwd=command.cwd,
        env=command.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    remember_parse(args, db_path=db_path, target_path=target_path)
    if check and result.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-6000:]}"
            f"\n{result.stderr[-3000:]}"
        )
    return result


def generate(out: Path, customers: int, seed: int, *extra: str) -> None:
    subprocess.run(
        [
            str(BIN_DIR / "cdp"),
            "generate",
            "--customers",
            str(customers),
            "--seed",
            str(seed),
            "--out",
            str(out),
            *extra,
        ],
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The suite's built warehouse (from `make test`, or built here on first use)."""
    data_dir = os.environ.get("CDP_TEST_DATA")
    if data_dir:
        base = Path(data_dir)
        db_path = Path(os.environ.get("CDP_DUCKDB_PATH", base / "cdp.duckdb"))
        if (base / "raw").is_dir() and db_path.is_file():
            return Warehouse(
                db_path=db_path, raw_path=base / "raw", target_path=base / "dbt_target"
            )
    base = tmp_path_factory.mktemp("warehouse")
    raw = base / "raw"
    generate(raw, FALLBACK_CUSTOMERS, FALLBACK_SEED)
    wh = Warehouse(db_path=base / "cdp.duckdb", raw_path=raw, target_path=base / "dbt_target")
    run_dbt(["build"], db_path=wh.db_path, raw_path=wh.raw_path, target_path=wh.target_path)
    return wh


@pytest.fixture
def scratch_warehouse(warehouse: Warehouse, tmp_path: Path) -> Iterator[Warehouse]:
    """A private copy of the built warehouse that a test may change freely."""
    db_copy = tmp_path / "cdp.duckdb"
    shutil.copyfile(warehouse.db_path, db_copy)
    yield Warehouse(db_path=db_copy, raw_path=warehouse.raw_path, target_path=tmp_path / "target")
