"""Small throw-away dbt projects for testing the BigQuery tooling.

A fixture project is named `composable_cdp` and carries copies of the real project's
`macros/` folders, so `composable_cdp.<macro>` and `adapter.dispatch(..., 'composable_cdp')`
resolve exactly as in the project, without depending on the project's models (which
may be half-written while someone works on them).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from cdp.bigquery.project import dbt_executable

SHARED_MACRO_DIRS = ("cross_db", "identifiers")


def write_project(
    root: Path,
    source_project: Path,
    files: dict[str, str],
    macro_dirs: tuple[str, ...] = SHARED_MACRO_DIRS,
    extra_config: dict[str, object] | None = None,
) -> Path:
    """A dbt project at `root` with the given files (path -> text) and shared macros."""
    root.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {
        "name": "composable_cdp",
        "version": "1.0.0",
        "config-version": 2,
        "profile": "composable_cdp",
        "model-paths": ["models"],
        "analysis-paths": ["analyses"],
        "seed-paths": ["seeds"],
        "macro-paths": ["macros"],
        "test-paths": ["tests"],
        "flags": {"send_anonymous_usage_stats": False},
    }
    config.update(extra_config or {})
    (root / "dbt_project.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    for name in macro_dirs:
        source = source_project / "macros" / name
        if source.is_dir():
            shutil.copytree(source, root / "macros" / name, dirs_exist_ok=True)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def write_duckdb_profile(profiles_dir: Path, db_path: Path) -> Path:
    profiles_dir.mkdir(parents=True, exist_ok=True)
    profile = {
        "composable_cdp": {
            "target": "duckdb",
            "outputs": {
                "duckdb": {"type": "duckdb", "path": str(db_path), "schema": "main", "threads": 1}
            },
        }
    }
    path = profiles_dir / "profiles.yml"
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return path


def compile_offline(project: Path, profiles_dir: Path, target: str, target_path: Path) -> None:
    """`dbt compile` a fixture project for a target with no warehouse connection.

    Raises AssertionError with the end of dbt's output when the compile fails.
    """
    command = [
        dbt_executable(),
        "compile",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(profiles_dir),
        "--target",
        target,
        "--no-introspect",
        "--no-populate-cache",
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"dbt compile ({target}) failed:\n{result.stdout[-4000:]}")
