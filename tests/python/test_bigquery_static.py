"""The static scan for DuckDB-only syntax in models/ and analyses/ (outside macros)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdp.bigquery.static_scan import RULES, blank_non_sql, scan_paths, scan_text

PROJECT_DIR = Path(__file__).resolve().parents[2]

# rule -> (a line that must be a hit, a close line that must not be)
EXAMPLES = {
    "double-colon-cast": ("select x::int as y", "select cast(x as int64) as y"),
    "range": ("select * from range(10)", "select * from ranges"),
    "list-function": ("select list_sort(x) as y", "select array_agg(x) as y"),
    "epoch": ("select epoch_ms(ts) as y", "select epoch_day as y"),
    "strftime": ("select strftime(ts, '%Y') as y", "select {{ fmt('ts') }} as y"),
    "strptime": ("select strptime(x, '%Y') as y", "select x as strptime_note"),
    "regexp-matches": (
        "where regexp_matches(x, 'a')",
        "where {{ composable_cdp.regexp_contains('x', 'a') }}",
    ),
    "regexp-replace": (
        "select regexp_replace(x, 'a', 'b') as y",
        "select replace(x, 'a', 'b') as y",
    ),
    "regexp-extract": ("select regexp_extract(x, 'a(b)') as y", "select x as regexp_extract_note"),
    "json-function": ("select json_extract_string(p, '$.a') as y", "select p as json_text"),
    "select-exclude": ("select * exclude (a) from t", "select * from t"),
    "struct-pack": ("select struct_pack(a := 1) as s", "select struct(1 as a) as s"),
    "try-cast": (
        "select try_cast(x as int) as y",
        "select {{ composable_cdp.try_cast('x', 'int') }} as y",
    ),
    "ilike": ("where x ilike 'a%'", "where lower(x) like 'a%'"),
    "qualify": ("qualify row_number() over (partition by a) = 1", "select qualified_at"),
    "date-trunc-string": (
        "select date_trunc('day', ts) as d",
        "select {{ dbt.date_trunc('day', 'ts') }} as d",
    ),
    "date-diff": (
        "select date_diff('day', a, b) as d",
        "select {{ dbt.datediff('a', 'b', 'day') }} as d",
    ),
    "date-part": ("select date_part('year', ts) as y", "select extract(year from ts) as y"),
    "date-part-function": ("select year(ts) as y", "select ts as year_start"),
    "interval-string": ("select ts + interval '1 day' as y", "select ts as interval_start"),
    "filter-clause": ("count(*) filter (where x) as n", "count(*) as n"),
    "now": ("select now() as y", "select known_at as y"),
    "hash-bytes": ("select md5(x) as y", "select {{ composable_cdp.sha256_hex('x') }} as y"),
    "split-part": ("select split_part(x, '.', 1) as y", "select x as split_part_note"),
    "len": ("select len(x) as y", "select length(x) as y"),
    "contains": ("where contains(x, 'a')", "where strpos(x, 'a') > 0"),
    "arg-max": ("select arg_max(a, b) as y", "select max(b) as y"),
    "make-date": ("select make_date(2020, 1, 1) as y", "select date '2020-01-01' as y"),
    "array-subscript": ("select xs[1] as y", "select xs as y"),
    "duckdb-type": (
        "select cast(x as varchar) as y",
        "select cast(x as {{ dbt.type_string() }}) as y",
    ),
    "double-quoted": ('select "x" as y', "select x as y"),
    "sample": ("select * from t using sample 10%", "select * from t"),
    "pivot": ("select * from t pivot (sum(a) for b in ('x'))", "select * from t"),
    "read-file": (
        "select * from read_parquet('x.parquet')",
        "select * from {{ source('a', 'b') }}",
    ),
    "trailing-comma": ("select a,\n    b,\nfrom t", "select a,\n    b\nfrom t"),
}


def test_every_rule_has_an_example() -> None:
    assert set(EXAMPLES) == {rule.name for rule in RULES}


@pytest.mark.parametrize("rule", sorted(EXAMPLES))
def test_rule_hits_duckdb_syntax_and_spares_the_portable_form(rule: str) -> None:
    bad, good = EXAMPLES[rule]
    assert rule in {hit.rule for hit in scan_text(bad, Path("x.sql"))}
    assert rule not in {hit.rule for hit in scan_text(good, Path("x.sql"))}


def test_comments_strings_and_jinja_are_not_scanned() -> None:
    source = (
        "-- range(10) and x::int in a comment\n"
        "/* strftime( */ select 'a::b' as s, {{ composable_cdp.try_cast('x', 'int') }} as y\n"
        "{# list_agg( #} from t\n"
    )
    assert scan_text(source, Path("x.sql")) == []
    assert blank_non_sql(source).count("\n") == source.count("\n")


def test_a_line_can_allow_one_rule_with_a_reason() -> None:
    source = "select xs[1] as y  -- bigquery-check: allow array-subscript macro feeds 1-based\n"
    assert scan_text(source, Path("x.sql")) == []
    assert scan_text(source.replace("allow array-subscript", "allow len"), Path("x.sql"))


def test_hits_report_file_line_and_fix() -> None:
    hits = scan_text("select a\nfrom t\nwhere x::int > 0\n", Path("models/m.sql"))
    assert [(hit.line, hit.rule) for hit in hits] == [(3, "double-colon-cast")]
    assert "models/m.sql:3: [double-colon-cast] where x::int > 0" in hits[0].render()


def test_models_and_analyses_have_no_duckdb_only_syntax() -> None:
    """Every model runs on BigQuery too: DuckDB syntax belongs in dispatch macros."""
    hits = scan_paths([PROJECT_DIR / "models", PROJECT_DIR / "analyses"])
    assert not hits, (
        "DuckDB-only syntax outside macros (file:line: [rule] line -> fix):\n"
        + "\n".join(hit.render(PROJECT_DIR) for hit in hits)
    )
