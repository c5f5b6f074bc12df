"""`cdp summary` reports every project table with its row count, layer by layer."""

from __future__ import annotations

from pathlib import Path

import duckdb

from cdp.summary import render, table_counts


def test_counts_follow_the_data_flow_and_skip_other_schemas(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        for schema in ("audiences", "staging", "scratch"):
            con.sql(f"create schema {schema}")
        con.sql("create table staging.stg_a as select * from range(3)")
        con.sql("create table audiences.seg_b as select * from range(2)")
        con.sql("create table scratch.other as select 1 as x")
        con.sql("create view staging.v as select 1 as x")
        counts = table_counts(con)
    assert counts == [("staging", "stg_a", 3), ("audiences", "seg_b", 2)]
    text = render(counts)
    assert text.index("[staging]") < text.index("[audiences]")
    assert "stg_a" in text and "3" in text


def test_render_says_when_nothing_was_built() -> None:
    assert "run `dbt build` first" in render([])
