"""Leads: conversion with Wilson intervals, leads per period, days to convert and cost per lead on
a hand-built CRM (every figure worked out in the comments), against plain pandas on the demo,
and the X Education import through its mapping preset."""

from __future__ import annotations

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import crmlib
from crmlib import metrics
from crmlib import plots as lplots
from crmlib.config import SHARED_DATASETS
from crmlib.data.connect import from_frames
from crmlib.exceptions import ParamsError
from crmlib.i18n import CATALOGUE
from crmlib.metrics.leads import wilson_interval
from crmlib.scope import resolve_scope

PERIOD = ("2024-03-01", "2024-03-31")
AS_OF = "2024-04-30"


def frames():
    """Leads created in March 2024 (the period), as of 2024-04-30:

    source A: l1 (e1, converted 03-05, created 03-01 -> 4 days), l2 (e1, converted 04-10,
              created 03-02 -> 39 days), l3 (e2, converted 05-20: after as_of -> not yet),
              l4 (e2, open)                              -> 4 leads, 2 converted
    source B: l5 (e3, status converted, no date: counts whatever as_of)
                                                         -> 1 lead, 1 converted, undated
    source " A " (padded) is A: l6 (e1, converted 03-10 created 03-10 -> 0 days)
                                                         -> A: 5 leads, 3 converted
    source C: l7 (e1, converted 03-01 but created 03-03: dated before creation -> 0 days)
    no source: l8 (no owner, open)                       -> unknown row
    outside the period: l9 (A, created 02-28, converted) and l10 (A, created 04-01)

    Days to convert, A: 4, 39, 0 -> mean 43/3, median 4. C: 0. Total (dated): 4, 39, 0, 0 ->
    mean 10.75, median (0 + 4) / 2 = 2. Undated: l5 (B).

    Campaigns: k1 source A, 2024-02-01..2024-05-01 (91 days), cost 9,100 -> 100 a day; March
    holds 31 of its days -> 3,100. k2 source C, 2024-03-31 only, cost 50 -> 50. k3 source B,
    no dates -> left out, counted as undated. k4 source A, 2024-04-01.. -> not in March.
    Cost per lead: A 3,100 / 5 = 620, per converted 3,100 / 3; C 50 / 1, per converted 50.
    """
    leads = pd.DataFrame({
        "lead_id": [f"l{i}" for i in range(1, 11)],
        "created_at": ["2024-03-01", "2024-03-02", "2024-03-04", "2024-03-05", "2024-03-06",
                       "2024-03-10", "2024-03-03", "2024-03-20", "2024-02-28", "2024-04-01"],
        "source": ["A", "A", "A", "A", "B", " A ", "C", None, "A", "A"],
        "owner_id": ["e1", "e1", "e2", "e2", "e3", "e1", "e1", None, "e1", "e1"],
        "status": ["converted", "converted", "converted", "open", "converted", "converted",
                   "converted", "open", "converted", "open"],
        "converted_at": ["2024-03-05", "2024-04-10 15:00", "2024-05-20", None, None,
                         "2024-03-10 18:00", "2024-03-01", None, "2024-03-01", None],
    })
    return {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2", "e3"], "name": ["王伟", "李娜", "Ann"],
                                   "team": ["east", "east", "global"]}),
        "customers": pd.DataFrame({"customer_id": ["c1"], "name": ["x"],
                                   "created_at": ["2024-01-01"], "owner_id": ["e1"]}),
        "contracts": pd.DataFrame({"contract_id": ["k1"], "customer_id": ["c1"],
                                   "owner_id": ["e1"], "signed_at": ["2024-03-15"],
                                   "amount": [10.0], "status": ["approved"]}),
        "leads": leads,
        "campaigns": pd.DataFrame({
            "campaign_id": ["k1", "k2", "k3", "k4"], "source": ["A", "C", "B", "A"],
            "cost": [9100.0, 50.0, 700.0, 1000.0],
            "started_at": ["2024-02-01", "2024-03-31", None, "2024-04-01"],
            "ended_at": ["2024-05-01", None, None, "2024-04-30"]}),
    }


def by_value(df):
    return {(r.kind, r.value): r for r in df.itertuples()}


