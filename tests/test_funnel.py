"""Funnel and opportunities on a tiny CRM, every number worked out by hand."""

from __future__ import annotations

import math
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from crmlib import metrics, plots
from crmlib.data.connect import from_frames
from crmlib.engine import missing_table_of
from crmlib.exceptions import ParamsError
from crmlib.i18n import CATALOGUE, t
from crmlib.scope import resolve_scope

MARCH = ("2024-03-01", "2024-03-31")
AS_OF = "2024-03-31"
EMPTY = ("2030-01-01", "2030-01-31")


def frames(history: bool = True) -> dict[str, pd.DataFrame]:
    f = {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2", "e3"], "name": ["A", "B", "C"],
                                   "team": ["east", "east", "west"]}),
        "customers": pd.DataFrame({"customer_id": ["c1"], "name": ["x"],
                                   "created_at": ["2024-01-01"], "owner_id": ["e1"]}),
        "pipeline_stages": pd.DataFrame({
            "pipeline": ["default"] * 5,
            "stage": ["qualify", "proposal", "won", "lost", "invalid"],
            "stage_order": [1, 2, 3, 4, 5], "probability": [0.2, 0.5, 1.0, 0.0, 0.0],
            "outcome": ["open", "open", "won", "lost", None]}),  # invalid: from its name
        # o1 won in March, created in March (cycle 10 days); o2 won in March without an
        # amount, created in February (cycle 24 days); o3 lost in March ("price");
        # o4 lost in March, no amount, no reason; o5 open in proposal; o6 open in qualify,
        # no creation date, no amount; o7 invalid; o8 won on 04-02 (after as_of: open then);
        # o9 lost in February.
        "opportunities": pd.DataFrame({
            "opportunity_id": [f"o{i}" for i in range(1, 10)],
            "owner_id": ["e1", "e1", "e2", "e2", "e3", "e3", "e1", "e1", "e2"],
            "stage": ["won", "won", "lost", "lost", "proposal", "qualify", "invalid", "won",
                      "lost"],
            "amount": [100.0, None, 50.0, None, 200.0, None, 30.0, 40.0, 10.0],
            "created_at": ["2024-03-01", "2024-02-10", "2024-03-02", "2024-01-15",
                           "2024-03-03", None, "2024-03-04", "2024-03-05", "2024-02-01"],
            "closed_at": ["2024-03-11", "2024-03-05", "2024-03-20", "2024-03-25", None, None,
                          "2024-03-06", "2024-04-02", "2024-02-20"],
            "expected_close_at": [None, None, None, None, "2024-03-28", "2024-02-20", None,
                                  None, None],
            "lost_reason": [None, None, "price", None, None, None, None, None, "price"]}),
        "contracts": pd.DataFrame({
            "contract_id": ["k1", "k2", "k3"], "customer_id": ["c1"] * 3,
            "owner_id": ["e1", "e2", "e3"],
            "signed_at": ["2024-03-11", "2024-03-15", "2024-02-01"],
            "amount": [100.0, 80.0, 500.0], "status": ["approved", "void", "approved"]}),
        "targets": pd.DataFrame({
            "owner_type": ["team", "team", "employee"], "owner_id": ["east", "west", "e3"],
            "metric": ["contract_amount"] * 3, "month": ["2024-03-01"] * 3,
            "value": [300.0, 100.0, 150.0]}),
    }
    if history:
        f["stage_history"] = pd.DataFrame([
            ("o1", "qualify", "2024-03-01"), ("o1", "proposal", "2024-03-05"),
            ("o1", "won", "2024-03-11"),
            ("o3", "qualify", "2024-03-02"), ("o3", "proposal", "2024-03-08"),
            ("o3", "lost", "2024-03-20"),
            ("o5", "qualify", "2024-03-03"), ("o5", "proposal", "2024-03-10"),
            ("o8", "qualify", "2024-03-05"), ("o8", "proposal", "2024-03-15"),
            ("o8", "won", "2024-04-02"),
            ("o2", "qualify", "2024-02-10"), ("o2", "won", "2024-03-05"),  # skips proposal
        ], columns=["opportunity_id", "stage", "entered_at"])
    return f


