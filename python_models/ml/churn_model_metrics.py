"""Churn propensity: model selection and honest, out-of-time validation metrics.

One row per candidate model. `churn_scores` refits the selected candidate and scores
every customer; this table says how good that model is, in numbers an analyst can read.

Definition (non-contractual): at a cutoff date c, the population is every customer with a
completed order on or before c; a customer churns if they complete no order in
(c, c + H], H = `churn_horizon_days`. Features use orders up to c only.

Time split, never a random customer split (A = as_of):
- training cutoff A - 2H: features up to A - 2H, labels from (A - 2H, A - H];
- validation cutoff A - H: features up to A - H, labels from (A - H, A];
- every candidate is fitted at the training cutoff and measured at the validation cutoff;
  the best validation ROC-AUC among the non-baseline candidates is selected;
- `churn_scores` refits the selected candidate at the validation cutoff (its label window
  ends on A, the latest complete one) and scores everyone at A.

Probabilities are calibrated (Platt scaling, 5-fold cross-fitted inside the training
snapshot). Brier is compared with the base-rate Brier p(1 - p) of the validation window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

# --- shared code -----------------------------------------------------------------------------
# Functions and constants that other ML model files repeat (dbt ships each model as one
# script). tests/python/test_ml_portability.py checks that every copy is identical.

# Bump when features, candidates or hyperparameters change.
CHURN_MODEL_REVISION = "churn-1"
RANDOM_STATE = 42
CALIBRATION_FOLDS = 5
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
    """Name of the library an object comes from ('duckdb', 'pyspark', 'bigframes', ...)."""
    return type(obj).__module__.split(".")[0].lstrip("_")


def to_pandas(frame: object) -> pd.DataFrame:
    """Convert what `dbt.ref()` returns on each engine to a pandas DataFrame."""
    engine = engine_of(frame)
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


def parse_as_of(value: object) -> pd.Timestamp | None:
    """The `as_of` var as rendered into the model config: a date, or null for 'latest'."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        return None
    return pd.Timestamp(str(value)).normalize()


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
    """The given as_of date, or the latest completed order's date when none is given."""
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
            learning_rate=0.05,
            max_iter=200,
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
    estimator.fit(features.loc[:, columns].to_numpy(), labels.to_numpy())
    return estimator


def predict_churn(name: str, estimator, features: pd.DataFrame) -> pd.Series:
    """Calibrated churn probabilities, indexed by customer_id."""
    columns = list(CANDIDATES[name][0])
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


def top_decile_lift(labels: pd.Series, probability: pd.Series) -> float:
    """Churn rate among the 10% highest scored, divided by the overall churn rate."""
    order = risk_order(probability)
    top = order[: max(1, int(np.ceil(len(order) / 10)))]
    return float(labels.to_numpy()[top].mean() / labels.mean())


def evaluate(labels: pd.Series, probability: pd.Series) -> dict[str, float]:
    """Validation metrics of calibrated churn probabilities against observed churn."""
    y = labels.to_numpy()
    p = probability.reindex(labels.index).to_numpy()
    base_rate = float(y.mean())
    brier = float(metrics.brier_score_loss(y, p))
    base_brier = base_rate * (1 - base_rate)
    return {
        "roc_auc": float(metrics.roc_auc_score(y, p)),
        "pr_auc": float(metrics.average_precision_score(y, p)),
        "brier_score": brier,
        "base_rate_brier_score": base_brier,
        "brier_skill_score": 1 - brier / base_brier,
        "log_loss": float(metrics.log_loss(y, p, labels=[0, 1])),
        "top_decile_lift": top_decile_lift(labels, probability),
        "mean_predicted_probability": float(p.mean()),
    }


def build_churn_metrics(
    orders: pd.DataFrame, as_of: pd.Timestamp | None, horizon_days: int
) -> pd.DataFrame:
    """Fit every candidate at the training cutoff, measure it at the validation cutoff."""
    prepared = prepare_orders(orders)
    cutoff = resolve_as_of(as_of, prepared)
    training_cutoff, validation_cutoff = churn_cutoffs(cutoff, horizon_days)
    train_x, train_y = labelled_snapshot(prepared, training_cutoff, horizon_days)
    valid_x, valid_y = labelled_snapshot(prepared, validation_cutoff, horizon_days)
    scoring_rows = len(customer_features(prepared, cutoff))
    rows = []
    for name, (columns, is_baseline) in CANDIDATES.items():
        estimator = fit_candidate(name, train_x, train_y)
        rows.append(
            {
                "model_name": name,
                "is_baseline": is_baseline,
                **evaluate(valid_y, predict_churn(name, estimator, valid_x)),
                "features": ", ".join(columns),
            }
        )
    table = pd.DataFrame(rows)
    eligible = table.loc[~table["is_baseline"]]
    # Highest validation ROC-AUC wins; on a tie the first candidate listed.
    selected = str(eligible.loc[eligible["roc_auc"].idxmax(), "model_name"])
    table.insert(1, "is_selected", table["model_name"] == selected)
    context = {
        "model_version": model_version(selected, cutoff),
        "as_of": cutoff.date(),
        "horizon_days": int(horizon_days),
        "training_cutoff": training_cutoff.date(),
        "training_rows": len(train_y),
        "training_base_rate": float(train_y.mean()),
        "validation_cutoff": validation_cutoff.date(),
        "validation_rows": len(valid_y),
        "validation_base_rate": float(valid_y.mean()),
        # churn_scores refits the selected candidate on the validation snapshot.
        "scoring_fit_cutoff": validation_cutoff.date(),
        "scoring_rows": scoring_rows,
        "evaluated_at": cutoff + pd.Timedelta(days=1),
    }
    for position, (key, value) in enumerate(context.items(), start=3):
        table.insert(position, key, value)
    return table


def model(dbt, session):
    dbt.config(materialized="table")
    as_of = parse_as_of(dbt.config.meta_get("as_of"))
    horizon_days = int(dbt.config.meta_get("churn_horizon_days"))
    orders = to_pandas(dbt.ref("int_orders_resolved"))
    return from_pandas(build_churn_metrics(orders, as_of, horizon_days), session)
