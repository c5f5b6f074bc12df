"""Compile the dbt project for BigQuery with no credentials and no network.

- A throw-away profile (`method: oauth-secrets` with a dummy token, a dummy project):
  dbt-bigquery builds its client lazily, so nothing connects until a query runs.
- `dbt compile --no-introspect --no-populate-cache`: no metadata queries.
- `is_incremental()` normally asks the warehouse whether the table exists. The
  project's `is_incremental` override (macros/cross_db/is_incremental.sql) answers
  from the var `cdp_compile_path` instead when it is set, so each model is compiled
  twice without a warehouse: once as the first run, once on the incremental path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

OFFLINE_PROJECT = "cdp-offline-check"
OFFLINE_DATASET = "cdp"
FIRST_RUN = "first_run"
INCREMENTAL = "incremental"


def profile_name(project_dir: Path) -> str:
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    return str(config["profile"])


def write_offline_profile(profiles_dir: Path, name: str) -> Path:
    """A profiles.yml whose `bigquery` output needs no secret and reaches no server."""
    profiles_dir.mkdir(parents=True, exist_ok=True)
    profile = {
        name: {
            "target": "bigquery",
            "outputs": {
                "bigquery": {
                    "type": "bigquery",
                    "method": "oauth-secrets",
                    "token": "offline-check-dummy-token",  # not a secret: never sent anywhere
                    "project": OFFLINE_PROJECT,
                    "dataset": OFFLINE_DATASET,
                    "location": "US",
                    "threads": 4,
                    "job_retries": 0,
                    # Python models: the settings the real profile carries too.
                    "submission_method": "bigframes",
                    "compute_region": "us-central1",
                    "gcs_bucket": "cdp-offline-check-bucket",
                }
            },
        }
    }
    path = profiles_dir / "profiles.yml"
    path.write_text(
        "# Written by cdp.bigquery_check for an offline compile; holds no secret.\n"
        + yaml.safe_dump(profile, sort_keys=False)
    )
    return path


@dataclass(frozen=True)
class CompileResult:
    path_name: str
    target_path: Path
    seconds: float
    returncode: int
    output: str

    @property
    def manifest_path(self) -> Path:
        return self.target_path / "manifest.json"

    def manifest(self) -> dict[str, Any]:
        return json.loads(self.manifest_path.read_text())


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def start_compile(
    project_dir: Path,
    profiles_dir: Path,
    work_dir: Path,
    path_name: str,
    select: list[str] | None = None,
    extra_vars: dict[str, Any] | None = None,
) -> tuple[subprocess.Popen[str], Path, float]:
    target_path = work_dir / path_name
    variables = {"cdp_compile_path": path_name, **(extra_vars or {})}
    command = [
        dbt_executable(),
        "compile",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target",
        "bigquery",
        "--no-introspect",
        "--no-populate-cache",
        "--no-partial-parse",
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
        "--vars",
        json.dumps(variables),
        # Unit tests are compiled from fixtures by dbt itself; the model SQL they
        # exercise is checked here anyway.
        "--exclude",
        "resource_type:unit_test",
    ]
    if select:
        command += ["--select", *select]
    env = dict(os.environ)
    # Nothing in a compile may reach Google: no metadata server, no ADC file.
    env.update(
        {
            "GCE_METADATA_HOST": "127.0.0.1:9",
            "GCE_METADATA_IP": "127.0.0.1:9",
            "NO_GCE_CHECK": "True",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    process = subprocess.Popen(
        command,
        cwd=project_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, target_path, time.monotonic()


def finish_compile(
    process: subprocess.Popen[str], target_path: Path, started: float, path_name: str
) -> CompileResult:
    output, _ = process.communicate()
    return CompileResult(
        path_name=path_name,
        target_path=target_path,
        seconds=time.monotonic() - started,
        returncode=process.returncode,
        output=output,
    )
