"""After-sale figures on a tiny hand-built CRM (DuckDB and PostgreSQL), every number worked out
by hand in the comments; the test demo checked against plain pandas on the same tables."""

from __future__ import annotations

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from helpers import crm_on

import crmlib
from crmlib import metrics, plots
from crmlib.data.connect import from_frames
from crmlib.exceptions import ParamsError
from crmlib.period import resolve_period

Q1 = resolve_period("last_quarter", as_of="2024-04-15")  # 2024-01-01..03-31, by month
JUNE = ("2024-06-01", "2024-06-30")


def frames() -> dict[str, pd.DataFrame]:
    # --- Q1 2024: four effective orders, e1 (team east) and e2 (team west)
    # k1 c1 e1 Jan-10 100 | k2 c1 e1 Feb-05 200 (no status = effective) | k3 c2 e2 Feb-20 300 |
    # k4 c2 e2 Mar-10 400 | k5 c1 e1 Mar-15 999 void (counts nowhere) | k0 c3 e1 2023-12-20 50
    # (sold before the period; its January return counts in January).
    contracts = pd.DataFrame({
        "contract_id": ["k0", "k1", "k2", "k3", "k4", "k5"],
        "customer_id": ["c3", "c1", "c1", "c2", "c2", "c1"],
        "owner_id": ["e1", "e1", "e1", "e2", "e2", "e1"],
        "signed_at": ["2023-12-20", "2024-01-10 09:00", "2024-02-05", "2024-02-20 16:00",
                      "2024-03-10", "2024-03-15"],
        "amount": [50.0, 100, 200, 300, 400, 999],
        "status": ["approved", "approved", None, "approved", "approved", "void"]})
    # --- June 2024, for the funnel rule: u1, u2, u3 with 10 orders each, u4 with 2 (owner e2,
    # 10 each); returned: u1 5 orders, u2 1, u3 0, u4 2.
    counts = {"u1": (10, 5), "u2": (10, 1), "u3": (10, 0), "u4": (2, 2)}
    june, june_returns = [], []
    for cust, (n, x) in counts.items():
        for i in range(n):
            cid = f"j{cust}{i}"
            june.append({"contract_id": cid, "customer_id": cust, "owner_id": "e2",
                         "signed_at": f"2024-06-{i + 1:02d}", "amount": 10.0,
                         "status": "approved"})
            if i < x:
                june_returns.append({"return_id": f"r{cid}", "contract_id": cid,
                                     "returned_at": "2024-06-25", "amount": 1.0})
    contracts = pd.concat([contracts, pd.DataFrame(june)], ignore_index=True)
    # Q1 returns (delay = returned - signed, calendar days; 2024 is a leap year):
    # r1 k1 Jan-20 20 质量问题 P1: 10 d | r2 k0 Jan-05 10 " 质量问题 " (trimmed): 16 d |
    # r4 k2 Feb-06 30 no reason P1: 1 d | r3 k3 Mar-03 60 Wrong size P2: 9 + 3 = 12 d (the
    # 16:00 sale does not make it 11) | r6 k4 Mar-05 40 "" (blank = unknown) P2: -5 d, before
    # the sale | r8 k3 Mar-25 45 Wrong size P2: 9 + 25 = 34 d | r9 k2 Mar-30 25 Changed mind
    # P2 (k2 holds no P2 line): 24 + 30 = 54 d | r5 k5 void: nowhere | r7 k1 Apr-02 5 P2: after Q1
    q1_returns = pd.DataFrame({
        "return_id": ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"],
        "contract_id": ["k1", "k0", "k3", "k2", "k5", "k4", "k1", "k3", "k2"],
        "returned_at": ["2024-01-20", "2024-01-05", "2024-03-03 08:00", "2024-02-06",
                        "2024-03-20", "2024-03-05", "2024-04-02", "2024-03-25", "2024-03-30"],
        "amount": [20.0, 10, 60, 30, 999, 40, 5, 45, 25],
        "product_id": ["P1", None, "P2", "P1", "P1", "P2", "P2", "P2", "P2"],
        "reason": ["质量问题", " 质量问题 ", "Wrong size", None, "x", "", None, "Wrong size",
                   "Changed mind"]})
    returns = pd.concat([q1_returns, pd.DataFrame(june_returns)], ignore_index=True)
    return {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2"], "name": ["王伟", "Bo"],
                                   "team": ["east", "west"]}),
        "customers": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3", "u1", "u2", "u3", "u4"],
            "name": ["杭州明达", "Beta Ltd", "Gamma", "U-One", "U-Two", "U-Three", "U-Four"],
            "created_at": ["2023-01-01"] * 7, "owner_id": ["e1", "e2", "e1"] + ["e2"] * 4}),
        "products": pd.DataFrame({"product_id": ["P1", "P2"], "name": ["Widget", "小部件"],
                                  "category": ["HW", "HW"]}),
        "contracts": contracts,
        "contract_lines": pd.DataFrame({
            "contract_id": ["k0", "k1", "k1", "k2", "k3", "k4", "k4", "k5"],
            "product_id": ["P1", "P1", "P2", "P1", "P2", "P1", "P2", "P1"],
            "quantity": [1.0] * 8,
            "amount": [50.0, 60, 40, 200, 300, 150, 250, 999],
            "line_no": [1, 1, 2, 1, 1, 1, 2, 1]}),
        "returns": returns,
    }


