"""Pipeline forecast on a tiny CRM, every number worked out by hand; the demo against pandas;
PostgreSQL against DuckDB."""

from __future__ import annotations

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import crmlib
from crmlib import metrics as pl
from crmlib import plots as pp
from crmlib.data import store
from crmlib.data.connect import from_frames
from crmlib.engine import missing_table_of
from crmlib.exceptions import ParamsError
from crmlib.i18n import CATALOGUE, t
from crmlib.scope import resolve_scope

AS_OF = "2024-03-31"
MID = "2024-03-20"  # forecast vs target: 11 of March's 31 days remain
Z = 1.959963984540054  # the normal 97.5 % quantile


def frames(history: bool = True, targets: bool = True) -> dict[str, pd.DataFrame]:
    f = {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2", "e3"], "name": ["A", "B", "C"],
                                   "team": ["east", "east", "west"]}),
        "customers": pd.DataFrame({"customer_id": ["c"], "name": ["x"],
                                   "created_at": ["2023-01-01"], "owner_id": ["e1"]}),
        "pipeline_stages": pd.DataFrame({
            "pipeline": ["default"] * 6,
            "stage": ["qualify", "proposal", "negotiation", "won", "lost", "invalid"],
            "stage_order": [1, 2, 3, 4, 5, 6], "probability": [0.2, 0.4, 0.7, 1.0, 0.0, 0.0],
            "outcome": ["open", "open", "open", "won", "lost", "invalid"]}),
        # c1 won; c2 won after skipping proposal and negotiation; c3 lost in proposal; c4 lost
        # without history; c5 invalid; c6 won on 04-15 (in proposal on 03-31); p1..p5 open;
        # p6 created after as_of.
        "opportunities": pd.DataFrame([
            ("c1", "e1", "won", 100.0, "2024-01-05", "2024-02-10", "2024-02-15"),
            ("c2", "e1", "won", 200.0, "2024-01-10", "2024-02-20", None),
            ("c3", "e2", "lost", 50.0, "2024-01-15", "2024-03-01", None),
            ("c4", "e2", "lost", 30.0, "2024-02-01", "2024-03-10", None),
            ("c5", "e1", "invalid", 10.0, "2024-02-05", "2024-02-15", None),
            ("c6", "e3", "won", 80.0, "2024-02-10", "2024-04-15", "2024-04-10"),
            ("p1", "e1", "negotiation", 1000.0, "2024-01-20", None, "2024-04-20"),
            ("p2", "e2", "proposal", 500.0, "2024-02-15", None, "2024-03-25"),
            ("p3", "e3", "qualify", None, "2024-03-05", None, "2024-05-10"),
            ("p4", "e3", "qualify", 300.0, "2024-01-25", None, "2024-02-15"),
            ("p5", "e2", "negotiation", 400.0, "2024-03-10", None, None),
            ("p6", "e1", "proposal", 60.0, "2024-04-05", None, "2024-04-25"),
        ], columns=["opportunity_id", "owner_id", "stage", "amount", "created_at", "closed_at",
                    "expected_close_at"]),
        # east: 100 + 200 + 25 (no status: no approval flow) by 03-20; k3 void, k5 after 03-20
        "contracts": pd.DataFrame([
            ("k1", "e1", "2024-01-15", 100.0, "approved"),
            ("k2", "e2", "2024-03-05", 200.0, "approved"),
            ("k3", "e1", "2024-03-10", 999.0, "void"),
            ("k4", "e3", "2024-02-20", 50.0, "approved"),
            ("k5", "e1", "2024-03-25", 70.0, "approved"),
            ("k6", "e3", "2023-12-20", 500.0, "approved"),
            ("k7", "e2", "2024-03-20 15:00", 25.0, None),
        ], columns=["contract_id", "owner_id", "signed_at", "amount", "status"]).assign(
            customer_id="c"),
    }
    if targets:  # east: 200 every month of 2024; west: January only
        months = pd.date_range("2024-01-01", periods=12, freq="MS").strftime("%Y-%m-%d")
        f["targets"] = pd.DataFrame({
            "owner_type": "team", "owner_id": ["east"] * 12 + ["west"],
            "metric": "contract_amount", "month": [*months, "2024-01-01"],
            "value": [200.0] * 12 + [100.0]})
    if history:
        h = {"c1": [("qualify", "01-05"), ("proposal", "01-20"), ("negotiation", "02-01"),
                    ("won", "02-10")],
             "c2": [("qualify", "01-10"), ("won", "02-20")],
             "c3": [("qualify", "01-15"), ("proposal", "02-10"), ("lost", "03-01")],
             "c5": [("qualify", "02-05"), ("proposal", "02-10"), ("invalid", "02-15")],
             "c6": [("qualify", "02-10"), ("proposal", "03-01"), ("negotiation", "04-01"),
                    ("won", "04-15")],
             "p1": [("qualify", "01-20"), ("proposal", "02-10"), ("negotiation", "03-01")],
             "p2": [("qualify", "02-15"), ("proposal", "03-02")],
             "p4": [("qualify", "01-25")],
             "p5": [("qualify", "03-10"), ("negotiation", "03-15")],
             "p6": [("qualify", "04-05"), ("proposal", "04-10")]}
        f["stage_history"] = pd.DataFrame(
            [(o, s, f"2024-{d}") for o, rows in h.items() for s, d in rows],
            columns=["opportunity_id", "stage", "entered_at"])
    return f


