"""`cdp summary`: a short report of what `dbt build` produced in a DuckDB warehouse."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

# The schemas `dbt build` writes, in the order of the data flow.
LAYERS = ("staging", "intermediate", "ml", "core", "audiences")


def table_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """Row counts of every table of the project's layers, in data-flow order."""
    tables = con.sql(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_type = 'BASE TABLE'
        order by table_schema, table_name
        """
    ).fetchall()
    by_layer = sorted(
        ((schema, name) for schema, name in tables if schema in LAYERS),
        key=lambda item: (LAYERS.index(item[0]), item[1]),
    )
    return [
        (schema, name, con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0])
        for schema, name in by_layer
    ]


def render(counts: list[tuple[str, str, int]]) -> str:
    """Format counts as a small aligned table, one block per layer."""
    if not counts:
        return "No tables found: run `dbt build` first."
    width = max(len(name) for _, name, _ in counts)
    lines: list[str] = []
    current = None
    for schema, name, rows in counts:
        if schema != current:
            lines.append(f"\n[{schema}]")
            current = schema
        lines.append(f"  {name:<{width}}  {rows:>12,}")
    return "\n".join(lines).lstrip("\n")


def run(args: argparse.Namespace) -> int:
    db_path = Path(args.db)
    if not db_path.is_file():
        raise SystemExit(f"cdp summary: no warehouse at {db_path} (run `make demo` first)")
    with duckdb.connect(str(db_path), read_only=True) as con:
        print(render(table_counts(con)))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("summary", help="row counts of what dbt built")
    parser.add_argument("--db", default="cdp.duckdb", help="DuckDB file (default: cdp.duckdb)")
    parser.set_defaults(func=run)