@pytest.fixture(scope="module")
def crm_nohist():
    return from_frames(frames(history=False))


@pytest.fixture(scope="module")
def crm_noopps():
    f = frames()
    for k in ("opportunities", "stage_history", "pipeline_stages", "targets"):
        f.pop(k)
    return from_frames(f)


# -- win rate ------------------------------------------------------------------------------
def test_win_rate_company(crm):
    w = metrics.win_rate(crm, period=MARCH)
    assert list(w.columns) == ["won", "lost", "closed_win_rate", "created", "cohort_win_rate"]
    r = w.iloc[0]
    # closed in March: o1, o2 won; o3, o4 lost (o7 invalid excluded, o8 in April, o9 in Feb)
    assert (r.won, r.lost) == (2, 2) and r.closed_win_rate == pytest.approx(0.5)
    # created in March: o1, o3, o5, o8 (o7 invalid, o6 has no date); won so far o1, o8
    assert r.created == 4 and r.cohort_win_rate == pytest.approx(0.5)


def test_win_rate_by_team_and_owner(crm):
    w = metrics.win_rate(crm, period=MARCH, by="team").set_index("team")
    # east (e1, e2): won o1 o2, lost o3 o4; created o1 o3 o8, won so far o1 o8
    assert tuple(w.loc["east", ["won", "lost", "created"]]) == (2, 2, 3)
    assert w.loc["east", "cohort_win_rate"] == pytest.approx(2 / 3)
    # west (e3): nothing closed -> rate NaN, not 0; created o5, not won -> 0
    assert w.loc["west", "won"] == 0 and math.isnan(w.loc["west", "closed_win_rate"])
    assert w.loc["west", "created"] == 1 and w.loc["west", "cohort_win_rate"] == 0
    o = metrics.win_rate(crm, period=MARCH, by="owner_id").set_index("owner_id")
    assert list(o.index) == ["e1", "e2", "e3"]
    assert o.loc["e1", "closed_win_rate"] == 1.0 and o.loc["e2", "closed_win_rate"] == 0.0
    assert o.loc["e1", "cohort_win_rate"] == 1.0  # o1, o8 of 2
    assert math.isnan(o.loc["e3", "closed_win_rate"])


def test_win_rate_by_bucket_and_scope(crm):
    b = metrics.win_rate(crm, period=MARCH, by="bucket").set_index("bucket")
    assert len(b) == 31 and b["won"].sum() == 2 and b["created"].sum() == 4
    assert b.loc[pd.Timestamp("2024-03-11"), "won"] == 1  # o1 closed 03-11
    assert b.loc[pd.Timestamp("2024-03-05"), "created"] == 1  # o8
    assert b.loc[pd.Timestamp("2024-03-05"), "won"] == 1  # o2 closed 03-05
    assert math.isnan(b.loc[pd.Timestamp("2024-03-07"), "closed_win_rate"])
    e2 = metrics.win_rate(crm, period=MARCH, scope=resolve_scope(crm, employee="e2")).iloc[0]
    assert (e2.won, e2.lost, e2.created) == (0, 2, 1)  # o3, o4; created o3


def test_win_rate_empty_period_and_bad_input(crm):
    r = metrics.win_rate(crm, period=EMPTY).iloc[0]
    assert (r.won, r.lost, r.created) == (0, 0, 0)
    assert math.isnan(r.closed_win_rate) and math.isnan(r.cohort_win_rate)  # not 0
    with pytest.raises(ParamsError, match="`by`"):
        metrics.win_rate(crm, period=MARCH, by="region")
    with pytest.raises(ParamsError, match="not a preset name"):
        metrics.win_rate(crm, period=42)
    with pytest.raises(ParamsError, match="unknown period preset"):
        metrics.win_rate(crm, period="this_mnth")


