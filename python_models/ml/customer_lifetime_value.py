"""Predicted customer lifetime value: BG/NBD purchases x Gamma-Gamma spend, discounted.

One row per customer with a completed order on or before `as_of`. The parameters come
from `clv_model_params` (fitted on the same orders up to the same `as_of`); this model
applies the prediction formulas of the papers:

- BG/NBD (Fader, Hardie & Lee 2005): expected purchases in the next t given (x, t_x, T),
  their eq. (10); probability of no purchase in the next t (derived below).
- Gamma-Gamma (Fader & Hardie 2013): expected value of a customer's transactions given
  x and zbar, E(M) = (gamma + x zbar) p / (p x + q - 1); one-time buyers get the
  population mean p gamma / (q - 1).
- CLV over `clv_horizon_months` months: month by month, the expected purchases of the
  month times E(M), discounted at the monthly equivalent of `clv_annual_discount_rate`
  ((1 + annual) ** (1 / 12) - 1), each month's value discounted from the month's end.

Raw P(alive) is not published: it is 1 for every one-time buyer and ranks churn badly.
`prob_no_purchase_next_h` is the model's own churn baseline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

# Must match clv_model_params.py (the version string is read from its table).
DAYS_PER_TIME_UNIT = 7.0
DAYS_PER_MONTH = 365.25 / 12
# Gauss-Jacobi nodes for the numerical fallback of the expected-purchases integral.
QUADRATURE_NODES = 64

# --- shared code -----------------------------------------------------------------------------
# Functions and constants that other ML model files repeat (dbt ships each model as one
# script). tests/python/test_ml_portability.py checks that every copy is identical.


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


# --- end of shared code ----------------------------------------------------------------------


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


def _expected_purchases_if_active(
    r: float, alpha: float, a: float, b: float, t: float, x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[purchases in (T, T+t]] for a customer still active at T (BG/NBD, eq. 10 numerator).

    Closed form with the Gaussian hypergeometric function; where that is not finite, the
    same expectation by quadrature (`_expected_purchases_by_quadrature`).
    """
    if t <= 0:
        return np.zeros(x.shape)
    z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        tail = np.exp((r + x) * np.log1p(-z)) * hyp
        value = (a + b + x - 1) / (a - 1) * (1 - tail)
    bad = ~np.isfinite(value) | (value < 0)
    if bad.any():
        value[bad] = _expected_purchases_by_quadrature(r, alpha, a, b, t, x[bad], T[bad])
    return value


