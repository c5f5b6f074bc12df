"""The ML models' edges: engine dispatch, the dbt entry points on DuckDB, a Spark DataFrame.

dbt ships each Python model as one script, so helper code is repeated across the model
files; the first test keeps the copies identical.
"""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_ml_clv import PROJECT_DIR, load_model, simulated_orders

ML_DIR = PROJECT_DIR / "python_models" / "ml"
MODEL_NAMES = ("churn_model_metrics", "churn_scores", "clv_model_params", "customer_lifetime_value")
MODELS = {name: load_model(name) for name in MODEL_NAMES}
META = {
    "churn_horizon_days": 90,
    "churn_high_risk_enter": 0.7,
    "churn_high_risk_exit": 0.6,
    "churn_medium_risk_enter": 0.4,
    "churn_medium_risk_exit": 0.3,
    "clv_horizon_months": 12,
    "clv_annual_discount_rate": 0.10,
}


def top_level_definitions(path: Path) -> dict[str, str]:
    """Name -> normalised source of each top-level function, class and constant."""
    definitions = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            definitions[node.name] = ast.unparse(node)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            definitions[node.targets[0].id] = ast.unparse(node)
    return definitions


def test_repeated_code_is_identical_in_every_model_file() -> None:
    by_file = {name: top_level_definitions(ML_DIR / f"{name}.py") for name in MODEL_NAMES}
    seen: dict[str, tuple[str, str]] = {}
    repeated = set()
    for file_name, definitions in by_file.items():
        for name, source in definitions.items():
            if name == "model":
                continue
            if name in seen:
                repeated.add(name)
                first_file, first_source = seen[name]
                assert source == first_source, f"{name} differs in {first_file} and {file_name}"
            else:
                seen[name] = (file_name, source)
    assert {"to_pandas", "from_pandas", "prepare_orders", "customer_features"} <= repeated
    assert {"summarise_customers", "DAYS_PER_TIME_UNIT", "CANDIDATES", "risk_order"} <= repeated


# --- engine dispatch -----------------------------------------------------------------------


class _Recorder:
    """Stands in for another engine's DataFrame or session (only its module name matters)."""

    def __init__(self, frame: pd.DataFrame | None = None) -> None:
        self.frame = frame
        self.calls: list[str] = []

    def to_pandas(self) -> pd.DataFrame:
        self.calls.append("to_pandas")
        return self.frame

    def toPandas(self) -> pd.DataFrame:
        self.calls.append("toPandas")
        return self.frame

    def read_pandas(self, frame: pd.DataFrame) -> str:
        self.calls.append("read_pandas")
        return "bigframes-frame"

    def createDataFrame(self, frame: pd.DataFrame) -> str:
        self.calls.append("createDataFrame")
        return "spark-frame"

    def select(self, *columns: str) -> _Recorder:  # Spark's projection
        self.calls.append(f"select {', '.join(columns)}")
        self.frame = self.frame.loc[:, list(columns)]
        return self

    def __getitem__(self, columns: list[str]) -> _Recorder:  # BigQuery DataFrames' projection
        self.calls.append(f"[{', '.join(columns)}]")
        self.frame = self.frame.loc[:, columns]
        return self


def recorder_from(module: str, frame: pd.DataFrame | None = None) -> _Recorder:
    cls = type("DataFrame", (_Recorder,), {"__module__": module})
    return cls(frame)


def test_dispatch_on_the_objects_module() -> None:
    edge = MODELS["churn_scores"]
    frame = pd.DataFrame({"a": [1, 2]})
    assert edge.to_pandas(frame) is frame
    with duckdb.connect() as con:
        relation = con.sql("select 1 as a union all select 2 order by a")
        assert edge.engine_of(relation) == "duckdb"
        pd.testing.assert_frame_equal(edge.to_pandas(relation), frame, check_dtype=False)
        assert edge.from_pandas(frame, con) is frame  # dbt-duckdb takes pandas as it is
    bigframes = recorder_from("bigframes.dataframe", frame)
    assert edge.to_pandas(bigframes) is frame and bigframes.calls == ["to_pandas"]
    spark = recorder_from("pyspark.sql.classic.dataframe", frame)
    assert edge.to_pandas(spark) is frame and spark.calls == ["toPandas"]
    assert edge.from_pandas(frame, recorder_from("bigframes.session")) == "bigframes-frame"
    assert edge.from_pandas(frame, recorder_from("pyspark.sql.session")) == "spark-frame"
    # An object that merely has a .df() method is not taken for a DuckDB relation.
    impostor = recorder_from("somewhere.else", frame)
    impostor.df = lambda: frame
    with pytest.raises(TypeError, match="cannot convert"):
        edge.to_pandas(impostor)


