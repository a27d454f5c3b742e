"""Employee performance on a tiny CRM, every number worked out by hand; Maven checked with csv."""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest

from crmlib import metrics, plots
from crmlib.data.connect import from_frames
from crmlib.exceptions import ParamsError
from crmlib.i18n import CATALOGUE, t
from crmlib.scope import resolve_scope

AS_OF = "2024-03-20"
FEB = ("2024-02-01", "2024-02-29")


def frames():
    return {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2", "e3"], "name": ["A", "B", "C"],
                                   "team": ["east", "east", "west"]}),
        "customers": pd.DataFrame({"customer_id": ["c1"], "name": ["X"],
                                   "created_at": ["2023-01-01"], "owner_id": ["e1"]}),
        "contracts": pd.DataFrame({
            "contract_id": ["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"],
            "customer_id": ["c1"] * 8,
            "owner_id": ["e1", "e1", "e2", "e1", "e1", "e3", "e2", "e3"],
            "signed_at": ["2023-12-10", "2024-01-15", "2024-01-20", "2024-02-05", "2024-02-06",
                          "2023-02-14", "2024-02-25", "2024-04-02"],
            "amount": [100.0, 200.0, 50.0, 300.0, 999.0, 80.0, 120.0, 400.0],
            "status": ["approved", "approved", None, "approved", "void", "approved",
                       "approved", "approved"],
            "name": [f"K{i}" for i in range(1, 9)]}),
        # k2 has 3 payments (p1, p2, p3) and 2 effective invoices (i1, i2): the fan-out case
        "payments": pd.DataFrame({
            "payment_id": [f"p{i}" for i in range(1, 10)],
            "contract_id": ["k2", "k2", "k2", "k4", "k4", "k5", "k7", "k7", "k1"],
            "paid_at": ["2024-01-20", "2024-02-10", "2024-03-01", "2024-02-15", "2024-02-16",
                        "2024-03-05", "2024-03-25", "2024-02-26", "2024-01-05"],
            "amount": [50.0, 30.0, 40.0, 100.0, 60.0, 25.0, 200.0, 150.0, 100.0],
            "status": ["approved", "approved", "approved", "approved", "rejected",
                       "approved", "approved", "approved", "approved"]}),
        "invoices": pd.DataFrame({
            "invoice_id": ["i1", "i2", "i3", "i4", "i5"],
            "contract_id": ["k2", "k2", "k2", "k4", "k7"],
            "issued_at": ["2024-01-16", "2024-02-01", "2024-02-02", "2024-02-05", "2024-03-28"],
            "amount": [100.0, 60.0, 500.0, 300.0, 120.0],
            "status": ["approved", "approved", "void", None, "approved"]}),
    }


@pytest.fixture(scope="module")
def crm_no_money():
    """Like Maven: contracts, but no payments and no invoices."""
    f = frames()
    del f["payments"], f["invoices"]
    return from_frames(f)


def _row(df, **keys):
    m = pd.Series(True, index=df.index)
    for k, v in keys.items():
        m &= df[k] == (pd.Timestamp(v) if k == "month" else v)
    assert m.sum() == 1, keys
    return df[m].iloc[0]


# -- monthly_performance ------------------------------------------------------------------

def test_monthly_company(crm):
    m = metrics.monthly_performance(crm, period=FEB, as_of=AS_OF)
    # the year of the period up to the as-of month: Jan, Feb, Mar 2024; only Feb in the period
    assert m["month"].tolist() == list(pd.date_range("2024-01-01", "2024-03-01", freq="MS"))
    assert m["in_period"].tolist() == [False, True, False]
    assert m["contracts"].tolist() == [2, 2, 0]           # k2 k3 | k4 k7 (k5 void) | -
    assert m["contract_amount"].tolist() == [250, 420, 0]  # 200+50 | 300+120
    assert m["payments"].tolist() == [150, 280, 265]       # p1 50 + p9 100 | p2 30 + p4 100
    #                     + p8 150 (p5 rejected) | p3 40 + p6 25 (void contract) + p7 200
    jan, feb, mar = (m.iloc[i] for i in range(3))
    # January compares with December 2023: k1, 1 contract of 100, no payment
    assert (jan.contracts_previous, jan.contract_amount_previous) == (1, 100)
    assert jan.contracts_mom == pytest.approx(1.0)         # (2 - 1) / 1
    assert jan.contract_amount_mom == pytest.approx(1.5)   # (250 - 100) / 100
    assert math.isnan(jan.payments_mom)                    # December 2023 paid 0: undefined
    assert math.isnan(jan.contracts_yoy)                   # January 2023: nothing
    assert feb.contracts_mom == 0                          # (2 - 2) / 2
    assert feb.contract_amount_mom == pytest.approx(0.68)  # (420 - 250) / 250
    assert feb.contracts_year_ago == 1 and feb.contract_amount_year_ago == 80  # k6 Feb 2023
    assert feb.contracts_yoy == pytest.approx(1.0)         # (2 - 1) / 1
    assert feb.contract_amount_yoy == pytest.approx(4.25)  # (420 - 80) / 80
    assert feb.payments_mom == pytest.approx(130 / 150)    # (280 - 150) / 150
    assert mar.contracts_mom == -1                         # (0 - 2) / 2: a drop to 0 is -100 %
    assert mar.payments_mom == pytest.approx(-15 / 280)    # (265 - 280) / 280
    assert math.isnan(mar.contracts_yoy)
    assert (m["contract_amount_missing"] == 0).all() and (m["payments_missing"] == 0).all()