# -- Wilson interval ------------------------------------------------------------------------------
def test_wilson_interval_published_values():
    # Wilson (1927) / Newcombe (1998) table: 0 of 10 -> [0, 0.2775]; 2 of 2 -> [0.3424, 1];
    # 81 of 263 -> [0.2553, 0.3662]
    low, high = wilson_interval([0, 2, 81], [10, 2, 263])
    assert np.round(low, 4).tolist() == [0.0, 0.3424, 0.2553]
    assert np.round(high, 4).tolist() == [0.2775, 1.0, 0.3662]
    lo, hi = wilson_interval(5, 0)
    assert math.isnan(lo) and math.isnan(hi)
    with pytest.raises(ParamsError, match="confidence"):
        wilson_interval(1, 2, confidence=95)


def test_wider_interval_at_higher_confidence():
    lo90, hi90 = wilson_interval(30, 100, confidence=0.90)
    lo99, hi99 = wilson_interval(30, 100, confidence=0.99)
    assert lo99 < lo90 < 0.3 < hi90 < hi99


# -- conversion ------------------------------------------------------------------------------------
def test_conversion_by_source_by_hand(crm):
    df = metrics.lead_conversion(crm, period=PERIOD, as_of=AS_OF)
    rows = by_value(df)
    a, b, c, unknown = (rows[("value", "A")], rows[("value", "B")], rows[("value", "C")],
                        rows[("unknown", None)])
    assert (a.leads, a.converted) == (5, 3)  # l3 converts after as_of; " A " is A
    assert (b.leads, b.converted) == (1, 1)  # undated conversion counts
    assert (c.leads, c.converted) == (1, 1)
    assert (unknown.leads, unknown.converted) == (1, 0)
    assert a.conversion_rate == pytest.approx(0.6)
    low, high = wilson_interval(3, 5)
    assert (a.ci_low, a.ci_high) == pytest.approx((float(low), float(high)))
    # ranked by the lower bound: A (3/5: 0.231) above B and C (1/1: 0.207); B, C tie
    assert [r for r in df["value"][:3]] == ["A", "B", "C"]
    assert df["rank"].tolist()[:3] == [1.0, 2.0, 2.0] and math.isnan(df["rank"].iloc[3])
    assert df.attrs["leads"] == 8 and df.attrs["converted"] == 5
    assert df["share"].sum() == pytest.approx(1.0)


def test_ranking_by_rate_instead_of_lower_bound(crm):
    df = metrics.lead_conversion(crm, period=PERIOD, as_of=AS_OF,
                                 conversion_config={"rank_by": "conversion_rate"})
    assert df["value"].tolist()[:3] == ["B", "C", "A"]  # 100 %, 100 %, 60 %


def test_as_of_decides_what_has_converted(crm):
    early = by_value(metrics.lead_conversion(crm, period=PERIOD, as_of="2024-03-31"))
    assert early[("value", "A")].converted == 2  # l1, l6; l2 converts in April
    later = by_value(metrics.lead_conversion(crm, period=PERIOD, as_of="2024-05-20"))
    assert later[("value", "A")].converted == 4  # the day of as_of included


def test_top_pools_the_rest_and_keeps_unknown_apart(crm):
    df = metrics.lead_conversion(crm, period=PERIOD, as_of=AS_OF, top=1)
    assert df["kind"].tolist() == ["value", "other", "unknown"]
    other = df.iloc[1]
    assert (other["leads"], other["converted"], other["values"]) == (2, 2, 2)  # B + C


def test_conversion_by_owner_and_team_scope(crm):
    df = metrics.lead_conversion(crm, period=PERIOD, as_of=AS_OF, by="owner")
    rows = by_value(df)
    assert (rows[("value", "e1")].leads, rows[("value", "e1")].converted) == (4, 4)  # l1 2 6 7
    assert (rows[("value", "e2")].leads, rows[("value", "e2")].converted) == (2, 0)
    east = metrics.lead_conversion(crm, period=PERIOD, as_of=AS_OF,
                                   scope=resolve_scope(crm, team="east"))
    assert east.attrs["leads"] == 6  # e1 + e2; the unassigned lead is company-only
    with pytest.raises(ParamsError, match="did you mean `source`"):
        metrics.lead_conversion(crm, period=PERIOD, by="sourse")


