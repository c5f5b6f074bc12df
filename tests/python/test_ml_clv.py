"""BG/NBD and Gamma-Gamma: published CDNOW estimates, simulation recovery, predictions.

The CDNOW data in tests/python/data/ come from the `lifetimes` 0.11.3 wheel (MIT licence),
see tests/python/data/README.md.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

PROJECT_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(__file__).resolve().parent / "data"
CDNOW_CALIBRATION_END = pd.Timestamp("1997-09-30")  # 39 weeks after 1997-01-01
# Fader, Hardie & Lee (2005), CDNOW sample, 39-week calibration period.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BGNBD_LL = -9582.4
# Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", same CDNOW data.
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def load_model(name: str) -> ModuleType:
    """Import a dbt Python model file by path, as dbt would ship it: one script."""
    path = PROJECT_DIR / "python_models" / "ml" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"ml_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


params_model = load_model("clv_model_params")
clv_model = load_model("customer_lifetime_value")


def cdnow_orders() -> pd.DataFrame:
    """The CDNOW sample event log (2,357 customers, 6,919 purchases) as orders."""
    raw = pd.read_csv(
        DATA_DIR / "cdnow_sample_transactions.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "total"],
        dtype={"customer_id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(raw))],
            "customer_id": raw["customer_id"],
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "total": raw["total"],
            "status": "completed",
            "is_completed": True,
        }
    )


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    orders = params_model.prepare_orders(cdnow_orders())
    return params_model.summarise_customers(orders, CDNOW_CALIBRATION_END)


def simulate_bgnbd(
    n: int,
    params: dict[str, float],
    spend: dict[str, float],
    horizon_weeks: float,
    cohort_weeks: float,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate a BG/NBD population with Gamma-Gamma spend.

    Customer i makes a first purchase at a uniform time in [0, cohort_weeks), then buys at
    Poisson rate lambda_i ~ Gamma(r, alpha) and, after each repeat purchase, drops out with
    probability p_i ~ Beta(a, b). Each purchase is worth Gamma(p, nu_i), nu_i ~ Gamma(q, gamma).
    Returns (customers: id, lambda, p, start; purchases: id, time in weeks, value).
    """
    rng = np.random.default_rng(seed)
    rate = rng.gamma(params["r"], 1 / params["alpha"], n)
    dropout = rng.beta(params["a"], params["b"], n)
    nu = rng.gamma(spend["q"], 1 / spend["gamma"], n)
    start = rng.uniform(0, cohort_weeks, n)
    ids, times, values = [], [], []
    for i in range(n):
        t = start[i]
        while t < horizon_weeks:
            ids.append(i)
            times.append(t)
            values.append(rng.gamma(spend["p"], 1 / nu[i]))
            if t > start[i] and rng.random() < dropout[i]:
                break
            t += rng.exponential(1 / rate[i])
    customers = pd.DataFrame({"id": np.arange(n), "lambda": rate, "p": dropout, "start": start})
    purchases = pd.DataFrame({"id": ids, "time": times, "value": values})
    return customers, purchases


def simulated_orders(n: int, seed: int, years: float = 3.0) -> pd.DataFrame:
    """Dated orders from the simulation: a realistic-looking int_orders_resolved frame."""
    params = {"r": 0.6, "alpha": 12.0, "a": 0.7, "b": 3.0}
    spend = {"p": 5.0, "q": 4.0, "gamma": 25.0}
    weeks = years * 52.18
    _, purchases = simulate_bgnbd(n, params, spend, weeks, weeks * 0.8, seed)
    rng = np.random.default_rng(seed + 1)
    day = np.floor(purchases["time"].to_numpy() * 7).astype(int)
    status = rng.choice(["completed", "refunded", "cancelled"], len(day), p=[0.92, 0.05, 0.03])
    return pd.DataFrame(
        {
            "order_id": [f"ord_{i:07d}" for i in range(len(day))],
            "customer_id": [f"cus_{i:016x}" for i in purchases["id"]],
            "order_date": pd.Timestamp("2022-01-01") + pd.to_timedelta(day, unit="D"),
            "total": purchases["value"].round(2).to_numpy(),
            "status": status,
            "is_completed": status == "completed",
            "channel": rng.choice(["web", "app", "store"], len(day)),
        }
    )


# --- the published CDNOW estimates ---------------------------------------------------------


