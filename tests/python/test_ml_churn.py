"""Churn propensity: definition, no leakage, time split, metrics, scores and hysteresis."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ml_clv import load_model, simulated_orders

metrics_model = load_model("churn_model_metrics")
scores_model = load_model("churn_scores")

HORIZON = 90
THRESHOLDS = {"medium": (0.4, 0.3), "high": (0.7, 0.6)}


def orders_frame(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    """Orders from (customer_id, order_date, total, status) tuples."""
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "total", "status"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["is_completed"] = frame["status"] == "completed"
    frame["order_id"] = [f"o{i}" for i in range(len(frame))]
    return frame


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return simulated_orders(6000, seed=21)


@pytest.fixture(scope="module")
def churn_metrics(orders: pd.DataFrame) -> pd.DataFrame:
    return metrics_model.build_churn_metrics(orders, None, HORIZON)


@pytest.fixture(scope="module")
def churn_scores(orders: pd.DataFrame, churn_metrics: pd.DataFrame) -> pd.DataFrame:
    return scores_model.build_churn_scores(orders, churn_metrics, None, None, HORIZON, THRESHOLDS)


# --- definition ----------------------------------------------------------------------------


def test_population_and_labels() -> None:
    cutoff = pd.Timestamp("2024-03-31")
    orders = metrics_model.prepare_orders(
        orders_frame(
            [
                ("stays", "2024-01-10", 10, "completed"),
                ("stays", "2024-06-29", 10, "completed"),  # cutoff + 90 days: inside the window
                ("late", "2024-03-31", 10, "completed"),  # on the cutoff: history, not label
                ("late", "2024-06-30", 10, "completed"),  # cutoff + 91 days: too late
                ("refund_only", "2024-02-01", 10, "refunded"),
                ("refunded_later", "2024-02-01", 10, "completed"),
                ("refunded_later", "2024-04-15", 10, "refunded"),  # not a purchase
                ("new", "2024-04-02", 10, "completed"),  # first order after the cutoff
            ]
        )
    )
    features = metrics_model.customer_features(orders, cutoff)
    assert list(features.index) == ["late", "refunded_later", "stays"]
    labels = metrics_model.churn_labels(orders, features.index, cutoff, HORIZON)
    assert labels.to_dict() == {"late": 1, "refunded_later": 1, "stays": 0}
    assert features.loc["late", "recency_days"] == 0
    assert features.loc["stays", "tenure_days"] == 81
    assert features.loc["refunded_later", "non_completed_orders"] == 0  # the refund is later
    assert list(features.columns) == list(metrics_model.FEATURES)


def test_window_features() -> None:
    cutoff = pd.Timestamp("2024-12-31")
    orders = metrics_model.prepare_orders(
        orders_frame(
            [
                ("c", "2024-12-31", 10, "completed"),
                ("c", "2024-12-02", 20, "completed"),  # 29 days before: in the 30-day window
                ("c", "2024-12-01", 30, "completed"),  # 30 days before: outside it
                ("c", "2023-12-31", 40, "completed"),  # 366 days before: outside 365
                ("c", "2024-11-01", 50, "cancelled"),
            ]
        )
    )
    row = metrics_model.customer_features(orders, cutoff).loc["c"]
    assert row["orders_last_30d"] == 2
    assert row["orders_last_90d"] == 3
    assert row["orders_last_365d"] == 3
    assert row["spend_last_365d"] == 60
    assert row["order_count"] == 4 and row["total_spend"] == 100
    assert row["avg_order_value"] == 25
    assert row["non_completed_orders"] == 1
    assert row["days_first_to_last_order"] == 366


@settings(max_examples=25, deadline=None)
@given(
    extra=st.lists(
        st.tuples(
            st.integers(0, 40),
            st.integers(1, 400),
            st.floats(0, 500),
            st.sampled_from(["completed", "refunded"]),
        ),
        max_size=30,
    )
)
def test_features_ignore_everything_after_the_cutoff(extra) -> None:
    """No leakage: orders dated after the cutoff change no feature and no population."""
    cutoff = pd.Timestamp("2024-06-30")
    base = simulated_orders(200, seed=3)
    future = orders_frame(
        [
            (f"cus_{c:016x}", str((cutoff + pd.Timedelta(days=d)).date()), total, status)
            for c, d, total, status in extra
        ]
    )
    before = metrics_model.customer_features(metrics_model.prepare_orders(base), cutoff)
    after = metrics_model.customer_features(
        metrics_model.prepare_orders(pd.concat([base, future], ignore_index=True)), cutoff
    )
    pd.testing.assert_frame_equal(before, after)


def test_cutoffs_leave_complete_label_windows() -> None:
    as_of = pd.Timestamp("2025-06-30")
    training, validation = metrics_model.churn_cutoffs(as_of, HORIZON)
    horizon = pd.Timedelta(days=HORIZON)
    assert training + horizon == validation  # training labels end where validation starts
    assert validation + horizon == as_of  # the latest complete label window


def test_too_little_history_fails_loudly() -> None:
    orders = orders_frame(
        [("a", "2025-01-01", 10, "completed"), ("b", "2025-03-01", 5, "completed")]
    )
    with pytest.raises(ValueError, match="two churn horizons"):
        metrics_model.build_churn_metrics(orders, None, HORIZON)


# --- metrics -------------------------------------------------------------------------------


def test_metrics_table(churn_metrics: pd.DataFrame, orders: pd.DataFrame) -> None:
    table = churn_metrics
    assert table["model_name"].is_unique
    assert set(table["model_name"]) == {*metrics_model.CANDIDATES, "bgnbd_prob_no_purchase"}
    baseline = table.set_index("model_name").loc["bgnbd_prob_no_purchase"]
    assert baseline["is_baseline"] and baseline["fit_cutoff"] == baseline["validation_cutoff"]
    assert baseline["roc_auc"] > 0.7  # BG/NBD's own churn probability is a sound baseline
    assert table["is_selected"].sum() == 1
    selected = table.loc[table["is_selected"]].iloc[0]
    assert not selected["is_baseline"]
    eligible = table.loc[~table["is_baseline"]]
    assert selected["roc_auc"] == eligible["roc_auc"].max()
    assert selected["model_version"].startswith(f"churn-2-{selected['model_name']}-")
    as_of = pd.Timestamp(orders.loc[orders["is_completed"], "order_date"].max())
    assert selected["as_of"] == as_of.date()
    assert selected["validation_cutoff"] == (as_of - pd.Timedelta(days=HORIZON)).date()
    assert selected["training_cutoff"] == (as_of - pd.Timedelta(days=2 * HORIZON)).date()
    # The model beats the base rate, and is calibrated on average.
    assert selected["roc_auc"] > 0.7
    assert selected["brier_score"] < selected["base_rate_brier_score"]
    assert selected["base_rate_brier_score"] == pytest.approx(
        selected["validation_base_rate"] * (1 - selected["validation_base_rate"])
    )
    assert selected["mean_predicted_probability"] == pytest.approx(
        selected["validation_base_rate"], abs=0.05
    )
    assert selected["top_decile_lift"] > 1
    assert selected["features"] == ", ".join(metrics_model.FEATURES)


def test_evaluate_on_known_scores() -> None:
    labels = pd.Series([1, 1, 0, 0, 1, 0, 0, 0, 0, 0], index=[f"c{i}" for i in range(10)])
    perfect = pd.Series(labels.to_numpy() * 0.8 + 0.1, index=labels.index)
    result = metrics_model.evaluate(labels, perfect)
    assert result["roc_auc"] == 1 and result["pr_auc"] == 1
    assert result["base_rate_brier_score"] == pytest.approx(0.3 * 0.7)
    assert result["brier_score"] == pytest.approx(0.01)
    assert result["top_decile_lift"] == pytest.approx(1 / 0.3)


# --- scores --------------------------------------------------------------------------------


def test_scores_table(churn_scores: pd.DataFrame, orders: pd.DataFrame, churn_metrics) -> None:
    scores = churn_scores
    buyers = orders.loc[orders["is_completed"], "customer_id"].unique()
    assert scores["customer_id"].is_unique and set(scores["customer_id"]) == set(buyers)
    assert scores["churn_probability"].between(0, 1).all()
    assert set(scores["churn_decile"]) == set(range(1, 11))
    sizes = scores["churn_decile"].value_counts()
    assert sizes.max() - sizes.min() <= 1
    by_decile = scores.groupby("churn_decile")["churn_probability"]
    assert (by_decile.min().to_numpy()[:-1] >= by_decile.max().to_numpy()[1:]).all()
    assert set(scores["churn_risk_band"]) <= {"low", "medium", "high"}
    selected = churn_metrics.loc[churn_metrics["is_selected"]].iloc[0]
    assert (scores["model_version"] == selected["model_version"]).all()
    assert (scores["as_of"] == selected["as_of"]).all()
    assert (scores["scored_at"] == pd.Timestamp(selected["as_of"]) + pd.Timedelta(days=1)).all()


def test_scores_are_deterministic(orders: pd.DataFrame, churn_metrics, churn_scores) -> None:
    shuffled = orders.sample(frac=1.0, random_state=9)
    metrics_again = metrics_model.build_churn_metrics(shuffled, None, HORIZON)
    pd.testing.assert_frame_equal(churn_metrics, metrics_again)
    # The second run reads the first run's bands: with the same scores nothing moves.
    again = scores_model.build_churn_scores(
        shuffled, metrics_again, churn_scores, None, HORIZON, THRESHOLDS
    )
    pd.testing.assert_frame_equal(churn_scores, again)


def test_scores_refuse_metrics_of_another_run(orders: pd.DataFrame, churn_metrics) -> None:
    as_of = pd.Timestamp(churn_metrics["as_of"].iloc[0]) - pd.Timedelta(days=7)
    with pytest.raises(ValueError, match="rebuild both"):
        scores_model.build_churn_scores(orders, churn_metrics, None, as_of, HORIZON, THRESHOLDS)


# --- hysteresis ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("probability", "previous", "band"),
    [
        (0.75, None, "high"),  # enters at or above 0.7
        (0.65, None, "medium"),  # a newcomer below 0.7 is not high
        (0.65, "high", "high"),  # ... but a high customer stays down to 0.6
        (0.55, "high", "medium"),  # below 0.6 they leave high
        (0.25, "high", "low"),  # and may fall through medium at once
        (0.35, "medium", "medium"),  # medium holds down to 0.3
        (0.35, "low", "low"),  # low does not enter medium below 0.4
        (0.45, "low", "medium"),
        (0.95, "low", "high"),
        (0.7, "medium", "high"),
        (0.6, "high", "high"),  # the exit threshold itself still holds
    ],
)
def test_hysteresis_cases(probability: float, previous: str | None, band: str) -> None:
    index = pd.Index(["c"])
    prev = pd.Series([previous], index=index) if previous else pd.Series(dtype=object)
    bands = scores_model.assign_risk_bands(pd.Series([probability], index=index), prev, THRESHOLDS)
    assert bands["c"] == band


@settings(max_examples=100, deadline=None)
@given(
    probabilities=st.lists(st.floats(0, 1), min_size=1, max_size=20),
    previous=st.lists(st.sampled_from(["low", "medium", "high"]), min_size=20, max_size=20),
)
def test_hysteresis_properties(probabilities: list[float], previous: list[str]) -> None:
    index = pd.Index([f"c{i}" for i in range(len(probabilities))])
    p = pd.Series(probabilities, index=index)
    prev = pd.Series(previous[: len(index)], index=index)
    bands = scores_model.assign_risk_bands(p, prev, THRESHOLDS)
    # Idempotent: feeding a run its own output changes nothing.
    pd.testing.assert_series_equal(scores_model.assign_risk_bands(p, bands, THRESHOLDS), bands)
    # Always between the no-memory band and the band the exit thresholds allow.
    fresh = scores_model.assign_risk_bands(p, pd.Series(dtype=object), THRESHOLDS)
    level = {"low": 0, "medium": 1, "high": 2}
    assert (bands.map(level) >= fresh.map(level)).all()
    assert bands[p >= 0.7].eq("high").all() and bands[p < 0.3].eq("low").all()


def test_previous_run_from_the_future_is_ignored() -> None:
    previous = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "churn_risk_band": ["high", "high"],
            "as_of": ["2025-02-01"] * 2,
        }
    )
    assert scores_model.previous_bands(previous, pd.Timestamp("2025-01-31")).empty
    kept = scores_model.previous_bands(previous, pd.Timestamp("2025-02-01"))
    assert kept.to_dict() == {"a": "high", "b": "high"}
    assert scores_model.previous_bands(None, pd.Timestamp("2025-01-31")).empty


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValueError, match="exit <= enter"):
        scores_model.validate_thresholds({"medium": (0.3, 0.4), "high": (0.7, 0.6)})
    with pytest.raises(ValueError, match="high thresholds"):
        scores_model.validate_thresholds({"medium": (0.8, 0.3), "high": (0.7, 0.6)})


def test_nothing_after_as_of_is_used(orders: pd.DataFrame) -> None:
    """Rebuilding at an earlier as_of with or without the later orders: the same tables."""
    as_of = pd.Timestamp(orders["order_date"].max()) - pd.Timedelta(days=60)
    known = orders.loc[orders["order_date"] <= as_of]
    with_future = metrics_model.build_churn_metrics(orders, as_of, HORIZON)
    pd.testing.assert_frame_equal(
        with_future, metrics_model.build_churn_metrics(known, as_of, HORIZON)
    )
    pd.testing.assert_frame_equal(
        scores_model.build_churn_scores(orders, with_future, None, as_of, HORIZON, THRESHOLDS),
        scores_model.build_churn_scores(known, with_future, None, as_of, HORIZON, THRESHOLDS),
    )