def test_leads_by_period_buckets(crm):
    df = metrics.leads_by_period(crm, period=PERIOD, as_of=AS_OF)
    assert len(df) == 31 and df["leads"].sum() == 8 and df["converted"].sum() == 5
    day = df.set_index("bucket")
    assert day.loc["2024-03-01", "leads"] == 1 and day.loc["2024-03-01", "converted"] == 1
    assert math.isnan(day.loc["2024-03-31", "conversion_rate"])  # no lead that day


def test_days_to_convert_by_hand(crm):
    df = metrics.days_to_convert(crm, period=PERIOD, as_of=AS_OF)
    rows = by_value(df)
    a, total = rows[("value", "A")], rows[("total", None)]
    assert (a.converted, a.mean_days, a.median_days) == (3, pytest.approx(43 / 3), 4.0)
    assert rows[("value", "C")].mean_days == 0.0  # dated before creation counts as 0
    assert (total.converted, total.mean_days, total.median_days) == (4, 10.75, 2.0)
    assert rows[("value", "B")].undated == 1 and total.undated == 1


def test_costs_pro_rated_by_hand(crm):
    with pytest.warns(UserWarning, match="1 campaign"):
        df = metrics.lead_costs(crm, period=PERIOD, as_of=AS_OF)
    rows = {r.source: r for r in df.itertuples()}
    a, c, b = rows["A"], rows["C"], rows["B"]
    assert (a.campaigns, a.cost, a.leads, a.converted) == (1, pytest.approx(3100.0), 5, 3)
    assert (a.cost_per_lead, a.cost_per_converted) == pytest.approx((620.0, 3100 / 3))
    assert (c.cost, c.cost_per_lead, c.cost_per_converted) == pytest.approx((50.0, 50.0, 50.0))
    assert math.isnan(b.cost) and b.campaigns == 0  # its only campaign has no dates
    assert df.attrs["undated_campaigns"] == 1
    assert df.attrs["cost"] == pytest.approx(3150.0)
    assert df.attrs["cost_per_lead"] == pytest.approx(3150 / 6)


def test_missing_tables_and_undated_leads_are_said_not_hidden():
    f = frames()
    no_leads = from_frames({k: v for k, v in f.items() if k not in ("leads", "campaigns")})
    df = metrics.lead_conversion(no_leads, period=PERIOD)
    assert not df.attrs["available"] and df.attrs["missing_table"] == "leads"
    undated = dict(f, leads=f["leads"].assign(created_at="2019-01-01", converted_at=None))
    crm = from_frames(undated)
    conv = metrics.lead_conversion(crm, period=PERIOD, as_of=AS_OF)
    assert not conv.attrs["dated"] and conv.attrs["leads"] == 10  # every lead, any period
    assert conv.attrs["converted"] == 7  # status converted, no dates
    for fn in (metrics.leads_by_period, metrics.days_to_convert):
        out = fn(crm, period=PERIOD, as_of=AS_OF)
        assert out.attrs["reason"] == "undated"
    text = repr(lplots.days_to_convert_table(metrics.days_to_convert(crm, period=PERIOD), "en"))
    assert "no real creation dates" in text


# -- on the demo, against plain pandas -------------------------------------------------------------
def test_demo_conversion_equals_plain_pandas():
    crm = crmlib.connect()
    as_of = crm.last_event_date()
    start, end = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-10-01")
    df = metrics.lead_conversion(crm, period=("2026-07-01", "2026-09-30"), as_of=as_of)
    leads = crm.table("leads").to_pandas()
    cohort = leads[(leads["created_at"] >= start) & (leads["created_at"] < end)]
    conv = (cohort["converted_at"].notna()
            & (cohort["converted_at"] < as_of.normalize() + pd.Timedelta(days=1))) | (
        cohort["converted_at"].isna() & (cohort["status"] == "converted"))
    expected = cohort.assign(conv=conv).groupby("source")["conv"].agg(["size", "sum"])
    got = df[df["kind"] == "value"].set_index("value")
    assert len(got) >= 5
    for source, row in expected.iterrows():
        assert (got.loc[source, "leads"], got.loc[source, "converted"]) == (row["size"],
                                                                            row["sum"])
    # ranks follow the lower bound
    assert got["ci_low"].is_monotonic_decreasing