@pytest.fixture(scope="module")
def crm_nohist():
    return from_frames(frames(history=False))


def _by_stage(df):
    return df.set_index("stage")


# -- calibration ---------------------------------------------------------------------------
def test_calibration_counts_and_learned_rates(crm):
    c = pl.stage_calibration(crm, as_of=AS_OF)
    assert list(c["stage"]) == ["qualify", "proposal", "negotiation"]  # open stages, in order
    s = _by_stage(c)
    # far stage by 03-31: c1, c2 won (all stages; c2 skipped two), c3 proposal (history),
    # c4 lost without history (first stage only), c6 proposal then, p1 negotiation,
    # p2 proposal, p3 qualify, p4 qualify, p5 negotiation; c5 invalid, p6 not yet created.
    assert tuple(s.loc["qualify", ["reached", "closed", "won", "lost"]]) == (10, 4, 2, 2)
    assert tuple(s.loc["proposal", ["reached", "closed", "won", "lost"]]) == (7, 3, 2, 1)
    assert tuple(s.loc["negotiation", ["reached", "closed", "won", "lost"]]) == (4, 2, 2, 0)
    assert list(c["learned"]) == pytest.approx([2 / 4, 2 / 3, 1.0])
    assert list(c["configured"]) == [0.2, 0.4, 0.7]
    assert list(c["difference"]) == pytest.approx([0.3, 2 / 3 - 0.4, 0.3])


def test_wilson_interval(crm):
    s = _by_stage(pl.stage_calibration(crm, as_of=AS_OF))
    # the Wilson bounds are the roots p of (phat - p)^2 = z^2 p (1 - p) / n
    for stage in ("qualify", "proposal"):
        n, phat = s.loc[stage, "closed"], s.loc[stage, "learned"]
        for p in (s.loc[stage, "ci_low"], s.loc[stage, "ci_high"]):
            assert (phat - p) ** 2 == pytest.approx(Z * Z * p * (1 - p) / n)
    # qualify: 2 of 4, symmetric around 0.5, half-width z sqrt(1/16 + z^2/64) / (1 + z^2/4)
    half = Z * math.sqrt(1 / 16 + Z * Z / 64) / (1 + Z * Z / 4)
    assert s.loc["qualify", "ci_low"] == pytest.approx(0.5 - half)
    assert s.loc["qualify", "ci_low"] == pytest.approx(0.15003, abs=1e-5)
    # negotiation: 2 of 2 won -> [n / (n + z^2), 1]
    assert s.loc["negotiation", "ci_low"] == pytest.approx(2 / (2 + Z * Z))
    assert s.loc["negotiation", "ci_high"] == pytest.approx(1.0)
    wide = _by_stage(pl.stage_calibration(crm, as_of=AS_OF, confidence=0.99))
    assert wide.loc["qualify", "ci_low"] < s.loc["qualify", "ci_low"]