def test_monthly_by_owner_and_team(crm):
    m = metrics.monthly_performance(crm, period=FEB, as_of=AS_OF, by="owner_id")
    assert sorted(m["owner_id"].unique()) == ["e1", "e2", "e3"]
    assert len(m) == 9  # every owner gets every month
    e1 = _row(m, owner_id="e1", month="2024-02-01")
    assert (e1.contracts, e1.contract_amount, e1.payments) == (1, 300, 130)  # k4; p2 + p4
    e2 = _row(m, owner_id="e2", month="2024-02-01")
    assert (e2.contracts, e2.contract_amount, e2.payments) == (1, 120, 150)  # k7; p8
    e3 = _row(m, owner_id="e3", month="2024-02-01")  # only k6 a year earlier
    assert (e3.contracts, e3.contracts_year_ago, e3.contracts_yoy) == (0, 1, -1.0)
    t_ = metrics.monthly_performance(crm, period=FEB, as_of=AS_OF, by="team")
    east = _row(t_, team="east", month="2024-02-01")
    assert (east.contracts, east.contract_amount, east.contracts_year_ago) == (2, 420, 0)
    assert math.isnan(east.contracts_yoy)
    west = _row(t_, team="west", month="2024-02-01")
    assert (west.contracts, west.contracts_yoy) == (0, -1.0)


def test_monthly_scoped(crm):
    m = metrics.monthly_performance(crm, period=FEB, as_of=AS_OF,
                                    scope=resolve_scope(crm, employee="e2"))
    assert m["contracts"].tolist() == [1, 1, 0]            # k3 | k7
    assert m["payments"].tolist() == [0, 150, 200]         # p8 | p7


def test_monthly_year_range_and_as_of(crm):
    # a period across two years shows both years, up to the as-of month (here May 2024)
    m = metrics.monthly_performance(crm, period=("2023-12-01", "2024-01-31"),
                                    as_of="2024-05-15")
    assert len(m) == 12 + 5 and m["month"].iloc[0] == pd.Timestamp("2023-01-01")
    assert m.loc[m["in_period"], "month"].dt.strftime("%Y-%m").tolist() == ["2023-12",
                                                                           "2024-01"]
    assert _row(m, month="2024-04-01").contract_amount == 400  # k8
    # a preset resolves against as_of: this_year on 2024-03-20 shows Jan..Mar
    assert len(metrics.monthly_performance(crm, period="this_year", as_of=AS_OF)) == 3


def test_monthly_without_payments(crm_no_money):
    m = metrics.monthly_performance(crm_no_money, period=FEB, as_of=AS_OF)
    assert m["contracts"].tolist() == [2, 2, 0]
    assert m["payments"].isna().all() and m["payments_mom"].isna().all()


def test_bad_arguments(crm):
    with pytest.raises(ParamsError, match="`by` 'customer' is not supported"):
        metrics.monthly_performance(crm, period=FEB, by="customer")
    with pytest.raises(ParamsError, match="not a preset name"):
        metrics.contract_summary(crm, period=42)
    with pytest.raises(ParamsError, match="unknown period preset"):
        metrics.invoice_payment_gaps(crm, period="this_mnth", as_of=AS_OF)


# -- contract_summary -----------------------------------------------------------------------

