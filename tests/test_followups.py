"""Follow-ups, forgotten customers and overdue contacts on tiny CRMs, counted by hand."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from crmlib import plots
from crmlib.data.connect import from_frames
from crmlib.exceptions import ParamsError
from crmlib.metrics import (
    TODO_COLUMNS,
    followup_activity,
    followup_summary,
    followups_by_channel,
    forgotten_counts,
    forgotten_customers,
    forgotten_overview,
    missing_followup_data,
    new_not_followed_up,
    todo_list,
    todo_threshold,
)
from crmlib.scope import resolve_scope

AS_OF = "2024-03-31"


def frames():
    return {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2"], "name": ["A", "B"],
                                   "team": ["east", "west"]}),
        "customers": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"],
            "name": list("abcdefghi"),
            "created_at": ["2024-01-01", "2024-01-01", "2023-06-01", "2024-01-01", "2024-02-01",
                           "2024-02-01", "2024-03-01", "2024-04-02", "2024-01-01"],
            "owner_id": ["e1", "e1", "e2", None, "e2", "e2", "e1", "e2", "e1"],
            "status": [None, None, None, None, "deleted", "active", None, None, None],
            "last_followup_at": [None, None, None, None, None, "2024-03-01", None, None, None],
            "next_followup_at": [None, None, None, None, None, "2024-03-15", None, None, None],
            "phone": ["13812345678", None, None, None, None, "13900001111", None, None, None],
            "email": ["zhang.wei@example.com", None, None, None, None, None, None, None, None]}),
        "contracts": pd.DataFrame({
            "contract_id": ["k3", "k9"], "customer_id": ["c3", "c9"], "owner_id": ["e2", "e1"],
            "signed_at": ["2024-01-10", "2024-04-10"], "amount": [1.0, 1.0],
            "status": ["approved", "approved"]}),
        "activities": pd.DataFrame({
            "activity_id": ["a1", "a2", "a3", "a4", "a5"],
            "employee_id": ["e1", "e2", "e1", "e1", "e1"],
            "at": ["2024-03-20 15:00", "2024-02-15", "2024-04-05", "2024-03-30", "2024-01-05"],
            "customer_id": ["c2", "c6", "c7", "c7", "c4"],
            "kind": ["follow_up", "follow_up", "follow_up", "sign_in", "follow_up"]}),
    }


def test_forgotten_customers(crm):
    # c1: never followed up, created 01-01 -> 90 days; c9 too (its deal comes after as_of).
    # c6: last follow-up 03-01 (its own field beats the 02-15 activity) -> 30, not above 30.
    # c7: only a sign-in before as_of -> 30 days since creation. Excluded: c3 dealt, c4 in the
    # pool, c5 deleted, c8 created after as_of.
    df = forgotten_customers(crm, days=30, as_of=AS_OF)
    assert df.columns[:4].tolist() == ["customer_id", "owner_id", "last_followup_at",
                                       "days_since"]
    assert df[["customer_id", "days_since"]].values.tolist() == [["c1", 90], ["c9", 90]]
    assert df["last_followup_at"].isna().all()
    week = forgotten_customers(crm, days=7, as_of=AS_OF).set_index("customer_id")
    assert week["days_since"].to_dict() == {"c1": 90, "c9": 90, "c6": 30, "c7": 30, "c2": 11}
    assert week.loc["c6", "last_followup_at"] == pd.Timestamp("2024-03-01")
    assert week.loc["c2", "last_followup_at"] == pd.Timestamp("2024-03-20 15:00")
    assert week["overdue"].to_dict() == {"c1": False, "c9": False, "c6": True, "c7": False,
                                         "c2": False}


def test_scoped_and_counts(crm):
    e2 = forgotten_customers(crm, days=7, as_of=AS_OF, scope=resolve_scope(crm, employee="e2"))
    assert e2["customer_id"].tolist() == ["c6"]
    counts = forgotten_counts(crm, as_of=AS_OF)
    assert counts["customers"].tolist() == [5, 4, 2, 0, 0, 1]  # 7, 15, 30, 90, 180, overdue
    assert counts["kind"].tolist()[-1] == "overdue"


def test_empty_and_bad(crm):
    assert forgotten_customers(crm, days=365, as_of=AS_OF).empty
    with pytest.raises(ValueError, match="`days` must be 0 or more"):
        forgotten_customers(crm, days=-1, as_of=AS_OF)


def test_same_on_postgres(crm, pg_url):
    from helpers import fresh_pg

    import crmlib
    from crmlib.data import store

    pg = fresh_pg(pg_url)
    for name in ("employees", "customers", "contracts", "activities"):
        store.upsert(pg, name, crm.table(name).execute())
    on_pg = forgotten_customers(crmlib.connect(pg), days=7, as_of=AS_OF)
    pd.testing.assert_frame_equal(on_pg, forgotten_customers(crm, days=7, as_of=AS_OF),
                                  check_dtype=False)


# --- the weekly "to do" list (same CRM as above) ---------------------------------------------

def test_todo_list(crm):
    # > 30 days: c1 and c9 (90 days each, never followed up, owner e1 "A"); overdue: c6 (e2
    # "B": planned 03-15, last follow-up 03-01, 30 days, so not forgotten at 30).
    df = todo_list(crm, days=30, as_of=AS_OF)
    assert df.columns.tolist() == TODO_COLUMNS
    assert df[["owner_name", "customer_id", "position", "owner_total"]].values.tolist() == [
        ["A", "c1", 1, 2], ["A", "c9", 2, 2], ["B", "c6", 1, 1]]
    assert df["forgotten"].tolist() == [True, True, False]
    assert df["overdue"].tolist() == [False, False, True]
    assert df["owner_forgotten"].tolist() == [2, 2, 0]
    assert df["owner_overdue"].tolist() == [0, 0, 1]
    # raw personal data in the metric result (masking is the display's job)
    assert df.loc[0, "phone"] == "13812345678"
    assert df.loc[0, "email"] == "zhang.wei@example.com"
    assert df.attrs["days"] == 30


def test_todo_list_order_scope_and_bad(crm):
    # at 7 days e1 has c1, c9 (90), c7 (30), c2 (11): longest first, ties by id; e2 only c6.
    df = todo_list(crm, days=7, as_of=AS_OF)
    assert df["customer_id"].tolist() == ["c1", "c9", "c7", "c2", "c6"]
    assert df["position"].tolist() == [1, 2, 3, 4, 1]
    top = todo_list(crm, days=7, as_of=AS_OF, top=2)  # each owner's first 2; counts of all
    assert top["customer_id"].tolist() == ["c1", "c9", "c6"]
    assert top["owner_total"].tolist() == [4, 4, 1]
    e2 = todo_list(crm, days=7, as_of=AS_OF, scope=resolve_scope(crm, employee="e2"))
    assert e2["customer_id"].tolist() == ["c6"]
    assert todo_list(crm, days=365, as_of="2024-03-10").empty  # c6 not yet overdue then
    with pytest.raises(ValueError, match="`days` must be 0 or more"):
        todo_list(crm, days=-5, as_of=AS_OF)


def test_reused_follow_ups_give_the_same_lists(crm):
    # dashboards keep every customer's last follow-up per as-of day in a temporary table
    # (CRM.reuse) and filter it per scope; reports aggregate the scope's follow-ups each time
    scopes = [None, resolve_scope(crm, employee="e1"), resolve_scope(crm, team="west")]
    cases = [(s, day) for s in scopes for day in (AS_OF, "2024-03-10")]
    plain = [(forgotten_counts(crm, as_of=d, scope=s), todo_list(crm, days=7, as_of=d, scope=s))
             for s, d in cases]
    crm.reuse_intermediates = True
    try:
        for (s, d), (counts, todo) in zip(cases, plain, strict=True):
            pd.testing.assert_frame_equal(forgotten_counts(crm, as_of=d, scope=s), counts)
            pd.testing.assert_frame_equal(todo_list(crm, days=7, as_of=d, scope=s), todo)
        assert len(crm._kept) == 2  # one table per as-of day, shared by the three scopes
    finally:
        crm.reuse_intermediates = False
        crm._kept.clear()


def test_overdue_listed_first(crm):
    # at 7 days as of 04-01, e2's c6 (overdue) stays first; a second e2 customer would follow.
    # here e1's rows are all not overdue, so the overdue-first rule shows on e2 only: check that
    # an overdue customer with fewer days since comes before a longer-forgotten one.
    frames = {"employees": pd.DataFrame({"employee_id": ["e1"], "name": ["A"], "team": ["t"]}),
              "customers": pd.DataFrame({
                  "customer_id": ["x1", "x2"], "name": ["x1", "x2"],
                  "created_at": ["2024-01-01", "2024-01-01"], "owner_id": ["e1", "e1"],
                  "last_followup_at": [None, "2024-03-20"],
                  "next_followup_at": [None, "2024-03-25"]}),
              "contracts": pd.DataFrame({"contract_id": [], "customer_id": [], "owner_id": [],
                                         "signed_at": [], "amount": []})}
    df = todo_list(from_frames(frames), days=7, as_of=AS_OF)
    # x2: 11 days, overdue (planned 03-25 passed); x1: 90 days, never followed up
    assert df["customer_id"].tolist() == ["x2", "x1"]


@pytest.mark.parametrize("days, expected", [
    ((7, 15, 30, 90, 180), 30), ([7, 15, 60], 15), ([60, 7, 90], 60), ([3, 7], 7), ([30], 30)])
def test_todo_threshold(days, expected):
    # 30 when listed, else the smallest above 7, else the largest
    assert todo_threshold(days) == expected


@pytest.mark.parametrize("bad", [[], None, [7, -1]])
def test_todo_threshold_bad(bad):
    with pytest.raises(ParamsError, match="forgotten_days"):
        todo_threshold(bad)


# --- follow-up activity, channels, new customers not followed up ------------------------------

MARCH = ("2024-03-01", "2024-03-31")


@pytest.fixture(scope="module")
def fu():
    return from_frames({
        "employees": pd.DataFrame({
            "employee_id": ["e1", "e2", "e3", "e4", "e5"], "name": ["A", "B", "C", "D", "E"],
            "team": ["east", "east", "west", "east", "west"],
            "active": [True, True, False, True, False]}),
        "customers": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3", "n1", "n2", "n3", "n4", "n5", "n6", "n7"],
            "name": ["c1", "c2", "c3", "n1", "n2", "n3", "n4", "n5", "n6", "n7"],
            "created_at": ["2024-03-01", "2024-02-01", "2024-03-02", "2024-03-10", "2024-03-12",
                           "2024-03-15", "2024-03-20", "2024-03-20", "2024-03-25",
                           "2024-04-01"],
            "owner_id": ["e1", "e1", "e3", "e1", None, "e2", "e2", "e2", "e1", "e1"],
            "status": [None, None, None, None, None, "deleted", None, None, None, None],
            "phone": [None, None, None, "13812345678", None, None, None, None, None, None],
            "email": [None, None, None, "zhang.wei@example.com", None, None, None, None, None,
                      None],
            "last_followup_at": [None] * 6 + ["2024-03-25"] + [None] * 3,
            "next_followup_at": [None] * 6 + ["2024-03-28"] + [None] * 3}),
        "contracts": pd.DataFrame({
            "contract_id": ["k1"], "customer_id": ["c2"], "owner_id": ["e1"],
            "signed_at": ["2024-06-01"], "amount": [1.0], "status": ["approved"]}),
        "activities": pd.DataFrame({
            "activity_id": [f"f{i}" for i in range(1, 12)],
            "employee_id": ["e1", "e1", "e1", "e2", "e2", "e1", "e3", "e1", "e2", "e1", "e2"],
            "at": ["2024-03-04 10:00", "2024-03-04 15:00", "2024-03-05", "2024-03-05",
                   "2024-03-06", "2024-03-06", "2024-03-10", "2024-02-28", "2024-04-01",
                   "2024-03-31 23:00", "2024-04-02"],
            "customer_id": ["c1", "c1", "c2", "c1", None, "c2", "c3", "c2", "c1", "c3", "n6"],
            "kind": ["follow_up"] * 5 + ["sign_in"] + ["follow_up"] * 5,
            "channel": ["phone", "visit", "phone", None, "phone", "visit", " ", "phone", "phone",
                        "wechat", "phone"]}),
    })


def test_followup_activity_by_bucket(fu):
    # March by day. In the period: f1, f2 (03-04, both c1), f3 (03-05 c2), f4 (03-05 c1), f5
    # (03-06, a lead: no customer), f7 (03-10 c3), f10 (03-31 23:00 c3). f6 is a sign-in, f8
    # before and f9, f11 after the period.
    df = followup_activity(fu, period=MARCH)
    assert df.columns.tolist() == ["bucket", "count", "customers"]
    assert len(df) == 31 and int(df["count"].sum()) == 7
    got = df[df["count"] > 0].set_index(df["bucket"][df["count"] > 0].dt.day)
    assert got["count"].to_dict() == {4: 2, 5: 2, 6: 1, 10: 1, 31: 1}
    assert got["customers"].to_dict() == {4: 1, 5: 2, 6: 0, 10: 1, 31: 1}
    assert df.attrs["total"] == {"count": 7, "customers": 3}  # c1, c2, c3
    assert df.attrs["available"] is True


def test_followup_activity_by_employee(fu):
    # e1: f1, f2, f3, f10 -> 4, customers c1, c2, c3; e2: f4, f5 -> 2, c1; e3 (inactive, has
    # one) f7 -> 1, c3; e4 active without any -> 0; e5 inactive without any -> not listed.
    df = followup_activity(fu, period=MARCH, by="employee_id")
    assert df.columns.tolist() == ["employee_id", "name", "team", "count", "customers"]
    assert df[["employee_id", "count", "customers"]].values.tolist() == [
        ["e1", 4, 3], ["e2", 2, 1], ["e3", 1, 1], ["e4", 0, 0]]
    east = followup_activity(fu, period=MARCH, by="employee_id",
                             scope=resolve_scope(fu, team="east"))
    assert east["employee_id"].tolist() == ["e1", "e2", "e4"]
    # the total counts c1 once although e1 and e2 both followed it up: 3, not 4
    assert east.attrs["total"] == {"count": 6, "customers": 3}
    with pytest.raises(ParamsError, match="`by`"):
        followup_activity(fu, period=MARCH, by="team")


def test_followups_by_channel(fu):
    # phone f1, f3, f5 -> 3 (customers c1, c2); visit f2 -> 1; wechat f10 -> 1; no channel
    # (f4 None, f7 blank) -> unknown 2 (c1, c3), listed last. Total 7.
    df = followups_by_channel(fu, period=MARCH)
    assert df.columns.tolist() == ["channel", "count", "customers", "share"]
    assert df[["channel", "count", "customers"]].values.tolist() == [
        ["phone", 3, 2], ["visit", 1, 1], ["wechat", 1, 1], ["unknown", 2, 2]]
    assert df["share"].tolist() == pytest.approx([3 / 7, 1 / 7, 1 / 7, 2 / 7])
    assert df.attrs["total"] == 7
    e2 = followups_by_channel(fu, period=MARCH, scope=resolve_scope(fu, employee="e2"))
    assert e2[["channel", "count"]].values.tolist() == [["phone", 1], ["unknown", 1]]
    assert followups_by_channel(fu, period=("2023-01-01", "2023-01-31")).empty


def test_new_not_followed_up(fu):
    # Created in March: c1, c3 (followed up), n1, n2 (pool), n3 (deleted), n4 (its own
    # last_followup_at 03-25), n5 (a sign-in only), n6 (followed up 04-02, after as_of).
    # n7 is created in April. Days waiting to 03-31: n1 21, n2 19, n5 11, n6 6.
    df = new_not_followed_up(fu, period=MARCH, as_of="2024-03-31")
    assert df[["customer_id", "days_waiting"]].values.tolist() == [
        ["n1", 21], ["n2", 19], ["n5", 11], ["n6", 6]]
    assert df.loc[0, "owner_name"] == "A" and df.loc[1, "owner_id"] is None
    assert df.loc[0, "phone"] == "13812345678"
    east = new_not_followed_up(fu, period=MARCH, as_of="2024-03-31",
                               scope=resolve_scope(fu, team="east"))
    assert east["customer_id"].tolist() == ["n1", "n5", "n6"]  # the pool's n2 is nobody's
    later = new_not_followed_up(fu, period=MARCH, as_of="2024-04-05")  # n6 now followed up
    assert later[["customer_id", "days_waiting"]].values.tolist() == [
        ["n1", 26], ["n2", 24], ["n5", 16]]


def test_followup_summary(fu):
    # 7 follow-ups, 3 customers, 4 new waiting. Days since the last follow-up on 03-31: c1 26
    # (f4 03-05), c2 26 (f3), n1 21, n5 11, n4 6, n6 6, c3 0 -> none above 30, three above 20
    # (c1, c2, n1). Overdue: n4 (planned 03-28 after its last follow-up 03-25).
    s = followup_summary(fu, period=MARCH, as_of="2024-03-31")
    assert s["metric"].tolist() == ["followups", "customers_followed_up",
                                    "new_customers_not_followed_up", "forgotten", "overdue"]
    assert s["value"].tolist() == [7, 3, 4, 0, 1]
    assert followup_summary(fu, period=MARCH, as_of="2024-03-31", days=20)["value"].tolist() \
        == [7, 3, 4, 3, 1]


def test_without_activities():
    # no activities table: the follow-up figures are not available; the forgotten ones only
    # when customers carry a last_followup_at
    base = {"employees": pd.DataFrame({"employee_id": ["e1"], "name": ["A"], "team": ["t"]}),
            "contracts": pd.DataFrame({"contract_id": [], "customer_id": [], "owner_id": [],
                                       "signed_at": [], "amount": []})}
    cust = pd.DataFrame({"customer_id": ["c1", "c2"], "name": ["a", "b"],
                         "created_at": ["2024-01-01", "2024-03-01"], "owner_id": ["e1", "e1"]})
    bare = from_frames({**base, "customers": cust})
    assert missing_followup_data(bare) == "activities"
    for df in (followup_activity(bare, period=MARCH),
               followup_activity(bare, period=MARCH, by="employee_id"),
               followups_by_channel(bare, period=MARCH),
               new_not_followed_up(bare, period=MARCH, as_of="2024-03-31"),
               forgotten_overview(bare, as_of="2024-03-31"),
               todo_list(bare, days=30, as_of="2024-03-31")):
        assert df.empty and df.attrs == {"available": False, "missing_table": "activities",
                                         "reason": "missing_table"}
    s = followup_summary(bare, period=MARCH, as_of="2024-03-31")
    assert all(math.isnan(v) for v in s["value"])
    # with a last_followup_at on c1 (03-01 -> 30 days): c2, never followed up, created 03-01
    # -> 30 days too; at 7 days both are forgotten, at 30 none.
    known = from_frames({**base, "customers": cust.assign(
        last_followup_at=["2024-03-01", None])})
    assert missing_followup_data(known) is None
    ov = forgotten_overview(known, as_of="2024-03-31", thresholds=[30, 7])
    assert ov["days"].tolist()[:2] == [7, 30] and pd.isna(ov["days"].iloc[2])
    assert ov["customers"].tolist() == [2, 0, 0]
    assert todo_list(known, days=7, as_of="2024-03-31")["customer_id"].tolist() == ["c1", "c2"]


# --- report display: masking, lists, charts --------------------------------------------------

def test_todo_table_masks_by_default(crm):
    df = todo_list(crm, days=30, as_of=AS_OF)
    text = repr(plots.todo_table(df, "en", top=1))
    assert "138****5678" in text and "z***@example.com" in text
    assert "13812345678" not in text and "zhang.wei" not in text
    assert "== A: 2 customers (2 not followed up for more than 30 days, 0 overdue); first 1 " \
           "shown" in text
    assert "| i |" not in text  # c9 (named i), A's second row, is beyond top=1
    assert "2024-03-15 (overdue)" in text  # c6's planned contact
    full = repr(plots.todo_table(df, "en", top=5, mask=False))
    assert "13812345678" in full and "zhang.wei@example.com" in full
    assert "| i |" in full
    zh = repr(plots.todo_table(df, "zh", top=5))
    assert "从未跟进" in zh and "已逾期" in zh
    # the metric frame itself is left unmasked
    assert df.loc[0, "phone"] == "13812345678"


def test_report_tables_and_charts(fu):
    waiting = new_not_followed_up(fu, period=MARCH, as_of="2024-03-31")
    text = repr(plots.new_customers_table(waiting, "en", top=2))
    assert "138****5678" in text and "public pool" in text and "2 of 4 shown." in text
    emp = followup_activity(fu, period=MARCH, by="employee_id")
    assert repr(plots.followup_employee_table(emp, "en")).splitlines()[-1] == "Total |  | 7 | 3"
    assert plots.unavailable_note(emp, "en") is None
    empty = followups_by_channel(fu, period=("2023-01-01", "2023-01-31"))
    assert repr(plots.unavailable_note(empty, "en")) == "No data for this period."
    assert plots.is_not_available_figure(plots.channel_bars(empty))
    ax = plots.channel_bars(followups_by_channel(fu, period=MARCH), lang="zh").axes[0]
    assert [x.get_text() for x in ax.get_yticklabels()] == ["电话", "拜访", "微信", "未知"]
    assert ax.texts[0].get_text() == "3 (42.9%)"
    ax = plots.forgotten_bars(forgotten_overview(fu, as_of="2024-03-31"), lang="en").axes[0]
    assert [x.get_text() for x in ax.get_xticklabels()][-2:] == ["> 180 days", "Overdue"]
    assert not plots.is_not_available_figure(plots.followup_trend(followup_activity(fu, period=MARCH),
                                labels={"count": "n", "customers": "c"}))
    plt.close("all")


def test_not_available_display():
    bare = from_frames({
        "employees": pd.DataFrame({"employee_id": ["e1"], "name": ["A"], "team": ["t"]}),
        "customers": pd.DataFrame({"customer_id": ["c1"], "name": ["a"],
                                   "created_at": ["2024-01-01"], "owner_id": ["e1"]}),
        "contracts": pd.DataFrame({"contract_id": [], "customer_id": [], "owner_id": [],
                                   "signed_at": [], "amount": []})})
    todo = todo_list(bare, days=30, as_of="2024-03-31")
    assert repr(plots.todo_table(todo, "en")) == \
        "Not available: the data has no `activities` table."
    assert "无法统计" in repr(plots.unavailable_note(todo, "zh"))
    assert plots.is_not_available_figure(plots.forgotten_bars(forgotten_overview(bare, as_of="2024-03-31")))
    assert plots.is_not_available_figure(plots.followup_trend(followup_activity(bare, period=MARCH),
                                labels={"count": "n", "customers": "c"}))


def test_new_functions_same_on_postgres(fu, pg_url):
    from helpers import fresh_pg

    import crmlib
    from crmlib.data import store

    pg = fresh_pg(pg_url)
    for name in ("employees", "customers", "contracts", "activities"):
        store.upsert(pg, name, fu.table(name).execute())
    on_pg = crmlib.connect(pg)
    for f in (lambda c: todo_list(c, days=7, as_of="2024-03-31"),
              lambda c: followup_activity(c, period=MARCH),
              lambda c: followup_activity(c, period=MARCH, by="employee_id"),
              lambda c: followups_by_channel(c, period=MARCH),
              lambda c: new_not_followed_up(c, period=MARCH, as_of="2024-03-31"),
              lambda c: forgotten_counts(c, as_of="2024-03-31")):  # no bool-to-bigint cast
        pd.testing.assert_frame_equal(f(on_pg), f(fu), check_dtype=False)


# --- Maven: no activities, the notebook still runs -------------------------------------------

def test_maven_not_available(maven_crm):
    from crmlib.config import SHARED_DATASETS

    # independent of crmlib: the Maven files hold no follow-up records and no account owner
    accounts = pd.read_csv(SHARED_DATASETS / "maven_crm" / "accounts.csv")
    assert not any("follow" in c or "owner" in c or "agent" in c for c in accounts.columns)
    assert len(accounts) == 85
    assert missing_followup_data(maven_crm) == "activities"
    s = followup_summary(maven_crm, period=("2017-01-01", "2017-12-31"), as_of="2017-12-31")
    assert all(math.isnan(v) for v in s["value"])


def test_notebook_on_maven(maven_notebook):
    text = maven_notebook("65_followups")
    # trend, by employee, by channel, new customers, forgotten, to-do: six sections
    assert text.count("Not available: the data has no `activities` table.") >= 6