def test_calibration_as_of_period_scope_and_history(crm, crm_nohist):
    early = _by_stage(pl.stage_calibration(crm, as_of="2024-02-15"))
    # created by 02-15: c1..c4, c6, p1, p2, p4; only c1 closed (c2 won on 02-20: open then,
    # in qualify; c4 closed later, no history: first stage only)
    assert tuple(early.loc["qualify", ["reached", "closed", "won"]]) == (8, 1, 1)
    assert tuple(early.loc["proposal", ["reached", "closed", "won"]]) == (3, 1, 1)  # c1 c3 p1
    feb = _by_stage(pl.stage_calibration(crm, as_of=AS_OF,
                                         period=("2024-02-01", "2024-03-31")))
    # created in Feb-Mar: c4, c6, p2, p3, p5 (c5 invalid); only c4 closed, lost
    assert tuple(feb.loc["qualify", ["reached", "closed", "won"]]) == (5, 1, 0)
    assert feb.loc["qualify", "learned"] == 0.0
    assert feb.loc["qualify", "ci_high"] == pytest.approx(Z * Z / (1 + Z * Z))
    assert feb.loc["proposal", "reached"] == 3 and math.isnan(feb.loc["proposal", "learned"])
    west = _by_stage(pl.stage_calibration(crm, as_of=AS_OF,
                                          scope=resolve_scope(crm, team="west")))
    assert tuple(west.loc["qualify", ["reached", "closed"]]) == (3, 0)  # c6, p3, p4
    nohist = _by_stage(pl.stage_calibration(crm_nohist, as_of=AS_OF))
    # without history: c3, c4 lost -> first stage only; c6 (won after as_of) unknown then
    assert tuple(nohist.loc["qualify", ["reached", "closed", "won"]]) == (10, 4, 2)
    assert tuple(nohist.loc["proposal", ["reached", "closed", "won"]]) == (5, 2, 2)
    over = pl.stage_calibration(crm, as_of=AS_OF, probabilities={"proposal": 0.6})
    assert list(over["configured"]) == [0.2, 0.6, 0.7]
    with pytest.raises(ParamsError, match="confidence"):
        pl.stage_calibration(crm, confidence=95)


# -- pipeline forecast ---------------------------------------------------------------------
def _cell(df, key, cat, col):
    k = df.columns[0]
    m = df[k].isna() if key is None else df[k] == key
    r = df[m & (df["category"] == cat)]
    assert len(r) == 1, (key, cat)
    return r.iloc[0][col]


def test_forecast_by_month_categories_and_flags(crm):
    f = pl.pipeline_forecast(crm, as_of=AS_OF)
    assert list(f.columns) == ["month", "category", "count", "amount", "weighted",
                               "missing_amount", "missing_probability", "overdue",
                               "no_close_date"]
    # open on 03-31: p4 (Feb), p2 (Mar), c6 + p1 (Apr), p3 (May), p5 (no date); 3 rows each
    assert len(f) == 15 and list(f["category"][:3]) == ["commit", "best_case", "pipeline"]
    assert list(f["month"].drop_duplicates().astype(str)) == [
        "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01", "NaT"]
    feb, mar, apr, may = (pd.Timestamp(f"2024-{m}-01") for m in ("02", "03", "04", "05"))
    # negotiation is exactly 0.7 -> commit; proposal exactly 0.4 -> best case
    assert _cell(f, apr, "commit", "amount") == 1000  # p1
    assert _cell(f, apr, "commit", "weighted") == pytest.approx(700)
    assert _cell(f, apr, "best_case", "amount") == 80  # c6, in proposal on 03-31
    assert _cell(f, apr, "best_case", "weighted") == pytest.approx(32)
    assert _cell(f, apr, "pipeline", "count") == 0 and _cell(f, apr, "pipeline", "amount") == 0
    # p4 due in February: overdue; p2 due 03-25, in as_of's month: not overdue
    assert (_cell(f, feb, "pipeline", "overdue"), _cell(f, feb, "pipeline", "amount")) == (1, 300)
    assert (_cell(f, mar, "best_case", "overdue"), _cell(f, mar, "best_case", "amount")) == (
        0, 500)
    # p3 has no amount: counted, not summed (NaN, not 0), weighted 0
    assert _cell(f, may, "pipeline", "count") == 1
    assert math.isnan(_cell(f, may, "pipeline", "amount"))
    assert _cell(f, may, "pipeline", "missing_amount") == 1
    # p5 has no expected close date: its own row (NaT), last
    assert _cell(f, None, "commit", "no_close_date") == 1
    assert _cell(f, None, "commit", "weighted") == pytest.approx(280)
    assert f["count"].sum() == 6  # c2 closed, c5 invalid, p6 created after as_of: not open


