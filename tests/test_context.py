"""open_report(): parameters validated once, period/scope/as-of resolved; display formatting."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import brief_frames

import crmlib
from crmlib import display, metrics
from crmlib.data import store
from crmlib.exceptions import ParamsError


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("ctx") / "brief.duckdb"
    store.write_duckdb(path, brief_frames())
    return str(path)


def test_open_report_resolves_once(db):
    ctx = crmlib.open_report(source=db, team="east", period="this_month", lang="zh")
    assert ctx.as_of == pd.Timestamp("2024-03-15")  # last event: customer c2 created 03-15
    assert str(ctx.period) == "2024-03-01..2024-03-31"
    assert ctx.scope.employee_ids == ("e1", "e2") and ctx.scope_name == "east"
    assert ctx.t("new_customers") == "新增客户"
    ctx = crmlib.open_report(source=db, employees=["e2"], as_of="2024-03-20",
                             period="custom", period_start="2024-03-01", period_end="2024-03-10")
    assert ctx.scope.employee_ids == ("e2",) and ctx.period.days == 10


@pytest.mark.parametrize("kwargs, message", [
    ({"lang": "fr"}, "`lang` is 'fr'"),
    ({"team": "eastt"}, "unknown team `eastt`; did you mean `east`"),
    ({"employees": ["e1", "zz"]}, r"unknown employee ids \['zz'\]"),
    ({"perod": "this_month"}, "unknown key `perod`"),
    ({"period": "custom", "period_start": "2024-03-10"}, "needs both"),
])
def test_open_report_rejects_bad_parameters(db, kwargs, message):
    with pytest.raises(ParamsError, match=message):
        crmlib.open_report(source=db, **kwargs)


def test_kpi_cards_text_and_html(db):
    ctx = crmlib.open_report(source=db, period="this_month", as_of="2024-03-20")
    cards = display.kpi_cards(metrics.sales_brief(ctx.crm, period=ctx.period), ctx)
    text = repr(cards).splitlines()
    assert text[0] == "New customers: 2 (vs previous +100.0%, vs year ago +100.0%)"
    assert "Contract amount: 100.00 CNY (vs previous +25.0%, vs year ago +150.0%)" in text
    assert "Payments received: 140.00 CNY (vs previous —, vs year ago —)" in text
    assert cards._repr_html_().count("<div style=\"border") == len(metrics.BRIEF_METRICS)


def test_formatting():
    assert display.fmt_value(1234567.891, "amount", "CNY") == "1,234,567.89 CNY"
    assert display.fmt_value(float("nan")) == "—"
    assert display.fmt_change(0.1234) == "+12.3%" and display.fmt_change(float("nan")) == "—"