def test_period_forms_agree(crm):
    from crmlib.period import resolve_period

    a = metrics.win_rate(crm, period=MARCH)
    b = metrics.win_rate(crm, period=resolve_period("this_month", as_of="2024-03-15"))
    pd.testing.assert_frame_equal(a, b)


# -- deal size, cycle, velocity --------------------------------------------------------------
def test_deal_size_counts_missing_amounts(crm):
    d = metrics.deal_size(crm, period=MARCH).iloc[0]
    # won in March: o1 (100), o2 (no amount: counted, not summed); avg = 100 / 1
    assert (d.won, d.won_amount, d.missing_amount, d.avg_deal_size) == (2, 100, 1, 100)
    t_ = metrics.deal_size(crm, period=MARCH, by="team").set_index("team")
    assert t_.loc["west", "won_amount"] == 0 and math.isnan(t_.loc["west", "avg_deal_size"])
    assert math.isnan(metrics.deal_size(crm, period=EMPTY).iloc[0]["avg_deal_size"])


def test_opportunity_cycle(crm):
    c = metrics.opportunity_cycle(crm, period=MARCH).iloc[0]
    # o1 03-01 -> 03-11 = 10 days; o2 02-10 -> 03-05 = 19 + 5 = 24 days (2024 is a leap year)
    assert c["count"] == 2 and c.mean_days == pytest.approx(17) and c.median_days == 17
    assert c.missing_dates == 0
    assert math.isnan(metrics.opportunity_cycle(crm, period=EMPTY).iloc[0]["mean_days"])


def test_sales_velocity(crm):
    v = metrics.sales_velocity(crm, period=MARCH, as_of=AS_OF).iloc[0]
    # open at the end of 03-31: o5, o6, o8 (won on 04-02); amounts 200 + 40 (o6 none)
    assert v.open_count == 3 and v.open_amount == 240
    # 3 x 0.5 x 100 / 17 days
    assert v.velocity == pytest.approx(3 * 0.5 * 100 / 17)
    e = metrics.sales_velocity(crm, period=EMPTY, as_of=AS_OF).iloc[0]
    assert math.isnan(e.velocity)  # no win rate, no cycle: undefined
    with pytest.raises(ParamsError, match="bucket"):
        metrics.sales_velocity(crm, period=MARCH, by="bucket")


# -- snapshot and funnel -------------------------------------------------------------------
def test_pipeline_snapshot_without_history(crm_nohist):
    s = metrics.pipeline_snapshot(crm_nohist, period=MARCH, as_of=AS_OF)
    rows = {(r.stage if isinstance(r.stage, str) else None): r for r in s.itertuples()}
    # qualify: o6 (no date, still counts), without amount -> amount NaN, 1 missing
    assert rows["qualify"].count == 1 and math.isnan(rows["qualify"].amount)
    assert rows["qualify"].missing_amount == 1
    assert (rows["proposal"].count, rows["proposal"].amount) == (1, 200)  # o5
    # o8 closed after as_of and has no history: its stage then is unknown
    assert (rows[None].count, rows[None].amount, rows[None].outcome) == (1, 40, "open")
    # won in March: o1 100 + o2 (no amount); lost: o3 50 + o4 (no amount)
    assert (rows["won"].count, rows["won"].amount, rows["won"].missing_amount) == (2, 100, 1)
    assert (rows["lost"].count, rows["lost"].amount, rows["lost"].missing_amount) == (2, 50, 1)
    assert "invalid" not in rows
    assert list(s["stage"][:4]) == ["qualify", "proposal", "won", "lost"]  # stage order