def test_forecast_totals(crm):
    tot = pl.forecast_totals(pl.pipeline_forecast(crm, as_of=AS_OF)).iloc[0]
    assert tot["count"] == 6
    assert tot["commit"] == 1400  # p1 1000 + p5 400
    assert tot["best_case"] == 1400 + 80 + 500
    assert tot["pipeline"] == 1980 + 300  # + p4; p3 has no amount
    assert tot["weighted"] == pytest.approx(700 + 280 + 32 + 200 + 60)
    assert (tot["missing_amount"], tot["overdue"], tot["no_close_date"]) == (1, 1, 1)


def test_forecast_thresholds_and_probabilities(crm):
    # commit raised to 0.75: negotiation (0.7) falls to best case
    f = pl.pipeline_forecast(crm, as_of=AS_OF, categories_config={"commit": 0.75})
    tot = pl.forecast_totals(f).iloc[0]
    assert (tot["commit"], tot["best_case"]) == (0, 1980)
    cfg = pl.categories_from_params({"pipeline_commit_probability": 70,
                                     "pipeline_best_case_probability": 20})
    assert cfg == {"commit": 0.7, "best_case": 0.2}
    tot = pl.forecast_totals(pl.pipeline_forecast(crm, as_of=AS_OF,
                                                  categories_config=cfg)).iloc[0]
    assert tot["best_case"] == 2280  # qualify (0.2) is now best case too
    d = pl.forecast_totals(pl.pipeline_forecast(crm, as_of=AS_OF,
                                                probabilities={"qualify": 0.5})).iloc[0]
    assert d["weighted"] == pytest.approx(1272 - 60 + 150)  # p4 300 x 0.5
    for bad in ({"commit": 70}, {"best_case": 0.8}, {"comit": 0.5}):
        with pytest.raises(ParamsError):
            pl.pipeline_forecast(crm, categories_config=bad)
    with pytest.raises(ParamsError, match="`by`"):
        pl.pipeline_forecast(crm, by="owner")
    with pytest.raises(ParamsError, match="learned"):
        pl.pipeline_forecast(crm, probabilities="learnt")


def test_forecast_learned_probabilities(crm):
    f = pl.pipeline_forecast(crm, as_of=AS_OF, probabilities="learned")
    assert f.attrs["probabilities"] == "learned"
    tot = pl.forecast_totals(f).iloc[0]
    # learned: qualify 0.5 and proposal 2/3 -> best case; negotiation 1.0 -> commit
    assert (tot["commit"], tot["best_case"]) == (1400, 2280)
    assert tot["weighted"] == pytest.approx(1400 + 580 * 2 / 3 + 300 * 0.5)
    west = resolve_scope(crm, team="west")
    with pytest.warns(UserWarning, match="configured probability is used"):
        w = pl.pipeline_forecast(crm, as_of=AS_OF, scope=west, probabilities="learned")
    # no closed deal in west: configured 0.4 and 0.2 -> 80 x 0.4 + 300 x 0.2
    assert w["weighted"].sum() == pytest.approx(32 + 60)


def test_forecast_by_team(crm):
    f = pl.pipeline_forecast(crm, as_of=AS_OF, by="team")
    assert list(f["team"].drop_duplicates()) == ["east", "west"] and len(f) == 6
    # east: p1 (commit 1000), p5 (commit 400, no date), p2 (best case 500)
    assert (_cell(f, "east", "commit", "count"), _cell(f, "east", "commit", "amount")) == (
        2, 1400)
    assert _cell(f, "east", "commit", "no_close_date") == 1
    assert _cell(f, "east", "best_case", "weighted") == pytest.approx(200)
    # west: c6 (best case 80), p3 (no amount) and p4 (300, overdue) in pipeline
    assert _cell(f, "west", "pipeline", "amount") == 300
    assert _cell(f, "west", "pipeline", "missing_amount") == 1
    assert _cell(f, "west", "pipeline", "overdue") == 1
    assert _cell(f, "west", "commit", "count") == 0


# -- forecast vs target --------------------------------------------------------------------
def _row(df, span, team=None, basis="pipeline"):
    m = (df["span"] == span) & (df["basis"] == basis)
    if team is not None:
        m &= df["team"] == team
    assert m.sum() == 1
    return df[m].iloc[0]