def test_summary_reproduces_published_cdnow_summary(cdnow_summary: pd.DataFrame) -> None:
    published = pd.read_csv(DATA_DIR / "cdnow_summary.csv")
    published["customer_id"] = published["ID"].map(lambda i: f"{i:04d}")
    both = published.merge(cdnow_summary, on="customer_id", suffixes=("_published", ""))
    assert len(cdnow_summary) == len(published) == len(both) == 2357
    assert (both["x"] == both["x_published"]).all()
    assert int(both["x"].sum()) == 2457
    # The published file rounds to two decimals.
    for column in ("t_x", "T", "zbar"):
        assert (both[column] - both[f"{column}_published"]).abs().max() <= 0.005 + 1e-9


def test_bgnbd_reproduces_published_cdnow_estimates(cdnow_summary: pd.DataFrame) -> None:
    fit = params_model.fit_bgnbd(cdnow_summary)
    assert fit["converged"]
    assert {k: round(fit[k], 3) for k in PUBLISHED_BGNBD} == PUBLISHED_BGNBD
    assert round(fit["log_likelihood"], 1) == PUBLISHED_BGNBD_LL


def test_gamma_gamma_reproduces_published_cdnow_estimates(cdnow_summary: pd.DataFrame) -> None:
    fit = params_model.fit_gamma_gamma(cdnow_summary)
    assert fit["converged"]
    assert fit["n_customers"] == 946  # the customers with a repeat purchase
    assert {k: round(fit[k], 2) for k in PUBLISHED_GAMMA_GAMMA} == PUBLISHED_GAMMA_GAMMA


def test_bgnbd_log_likelihood_at_published_parameters(cdnow_summary: pd.DataFrame) -> None:
    params = np.array([PUBLISHED_BGNBD[k] for k in ("r", "alpha", "a", "b")])
    x, t_x, T = (cdnow_summary[c].to_numpy() for c in ("x", "t_x", "T"))
    total = params_model.bgnbd_log_likelihood(params, x, t_x, T).sum()
    assert total == pytest.approx(PUBLISHED_BGNBD_LL, abs=0.1)


def test_bgnbd_fit_on_distinct_triples_is_the_per_customer_fit(
    cdnow_summary: pd.DataFrame,
) -> None:
    # fit_bgnbd weights each distinct (x, t_x, T) by its customers; its log-likelihood
    # must be the per-customer one at the same parameters, and duplicating every customer
    # must leave the parameters where they are (the likelihood only doubles).
    fit = params_model.fit_bgnbd(cdnow_summary)
    params = np.array([fit[k] for k in ("r", "alpha", "a", "b")])
    x, t_x, T = (cdnow_summary[c].to_numpy() for c in ("x", "t_x", "T"))
    per_customer = params_model.bgnbd_log_likelihood(params, x, t_x, T).sum()
    assert fit["log_likelihood"] == pytest.approx(per_customer, rel=1e-12)
    assert fit["n_customers"] == len(cdnow_summary)
    doubled = params_model.fit_bgnbd(pd.concat([cdnow_summary, cdnow_summary]))
    assert doubled["n_customers"] == 2 * len(cdnow_summary)
    assert doubled["log_likelihood"] == pytest.approx(2 * fit["log_likelihood"], rel=1e-9)
    for k in ("r", "alpha", "a", "b"):
        assert doubled[k] == pytest.approx(fit[k], rel=1e-5)


def test_conditional_expectation_matches_the_papers_worked_example() -> None:
    # Fader, Hardie & Lee (2005): a customer with x = 2, t_x = 30.43, T = 38.86 is expected
    # to make 1.226 purchases in the next 39 weeks.
    expected = clv_model.bgnbd_expected_purchases(
        PUBLISHED_BGNBD, 39, np.array([2.0]), np.array([30.43]), np.array([38.86])
    )
    assert round(float(expected[0]), 3) == 1.226


# --- the prediction formulas against independent computations -----------------------------