@pytest.fixture
def crm(backend):
    """This module's ``frames()`` on DuckDB and on PostgreSQL."""
    return crm_on(backend, frames())


@pytest.fixture(scope="module")
def duck():
    """This module's ``frames()`` in an in-memory DuckDB only."""
    crm = from_frames(frames())
    yield crm
    crm.close()


def test_orders_and_returns_per_month(crm):
    df = metrics.orders_and_returns(crm, period=Q1)
    assert list(df.columns) == metrics.PERIOD_COLUMNS
    assert df["bucket"].tolist() == list(pd.to_datetime(["2024-01-01", "2024-02-01",
                                                         "2024-03-01"]))
    # orders: Jan k1 100; Feb k2 200 + k3 300; Mar k4 400 (k5 void)
    assert df["orders"].tolist() == [1, 2, 1]
    assert df["sold_amount"].tolist() == [100, 500, 400]
    # returns by returned_at: Jan r1 20 + r2 10 (k0 sold in December); Feb r4 30;
    # Mar r3 60 + r6 40 + r8 45 + r9 25 = 170 (r5 of void k5 not counted, r7 is April)
    assert df["returns"].tolist() == [2, 1, 4]
    assert df["returned_amount"].tolist() == [30, 30, 170]
    assert df["refund_rate"].tolist() == pytest.approx([30 / 100, 30 / 500, 170 / 400])
    a = df.attrs
    assert (a["orders"], a["sold_amount"], a["returns"], a["returned_amount"]) == (4, 1000, 7,
                                                                                   230)
    assert a["refund_rate"] == pytest.approx(0.23) and a["missing_table"] is None


def test_scope_and_empty_buckets(crm):
    east = crmlib.scope.resolve_scope(crm, team="east")  # e1
    df = metrics.orders_and_returns(crm, period=Q1, scope=east)
    # e1's orders k1 100 + k2 200; returns of e1 contracts r1 20 + r2 10 + r4 30 + r9 25
    assert df["sold_amount"].tolist() == [100, 200, 0]
    assert df["returned_amount"].tolist() == [30, 30, 25]
    assert math.isnan(df["refund_rate"].iloc[2])  # returns in March but no sale: no rate
    assert df.attrs["refund_rate"] == pytest.approx(85 / 300)
    none = metrics.orders_and_returns(crm, period=("2025-01-01", "2025-01-07"))
    assert len(none) == 7 and (none["orders"] == 0).all() and (none["returns"] == 0).all()
    assert none["refund_rate"].isna().all() and math.isnan(none.attrs["refund_rate"])