def test_forecast_vs_target_by_team(crm):
    v = pl.forecast_vs_target(crm, as_of=MID)
    assert len(v) == 4 and set(v["basis"]) == {"pipeline"}
    q = _row(v, "this_quarter", "east")
    assert (q["start"], q["last_day"]) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31"))
    # target 3 x 200; actual k1 100 + k2 200 + k7 25; open on 03-20 and due by 03-31: p2 (east,
    # 500 x 0.4) and p4 (west, 300 x 0.2)
    assert (q["target"], q["actual"], q["expected_remaining"]) == (600, 325, 200)
    assert q["expected_total"] == 525 and q["expected_gap"] == 75
    assert q["completion"] == pytest.approx(325 / 600)
    assert q["expected_completion"] == pytest.approx(0.875) and q["has_target"]
    y = _row(v, "this_year", "east")
    # + p1 (1000 x 0.7, April); p5 has no date
    assert (y["target"], y["expected_remaining"], y["expected_gap"]) == (2400, 900, 1175)
    w = _row(v, "this_quarter", "west")
    # west's target is set for January only: no target, the gap is NaN, never 0
    assert (w["target"], w["target_months"], w["months"]) == (100, 1, 3)
    assert not w["has_target"] and math.isnan(w["expected_gap"])
    assert math.isnan(w["expected_completion"])
    assert (w["actual"], w["expected_remaining"], w["expected_total"]) == (50, 60, 110)
    wy = _row(v, "this_year", "west")
    assert wy["expected_remaining"] == pytest.approx(32 + 60)  # c6, p4; p3 has no amount
    part = pl.forecast_vs_target(crm, as_of=MID, partial_targets=True)
    assert _row(part, "this_quarter", "west")["expected_gap"] == pytest.approx(-10)


def test_forecast_vs_target_statistical(crm):
    months = pd.date_range("2024-03-01", "2024-12-01", freq="MS")
    stat = pd.concat([pd.DataFrame({"unique_id": "east", "ds": months, "yhat": 310.0}),
                      pd.DataFrame({"unique_id": "west", "ds": months, "yhat": 62.0})])
    v = pl.forecast_vs_target(crm, as_of=MID, statistical=stat)
    assert len(v) == 8
    q = _row(v, "this_quarter", "east", "statistical")
    # March 21..31: 11 of 31 days of 310
    assert q["expected_remaining"] == pytest.approx(310 * 11 / 31)
    assert q["expected_total"] == pytest.approx(325 + 110)
    assert q["expected_gap"] == pytest.approx(600 - 435)
    y = _row(v, "this_year", "east", "statistical")
    assert y["expected_remaining"] == pytest.approx(110 + 9 * 310)  # + April .. December
    assert y["expected_gap"] == pytest.approx(2400 - 325 - 2900)
    assert _row(v, "this_year", "west", "statistical")["expected_remaining"] == pytest.approx(
        22 + 9 * 62)
    short = stat[(stat["unique_id"] == "east") | (stat["ds"] < "2024-07-01")]
    with pytest.warns(UserWarning, match=r"west \(this_year\)"):
        s = pl.forecast_vs_target(crm, as_of=MID, statistical=short)
    assert math.isnan(_row(s, "this_year", "west", "statistical")["expected_total"])
    assert _row(s, "this_quarter", "west", "statistical")["expected_remaining"] == (
        pytest.approx(22))
    with pytest.raises(ParamsError, match="lacks column"):
        pl.forecast_vs_target(crm, statistical=stat.drop(columns="yhat"))
    with pytest.raises(ParamsError, match="duplicate"):
        pl.forecast_vs_target(crm, statistical=pd.concat([stat, stat]))


def test_forecast_vs_target_scope_and_no_targets(crm):
    total = pd.DataFrame({"unique_id": "total", "ds": pd.date_range("2024-03-01", periods=10,
                                                                   freq="MS"), "yhat": 372.0})
    c = pl.forecast_vs_target(crm, as_of=MID, by=None, statistical=total)
    assert "team" not in c.columns
    q = _row(c, "this_quarter")
    # company: no company target -> team targets, east 600 + west 100 (every month has one)
    assert (q["target"], q["actual"], q["expected_remaining"]) == (700, 375, 260)
    assert q["expected_gap"] == 700 - 635
    assert _row(c, "this_quarter", basis="statistical")["expected_remaining"] == (
        pytest.approx(372 * 11 / 31))
    east = pl.forecast_vs_target(crm, as_of=MID, by=None, scope=resolve_scope(crm, team="east"))
    assert _row(east, "this_quarter")["expected_gap"] == 75
    e2 = pl.forecast_vs_target(crm, as_of=MID, scope=resolve_scope(crm, employee="e2"))
    r = _row(e2, "this_quarter", "east")
    assert r["actual"] == 225 and math.isnan(r["target"])  # k2 + k7; e2 holds no target
    none = pl.forecast_vs_target(from_frames(frames(targets=False)), as_of=MID)
    r = _row(none, "this_quarter", "east")
    assert math.isnan(r["target"]) and math.isnan(r["expected_gap"]) and not r["has_target"]
    assert r["expected_total"] == 525
    with pytest.raises(ParamsError, match="`by`"):
        pl.forecast_vs_target(crm, by="owner_id")


