"""Churn scores: the selected churn model refitted and applied to every customer at as_of.

One row per customer with a completed order on or before `as_of`. `churn_model_metrics`
chooses the model (best out-of-time validation ROC-AUC) and reports its quality; this
model refits that candidate on the latest snapshot whose label window is complete (cutoff
as_of - H, labels up to as_of) and scores everyone with features up to as_of.

`churn_risk_band` (low / medium / high) has hysteresis, so segments built on it do not
flicker between runs: a customer enters a band when the probability reaches the band's
`enter` threshold and leaves it only when the probability falls below the lower `exit`
threshold. The previous band is read from this model's own previous table (`dbt.this`);
on the first run, or when that table is missing or older than its columns, there is none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

RISK_BANDS = ("low", "medium", "high")

# --- shared code -----------------------------------------------------------------------------
# Functions and constants that other ML model files repeat (dbt ships each model as one
# script). tests/python/test_ml_portability.py checks that every copy is identical.

# Bump when features, candidates or hyperparameters change.
CHURN_MODEL_REVISION = "churn-2"
RANDOM_STATE = 42
CALIBRATION_FOLDS = 5
# One thread for OpenMP/BLAS while fitting: the data are small, thread pools crawl on a
# busy machine (dbt runs models side by side), and results do not depend on core counts.
MODEL_THREADS = 1
# Look-back windows (days before the cutoff) of the behavioural features.
FEATURE_WINDOWS_DAYS = (30, 90, 180, 365)
FEATURES = (
    "recency_days",
    "tenure_days",
    "days_first_to_last_order",
    "order_count",
    "total_spend",
    "avg_order_value",
    "orders_last_30d",
    "orders_last_90d",
    "orders_last_180d",
    "orders_last_365d",
    "spend_last_365d",
    "non_completed_orders",
)
# Candidate name -> (features it uses, is a baseline that is reported but never selected).
CANDIDATES = {
    "logistic_regression": (FEATURES, False),
    "gradient_boosting": (FEATURES, False),
    "recency_only_logistic": (("recency_days",), True),
}


def engine_of(obj: object) -> str:
    """Name of the library an object comes from ('duckdb', 'pyspark', 'bigframes', ...).

    dbt-duckdb hands Python models its own cursor wrapper (a dbt.adapters.duckdb class).
    """
    module = type(obj).__module__
    if module.startswith("dbt.adapters.duckdb"):
        return "duckdb"
    return module.split(".")[0].lstrip("_")


def to_pandas(frame: object, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Convert what `dbt.ref()` returns on each engine to a pandas DataFrame.

    With `columns`, only those are selected, in the engine before the transfer: the other
    columns are never read, converted or held in memory.
    """
    engine = engine_of(frame)
    if columns is not None and engine in ("duckdb", "pyspark"):
        frame = frame.select(*columns)  # type: ignore[attr-defined]
    elif columns is not None and engine in ("pandas", "bigframes"):
        frame = frame[list(columns)]  # type: ignore[index]
    if engine == "pandas":
        return frame  # type: ignore[return-value]
    if engine == "duckdb":
        return frame.df()  # type: ignore[attr-defined]
    if engine == "pyspark":
        return frame.toPandas()  # type: ignore[attr-defined]
    if engine == "bigframes":
        return frame.to_pandas()  # type: ignore[attr-defined]
    raise TypeError(f"cannot convert a {type(frame)!r} to pandas")


def from_pandas(frame: pd.DataFrame, session: object) -> object:
    """Hand a pandas DataFrame back to dbt in the form the engine's session expects."""
    engine = engine_of(session)
    if engine == "pyspark":
        return session.createDataFrame(frame)  # type: ignore[attr-defined]
    if engine == "bigframes":
        return session.read_pandas(frame)  # type: ignore[attr-defined]
    return frame


def as_of_from_table(as_of: pd.DataFrame) -> pd.Timestamp:
    """The project's as-of date: the one row of int_as_of (var as_of, or the latest event)."""
    if len(as_of) != 1:
        raise ValueError(f"int_as_of must have exactly one row, not {len(as_of)}")
    dates = pd.to_datetime(as_of["as_of_date"])
    return pd.Timestamp(dates.dt.tz_localize(None).dt.normalize().iloc[0])


# The int_orders_resolved columns prepare_orders reads (the models select only these).
ORDER_COLUMNS = ("customer_id", "order_date", "total", "is_completed")