def test_reasons_add_up_to_the_period_rate(crm):
    df = metrics.returns_by_reason(crm, period=Q1)
    assert list(df.columns) == metrics.REASON_COLUMNS
    # Wrong size r3 60 + r8 45 = 105; 质量问题 r1 20 + r2 10 (trimmed) = 30; Changed mind
    # r9 25; unknown r4 (none) 30 + r6 (blank) 40 = 70. Total 230, sold 1000.
    assert df["reason"].tolist() == ["Wrong size", "质量问题", "Changed mind", None]
    assert df["kind"].tolist() == ["value"] * 3 + ["unknown"]
    assert df["returns"].tolist() == [2, 2, 1, 2]
    assert df["returned_amount"].tolist() == [105, 30, 25, 70]
    assert df["share"].tolist() == pytest.approx([105 / 230, 30 / 230, 25 / 230, 70 / 230])
    assert df["refund_rate"].tolist() == pytest.approx([0.105, 0.03, 0.025, 0.07])
    period = metrics.orders_and_returns(crm, period=Q1).attrs["refund_rate"]
    assert df["refund_rate"].sum() == pytest.approx(period) == df.attrs["refund_rate"]
    top = metrics.returns_by_reason(crm, period=Q1, top=1)
    # other = 质量问题 30 + Changed mind 25 = 55, 3 returns; unknown stays apart
    assert top["kind"].tolist() == ["value", "other", "unknown"]
    assert top["returned_amount"].tolist() == [105, 55, 70]
    assert top["returns"].tolist() == [2, 3, 2]
    # two named reasons and top=2: nothing to collapse (one row left over keeps its name)
    assert metrics.returns_by_reason(crm, period=Q1, top=2)["kind"].tolist() == (
        ["value"] * 3 + ["unknown"])
    # a period with sales but no return: no rows, the sold amount still known
    feb1 = metrics.returns_by_reason(crm, period=("2024-02-20", "2024-02-21"))
    assert feb1.empty and feb1.attrs["sold_amount"] == 300 and feb1.attrs["refund_rate"] == 0


def test_delay_buckets_median_and_returns_before_sale(crm):
    with pytest.warns(UserWarning, match="1 return"):
        df = metrics.return_delays(crm, period=Q1)
    assert list(df.columns) == metrics.DELAY_COLUMNS
    assert df["bucket"].tolist() == ["0-7", "8-30", "31-90", "91-180", "181-365", "366+"]
    # delays 1 (r4), 10 (r1), 12 (r3), 16 (r2), 34 (r8), 54 (r9); r6 (-5 d) left out
    assert df["returns"].tolist() == [1, 3, 2, 0, 0, 0]
    assert df["returned_amount"].tolist() == [30, 20 + 60 + 10, 45 + 25, 0, 0, 0]
    assert df["share"].tolist() == pytest.approx([1 / 6, 3 / 6, 2 / 6, 0, 0, 0])
    a = df.attrs
    assert a["returns"] == 6 and a["before_sale"] == 1
    assert a["mean_days"] == pytest.approx((1 + 10 + 12 + 16 + 34 + 54) / 6)  # 21.17
    assert a["median_days"] == pytest.approx((12 + 16) / 2)  # even count: the two middle ones
    assert df["min_days"].tolist() == [0, 8, 31, 91, 181, 366]
    assert df["max_days"].iloc[-1] == math.inf
    own = metrics.return_delays(crm, period=("2024-01-01", "2024-02-29"), bins=[1, 10])
    # Jan-Feb: r4 1 d, r1 10 d, r2 16 d -> 0-1: 1, 2-10: 1, 11+: 1; odd count: median 10
    assert own["bucket"].tolist() == ["0-1", "2-10", "11+"]
    assert own["returns"].tolist() == [1, 1, 1] and own.attrs["median_days"] == 10
    assert own.attrs["before_sale"] == 0
    empty = metrics.return_delays(crm, period=("2025-01-01", "2025-01-31"))
    assert (empty["returns"] == 0).all() and empty["share"].isna().all()
    assert math.isnan(empty.attrs["median_days"]) and empty.attrs["returns"] == 0