def test_without_opportunities(crm):
    f = frames()
    for k in ("opportunities", "stage_history"):
        f.pop(k)
    bare = from_frames(f)
    for df in (pl.stage_calibration(bare), pl.pipeline_forecast(bare),
               pl.forecast_vs_target(bare)):
        assert df.empty and missing_table_of(df) == "opportunities"
    assert missing_table_of(pl.forecast_totals(pl.pipeline_forecast(bare)))


# -- the demo against plain pandas -----------------------------------------------------------
def test_demo_against_pandas():
    crm = crmlib.connect()
    as_of = pd.Timestamp("2026-10-31")
    end = as_of + pd.Timedelta(days=1)
    o = crm.table("opportunities").execute()
    st = crm.table("pipeline_stages").execute()
    h = crm.table("stage_history").execute()
    h = h[h["entered_at"] < end]
    last = h.sort_values("entered_at").groupby("opportunity_id")["stage"].last()
    live = o[(o["outcome"] != "invalid") & (o["created_at"] < end) & (
        (o["outcome"] == "open") | (o["closed_at"] >= end))].copy()
    live["then"] = live["opportunity_id"].map(last).fillna(live["stage"])
    live["p"] = live["then"].map(st.set_index("stage")["probability"])
    cat = np.where(live["p"] >= 0.7, "commit", np.where(live["p"] >= 0.4, "best_case", "x"))
    tot = pl.forecast_totals(pl.pipeline_forecast(crm, as_of=as_of)).iloc[0]
    assert tot["count"] == len(live) > 100
    assert tot["commit"] == pytest.approx(live.loc[cat == "commit", "amount"].sum())
    assert tot["best_case"] == pytest.approx(live.loc[cat != "x", "amount"].sum())
    assert tot["pipeline"] == pytest.approx(live["amount"].sum())
    assert tot["weighted"] == pytest.approx((live["amount"] * live["p"]).sum())
    team = pl.pipeline_forecast(crm, as_of=as_of, by="team")
    assert team["amount"].sum() == pytest.approx(live["amount"].sum())
    # calibration: furthest stage from history (or the won stage), closed ones by as_of
    order = st.set_index("stage")["stage_order"]
    funnel = st[st["outcome"].isin(["open", "won"])]["stage"]
    hf = h[h["stage"].isin(funnel)].assign(o=lambda d: d["stage"].map(order))
    far = hf.groupby("opportunity_id")["o"].max()
    done = o[o["outcome"].isin(["won", "lost"]) & (o["closed_at"] < end)].copy()
    done["far"] = np.fmax(done["opportunity_id"].map(far),
                          done["stage"].map(order).where(done["outcome"] == "won"))
    cal = pl.stage_calibration(crm, as_of=as_of).set_index("stage")
    for stage, so in order[st.set_index("stage")["outcome"] == "open"].items():
        d = done[(done["far"] >= so) | (done["far"].isna() & (so == 1))]
        assert cal.loc[stage, "closed"] == len(d), stage
        assert cal.loc[stage, "learned"] == pytest.approx((d["outcome"] == "won").mean())
    # forecast vs target against pipeline_coverage, the same figures per team by another path
    v = pl.forecast_vs_target(crm, as_of=as_of)
    from crmlib import metrics

    for team_id in ("east", "north"):
        r = _row(v, "this_quarter", team_id)
        cov = metrics.pipeline_coverage(crm, period="this_quarter", as_of=as_of,
                                        scope=resolve_scope(crm, team=team_id)).iloc[0]
        assert r["actual"] == pytest.approx(cov["actual"])
        assert r["expected_remaining"] == pytest.approx(cov["weighted_amount"])
        assert r["target"] == pytest.approx(cov["target"])


