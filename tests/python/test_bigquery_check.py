"""The offline BigQuery check: ZetaSQL engine, the checker on fixture projects, the project.

Layer 1 of the BigQuery verification (docs/bigquery.md): compile for the `bigquery`
target with no credentials and no network, then check every compiled statement with
ZetaSQL, Google's BigQuery SQL front end.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cdp.bigquery.checker import parse_contract_markdown
from cdp.bigquery.fixture import write_project
from cdp.bigquery.types import duckdb_to_bigquery
from cdp.bigquery.zetasql_engine import (
    Column,
    ZetaSQL,
    ZetaSQLError,
    add_table,
    default_cache_dir,
    scalar_type,
)
from cdp.bigquery_check import CheckReport, run_check

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine() -> ZetaSQL:
    return ZetaSQL(cache_dir=default_cache_dir())


# --- the engine ---------------------------------------------------------------------

DUCKDB_ISMS = {
    "double-colon cast": "select x::int64 as y from t",
    "range": "select * from range(10)",
    "list aggregate": "select list(x) as xs from t",
    "list function": "select list_sort(xs) as s from t",
    "epoch_ms": "select epoch_ms(ts) as ms from t",
    "strftime": "select strftime(ts, '%Y') as y from t",
    "regexp_matches": "select regexp_matches(x, 'a') as m from t",
    "json_extract_string": "select json_extract_string(x, '$.a') as a from t",
    "select exclude": "select * exclude (x) from t",
    "struct_pack": "select struct_pack(a := 1) as s",
    "try_cast": "select try_cast(x as int64) as y from t",
    "varchar": "select cast(x as varchar) as y from t",
    "double": "select cast(n as double) as y from t",
    "ilike": "select x ilike 'a%' as y from t",
    "filter clause": "select count(*) filter (where x = 'a') as n from t",
    "string date_trunc": "select date_trunc('day', ts) as d from t",
    "reserved word alias": "select x as no from t",
}

BIGQUERY_FORMS = {
    "cast": "select cast(x as int64) as y from t",
    "aliases": (
        "select cast(n as integer) as a, cast(n as decimal) as b,"
        " cast(x = 'a' as boolean) as c from t"
    ),
    "array_agg": "select array_agg(x order by x) as xs from t",
    "generate_array": "select n from unnest(generate_array(1, 10)) as n",
    "format_timestamp": "select format_timestamp('%Y', ts) as y from t",
    "regexp_contains": "select regexp_contains(x, r'a') as m from t",
    "json_value": "select json_value(x, '$.a') as a from t",
    "except": "select * except (x) from t",
    "safe_cast": "select safe_cast(x as int64) as y from t",
    "qualify with where": "select x from t where true qualify row_number() over (order by x) = 1",
    "date_trunc": "select timestamp_trunc(ts, day) as d, date_trunc(date(ts), month) as m from t",
}


@pytest.fixture(scope="module")
def small_catalog(engine: ZetaSQL):
    catalog = engine.new_catalog()
    string, number, timestamp = (
        engine.analyze(f"select cast(null as {name}) as c", catalog)[0].type  # type: ignore[index]
        for name in ("string", "float64", "timestamp")
    )
    add_table(catalog, ["t"], [Column("x", string), Column("n", number), Column("ts", timestamp)])
    return catalog


@pytest.mark.parametrize("name", sorted(DUCKDB_ISMS))
def test_zetasql_rejects_duckdb_only_sql(name: str, engine: ZetaSQL, small_catalog) -> None:
    with pytest.raises(ZetaSQLError):
        engine.analyze(DUCKDB_ISMS[name], small_catalog)


@pytest.mark.parametrize("name", sorted(BIGQUERY_FORMS))
def test_zetasql_accepts_bigquery_sql(name: str, engine: ZetaSQL, small_catalog) -> None:
    assert engine.analyze(BIGQUERY_FORMS[name], small_catalog)


def test_zetasql_resolves_names_and_types(engine: ZetaSQL, small_catalog) -> None:
    columns = engine.analyze(
        "select x, date(ts) as d, to_hex(sha256(x)) as h, count(*) over () as n from t",
        small_catalog,
    )
    assert columns is not None
    assert [(c.name, c.type_name) for c in columns] == [
        ("x", "STRING"),
        ("d", "DATE"),
        ("h", "STRING"),
        ("n", "INT64"),
    ]
    with pytest.raises(ZetaSQLError, match="Unrecognized name: missing"):
        engine.analyze("select missing from t", small_catalog)
    with pytest.raises(ZetaSQLError, match="Table not found"):
        engine.analyze("select x from nowhere", small_catalog)


def test_catalog_paths_are_nested_project_dataset_table(engine: ZetaSQL) -> None:
    catalog = engine.new_catalog()
    add_table(catalog, ["my-project", "staging", "stg_a"], [Column("id", scalar_type(1))])
    assert engine.analyze("select id from `my-project`.`staging`.`stg_a`", catalog)
    with pytest.raises(ZetaSQLError):
        engine.analyze("select id from `my-project`.`core`.`stg_a`", catalog)


def test_compiled_module_is_cached(engine: ZetaSQL) -> None:
    """Compiling the WebAssembly module takes ~12 s; it is done once and cached."""
    cache_dir = default_cache_dir()
    assert list(cache_dir.glob("zetasql-*.cwasm")), f"no compiled module cached in {cache_dir}"
    began = time.monotonic()
    again = ZetaSQL(cache_dir=cache_dir)
    assert again.loaded_from_cache
    assert time.monotonic() - began < 5
    again.parse("select 1 as x")


# --- type mapping and the data contract ----------------------------------------------


@pytest.mark.parametrize(
    ("duck", "bigquery"),
    [
        ("VARCHAR", "STRING"),
        ("BIGINT", "INT64"),
        ("DOUBLE", "FLOAT64"),
        ("DECIMAL(18,2)", "NUMERIC"),
        ("DECIMAL(38,10)", "BIGNUMERIC"),
        ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP"),
        ("VARCHAR[]", "ARRAY<STRING>"),
        ("STRUCT(a VARCHAR, b BIGINT)", "STRUCT<a STRING, b INT64>"),
        ("MAP(VARCHAR, BIGINT)", None),
    ],
)
def test_duckdb_types_map_to_bigquery(duck: str, bigquery: str | None) -> None:
    assert duckdb_to_bigquery(duck) == bigquery


def test_data_contract_types_are_read() -> None:
    tables = parse_contract_markdown(PROJECT_DIR / "docs" / "data_contract.md")
    assert tables[("segment", "tracks")]["properties"] == "STRING"
    assert tables[("commerce", "orders")]["total"] == "FLOAT64"
    assert tables[("commerce", "order_items")]["quantity"] == "INT64"
    assert tables[("commerce", "products")]["is_consumable"] == "BOOL"
    assert tables[("segment", "identifies")]["last_name"] == "STRING"


# --- the checker on a fixture project ------------------------------------------------

SOURCES_YML = """
version: 2
sources:
  - name: shop
    schema: shop
    tables:
      - name: orders
        columns:
          - {name: order_id, data_type: string}
          - {name: customer_id, data_type: string}
          - {name: channel, data_type: string}
          - {name: ordered_at, data_type: string}
          - {name: amount, data_type: float64}
