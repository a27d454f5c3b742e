"""Targets and completion on a tiny CRM, every number worked out by hand; Maven (no targets)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from crmlib import metrics, plots
from crmlib.data.connect import from_frames
from crmlib.exceptions import ParamsError
from crmlib.i18n import CATALOGUE, LANGS, load_catalogue
from crmlib.period import resolve_period
from crmlib.scope import Scope, resolve_scope

Q1 = ("2024-01-01", "2024-03-31")
M = pd.Timestamp  # month starts


def frames():
    return {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2", "e3"], "name": ["王伟", "李娜", "Ann"],
                                   "team": ["east", "east", "west"],
                                   "manager_id": [None, "e1", None]}),
        "customers": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3", "c4"], "name": list("wxyz"),
            "created_at": ["2024-01-05", "2024-01-15", "2024-02-01", "2024-03-10"],
            "owner_id": ["e1", "e2", None, "e3"]}),
        # actual contract amount per month:  e1 Jan 100, Mar 60 (Apr 30 is outside Q1)
        #                                    e2 Jan 50 (k3 is void)     e3 Feb 40 (no status)
        "contracts": pd.DataFrame({
            "contract_id": ["k1", "k2", "k3", "k4", "k5", "k6"],
            "customer_id": ["c1", "c2", "c2", "c4", "c1", "c1"],
            "owner_id": ["e1", "e2", "e2", "e3", "e1", "e1"],
            "signed_at": ["2024-01-10", "2024-01-20", "2024-02-05", "2024-02-15", "2024-03-01",
                          "2024-04-02"],
            "amount": [100.0, 50.0, 80.0, 40.0, 60.0, 30.0],
            "status": ["approved", "approved", "void", None, "approved", "approved"]}),
        # payments: e1 Feb 70 (p1 on k1); e2 Mar 20 (p2 on e2's void k3); p3 pending: not counted
        "payments": pd.DataFrame({
            "payment_id": ["p1", "p2", "p3"], "contract_id": ["k1", "k3", "k2"],
            "paid_at": ["2024-02-10", "2024-03-05", "2024-03-06"], "amount": [70.0, 20.0, 50.0],
            "status": ["approved", "approved", "pending"]}),
        "targets": pd.DataFrame(
            [("employee", "e1", "contract_amount", "2024-01-01", 200.0),
             ("employee", "e1", "contract_amount", "2024-02-01", 100.0),  # March: not set
             ("employee", "e2", "contract_amount", "2024-01-01", 0.0),    # zero target
             ("employee", "e2", "contract_amount", "2024-02-01", 50.0),
             ("employee", "e2", "contract_amount", "2024-03-01", 50.0),
             ("team", "east", "contract_amount", "2024-01-01", 300.0),
             ("team", "east", "contract_amount", "2024-02-01", 100.0),
             ("team", "east", "contract_amount", "2024-03-01", 100.0),
             ("team", "west", "contract_amount", "2024-01-01", 100.0),    # Feb, Mar: not set
             ("company", "acme", "contract_amount", "2024-01-01", 400.0),
             ("company", "acme", "contract_amount", "2024-02-01", 200.0),
             ("company", "acme", "contract_amount", "2024-03-01", 200.0),
             ("team", "east", "payment_amount", "2024-01-01", 10.0),
             ("team", "east", "payment_amount", "2024-02-01", 100.0),
             ("team", "east", "payment_amount", "2024-03-01", 40.0)],
            columns=["owner_type", "owner_id", "metric", "month", "value"]),
    }


def _row(df, **kw):
    sel = df
    for k, v in kw.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (kw, sel)
    return sel.iloc[0]


def test_team_monthly_and_quarter_are_sums(crm):
    df = metrics.target_vs_actual(crm, period=Q1, by=["month", "quarter"], level="team")
    east = df[df.owner_id == "east"]
    # east = e1 + e2 (all members): Jan 100 + 50, Feb 0 (k3 void), Mar 60
    assert east[east.by == "month"]["actual"].tolist() == [150, 0, 60]
    assert east[east.by == "month"]["completion"].tolist() == [0.5, 0.0, 0.6]  # /300 /100 /100
    q = _row(east, by="quarter")
    # Q1 = (150 + 0 + 60) / (300 + 100 + 100) = 0.42, not the mean of the rates (0.3667)
    assert (q.target, q.actual, q.months, q.missing_targets) == (500, 210, 3, 0)
    assert q.completion == pytest.approx(0.42)
    west = df[df.owner_id == "west"]
    # west: target only in January (100, actual 0 -> 0 %, a real 0); Feb actual 40, no target
    jan, feb = _row(west, by="month", bucket=M("2024-01-01")), _row(west, by="month",
                                                                    bucket=M("2024-02-01"))
    assert jan.completion == 0.0
    assert math.isnan(feb.target) and math.isnan(feb.completion) and feb.actual == 40
    q = _row(west, by="quarter")  # two months without target: the quarter has none either
    assert math.isnan(q.target) and math.isnan(q.completion) and q.missing_targets == 2
    assert q.actual == 40
    assert set(df.columns) >= {"owner_type", "owner_id", "name", "bucket", "target", "actual",
                               "completion"}
    assert df["available"].all() and df["missing_table"].isna().all()


def test_employee_level_zero_and_missing_target_are_no_target(crm):
    df = metrics.target_vs_actual(crm, period=Q1, by=["month", "quarter"], level="employee")
    assert sorted(df.owner_id.unique()) == ["e1", "e2", "e3"]
    e2 = df[df.owner_id == "e2"]
    jan = _row(e2, by="month", bucket=M("2024-01-01"))
    # target 0 with actual 50: "no target", never 100 % (Wukong) nor infinite
    assert jan.target == 0 and jan.actual == 50 and math.isnan(jan.completion)
    q = _row(e2, by="quarter")  # (50 + 0 + 0) / (0 + 50 + 50) = 0.5
    assert (q.target, q.actual, q.completion, q.missing_targets) == (100, 50, 0.5, 0)
    e1 = df[df.owner_id == "e1"]
    mar = _row(e1, by="month", bucket=M("2024-03-01"))
    assert math.isnan(mar.completion) and mar.actual == 60 and mar.missing_targets == 1
    assert math.isnan(_row(e1, by="quarter").completion)  # March has no target
    assert _row(e1, by="month", bucket=M("2024-01-01")).completion == 0.5  # 100 / 200
    assert e1["name"].iloc[0] == "王伟"
    # e3 has no target at all but an actual (Feb 40): listed, with no target
    e3 = df[df.owner_id == "e3"]
    assert e3["target"].isna().all() and e3[e3.by == "quarter"]["actual"].item() == 40


def test_scope_limits_owners_but_team_counts_all_members(crm):
    only_e2 = resolve_scope(crm, employee="e2")
    emp = metrics.target_vs_actual(crm, period=Q1, by="quarter", level="employee",
                                   scope=only_e2)
    assert emp.owner_id.tolist() == ["e2"]
    team = metrics.target_vs_actual(crm, period=Q1, by="quarter", level="team", scope=only_e2)
    # e2's team is east, counted with all its members (e1's 160 too): 210
    assert team.owner_id.tolist() == ["east"] and team.actual.item() == 210


def test_company_level_and_payments(crm):
    co = metrics.target_vs_actual(crm, period=Q1, by="quarter", level="company")
    # everyone: 100 + 50 + 40 + 60 = 250 over 400 + 200 + 200 = 800
    assert co.actual.item() == 250 and co.target.item() == 800
    assert co.completion.item() == pytest.approx(0.3125)
    pay = metrics.target_vs_actual(crm, metric="payment_amount", period=Q1,
                                   by=["month", "quarter"], scope=resolve_scope(crm, team="east"))
    # east: Feb 70 (p1, e1), Mar 20 (p2: on e2's void contract, credited to e2); p3 pending
    assert pay[pay.by == "month"]["actual"].tolist() == [0, 70, 20]
    assert pay[pay.by == "month"]["completion"].tolist() == [0.0, 0.7, 0.5]
    assert _row(pay, by="quarter").completion == pytest.approx(0.6)  # 90 / 150


def test_new_customers_actual_without_targets(crm):
    df = metrics.target_vs_actual(crm, metric="new_customers", period=Q1, by="month",
                                  level="company")
    # c1, c2 in Jan; c3 (public pool) in Feb counts for the company; c4 in Mar
    assert df.actual.tolist() == [2, 1, 1]
    assert df.target.isna().all() and df.completion.isna().all()
    assert df.missing_targets.tolist() == [1, 1, 1]


def test_completion_follows_the_scope(crm):
    def one(scope, **kw):
        return metrics.completion(crm, period=Q1, scope=scope, **kw)

    assert one(None).completion.item() == pytest.approx(0.3125)  # company target
    east = one(resolve_scope(crm, team="east"))  # the team target, all members
    assert east.owner_type.item() == "team" and east.completion.item() == pytest.approx(0.42)
    # e1 and subordinate e2, month by month: Jan 200 + 0, Feb 100 + 50, Mar (e1 none) + 50
    # = 400 against 150 + 0 + 60 = 210 -> 0.525; one (employee, month) pair without target
    mine = one(resolve_scope(crm, employee="e1"))
    assert (mine.owner_type.item(), mine.target.item(), mine.actual.item()) == (
        "employees", 400, 210)
    assert mine.completion.item() == pytest.approx(0.525) and mine.missing_targets.item() == 1
    months = one(resolve_scope(crm, employee="e1"), by="month")
    assert months.target.tolist() == [200, 150, 50]
    assert months.completion.tolist() == [0.75, 0.0, 1.2]
    # a hand-picked list that is not a whole team: e1 alone has no March target -> undefined
    picked = one(Scope("team", "selected", ("e1",)))
    assert math.isnan(picked.completion.item()) and picked.actual.item() == 160
    # west has no target in Feb and Mar: no target for the quarter, never 0 % or 100 %
    assert math.isnan(one(resolve_scope(crm, team="west")).completion.item())


def test_windows_and_year_to_date(crm):
    p = resolve_period("last_week", as_of="2026-11-04")  # Mon 10-26 .. Sun 11-01
    assert str(metrics.target_window(p)) == "2026-10-01..2026-11-30"
    assert str(metrics.target_window(p, span="last_12_months")) == "2025-12-01..2026-11-30"
    assert str(metrics.target_window(p, span="year_to_date")) == "2026-01-01..2026-11-30"
    feb = ("2024-02-10", "2024-02-20")  # mid-month: the whole of February
    df = metrics.completion(crm, period=feb, scope=resolve_scope(crm, team="east"),
                            by=["month", "year"], span="year_to_date")
    assert df[df.by == "month"].bucket.tolist() == [M("2024-01-01"), M("2024-02-01")]
    y = _row(df, by="year")  # Jan + Feb: 150 / 400
    assert (y.months, y.actual, y.target) == (2, 150, 400)
    assert y.completion == pytest.approx(0.375)
    last12 = metrics.completion(crm, period=feb, by="month", span="last_12_months")
    assert len(last12) == 12 and last12.bucket.iloc[0] == M("2023-03-01")
    assert last12.actual.sum() == 190  # company Jan 150 + Feb 40


def test_missing_tables_say_not_available():
    f = frames()
    del f["targets"], f["payments"]
    crm = from_frames(f)
    df = metrics.completion(crm, metric=["contract_amount", "payment_amount"], period=Q1)
    ca, pa = _row(df, metric="contract_amount"), _row(df, metric="payment_amount")
    assert ca.actual == 250 and math.isnan(ca.target) and math.isnan(ca.completion)
    assert not ca.available and ca.missing_table == "targets"
    assert math.isnan(pa.actual) and pa.missing_table == "targets, payments"
    text = repr(plots.TargetTable(df, "en"))
    assert "the data has no `targets` table" in text and "`payments`" in text
    assert "no target" in text


def test_bad_input(crm):
    with pytest.raises(ParamsError, match="unknown target metric `revenue`"):
        metrics.target_vs_actual(crm, metric="revenue", period=Q1)
    with pytest.raises(ParamsError, match="bucket kind"):
        metrics.target_vs_actual(crm, period=Q1, by="week")
    with pytest.raises(ParamsError, match="target level"):
        metrics.target_vs_actual(crm, period=Q1, level="region")
    with pytest.raises(ParamsError, match="target span"):
        metrics.completion(crm, period=Q1, span="ytd")
    with pytest.raises(ParamsError, match="not a preset name"):
        metrics.completion(crm, period=42)


def test_table_and_charts(crm):
    plots.set_theme("zh")  # Chinese glyphs in the charts below
    df = metrics.completion(crm, metric=["contract_amount", "payment_amount"], period=Q1,
                            scope=resolve_scope(crm, team="east"),
                            by=["month", "quarter"], span="year_to_date")
    text = repr(plots.TargetTable(df, "en", "CNY", owner=False))
    lines = text.splitlines()
    # months first, then their quarter; rates formatted, amounts with currency
    assert "2024-03" in lines[3] and "2024 Q1" in lines[4] and "42.0%" in lines[4]
    assert "500.00 CNY" in lines[4]
    zh = repr(plots.TargetTable(metrics.completion(crm, period=Q1, scope=resolve_scope(
        crm, team="west")), "zh"))
    assert "无目标" in zh
    fig = plots.completion_gauges(metrics.completion(crm, metric=list(metrics.TARGET_METRICS),
                                                     period=Q1), lang="zh")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "31.2%" in texts and "无目标" in texts  # contract 0.3125; new customers: none
    fig = plots.monthly_targets(df, lang="en")
    assert len(fig.axes) == 2
    people = metrics.target_vs_actual(crm, period=Q1, by=["month", "year"], level="employee")
    fig = plots.completion_heatmaps(people, lang="zh")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["01", "02", "03", "全年"]


def test_labels_have_both_languages():
    path = Path(__file__).parent.parent / "crmlib" / "labels"
    mine = load_catalogue(path).keys() & {k for k in CATALOGUE if k.startswith(
        ("targets_", "note_targets_"))}
    assert len(mine) >= 15
    for key in mine:
        assert all(CATALOGUE[key].get(lang) for lang in LANGS), key


# -- Maven: no targets, no payments; independent figures from the CSV files ----------------

def test_maven_actuals_match_the_csv(maven_crm):
    from crmlib.config import SHARED_DATASETS

    src = SHARED_DATASETS / "maven_crm"
    deals = pd.read_csv(src / "sales_pipeline.csv")
    teams = pd.read_csv(src / "sales_teams.csv")
    won = deals[deals.deal_stage == "Won"].merge(teams, on="sales_agent")
    won["month"] = pd.to_datetime(won.close_date).dt.to_period("M").dt.to_timestamp()
    expect = won.groupby(["regional_office", "month"]).close_value.sum()
    period = ("2017-01-01", "2017-12-31")
    df = metrics.target_vs_actual(maven_crm, period=period, by=["month", "year"], level="team")
    got = df[df.by == "month"].set_index(["owner_id", "bucket"]).actual
    assert got[got > 0].to_dict() == pytest.approx(expect.to_dict())
    assert df[df.by == "year"].actual.sum() == pytest.approx(won.close_value.sum())
    assert not df.available.any() and df.target.isna().all() and df.completion.isna().all()
    co = metrics.completion(maven_crm, metric=["contract_amount", "payment_amount"],
                            period=period)
    assert co.actual.iloc[0] == pytest.approx(won.close_value.sum())
    assert math.isnan(co.actual.iloc[1]) and co.missing_table.iloc[1] == "targets, payments"


def test_notebook_runs_on_maven(maven_notebook):
    text = maven_notebook("20_targets")
    assert "the data has no `targets` table" in text
    assert "the data has no `payments` table" in text