def _expected_purchases_by_quadrature(
    r: float, alpha: float, a: float, b: float, t: float, x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """The same expectation as an integral over the posterior dropout probability.

    Given activity at T: lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x), and
    E[purchases in t | lambda, p] = (1 - exp(-lambda p t)) / p; integrating lambda out
    leaves E_p[(1/p) (1 - ((alpha+T) / (alpha+T+p t))^(r+x))], computed by Gauss-Jacobi
    quadrature (the Beta density is the Jacobi weight).
    """
    value = np.empty(x.shape)
    for i, (xi, Ti) in enumerate(zip(x, T, strict=True)):
        nodes, weights = special.roots_jacobi(QUADRATURE_NODES, b + xi - 1, a - 1)
        p = (1 + nodes) / 2
        integrand = -np.expm1((r + xi) * np.log1p(-p * t / (alpha + Ti + p * t))) / p
        value[i] = weights @ integrand / weights.sum()
    return value


def bgnbd_expected_purchases(
    params: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in the next t (Fader, Hardie & Lee eq. 10)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    p_active = special.expit(-_log_dropout_odds(r, alpha, a, b, x, t_x, T))
    return p_active * _expected_purchases_if_active(r, alpha, a, b, t, x, T)


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


def gamma_gamma_expected_spend(
    params: dict[str, float], x: np.ndarray, zbar: np.ndarray
) -> np.ndarray:
    """E(M | x, zbar) = (gamma + x zbar) p / (p x + q - 1): the population mean
    p gamma / (q - 1) when x = 0 (Fader & Hardie 2013, eq. 5)."""
    p, q, gamma = (params[k] for k in ("p", "q", "gamma"))
    if q <= 1:
        raise ValueError(f"Gamma-Gamma q = {q:.3f} <= 1: the mean spend is not defined")
    x = np.asarray(x, dtype=float)
    zbar = np.where(x > 0, np.asarray(zbar, dtype=float), 0.0)
    return (gamma + x * zbar) * p / (p * x + q - 1)


def discounted_clv(
    bgnbd: dict[str, float],
    gamma_gamma: dict[str, float],
    summary: pd.DataFrame,
    horizon_months: int,
    annual_discount_rate: float,
) -> pd.DataFrame:
    """Expected purchases, spend per purchase and discounted CLV over `horizon_months`."""
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    month = DAYS_PER_MONTH / DAYS_PER_TIME_UNIT
    monthly_rate = (1 + annual_discount_rate) ** (1 / 12) - 1
    spend = gamma_gamma_expected_spend(gamma_gamma, x, summary["zbar"].to_numpy(dtype=float))
    cumulative = np.zeros(len(summary))
    present_value = np.zeros(len(summary))
    for m in range(1, horizon_months + 1):
        to_month_end = bgnbd_expected_purchases(bgnbd, m * month, x, t_x, T)
        present_value += (to_month_end - cumulative) * spend / (1 + monthly_rate) ** m
        cumulative = to_month_end
    return pd.DataFrame(
        {
            "predicted_purchases": cumulative,
            "expected_avg_order_value": spend,
            "clv": present_value,
        },
        index=summary.index,
    )


def params_from_table(params: pd.DataFrame) -> tuple[dict[str, float], dict[str, float], str]:
    """BG/NBD and Gamma-Gamma parameters and the model version from `clv_model_params`."""
    values = {
        (str(row.model_name), str(row.parameter_name)): float(row.parameter_value)
        for row in params.itertuples(index=False)
    }
    bgnbd = {k: values[("bg_nbd", k)] for k in ("r", "alpha", "a", "b")}
    gamma_gamma = {k: values[("gamma_gamma", k)] for k in ("p", "q", "gamma")}
    versions = params["model_version"].astype(str).unique()
    if len(versions) != 1:
        raise ValueError(f"clv_model_params holds more than one model version: {versions}")
    return bgnbd, gamma_gamma, str(versions[0])


def build_customer_lifetime_value(
    orders: pd.DataFrame,
    params: pd.DataFrame,
    as_of: pd.Timestamp | None,
    horizon_days: int,
    horizon_months: int,
    annual_discount_rate: float,
) -> pd.DataFrame:
    """One row per customer with a completed order on or before as_of."""
    prepared = prepare_orders(orders)
    cutoff = resolve_as_of(as_of, prepared)
    params_as_of = pd.Timestamp(str(params["as_of"].iloc[0])).normalize()
    if params_as_of != cutoff:
        raise ValueError(
            f"clv_model_params was fitted as of {params_as_of:%Y-%m-%d}, not {cutoff:%Y-%m-%d}:"
            " rebuild it with the same as_of"
        )
    bgnbd, gamma_gamma, model_version = params_from_table(params)
    summary = summarise_customers(prepared, cutoff)
    values = discounted_clv(bgnbd, gamma_gamma, summary, horizon_months, annual_discount_rate)
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    no_purchase = bgnbd_prob_no_purchase(bgnbd, horizon_days / DAYS_PER_TIME_UNIT, x, t_x, T)
    return pd.DataFrame(
        {
            "customer_id": summary["customer_id"],
            "repeat_purchase_days": summary["x"].astype("int64"),
            "weeks_first_to_last_purchase": summary["t_x"],
            "weeks_since_first_purchase": summary["T"],
            "avg_repeat_order_value": summary["zbar"].where(summary["x"] > 0),
            "predicted_purchases_12m": values["predicted_purchases"],
            "expected_avg_order_value": values["expected_avg_order_value"],
            "clv_12m": values["clv"],
            "prob_no_purchase_next_h": no_purchase,
            "horizon_days": int(horizon_days),
            "clv_horizon_months": int(horizon_months),
            "annual_discount_rate": float(annual_discount_rate),
            "model_version": model_version,
            "as_of": cutoff.date(),
            "scored_at": cutoff + pd.Timedelta(days=1),
        }
    )


def model(dbt, session):
    dbt.config(materialized="table")
    as_of = as_of_from_table(to_pandas(dbt.ref("int_as_of")))
    orders = to_pandas(dbt.ref("int_orders_resolved"), ORDER_COLUMNS)
    params = to_pandas(dbt.ref("clv_model_params"))
    table = build_customer_lifetime_value(
        orders,
        params,
        as_of,
        horizon_days=int(dbt.config.meta_get("churn_horizon_days")),
        horizon_months=int(dbt.config.meta_get("clv_horizon_months")),
        annual_discount_rate=float(dbt.config.meta_get("clv_annual_discount_rate")),
    )
    return from_pandas(table, session)