# -- plots ---------------------------------------------------------------------------------------
def test_labels_have_both_languages():
    keys = [k for k in CATALOGUE if k.startswith("leads_")]
    assert len(keys) > 40
    for k in keys:
        assert CATALOGUE[k].get("en") and CATALOGUE[k].get("zh"), k


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tables_and_charts_render_without_missing_glyphs(crm, lang):
    from crmlib import plots

    plots.set_theme(lang)
    conv = metrics.lead_conversion(crm, period=PERIOD, as_of=AS_OF, top=1)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        fig, axes = plt.subplots(1, 2)
        lplots.leads_trend(metrics.leads_by_period(crm, period=PERIOD, as_of=AS_OF),
                           lang=lang, ax=axes[0])
        lplots.lead_conversion_bars(conv, lang=lang, ax=axes[1], title="转化率" if lang == "zh"
                                    else "rate")
        fig.canvas.draw()
    text = repr(lplots.lead_conversion_table(conv, lang))
    assert ("其他（2 项）" if lang == "zh" else "other (2)") in text
    assert ("合计" if lang == "zh" else "Total") in text and "60.0%" in text
    owners = metrics.lead_conversion(crm, period=PERIOD, as_of=AS_OF, by="owner")
    assert "王伟" in repr(lplots.lead_conversion_table(owners, lang, names={"e1": "王伟"}))


# -- X Education through the mapping preset ---------------------------------------------------------
@pytest.fixture(scope="module")
def x_education(tmp_path_factory):
    from crmlib.data.importer import import_files

    src = SHARED_DATASETS / "x_education_leads"
    if not src.is_dir():
        pytest.skip(f"the public data sets are not here ({SHARED_DATASETS}); they sit beside "
                    "the project in CI only")
    path = tmp_path_factory.mktemp("xe") / "xe.duckdb"
    import_files([src], "x_education", into=path, progress=False)
    return path


@pytest.mark.shared_data
def test_x_education_import_matches_the_csv(x_education):
    raw = pd.read_csv(SHARED_DATASETS / "x_education_leads" / "Leads.csv")
    crm = crmlib.connect(x_education)
    df = metrics.lead_conversion(crm, period="this_year")
    assert not df.attrs["dated"]
    assert (df.attrs["leads"], df.attrs["converted"]) == (len(raw), int(raw["Converted"].sum()))
    src = raw["Lead Source"].replace({"google": "Google"})
    expected = raw.assign(src=src).groupby("src")["Converted"].agg(["size", "sum"])
    got = df[df["kind"] == "value"].set_index("value")
    for name in ("Google", "Direct Traffic", "Olark Chat", "Reference"):
        assert (got.loc[name, "leads"], got.loc[name, "converted"]) == tuple(expected.loc[name])
    # Reference (490 of 534) ranks above sources with tiny counts and higher rates
    assert got.loc["Reference", "rank"] <= 2
    assert metrics.leads_by_period(crm, period="this_year").attrs["reason"] == "undated"


@pytest.mark.shared_data
def test_leads_notebook_reports_the_x_education_model(x_education, tmp_path):
    """The 90_leads report on X Education shows the held-out AUC and the calibration table of
    the model fitted apart here, and says the leads have no dates instead of failing."""
    import papermill

    from crmlib.lead_scoring import fit_lead_scorer
    from crmlib.report import NOTEBOOKS_DIR

    out = tmp_path / "90_leads.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / "90_leads.ipynb"), str(out), progress_bar=False,
        cwd=str(NOTEBOOKS_DIR), extra_arguments=["--IPKernelApp.log_level=ERROR"],
        parameters=dict(source=str(x_education), period="this_year"))
    text = out.read_text(encoding="utf-8")
    m = fit_lead_scorer(crmlib.connect(x_education)).metrics_
    assert f"Held-out ROC AUC {m['test_auc']:.3f}" in text
    assert f"on {m['n_test']:,} test leads" in text
    assert "Predicted range" in text and "no real creation dates" in text
    assert "Traceback" not in text