def posterior_expectation_by_integration(
    params: dict[str, float], t: float, x: float, t_x: float, T: float
) -> tuple[float, float]:
    """E[Y(t)] and P(no purchase in t) by brute-force integration over (lambda, p).

    Straight from the model's story: the joint likelihood of (x, t_x, T) given (lambda, p)
    is "still active" (1-p)^x lambda^x e^(-lambda T) plus "dropped out after the last
    purchase" p (1-p)^(x-1) lambda^x e^(-lambda t_x), weighted by the Gamma and Beta priors.
    """
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    log_norm = r * math.log(alpha) - math.lgamma(r) - (math.lgamma(a) + math.lgamma(b))
    log_norm += math.lgamma(a + b)

    def integrand(kind: str):
        def f(lam: float, p: float) -> float:
            if lam <= 0 or p <= 0 or p >= 1:
                return 0.0
            log_prior = (
                log_norm
                + (r - 1) * math.log(lam)
                - alpha * lam
                + (a - 1) * math.log(p)
                + (b - 1) * math.log1p(-p)
            )
            base = math.exp(log_prior + x * math.log(lam) + x * math.log1p(-p))
            active = base * math.exp(-lam * T)
            dropped = base * p / (1 - p) * math.exp(-lam * t_x) if x > 0 else 0.0
            if kind == "evidence":
                return active + dropped
            if kind == "purchases":  # E[X(t) | lambda, p, active] = (1 - e^(-lambda p t)) / p
                return active * -math.expm1(-lam * p * t) / p
            return active * math.exp(-lam * t) + dropped  # silent t more, or already gone

        return f

    upper = stats.gamma(r + x, scale=1 / (alpha + t_x)).ppf(1 - 1e-12)

    def integral(kind: str) -> float:
        return integrate.dblquad(integrand(kind), 0, 1, 0, upper, epsabs=0, epsrel=1e-8)[0]

    evidence = integral("evidence")
    return integral("purchases") / evidence, integral("silent") / evidence


@pytest.mark.parametrize(
    ("x", "t_x", "T", "t"),
    [(0, 0.0, 20.0, 13.0), (1, 5.0, 30.0, 52.0), (4, 28.0, 35.0, 8.0), (9, 12.0, 60.0, 26.0)],
)
def test_predictions_match_brute_force_integration(x: int, t_x: float, T: float, t: float) -> None:
    params = {"r": 0.8, "alpha": 6.0, "a": 1.7, "b": 4.0}
    purchases, silent = posterior_expectation_by_integration(params, t, x, t_x, T)
    arrays = (np.array([float(x)]), np.array([t_x]), np.array([T]))
    assert clv_model.bgnbd_expected_purchases(params, t, *arrays)[0] == pytest.approx(
        purchases, rel=1e-5
    )
    assert clv_model.bgnbd_prob_no_purchase(params, t, *arrays)[0] == pytest.approx(
        silent, rel=1e-5
    )


def test_quadrature_fallback_agrees_with_closed_form() -> None:
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    x = np.array([0.0, 1.0, 3.0, 12.0, 40.0])
    T = np.array([5.0, 20.0, 38.0, 60.0, 100.0])
    closed = clv_model._expected_purchases_if_active(r, alpha, a, b, 52.0, x, T)
    quadrature = clv_model._expected_purchases_by_quadrature(r, alpha, a, b, 52.0, x, T)

    def integrand(p: float, xi: float, Ti: float) -> float:
        silent = ((alpha + Ti) / (alpha + Ti + p * 52.0)) ** (r + xi)
        return (1 - silent) / p * stats.beta(a, b + xi).pdf(p)

    numeric = [
        integrate.quad(integrand, 0, 1, args=(xi, Ti), limit=200)[0]
        for xi, Ti in zip(x, T, strict=True)
    ]
    np.testing.assert_allclose(closed, numeric, rtol=1e-6)
    np.testing.assert_allclose(quadrature, numeric, rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    x=st.integers(0, 60),
    share=st.floats(0, 1),
    T=st.floats(0.1, 150),
    t=st.floats(0.5, 104),
)
def test_prediction_properties(x: int, share: float, T: float, t: float) -> None:
    params = {"r": 0.5, "alpha": 8.0, "a": 0.9, "b": 2.5}
    t_x = share * T if x > 0 else 0.0
    arrays = (np.array([float(x)]), np.array([t_x]), np.array([T]))
    silent = clv_model.bgnbd_prob_no_purchase(params, t, *arrays)[0]
    longer = clv_model.bgnbd_prob_no_purchase(params, 2 * t, *arrays)[0]
    assert 0 <= longer <= silent <= 1
    purchases = clv_model.bgnbd_expected_purchases(params, t, *arrays)[0]
    more = clv_model.bgnbd_expected_purchases(params, 2 * t, *arrays)[0]
    assert np.isfinite(purchases) and 0 <= purchases <= more


def test_one_time_buyer_has_the_nbd_zero_probability() -> None:
    params = {"r": 0.5, "alpha": 8.0, "a": 0.9, "b": 2.5}
    silent = clv_model.bgnbd_prob_no_purchase(
        params, 13.0, np.array([0.0]), np.array([0.0]), np.array([20.0])
    )[0]
    assert silent == pytest.approx(((8.0 + 20.0) / (8.0 + 20.0 + 13.0)) ** 0.5)