def test_contract_summary(crm):
    s = metrics.contract_summary(crm, period=FEB, as_of=AS_OF)
    assert s["owner_id"].tolist()[:2] == ["e1", "e2"] and s["is_total"].tolist() == [
        False, False, True]
    e1, e2, tot = (s.iloc[i] for i in range(3))
    # k4: 300, paid p4 100 (p5 rejected) -> outstanding 200
    assert (e1["name"], e1.team, e1.contracts, e1.contract_amount, e1.paid, e1.outstanding,
            e1.overpaid) == ("A", "east", 1, 300, 100, 200, 0)
    assert e1.paid_rate == pytest.approx(1 / 3)
    # k7: 120, paid p8 150 (p7 on 03-25 is after as_of) -> overpaid 30, outstanding 0
    assert (e2.contract_amount, e2.paid, e2.outstanding, e2.overpaid) == (120, 150, 0, 30)
    # total: outstanding 200 is not netted with k7's 30 overpaid; 420 - 250 = 200 - 30
    assert (tot.contracts, tot.contract_amount, tot.paid, tot.outstanding, tot.overpaid) == (
        2, 420, 250, 200, 30)
    assert tot.paid_rate == pytest.approx(250 / 420) and pd.isna(tot.owner_id)
    later = metrics.contract_summary(crm, period=FEB, as_of="2024-03-31", by=None)
    assert later.iloc[0].paid == 450 and later.iloc[0].overpaid == 230  # + p7 200


def test_contract_summary_payments_at_any_date(crm):
    # January: k2 (200) paid p1 + p2 + p3 = 120, the last two after January; k3 (50) unpaid
    s = metrics.contract_summary(crm, period=("2024-01-01", "2024-01-31"), as_of=AS_OF,
                                 by="team", total=False)
    assert len(s) == 1 and s.iloc[0].team == "east"
    assert (s.iloc[0].contracts, s.iloc[0].paid, s.iloc[0].outstanding) == (2, 120, 130)


def test_contract_summary_empty_and_without_payments(crm, crm_no_money):
    west = metrics.contract_summary(crm, period=FEB, as_of=AS_OF,
                                    scope=resolve_scope(crm, team="west"))
    assert west["is_total"].tolist() == [True]
    assert west.iloc[0].contracts == 0 and west.iloc[0].contract_amount == 0
    assert math.isnan(west.iloc[0].paid_rate)
    s = metrics.contract_summary(crm_no_money, period=FEB, as_of=AS_OF)
    assert s["contract_amount"].tolist() == [300, 120, 420]
    assert s[["paid", "outstanding", "overpaid", "paid_rate"]].isna().all().all()


# -- invoice_payment_gaps ----------------------------------------------------------------------

JAN_FEB = ("2024-01-01", "2024-02-29")


def test_invoice_gaps_per_contract_no_double_count(crm):
    g = metrics.invoice_payment_gaps(crm, period=JAN_FEB, as_of=AS_OF)
    assert g["contract_id"].tolist() == ["k2", "k3", "k4", "k7"]  # k5 void
    k2 = g.iloc[0]
    # 2 invoices (100 + 60; i3 void) and 3 payments (50 + 30 + 40): a naive join of the rows
    # would give invoiced 480 and paid 240
    assert (k2.invoiced, k2.paid, k2.invoiced_not_paid, k2.paid_not_invoiced) == (
        160, 120, 40, 0)
    assert tuple(g.iloc[1][["invoiced", "paid", "invoiced_not_paid"]]) == (0, 0, 0)  # k3
    assert tuple(g.iloc[2][["invoiced", "paid", "invoiced_not_paid"]]) == (300, 100, 200)
    # k7: i5 (03-28) and p7 (03-25) are after as_of; p8 150 paid, nothing invoiced
    assert tuple(g.iloc[3][["invoiced", "paid", "paid_not_invoiced"]]) == (0, 150, 150)


def test_invoice_gaps_by_owner(crm):
    g = metrics.invoice_payment_gaps(crm, period=JAN_FEB, as_of=AS_OF, by="owner_id")
    e1, e2, tot = (g.iloc[i] for i in range(3))
    assert e1.owner_id == "e1" and e1["name"] == "A"
    # e1: k2 + k4 -> invoiced 460, paid 220, invoiced not paid 40 + 200 on 2 contracts
    assert (e1.contracts, e1.contract_amount, e1.invoiced, e1.paid) == (2, 500, 460, 220)
    assert (e1.invoiced_not_paid, e1.contracts_invoiced_not_paid, e1.paid_not_invoiced) == (
        240, 2, 0)
    # e2: k3 + k7 -> paid not invoiced 150 on 1 contract (not netted against anything)
    assert (e2.invoiced, e2.paid, e2.paid_not_invoiced, e2.contracts_paid_not_invoiced) == (
        0, 150, 150, 1)
    assert tot.is_total and (tot.invoiced, tot.paid, tot.invoiced_not_paid,
                             tot.paid_not_invoiced) == (460, 370, 240, 150)


