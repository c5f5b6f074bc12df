"""Layer 2 of the BigQuery verification: `dbt build` twice on a local BigQuery emulator.

Skipped, with the reason and the install command, when the emulator is not installed
(it lives in its own virtualenv: docs/bigquery.md). Never a silent pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdp.bigquery.emulator import (
    EmulatorUnavailable,
    dbt_on_emulator,
    find_emulator,
    running_emulator,
    write_emulator_profile,
)
from cdp.bigquery.fixture import write_project

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Seeds stand in for the raw tables; the models use the project's dispatch macros, an
# incremental merge model partitioned by date and clustered, and data tests.
FILES = {
    "seeds/raw_orders.csv": (
        "order_id,customer_id,ordered_at,amount\n"
        "o1,c1,2026-03-01T10:15:00Z,10.5\n"
        "o2,c1,2026-03-02T11:00:00+02:00,20\n"
        "o2,c1,2026-03-02T11:00:00+02:00,20\n"
        "o3,c2,2026-03-03T09:30:00Z,7.25\n"
    ),
    "seeds/_seeds.yml": """
version: 2
seeds:
  - name: raw_orders
    config:
      column_types: {ordered_at: string, amount: float64}
""",
    "models/_models.yml": """
version: 2
models:
  - name: stg_orders
    columns:
      - name: order_id
        data_tests: [unique, not_null]
  - name: fct_orders
    columns:
      - name: order_id
        data_tests: [unique, not_null]
      - name: customer_key
        data_tests: [not_null]
""",
    "models/stg_orders.sql": """
with raw_orders as (
    select * from {{ ref('raw_orders') }}
),

deduplicated as (
    {{ composable_cdp.deduplicate('raw_orders', 'order_id', 'ordered_at') }}
)

select
    order_id,
    customer_id,
    {{ composable_cdp.parse_timestamp('ordered_at') }} as ordered_at,
    amount
from deduplicated
""",
    "models/fct_orders.sql": """
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='order_id',
    partition_by={'field': 'order_date', 'data_type': 'date'},
    cluster_by=['customer_key']
) }}
select
    order_id,
    {{ composable_cdp.hash_id('cus', 'customer_id') }} as customer_key,
    ordered_at,
    cast(ordered_at as date) as order_date,
    amount
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where ordered_at >= (select max(ordered_at) from {{ this }})
{% endif %}
""",
}


@pytest.fixture(scope="module")
def emulator_executable() -> Path:
    try:
        return find_emulator(PROJECT_DIR)
    except EmulatorUnavailable as reason:
        pytest.skip(f"BigQuery emulator layer not run: {reason}")


def test_dbt_build_twice_on_the_emulator(emulator_executable: Path, tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", PROJECT_DIR, FILES)
    try:
        context = running_emulator(emulator_executable, tmp_path / "emulator")
        emulator = context.__enter__()
    except EmulatorUnavailable as reason:
        pytest.skip(f"BigQuery emulator layer not run: {reason}")
    try:
        profiles = tmp_path / "profiles"
        write_emulator_profile(profiles, "composable_cdp", emulator.endpoint, "cdp")
        for run in ("first", "incremental"):
            result = dbt_on_emulator(project, profiles, tmp_path / f"target_{run}", ["build"])
            assert result.returncode == 0, f"dbt build ({run} run) failed:\n{result.stdout[-5000:]}"
            assert "ERROR=0" in result.stdout
        # The second run took the incremental path: dbt-bigquery sent a MERGE.
        assert "MERGE" in result.stdout, result.stdout[-3000:]
    finally:
        context.__exit__(None, None, None)