"""

MODELS_YML = """
version: 2
models:
  - name: stg_orders
    columns:
      - name: order_id
        data_tests: [unique, not_null]
  - name: order_scores
    columns:
      - {name: customer_id, data_type: string}
      - {name: score, data_type: float64}
  - name: customers
    config:
      contract: {enforced: true}
    columns:
      - {name: customer_id, data_type: string}
      - {name: order_count, data_type: int64}
      - {name: score, data_type: float64}
"""

GOOD_FILES = {
    "seeds/channels.csv": "channel,label,is_online\nweb,Web shop,true\npos,Store,false\n",
    "models/_sources.yml": SOURCES_YML,
    "models/_models.yml": MODELS_YML,
    "models/stg_orders.sql": """
with orders as (
    select * from {{ source('shop', 'orders') }}
),

channels as (
    select * from {{ ref('channels') }}
)

select
    orders.order_id,
    orders.customer_id,
    {{ composable_cdp.parse_timestamp('orders.ordered_at') }} as ordered_at,
    cast({{ composable_cdp.parse_timestamp('orders.ordered_at') }} as date) as order_date,
    orders.amount,
    channels.is_online
from orders
left join channels on orders.channel = channels.channel
""",
    "models/fct_orders.sql": """
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='order_id',
    partition_by={'field': 'order_date', 'data_type': 'date'},
    cluster_by=['customer_id'],
    require_partition_filter=true
) }}
select order_id, customer_id, ordered_at, order_date, amount
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where ordered_at > (select max(ordered_at) from {{ this }} where order_date >= '2020-01-01')
{% endif %}
""",
    "models/daily_revenue.sql": """
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by={'field': 'order_date', 'data_type': 'date'}
) }}
select order_date, sum(amount) as revenue
from {{ ref('fct_orders') }}
where order_date >= '2020-01-01'
{% if is_incremental() %}
    and order_date >= {{ dbt.dateadd('day', -3, '_dbt_max_partition') }}
{% endif %}
group by 1
""",
    "models/order_scores.py": """
