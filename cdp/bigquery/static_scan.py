"""A static scan of model and analysis SQL for DuckDB-only syntax written outside macros.

The ZetaSQL check sees what a model compiles to on BigQuery; this scan sees the source,
before Jinja, and catches what would compile on BigQuery yet behave differently or fail
on DuckDB's side of a macro (e.g. 1-based array subscripts, `regexp_replace` replacing
only the first match). Jinja (`{{ }}`, `{% %}`, `{# #}`), SQL comments and string
literals are blanked first, so a macro call such as `{{ composable_cdp.try_cast(...) }}`
or the word `range(` inside a comment is not a hit.

A line may opt out of one rule with a reason: `-- bigquery-check: allow <rule> <why>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    fix: str


def _rule(name: str, pattern: str, fix: str) -> Rule:
    return Rule(name, re.compile(pattern, re.IGNORECASE), fix)


RULES: tuple[Rule, ...] = (
    _rule("double-colon-cast", r"::", "use cast(x as <type>) with dbt.type_*() types"),
    _rule("range", r"\b(range|generate_series)\s*\(", "use dbt.date_spine or a dispatch macro"),
    _rule("list-function", r"\blist(_\w+)?\s*\(", "use array_agg / dbt.array_agg / dbt.listagg"),
    _rule("epoch", r"\bepoch(_ms|_us|_ns)?\s*\(", "use dbt.datediff or a dispatch macro"),
    _rule("strftime", r"\bstrftime\s*\(", "use a dispatch macro (BigQuery: format_timestamp)"),
    _rule("strptime", r"\bstrptime\s*\(", "use composable_cdp.parse_timestamp"),
    _rule(
        "regexp-matches",
        r"\bregexp_(matches|full_match)\s*\(",
        "use composable_cdp.regexp_contains",
    ),
    _rule(
        "regexp-replace",
        r"\bregexp_replace\s*\(",
        "use composable_cdp.regexp_replace_all (DuckDB replaces only the first match)",
    ),
    _rule(
        "regexp-extract",
        r"\bregexp_extract\s*\(",
        "capture-group semantics differ (DuckDB: whole match by default): use a dispatch macro",
    ),
    _rule(
        "json-function",
        r"\bjson_(extract_string|extract|extract_path_text|valid|value)\s*\(|->>?",
        "use composable_cdp.json_extract_scalar / is_valid_json / json_extract_array_string",
    ),
    _rule(
        "select-exclude",
        r"\bexclude\s*\(",
        "list the columns (BigQuery has `except`, DuckDB `exclude`)",
    ),
    _rule(
        "struct-pack",
        r"\bstruct_(pack|extract|insert)\s*\(|\{",
        "use struct(...) via a dispatch macro",
    ),
    _rule("try-cast", r"\btry_cast\s*\(", "use composable_cdp.try_cast (BigQuery: safe_cast)"),
    _rule("ilike", r"\bilike\b", "use lower(x) like '...'"),
    _rule(
        "qualify",
        r"\bqualify\b",
        "use composable_cdp.deduplicate (BigQuery needs a WHERE with QUALIFY)",
    ),
    _rule("date-trunc-string", r"\bdate_trunc\s*\(\s*'", "use dbt.date_trunc"),
    _rule(
        "date-diff",
        r"\b(date_diff|datediff|date_sub|date_add)\s*\(",
        "use dbt.datediff / dbt.dateadd",
    ),
    _rule("date-part", r"\b(date_part|datepart)\s*\(", "use extract(<part> from x)"),
    _rule(
        "date-part-function",
        r"\b(year|month|day|hour|minute|second|dayofweek|dayofyear|week|quarter)\s*\(",
        "use extract(<part> from x)",
    ),
    _rule("interval-string", r"\binterval\s*'", "use dbt.dateadd (BigQuery: interval 1 day)"),
    _rule("filter-clause", r"\bfilter\s*\(\s*where\b", "use sum(case when ... then 1 else 0 end)"),
    _rule(
        "now",
        r"\bnow\s*\(|\bget_current_timestamp\b",
        "use the as_of var, or dbt.current_timestamp()",
    ),
    _rule(
        "hash-bytes",
        r"\b(md5|sha256|sha1)\s*\(",
        "BigQuery returns BYTES: use composable_cdp.sha256_hex / dbt.hash",
    ),
    _rule(
        "split-part",
        r"\b(split_part|string_split|str_split|string_to_array|regexp_split_to_array)\s*\(",
        "use a dispatch macro (BigQuery: split(x, d)[safe_offset(n)])",
    ),
    _rule("len", r"\b(len|strlen)\s*\(", "use length(x)"),
    _rule("contains", r"\bcontains\s*\(", "use strpos(x, y) > 0"),
    _rule(
        "arg-max",
        r"\b(arg_max|arg_min|argmax|argmin|max_by|min_by)\s*\(",
        "use a window with row_number() and composable_cdp.deduplicate",
    ),
    _rule("make-date", r"\b(make_date|make_timestamp|to_timestamp)\s*\(", "use a dispatch macro"),
    _rule(
        "array-subscript",
        r"\w\s*\[\s*-?\d+\s*\]",
        "DuckDB arrays are 1-based, BigQuery's [n] is 0-based: use a macro",
    ),
    _rule(
        "duckdb-type",
        r"\bas\s+(varchar|double|real|text|float|float4|float8|hugeint|ubigint|uinteger|timestamptz|blob)\b",
        "use dbt.type_string() / dbt.type_float() / dbt.type_timestamp() ...",
    ),
    _rule(
        "double-quoted",
        r'"',
        "BigQuery reads double quotes as a string literal: leave identifiers unquoted",
    ),
    _rule("sample", r"\busing\s+sample\b|\btablesample\b", "no sampling in models"),
    _rule("pivot", r"\b(pivot|unpivot)\b", "the syntax differs: use case when / union all"),
    _rule(
        "read-file",
        r"\bread_(parquet|csv|csv_auto|json|json_auto)\s*\(",
        "read files through sources only",
    ),
    _rule(
        "trailing-comma",
        r",\s*\n\s*from\b",
        "no trailing comma after the last select column (STYLE.md)",
    ),
)

_ALLOW = re.compile(r"bigquery-check:\s*allow\s+([\w-]+)")


@dataclass(frozen=True)
class Hit:
    file: Path
    line: int
    rule: str
    fix: str
    text: str

    def render(self, root: Path | None = None) -> str:
        name = self.file.relative_to(root) if root else self.file
        return f"{name}:{self.line}: [{self.rule}] {self.text.strip()}  -> {self.fix}"


def _blank(match: re.Match[str]) -> str:
    """Keep newlines (so line numbers hold), blank everything else."""
    return re.sub(r"[^\n]", " ", match.group(0))


_JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_STRING = re.compile(r"'(?:[^'\\]|\\.|'')*'")


def blank_non_sql(source: str) -> str:
    """The SQL a scan should see: Jinja, comments and string contents blanked."""
    text = _JINJA.sub(_blank, source)
    text = _SQL_COMMENT.sub(_blank, text)
    return _STRING.sub(lambda m: "'" + _blank(m)[1:-1] + "'", text)


def scan_text(source: str, file: Path) -> list[Hit]:
    cleaned = blank_non_sql(source)
    original_lines = source.splitlines()
    allowed: dict[int, set[str]] = {}
    for number, line in enumerate(original_lines, start=1):
        for name in _ALLOW.findall(line):
            allowed.setdefault(number, set()).add(name)
    hits = []
    for rule in RULES:
        for match in rule.pattern.finditer(cleaned):
            # A multi-line match (trailing comma) is reported on its first line.
            line_number = cleaned.count("\n", 0, match.start()) + 1
            if rule.name in allowed.get(line_number, set()):
                continue
            text = original_lines[line_number - 1] if line_number <= len(original_lines) else ""
            hits.append(Hit(file, line_number, rule.name, rule.fix, text))
    return sorted(hits, key=lambda hit: (hit.line, hit.rule))


def scan_paths(paths: Iterable[Path]) -> list[Hit]:
    hits: list[Hit] = []
    for root in paths:
        files = [root] if root.is_file() else sorted(root.rglob("*.sql"))
        for file in files:
            hits.extend(scan_text(file.read_text(), file))
    return hits