def test_only_the_requested_columns_leave_the_engine() -> None:
    """The models read int_orders_resolved's ORDER_COLUMNS only, selected in the engine."""
    edge = MODELS["churn_model_metrics"]
    frame = pd.DataFrame({"a": [1], "b": ["x"], "c": [2.5]})
    wanted = ("c", "a")
    expected = pd.DataFrame({"c": [2.5], "a": [1]})
    pd.testing.assert_frame_equal(edge.to_pandas(frame, wanted), expected)
    with duckdb.connect() as con:
        relation = con.sql("select 1 as a, 'x' as b, 2.5 as c")
        pd.testing.assert_frame_equal(edge.to_pandas(relation, wanted), expected, check_dtype=False)
    spark = recorder_from("pyspark.sql.classic.dataframe", frame)
    pd.testing.assert_frame_equal(edge.to_pandas(spark, wanted), expected)
    assert spark.calls == ["select c, a", "toPandas"]
    bigframes = recorder_from("bigframes.dataframe", frame)
    pd.testing.assert_frame_equal(edge.to_pandas(bigframes, wanted), expected)
    assert bigframes.calls == ["[c, a]", "to_pandas"]
    # Every model reads the same columns, and prepare_orders needs no other.
    assert {MODELS[name].ORDER_COLUMNS for name in MODEL_NAMES} == {edge.ORDER_COLUMNS}
    orders = simulated_orders(50, seed=1)
    narrowed = orders.loc[:, list(edge.ORDER_COLUMNS)]
    pd.testing.assert_frame_equal(edge.prepare_orders(narrowed), edge.prepare_orders(orders))


def test_as_of_from_the_int_as_of_row() -> None:
    edge = MODELS["clv_model_params"]
    row = pd.DataFrame({"as_of_date": [dt.date(2025, 3, 31)], "as_of_source": ["var"]})
    assert edge.as_of_from_table(row) == pd.Timestamp("2025-03-31")
    with pytest.raises(ValueError, match="exactly one row"):
        edge.as_of_from_table(pd.concat([row, row]))


# --- the dbt entry points, run the way dbt-duckdb runs them --------------------------------


class FakeThis:
    def __init__(self, identifier: str) -> None:
        self.database, self.schema, self.identifier = "memory", "main", identifier

    def __repr__(self) -> str:
        return f'"{self.database}"."{self.schema}"."{self.identifier}"'


class FakeConfig:
    def __init__(self, meta: dict) -> None:
        self._meta = meta

    def __call__(self, **kwargs) -> None:
        pass

    def get(self, key, default=None):
        return default

    def meta_get(self, key, default=None):
        return self._meta.get(key, default)


class FakeDbt:
    """What dbt-duckdb hands a Python model: ref() returns a relation from con.query."""

    def __init__(self, con, identifier: str, meta: dict) -> None:
        self.ref = lambda name: con.query(f"select * from {name}")
        self.config = FakeConfig(meta)
        self.this = FakeThis(identifier)


class CursorWrapper:
    """Like dbt-duckdb's session: its own class that forwards to a DuckDB cursor."""

    __module__ = "dbt.adapters.duckdb.environments.local"

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)


def run_model(con: duckdb.DuckDBPyConnection, name: str, meta: dict = META) -> pd.DataFrame:
    """Run a model's `model(dbt, session)` and materialise its result as dbt-duckdb does."""
    session = CursorWrapper(con.cursor())
    assert MODELS[name].engine_of(session) == "duckdb"
    result = MODELS[name].model(FakeDbt(session, name, meta), session)
    assert isinstance(result, pd.DataFrame)
    con.register("model_result", result)
    con.execute(f"create or replace table {name} as select * from model_result")
    con.unregister("model_result")
    return con.sql(f"select * from {name}").df()


@pytest.fixture(scope="module")
def warehouse_con():
    orders = simulated_orders(2500, seed=8)
    orders["ordered_at"] = orders["order_date"] + pd.Timedelta(hours=13)
    with duckdb.connect() as con:
        con.register("orders_df", orders)
        con.execute(
            "create table int_orders_resolved as select order_id, customer_id, ordered_at,"
            " cast(order_date as date) as order_date, cast(total as decimal(18, 2)) as total,"
            " status, is_completed, channel from orders_df"
        )
        con.execute(
            "create table int_as_of as select max(order_date) + 1 as as_of_date,"
            " 'latest event' as as_of_source from int_orders_resolved"
        )
        yield con


