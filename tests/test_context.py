"""open_report(): parameters validated once, period/scope/as-of resolved; display formatting."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import brief_frames

import crmlib
from crmlib import display, metrics
from crmlib.context import resolve_context
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


def test_open_report_takes_the_parameters_cell(db):
    """``open_report(globals())``: only parameter keys are read; keywords override them."""
    cell = {"source": db, "team": "east", "period": "this_month", "lang": "zh",
            "In": [""], "Out": {}, "get_ipython": print, "pd": pd, "_": None}
    ctx = crmlib.open_report(cell)
    assert ctx.as_of == pd.Timestamp("2024-03-15")
    assert str(ctx.period) == "2024-03-01..2024-03-31"
    assert ctx.scope.employee_ids == ("e1", "e2") and ctx.scope_name == "east"
    assert ctx.t("new_customers") == "新增客户"
    same = crmlib.open_report(source=db, team="east", period="this_month", lang="zh")
    assert (ctx.lang, ctx.as_of, ctx.period, ctx.scope, ctx.params) == (
        same.lang, same.as_of, same.period, same.scope, same.params)
    ctx = crmlib.open_report(cell, team=None, employees=["e2"], as_of="2024-03-20",
                             period="custom", period_start="2024-03-01", period_end="2024-03-10")
    assert ctx.scope.employee_ids == ("e2",) and ctx.period.days == 10
    assert ctx.as_of == pd.Timestamp("2024-03-20") and ctx.lang == "zh"
    with pytest.raises(ParamsError, match="unknown key `perod`"):
        crmlib.open_report(cell, perod="this_month")
    with pytest.raises(ParamsError, match="`lang` is 'fr'"):
        crmlib.open_report(cell | {"lang": "fr"})
    with pytest.raises(TypeError, match="mapping"):
        crmlib.open_report([("team", "east")])


def test_resolve_context_on_an_open_connection(db):
    """resolve_context: the as-of day, period and scope of validated parameters."""
    ctx = crmlib.open_report(source=db, team="east", period="this_month")
    again = resolve_context(ctx.crm, {"team": "east", "period": "this_month"}, lang="zh")
    assert again.as_of == pd.Timestamp("2024-03-15") == ctx.as_of
    assert str(again.period) == "2024-03-01..2024-03-31" and again.scope == ctx.scope
    assert again.lang == "zh" and again.t("new_customers") == "新增客户"
    one = resolve_context(ctx.crm, {"employee": "e2", "as_of": "2024-03-20", "period": "custom",
                                    "period_start": "2024-03-01", "period_end": "2024-03-10"})
    assert one.scope.employee_ids == ("e2",) and one.period.days == 10 and one.lang == "en"
    assert resolve_context(ctx.crm, {}).scope.kind == "company"


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