def test_invoice_gaps_without_tables(crm_no_money):
    g = metrics.invoice_payment_gaps(crm_no_money, period=JAN_FEB, as_of=AS_OF)
    assert len(g) == 4 and g["amount"].sum() == 670
    assert g[["invoiced", "paid", "invoiced_not_paid", "paid_not_invoiced"]].isna().all().all()
    f = frames()
    del f["invoices"]
    g = metrics.invoice_payment_gaps(from_frames(f), period=JAN_FEB, as_of=AS_OF,
                                     by="owner_id")
    assert g["paid"].tolist() == [220, 150, 370]
    assert g[["invoiced", "invoiced_not_paid", "contracts_paid_not_invoiced"]].isna().all().all()


# -- display and charts ---------------------------------------------------------------------------

class _Ctx:
    def __init__(self, crm, lang):
        self.crm, self.lang, self.params = crm, lang, {"currency": "CNY"}


def test_tables_say_not_available(crm, crm_no_money):
    ctx = _Ctx(crm_no_money, "en")
    s = metrics.contract_summary(crm_no_money, period=FEB, as_of=AS_OF)
    text = repr(plots.contract_summary_table(s, ctx))
    assert "Not available: the data has no `payments` table." in text
    assert "Total" in text and "420.00" in text and "Paid against" not in text
    g = metrics.invoice_payment_gaps(crm_no_money, period=FEB, as_of=AS_OF, by="owner_id")
    gaps = plots.invoice_gaps_table(g, _Ctx(crm_no_money, "zh"))
    assert repr(gaps).splitlines() == [t("not_available", "zh", table="invoices"),
                                       t("not_available", "zh", table="payments")]
    assert "<table>" not in gaps._repr_html_()
    full = plots.invoice_gaps_table(metrics.invoice_payment_gaps(
        crm, period=FEB, as_of=AS_OF, by="owner_id"), _Ctx(crm, "zh"))
    assert "已开票未回款" in full._repr_html_() and "合计" in repr(full)
    m = metrics.monthly_performance(crm, period=FEB, as_of=AS_OF)
    text = repr(plots.performance_monthly_table(m, _Ctx(crm, "en")))
    assert "2024-02" in text and "+68.0%" in text and "—" in text  # Jan payments vs Dec: —


def test_chart_renders_chinese_and_skips_missing(crm, crm_no_money, tmp_path):
    plots.set_theme("zh")
    m = metrics.monthly_performance(crm, period=FEB, as_of=AS_OF)
    labels = {k: t(k, "zh") for k in metrics.MONTHLY_METRICS}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would fail
        fig = plots.performance_months(m, labels=labels,
                                       year_ago_label=t("perf_year_ago_line", "zh"))
        fig.savefig(tmp_path / "perf.png")
    assert len(fig.axes) == 3 and fig.axes[1].get_title() == "合同金额"
    m2 = metrics.monthly_performance(crm_no_money, period=FEB, as_of=AS_OF)
    fig2 = plots.performance_months(m2, labels=labels, year_ago_label="x")
    assert len(fig2.axes) == 2  # payments left out


def test_labels_have_both_languages():
    keys = [k for k in CATALOGUE if k.startswith(("perf_", "note_perf_"))]
    assert len(keys) >= 20
    for k in keys:
        assert t(k, "en") and t(k, "zh"), k


# -- Maven: contracts only, checked with plain pandas ---------------------------------------------

def test_maven_monthly_contracts_match_csv(maven_crm):
    from crmlib.config import SHARED_DATASETS

    raw = pd.read_csv(SHARED_DATASETS / "maven_crm" / "sales_pipeline.csv",
                      parse_dates=["close_date"])
    won = raw[(raw["deal_stage"] == "Won") & (raw["close_date"].dt.year == 2017)]
    months = pd.period_range("2017-01", "2017-12", freq="M")
    by_month = won.groupby(won["close_date"].dt.to_period("M"))["close_value"]
    count = by_month.size().reindex(months, fill_value=0)  # Jan, Feb: no closed deal -> 0
    amount = by_month.sum().reindex(months, fill_value=0)
    m = metrics.monthly_performance(maven_crm, period=("2017-01-01", "2017-12-31"),
                                    as_of="2017-12-31")
    assert m["month"].dt.to_period("M").tolist() == list(months)
    assert m["contracts"].tolist() == count.tolist()
    assert m["contract_amount"].tolist() == pytest.approx(amount.tolist())
    assert m["payments"].isna().all()
    s = metrics.contract_summary(maven_crm, period=("2017-01-01", "2017-12-31"),
                                 as_of="2017-12-31", by="team")
    tot = s[s["is_total"]].iloc[0]
    assert tot.contracts == len(won) and tot.contract_amount == pytest.approx(
        won["close_value"].sum()) and math.isnan(tot.paid)


def test_maven_notebook_runs(maven_notebook):
    text = maven_notebook("40_employee_performance")
    assert "Not available: the data has no `payments` table." in text
    assert "Not available: the data has no `invoices` table." in text
