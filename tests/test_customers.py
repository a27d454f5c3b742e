"""Customers topic on a tiny CRM, every number worked out by hand; Maven checked with pandas."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crmlib import metrics, plots
from crmlib.data.connect import from_frames
from crmlib.exceptions import ParamsError
from crmlib.i18n import CATALOGUE
from crmlib.metrics.customers import OTHER
from crmlib.scope import resolve_scope

MARCH = ("2024-03-01", "2024-03-31")
AS_OF = "2024-04-10"


def frames():
    # March cohort (created 2024-03-01..31, not deleted): c1 c2 c4 c5 c7 c8 c9 = 7 customers.
    # Dealt by 2024-04-10: c1 (12 days), c4 (0: same day), c7 (10: 03-31 23:59 -> 04-10 12:00,
    # on the as-of day), c8 (dealt before created: counted as 0), c9 (4) = 5. c2 deals after
    # as_of; c5 sits in the pool; c3 is deleted (left out); c6 was created in February.
    # p1..p5 are old customers for the public pool.
    cust = [
        # id, created, owner, status, dealt_at, province, city
        ("c1", "2024-03-01 10:00", "e1", "active", "2024-03-13 09:00", "江苏省", "苏州市"),
        ("c2", "2024-03-02", "e1", None, "2024-04-20", "江苏省", "苏州市"),
        ("c3", "2024-03-05", "e2", "deleted", "2024-03-06", "浙江省", "杭州市"),
        ("c4", "2024-03-15", "e2", "active", "2024-03-15 23:00", "浙江省", "杭州市"),
        ("c5", "2024-03-20", None, "active", None, "江苏省", "南京市"),
        ("c6", "2024-02-28", "e1", "active", "2024-03-01", "江苏省", "南京市"),
        ("c7", "2024-03-31 23:59", "e3", "active", "2024-04-10 12:00", "江苏省", "南京市"),
        ("c8", "2024-03-10", "e2", "locked", "2024-03-05", None, None),
        ("c9", "2024-03-25", "e3", "active", "2024-03-29", "上海市", "上海市"),
        ("p1", "2023-01-01", None, "active", None, None, None),
        ("p2", "2023-06-01", None, "active", None, None, None),
        ("p3", "2022-01-01", None, "deleted", None, None, None),
        ("p4", "2022-01-01", "e1", "active", None, None, None),
        ("p5", "2021-01-01", None, "active", None, None, None),
        ("p6", "2024-04-15", None, "active", None, None, None),
    ]
    customers = pd.DataFrame(cust, columns=["customer_id", "created_at", "owner_id", "status",
                                            "dealt_at", "province", "city"])
    customers["name"] = customers["customer_id"]
    con = [
        # id, customer, status, signed_at
        ("k0", "c1", "pending", "2024-03-10"),  # earlier but not effective: ignored
        ("k1", "c1", "approved", "2024-03-13 09:00"),
        ("k2", "c4", "approved", "2024-03-15 23:00"),
        ("k3", "c4", "approved", "2024-03-20"),  # not the first: ignored
        ("k4", "c7", None, "2024-04-10 12:00"),
        ("k5", "c9", "approved", "2024-03-29"),
        ("k6", "c9", "approved", "2024-03-29"),  # same time as k5: k5 wins (smaller id)
        ("k7", "c2", "pending", "2024-03-20"),  # no lines
    ]
    contracts = pd.DataFrame(con, columns=["contract_id", "customer_id", "status", "signed_at"])
    contracts["owner_id"], contracts["amount"] = "e1", 100.0
    lines = pd.DataFrame({
        "contract_id": ["k0", "k1", "k1", "k1", "k2", "k3", "k4", "k5", "k6"],
        "product_id": ["P3", "P1", "P2", "P1", "P1", "P2", "P2", "P3", "P1"],
        "quantity": 1.0, "amount": 10.0,
        "line_no": [1, 1, 2, 3, 1, 1, 1, 1, 1]})
    moves = [
        # p1 goes back and forth; p4 in and out again; c3 is deleted (left out)
        ("p1", "2024-03-03 09:00", "e1", None, "pool_in"),
        ("p1", "2024-03-08", None, "e2", "pool_out"),
        ("p1", "2024-03-12", "e2", None, "pool_in"),
        ("p4", "2024-03-05", "e1", None, "pool_in"),
        ("p4", "2024-03-06", None, "e1", "pool_out"),
        ("p4", "2024-03-07", "e1", "e3", "reassign"),
        ("c3", "2024-03-05", "e2", None, "pool_in"),
        ("p2", "2023-12-01", "e3", None, "pool_in"),
        ("p5", "2023-01-01", "e2", None, "pool_in"),
    ]
    owner_changes = pd.DataFrame(moves, columns=["customer_id", "changed_at", "from_owner_id",
                                                 "to_owner_id", "reason"])
    visits = pd.DataFrame([
        # id, customer, at, score, employee, contract, product
        ("v1", "c1", "2024-03-05", 5, "e1", None, "P1"),
        ("v2", "c1", "2024-03-06", 4, "e1", "k1", None),  # k1's products: P1, P2
        ("v3", "c4", "2024-03-07", 2, "e2", None, "P2"),
        ("v4", "c4", "2024-03-31 23:59", 3, "e2", None, None),  # unknown product
        ("v5", "c9", "2024-04-01", 1, "e3", None, "P3"),  # April: outside
        ("v6", "c7", "2024-03-20", 5, "e3", "k7", None),  # k7 has no lines: unknown
    ], columns=["visit_id", "customer_id", "visited_at", "score", "employee_id", "contract_id",
                "product_id"])
    return {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2", "e3"], "name": ["A", "B", "C"],
                                   "team": ["east", "east", "west"]}),
        "customers": customers,
        "products": pd.DataFrame({"product_id": ["P1", "P2", "P3"],
                                  "name": ["Alpha", "Beta", "Gamma"]}),
        "contracts": contracts,
        "contract_lines": lines,
        "owner_changes": owner_changes,
        "visits": visits,
    }


@pytest.fixture
def bare():
    """No owner_changes, visits or contract_lines (like Maven for the first two)."""
    f = frames()
    for name in ("owner_changes", "visits", "contract_lines"):
        del f[name]
    return from_frames(f)


def _row(df, col, value):
    rows = df[df[col] == value] if value is not None else df[df[col].isna()]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# -- new and dealt ---------------------------------------------------------------------------
def test_customer_trend_per_day(crm):
    df = metrics.customer_trend(crm, period=MARCH, as_of=AS_OF)
    assert len(df) == 31 and list(df.columns) == ["bucket", "new_customers", "dealt",
                                                  "conversion"]
    d = df.set_index(df["bucket"].dt.strftime("%m-%d"))
    # 03-01 c1 dealt; 03-02 c2 not yet; 03-05 only deleted c3 -> 0 and undefined conversion
    assert (d.loc["03-01", "new_customers"], d.loc["03-01", "dealt"]) == (1, 1)
    assert (d.loc["03-02", "new_customers"], d.loc["03-02", "dealt"]) == (1, 0)
    assert d.loc["03-02", "conversion"] == 0.0
    assert d.loc["03-05", "new_customers"] == 0 and math.isnan(d.loc["03-05", "conversion"])
    assert (d.loc["03-31", "new_customers"], d.loc["03-31", "dealt"]) == (1, 1)  # c7
    assert (d.loc["03-10", "dealt"], d.loc["03-20", "dealt"]) == (1, 0)  # c8 locked; c5 pool
    assert df["new_customers"].sum() == 7 and df["dealt"].sum() == 5


def test_dealt_is_by_as_of(crm):
    # as of 04-09 c7 (dealt 04-10 12:00) has not dealt yet: 4 of 7; as of 04-20 c2 too: 6 of 7
    assert metrics.customer_trend(crm, period=MARCH, as_of="2024-04-09")["dealt"].sum() == 4
    assert metrics.customer_trend(crm, period=MARCH, as_of="2024-04-20")["dealt"].sum() == 6


def test_customer_trend_monthly_buckets(crm):
    # last quarter of 2024-04-10 = Q1, by month: Jan 0, Feb c6 (dealt 03-01: 1 of 1), Mar 7 of which 5 dealt
    df = metrics.customer_trend(crm, period="last_quarter", as_of=AS_OF)
    assert df["new_customers"].tolist() == [0, 1, 7] and df["dealt"].tolist() == [0, 1, 5]
    assert math.isnan(df["conversion"].iloc[0]) and df["conversion"].iloc[1] == 1.0


def test_customers_by_employee(crm):
    df = metrics.customers_by_employee(crm, period=MARCH, as_of=AS_OF)
    # e1: c1 c2 -> 2, 1 dealt; e2: c4 c8 (c3 deleted) -> 2, 2; e3: c7 c9 -> 2, 2; pool: c5
    assert df["employee_id"].tolist()[:3] == ["e1", "e2", "e3"]
    assert pd.isna(df["employee_id"].iloc[3])
    assert df["new_customers"].tolist() == [2, 2, 2, 1]
    assert df["dealt"].tolist() == [1, 2, 2, 0]
    assert df["conversion"].tolist() == [0.5, 1.0, 1.0, 0.0]
    assert df["name"].tolist()[:3] == ["A", "B", "C"]


def test_customers_by_employee_team_scope_lists_everyone(crm):
    west = resolve_scope(crm, team="west")
    df = metrics.customers_by_employee(crm, period=("2024-01-01", "2024-01-31"), as_of=AS_OF,
                                       scope=west)
    # e3 has no new customer in January: listed with 0 and undefined conversion; no pool row
    assert df["employee_id"].tolist() == ["e3"] and df["new_customers"].tolist() == [0]
    assert math.isnan(df["conversion"].iloc[0])


# -- public pool -----------------------------------------------------------------------------
def test_pool_trend_moves_back_and_forth(crm):
    df = metrics.pool_trend(crm, period=MARCH)
    d = df.set_index(df["bucket"].dt.strftime("%m-%d"))
    # in: p1 03-03 (e1), p4 03-05 (e1), p1 03-12 (e2); c3 03-05 deleted; out: p4 03-06, p1 03-08
    assert d.loc["03-03", "pool_in"] == 1 and d.loc["03-05", "pool_in"] == 1
    assert d.loc["03-12", "pool_in"] == 1 and d.loc["03-06", "pool_out"] == 1
    assert d.loc["03-08", "pool_out"] == 1 and d.loc["03-07"].tolist()[1:] == [0, 0]
    assert df["pool_in"].sum() == 3 and df["pool_out"].sum() == 2
    # by month: p1 went in twice in March, counted once -> in 2 (p1, p4), out 2 (p1, p4)
    q = metrics.pool_trend(crm, period=metrics.customers.as_period(crm, "last_quarter", as_of=AS_OF))
    assert q["pool_in"].tolist() == [0, 0, 2] and q["pool_out"].tolist() == [0, 0, 2]


def test_pool_by_employee(crm):
    df = metrics.pool_by_employee(crm, period=MARCH).set_index("employee_id")
    # e1 put p1 and p4 in, took p4 out; e2 put p1 in (03-12) and took p1 out (03-08)
    assert df.loc["e1", ["pool_in", "pool_out"]].tolist() == [2, 1]
    assert df.loc["e2", ["pool_in", "pool_out"]].tolist() == [1, 1]
    assert df.loc["e3", ["pool_in", "pool_out"]].tolist() == [0, 0]  # the reassign is no move
    assert len(df) == 3
    west = metrics.pool_by_employee(crm, period=MARCH, scope=resolve_scope(crm, team="west"))
    assert west["employee_id"].tolist() == ["e3"]


def test_pool_age(crm):
    df = metrics.pool_age(crm, as_of=AS_OF)
    # in the pool now: c5 (never owned: since created 03-20 -> 21 days), p1 (last in 03-12 ->
    # 29), p2 (2023-12-01 -> 131), p5 (2023-01-01 -> 465); p3 deleted, p4 owned, p6 created
    # after as_of
    assert df["age"].tolist() == ["0-30", "31-90", "91-180", "181+"]
    assert df["customers"].tolist() == [2, 0, 1, 1]
    assert df.attrs["size"] == 4
    assert df.attrs["median_days"] == (29 + 131) / 2
    assert df.attrs["mean_days"] == (21 + 29 + 131 + 465) / 4


def test_pool_age_bins_and_bad_bins(crm):
    df = metrics.pool_age(crm, as_of=AS_OF, bins=(21, 400))
    assert df["age"].tolist() == ["0-21", "22-400", "401+"]
    assert df["customers"].tolist() == [1, 2, 1]  # 21 | 29, 131 | 465
    with pytest.raises(ParamsError, match="increasing"):
        metrics.pool_age(crm, as_of=AS_OF, bins=(90, 30))


def test_pool_figures_not_available(bare):
    for df in (metrics.pool_trend(bare, period=MARCH),
               metrics.pool_by_employee(bare, period=MARCH),
               metrics.pool_age(bare, as_of=AS_OF)):
        assert df.empty and df.attrs["available"] is False
        assert df.attrs["missing_table"] == "owner_changes"


# -- deal cycle ------------------------------------------------------------------------------
def test_deal_cycle_by_employee(crm):
    df = metrics.deal_cycle(crm, period=MARCH, as_of=AS_OF)
    # e1: c1 12; e2: c4 0, c8 0 (dealt before created); e3: c7 10, c9 4
    assert df["employee_id"].tolist() == ["e1", "e2", "e3"]
    assert df["dealt"].tolist() == [1, 2, 2]
    assert df["mean_days"].tolist() == [12.0, 0.0, 7.0]
    assert df["median_days"].tolist() == [12.0, 0.0, 7.0]


def test_deal_cycle_by_province_top_n_and_unknown(crm):
    df = metrics.deal_cycle(crm, period=MARCH, as_of=AS_OF, by="province")
    # 江苏 c1 12, c7 10; 上海 c9 4; 浙江 c4 0; unknown c8 0 (biggest first, unknown after)
    assert df["province"].tolist()[:3] == ["江苏省", "上海市", "浙江省"]
    assert pd.isna(df["province"].iloc[3])
    assert df["dealt"].tolist() == [2, 1, 1, 1]
    assert df["mean_days"].tolist() == [11.0, 4.0, 0.0, 0.0]
    top = metrics.deal_cycle(crm, period=MARCH, as_of=AS_OF, by="province", top_n=1)
    # 江苏 kept, unknown kept, 上海 + 浙江 pooled: [4, 0] -> mean 2, median 2
    assert top["province"].iloc[0] == "江苏省" and pd.isna(top["province"].iloc[1])
    other = top.iloc[2]
    assert other["province"] == OTHER and other["dealt"] == 2
    assert (other["mean_days"], other["median_days"]) == (2.0, 2.0)


def test_deal_cycle_by_city(crm):
    df = metrics.deal_cycle(crm, period=MARCH, as_of=AS_OF, by="city")
    r = _row(df, "city", "南京市")  # only c7 (c5 has not dealt, c6 was created in February)
    assert (r["province"], r["dealt"], r["mean_days"]) == ("江苏省", 1, 10.0)
    assert df["dealt"].sum() == 5


def test_deal_cycle_by_product_first_effective_contract(crm):
    df = metrics.deal_cycle(crm, period=MARCH, as_of=AS_OF, by="product")
    # first effective contracts: c1 k1 (P1 twice, P2), c4 k2 (P1), c7 k4 (P2), c9 k5 (P3);
    # c8 has no contract. P1: 12, 0; P2: 12, 10; P3: 4
    assert df["product_id"].tolist() == ["P1", "P2", "P3"]
    assert df["name"].tolist() == ["Alpha", "Beta", "Gamma"]
    assert df["dealt"].tolist() == [2, 2, 1]
    assert df["mean_days"].tolist() == [6.0, 11.0, 4.0]
    assert df["median_days"].tolist() == [6.0, 11.0, 4.0]
    top = metrics.deal_cycle(crm, period=MARCH, as_of=AS_OF, by="product", top_n=1)
    # P1 kept; other = P2 (12, 10) + P3 (4): 3 rows, mean 26/3, median 10
    assert top["product_id"].tolist() == ["P1", OTHER]
    assert top["dealt"].tolist() == [2, 3]
    assert top["mean_days"].iloc[1] == pytest.approx(26 / 3) and top["median_days"].iloc[1] == 10


def test_deal_cycle_by_bucket(crm):
    df = metrics.deal_cycle(crm, period=MARCH, as_of=AS_OF, by="bucket")
    assert len(df) == 31 and df["dealt"].sum() == 5
    d = df.set_index(df["bucket"].dt.strftime("%m-%d"))
    assert d.loc["03-01", "mean_days"] == 12 and d.loc["03-25", "median_days"] == 4
    assert d.loc["03-02", "dealt"] == 0 and math.isnan(d.loc["03-02", "mean_days"])


def test_deal_cycle_scope_and_bad_input(crm, bare):
    east = resolve_scope(crm, team="east")
    df = metrics.deal_cycle(crm, period=MARCH, as_of=AS_OF, scope=east)
    assert df["employee_id"].tolist() == ["e1", "e2"]
    with pytest.raises(ParamsError, match="did you mean `province`"):
        metrics.deal_cycle(crm, period=MARCH, by="provinces")
    with pytest.raises(ParamsError, match="top_n"):
        metrics.deal_cycle(crm, period=MARCH, by="city", top_n=0)
    na = metrics.deal_cycle(bare, period=MARCH, by="product")
    assert na.empty and na.attrs["missing_table"] == "contract_lines"


# -- satisfaction ----------------------------------------------------------------------------
def test_satisfaction_by_employee(crm):
    df = metrics.satisfaction(crm, period=MARCH)
    # e1: 5, 4; e2: 2, 3; e3: 5 (v5 is in April)
    assert df["employee_id"].tolist() == ["e1", "e2", "e3"]
    assert df["visits"].tolist() == [2, 2, 1]
    assert df[[f"score_{s}" for s in range(1, 6)]].values.tolist() == [
        [0, 0, 0, 1, 1], [0, 1, 1, 0, 0], [0, 0, 0, 0, 1]]
    assert df["mean_score"].tolist() == [4.5, 2.5, 5.0]
    assert df["share_4_5"].tolist() == [1.0, 0.0, 1.0]
    east = metrics.satisfaction(crm, period=MARCH, scope=resolve_scope(crm, team="east"))
    assert east["employee_id"].tolist() == ["e1", "e2"]


def test_satisfaction_by_product(crm):
    df = metrics.satisfaction(crm, period=MARCH, by="product")
    # P1: v1 5, v2 4 (via k1); P2: v2 4 (via k1), v3 2; unknown: v4 3, v6 5 (k7 has no lines)
    assert df["product_id"].tolist()[:2] == ["P1", "P2"] and pd.isna(df["product_id"].iloc[2])
    assert df["visits"].tolist() == [2, 2, 2]
    assert df["mean_score"].tolist() == [4.5, 3.0, 4.0]
    assert df["share_4_5"].tolist() == [1.0, 0.5, 0.5]
    top = metrics.satisfaction(crm, period=MARCH, by="product", top_n=1)
    assert top["product_id"].iloc[0] == "P1" and top["product_id"].iloc[2] == OTHER
    assert top["visits"].tolist() == [2, 2, 2]


def test_satisfaction_not_available_and_bad_by(crm, bare):
    na = metrics.satisfaction(bare, period=MARCH)
    assert na.empty and na.attrs["missing_table"] == "visits"
    with pytest.raises(ParamsError, match="`by`"):
        metrics.satisfaction(crm, period=MARCH, by="team")


# -- summary ---------------------------------------------------------------------------------
def test_customer_summary(crm):
    s = metrics.customer_summary(crm, period=MARCH, as_of=AS_OF).set_index("metric")["value"]
    # 7 new, 5 dealt; cycles 12, 0, 10, 0, 4 -> mean 5.2, median 4; pool in p1 p4, out p1 p4;
    # pool now 4 customers, median (29 + 131) / 2
    assert s["new_customers"] == 7 and s["cust_dealt"] == 5
    assert s["cust_conversion"] == pytest.approx(5 / 7)
    assert s["cust_cycle_mean"] == pytest.approx(5.2) and s["cust_cycle_median"] == 4
    assert (s["pool_in"], s["pool_out"]) == (2, 2)
    assert (s["cust_pool_size"], s["cust_pool_median_days"]) == (4, 80)


def test_customer_summary_scope_and_missing_tables(crm, bare):
    east = resolve_scope(crm, team="east")
    s = metrics.customer_summary(crm, period=MARCH, as_of=AS_OF, scope=east
                                 ).set_index("metric")["value"]
    # e1, e2: c1 c2 c4 c8 -> 4 new, 3 dealt (12, 0, 0): mean 4, median 0
    assert (s["new_customers"], s["cust_dealt"], s["cust_conversion"]) == (4, 3, 0.75)
    assert (s["cust_cycle_mean"], s["cust_cycle_median"]) == (4, 0)
    s = metrics.customer_summary(bare, period=("2024-01-01", "2024-01-31"), as_of=AS_OF
                                 ).set_index("metric")["value"]
    assert s["new_customers"] == 0 and math.isnan(s["cust_conversion"])
    assert math.isnan(s["cust_cycle_mean"]) and math.isnan(s["pool_in"])
    assert math.isnan(s["cust_pool_size"])


def test_bad_period(crm):
    with pytest.raises(ParamsError):
        metrics.customer_trend(crm, period="last_decade")


# -- plots and tables ------------------------------------------------------------------------
def test_charts_draw_and_skip_when_not_available(crm, bare):
    trend = metrics.customer_trend(crm, period=MARCH, as_of=AS_OF)
    assert not plots.is_not_available_figure(plots.customer_trend(trend, labels={"new_customers": "n", "dealt": "d",
                                               "conversion": "c"}))
    pool = metrics.pool_trend(crm, period=MARCH)
    assert not plots.is_not_available_figure(plots.pool_trend(pool, labels={"pool_in": "i", "pool_out": "o"}))
    assert plots.is_not_available_figure(plots.pool_trend(metrics.pool_trend(bare, period=MARCH), labels={}))
    assert not plots.is_not_available_figure(plots.pool_age(metrics.pool_age(crm, as_of=AS_OF), label="x"))
    assert plots.is_not_available_figure(plots.pool_age(metrics.pool_age(bare, as_of=AS_OF), label="x"))
    for by in ("employee", "province", "bucket", "product"):
        cyc = metrics.deal_cycle(crm, period=MARCH, as_of=AS_OF, by=by, top_n=1
                                 if by != "employee" else None)
        assert not plots.is_not_available_figure(plots.deal_cycle(cyc, by=by, label="x"))
    ax = plots.deal_cycle(metrics.deal_cycle(crm, period=MARCH, by="province", top_n=1,
                                             as_of=AS_OF), by="province", label="x", lang="zh").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["江苏省", "未知", "其他"]
    sat = metrics.satisfaction(crm, period=MARCH, by="product")
    ax = plots.satisfaction(sat, by="product", label="x").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Alpha", "Beta", "unknown"]
    assert plots.is_not_available_figure(plots.satisfaction(metrics.satisfaction(bare, period=MARCH), by="employee",
                              label="x"))


def test_tables_text(crm, bare):
    df = metrics.customers_by_employee(crm, period=MARCH, as_of=AS_OF)
    tab = plots.customer_table(df, "en", by="employee", columns={
        "new_customers": ("new_customers", "count"), "conversion": ("cust_conversion", "ratio")})
    assert repr(tab).splitlines() == ["Employee | New customers | Conversion rate",
                                      "A | 2 | 50.0%", "B | 2 | 100.0%", "C | 2 | 100.0%",
                                      "(public pool) | 1 | 0.0%"]
    assert "<table" in tab._repr_html_()
    na = plots.customer_table(metrics.pool_by_employee(bare, period=MARCH), "zh",
                              by="employee", columns={})
    assert repr(na) == "无法统计：数据中没有 `owner_changes` 表。"
    s = plots.customer_summary_view(metrics.customer_summary(bare, period=MARCH, as_of=AS_OF),
                                    "en")
    lines = repr(s).splitlines()
    assert "Conversion rate | 71.4%" in lines and "Deal cycle, mean (days) | 5.2" in lines
    assert "Put into the public pool | —" in lines


def test_labels_in_both_languages():
    keys = [k for k in CATALOGUE if k.startswith(("cust_", "note_cust_"))]
    assert len(keys) > 30
    assert all(CATALOGUE[k].get("en") and CATALOGUE[k].get("zh") for k in keys)


# -- Maven: checked with plain pandas -----------------------------------------------------------
def _maven_first_deals():
    from crmlib.config import SHARED_DATASETS

    sp = pd.read_csv(SHARED_DATASETS / "maven_crm" / "sales_pipeline.csv",
                     parse_dates=["engage_date", "close_date"])
    acc = pd.read_csv(SHARED_DATASETS / "maven_crm" / "accounts.csv")
    created = sp.dropna(subset=["account"]).groupby("account")["engage_date"].min()
    won = sp[sp["deal_stage"] == "Won"].sort_values(["close_date", "opportunity_id"])
    first = won.groupby("account").first()
    out = pd.DataFrame({"created": created}).join(first[["close_date", "product"]])
    out["product"] = out["product"].replace({"GTXPro": "GTX Pro"})
    out = out.join(acc.set_index("account")["office_location"])
    out["days"] = (out["close_date"].dt.normalize() - out["created"].dt.normalize()).dt.days
    return out.dropna(subset=["close_date"])


def test_maven_deal_cycle(maven_crm):
    deals = _maven_first_deals()
    period = ("2016-01-01", "2017-12-31")
    s = metrics.customer_summary(maven_crm, period=period, as_of="2017-12-31"
                                 ).set_index("metric")["value"]
    assert s["cust_dealt"] == len(deals)
    assert s["cust_cycle_mean"] == pytest.approx(deals["days"].mean())
    assert s["cust_cycle_median"] == pytest.approx(deals["days"].median())
    assert math.isnan(s["pool_in"]) and math.isnan(s["cust_pool_size"])
    by_prod = metrics.deal_cycle(maven_crm, period=period, as_of="2017-12-31", by="product")
    want = deals.groupby("product")["days"].agg(["count", "mean"])
    got = by_prod.set_index("product_id")
    assert got["dealt"].to_dict() == want["count"].to_dict()
    assert got["mean_days"].round(9).to_dict() == want["mean"].round(9).to_dict()
    by_prov = metrics.deal_cycle(maven_crm, period=period, as_of="2017-12-31",
                                 by="province").set_index("province")
    assert by_prov["dealt"].to_dict() == deals.groupby("office_location").size().to_dict()


def test_maven_tables_not_available(maven_crm):
    assert metrics.satisfaction(maven_crm, period=("2017-01-01", "2017-12-31")
                                ).attrs["missing_table"] == "visits"
    assert not metrics.pool_age(maven_crm).attrs["available"]


def test_notebook_runs_on_maven(maven_notebook):
    text = maven_notebook("60_customers")
    assert "Not available: the data has no `owner_changes` table." in text
    assert "Not available: the data has no `visits` table." in text
