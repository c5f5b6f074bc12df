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

Two baselines are reported and never selected: a logistic regression on recency alone, and
BG/NBD's probability of no purchase in the next H days (the CLV model's churn quantity,
fitted without labels on the orders up to the validation cutoff).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special
from sklearn import metrics
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

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


# --- BG/NBD baseline ---------------------------------------------------------------------
# The same functions as in clv_model_params.py / customer_lifetime_value.py (kept identical
# by tests/python/test_ml_portability.py): BG/NBD's P(no purchase in the next H days), fitted
# without labels on the orders up to the validation cutoff, is the churn baseline to beat.

# The papers measure time in weeks; so do we (alpha is a rate per week).
DAYS_PER_TIME_UNIT = 7.0
# Bounds on log(parameter) for the optimiser: wide enough for any real data set.
LOG_PARAM_BOUNDS = (-12.0, 12.0)
BGNBD_PARAMS = ("r", "alpha", "a", "b")


def summarise_customers(orders: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Per customer with a purchase on or before `cutoff`: x, t_x, T (weeks) and zbar.

    Only completed orders count. `orders` is the output of `prepare_orders`.
    Sorted by customer_id.
    """
    history = orders.loc[orders["is_completed"] & (orders["order_date"] <= cutoff)]
    days = history.groupby(["customer_id", "order_date"], as_index=False, sort=True)["total"].sum()
    days["is_first"] = ~days.duplicated("customer_id", keep="first")
    repeat = days.loc[~days["is_first"]]
    per_customer = days.groupby("customer_id", sort=True).agg(
        first_date=("order_date", "min"),
        last_date=("order_date", "max"),
        transaction_days=("order_date", "size"),
    )
    repeat_value = repeat.groupby("customer_id", sort=True)["total"].mean()
    unit = pd.Timedelta(days=DAYS_PER_TIME_UNIT)
    summary = pd.DataFrame(
        {
            "customer_id": per_customer.index.astype(str),
            "x": (per_customer["transaction_days"] - 1).to_numpy(dtype=float),
            "t_x": ((per_customer["last_date"] - per_customer["first_date"]) / unit).to_numpy(),
            "T": ((cutoff - per_customer["first_date"]) / unit).to_numpy(),
            "zbar": repeat_value.reindex(per_customer.index).fillna(0.0).to_numpy(),
        }
    )
    return summary.reset_index(drop=True)


def bgnbd_log_likelihood(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6).

    L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))
    """
    r, alpha, a, b = params
    # x (repeat purchase days) takes few distinct values: the special functions, most of
    # the cost, run on those only (43 values for 525,539 customers at 1,000,000).
    x_values, x_index = np.unique(x, return_inverse=True)
    common = (
        special.gammaln(r + x_values)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.betaln(a, b + x_values)
        - special.betaln(a, b)
    )[x_index]
    still_active = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    # B(a+1, b+x-1) / B(a, b+x) = a / (b+x-1); only defined (and needed) when x > 0.
    dropped_out = np.full_like(x, -np.inf, dtype=float)
    dropped_out[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    return common + np.logaddexp(still_active, dropped_out)


def _maximise(neg_ll, start: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """Minimise a negative log-likelihood over log(parameters); returns params, LL, converged.

    Nelder-Mead finds the basin without gradients, then L-BFGS-B polishes the optimum.
    Both are deterministic.
    """
    bounds = [LOG_PARAM_BOUNDS] * len(start)

    def objective(log_params: np.ndarray) -> float:
        value = neg_ll(np.exp(np.clip(log_params, *LOG_PARAM_BOUNDS)))
        return float(value) if np.isfinite(value) else 1e300

    coarse = optimize.minimize(
        objective,
        np.log(start),
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 20_000, "maxfev": 20_000},
    )
    fine = optimize.minimize(
        objective,
        np.clip(coarse.x, *LOG_PARAM_BOUNDS),
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10_000},
    )
    best = fine if fine.fun <= coarse.fun else coarse
    return np.exp(best.x), -float(best.fun), bool(coarse.success or fine.success)


def fit_bgnbd(summary: pd.DataFrame) -> dict[str, float]:
    """Maximum-likelihood BG/NBD parameters r, alpha, a, b from x, t_x, T."""
    if len(summary) == 0:
        raise ValueError("BG/NBD: no customers to fit")
    # Customers with the same (x, t_x, T) have the same likelihood: the fit runs on the
    # distinct triples, each weighted by how many customers share it (525,539 customers,
    # 193,559 triples at 1,000,000), in a fixed (sorted) order.
    triples = summary.groupby(["x", "t_x", "T"], sort=True).size().reset_index(name="weight")
    x, t_x, T, weight = (triples[c].to_numpy(dtype=float) for c in ("x", "t_x", "T", "weight"))

    def neg_ll(params: np.ndarray) -> float:
        return -(weight * bgnbd_log_likelihood(params, x, t_x, T)).sum()

    # Start: r/alpha = the observed repeat rate per unit of time; a, b a mild dropout.
    rate = max((weight * x).sum() / max((weight * T).sum(), 1e-9), 1e-3)
    params, log_likelihood, converged = _maximise(neg_ll, np.array([1.0, 1.0 / rate, 1.0, 3.0]))
    fitted = dict(zip(BGNBD_PARAMS, params.tolist(), strict=True))
    fitted.update(
        log_likelihood=log_likelihood, n_customers=float(len(summary)), converged=converged
    )
    return fitted


def _log_dropout_odds(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """log of [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x); -inf for one-time buyers.

    It is the posterior odds of "dropped out after the last purchase" vs "still active".
    """
    out = np.full(x.shape, -np.inf)
    rep = x > 0
    out[rep] = (
        np.log(a)
        - np.log(b + x[rep] - 1)
        + (r + x[rep]) * (np.log(alpha + T[rep]) - np.log(alpha + t_x[rep]))
    )
    return out


def bgnbd_prob_no_purchase(
    params: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """P(no purchase in (T, T+t] | x, t_x, T) under BG/NBD.

    With the likelihood L = A (alpha+T)^-(r+x) + [x>0] A a/(b+x-1) (alpha+t_x)^-(r+x)
    (A the factor common to both terms), "no purchase in the next t" keeps the dropped-out
    term and turns the active term into A (alpha+T+t)^-(r+x) (Poisson silence for t more):
        P = [(alpha+T+t)^-(r+x) + D] / [(alpha+T)^-(r+x) + D],
        D = [x>0] a/(b+x-1) (alpha+t_x)^-(r+x).
    """
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    # Work relative to (alpha+T)^-(r+x) to stay finite for heavy buyers.
    log_silent = -(r + x) * (np.log(alpha + T + t) - np.log(alpha + T))
    log_dropped = _log_dropout_odds(r, alpha, a, b, x, t_x, T)
    return np.exp(np.logaddexp(log_silent, log_dropped) - np.logaddexp(0.0, log_dropped))


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


def bgnbd_baseline(
    orders: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int, labels: pd.Series
) -> dict[str, object]:
    """The metrics row of BG/NBD's P(no purchase in the next H days) at the validation cutoff.

    BG/NBD needs no labels, so it is fitted on the orders up to the validation cutoff itself,
    as customer_lifetime_value does at as_of.
    """
    summary = summarise_customers(orders, cutoff)
    fit = fit_bgnbd(summary)
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    silent = bgnbd_prob_no_purchase(fit, horizon_days / DAYS_PER_TIME_UNIT, x, t_x, T)
    probability = pd.Series(silent, index=summary["customer_id"].to_numpy()).reindex(labels.index)
    return {
        "model_name": "bgnbd_prob_no_purchase",
        "is_baseline": True,
        "fit_cutoff": cutoff.date(),
        **evaluate(labels, probability),
        "features": "x, t_x, T (BG/NBD: repeat purchase days, recency and age in weeks)",
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
    # churn_scores scores every customer with a completed order on or before as_of
    completed = prepared.loc[prepared["is_completed"] & (prepared["order_date"] <= cutoff)]
    scoring_rows = int(completed["customer_id"].nunique())
    rows = []
    for name, (columns, is_baseline) in CANDIDATES.items():
        estimator = fit_candidate(name, train_x, train_y)
        rows.append(
            {
                "model_name": name,
                "is_baseline": is_baseline,
                "fit_cutoff": training_cutoff.date(),
                **evaluate(valid_y, predict_churn(name, estimator, valid_x)),
                "features": ", ".join(columns),
            }
        )
    rows.append(bgnbd_baseline(prepared, validation_cutoff, horizon_days, valid_y))
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
    as_of = as_of_from_table(to_pandas(dbt.ref("int_as_of")))
    horizon_days = int(dbt.config.meta_get("churn_horizon_days"))
    orders = to_pandas(dbt.ref("int_orders_resolved"), ORDER_COLUMNS)
    return from_pandas(build_churn_metrics(orders, as_of, horizon_days), session)
