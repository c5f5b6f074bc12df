"""The shared dispatch macros give the same answers on DuckDB and on BigQuery.

Each case below is a query that calls project macros on literal inputs. A small
fixture project (the real `macros/cross_db` and `macros/identifiers`) is compiled
for both targets; the DuckDB SQL runs in DuckDB, the BigQuery SQL runs on ZetaSQL's
reference implementation (the semantics BigQuery implements), and the rows must match.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cdp.bigquery import project as dbt_project
from cdp.bigquery.fixture import compile_offline, write_duckdb_profile, write_project
from cdp.bigquery.zetasql_engine import ZetaSQL, default_cache_dir

PROJECT_DIR = Path(__file__).resolve().parents[2]

# name -> (query with macro calls, expected rows or None to only compare engines)
CASES: dict[str, tuple[str, list[tuple[Any, ...]] | None]] = {
    "sha256_hex": (
        """select {{ composable_cdp.sha256_hex("'jane.doe@example.com'") }} as h""",
        [(hashlib.sha256(b"jane.doe@example.com").hexdigest(),)],
    ),
    "hash_id": (
        """select {{ composable_cdp.hash_id('cus', "'user_id:u1'") }} as id""",
        [("cus_" + hashlib.sha256(b"user_id:u1").hexdigest()[:16],)],
    ),
    "key_set_checksum": (
        """
        {%- set null_text = "cast(null as " ~ dbt.type_string() ~ ")" %}
        {%- set checksum = composable_cdp.key_set_checksum(['k1', 'k2']) %}
        with

        keys as (
            select 1 as s, 'a' as k1, {{ null_text }} as k2
            union all select 1, 'b', 'x'
            union all select 2, 'b', 'x'
            union all select 2, 'a', {{ null_text }}
            union all select 3, 'a', {{ null_text }}
            union all select 3, 'c', 'x'
            union all select 4, 'a', ''
            union all select 4, 'b', 'x'
        ),

        sums as (
            select s, {{ checksum }} as c from keys group by s
        )

        select
            (select c from sums where s = 1) = (select c from sums where s = 2) as any_order,
            (select c from sums where s = 1) != (select c from sums where s = 3) as other_key,
            (select c from sums where s = 1) != (select c from sums where s = 4) as null_not_blank
        """,
        [(True, True, True)],
    ),
    "json_extract_scalar": (
        """
        {%- set doc = "'{\\"a\\": {\\"b\\": \\"x\\"}, \\"n\\": 2}'" %}
        select
            {{ composable_cdp.json_extract_scalar(doc, '$.a.b') }} as s,
            {{ composable_cdp.json_extract_scalar(doc, '$.n') }} as n,
            {{ composable_cdp.json_extract_scalar(doc, '$.missing') }} as m
        """,
        [("x", "2", None)],
    ),
    # several paths parsed once (a list on DuckDB), read back one by one
    "json_extract_scalars": (
        """
        {%- set paths = ['$.a.b', '$.n', '$.missing'] %}
        with docs as (
            select
                {{ composable_cdp.json_extract_scalars(
                    "'{\\"a\\": {\\"b\\": \\"x\\"}, \\"n\\": 2}'", paths
                ) }} as extracted
        )

        select
            {{ composable_cdp.json_extracted_scalar('extracted', paths, '$.a.b') }} as s,
            {{ composable_cdp.json_extracted_scalar('extracted', paths, '$.n') }} as n,
            {{ composable_cdp.json_extracted_scalar('extracted', paths, '$.missing') }} as m
        from docs
        """,
        [("x", "2", None)],
    ),
    "is_valid_json": (
        """
        select
            {{ composable_cdp.is_valid_json("'{\\"a\\": 1}'") }} as ok,
            {{ composable_cdp.is_valid_json("'{\\"a\\": '") }} as broken,
            {%- set null_text = "cast(null as " ~ dbt.type_string() ~ ")" %}
            {{ composable_cdp.is_valid_json(null_text) }} as null_input
        """,
        [(True, False, False)],
    ),
    "json_extract_array_string": (
        """
        select {{ composable_cdp.json_extract_array_string(
            "'{\\"p\\": [1, {\\"x\\": \\"y\\"}]}'", '$.p') }} as arr
        """,
        [([1, {"x": "y"}],)],
    ),
    "parse_timestamp": (
        """
        select
            {{ composable_cdp.parse_timestamp("'2026-03-01T10:15:00+02:00'") }} as with_offset,
            {{ composable_cdp.parse_timestamp("'2026-03-01T10:15:00Z'") }} as zulu,
            {{ composable_cdp.parse_timestamp("'2026-03-01 10:15:00.250'") }} as no_zone,
            {{ composable_cdp.parse_timestamp("'yesterday-ish'") }} as garbage,
            {{ composable_cdp.parse_timestamp("'2026-02-30T00:00:00Z'") }} as no_such_day
        """,
        [
            (
                datetime.datetime(2026, 3, 1, 8, 15),
                datetime.datetime(2026, 3, 1, 10, 15),
                datetime.datetime(2026, 3, 1, 10, 15, 0, 250000),
                None,
                None,
            )
        ],
    ),
    "regexp_replace_all": (
        """select {{ composable_cdp.regexp_replace_all("'a__b  c-d'", '[_ -]+', ' ') }} as r""",
        [("a b c d",)],
    ),
    "regexp_contains": (
        """
        select
            {{ composable_cdp.regexp_contains("'order-123'", '[0-9]+$') }} as matches_digits,
            {{ composable_cdp.regexp_contains("'order-abc'", '^[0-9]+$') }} as matches_only_digits
        """,
        [(True, False)],
    ),
    "try_cast": (
        """
        select
            {{ composable_cdp.try_cast("'42'", dbt.type_int()) }} as good,
            {{ composable_cdp.try_cast("'4x2'", dbt.type_int()) }} as bad
        """,
        [(42, None)],
    ),
    "star_except": (
        """
        with wide as (select 1 as kept, 'x' as dropped, 2.5 as also_kept, 'y' as gone)

        select {{ composable_cdp.star_except(['dropped', 'gone']) }} from wide
        """,
        [(1, 2.5)],
    ),
    "deduplicate": (
        """
        with deliveries as (
            select 'm1' as message_id, 1 as attempt, 'first' as body
            union all select 'm1', 2, 'second'
            union all select 'm2', 1, 'only'
        ),

        deduplicated as (
            {{ composable_cdp.deduplicate('deliveries', 'message_id', 'attempt desc') }}
        )

        select message_id, body from deduplicated order by message_id
        """,
        [("m1", "second"), ("m2", "only")],
    ),
    # DuckDB runs the window over the repeated keys only; BigQuery over every row
    "deduplicate_repeated_keys": (
        """
        with delivered as {{ composable_cdp.inline_cte() }} (
            select ' m1' as message_id, 1 as attempt, 'first' as body, true as is_valid
            union all select 'm1 ', 2, 'second', true
            union all select 'm2', 1, 'only', true
            union all select 'm3', 1, 'rejected copy', false
            union all select 'm3', 2, 'valid copy', true
            union all select 'm4', 1, 'b', true
            union all select 'm4', 1, 'a', true
            union all select cast(null as string), 1, 'no id', true
            union all select cast(null as string), 2, 'no id again', true
        ),

        valid as {{ composable_cdp.inline_cte() }} (
            select * from delivered where is_valid
        ),

        deduplicated as (
            {{ composable_cdp.deduplicate(
                'valid', 'trim(message_id)', 'attempt desc, body',
                repeated_keys_from='delivered'
            ) }}
        )

        select trim(message_id) as message_id, body
        from deduplicated
        order by coalesce(trim(message_id), 'zz')
        """,
        # a missing key is one key, as the window over every row has it
        [
            ("m1", "second"),
            ("m2", "only"),
            ("m3", "valid copy"),
            ("m4", "a"),
            (None, "no id again"),
        ],
    ),
    "normalize_email_and_id": (
        """
        select
            {{ composable_cdp.normalize_email("'  Jane.Doe@Example.COM '") }} as email,
            {{ composable_cdp.normalize_email("'   '") }} as blank_email,
            {{ composable_cdp.normalize_id("'  AbC-1 '") }} as id
        """,
        [("jane.doe@example.com", None, "AbC-1")],
    ),
    # The identity loop's steps (each one statement of the BigQuery loop), chained:
    # a chain shuffled against id order, a triangle with duplicates, an isolated node.
    "connected_components": (
        """
        {%- set graph -%}
            select 5 as node_id, 3 as linked_node_id
            union all select 3, 9
            union all select 9, 1
            union all select 1, 7
            union all select 20, 21
            union all select 21, 22
            union all select 22, 20
            union all select 20, 21
            union all select 30, cast(null as {{ dbt.type_bigint() }})
        {%- endset %}
        with components as (
            {{ composable_cdp.identity_connected_components_unrolled(graph, rounds=4, jumps=4) }}
        )

        select node_id, component_id from components order by node_id
        """,
        [
            (1, 1),
            (3, 1),
            (5, 1),
            (7, 1),
            (9, 1),
            (20, 20),
            (21, 20),
            (22, 20),
            (30, 30),
        ],
    ),
    "normalize_phone": (
        """
        select
            {{ composable_cdp.normalize_phone("'(415) 555-0132'", "'1'") }} as us_national,
            {{ composable_cdp.normalize_phone("'+44 20 7946 0958'", "'1'") }} as international,
            {{ composable_cdp.normalize_phone("'0049 30 1234567'", "'1'") }} as double_zero,
            {{ composable_cdp.normalize_phone("'020 7946 0958'", "'44'") }} as uk_national,
            {{ composable_cdp.normalize_phone("'12'", "'1'") }} as too_short
        """,
        [("+14155550132", "+442079460958", "+49301234567", "+442079460958", None)],
    ),
}


@pytest.fixture(scope="module")
def compiled_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """case name -> {'duckdb': sql, 'bigquery': sql}."""
    base = tmp_path_factory.mktemp("bq_macros")
    files = {f"analyses/eq_{name}.sql": query for name, (query, _) in CASES.items()}
    project = write_project(
        base / "project", PROJECT_DIR, files, macro_dirs=("cross_db", "identifiers", "identity")
    )
    bq_profiles = base / "bq_profiles"
    dbt_project.write_offline_profile(bq_profiles, "composable_cdp")
    duck_profiles = base / "duck_profiles"
    write_duckdb_profile(duck_profiles, base / "unused.duckdb")
    jobs = {"bigquery": bq_profiles, "duckdb": duck_profiles}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(compile_offline, project, profiles, target, base / f"target_{target}")
            for target, profiles in jobs.items()
        ]
        for future in futures:
            future.result()
    compiled: dict[str, dict[str, str]] = {}
    for name in CASES:
        compiled[name] = {
            target: (
                base
                / f"target_{target}"
                / "compiled"
                / "composable_cdp"
                / "analyses"
                / f"eq_{name}.sql"
            ).read_text()
            for target in jobs
        }
    return compiled


def _normalise(value: Any) -> Any:
    """Engine-neutral values: JSON text parsed, UTC-aware timestamps made naive UTC."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(_normalise(value) for value in row) for row in rows]


@pytest.fixture(scope="module")
def bigquery_engine() -> ZetaSQL:
    return ZetaSQL(cache_dir=default_cache_dir())


@pytest.mark.parametrize("name", sorted(CASES))
def test_macro_agrees_on_duckdb_and_bigquery(
    name: str, compiled_cases: dict[str, dict[str, str]], bigquery_engine: ZetaSQL
) -> None:
    sql = compiled_cases[name]
    with duckdb.connect() as con:
        duck_rows = _rows(con.sql(sql["duckdb"]).fetchall())
    bq_rows = _rows(bigquery_engine.evaluate(sql["bigquery"]))
    assert duck_rows == bq_rows, (
        f"macro case {name}: DuckDB and BigQuery disagree\n"
        f"DuckDB SQL:\n{sql['duckdb']}\n-> {duck_rows}\n"
        f"BigQuery SQL:\n{sql['bigquery']}\n-> {bq_rows}"
    )
    expected = CASES[name][1]
    if expected is not None:
        assert duck_rows == _rows(expected), f"macro case {name}: unexpected result {duck_rows}"