def prepare_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders with a customer: customer_id, order_date (a day), total (float), is_completed.

    Sorted by customer_id and order_date, so that every fit sees its rows in one order.
    """
    known = orders.loc[orders["customer_id"].notna()]
    frame = pd.DataFrame(
        {
            "customer_id": known["customer_id"].astype(str),
            "order_date": pd.to_datetime(known["order_date"]).dt.tz_localize(None).dt.normalize(),
            "total": pd.to_numeric(known["total"].astype(float)).fillna(0.0),
            "is_completed": known["is_completed"].fillna(False).astype(bool),
        }
    )
    return frame.sort_values(["customer_id", "order_date"], kind="stable").reset_index(drop=True)


def resolve_as_of(as_of: pd.Timestamp | None, orders: pd.DataFrame) -> pd.Timestamp:
    """The given as_of date; without one (pure-function use), the latest completed order's.

    The dbt models always pass int_as_of's date, the one every feature model uses.
    """
    if as_of is not None:
        return as_of
    completed = orders.loc[orders["is_completed"], "order_date"]
    if completed.empty:
        raise ValueError("no completed orders: cannot choose an as_of date")
    return pd.Timestamp(completed.max()).normalize()


def churn_cutoffs(as_of: pd.Timestamp, horizon_days: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(training cutoff, validation cutoff) = (as_of - 2H, as_of - H)."""
    horizon = pd.Timedelta(days=int(horizon_days))
    return as_of - 2 * horizon, as_of - horizon


