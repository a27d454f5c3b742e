"""Funnel figures on the Maven CRM data, checked against plain pandas on the CSV files."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib import metrics
from crmlib.config import SHARED_DATASETS
from crmlib.engine import missing_table_of

YEAR = ("2017-01-01", "2017-12-31")


@pytest.fixture(scope="module")
def closed_2017():
    """Won and lost deals closed in 2017, with the agent's regional office (plain pandas)."""
    src = SHARED_DATASETS / "maven_crm"
    if not src.is_dir():
        pytest.skip(f"the public data sets are not here ({SHARED_DATASETS})")
    deals = pd.read_csv(src / "sales_pipeline.csv", parse_dates=["engage_date", "close_date"])
    teams = pd.read_csv(src / "sales_teams.csv")
    d = deals[deals["deal_stage"].isin(["Won", "Lost"])
              & deals["close_date"].between("2017-01-01", "2017-12-31")]
    return d.merge(teams, on="sales_agent", how="left")


def test_closed_win_rate_and_won_amount_2017(maven_crm, closed_2017):
    won = closed_2017[closed_2017["deal_stage"] == "Won"]
    lost = closed_2017[closed_2017["deal_stage"] == "Lost"]
    w = metrics.win_rate(maven_crm, period=YEAR).iloc[0]
    assert (w.won, w.lost) == (len(won), len(lost))
    assert w.closed_win_rate == pytest.approx(len(won) / (len(won) + len(lost)))
    d = metrics.deal_size(maven_crm, period=YEAR).iloc[0]
    assert d.won_amount == pytest.approx(won["close_value"].sum())
    assert d.missing_amount == 0


def test_per_regional_office(maven_crm, closed_2017):
    g = closed_2017.groupby("regional_office")
    expect = pd.DataFrame({
        "won": g["deal_stage"].apply(lambda s: (s == "Won").sum()),
        "lost": g["deal_stage"].apply(lambda s: (s == "Lost").sum()),
        "won_amount": g.apply(lambda x: x.loc[x["deal_stage"] == "Won", "close_value"].sum(),
                              include_groups=False)})
    expect["rate"] = expect["won"] / (expect["won"] + expect["lost"])
    w = metrics.win_rate(maven_crm, period=YEAR, by="team").set_index("team")
    d = metrics.deal_size(maven_crm, period=YEAR, by="team").set_index("team")
    assert sorted(w.index) == sorted(expect.index) == ["Central", "East", "West"]
    for office, e in expect.iterrows():
        assert (w.loc[office, "won"], w.loc[office, "lost"]) == (e.won, e.lost), office
        assert w.loc[office, "closed_win_rate"] == pytest.approx(e.rate), office
        assert d.loc[office, "won_amount"] == pytest.approx(e.won_amount), office


def test_top_agent_by_won_amount(maven_crm, closed_2017):
    won = closed_2017[closed_2017["deal_stage"] == "Won"]
    by_agent = won.groupby("sales_agent")["close_value"].sum().sort_values(ascending=False)
    top = by_agent.index[0]
    agent = closed_2017[closed_2017["sales_agent"] == top]
    rate = (agent["deal_stage"] == "Won").mean()
    w = metrics.win_rate(maven_crm, period=YEAR, by="owner_id")
    d = metrics.deal_size(maven_crm, period=YEAR, by="owner_id")
    both = w.merge(d[["owner_id", "won_amount"]], on="owner_id").sort_values(
        "won_amount", ascending=False)
    assert both["owner_id"].iloc[0] == top
    assert both["won_amount"].iloc[0] == pytest.approx(by_agent.iloc[0])
    assert both["closed_win_rate"].iloc[0] == pytest.approx(rate)


def test_funnel_without_history_on_maven(maven_crm):
    f = metrics.ordered_funnel(maven_crm, period=YEAR)
    assert not f.attrs["history"] and list(f["stage"]) == ["Prospecting", "Engaging", "Won"]
    assert f["reached"].is_monotonic_decreasing
    cohort = metrics.win_rate(maven_crm, period=YEAR).iloc[0]["cohort_win_rate"]
    assert f["cumulative_conversion"].iloc[-1] == pytest.approx(cohort)
    assert missing_table_of(metrics.time_in_stage(maven_crm, period=YEAR)) == (
        "stage_history")
    assert not metrics.pipeline_coverage(maven_crm, period=YEAR).iloc[0]["has_target"]


def test_notebook_runs_on_maven(maven_notebook):
    text = maven_notebook("30_sales_funnel")
    assert "Not available: the data has no `stage_history` table." in text
    assert "no target" in text
