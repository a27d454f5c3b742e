"""Leaderboards on a tiny CRM, every number worked out by hand; Maven checked with plain pandas."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crmlib import metrics, plots
from crmlib.data.connect import from_frames
from crmlib.exceptions import ParamsError
from crmlib.i18n import CATALOGUE
from crmlib.scope import resolve_scope

MARCH = ("2024-03-01", "2024-03-31")


def frames():
    return {
        # e4 has left (active False); e5's active flag is empty (= active); x9 owns k8 but is
        # not in the employees table.
        "employees": pd.DataFrame({
            "employee_id": ["e1", "e2", "e3", "e4", "e5"], "name": ["A", "B", "C", "D", "E"],
            "team": ["east", "east", "west", "west", "east"],
            "active": [True, True, True, False, None]}),
        "customers": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3", "c4", "c5"], "name": list("vwxyz"),
            "created_at": ["2024-03-01", "2024-03-31 23:59", "2024-03-15", "2024-03-10",
                           "2024-02-29"],
            "owner_id": ["e1", "e1", "e2", None, "e3"]}),  # c4 is in the public pool
        "contacts": pd.DataFrame({
            "contact_id": ["x1", "x2", "x3"], "customer_id": ["c1", "c3", "c1"],
            "name": ["p", "q", "r"], "created_at": ["2024-03-05", "2024-03-06", "2024-01-01"],
            "owner_id": ["e2", "e2", "e1"]}),
        "contracts": pd.DataFrame({
            "contract_id": ["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"],
            "customer_id": ["c1", "c3", "c5", "c5", "c1", "c1", "c2", "c2"],
            "owner_id": ["e1", "e2", "e3", "e3", "e4", "e1", "e5", "x9"],
            "signed_at": ["2024-03-05", "2024-03-10", "2024-03-12", "2024-03-20", "2024-03-15",
                          "2024-02-28", "2024-04-01", "2024-03-08"],
            "amount": [100.0, 100.0, 50.0, 500.0, 30.0, 70.0, 40.0, 10.0],
            "status": ["approved", "approved", "approved", "void", None, "approved",
                       "approved", "approved"]}),
        "contract_lines": pd.DataFrame({
            "contract_id": ["k1", "k1", "k2", "k3", "k4", "k4", "k4", "k5", "k6"],
            "product_id": ["P1", "P2", "P1", "P1", "P1", "P2", "P3", "P2", "P1"],
            "quantity": [5.0, 1, 1, 1, 1, 1, 1, 1, 1], "amount": [50.0, 50, 100, 50, 500 / 3,
                                                                  500 / 3, 500 / 3, 30, 70],
            "line_no": [1, 2, 1, 1, 1, 2, 3, 1, 1]}),
        "payments": pd.DataFrame({
            "payment_id": ["p1", "p2", "p3", "p4", "p5"],
            "contract_id": ["k1", "k6", "k4", "k2", "k3"],
            "paid_at": ["2024-03-02", "2024-03-03", "2024-03-25", "2024-03-30", "2024-04-02"],
            "amount": [60.0, 20.0, 40.0, 10.0, 5.0],
            "status": ["approved", "approved", "approved", "pending", "approved"]}),
        "activities": pd.DataFrame({
            "activity_id": [f"a{i}" for i in range(1, 8)],
            "employee_id": ["e1", "e1", "e1", "e2", "e2", "e3", "e4"],
            "at": ["2024-03-02", "2024-03-03", "2024-03-04", "2024-03-05", "2024-03-06",
                   "2024-03-07", "2024-02-01"],
            "customer_id": ["c1", "c1", "c2", "c3", None, "c5", "c1"],
            "kind": ["follow_up", "follow_up", "follow_up", "sign_in", "follow_up", "follow_up",
                     "follow_up"]}),
        "targets": pd.DataFrame({
            "owner_type": ["employee", "employee", "employee", "employee", "team", "employee"],
            "owner_id": ["e1", "e2", "e3", "e3", "east", "e1"],
            "metric": ["contract_amount"] * 5 + ["payment_amount"],
            "month": ["2024-03-01", "2024-03-01", "2024-02-01", "2024-03-01", "2024-03-01",
                      "2024-03-01"],
            "value": [200.0, 0.0, 100.0, 50.0, 1000.0, 160.0]}),
    }


def board(crm, metric, period=MARCH, **kw):
    return metrics.leaderboard(crm, metric=metric, period=period, **kw)


def test_contract_amount_ties_share_a_rank(crm):
    b = board(crm, "contract_amount")
    assert list(b.columns[:4]) == ["rank", "employee_id", "name", "value"]
    # e1 k1 100, e2 k2 100 (tie), e3 k3 50 (k4 void), e4 k5 30 (no status = effective; e4 has
    # left but has a value), x9 k8 10 (not in employees: shown by id), e5 0 (k7 is April 1)
    assert b["employee_id"].tolist() == ["e1", "e2", "e3", "e4", "x9", "e5"]
    assert b["rank"].tolist() == [1, 1, 3, 4, 5, 6]  # competition ranking, like RANK()
    assert b["value"].tolist() == [100, 100, 50, 30, 10, 0]
    assert b.loc[4, "name"] == "x9" and pd.isna(b.loc[4, "team"])
    # targets: e1 March 200 -> 0.5; e2 target 0 -> no target; e3 March 50 -> 1.0 (February's
    # 100 is outside March); the team row for east is not an employee target
    t = b.set_index("employee_id")
    assert t.loc["e1", "target"] == 200 and t.loc["e1", "completion"] == 0.5
    assert math.isnan(t.loc["e2", "target"]) and math.isnan(t.loc["e2", "completion"])
    assert t.loc["e3", "completion"] == 1.0
    assert t[["target", "completion"]].loc[["e4", "x9", "e5"]].isna().all().all()
    assert (b["missing"] == 0).all()


def test_contracts_count_and_top_keeps_ties(crm):
    b = board(crm, "contracts")
    assert b["rank"].tolist() == [1, 1, 1, 1, 1, 6]  # e1 e2 e3 e4 x9 one each; e5 none
    top = board(crm, "contract_amount", top=1)
    assert top["employee_id"].tolist() == ["e1", "e2"]  # both share rank 1


def test_payments_credited_to_contract_owner(crm):
    b = board(crm, "payments")
    # e1: p1 60 + p2 20 (its contract k6 was signed in February) = 80; e3: p3 40 on the void
    # k4 (the payment itself is approved); p4 pending; p5 in April. e4 has left and has no
    # payment: not shown. e2 and e5: 0, tied.
    assert b["employee_id"].tolist() == ["e1", "e3", "e2", "e5"]
    assert b["value"].tolist() == [80, 40, 0, 0]
    assert b["rank"].tolist() == [1, 2, 3, 3]
    assert b.loc[0, "target"] == 160 and b.loc[0, "completion"] == 0.5  # payment_amount


def test_counts_by_owner_and_writer(crm):
    nc = board(crm, "new_customers")  # e1 c1, c2 (23:59 on the last day); e2 c3; c4 no owner
    assert dict(zip(nc.employee_id, nc.value, strict=True)) == {"e1": 2, "e2": 1, "e3": 0,
                                                                "e5": 0}
    assert nc["rank"].tolist() == [1, 2, 3, 3]
    ct = board(crm, "new_contacts")  # x1, x2 by e2; x3 is January
    assert ct.iloc[0][["employee_id", "value", "rank"]].tolist() == ["e2", 2, 1]
    assert ct["value"].sum() == 2
    fu = board(crm, "followups")  # e1 a1 a2 a3; e2 a5 (a4 is a sign-in); e3 a6; a7 February
    assert dict(zip(fu.employee_id, fu.value, strict=True)) == {"e1": 3, "e2": 1, "e3": 1,
                                                                "e5": 0}
    assert fu["rank"].tolist() == [1, 2, 2, 4]
    cf = board(crm, "customers_followed_up")  # e1 {c1, c2}; e3 {c5}; e2's a5 has no customer
    assert dict(zip(cf.employee_id, cf.value, strict=True)) == {"e1": 2, "e3": 1, "e2": 0,
                                                                "e5": 0}
    pl = board(crm, "product_lines")  # lines on effective March contracts: k1 2, k2 1, k3 1,
    # k5 1 (k4 void, k6 February); quantity does not matter (k1's 5 units count once)
    assert dict(zip(pl.employee_id, pl.value, strict=True)) == {"e1": 2, "e2": 1, "e3": 1,
                                                                "e4": 1, "e5": 0}
    assert pl["rank"].tolist() == [1, 2, 2, 2, 5]


def test_completion_sums_the_months_the_period_touches(crm):
    b = board(crm, "contract_amount", period=("2024-02-15", "2024-03-10")).set_index(
        "employee_id")
    # values: e1 k6 70 + k1 100 = 170; e2 k2 100; e3 0; e5 0; e4 (left, no value) absent.
    assert b["value"].to_dict() == {"e1": 170, "e2": 100, "x9": 10, "e3": 0, "e5": 0}
    assert b.loc["e1", "target"] == 200 and b.loc["e1", "completion"] == 0.85  # no Feb row
    assert b.loc["e3", "target"] == 150 and b.loc["e3", "completion"] == 0.0  # Feb + Mar
    week = board(crm, "contract_amount", period=("2024-03-04", "2024-03-10"))
    assert week.set_index("employee_id").loc["e1", "completion"] == 0.5  # 100 / March 200


def test_empty_period_everyone_active_ties_at_zero(crm):
    b = board(crm, "contract_amount", period=("2025-01-01", "2025-01-31"))
    assert b["employee_id"].tolist() == ["e1", "e2", "e3", "e5"]  # active ones; e4 has left
    assert (b["value"] == 0).all() and (b["rank"] == 1).all()
    assert b["completion"].isna().all()  # no targets in 2025: "no target", never 100 %
    s = metrics.leaderboard_summary(crm, period=("2025-01-01", "2025-01-31"))
    assert s["leader"].isna().all() and s["available"].all()


def test_scope_ranks_within_it(crm):
    east = board(crm, "contract_amount", scope=resolve_scope(crm, team="east"))
    assert east["employee_id"].tolist() == ["e1", "e2", "e5"]
    assert east["rank"].tolist() == [1, 1, 3]
    west = board(crm, "contract_amount", scope=resolve_scope(crm, team="west"))
    assert west[["employee_id", "rank"]].values.tolist() == [["e3", 1], ["e4", 2]]


def test_my_rank(crm):
    me = metrics.my_rank(crm, metric="contract_amount", period=MARCH, employee_id="e5")
    assert me[["rank", "value", "out_of", "within"]].iloc[0].tolist() == [6, 0, 6, "company"]
    west = metrics.my_rank(crm, metric="contract_amount", period=MARCH, employee_id="e4",
                           within="team")
    assert west[["rank", "out_of"]].iloc[0].tolist() == [2, 2]  # e3 50, e4 30
    # e4 has left and has no payment: still ranked when asked for, with 0 (tied with e2, e5)
    gone = metrics.my_rank(crm, metric="payments", period=MARCH, employee_id="e4")
    assert gone[["rank", "value", "out_of"]].iloc[0].tolist() == [3, 0, 5]
    with pytest.raises(ParamsError, match="did you mean `e1`"):
        metrics.my_rank(crm, metric="payments", period=MARCH, employee_id="e11")
    with pytest.raises(ParamsError, match="`within`"):
        metrics.my_rank(crm, metric="payments", period=MARCH, employee_id="e1", within="world")


def test_ranking_scope(crm):
    me = resolve_scope(crm, employee="e4")
    assert metrics.ranking_scope(crm, me).employee_ids is None  # company
    assert metrics.ranking_scope(crm, me, within="team").employee_ids == ("e3", "e4")
    east = resolve_scope(crm, team="east")
    assert metrics.ranking_scope(crm, east) is east


def test_summary_with_my_rank(crm):
    s = metrics.leaderboard_summary(crm, period=MARCH, employee_id="e5").set_index("metric")
    assert list(s.index) == list(metrics.LEADERBOARD_METRICS)
    assert s.loc["contract_amount", "leader"] == "A, B"  # tie: both named
    assert s.loc["contract_amount", ["leader_value", "ranked", "my_rank", "my_value"]
                 ].tolist() == [100, 6, 6, 0]
    assert s.loc["new_contacts", "leader"] == "B"
    assert math.isnan(s.loc["contract_amount", "my_completion"])  # e5 has no target
    with pytest.raises(ParamsError, match="not in the team east"):
        metrics.leaderboard_summary(crm, period=MARCH, employee_id="e3",
                                    scope=resolve_scope(crm, team="east"))


def test_unknown_metric_and_period(crm):
    with pytest.raises(ParamsError, match="did you mean `contract_amount`"):
        board(crm, "contract_amonut")
    with pytest.raises(ParamsError, match="not a preset name"):
        board(crm, "contracts", period=42)
    with pytest.raises(ParamsError, match="did you mean `this_month`"):
        board(crm, "contracts", period="this_mnth")


def test_period_forms_agree(crm):
    a = board(crm, "contract_amount", period="this_month")  # as_of = last event 2024-04-02
    b = board(crm, "contract_amount", period=("2024-04-01", "2024-04-30"))
    pd.testing.assert_frame_equal(a, b)
    assert a.iloc[0][["employee_id", "value"]].tolist() == ["e5", 40]


def test_missing_tables_say_not_available():
    f = frames()
    small = from_frames({k: f[k] for k in ("employees", "customers", "contracts")})
    for metric, table in [("payments", "payments"), ("new_contacts", "contacts"),
                          ("followups", "activities"), ("customers_followed_up", "activities"),
                          ("product_lines", "contract_lines")]:
        b = board(small, metric)
        assert b.empty and b.attrs["available"] is False and b.attrs["missing_table"] == table
        assert list(b.columns) == metrics.COLUMNS
        assert metrics.my_rank(small, metric=metric, period=MARCH, employee_id="e1").empty
    b = board(small, "contract_amount")  # no targets table: completion undefined
    assert b["value"].sum() == 290 and b["target"].isna().all()
    s = metrics.leaderboard_summary(small, period=MARCH).set_index("metric")
    assert s.loc["payments", "available"] == False  # noqa: E712
    assert s.loc["contracts", "leader"] == "A, B, C, D, x9"


def test_plot_top_n_and_highlight(crm):
    b = board(crm, "contract_amount")
    ax = plots.leaderboard(b, label="Contract amount", top=2, highlight="e5", amount=True).axes[0]
    bars = ax.patches
    assert len(bars) == 3  # e1, e2, then e5 (rank 6) added for "my rank"
    assert [tl.get_text() for tl in ax.get_yticklabels()] == ["1. A", "1. B", "6. E"]
    assert bars[2].get_facecolor() != bars[0].get_facecolor()
    assert plots.is_not_available_figure(plots.leaderboard(board(from_frames({k: v for k, v in frames().items()
                                                if k != "payments"}), "payments"),
                             label="x"))


def test_tables_and_summary_view(crm):
    b = board(crm, "contract_amount")
    text = repr(plots.leaderboard_table(b, "en", top=2, highlight="e3"))
    assert text.splitlines() == [
        "Rank | Employee | Team | Value | Target | Completion",
        "1 | A | east | 100.00 | 200.00 | 50.0%",
        "1 | B | east | 100.00 | no target | no target",
        "3 | C | west | 50.00 | 50.00 | 100.0%"]
    small = from_frames({k: v for k, v in frames().items() if k != "activities"})
    na = plots.leaderboard_table(board(small, "followups"), "zh")
    assert repr(na) == "无法统计：数据中没有 `activities` 表。"
    s = metrics.leaderboard_summary(crm, period=MARCH, employee_id="e5")
    lines = repr(plots.leaderboard_summary_view(s, "en", employee_name="E")).splitlines()
    assert lines[0] == "Metric | Leader | Value | Rank of E | Their value | Completion"
    assert lines[1] == "Contract amount | A, B | 100.00 | 6 of 6 | 0.00 | —"
    zh = repr(plots.leaderboard_summary_view(metrics.leaderboard_summary(small, period=MARCH),
                                             "zh"))
    assert "跟进次数排行" not in zh and "无法统计（缺少数据表）" in zh


def test_labels_exist_in_both_languages():
    for m in metrics.LEADERBOARD_METRICS:
        for key in (plots.LEADERBOARD_LABELS[m], f"lb_board_{m}", f"note_lb_{m}"):
            assert CATALOGUE[key]["en"] and CATALOGUE[key]["zh"], key


# -- Maven: checked against the CSV with plain pandas ----------------------------------------
def test_maven_top_agent_by_contract_amount(maven_crm):
    from crmlib.config import SHARED_DATASETS

    sp = pd.read_csv(SHARED_DATASETS / "maven_crm" / "sales_pipeline.csv",
                     parse_dates=["close_date"])
    won = sp[(sp["deal_stage"] == "Won") & (sp["close_date"] >= "2017-01-01")
             & (sp["close_date"] <= "2017-12-31")]
    per_agent = won.groupby("sales_agent")["close_value"].sum().sort_values(ascending=False)
    b = metrics.leaderboard(maven_crm, metric="contract_amount",
                            period=("2017-01-01", "2017-12-31"))
    top = b[b["rank"] == 1]
    assert len(top) == 1
    assert top.iloc[0]["employee_id"] == per_agent.index[0]
    assert top.iloc[0]["value"] == pytest.approx(per_agent.iloc[0])
    # the whole board agrees, agent by agent (agents without a won deal show 0)
    got = b.set_index("employee_id")["value"]
    assert got[got > 0].sort_index().to_dict() == pytest.approx(per_agent.sort_index().to_dict())
    counts = metrics.leaderboard(maven_crm, metric="contracts",
                                 period=("2017-01-01", "2017-12-31")).set_index("employee_id")
    assert counts.loc[per_agent.index[0], "value"] == len(won[won["sales_agent"]
                                                              == per_agent.index[0]])


def test_maven_boards_without_tables_are_not_available(maven_crm):
    for metric in ("payments", "new_contacts", "followups", "customers_followed_up"):
        b = metrics.leaderboard(maven_crm, metric=metric, period=("2017-01-01", "2017-12-31"))
        assert b.empty and not b.attrs["available"]
    b = metrics.leaderboard(maven_crm, metric="contract_amount",
                            period=("2017-01-01", "2017-12-31"))
    assert b["completion"].isna().all()  # Maven has no targets


def test_notebook_runs_on_maven(maven_notebook):
    text = maven_notebook("50_leaderboards")
    assert "Not available: the data has no `activities` table." in text
    assert "Not available: the data has no `payments` table." in text