def test_funnel_rule_by_customer(crm):
    rule = {"z": 1.5, "min_orders": 5}
    df = metrics.unusual_return_rates(crm, period=JUNE, as_of="2024-06-30", rule_config=rule)
    assert list(df.columns) == ["customer_id", "name", *metrics.UNUSUAL_COLUMNS]
    # 32 orders, 8 returned (5 + 1 + 0 + 2): p0 = 0.25
    p0 = 8 / 32
    assert df.attrs["expected_rate"] == p0 and df.attrs["orders"] == 32
    by = df.set_index("customer_id")
    # n = 10: se = sqrt(0.25 * 0.75 / 10) = 0.136931, limit = 0.25 + 1.5 * se = 0.455396
    assert by.loc["u1", "limit"] == pytest.approx(0.455396, abs=1e-6)
    # n = 2: se = sqrt(0.1875 / 2) = 0.306186, limit = 0.709279 (u4's 100 % is above it, but
    # 2 orders are fewer than min_orders 5)
    assert by.loc["u4", "limit"] == pytest.approx(0.709279, abs=1e-6)
    assert by["return_rate"].to_dict() == {"u1": 0.5, "u4": 1.0, "u2": 0.1, "u3": 0.0}
    # z of u1 = (0.5 - 0.25) / 0.136931 = 1.8257
    assert by.loc["u1", "z_score"] == pytest.approx(1.825742, abs=1e-6)
    assert by["eligible"].to_dict() == {"u1": True, "u4": False, "u2": True, "u3": True}
    assert df["customer_id"].tolist() == ["u1", "u4", "u2", "u3"]  # unusual, then by z
    assert df["unusual"].tolist() == [True, False, False, False] and df.attrs["unusual"] == 1
    assert by.loc["u1", "name"] == "U-One"
    assert by.loc["u1", "sold_amount"] == 100 and by.loc["u1", "returned_amount"] == 5
    # z = 2: limit = 0.25 + 2 * 0.136931 = 0.523861 > 0.5, u1 no longer unusual
    assert not metrics.unusual_return_rates(crm, period=JUNE, as_of="2024-06-30",
                                            rule_config={"z": 2})["unusual"].any()
    # min_orders 2: u4 (1.0 > 0.709) is unusual as well
    two = metrics.unusual_return_rates(crm, period=JUNE, as_of="2024-06-30",
                                       rule_config={"z": 1.5, "min_orders": 2})
    assert two.loc[two["unusual"], "customer_id"].tolist() == ["u4", "u1"]
    # as_of before the returns (June 25): nothing came back yet, p0 = 0, no one unusual
    early = metrics.unusual_return_rates(crm, period=JUNE, as_of="2024-06-24")
    assert early.attrs["returned_orders"] == 0 and not early["unusual"].any()
    assert early["z_score"].isna().all() and (early["limit"] == 0).all()
    # as_of inside the period: only the orders signed by then (June 1-5: u1, u2, u3 5 each, u4 2)
    first = metrics.unusual_return_rates(crm, period=JUNE, as_of="2024-06-05")
    assert first.attrs["orders"] == 17
    assert first.set_index("customer_id")["orders"].to_dict() == {
        "u1": 5, "u2": 5, "u3": 5, "u4": 2}


