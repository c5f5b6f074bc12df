"""Layer 2: run `dbt build` for BigQuery against a local BigQuery REST emulator.

The emulator is `crucible-emulator` (PyPI, DuckDB underneath), installed in its own
virtualenv because it pins a DuckDB that differs from the project's:

    python3.11 -m venv target/bq_emulator/venv
    target/bq_emulator/venv/bin/pip install 'crucible-emulator[server]==0.1.0a2'

It binds to 127.0.0.1 only; dbt-bigquery reaches it through the profile's
`api_endpoint`, with `method: oauth-secrets` and a dummy token. The emulator accepts
DuckDB-flavoured SQL that BigQuery rejects, which is why layer 1 (ZetaSQL) exists;
what it adds is that dbt-bigquery's own statements (create, merge on the second run)
execute and the data tests pass on the rows. See docs/bigquery.md.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

EMULATOR_PIN = "crucible-emulator[server]==0.1.0a2"
EMULATOR_PROJECT = "cdp-emulator"


class EmulatorUnavailable(RuntimeError):
    """The emulator is not installed or did not start; the message says how to fix it."""


def find_emulator(project_dir: Path) -> Path:
    """The `crucible` executable: $CDP_BQ_EMULATOR, else target/bq_emulator/venv."""
    configured = os.environ.get("CDP_BQ_EMULATOR")
    candidates = [Path(configured)] if configured else []
    candidates.append(project_dir / "target" / "bq_emulator" / "venv" / "bin" / "crucible")
    on_path = shutil.which("crucible")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise EmulatorUnavailable(
        "no BigQuery emulator: install it with "
        f"`python3.11 -m venv target/bq_emulator/venv && "
        f"target/bq_emulator/venv/bin/pip install '{EMULATOR_PIN}'` "
        "or set CDP_BQ_EMULATOR to a `crucible` executable"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningEmulator:
    endpoint: str
    log_path: Path


@contextmanager
def running_emulator(
    executable: Path, work_dir: Path, timeout: float = 30
) -> Iterator[RunningEmulator]:
    """Start the emulator on a free loopback port; stop it (this process only) on exit."""
    work_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log_path = work_dir / "emulator.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(executable),
                "serve",
                "--dialect",
                "bigquery",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise EmulatorUnavailable(
                        f"the emulator exited ({process.returncode}); see {log_path}"
                    )
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise EmulatorUnavailable(
                            f"the emulator did not listen within {timeout:.0f} s; see {log_path}"
                        ) from None
                    time.sleep(0.2)
            yield RunningEmulator(endpoint=f"http://127.0.0.1:{port}", log_path=log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def write_emulator_profile(profiles_dir: Path, profile: str, endpoint: str, dataset: str) -> Path:
    profiles_dir.mkdir(parents=True, exist_ok=True)
    content = {
        profile: {
            "target": "bigquery",
            "outputs": {
                "bigquery": {
                    "type": "bigquery",
                    "method": "oauth-secrets",
                    "token": "emulator-dummy-token",  # the emulator checks no credential
                    "project": EMULATOR_PROJECT,
                    "dataset": dataset,
                    "location": "US",
                    "threads": 1,
                    "job_retries": 0,
                    "api_endpoint": endpoint,
                }
            },
        }
    }
    path = profiles_dir / "profiles.yml"
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


def dbt_on_emulator(
    project_dir: Path, profiles_dir: Path, target_path: Path, args: list[str]
) -> subprocess.CompletedProcess[str]:
    from cdp.bigquery.project import dbt_executable

    env = dict(os.environ)
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    env.update({"NO_GCE_CHECK": "True", "GCE_METADATA_HOST": "127.0.0.1:9"})
    return subprocess.run(
        [
            dbt_executable(),
            *args,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(profiles_dir),
            "--target",
            "bigquery",
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path / "logs"),
        ],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
