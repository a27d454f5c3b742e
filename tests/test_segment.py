"""Segments, churn risk, the churn classifier and value classes (crmlib.segment)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.exceptions import ParamsError
from crmlib.segment import (
    ChurnModel,
    CustomerSegments,
    churn_risk,
    value_class_summary,
    value_classes,
)


def _blobs(seed: int = 0) -> pd.DataFrame:
    """Three well-separated groups of customers on the log scale (60, 30, 10 customers)."""
    rng = np.random.default_rng(seed)
    parts = []
    for n, (r, f, m) in ((60, (300, 1, 500)), (30, (60, 4, 5_000)), (10, (10, 20, 80_000))):
        parts.append(pd.DataFrame({
            "recency_days": r * np.exp(rng.normal(0, 0.1, n)),
            "frequency": np.round(f * np.exp(rng.normal(0, 0.1, n))).clip(1),
            "monetary": m * np.exp(rng.normal(0, 0.1, n)), "group": len(parts)}))
    return pd.concat(parts, ignore_index=True)


def test_kmeans_recovers_three_groups_and_chooses_k_3():
    df = _blobs()
    seg = CustomerSegments(k_range=(2, 6)).fit(df)
    assert seg.k_ == 3
    assert seg.selection_.loc[seg.selection_["chosen"], "k"].tolist() == [3]
    assert seg.selection_["silhouette"].idxmax() == seg.selection_.index[seg.selection_["chosen"]][0]
    # each true group is exactly one segment; segment 1 = highest mean monetary = group 2
    assert pd.crosstab(df["group"], seg.labels_).gt(0).sum(axis=1).tolist() == [1, 1, 1]
    assert set(seg.labels_[df["group"] == 2]) == {1}
    assert set(seg.labels_[df["group"] == 0]) == {3}
    prof = seg.profile_.set_index("segment")
    assert prof["customers"].tolist() == [10, 30, 60]
    assert prof["share"].sum() == pytest.approx(1.0)
    assert prof.loc[1, "revenue"] == pytest.approx(df.loc[df.group == 2, "monetary"].sum())
    assert prof["revenue_share"].sum() == pytest.approx(1.0)
    # predict on the fitted rows gives the same segments
    assert (seg.predict(df) == seg.labels_).all()


def test_kmeans_fixed_k_and_too_few_customers():
    df = _blobs()
    assert CustomerSegments(k=2).fit(df).k_ == 2
    with pytest.raises(ParamsError, match="too few"):
        CustomerSegments().fit(df.head(2))
    with pytest.raises(ParamsError, match="clv"):
        CustomerSegments(features=("monetary", "clv")).fit(df)


def test_churn_risk_bands():
    s = pd.Series({"a": 0.95, "b": 0.7, "c": 0.31, "d": 0.0})
    out = churn_risk(s).set_index("customer_id")
    # risk = 0.05, 0.3, 0.69, 1.0 ; bands: < 0.3 low, < 0.7 medium, else high
    assert out["churn_risk"].round(2).tolist() == [0.05, 0.3, 0.69, 1.0]
    assert out["risk_band"].tolist() == ["low", "medium", "medium", "high"]
    with pytest.raises(ParamsError, match="increasing"):
        churn_risk(s, bands={"low": 0.5, "high": 0.4})


def _churn_data(n=2000, signal=True, seed=1):
    rng = np.random.default_rng(seed)
    days = rng.uniform(0, 400, n)
    freq = rng.poisson(2, n)
    p = 1 / (1 + np.exp(-(days - 200) / 40)) if signal else np.full(n, 0.4)
    return pd.DataFrame({"frequency": freq, "recency": rng.uniform(0, 300, n),
                         "T": rng.uniform(300, 700, n), "days_since_last": days,
                         "monetary_value": rng.gamma(2, 100, n),
                         "churned": rng.uniform(size=n) < p})


def test_churn_model_learns_signal_and_reports_held_out_metrics():
    m = ChurnModel().fit(_churn_data())
    assert m.metrics_["n_test"] == 500 and m.metrics_["n_train"] == 1500
    assert m.metrics_["roc_auc"] > 0.85
    assert m.importance_.iloc[0]["feature"] == "days_since_last"
    cal = m.calibration_
    assert cal["customers"].sum() == 500 and cal["decile"].tolist() == list(range(1, 11))
    # realised churn rises from the lowest to the highest decile
    assert cal["realised"].iloc[-1] > cal["realised"].iloc[0] + 0.5


def test_churn_model_on_noise_is_near_chance():
    m = ChurnModel().fit(_churn_data(signal=False))
    assert 0.4 < m.metrics_["roc_auc"] < 0.6


def test_churn_model_needs_both_classes():
    d = _churn_data().assign(churned=False)
    with pytest.raises(ParamsError, match="0 churned"):
        ChurnModel().fit(d)


def test_value_classes_by_hand():
    # 10 ranked buyers (clv 100..10) + one potential (no purchase) + one new with low clv
    df = pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(12)],
        "clv": [100, 90, 80, 70, 60, 50, 40, 30, 20, 10, np.nan, 5],
        "stage": ["active"] * 10 + ["potential", "new"],
        "monetary": [1.0] * 12})
    out = value_classes(df).set_index("customer_id")["value_class"]
    # n ranked = 11 (c0..c9, c11): high = ceil(0.2*11) = 3, medium = ceil(0.3*11) = 4
    assert out[["c0", "c1", "c2"]].eq("high").all()
    assert out[["c3", "c4", "c5", "c6"]].eq("medium").all()
    assert out[["c7", "c8", "c9"]].eq("low").all()
    assert out["c10"] == "potential" and out["c11"] == "potential"  # new, not high
    s = value_class_summary(value_classes(df)).set_index("value_class")
    assert s["customers"].tolist() == [3, 4, 3, 2]
    assert s.loc["high", "clv"] == 270
    assert s["share"].sum() == pytest.approx(1.0)
    with pytest.raises(ParamsError, match="sum to at most 1"):
        value_classes(df, config={"high": 0.8, "medium": 0.5})


def test_customer_value_scores_the_scope_with_the_company_fit():
    import crmlib
    from crmlib import clv
    from crmlib.scope import resolve_scope
    from crmlib.segment import churn_dataset, evaluate_churn

    crm = crmlib.connect()
    every = clv.customer_value(crm, as_of="2026-10-31")
    east = clv.customer_value(crm, as_of="2026-10-31", scope=resolve_scope(crm, team="east"))
    assert east.attrs["bgnbd"] == every.attrs["bgnbd"]  # one fit, on every buyer
    assert 0 < len(east) < len(every)
    same = every.set_index("customer_id").loc[east["customer_id"], "clv"].to_numpy()
    assert np.allclose(east["clv"].to_numpy(), same)
    assert east["clv"].is_monotonic_decreasing and east["name"].notna().all()
    data = churn_dataset(crm, as_of="2026-10-31", horizon_days=180)
    assert data.attrs["cutoff"] == pd.Timestamp("2026-05-04")
    assert ((data["frequency_holdout"] == 0) == data["churned"]).all()
    assert data["p_alive"].between(0, 1).all()
    model = evaluate_churn(crm, as_of="2026-10-31")
    assert model.metrics_["n_test"] == round(len(data) * 0.25 + 0.4999)
    assert model.metrics_["roc_auc"] > 0.6
    with pytest.warns(UserWarning, match="no churn model"):
        assert evaluate_churn(crm, as_of="2023-11-03", horizon_days=1) is None