def test_pipeline_snapshot_with_history(crm):
    s = metrics.pipeline_snapshot(crm, period=MARCH, as_of=AS_OF).set_index("stage")
    # o8 was in proposal on 03-31 (entered 03-15): proposal = o5 + o8
    assert (s.loc["proposal", "count"], s.loc["proposal", "amount"]) == (2, 240)
    assert s.index.notna().all()
    earlier = metrics.pipeline_snapshot(crm, period=MARCH, as_of="2024-03-09")
    e = earlier.set_index("stage")
    # on 03-09: o3 (qualify until 03-08 -> proposal), o5 qualify, o6, o8 qualify; o1 proposal;
    # o2 closed 03-05; o4 (created Jan, closed 03-25, no history: stage unknown)
    assert e.loc["qualify", "count"] == 3  # o5, o6, o8
    assert e.loc["proposal", "count"] == 2  # o1, o3


def test_ordered_funnel_without_history(crm_nohist):
    f = metrics.ordered_funnel(crm_nohist, period=MARCH)
    assert not f.attrs["history"]
    # created in March: o1 (won), o3 (lost: first stage only), o5 (proposal), o8 (won)
    assert list(f["stage"]) == ["qualify", "proposal", "won"]
    assert list(f["reached"]) == [4, 3, 2]
    assert f["stage_conversion"].iloc[0] == pytest.approx(3 / 4)
    assert f["stage_conversion"].iloc[1] == pytest.approx(2 / 3)
    assert math.isnan(f["stage_conversion"].iloc[2])
    assert list(f["cumulative_conversion"]) == pytest.approx([1, 0.75, 0.5])


def test_ordered_funnel_with_history(crm):
    f = metrics.ordered_funnel(crm, period=MARCH)
    assert f.attrs["history"]
    # o3 reached proposal before it was lost (history)
    assert list(f["reached"]) == [4, 4, 2]
    assert list(f["stage_conversion"][:2]) == pytest.approx([1.0, 0.5])
    # won / first = the cohort win rate
    assert f["cumulative_conversion"].iloc[-1] == metrics.win_rate(
        crm, period=MARCH).iloc[0]["cohort_win_rate"]


def test_ordered_funnel_edge_cases(crm, crm_noopps):
    e = metrics.ordered_funnel(crm, period=EMPTY)
    assert list(e["reached"]) == [0, 0, 0]
    assert e["stage_conversion"].isna().all() and e["cumulative_conversion"].isna().all()
    with pytest.raises(ParamsError, match="unknown pipeline"):
        metrics.ordered_funnel(crm, period=MARCH, pipeline="nope")
    f = frames()
    f.pop("pipeline_stages")
    assert missing_table_of(metrics.ordered_funnel(from_frames(f), period=MARCH)) == (
        "pipeline_stages")


def test_new_opportunities(crm):
    n = metrics.new_opportunities(crm, period=MARCH)
    # created in March: o1 100, o3 50, o5 200, o7 30 (invalid, counted apart), o8 40
    assert len(n) == 31 and n["count"].sum() == 5 and n["invalid"].sum() == 1
    assert n["amount"].sum() == 420 and n["missing_amount"].sum() == 0
    day = n.set_index("bucket").loc[pd.Timestamp("2024-03-04")]
    assert (day["count"], day["invalid"], day["amount"]) == (1, 1, 30)
    assert n.set_index("bucket").loc[pd.Timestamp("2024-03-20"), "count"] == 0  # empty: 0


def test_time_in_stage(crm, crm_nohist):
    s = metrics.time_in_stage(crm, period=MARCH).set_index("stage")
    # qualify stays ended in March: o1 4, o3 6, o5 7, o8 10, o2 24 days
    assert s.loc["qualify", "count"] == 5
    assert s.loc["qualify", "mean_days"] == pytest.approx(51 / 5)
    assert s.loc["qualify", "median_days"] == pytest.approx(7)
    # proposal: o1 6, o3 12 (o8 left proposal on 04-02, o5 still in it)
    assert s.loc["proposal", "count"] == 2 and s.loc["proposal", "mean_days"] == 9
    assert missing_table_of(metrics.time_in_stage(crm_nohist, period=MARCH)) == (
        "stage_history")