def test_gamma_gamma_expected_spend_shrinks_toward_the_population_mean() -> None:
    params = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    population = 6.25 * 15.44 / (3.74 - 1)
    spend = clv_model.gamma_gamma_expected_spend(
        params, np.array([0.0, 1.0, 10.0]), np.array([np.nan, 100.0, 100.0])
    )
    assert spend[0] == pytest.approx(population)
    assert population < spend[1] < spend[2] < 100.0
    with pytest.raises(ValueError, match="q"):
        clv_model.gamma_gamma_expected_spend({"p": 1.0, "q": 0.9, "gamma": 1.0}, [1.0], [1.0])


# --- simulation: the fit recovers known parameters, the predictions match the future ------


def continuous_summary(
    customers: pd.DataFrame, purchases: pd.DataFrame, end: float
) -> pd.DataFrame:
    """x, t_x, T, zbar at time `end` from simulated purchase times (no day rounding)."""
    seen = purchases.loc[purchases["time"] <= end].sort_values(["id", "time"])
    grouped = seen.groupby("id")
    first, last, count = grouped["time"].min(), grouped["time"].max(), grouped.size()
    repeat = seen.loc[seen.duplicated("id")]
    zbar = repeat.groupby("id")["value"].mean().reindex(first.index).fillna(0.0)
    return pd.DataFrame(
        {
            "customer_id": first.index.astype(str),
            "x": (count - 1).astype(float).to_numpy(),
            "t_x": (last - first).to_numpy(),
            "T": (end - first).to_numpy(),
            "zbar": zbar.to_numpy(),
        }
    )


@pytest.fixture(scope="module")
def simulation() -> tuple[pd.DataFrame, pd.DataFrame]:
    params = {"r": 0.6, "alpha": 12.0, "a": 0.7, "b": 3.0}
    spend = {"p": 5.0, "q": 4.0, "gamma": 25.0}
    return simulate_bgnbd(20_000, params, spend, horizon_weeks=104, cohort_weeks=26, seed=11)


def test_fit_recovers_simulated_parameters(simulation) -> None:
    customers, purchases = simulation
    summary = continuous_summary(customers, purchases, end=52.0)
    x, t_x, T, zbar = (summary[c].to_numpy() for c in ("x", "t_x", "T", "zbar"))
    truth = {"r": 0.6, "alpha": 12.0, "a": 0.7, "b": 3.0}
    bgnbd = params_model.fit_bgnbd(summary)
    # The maximum is at least as likely as the truth, and not significantly more (LR test).
    true_ll = params_model.bgnbd_log_likelihood(np.array(list(truth.values())), x, t_x, T).sum()
    assert 0 <= bgnbd["log_likelihood"] - true_ll < stats.chi2(4).ppf(0.999) / 2
    assert bgnbd["r"] == pytest.approx(truth["r"], rel=0.1)
    assert bgnbd["alpha"] == pytest.approx(truth["alpha"], rel=0.1)
    # a and b are individually loose at this size; the mean dropout a / (a + b) is not.
    mean_dropout = bgnbd["a"] / (bgnbd["a"] + bgnbd["b"])
    assert mean_dropout == pytest.approx(truth["a"] / (truth["a"] + truth["b"]), rel=0.1)

    gamma_gamma = params_model.fit_gamma_gamma(summary)
    repeat = x > 0
    true_gg = params_model.gamma_gamma_log_likelihood(
        np.array([5.0, 4.0, 25.0]), x[repeat], zbar[repeat]
    ).sum()
    assert 0 <= gamma_gamma["log_likelihood"] - true_gg < stats.chi2(3).ppf(0.999) / 2
    assert gamma_gamma["p"] == pytest.approx(5.0, rel=0.1)
    # q and gamma trade off along a ridge; the implied mean spend is well identified.
    implied = gamma_gamma["p"] * gamma_gamma["gamma"] / (gamma_gamma["q"] - 1)
    assert implied == pytest.approx(5.0 * 25.0 / 3.0, rel=0.03)
    assert abs(gamma_gamma["spend_frequency_correlation"]) < 0.05


def test_predictions_match_the_simulated_future(simulation) -> None:
    customers, purchases = simulation
    summary = continuous_summary(customers, purchases, end=52.0)
    fit = params_model.fit_bgnbd(summary)
    future = purchases.loc[(purchases["time"] > 52.0) & (purchases["time"] <= 78.0)]
    actual = future.groupby("id").size().reindex(summary["customer_id"].astype(int), fill_value=0)
    x, t_x, T = (summary[c].to_numpy() for c in ("x", "t_x", "T"))
    expected = clv_model.bgnbd_expected_purchases(fit, 26.0, x, t_x, T)
    silent = clv_model.bgnbd_prob_no_purchase(fit, 26.0, x, t_x, T)
    assert expected.sum() == pytest.approx(actual.sum(), rel=0.05)
    assert silent.mean() == pytest.approx((actual.to_numpy() == 0).mean(), abs=0.01)
    # ... and by frequency group, not only in total.
    for low, high in ((0, 0), (1, 2), (3, 6)):
        group = (x >= low) & (x <= high)
        observed = (actual.to_numpy()[group] == 0).mean()
        assert silent[group].mean() == pytest.approx(observed, abs=0.03)