def test_funnel_units_by_product_and_as_of(crm):
    df = metrics.unusual_return_rates(crm, period=Q1, as_of="2024-04-30", by="product")
    assert list(df.columns) == ["product_id", "name", *metrics.UNUSUAL_COLUMNS]
    by = df.set_index("product_id")
    # orders = (contract, product) pairs of Q1: P1 k1, k2, k4; P2 k1, k3, k4. Returned: P1 k1 (r1), k2 (r4); P2 k1 (r7, Apr-02 <= as_of), k3 (r3, r8);
    # (k4, P2) only has r6, before the sale; r9 is P2 on k2, which holds no P2.
    assert by["orders"].to_dict() == {"P1": 3, "P2": 3}
    assert by["returned_orders"].to_dict() == {"P1": 2, "P2": 2}
    assert df.attrs["orders"] == 6 and df.attrs["expected_rate"] == pytest.approx(4 / 6)
    assert by.loc["P2", "name"] == "小部件"
    # P2: sold k1 40 + k3 300 + k4 250 = 590; returned r7 5 + r3 60 + r8 45 = 110
    assert by.loc["P2", "sold_amount"] == 590 and by.loc["P2", "returned_amount"] == 110
    # as_of Mar-31: r7 not yet; P2 returned 1 of 3, p0 = 3 / 6
    march = metrics.unusual_return_rates(crm, period=Q1, as_of="2024-03-31", by="product")
    assert march.set_index("product_id")["returned_orders"].to_dict() == {"P1": 2, "P2": 1}
    assert march.attrs["expected_rate"] == 0.5
    # by customer in Q1: c1 k1, k2 both returned; c2 k3 returned, k4 not (r6 before its sale)
    cust = metrics.unusual_return_rates(crm, period=Q1, as_of="2024-04-30")
    assert cust.set_index("customer_id")["returned_orders"].to_dict() == {"c1": 2, "c2": 1}
    assert cust.attrs["unusual"] == 0  # 2 orders each: below min_orders 5


def test_missing_tables_say_so():
    fr = frames()
    del fr["returns"]
    crm = from_frames(fr)
    df = metrics.orders_and_returns(crm, period=Q1)
    assert df["sold_amount"].tolist() == [100, 500, 400]  # the sales side is still known
    assert df["returns"].isna().all() and df["refund_rate"].isna().all()
    assert df.attrs["missing_table"] == "returns" and math.isnan(df.attrs["refund_rate"])
    for f in (metrics.returns_by_reason, metrics.return_delays, metrics.unusual_return_rates):
        out = f(crm, period=Q1)
        assert out.empty and out.attrs["available"] is False
        assert out.attrs["missing_table"] == "returns"
    fr = frames()
    del fr["contract_lines"]
    out = metrics.unusual_return_rates(from_frames(fr), period=Q1, by="product")
    assert out.attrs["missing_table"] == "contract_lines"
    fr = frames()
    del fr["products"]  # optional: the rows keep their ids, without names
    out = metrics.unusual_return_rates(from_frames(fr), period=Q1, as_of="2024-04-30",
                                       by="product")
    assert out["product_id"].tolist() == ["P1", "P2"] and out["name"].isna().all()
    assert out["returned_orders"].tolist() == [2, 2]
    msg = repr(plots.after_reason_table(metrics.returns_by_reason(crm, period=Q1), "en"))
    assert msg == "Not available: the data has no `returns` table."
    assert "—" in repr(plots.after_headline_table(df, "en"))  # returns unknown, not 0