def score(frame):
    return frame.groupby("customer_id", as_index=False).agg(score=("amount", "mean"))


def model(dbt, session):
    dbt.config(materialized="table")
    frame = dbt.ref("stg_orders")
    frame = frame.to_pandas() if hasattr(frame, "to_pandas") else frame.df()
    return score(frame)
""",
    "models/customers.sql": """
{{ config(materialized='table') }}
with orders as (
    select * from {{ ref('fct_orders') }} where order_date >= '2020-01-01'
),

scores as (
    select * from {{ ref('order_scores') }}
),

counted as (
    select customer_id, count(*) as order_count
    from orders
    group by 1
)

select counted.customer_id, counted.order_count, scores.score
from counted
left join scores on counted.customer_id = scores.customer_id
""",
}


def _check_fixture(tmp_path: Path, files: dict[str, str]) -> CheckReport:
    project = write_project(tmp_path / "project", PROJECT_DIR, files)
    return run_check(project_dir=project, work_dir=tmp_path / "work")


def test_fixture_project_passes(tmp_path: Path) -> None:
    report = _check_fixture(tmp_path, GOOD_FILES)
    assert report.ok, "\n".join(report.errors)
    assert report.warnings == []
    counts = report.counts
    assert counts["python_models"] == 1
    assert counts["ddl_statements"] == 2  # the partitioned fct_orders and daily_revenue
    assert counts["merge_statements"] == 2
    assert counts["enforced_contracts"] == 1
    phases = counts["by_phase"]
    assert phases["incremental"] == 2
    assert phases["test"] == 2


def test_fixture_project_failures_are_found(tmp_path: Path) -> None:
    files = dict(GOOD_FILES)
    # DuckDB syntax only on the incremental branch.
    files["models/fct_orders.sql"] = GOOD_FILES["models/fct_orders.sql"].replace(
        "where ordered_at >", "where epoch_ms(ordered_at) > 0 and ordered_at >"
    )
    # A partition column the query does not produce.
    files["models/daily_revenue.sql"] = GOOD_FILES["models/daily_revenue.sql"].replace(
        "'field': 'order_date'", "'field': 'revenue_date'"
    )
    # A contract type BigQuery does not have, and one that does not match.
    head, _, tail = MODELS_YML.rpartition("{name: score, data_type: float64}")
    files["models/_models.yml"] = (head + "{name: score, data_type: string}" + tail).replace(
        "{name: order_count, data_type: int64}", "{name: order_count, data_type: hugeint}"
    )
    report = _check_fixture(tmp_path, files)
    text = "\n".join(report.errors)
    assert "fct_orders.sql [incremental]: Function not found: epoch_ms" in text
    assert "daily_revenue.sql [ddl]: Unrecognized name: revenue_date" in text
    assert "order_count: data_type 'hugeint' is not a BigQuery type" in text
    assert "score: contract says string, the query produces FLOAT64" in text
    assert "DuckDB-only syntax: models/fct_orders.sql" in text  # the static scan too


def test_compile_failure_is_an_error(tmp_path: Path) -> None:
    files = dict(GOOD_FILES)
    files["models/broken.sql"] = "select * from {{ ref('no_such_model') }}"
    report = _check_fixture(tmp_path, files)
    assert not report.ok
    assert any("dbt compile for BigQuery" in error for error in report.errors)


# --- the project itself --------------------------------------------------------------


def test_project_compiles_for_bigquery_and_passes_zetasql(tmp_path: Path) -> None:
    """`make test`'s layer 1: the whole project, both incremental paths, every statement."""
    duckdb_path = os.environ.get("CDP_DUCKDB_PATH")
    report = run_check(
        project_dir=PROJECT_DIR,
        work_dir=tmp_path / "bigquery_check",
        duckdb_path=Path(duckdb_path) if duckdb_path and Path(duckdb_path).is_file() else None,
    )
    assert report.ok, "BigQuery check failed:\n" + "\n".join(report.errors)
    assert report.counts["statements_analysed"] > 0
