"""The ML tables as `dbt build` leaves them in the suite's warehouse (generated demo data)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import run_dbt

pytestmark = pytest.mark.dbt

ML_TABLES = ("churn_model_metrics", "churn_scores", "clv_model_params", "customer_lifetime_value")


def relation(warehouse, name: str) -> str:
    """The schema-qualified name dbt gave a model (schema names depend on the target)."""
    rows = warehouse.query(
        "select table_schema from information_schema.tables"
        f" where table_name = '{name}' and table_schema not like 'dbt_test%'"
    )
    assert len(rows) == 1, f"expected one table {name}, found {rows}"
    return f'"{rows[0][0]}"."{name}"'


def read(warehouse, name: str) -> pd.DataFrame:
    with warehouse.connect() as con:
        return con.sql(f"select * from {relation(warehouse, name)}").df()


def test_one_row_per_buyer(warehouse) -> None:
    buyers = warehouse.scalar(
        "select count(distinct customer_id) from"
        f" {relation(warehouse, 'int_orders_resolved')}"
        " where is_completed and customer_id is not null"
    )
    for name in ("churn_scores", "customer_lifetime_value"):
        table = read(warehouse, name)
        assert len(table) == buyers and table["customer_id"].is_unique


def test_churn_model_is_good_enough_on_the_demo_data(warehouse) -> None:
    metrics = read(warehouse, "churn_model_metrics")
    selected = metrics.loc[metrics["is_selected"]].iloc[0]
    assert selected["roc_auc"] >= 0.75
    assert selected["brier_score"] < selected["base_rate_brier_score"]
    assert selected["top_decile_lift"] > 1
    scores = read(warehouse, "churn_scores")
    assert (scores["model_version"] == selected["model_version"]).all()


def test_clv_fit_converged(warehouse) -> None:
    params = read(warehouse, "clv_model_params")
    assert params["is_converged"].all()
    assert (params["parameter_value"] > 0).all()
    clv = read(warehouse, "customer_lifetime_value")
    assert clv["prob_no_purchase_next_h"].between(0, 1).all()
    assert (clv["clv_12m"] >= 0).all()


def test_rebuilding_gives_identical_tables(scratch_warehouse) -> None:
    before = {name: read(scratch_warehouse, name) for name in ML_TABLES}
    run_dbt(
        ["run", "-s", "tag:ml"],
        db_path=scratch_warehouse.db_path,
        raw_path=scratch_warehouse.raw_path,
        target_path=scratch_warehouse.target_path,
    )
    for name in ML_TABLES:
        pd.testing.assert_frame_equal(read(scratch_warehouse, name), before[name], obj=name)