@pytest.mark.parametrize("call", [
    lambda c: metrics.returns_by_reason(c, period=Q1, top=0),
    lambda c: metrics.returns_by_reason(c, period=Q1, top=True),
    lambda c: metrics.return_delays(c, period=Q1, bins=[30, 7]),
    lambda c: metrics.return_delays(c, period=Q1, bins=[7.5]),
    lambda c: metrics.return_delays(c, period=Q1, bins=[]),
    lambda c: metrics.return_delays(c, period=Q1, bins=[-1, 7]),
    lambda c: metrics.unusual_return_rates(c, period=Q1, by="order"),
    lambda c: metrics.unusual_return_rates(c, period=Q1, rule_config={"zz": 1}),
    lambda c: metrics.unusual_return_rates(c, period=Q1, rule_config={"z": 0}),
    lambda c: metrics.unusual_return_rates(c, period=Q1, rule_config={"z": "3"}),
    lambda c: metrics.unusual_return_rates(c, period=Q1, rule_config={"min_orders": 0}),
    lambda c: metrics.unusual_return_rates(c, period=Q1, rule_config={"min_orders": 2.5}),
    lambda c: metrics.unusual_return_rates(c, period=Q1, as_of="soon"),
    lambda c: metrics.orders_and_returns(c, period="next_decade"),
], ids=["top0", "top_bool", "bins_order", "bins_float", "bins_empty", "bins_negative",
        "by", "rule_key", "z0", "z_str", "min0", "min_float", "as_of", "period"])
def test_bad_parameters(duck, call):
    with pytest.raises(ParamsError):
        call(duck)


def test_plots_in_both_languages_without_missing_glyphs(duck, tmp_path):
    orders = metrics.orders_and_returns(duck, period=Q1)
    reasons = metrics.returns_by_reason(duck, period=Q1)
    with pytest.warns(UserWarning):
        delays = metrics.return_delays(duck, period=Q1)
    cust = metrics.unusual_return_rates(duck, period=JUNE, as_of="2024-06-30",
                                        rule_config={"z": 1.5, "min_orders": 2})
    prod = metrics.unusual_return_rates(duck, period=Q1, as_of="2024-04-30", by="product",
                                        rule_config={"z": 0.1, "min_orders": 1})
    # a bucket with little sold: its rate (300 %) is drawn at the top of the capped axis
    spike = orders.assign(refund_rate=[3.0, 0.06, 0.425])
    spike.attrs = orders.attrs
    for lang in ("zh", "en"):
        plots.set_theme(lang)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a missing glyph fails
            charts = [plots.after_orders_chart(orders, lang=lang),
                      plots.after_orders_chart(spike, lang=lang),
                      plots.after_reason_bars(reasons, lang=lang),
                      plots.after_delay_bars(delays, lang=lang),
                      plots.after_funnel_plot(cust, lang=lang),
                      plots.after_funnel_plot(prod, lang=lang)]
            for i, ax in enumerate(charts):
                fig = ax.figure if hasattr(ax, "figure") else ax
                fig.savefig(tmp_path / f"{lang}{i}.png")
        plt.close("all")
    ax = plots.after_orders_chart(spike, lang="en").axes[0]
    rate_ax = [a for a in ax.figure.axes if a is not ax][0]
    # the axis is capped at 4 x the period rate 0.23 = 0.92 (+25 % headroom)
    assert rate_ax.get_ylim()[1] == pytest.approx(0.92 * 1.25)
    assert [t.get_text() for t in rate_ax.texts] == ["▲ 300%"]
    # flagged points are labelled with their names
    ax = plots.after_funnel_plot(cust, lang="en").axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert {"U-One", "U-Four"} <= texts and "U-Two" not in texts
    # tables: plain-text form, headers in the language, a total row
    head = repr(plots.after_headline_table(orders, "zh")).splitlines()
    assert head[0].startswith("指标") and len(head) == 6
    assert "23.0%" in repr(plots.after_headline_table(orders, "en"))
    text = repr(plots.after_reason_table(reasons, "en")).splitlines()
    assert text[1].startswith("Wrong size | 2 | 105.00") and text[-1].startswith("Total | 7")
    assert text[-1].endswith("23.0%") and text[-2].startswith("no reason given | 2")
    delay_text = repr(plots.after_delay_table(delays, "en"))
    assert "0-7" in delay_text and "14.0" in delay_text and "21.2" in delay_text
    flagged = repr(plots.after_unusual_table(cust, "en")).splitlines()
    assert len(flagged) == 3 and flagged[1].startswith("U-Four | 2 | 2 | 100.0%")
    assert "U-One" in flagged[2]
    assert repr(plots.after_unusual_table(cust.iloc[:0], "en")) != ""
    # an empty or missing frame draws nothing
    assert plots.is_not_available_figure(plots.after_reason_bars(reasons.iloc[:0], lang="en"))
    assert plots.is_not_available_figure(plots.after_funnel_plot(cust.iloc[:0], lang="en"))