# --- the published tables ------------------------------------------------------------------


def test_discounted_clv() -> None:
    bgnbd = dict(PUBLISHED_BGNBD)
    gamma_gamma = dict(PUBLISHED_GAMMA_GAMMA)
    summary = pd.DataFrame(
        {"x": [0.0, 2.0, 10.0], "t_x": [0.0, 30.43, 35.0], "T": [38.86] * 3, "zbar": [0, 20, 40]}
    )
    undiscounted = clv_model.discounted_clv(bgnbd, gamma_gamma, summary, 12, 0.0)
    np.testing.assert_allclose(
        undiscounted["clv"],
        undiscounted["predicted_purchases"] * undiscounted["expected_avg_order_value"],
    )
    twelve_months = clv_model.bgnbd_expected_purchases(
        bgnbd, 365.25 / 7, summary["x"], summary["t_x"], summary["T"]
    )
    np.testing.assert_allclose(undiscounted["predicted_purchases"], twelve_months)
    discounted = clv_model.discounted_clv(bgnbd, gamma_gamma, summary, 12, 0.10)
    ratio = discounted["clv"] / undiscounted["clv"]
    # Discounting 10% a year over one year costs between 0% and 10%, about 5% on average.
    assert ((ratio > 1 / 1.10) & (ratio < 1)).all()


@pytest.fixture(scope="module")
def demo_orders() -> pd.DataFrame:
    return simulated_orders(3000, seed=5)


def test_clv_tables_end_to_end(demo_orders: pd.DataFrame) -> None:
    params, _ = params_model.build_clv_params(demo_orders, None)
    assert params["parameter_key"].is_unique
    assert set(params["parameter_key"]) == {
        "bg_nbd.r",
        "bg_nbd.alpha",
        "bg_nbd.a",
        "bg_nbd.b",
        "gamma_gamma.p",
        "gamma_gamma.q",
        "gamma_gamma.gamma",
    }
    latest = pd.Timestamp(demo_orders.loc[demo_orders["is_completed"], "order_date"].max())
    assert (params["as_of"] == latest.date()).all()
    clv = clv_model.build_customer_lifetime_value(demo_orders, params, None, 90, 12, 0.10)
    buyers = demo_orders.loc[demo_orders["is_completed"], "customer_id"].unique()
    assert clv["customer_id"].is_unique and set(clv["customer_id"]) == set(buyers)
    assert clv["customer_id"].is_monotonic_increasing
    assert clv["prob_no_purchase_next_h"].between(0, 1).all()
    assert (clv["predicted_purchases_12m"] >= 0).all() and (clv["clv_12m"] >= 0).all()
    assert not clv.isna().drop(columns="avg_repeat_order_value").any().any()
    with pytest.raises(ValueError, match="rebuild"):
        clv_model.build_customer_lifetime_value(
            demo_orders, params, latest - pd.Timedelta(days=1), 90, 12, 0.10
        )


def test_clv_is_deterministic_and_ignores_row_order(demo_orders: pd.DataFrame) -> None:
    params, _ = params_model.build_clv_params(demo_orders, None)
    shuffled = demo_orders.sample(frac=1.0, random_state=3)
    params_again, _ = params_model.build_clv_params(shuffled, None)
    pd.testing.assert_frame_equal(params, params_again)
    first = clv_model.build_customer_lifetime_value(demo_orders, params, None, 90, 12, 0.10)
    second = clv_model.build_customer_lifetime_value(shuffled, params_again, None, 90, 12, 0.10)
    pd.testing.assert_frame_equal(first, second)


def test_clv_uses_nothing_after_as_of(demo_orders: pd.DataFrame) -> None:
    as_of = pd.Timestamp(demo_orders["order_date"].max()) - pd.Timedelta(days=45)
    known = demo_orders.loc[demo_orders["order_date"] <= as_of]
    params, _ = params_model.build_clv_params(demo_orders, as_of)
    pd.testing.assert_frame_equal(params, params_model.build_clv_params(known, as_of)[0])
    pd.testing.assert_frame_equal(
        clv_model.build_customer_lifetime_value(demo_orders, params, as_of, 90, 12, 0.1),
        clv_model.build_customer_lifetime_value(known, params, as_of, 90, 12, 0.1),
    )
