"""Forecast: sales series on hand-built frames and against plain pandas on the demo; models and
back-test metrics on synthetic series whose answers are known; cut-offs and leaks; plots."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import crmlib
from crmlib import forecast
from crmlib import plots as fplots
from crmlib.exceptions import ParamsError
from crmlib.forecast import (
    FallbackWarning,
    backtest,
    choose_model,
    cutoff_positions,
    error_metrics,
    interval_coverage,
    mase_scale,
    predict,
    sales_series,
)
from crmlib.i18n import CATALOGUE
from crmlib.scope import resolve_scope

ALL = list(forecast.MODEL_NAMES)


def monthly(values, start="2021-01-01", uid="s"):
    values = np.asarray(values, dtype="float64")
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(values),
                                                                freq="MS"), "y": values})


PATTERN = np.array([3.0, 5, 9, 4, 6, 8, 12, 7, 5, 10, 14, 20])  # one season of 12 months


# -- sales series on a tiny CRM (by hand) -------------------------------------------------------
def frames():
    """As of 2024-04-15 (April partial -> dropped), by month:
    k1 e1 (east) Jan 15, 100 (lines p1 60 cat A, p2 40 cat B)      -> Jan
    k2 e1 Jan 20, 999 void                                          -> never
    k3 e3 (global) Mar 5, 50 (line p2 50, B)                        -> Mar
    k4 e2 (east) Mar 20, 25, no status = effective (line p3: no category -> unknown)
    k5 e1 Apr 10, 70                                                -> April: partial, dropped
    k6 e9 (not an employee -> team unknown) Mar 31 23:00, 10, no lines -> Mar, in no category
    k7 e1 May 2, 500                                                -> after as_of
    Total: Jan 100, Feb 0 (gap), Mar 85. East: Jan 100, Feb 0, Mar 25; global: Mar 50 (starts
    in March); unknown: Mar 10. Category A: Jan 60, Feb 0, Mar 0; B: Jan 40, Feb 0, Mar 50;
    unknown: Mar 25. Payments (credited to the contract's owner): q1 k1 Feb 3, 60; q2 k3 Mar 10,
    50 rejected; q3 k4 Mar 11, 25 no status -> total Feb 60, Mar 25, all east.
    """
    return {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2", "e3"], "name": ["A", "B", "C"],
                                   "team": ["east", "east", "global"]}),
        "customers": pd.DataFrame({"customer_id": ["c1"], "name": ["x"],
                                   "created_at": ["2023-12-01"], "owner_id": ["e1"]}),
        "products": pd.DataFrame({"product_id": ["p1", "p2", "p3"], "name": ["a", "b", "c"],
                                  "category": ["A", "B", None]}),
        "contracts": pd.DataFrame({
            "contract_id": [f"k{i}" for i in range(1, 8)], "customer_id": ["c1"] * 7,
            "owner_id": ["e1", "e1", "e3", "e2", "e1", "e9", "e1"],
            "signed_at": ["2024-01-15", "2024-01-20", "2024-03-05", "2024-03-20", "2024-04-10",
                          "2024-03-31 23:00", "2024-05-02"],
            "amount": [100.0, 999.0, 50.0, 25.0, 70.0, 10.0, 500.0],
            "status": ["approved", "void", "approved", None, "approved", "approved",
                       "approved"]}),
        "contract_lines": pd.DataFrame({
            "contract_id": ["k1", "k1", "k2", "k3", "k4", "k5"],
            "product_id": ["p1", "p2", "p1", "p2", "p3", "p1"],
            "quantity": [1.0] * 6, "amount": [60.0, 40.0, 999.0, 50.0, 25.0, 70.0]}),
        "payments": pd.DataFrame({
            "payment_id": ["q1", "q2", "q3"], "contract_id": ["k1", "k3", "k4"],
            "paid_at": ["2024-02-03", "2024-03-10", "2024-03-11"], "amount": [60.0, 50.0, 25.0],
            "status": ["approved", "rejected", None]}),
    }


@pytest.fixture(scope="module")
def tiny(crm):
    """This module's ``frames()`` as a CRM (conftest's ``crm``)."""
    return crm


def as_dict(s):
    return {(r.unique_id, f"{r.ds:%Y-%m}"): r.y for r in s.itertuples()}


def test_series_total_fills_gap_ignores_void_and_drops_partial_month(tiny):
    s = sales_series(tiny, as_of="2024-04-15")
    assert list(s.columns) == ["unique_id", "ds", "y"]
    assert as_dict(s) == {("total", "2024-01"): 100.0, ("total", "2024-02"): 0.0,
                          ("total", "2024-03"): 85.0}
    assert s.attrs["dropped_partial"] == pd.Timestamp("2024-04-01")
    assert s.attrs["end"] == pd.Timestamp("2024-04-01") and s.attrs["season_length"] == 12
    # as_of on the last day of April: April is complete (k5 counts, k7 is after as_of)
    s = sales_series(tiny, as_of="2024-04-30")
    assert as_dict(s)[("total", "2024-04")] == 70.0 and s.attrs["dropped_partial"] is None
    assert len(s) == 4


def test_series_by_team_each_from_its_first_month(tiny):
    s = sales_series(tiny, by="team", as_of="2024-04-15")
    assert as_dict(s) == {("east", "2024-01"): 100.0, ("east", "2024-02"): 0.0,
                          ("east", "2024-03"): 25.0, ("global", "2024-03"): 50.0,
                          ("unknown", "2024-03"): 10.0}
    # a start before the data: every series from the month holding it, 0-filled
    s = sales_series(tiny, by="team", as_of="2024-04-15", start="2023-12-10")
    assert s.groupby("unique_id").size().to_dict() == {"east": 4, "global": 4, "unknown": 4}
    assert s.groupby("unique_id")["y"].sum().to_dict() == {"east": 125.0, "global": 50.0,
                                                          "unknown": 10.0}


def test_series_by_category_payments_and_scope(tiny):
    s = sales_series(tiny, by="category", as_of="2024-04-15")
    assert as_dict(s) == {("A", "2024-01"): 60.0, ("A", "2024-02"): 0.0, ("A", "2024-03"): 0.0,
                          ("B", "2024-01"): 40.0, ("B", "2024-02"): 0.0, ("B", "2024-03"): 50.0,
                          ("unknown", "2024-03"): 25.0}
    p = sales_series(tiny, metric="payments", by="team", as_of="2024-04-15")
    assert as_dict(p) == {("east", "2024-02"): 60.0, ("east", "2024-03"): 25.0}
    east = resolve_scope(tiny, team="east")
    s = sales_series(tiny, as_of="2024-04-15", scope=east)
    assert as_dict(s) == {("total", "2024-01"): 100.0, ("total", "2024-02"): 0.0,
                          ("total", "2024-03"): 25.0}


def test_series_weekly_and_week_start(tiny):
    # 2024-03-31 is a Sunday: the Monday week of 03-25 is complete
    s = sales_series(tiny, freq="week", as_of="2024-03-31")
    assert s["ds"].iloc[0] == pd.Timestamp("2024-01-15") and len(s) == 11
    assert (s["ds"].dt.weekday == 0).all()
    got = dict(zip(s["ds"].dt.strftime("%m-%d"), s["y"], strict=True))
    assert {k: v for k, v in got.items() if v} == {"01-15": 100.0, "03-04": 50.0,
                                                  "03-18": 25.0, "03-25": 10.0}
    # weeks from Sunday: 03-31 opens a week that is not over at as_of -> k6 dropped
    s = sales_series(tiny, freq="week", as_of="2024-03-31", week_start=6)
    assert (s["ds"].dt.weekday == 6).all() and s["ds"].iloc[-1] == pd.Timestamp("2024-03-24")
    assert s["y"].sum() == 175.0 and s.attrs["dropped_partial"] == pd.Timestamp("2024-03-31")


def test_series_bad_parameters(tiny):
    with pytest.raises(ParamsError, match="payment is not split"):
        sales_series(tiny, metric="payments", by="category")
    with pytest.raises(ParamsError, match="`freq` 'day'"):
        sales_series(tiny, freq="day")
    with pytest.raises(ParamsError, match="`start`"):
        sales_series(tiny, as_of="2024-04-15", start="2024-05-01")
    with pytest.raises(ParamsError, match="not a date"):
        sales_series(tiny, as_of="soon")


def test_series_on_demo_equals_plain_pandas_monthly_sum():
    crm = crmlib.connect()
    as_of = crm.last_event_date()
    s = sales_series(crm, by="team")
    c = crm.table("contracts").execute()
    teams = crm.table("employees").execute().set_index("employee_id")["team"]
    c = c[c["status"].isna() | (c["status"] == "approved")]
    end = (as_of + pd.Timedelta(days=1)).to_period("M").to_timestamp()
    c = c[c["signed_at"] < end].assign(
        team=c["owner_id"].map(teams).fillna("unknown"),
        ds=c["signed_at"].dt.to_period("M").dt.to_timestamp())
    want = c.groupby(["team", "ds"])["amount"].sum()
    got = s.set_index(["unique_id", "ds"])["y"]
    assert len(want) > 30 and set(want.index) <= set(got.index)
    np.testing.assert_allclose(got.loc[want.index].to_numpy(), want.to_numpy(), rtol=1e-9)
    assert (got.drop(want.index) == 0).all()  # every other period is a filled gap
    assert s["ds"].max() == end - pd.offsets.MonthBegin(1)
    total = sales_series(crm)
    assert total["y"].sum() == pytest.approx(want.sum(), rel=1e-9)


# -- metrics by hand ----------------------------------------------------------------------------
def test_metrics_by_hand_on_three_points():
    # actual 10, 0, 5; forecast 8, 1, 5 -> |e| 2, 1, 0
    got = error_metrics([10.0, 0.0, 5.0], [8.0, 1.0, 5.0], train=[4.0, 6.0, 3.0, 9.0],
                        season_length=2)
    assert got["mae"] == pytest.approx(1.0)
    assert got["rmse"] == pytest.approx(math.sqrt(5 / 3))
    assert got["mape"] == pytest.approx((2 / 10 + 0 / 5) / 2)  # the zero actual is left out
    assert got["smape"] == pytest.approx((2 * 2 / 18 + 2 * 1 / 1 + 0) / 3)
    # scale: seasonal naive (m=2) in-sample |3-4|, |9-6| -> 2; MASE = 1 / 2
    assert got["mase"] == pytest.approx(0.5)
    assert mase_scale([4.0, 6.0], 12) == 2.0  # shorter than a season + 1: m = 1
    assert math.isnan(mase_scale([4.0], 1))
    assert math.isnan(error_metrics([0.0, 0.0], [1.0, 0.0], train=[1.0, 2.0])["mape"])
    assert interval_coverage([10.0, 0.0, 5.0], [9.0, 1.0, 5.0], [11.0, 2.0, 6.0]) == \
        pytest.approx(2 / 3)  # 10 in, 0 out, 5 on the bound = in


def fixed_model(train, *, horizon, season_length, levels, freq):
    """A custom model: forecast 8, 1, 5 with 80 % bounds [9, 11], [1, 2], [5, 6]."""
    out = pd.DataFrame({"yhat": [8.0, 1.0, 5.0], "lo_80": [9.0, 1.0, 5.0],
                        "hi_80": [11.0, 2.0, 6.0]})
    return out.iloc[:horizon]


def test_backtest_scores_a_window_as_by_hand():
    s = monthly([4.0, 6.0, 3.0, 9.0, 10.0, 0.0, 5.0])
    e = backtest(s, horizon=3, windows=1, season_length=2, models={"fixed": fixed_model},
                 levels=(80,))
    r = e.iloc[0]
    assert (r.model, r.windows, r.points) == ("fixed", 1, 3)
    assert (r.mae, r.mape, r.mase, r.coverage_80) == pytest.approx((1.0, 0.1, 0.5, 2 / 3))
    assert r.rmse == pytest.approx(math.sqrt(5 / 3))
    assert r.smape == pytest.approx((4 / 18 + 2) / 3)


def test_mase_is_the_mean_over_windows_of_each_windows_own_scale():
    s = monthly([4.0, 6.0, 3.0, 9.0, 10.0, 0.0, 5.0, 7.0])
    e, p = backtest(s, horizon=3, windows=2, season_length=2, models=["naive"],
                    return_predictions=True)
    # window 1: train 4 6 3 9 -> naive 9: |e| 1 9 4, MAE 14/3; scale (1 + 3) / 2 = 2
    # window 2: train 4 6 3 9 10 -> naive 10: |e| 10 5 3, MAE 6; scale (1 + 3 + 7) / 3 = 11/3
    assert p["yhat"].tolist() == [9.0] * 3 + [10.0] * 3
    r = e.iloc[0]
    assert r.mase == pytest.approx((14 / 3 / 2 + 6 / (11 / 3)) / 2)
    assert r.mae == pytest.approx(32 / 6)


# -- synthetic series with known answers -----------------------------------------------------------
def test_purely_seasonal_series_is_forecast_exactly_by_seasonal_naive():
    s = monthly(np.tile(PATTERN, 4))
    e = backtest(s, horizon=3, windows=6, models=["naive", "seasonal_naive"]).set_index("model")
    assert e.loc["seasonal_naive", "mae"] == 0.0
    assert e.loc["seasonal_naive", "mase"] == 0.0  # 0 error on a 0 scale: a perfect score
    assert math.isnan(e.loc["naive", "mase"])  # errors on a 0 scale: undefined
    assert e.loc["seasonal_naive", "coverage_80"] == 1.0
    f = predict(s, model="seasonal_naive", horizon=14)
    assert f["yhat"].tolist() == [*PATTERN, *PATTERN[:2]]
    assert f["ds"].iloc[0] == pd.Timestamp("2025-01-01")
    assert (f["lo_95"] == f["yhat"]).all()  # no residual at all: a zero-width interval
    c = choose_model(backtest(s, horizon=3, windows=6))
    assert c.loc[0, "model"] == "seasonal_naive" and c.loc[0, "error"] == 0.0


@pytest.mark.filterwarnings("ignore::crmlib.forecast.FallbackWarning")  # 22 < 2 seasons
def test_constant_series_naive_exact_every_model_runs():
    s = monthly(np.full(30, 5.0))
    e = backtest(s, horizon=3, windows=4).set_index("model")
    assert e.loc["naive", "mae"] == 0.0 and e.loc["naive", "mape"] == 0.0
    assert e.loc["naive", "mase"] == 0.0  # documented: 0 / 0 scores 0
    assert list(e.index) == ALL
    f = forecast.forecast(s, horizon=3, model="auto")
    assert f["model"].iloc[0] == "naive"  # ties go to the simplest model
    for name in ALL:
        np.testing.assert_allclose(predict(s, model=name, horizon=2)["yhat"], 5.0, atol=1e-6)


@pytest.mark.filterwarnings("ignore::crmlib.forecast.FallbackWarning")  # 22 < 2 seasons
def test_all_zero_series_gives_nan_mape_and_no_crash():
    s = monthly(np.zeros(30))
    e = backtest(s, horizon=3, windows=3).set_index("model")
    assert e["mape"].isna().all()  # every actual is 0
    assert (e["smape"] == 0).all() and e.loc["naive", "mae"] == 0.0
    f = forecast.forecast(s, horizon=3)
    assert (f["yhat"] == 0).all() and (f[["lo_80", "hi_95"]] == 0).all().all()


def test_short_series_fall_back_with_a_warning():
    s = monthly([10.0, 12.0, 9.0, 11.0, 13.0, 12.0])  # half a season
    with pytest.warns(FallbackWarning, match="fewer than one season"):
        sn = predict(s, model="seasonal_naive", horizon=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nv = predict(s, model="naive", horizon=3)
    pd.testing.assert_frame_equal(sn, nv, check_like=True)
    with pytest.warns(FallbackWarning, match="ets: 6 training periods, fewer than the 7"):
        predict(s, model="ets", horizon=3)
    longer = monthly(np.arange(15.0) % 7)  # more than a season, less than two
    with pytest.warns(FallbackWarning, match="arima: 15 .* fitted without a season"):
        predict(longer, model="arima", horizon=3)
    with pytest.warns(FallbackWarning, match="gbm: 15 .* lag of one season .* without the"):
        g = predict(longer, model="gbm", horizon=3)
    assert g["yhat"].notna().all()
    with pytest.warns(FallbackWarning) as caught:  # one summary per model, not per window
        e = backtest(s.iloc[:5].assign(y=[1.0, 2.0, 3.0, 2.0, 1.0]), horizon=1, windows=3)
    got = sorted(str(w.message).split(" fell back in ")[0] for w in caught)
    assert got == sorted(m for m in ALL if m != "naive")
    assert any("seasonal_naive fell back in 3 of 3 fits" in str(w.message) for w in caught)
    assert (e["fallbacks"][e["model"] == "seasonal_naive"] == 3).all()


@pytest.mark.parametrize("n", [1, 2])
def test_series_of_one_or_two_points_do_not_crash(n):
    s = monthly([7.0, 9.0][:n])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        for name in ALL:
            f = predict(s, model=name, horizon=2)
            assert f["yhat"].tolist() == [s["y"].iloc[-1]] * 2, name
    f = predict(s, model="naive", horizon=2)
    assert f["lo_80"].isna().all() == (n == 1)  # one point: no residual, no interval
    if n == 2:
        with pytest.warns(UserWarning, match="windows kept: s 1"):
            e = backtest(s, horizon=1, windows=3, models=["naive"])
        assert e.loc[0, "windows"] == 1 and math.isnan(e.loc[0, "mase"])  # 1 training point


def test_gbm_learns_a_seasonal_pattern_recursively(rng):
    y = np.tile(PATTERN, 5) * 10 + rng.normal(0, 1, 60)
    f = predict(monthly(y), model="gbm", horizon=12)
    err = np.abs(f["yhat"].to_numpy() - PATTERN * 10)
    assert err.mean() < 0.1 * (PATTERN * 10).std()  # far closer than the pattern's spread
    assert (f["lo_80"] < f["yhat"]).all() and (f["hi_95"] > f["hi_80"]).all()


def test_ensemble_is_the_mean_of_its_members(rng):
    s = monthly(100 + np.tile(PATTERN, 3) + rng.normal(0, 2, 36))
    parts = [predict(s, model=m, horizon=3) for m in ("ets", "arima", "theta")]
    ens = predict(s, model="ensemble", horizon=3)
    for col in ("yhat", "lo_80", "hi_95"):
        np.testing.assert_allclose(ens[col], np.mean([p[col] for p in parts], axis=0))


def test_sales_amounts_are_never_forecast_below_zero():
    s = monthly([50.0, 0.0, 60.0, 0.0, 55.0, 0.0, 40.0, 0.0])
    f = predict(s, model="naive", horizon=3)
    assert (f["lo_95"] >= 0).all() and (f["lo_95"] == 0).any()


# -- rolling origin -----------------------------------------------------------------------------------
def test_cutoffs_and_no_training_point_after_its_cutoff():
    s = monthly(np.arange(1.0, 21.0))
    assert cutoff_positions(20, horizon=3, windows=4, step=2) == [10, 12, 14, 16]
    seen = []

    def spy(train, *, horizon, season_length, levels, freq):
        seen.append(train.copy())
        last = train["y"].iloc[-1]
        return pd.DataFrame({"yhat": np.full(horizon, last),
                             **{f"{b}_{lv}": np.full(horizon, last) for lv in levels
                                for b in ("lo", "hi")}})

    e, p = backtest(s, horizon=3, windows=4, step=2, models={"spy": spy, "naive": None},
                    return_predictions=True)
    cut = [s["ds"].iloc[c] for c in (10, 12, 14, 16)]
    assert e.attrs["cutoffs"]["s"] == cut
    assert [tr["ds"].max() for tr in seen] == cut
    for tr, c in zip(seen, cut, strict=True):  # everything up to the cut-off, nothing after
        pd.testing.assert_series_equal(tr["y"], s.loc[s["ds"] <= c, "y"].reset_index(drop=True))
    assert (p["ds"] > p["cutoff"]).all()
    assert p.groupby("cutoff")["ds"].min().tolist() == [c + pd.offsets.MonthBegin(1)
                                                         for c in cut]
    # built-in models see the same data: refit on the slice, get the same window forecast
    for c in cut:
        w = p[(p["model"] == "naive") & (p["cutoff"] == c)]
        alone = predict(s[s["ds"] <= c], model="naive", horizon=3)
        np.testing.assert_array_equal(w["yhat"], alone["yhat"])
    assert (e.set_index("model").loc["spy", "mae"] == e.set_index("model").loc["naive", "mae"])


def test_backtest_matches_refits_on_each_training_slice(rng):
    s = monthly(100 + np.tile(PATTERN, 3) + rng.normal(0, 2, 36))
    _, p = backtest(s, horizon=2, windows=2, models=["ets", "gbm"], return_predictions=True)
    for (model, cut), w in p.groupby(["model", "cutoff"]):
        alone = predict(s[s["ds"] <= cut], model=model, horizon=2)
        np.testing.assert_allclose(w["yhat"], alone["yhat"])
        np.testing.assert_allclose(w["hi_80"], alone["hi_80"])


def test_short_series_gets_fewer_windows_with_a_warning():
    s = pd.concat([monthly(np.arange(1.0, 21.0), uid="long"),
                   monthly([1.0, 2.0, 3.0, 4.0, 5.0], uid="short")])
    # 5 periods, horizon 3: cut-offs at positions 0 and 1 only (training 1 and 2 periods)
    with pytest.warns(UserWarning, match="windows kept: short 2"):
        e = backtest(s, horizon=3, windows=4, models=["naive"])
    assert e.set_index("unique_id")["windows"].to_dict() == {"long": 4, "short": 2}
    tiny = pd.concat([s, monthly([1.0, 2.0], uid="tiny")])
    with pytest.warns(UserWarning, match="tiny 0"):
        e = backtest(tiny, horizon=3, windows=2, models=["naive"]).set_index("unique_id")
    assert e.loc["tiny", "windows"] == 0 and math.isnan(e.loc["tiny", "mae"])


# -- choice and forecast ------------------------------------------------------------------------------
def test_choose_model_lowest_error_baseline_and_mae_when_nan():
    errors = pd.DataFrame({
        "unique_id": ["a"] * 3 + ["b"] * 2, "model": ["naive", "seasonal_naive", "ets"] * 1
        + ["naive", "seasonal_naive"], "windows": 3,
        "mae": [5.0, 4.0, 3.0, 2.0, 1.0], "mase": [1.2, 0.9, 0.7, np.nan, np.nan],
        "coverage_80": [0.5, 0.6, 0.7, 0.8, 0.9]})
    c = choose_model(errors).set_index("unique_id")
    assert c.loc["a", ["model", "metric", "error", "seasonal_naive_error", "coverage_80"]
                 ].tolist() == ["ets", "mase", 0.7, 0.9, 0.7]
    assert c.loc["b", ["model", "metric", "error"]].tolist() == ["seasonal_naive", "mae", 1.0]
    with pytest.raises(ParamsError, match="`metric`"):
        choose_model(errors, metric="r2")


def test_forecast_uses_the_chosen_model_per_series(rng):
    seasonal = monthly(np.tile(PATTERN, 3), uid="seasonal")
    walk = monthly(50 + np.cumsum(rng.normal(0, 1, 36)), uid="walk")
    s = pd.concat([seasonal, walk], ignore_index=True)
    e = backtest(s, horizon=3, windows=4, models=["naive", "seasonal_naive"])
    f = forecast.forecast(s, horizon=3, errors=e)
    assert f.attrs["chosen"] == {"seasonal": "seasonal_naive", "walk": "naive"}
    assert f.groupby("unique_id")["ds"].min().tolist() == [pd.Timestamp("2024-01-01")] * 2
    assert f.loc[f["unique_id"] == "seasonal", "yhat"].tolist() == PATTERN[:3].tolist()
    assert (f.loc[f["unique_id"] == "walk", "yhat"] == walk["y"].iloc[-1]).all()
    with pytest.raises(ParamsError, match="no back-test of series"):
        forecast.forecast(s, horizon=3, errors=e[e["unique_id"] == "walk"])


def test_a_scope_without_sales_gives_empty_frames_and_no_data_tables(tiny):
    s = sales_series(tiny, as_of="2024-04-15", scope=resolve_scope(tiny, employee="e3"),
                     start="2024-01-01").iloc[:0]
    e = backtest(s, horizon=3, windows=2)
    c, f = choose_model(e), forecast.forecast(s, horizon=3, errors=e)
    assert e.empty and c.empty and f.empty and list(f.columns)[:3] == ["unique_id", "model", "ds"]
    assert fplots.is_not_available_figure(fplots.forecast_plot(s, f)) and fplots.is_not_available_figure(fplots.backtest_bars(e))
    assert repr(fplots.forecast_table(f, "zh")) == CATALOGUE["forecast_no_series"]["zh"]


def test_bad_inputs_say_what_to_do():
    s = monthly([1.0, 2.0, 3.0])
    with pytest.raises(ParamsError, match="did you mean `arima`"):
        predict(s, model="arim", horizon=2)
    with pytest.raises(ParamsError, match="`horizon` 0"):
        backtest(s, horizon=0, windows=2)
    with pytest.raises(ParamsError, match="fill periods without sales with 0"):
        backtest(s.assign(y=[1.0, np.nan, 2.0]), horizon=1, windows=1)
    with pytest.raises(ParamsError, match="gaps"):
        backtest(s.drop(index=1), horizon=1, windows=1)
    with pytest.raises(ParamsError, match="between 0 and 100"):
        predict(s, model="naive", horizon=1, levels=(80, 120))
    with pytest.raises(ParamsError, match="unknown model_config key `gmb`"):
        predict(s, model="naive", horizon=1, model_config={"gmb": {}})


def test_statsforecast_is_not_imported_with_crmlib():
    code = ("import sys, crmlib, crmlib.forecast, crmlib.plots.forecast_charts; "
            "print('statsforecast' in sys.modules, 'sklearn.ensemble' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


# -- plots and labels -----------------------------------------------------------------------------------
def test_labels_have_both_languages():
    keys = [k for k in CATALOGUE if k.startswith("forecast_")]
    assert len(keys) > 40
    assert all(CATALOGUE[k].get("en") and CATALOGUE[k].get("zh") for k in keys)
    assert all(f"forecast_model_{m}" in CATALOGUE for m in ALL)


def test_plots_and_tables_in_chinese_without_missing_glyphs(tmp_path, rng):
    from crmlib import plots

    s = pd.concat([monthly(100 + np.tile(PATTERN, 3) + rng.normal(0, 2, 36), uid="total"),
                   monthly(np.tile(PATTERN, 3), uid="unknown")], ignore_index=True)
    e = backtest(s, horizon=3, windows=3, models=["naive", "seasonal_naive", "theta"])
    c = choose_model(e)
    f = forecast.forecast(s, horizon=3, errors=e)
    plots.set_theme("zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph fails
        fig = fplots.forecast_plot(s, f, lang="zh", history=12)
        fig.savefig(tmp_path / "f.png")
        ax = fplots.backtest_bars(e, unique_id="total", chosen=c, lang="zh").axes[0]
        ax.figure.savefig(tmp_path / "b.png")
    assert len([a for a in fig.axes if a.get_visible()]) == 2
    assert fig.axes[0].get_title().startswith("合计")
    chosen_model = c.set_index("unique_id").loc["total", "model"]
    labels = [x.get_text() for x in ax.get_yticklabels()]
    assert [lb.endswith("（选用）") for lb in labels] == [
        m == chosen_model for m in ("naive", "seasonal_naive", "theta")]
    text = repr(fplots.chosen_table(c, "zh")).splitlines()
    assert text[0].startswith("序列 | 模型 | 回测 MASE 标度误差 | 季节朴素 MASE 标度误差")
    assert text[1].startswith("合计 | ") and text[2].startswith("未知 | 季节朴素预测")
    bt = repr(fplots.backtest_table(e, "en", chosen=c))
    assert "(chosen)" in bt and bt.count("\n") == len(e)
    ft = repr(fplots.forecast_table(f, "en", chosen=c)).splitlines()
    assert len(ft) == 1 + len(f) and "80% interval coverage" in ft[0]
    assert fplots.is_not_available_figure(fplots.forecast_plot(s.iloc[:0]))
    assert repr(fplots.chosen_table(c.iloc[:0], "en")) == CATALOGUE["forecast_no_series"]["en"]