def test_demo_against_plain_pandas():
    """The test demo (crmlib.connect() on CRM_DATA_DIR) against pandas on the same tables."""
    crm = crmlib.connect()
    as_of = crm.last_event_date()
    p = resolve_period("last_quarter", as_of=as_of)
    c = crm.table("contracts").execute()
    r = crm.table("returns").execute()
    eff = c[c["status"].isna() | (c["status"] == "approved")]
    inp = eff[(eff["signed_at"] >= p.start) & (eff["signed_at"] < p.end)]
    rr = r[(r["returned_at"] >= p.start) & (r["returned_at"] < p.end)
           & r["contract_id"].isin(eff["contract_id"])]
    df = metrics.orders_and_returns(crm, period=p)
    assert df.attrs["orders"] == len(inp) > 0 and df.attrs["returns"] == len(rr) > 0
    assert df.attrs["refund_rate"] == pytest.approx(rr["amount"].sum() / inp["amount"].sum())
    month = inp["signed_at"].dt.to_period("M").dt.start_time
    assert df["sold_amount"].tolist() == pytest.approx(
        inp.groupby(month)["amount"].sum().reindex(df["bucket"], fill_value=0).tolist())
    reasons = metrics.returns_by_reason(crm, period=p)
    by_reason = rr.assign(reason=rr["reason"].str.strip().replace("", None)).groupby(
        "reason", dropna=False)["amount"].sum()
    assert reasons["returned_amount"].sum() == pytest.approx(by_reason.sum())
    assert sorted(reasons["returned_amount"]) == pytest.approx(sorted(by_reason))
    delays = metrics.return_delays(crm, period=p)
    days = (rr["returned_at"].dt.normalize() - rr["contract_id"].map(
        eff.set_index("contract_id")["signed_at"]).dt.normalize()).dt.days
    ok = days[days >= 0]
    assert delays.attrs["median_days"] == ok.median()
    assert delays.attrs["mean_days"] == pytest.approx(ok.mean())
    assert delays["returns"].tolist() == np.histogram(
        ok, bins=[-0.5, 7.5, 30.5, 90.5, 180.5, 365.5, np.inf])[0].tolist()
    # funnel rule by customer: returned orders = orders with a return by as_of, not before sale
    u = metrics.unusual_return_rates(crm, period=p)
    upto = r[(r["returned_at"] < as_of + pd.Timedelta(days=1))].merge(
        inp[["contract_id", "signed_at"]], on="contract_id")
    upto = upto[upto["returned_at"].dt.normalize() >= upto["signed_at"].dt.normalize()]
    g = inp.assign(ret=inp["contract_id"].isin(upto["contract_id"])).groupby("customer_id")[
        "ret"].agg(["size", "sum"])
    p0 = g["sum"].sum() / g["size"].sum()
    limit = p0 + 3 * np.sqrt(p0 * (1 - p0) / g["size"])
    flagged = sorted(g.index[(g["size"] >= 5) & (g["sum"] / g["size"] > limit)])
    assert u.attrs["expected_rate"] == pytest.approx(p0)
    assert sorted(u.loc[u["unusual"], "customer_id"]) == flagged
    assert u.set_index("customer_id")["returned_orders"].sort_index().tolist() == (
        g["sum"].sort_index().tolist())
