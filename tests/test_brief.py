"""Sales brief and data summary on a tiny CRM, every number worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from helpers import brief_frames

from crmlib import metrics
from crmlib.period import resolve_period
from crmlib.scope import resolve_scope

AS_OF = "2024-03-20"  # this_month = March 2024; previous = Feb 2024; year ago = March 2023
frames = brief_frames  # the CRM checked here (conftest's `crm`); test_context stores it too


@pytest.fixture(scope="module")
def period():
    return resolve_period("this_month", as_of=AS_OF)


def test_sales_brief_company(crm, period):
    b = metrics.sales_brief(crm, period=period).set_index("metric")
    expect = {  # current, previous, year_ago
        "new_customers": (2, 1, 1),          # c1, c2 | c3 | c4
        "new_opportunities": (2, 0, 0),      # o1, o2 (o3 has no created_at: in no period)
        "new_opportunity_amount": (500, 0, 0),  # o2's missing amount is not summed as 0
        "contracts": (1, 1, 1),              # k1 (k2 void) | k3 | k4 (no status = effective)
        "contract_amount": (100, 80, 40),
        "payments": (140, 0, 0),             # p1 60 + p3 50 + p2 30
        "followups": (2, 1, 0),              # a1, a2 (a3 is a sign-in) | a4
    }
    for m, (c, p, y) in expect.items():
        assert tuple(b.loc[m, ["current", "previous", "year_ago"]]) == (c, p, y), m
    assert b.loc["new_customers", "change_previous"] == pytest.approx(1.0)
    assert b.loc["contract_amount", "change_previous"] == pytest.approx(0.25)
    assert b.loc["contract_amount", "change_year_ago"] == pytest.approx(1.5)
    assert math.isnan(b.loc["payments", "change_previous"])  # previous 0: undefined
    assert b.loc["new_opportunity_amount", "missing"] == 1
    assert not b.loc["new_contacts", "available"] and math.isnan(b.loc["new_contacts",
                                                                       "current"])
    assert list(b.index) == list(metrics.BRIEF_METRICS)


def test_sales_brief_scoped(crm, period):
    b = metrics.sales_brief(crm, period=period, scope=resolve_scope(crm, employee="e2"))
    b = b.set_index("metric")
    assert b.loc["new_customers", "current"] == 1 and b.loc["new_customers", "previous"] == 0
    assert math.isnan(b.loc["new_customers", "change_previous"])
    assert b.loc["payments", "current"] == 50  # p3, on e2's (void) contract k2
    assert b.loc["contract_amount", "current"] == 0
    west = metrics.sales_brief(crm, period=period, scope=resolve_scope(crm, team="west"))
    assert (west.set_index("metric").loc[["new_customers", "payments"], "current"] == 0).all()


def test_brief_trend_fills_empty_buckets(crm, period):
    tr = metrics.brief_trend(crm, "contract_amount", period=period)
    assert len(tr) == 31 and tr["value"].sum() == 100
    assert tr.set_index("bucket").loc[pd.Timestamp("2024-03-05"), "value"] == 100
    q = metrics.brief_trend(crm, "new_customers", period=resolve_period("this_quarter",
                                                                        as_of=AS_OF))
    assert q["value"].tolist() == [0, 1, 2]  # Jan, Feb (c3), Mar (c1, c2)
    w = metrics.brief_trend(crm, "followups", period=resolve_period(
        "custom", as_of=AS_OF, start="2024-01-29", end="2024-03-31"))
    assert w["bucket"].iloc[0] == pd.Timestamp("2024-01-29")  # a Monday
    assert w.set_index("bucket").loc[pd.Timestamp("2024-01-29"), "value"] == 1  # a4, Thu 02-01
    assert w.set_index("bucket").loc[pd.Timestamp("2024-03-04"), "value"] == 2  # a1, a2


def test_data_summary(crm, period):
    s = metrics.data_summary(crm, period=period, as_of=AS_OF).set_index("metric")["value"]
    assert s.to_dict() == {
        "new_customers_dealt": 1,            # c1 (k1); c2 has only a void contract
        "pool_in": 1, "pool_out": 1,
        "customers_followed_up": 1,          # c1
        "new_customers_not_followed_up": 1,  # c2
        "contracts_expiring": 2,             # k1 (04-10), k4 (03-25) within 30 days
        "contracts_expired": 1,              # k3 ended 03-15
        "expected_payments": 90,             # k1 100-60 + k3 80-30 (k2 void)
    }


def test_period_forms(crm):
    a = metrics.sales_brief(crm, period=("2024-03-01", "2024-03-31"))
    b = metrics.sales_brief(crm, period=resolve_period("custom", as_of=AS_OF,
                                                       start="2024-03-01", end="2024-03-31"))
    pd.testing.assert_frame_equal(a, b)
    c = metrics.sales_brief(crm, period="this_month")  # as_of = last event (2024-03-15)
    assert c.set_index("metric").loc["contract_amount", "current"] == 100
    with pytest.raises(Exception, match="not a preset name"):
        metrics.sales_brief(crm, period=42)