def test_lost_reasons(crm):
    r = metrics.lost_reasons(crm, period=MARCH)
    # lost in March: o3 (price, 50), o4 (no reason, no amount); o9 was lost in February
    assert list(r["lost_reason"].fillna("?")) == ["price", "?"]  # unknown last, not dropped
    assert list(r["share"]) == [0.5, 0.5] and r["amount"].iloc[0] == 50
    assert math.isnan(r["amount"].iloc[1]) and r["missing_amount"].iloc[1] == 1
    assert metrics.lost_reasons(crm, period=EMPTY).empty


def test_expected_revenue(crm, crm_nohist):
    e = metrics.expected_revenue(crm, as_of=AS_OF)
    # open on 03-31: o6 (qualify 0.2, no amount, due Feb: overdue), o5 (proposal 0.5, 200,
    # due 03-28), o8 (proposal then, 0.5, 40, no date: last)
    assert list(e["month"].astype(str)) == ["2024-02-01", "2024-03-01", "NaT"]
    assert list(e["overdue"]) == [True, False, False]
    assert math.isnan(e["amount"].iloc[0]) and e["missing_amount"].iloc[0] == 1
    assert list(e["expected"]) == [0, 100, 20]
    n = metrics.expected_revenue(crm_nohist, as_of=AS_OF)
    # without history o8's stage on 03-31 is unknown: no probability, not in expected
    assert n["missing_probability"].iloc[-1] == 1 and n["expected"].iloc[-1] == 0
    o = metrics.expected_revenue(crm, as_of=AS_OF, probabilities={"proposal": 0.9})
    assert o["expected"].iloc[1] == pytest.approx(180)
    with pytest.raises(ParamsError, match="unknown stage"):
        metrics.expected_revenue(crm, probabilities={"closing": 0.9})
    with pytest.raises(ParamsError, match="between 0 and 1"):
        metrics.expected_revenue(crm, probabilities={"proposal": 2})


def test_pipeline_coverage(crm):
    c = metrics.pipeline_coverage(crm, period=MARCH, as_of=AS_OF).iloc[0]
    # company: no company target -> team targets 300 + 100; actual k1 100 (k2 void)
    assert (c.target, c.actual, c.remaining) == (400, 100, 300)
    # open, expected to close before April: o5 200 (weighted 100), o6 (no amount)
    assert (c.pipeline_amount, c.weighted_amount, c.missing_amount) == (200, 100, 1)
    assert c.coverage == pytest.approx(2 / 3) and c.weighted_coverage == pytest.approx(1 / 3)
    east = metrics.pipeline_coverage(crm, period=MARCH, as_of=AS_OF,
                                     scope=resolve_scope(crm, team="east")).iloc[0]
    assert (east.target, east.actual, east.pipeline_amount, east.coverage) == (300, 100, 0, 0)
    e3 = metrics.pipeline_coverage(crm, period=MARCH, as_of=AS_OF,
                                   scope=resolve_scope(crm, employee="e3")).iloc[0]
    assert (e3.target, e3.actual) == (150, 0) and e3.coverage == pytest.approx(200 / 150)
    half = metrics.pipeline_coverage(crm, period=("2024-03-01", "2024-03-15"),
                                     as_of=AS_OF).iloc[0]
    assert half.target == pytest.approx(400 * 15 / 31)  # pro-rated by days


def test_pipeline_coverage_without_target(crm_nohist):
    f = frames()
    f.pop("targets")
    c = metrics.pipeline_coverage(from_frames(f), period=MARCH, as_of=AS_OF).iloc[0]
    assert not c.has_target and math.isnan(c.target) and math.isnan(c.coverage)
    assert c.actual == 100
    over = metrics.pipeline_coverage(crm_nohist, period=MARCH, as_of=AS_OF,
                                     scope=resolve_scope(crm_nohist, team="west")).iloc[0]
    # west: target 100, actual 0 (k3 is February) -> remaining 100, pipeline o5 200
    assert over.coverage == pytest.approx(2.0)


