"""Offline BigQuery check: compile the project for BigQuery and verify it with ZetaSQL.

    python -m cdp.bigquery_check                 # compile + check, exit 1 on any error
    python -m cdp.bigquery_check --duckdb cdp.duckdb   # also take Python models' columns
                                                 # from a DuckDB build
    python -m cdp.bigquery_check --static-only   # only the DuckDB-ism source scan

No credentials and no network: the profile is generated (oauth-secrets, dummy token),
`dbt compile` runs with `--no-introspect --no-populate-cache`, and ZetaSQL (Google's
BigQuery SQL front end, compiled to WebAssembly) runs in-process. See docs/bigquery.md
for what this proves and what it does not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cdp.bigquery import project as dbt_project
from cdp.bigquery.static_scan import Hit, scan_paths

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_WORK_DIR = Path("target") / "bigquery_check"
STATIC_SCAN_DIRS = ("models", "analyses")


@dataclass
class CheckReport:
    """Everything one run found, and how long each part took."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def static_hits(project_dir: Path) -> list[Hit]:
    return scan_paths(
        [project_dir / name for name in STATIC_SCAN_DIRS if (project_dir / name).is_dir()]
    )


def compile_both_paths(
    project_dir: Path, work_dir: Path, report: CheckReport
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Compile the first-run path (everything) and the incremental path, in parallel."""
    profiles_dir = work_dir / "profiles"
    dbt_project.write_offline_profile(profiles_dir, dbt_project.profile_name(project_dir))
    started = [
        (
            dbt_project.FIRST_RUN,
            dbt_project.start_compile(project_dir, profiles_dir, work_dir, dbt_project.FIRST_RUN),
        ),
        (
            dbt_project.INCREMENTAL,
            dbt_project.start_compile(
                project_dir,
                profiles_dir,
                work_dir,
                dbt_project.INCREMENTAL,
                select=["config.materialized:incremental"],
            ),
        ),
    ]
    manifests: dict[str, dict[str, Any] | None] = {}
    for name, (process, target_path, begun) in started:
        result = dbt_project.finish_compile(process, target_path, begun, name)
        report.timings[f"dbt_compile_{name}"] = round(result.seconds, 1)
        if result.returncode != 0:
            tail = "\n".join(result.output.strip().splitlines()[-25:])
            report.errors.append(
                f"dbt compile for BigQuery ({name} path) failed "
                f"(exit {result.returncode}); log in {target_path / 'logs'}:\n{tail}"
            )
            manifests[name] = None
        else:
            manifests[name] = result.manifest()
    return manifests[dbt_project.FIRST_RUN], manifests[dbt_project.INCREMENTAL]


def run_check(
    project_dir: Path = PROJECT_DIR,
    work_dir: Path | None = None,
    cache_dir: Path | None = None,
    duckdb_path: Path | None = None,
    static: bool = True,
) -> CheckReport:
    """The whole offline check; the report says what failed."""
    report = CheckReport()
    work_dir = (work_dir or project_dir / DEFAULT_WORK_DIR).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)

    if static:
        began = time.monotonic()
        hits = static_hits(project_dir)
        report.errors += [f"DuckDB-only syntax: {hit.render(project_dir)}" for hit in hits]
        report.timings["static_scan"] = round(time.monotonic() - began, 2)

    manifest, incremental_manifest = compile_both_paths(project_dir, work_dir, report)
    if manifest is None:
        return report

    began = time.monotonic()
    # Imported here: loading wasmtime is only needed once dbt compiled.
    from cdp.bigquery.checker import ERROR, ProjectChecker
    from cdp.bigquery.zetasql_engine import ZetaSQL

    engine = ZetaSQL(cache_dir=cache_dir)
    report.timings["zetasql_load"] = round(time.monotonic() - began, 2)
    report.counts["zetasql_from_cache"] = engine.loaded_from_cache

    began = time.monotonic()
    checker = ProjectChecker(
        engine,
        project_dir,
        manifest,
        incremental_manifest=incremental_manifest,
        duckdb_path=duckdb_path,
    )
    findings = checker.run()
    report.timings["zetasql_check"] = round(time.monotonic() - began, 2)
    for finding in findings:
        (report.errors if finding.severity == ERROR else report.warnings).append(finding.render())
    stats = checker.stats
    report.counts.update(
        {
            "statements_analysed": stats.analysed,
            "statements_syntax_only": stats.parsed_only,
            "python_models": stats.python_models,
            "ddl_statements": stats.ddl_statements,
            "merge_statements": stats.merge_statements,
            "enforced_contracts": stats.contracts,
            "by_phase": stats.phases,
        }
    )
    return report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cdp bigquery-check",
        description="Compile the project for BigQuery offline and check it with ZetaSQL.",
    )
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="where the profile and the compiled projects go (default target/bigquery_check)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where the compiled ZetaSQL module is cached (default ~/.cache/cdp, "
        "or $CDP_ZETASQL_CACHE)",
    )
    parser.add_argument(
        "--duckdb",
        type=Path,
        default=None,
        help="a built DuckDB warehouse: column types of models whose SQL cannot give them "
        "(Python models)",
    )
    parser.add_argument("--report", type=Path, default=None, help="write the report as JSON")
    parser.add_argument(
        "--static-only", action="store_true", help="only scan models/ and analyses/ source"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    project_dir = args.project_dir.resolve()
    if args.static_only:
        hits = static_hits(project_dir)
        for hit in hits:
            print(hit.render(project_dir))
        print(f"{len(hits)} DuckDB-only construct(s) in {', '.join(STATIC_SCAN_DIRS)}")
        return 1 if hits else 0
    duckdb_path = args.duckdb
    if duckdb_path is None and os.environ.get("CDP_DUCKDB_PATH"):
        candidate = Path(os.environ["CDP_DUCKDB_PATH"])
        duckdb_path = candidate if candidate.is_file() else None
    report = run_check(
        project_dir=project_dir,
        work_dir=args.work_dir,
        cache_dir=args.cache_dir,
        duckdb_path=duckdb_path,
    )
    for warning in report.warnings:
        print(warning)
    for error in report.errors:
        print(error)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(report.to_json())
    print(f"timings (s): {report.timings}")
    print(f"counts: {report.counts}")
    print(f"BigQuery check: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    return 0 if report.ok else 1


def register(subparsers: Any) -> None:
    """`cdp bigquery-check` (for cdp.cli's COMMAND_MODULES)."""
    parser = subparsers.add_parser(
        "bigquery-check",
        help="compile for BigQuery offline and check every statement with ZetaSQL",
        parents=[build_parser()],
        add_help=False,
    )
    parser.set_defaults(func=run)


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