def customer_features(orders: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Features at `cutoff` for every customer with a completed order on or before it.

    Uses orders dated on or before the cutoff only. Indexed and sorted by customer_id.
    """
    history = orders.loc[orders["order_date"] <= cutoff]
    completed = history.loc[history["is_completed"]]
    days_before = (cutoff - completed["order_date"]).dt.days
    grouped = completed.groupby("customer_id", sort=True)
    features = pd.DataFrame(
        {
            "recency_days": grouped["order_date"].max().rsub(cutoff).dt.days,
            "tenure_days": grouped["order_date"].min().rsub(cutoff).dt.days,
            "order_count": grouped.size(),
            "total_spend": grouped["total"].sum(),
        }
    )
    features["days_first_to_last_order"] = features["tenure_days"] - features["recency_days"]
    features["avg_order_value"] = features["total_spend"] / features["order_count"]
    for days in FEATURE_WINDOWS_DAYS:
        recent = completed.loc[days_before < days]
        counts = recent.groupby("customer_id", sort=True).size()
        features[f"orders_last_{days}d"] = counts.reindex(features.index, fill_value=0)
    last_year = completed.loc[days_before < 365].groupby("customer_id", sort=True)["total"].sum()
    features["spend_last_365d"] = last_year.reindex(features.index, fill_value=0.0)
    other = history.loc[~history["is_completed"]].groupby("customer_id", sort=True).size()
    features["non_completed_orders"] = other.reindex(features.index, fill_value=0)
    features.index = features.index.astype(str)
    features.index.name = "customer_id"
    return features.loc[:, list(FEATURES)].astype(float).sort_index()


def churn_labels(
    orders: pd.DataFrame, customers: pd.Index, cutoff: pd.Timestamp, horizon_days: int
) -> pd.Series:
    """1 if the customer completes no order in (cutoff, cutoff + horizon], else 0."""
    end = cutoff + pd.Timedelta(days=int(horizon_days))
    window = orders.loc[
        orders["is_completed"] & (orders["order_date"] > cutoff) & (orders["order_date"] <= end)
    ]
    bought = customers.isin(window["customer_id"].unique())
    return pd.Series((~bought).astype(int), index=customers, name="churned")


def labelled_snapshot(
    orders: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int
) -> tuple[pd.DataFrame, pd.Series]:
    """Features at `cutoff` and churn labels of the window after it, checked for use."""
    features = customer_features(orders, cutoff)
    labels = churn_labels(orders, features.index, cutoff, horizon_days)
    if labels.nunique() < 2:
        raise ValueError(
            f"churn: the snapshot at {cutoff:%Y-%m-%d} has {len(labels)} customers and not"
            " both outcomes; the data needs at least two churn horizons of history before as_of"
        )
    return features, labels


def build_candidate(name: str):
    """An unfitted, calibrated scikit-learn classifier for a candidate name."""
    if name in ("logistic_regression", "recency_only_logistic"):
        # Counts, money and durations are right-skewed: log1p, then standardise.
        base = make_pipeline(
            FunctionTransformer(np.log1p),
            StandardScaler(),
            LogisticRegression(C=1.0, max_iter=2000),
        )
    elif name == "gradient_boosting":
        base = HistGradientBoostingClassifier(
            # 100 trees at 0.1: at 1,000,000 customers the same validation ROC-AUC to
            # 4 decimals as 200 at 0.05 (0.8525), for half the fitting and predicting.
            learning_rate=0.1,
            max_iter=100,
            max_leaf_nodes=15,
            min_samples_leaf=50,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=RANDOM_STATE,
        )
    else:
        raise ValueError(f"unknown churn candidate {name!r}")
    folds = StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=RANDOM_STATE)
    return CalibratedClassifierCV(base, method="sigmoid", cv=folds)


def fit_candidate(name: str, features: pd.DataFrame, labels: pd.Series):
    """Fit a candidate on one labelled snapshot (rows in customer_id order)."""
    columns = list(CANDIDATES[name][0])
    estimator = build_candidate(name)
    with threadpool_limits(limits=MODEL_THREADS):
        estimator.fit(features.loc[:, columns].to_numpy(), labels.to_numpy())
    return estimator


def predict_churn(name: str, estimator, features: pd.DataFrame) -> pd.Series:
    """Calibrated churn probabilities, indexed by customer_id."""
    columns = list(CANDIDATES[name][0])
    with threadpool_limits(limits=MODEL_THREADS):
        probability = estimator.predict_proba(features.loc[:, columns].to_numpy())[:, 1]
    return pd.Series(probability, index=features.index, name="churn_probability")


def model_version(selected: str, as_of: pd.Timestamp) -> str:
    """The version string both churn tables carry: revision, algorithm and as_of."""
    return f"{CHURN_MODEL_REVISION}-{selected}-{as_of:%Y%m%d}"


def risk_order(probability: pd.Series) -> np.ndarray:
    """Positions of customers from the most to the least likely to churn; ties by customer_id."""
    frame = pd.DataFrame(
        {"customer_id": probability.index.astype(str), "p": probability.to_numpy()}
    )
    return frame.sort_values(["p", "customer_id"], ascending=[False, True]).index.to_numpy()


# --- end of shared code ----------------------------------------------------------------------


def churn_deciles(probability: pd.Series) -> pd.Series:
    """1 = the tenth of customers most likely to churn, 10 = the least; ties by customer_id."""
    order = risk_order(probability)
    deciles = np.empty(len(order), dtype="int64")
    deciles[order] = np.arange(len(order)) * 10 // max(len(order), 1) + 1
    return pd.Series(deciles, index=probability.index, name="churn_decile")


def validate_thresholds(thresholds: dict[str, tuple[float, float]]) -> None:
    """Each band's exit is at or below its enter; high sits above medium."""
    for band in RISK_BANDS[1:]:
        enter, leave = thresholds[band]
        if not 0 <= leave <= enter <= 1:
            raise ValueError(f"churn risk band {band!r}: need 0 <= exit <= enter <= 1")
    if thresholds["high"][0] < thresholds["medium"][0] or (
        thresholds["high"][1] < thresholds["medium"][1]
    ):
        raise ValueError("churn risk bands: high thresholds must not be below medium ones")


def previous_bands(previous: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.Series:
    """Last run's band per customer; runs dated after as_of (a backfill) are ignored."""
    if previous is None or previous.empty:
        return pd.Series(dtype=object)
    run_dates = pd.to_datetime(previous["as_of"]).dt.tz_localize(None).dt.normalize()
    usable = previous.loc[run_dates <= as_of]
    return pd.Series(
        usable["churn_risk_band"].astype(str).to_numpy(),
        index=usable["customer_id"].astype(str).to_numpy(),
    )


def assign_risk_bands(
    probability: pd.Series,
    previous: pd.Series,
    thresholds: dict[str, tuple[float, float]],
) -> pd.Series:
    """Risk band with hysteresis.

    level_enter = bands whose enter threshold the probability reaches; level_stay = bands
    whose exit threshold it reaches. A customer gets level_enter, or their previous band
    while the probability stays at or above that band's exit threshold:
    level = max(level_enter, min(previous_level, level_stay)).
    Re-running with the same probabilities gives the same bands (idempotent).
    """
    validate_thresholds(thresholds)
    p = probability.to_numpy()[:, None]
    enter = np.array([thresholds[band][0] for band in RISK_BANDS[1:]])
    leave = np.array([thresholds[band][1] for band in RISK_BANDS[1:]])
    level_enter = (p >= enter).sum(axis=1)
    level_stay = (p >= leave).sum(axis=1)
    level_of = {band: level for level, band in enumerate(RISK_BANDS)}
    known = previous[~previous.index.duplicated(keep="first")]
    previous_level = (
        known.map(level_of).reindex(probability.index).fillna(0).to_numpy(dtype="int64")
    )
    level = np.maximum(level_enter, np.minimum(previous_level, level_stay))
    return pd.Series(np.array(RISK_BANDS)[level], index=probability.index, name="churn_risk_band")


def selected_model(model_metrics: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int) -> str:
    """The candidate churn_model_metrics selected, checked against this run's settings."""
    chosen = model_metrics.loc[model_metrics["is_selected"].astype(bool)]
    if len(chosen) != 1:
        raise ValueError(f"churn_model_metrics selects {len(chosen)} models, expected one")
    row = chosen.iloc[0]
    metrics_as_of = pd.Timestamp(str(row["as_of"])).normalize()
    if metrics_as_of != as_of or int(row["horizon_days"]) != int(horizon_days):
        raise ValueError(
            f"churn_model_metrics is for as_of {metrics_as_of:%Y-%m-%d} and horizon"
            f" {int(row['horizon_days'])} days, this run for {as_of:%Y-%m-%d} and"
            f" {horizon_days}: rebuild both with the same vars"
        )
    return str(row["model_name"])


def build_churn_scores(
    orders: pd.DataFrame,
    model_metrics: pd.DataFrame,
    previous: pd.DataFrame | None,
    as_of: pd.Timestamp | None,
    horizon_days: int,
    thresholds: dict[str, tuple[float, float]],
) -> pd.DataFrame:
    """Refit the selected candidate at as_of - H and score every customer at as_of."""
    prepared = prepare_orders(orders)
    cutoff = resolve_as_of(as_of, prepared)
    name = selected_model(model_metrics, cutoff, horizon_days)
    _, fit_cutoff = churn_cutoffs(cutoff, horizon_days)
    fit_x, fit_y = labelled_snapshot(prepared, fit_cutoff, horizon_days)
    estimator = fit_candidate(name, fit_x, fit_y)
    probability = predict_churn(name, estimator, customer_features(prepared, cutoff))
    bands = assign_risk_bands(probability, previous_bands(previous, cutoff), thresholds)
    return pd.DataFrame(
        {
            "customer_id": probability.index.astype(str),
            "churn_probability": probability.to_numpy(),
            "churn_decile": churn_deciles(probability).to_numpy(),
            "churn_risk_band": bands.to_numpy(),
            "horizon_days": int(horizon_days),
            "model_version": model_version(name, cutoff),
            "scored_at": cutoff + pd.Timedelta(days=1),
            "as_of": cutoff.date(),
        }
    )


def read_previous_run(dbt, session) -> pd.DataFrame | None:
    """This model's previous table (customer_id, churn_risk_band, as_of), or None.

    DuckDB: look the table and its columns up in information_schema first (a failed query
    would abort dbt's transaction). BigQuery: a missing table raises "Not found".
    """
    columns = ["customer_id", "churn_risk_band", "as_of"]
    engine = engine_of(session)
    if engine == "duckdb":
        found = session.execute(
            "select column_name from information_schema.columns"
            " where table_catalog = ? and table_schema = ? and table_name = ?",
            [dbt.this.database, dbt.this.schema, dbt.this.identifier],
        ).fetchall()
        if not set(columns) <= {name for (name,) in found}:
            return None
        return session.sql(f"select {', '.join(columns)} from {dbt.this}").df()
    try:
        if engine == "bigframes":
            return session.read_gbq(str(dbt.this), columns=columns).to_pandas()
        if engine == "pyspark":
            table = session.read.format("bigquery").load(str(dbt.this))
            return table.select(*columns).toPandas()
    except Exception as error:  # the first run: the table does not exist yet
        if "not found" in str(error).lower() or type(error).__name__ == "NotFound":
            return None
        raise
    return None


def model(dbt, session):
    dbt.config(materialized="table")
    as_of = as_of_from_table(to_pandas(dbt.ref("int_as_of")))
    thresholds = {
        "medium": (
            float(dbt.config.meta_get("churn_medium_risk_enter")),
            float(dbt.config.meta_get("churn_medium_risk_exit")),
        ),
        "high": (
            float(dbt.config.meta_get("churn_high_risk_enter")),
            float(dbt.config.meta_get("churn_high_risk_exit")),
        ),
    }
    scores = build_churn_scores(
        to_pandas(dbt.ref("int_orders_resolved"), ORDER_COLUMNS),
        to_pandas(dbt.ref("churn_model_metrics")),
        read_previous_run(dbt, session),
        as_of,
        int(dbt.config.meta_get("churn_horizon_days")),
        thresholds,
    )
    return from_pandas(scores, session)