def test_without_opportunities_everything_says_not_available(crm_noopps):
    calls = {
        "win_rate": lambda: metrics.win_rate(crm_noopps, period=MARCH, by="team"),
        "snapshot": lambda: metrics.pipeline_snapshot(crm_noopps, period=MARCH),
        "funnel": lambda: metrics.ordered_funnel(crm_noopps, period=MARCH),
        "new": lambda: metrics.new_opportunities(crm_noopps, period=MARCH),
        "deal": lambda: metrics.deal_size(crm_noopps, period=MARCH),
        "cycle": lambda: metrics.opportunity_cycle(crm_noopps, period=MARCH),
        "stay": lambda: metrics.time_in_stage(crm_noopps, period=MARCH),
        "velocity": lambda: metrics.sales_velocity(crm_noopps, period=MARCH),
        "lost": lambda: metrics.lost_reasons(crm_noopps, period=MARCH),
        "expected": lambda: metrics.expected_revenue(crm_noopps),
        "coverage": lambda: metrics.pipeline_coverage(crm_noopps, period=MARCH),
    }
    for name, call in calls.items():
        df = call()
        assert df.empty and missing_table_of(df) == "opportunities", name
    assert "team" in metrics.win_rate(crm_noopps, period=MARCH, by="team").columns


# -- charts and displays -------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_and_tables_render(crm, crm_nohist, lang, tmp_path):
    plots.set_theme(lang)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph fails
        fig, axes = plt.subplots(4, 2, figsize=(12, 14))
        plots.funnel_chart(metrics.ordered_funnel(crm, period=MARCH), lang=lang, ax=axes[0, 0])
        plots.snapshot_chart(metrics.pipeline_snapshot(crm_nohist, period=MARCH, as_of=AS_OF),
                             lang=lang, ax=axes[0, 1])
        plots.win_rate_chart(metrics.win_rate(crm, period=MARCH, by="bucket"), lang=lang,
                             ax=axes[1, 0])
        plots.new_opportunities_chart(metrics.new_opportunities(crm, period=MARCH), lang=lang,
                                      ax=axes[1, 1])
        plots.lost_reasons_chart(metrics.lost_reasons(crm, period=MARCH), lang=lang,
                                 ax=axes[2, 0])
        plots.time_in_stage_chart(metrics.time_in_stage(crm, period=MARCH), lang=lang,
                                  ax=axes[2, 1])
        plots.expected_revenue_chart(metrics.expected_revenue(crm, as_of=AS_OF), lang=lang,
                                     ax=axes[3, 0])
        plots.time_in_stage_chart(metrics.time_in_stage(crm_nohist, period=MARCH),
                                       lang=lang, ax=axes[3, 1])
        ax = axes[3, 1]
        assert ax.texts[0].get_text() == t("not_available", lang, table="stage_history")
        fig.savefig(tmp_path / "funnel.png")
    k = plots.funnel_kpis(metrics.sales_velocity(crm, period=MARCH, as_of=AS_OF), lang)
    assert f"{t('closed_win_rate', lang)}: 50.0%" in repr(k) and "<div" in k._repr_html_()
    tab = plots.funnel_table(metrics.win_rate(crm, period=MARCH, by="team"), lang)
    assert "—" in repr(tab)  # west's undefined closed win rate
    cov = plots.coverage_table(metrics.pipeline_coverage(crm, period=MARCH, as_of=AS_OF), lang)
    assert "0.67x" in repr(cov)
    none = plots.funnel_table(metrics.lost_reasons(crm, period=EMPTY), lang)
    assert repr(none) == t("no_data", lang)


def test_labels_have_both_languages():
    import yaml

    from crmlib.i18n import LABELS_DIR

    keys = yaml.safe_load((LABELS_DIR / "funnel.yaml").read_text(encoding="utf-8"))
    for key in keys:
        assert CATALOGUE[key]["en"] and CATALOGUE[key]["zh"], key
    for key in plots.FUNNEL_COLUMN_LABELS.values():
        assert key in CATALOGUE, key