def test_models_run_in_process_on_duckdb(warehouse_con) -> None:
    con = warehouse_con
    params = run_model(con, "clv_model_params")
    clv = run_model(con, "customer_lifetime_value")
    metrics = run_model(con, "churn_model_metrics")
    first = run_model(con, "churn_scores")  # first run: no previous table to read
    types = dict(con.sql("select column_name, data_type from duckdb_columns()").fetchall())
    assert types["as_of"] == "DATE" and types["scored_at"].startswith("TIMESTAMP")
    assert types["customer_id"] == "VARCHAR" and types["churn_decile"] == "BIGINT"
    buyers = con.sql(
        "select count(distinct customer_id) from int_orders_resolved where is_completed"
    ).fetchall()[0][0]
    assert len(clv) == len(first) == buyers
    assert params["parameter_key"].is_unique and metrics["is_selected"].sum() == 1
    assert (metrics["scoring_rows"] == len(first)).all()  # what churn_scores scores

    # Second run reads the first run's table through dbt.this: identical output.
    second = run_model(con, "churn_scores")
    pd.testing.assert_frame_equal(first, second)

    # A previous run that put everyone in "high" keeps those above the exit threshold there.
    con.execute("update churn_scores set churn_risk_band = 'high'")
    sticky = run_model(con, "churn_scores")
    holds = sticky["churn_probability"] >= META["churn_high_risk_exit"]
    assert (sticky.loc[holds, "churn_risk_band"] == "high").all()
    assert (sticky["churn_risk_band"] == "high").sum() >= (first["churn_risk_band"] == "high").sum()


def test_previous_table_without_the_band_column_is_ignored(warehouse_con) -> None:
    con = warehouse_con
    con.execute("create or replace table old_scores as select 'c' as customer_id, 0.5 as p")
    dbt = FakeDbt(con, "old_scores", META)
    assert MODELS["churn_scores"].read_previous_run(dbt, con) is None
    assert MODELS["churn_scores"].read_previous_run(FakeDbt(con, "missing", META), con) is None


# --- a Spark DataFrame through the conversion layer ----------------------------------------


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
def test_spark_dataframe_through_the_conversion_layer() -> None:
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession
    from pyspark.sql import types as T

    orders = simulated_orders(800, seed=4)
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("composable_cdp-ml-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    try:
        schema = T.StructType(
            [
                T.StructField("order_id", T.StringType()),
                T.StructField("customer_id", T.StringType()),
                T.StructField("order_date", T.DateType()),
                T.StructField("total", T.DecimalType(18, 2)),
                T.StructField("status", T.StringType()),
                T.StructField("is_completed", T.BooleanType()),
            ]
        )
        rows = [
            (r.order_id, r.customer_id, r.order_date.date(), Decimal(f"{r.total:.2f}"), r.status,
             bool(r.is_completed))
            for r in orders.itertuples(index=False)
        ]  # fmt: skip
        spark_orders = spark.createDataFrame(rows, schema)
        clv_params = MODELS["clv_model_params"]
        assert clv_params.engine_of(spark_orders) == "pyspark"
        from_spark = clv_params.to_pandas(spark_orders)
        assert len(from_spark) == len(orders)
        params, _ = clv_params.build_clv_params(from_spark, None)
        expected, _ = clv_params.build_clv_params(orders, None)
        pd.testing.assert_frame_equal(params, expected)

        back = clv_params.from_pandas(params, spark)
        assert clv_params.engine_of(back) == "pyspark"
        assert back.count() == len(params)
        fields = {f.name: f.dataType for f in back.schema.fields}
        assert isinstance(fields["as_of"], T.DateType)
        assert isinstance(fields["parameter_value"], T.DoubleType)
        assert back.select("as_of").first()[0] == params["as_of"].iloc[0]
        assert isinstance(params["as_of"].iloc[0], dt.date)
    finally:
        spark.stop()


def test_bigquery_dataframes_dtypes() -> None:
    """BigQuery DataFrames' to_pandas() gives Arrow-backed columns: same results."""
    pa = pytest.importorskip("pyarrow")
    orders = simulated_orders(1500, seed=3)
    arrow = pa.table(
        {
            "customer_id": pa.array(orders["customer_id"].tolist(), pa.string()),
            "order_date": pa.array(orders["order_date"].dt.date.tolist(), pa.date32()),
            "total": pa.array([Decimal(f"{v:.2f}") for v in orders["total"]], pa.decimal128(38, 9)),
            "status": pa.array(orders["status"].tolist(), pa.string()),
            "is_completed": pa.array(orders["is_completed"].tolist(), pa.bool_()),
        }
    ).to_pandas(types_mapper=pd.ArrowDtype)
    arrow["is_completed"] = arrow["is_completed"].astype("boolean")
    clv_params, churn_metrics = MODELS["clv_model_params"], MODELS["churn_model_metrics"]
    pd.testing.assert_frame_equal(
        clv_params.build_clv_params(arrow, None)[0], clv_params.build_clv_params(orders, None)[0]
    )
    pd.testing.assert_frame_equal(
        churn_metrics.build_churn_metrics(arrow, None, 90),
        churn_metrics.build_churn_metrics(orders, None, 90),
    )