# -- PostgreSQL gives the same numbers -------------------------------------------------------
_TABLES = ("employees", "customers", "pipeline_stages", "opportunities", "stage_history",
           "contracts", "targets")


@pytest.fixture(scope="module")
def demo_frames():
    from crmlib.demo import generate

    f = generate(lines=1500, seed=5)
    return {k: f[k] for k in _TABLES}


def _load(con, f):
    store.ensure_tables(con, list(f))
    for name, df in f.items():
        store.upsert(con, name, df)
    return crmlib.connect(con)


def test_same_numbers_on_postgres(backend, demo_frames):
    for f, as_of in ((frames(), AS_OF), (demo_frames, None)):
        ref = from_frames(f)
        other = _load(backend, f)
        calls = [(pl.stage_calibration, {}), (pl.pipeline_forecast, {}),
                 (pl.pipeline_forecast, {"by": "team", "probabilities": "learned"})]
        for fn, kw in calls:
            a, b = fn(ref, as_of=as_of, **kw), fn(other, as_of=as_of, **kw)
            assert len(a) > 0
            pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9)
        for name in f:
            backend.drop_table(name, force=True)


# -- charts and tables ---------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_and_tables_render(crm, lang, tmp_path):
    from crmlib import plots

    plots.set_theme(lang)
    fc = pl.pipeline_forecast(crm, as_of=AS_OF)
    cal = pl.stage_calibration(crm, as_of=AS_OF)
    stat = pd.DataFrame({"unique_id": "east", "ds": pd.date_range("2024-03-01", periods=10,
                                                                  freq="MS"), "yhat": 310.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # west is not in the statistical frame
        fvt = pl.forecast_vs_target(crm, as_of=MID, statistical=stat)
    bare = pl.stage_calibration(from_frames({k: v for k, v in frames().items()
                                             if k != "opportunities"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph fails
        fig, axes = plt.subplots(2, 3, figsize=(15, 8))
        pp.pipeline_forecast_chart(fc, lang=lang, ax=axes[0, 0])
        ax = axes[0, 0]
        assert [x.get_text() for x in ax.get_xticklabels()][-1] == t("no_expected_close", lang)
        # the stacked heights of April: commit 1000 + best case 80
        assert sum(p.get_height() for p in ax.patches if p.get_x() < 2.5 < p.get_x() + 1) == (
            1080)
        assert any(p.get_hatch() == "//" for p in ax.patches)  # February is overdue
        pp.pipeline_forecast_chart(pl.pipeline_forecast(crm, as_of=AS_OF, by="team"),
                                   lang=lang, value="weighted", ax=axes[0, 1])
        pp.calibration_chart(cal, lang=lang, ax=axes[0, 2])
        ax = axes[0, 2]
        assert ax.get_xticklabels()[0].get_text() == t("stage_name_qualify", lang)
        pp.forecast_vs_target_chart(fvt, lang=lang, ax=axes[1, 0])
        ax = axes[1, 0]
        assert t("no_target", lang) in [x.get_text() for x in ax.texts]  # west
        pp.forecast_vs_target_chart(fvt, lang=lang, span="this_year", basis="statistical",
                                    ax=axes[1, 1])
        pp.calibration_chart(bare, lang=lang, ax=axes[1, 2])
        ax = axes[1, 2]
        assert ax.texts[0].get_text() == t("not_available", lang, table="opportunities")
        fig.savefig(tmp_path / "pipeline.png")
    tab = pp.stage_calibration_table(cal, lang)
    assert "50.0% [15.0%, 85.0%]" in repr(tab) and "<table>" in tab._repr_html_()
    tot = pp.forecast_totals_table(pl.forecast_totals(fc), lang)
    assert f"{t('pipeline_total_commit', lang)}: 1,400.00" in repr(tot)
    vt = repr(pp.forecast_vs_target_table(fvt, lang, basis="pipeline"))
    assert t("pipeline_partial_target", lang, n=1, m=3) in vt and "87.5%" in vt


def test_labels_have_both_languages_and_no_collisions():
    import yaml

    from crmlib.i18n import LABELS_DIR

    keys = yaml.safe_load((LABELS_DIR / "pipeline.yaml").read_text(encoding="utf-8"))
    for key in keys:
        assert key.startswith("pipeline_") and CATALOGUE[key]["en"] and CATALOGUE[key]["zh"]
    for key in pp.PIPELINE_COLUMN_LABELS.values():
        assert key in CATALOGUE, key
