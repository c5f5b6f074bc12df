"""Column types: BigQuery type names, and DuckDB / Parquet / contract types mapped to them."""

from __future__ import annotations

import re

# DuckDB type names (information_schema.columns.data_type) -> BigQuery type names.
_DUCKDB_SCALARS = {
    "VARCHAR": "STRING",
    "TEXT": "STRING",
    "STRING": "STRING",
    "UUID": "STRING",
    "JSON": "STRING",  # the project keeps JSON as text on both engines
    "BOOLEAN": "BOOL",
    "BOOL": "BOOL",
    "TINYINT": "INT64",
    "SMALLINT": "INT64",
    "INTEGER": "INT64",
    "INT": "INT64",
    "BIGINT": "INT64",
    "HUGEINT": "BIGNUMERIC",
    "UTINYINT": "INT64",
    "USMALLINT": "INT64",
    "UINTEGER": "INT64",
    "UBIGINT": "BIGNUMERIC",
    "FLOAT": "FLOAT64",
    "REAL": "FLOAT64",
    "DOUBLE": "FLOAT64",
    "DATE": "DATE",
    "TIME": "TIME",
    "TIMESTAMP": "TIMESTAMP",  # the project's DuckDB timestamps hold UTC
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
    "TIMESTAMPTZ": "TIMESTAMP",
    "TIMESTAMP_S": "TIMESTAMP",
    "TIMESTAMP_MS": "TIMESTAMP",
    "TIMESTAMP_NS": "TIMESTAMP",
    "INTERVAL": "INTERVAL",
    "BLOB": "BYTES",
    "BYTEA": "BYTES",
}

# Words of the raw data contract (docs/data_contract.md) -> BigQuery.
CONTRACT_TYPES = {
    "string": "STRING",
    "double": "FLOAT64",
    "bigint": "INT64",
    "boolean": "BOOL",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
}


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses or angle brackets."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in "(<":
            depth += 1
        elif char in ")>":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def duckdb_to_bigquery(duck_type: str) -> str | None:
    """A DuckDB column type as the BigQuery type dbt-bigquery would produce; None if unknown."""
    text = duck_type.strip()
    upper = text.upper()
    if upper.endswith("[]"):
        element = duckdb_to_bigquery(text[:-2])
        return f"ARRAY<{element}>" if element else None
    if upper.startswith("DECIMAL") or upper.startswith("NUMERIC"):
        match = re.match(r"\w+\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", text)
        if match:
            precision, scale = int(match.group(1)), int(match.group(2))
            # NUMERIC holds 29 integer digits and 9 decimals.
            return "NUMERIC" if scale <= 9 and precision - scale <= 29 else "BIGNUMERIC"
        return "NUMERIC"
    if upper.startswith("STRUCT(") and upper.endswith(")"):
        fields = []
        for part in _split_top_level(text[len("STRUCT(") : -1]):
            name, _, field_type = part.partition(" ")
            mapped = duckdb_to_bigquery(field_type)
            if mapped is None:
                return None
            fields.append(f"{name.strip(chr(34))} {mapped}")
        return f"STRUCT<{', '.join(fields)}>"
    if upper.startswith("MAP(") or upper.startswith("UNION("):
        return None
    return _DUCKDB_SCALARS.get(upper)
