"""The dashboards as pure functions: every figure equals the crmlib call for the selection.

Runs on the test demo ($CRM_DATA_DIR/crm.duckdb); the browser tests are in
test_dashboards_browser.py.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

from crmlib import clv, metrics, segment
from crmlib.dashboards import customer_value_dashboard, sales_overview
from crmlib.dashboards.overview import TODO_TOP
from crmlib.dashboards.serve import voila_command
from crmlib.dashboards.value_dashboard import value_as_of
from crmlib.display import fmt_value
from crmlib.i18n import t
from crmlib.period import resolve_period
from crmlib.privacy import mask_phone
from crmlib.scope import Scope, resolve_scope

HAN = re.compile(r"[\u4e00-\u9fff]")


def _sel(crm, team=None, employee=None, period="last_month"):
    as_of = crm.last_event_date()
    scope = (resolve_scope(crm, employee=employee) if employee else
             resolve_scope(crm, team=team) if team else Scope())
    return resolve_period(period, as_of=as_of), scope, as_of


def test_overview_figures_equal_metrics(crm):
    d = sales_overview(crm, team="east", period="this_quarter")
    period, scope, as_of = _sel(crm, "east", period="this_quarter")
    brief = metrics.sales_brief(crm, period=period, scope=scope)
    pd.testing.assert_frame_equal(d["kpis"].data["brief"], brief)
    html = d["kpis"]._repr_html_()
    for r in brief.itertuples(index=False):
        assert fmt_value(r.current, r.kind, "CNY") in html
    done = metrics.completion(crm, metric=["contract_amount", "payment_amount",
                                           "new_customers"], period=period, scope=scope)
    pd.testing.assert_frame_equal(d["targets"].data["completion"], done)
    pd.testing.assert_frame_equal(d["funnel"].data["funnel"],
                                  metrics.ordered_funnel(crm, period=period, scope=scope))
    trend = metrics.brief_trend(crm, "payments", period=period, scope=scope)
    pd.testing.assert_frame_equal(d["trend"].data["payments"], trend)
    board = metrics.leaderboard(crm, metric="contract_amount", period=period, scope=scope)
    assert fmt_value(board["value"].iloc[0], "amount", "CNY") in repr(d["leaderboard"])
    todo = metrics.todo_list(crm, days=30, as_of=as_of, scope=scope)  # every row, cut here
    todo = todo[todo["position"] <= TODO_TOP].reset_index(drop=True)
    pd.testing.assert_frame_equal(d["forgotten"].data["todo"], todo, check_dtype=False)  # us vs ns
    text = repr(d["forgotten"])
    assert mask_phone(todo["phone"].iloc[0]) in text and todo["phone"].iloc[0] not in text


def test_overview_selection_changes_figures(crm):
    company = sales_overview(crm)
    east = sales_overview(crm, team="east")
    week = sales_overview(crm, team="east", period="custom", start="2026-10-01",
                          end="2026-10-07")
    assert str(week.ctx.period) == "2026-10-01..2026-10-07"
    values = [x["kpis"].data["brief"]["current"].tolist() for x in (company, east, week)]
    assert values[0] != values[1] != values[2]
    # company: counts only, the reps' lists need a team or an employee
    assert "todo" not in company["forgotten"].data
    assert t("dash_pick_team_for_list", "en") in repr(company["forgotten"])


def test_overview_one_employee_ranked_in_company(crm):
    d = sales_overview(crm, employee="E0006", period="last_month")
    period, scope, _ = _sel(crm, employee="E0006")
    assert d.ctx.scope == scope
    board = metrics.leaderboard(crm, metric="contract_amount", period=period, scope=Scope())
    pd.testing.assert_frame_equal(d["leaderboard"].data["leaderboard"], board)
    assert "background:#fdebd8" in d["leaderboard"]._repr_html_()  # my row highlighted


def test_overview_in_chinese_renders_glyphs(crm):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        d = sales_overview(crm, team="east", lang="zh")
    text = repr(d)
    assert d.title == "销售概览" and t("sales_brief", "zh") in text
    for key in ("targets", "trend", "funnel", "forgotten"):
        chart_text = repr(d[key].items[0])
        assert HAN.search(chart_text), key
    assert "Contract amount" not in text


def test_value_figures_equal_crmlib(crm):
    d = customer_value_dashboard(crm, team="north", period="last_month")
    period, scope, _ = _sel(crm, "north")
    as_of = period.last_day
    assert value_as_of(d.ctx) == as_of
    rfm = metrics.rfm(crm, as_of=as_of, scope=scope)
    pd.testing.assert_frame_equal(d["segments"].data["segments"],
                                  metrics.segment_summary(rfm, scheme="rfm11"))
    curve = metrics.pareto(rfm)
    assert d["pareto"].data["pareto"].attrs == curve.attrs
    # the cached company fit, filtered to the team, equals customer_value for the team
    expected = clv.customer_value(crm, as_of=as_of, scope=scope)
    pd.testing.assert_frame_equal(d["clv"].data["value"].drop(columns="name"),
                                  expected.drop(columns="name"), check_like=True)
    assert fmt_value(expected["clv"].iloc[0], "amount", "CNY") in repr(d["clv"])
    pd.testing.assert_frame_equal(d["risk"].data["risk"],
                                  segment.churn_risk(expected[["customer_id", "p_alive"]]))


def test_value_as_of_is_capped_and_chinese(crm):
    d = customer_value_dashboard(crm, period="this_year", lang="zh")
    assert value_as_of(d.ctx) == crm.last_event_date()
    assert HAN.search(repr(d["segments"].items[0])) and t("clv_top_heading", "zh") in repr(d)


def test_bad_selection_raises_a_plain_error(crm):
    from crmlib.exceptions import ParamsError

    with pytest.raises(ParamsError, match="unknown team `nowhere`"):
        sales_overview(crm, team="nowhere")


def test_app_renders_changes_and_hides_tracebacks(crm, monkeypatch):
    from crmlib.dashboards import app as dash_app

    a = dash_app.sales_overview_app(crm.backend)
    assert a.seq == 1 and 'data-state="ready"' in a.status.value
    a.team.value = "east"
    assert a.seq == 2 and [v for _, v in a.employee.options][1:] == sorted(
        crm.table("employees").to_pandas().query("team == 'east'")["employee_id"])
    period, scope, _ = _sel(crm, "east")
    brief = metrics.sales_brief(crm, period=period, scope=scope)
    assert fmt_value(brief["current"].iloc[-1], "count") in a.outputs["kpis"].value
    a.lang.value = "zh"  # one render, same selection, Chinese labels
    assert a.seq == 3 and a.team.value == "east" and a.period.value == "last_month"
    assert t("sales_brief", "zh") in a.outputs["kpis"].value
    assert a.team.options[0][0] == t("company", "zh")

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(metrics, "sales_brief", boom)
    a.period.value = "this_month"
    assert 'data-state="error"' in a.status.value
    assert t("dash_error", "zh") in a.status.value
    shown = a.status.value + "".join(w.value for w in a.outputs.values())
    assert "secret" not in shown and "Traceback" not in shown


def test_voila_command():
    cmd = voila_command(port=1234)
    for flag in ("--Voila.ip=127.0.0.1", "--port=1234", "--strip_sources=True",
                 "--show_tracebacks=False", "--preheat_kernel=True", "--no-browser"):
        assert flag in cmd
    assert any(c.startswith("--MappingKernelManager.cull_idle_timeout=") for c in cmd)
    assert "--VoilaKernelManager.fill_delay=10.0" in cmd  # the viewer's first clicks first
    assert "--VoilaKernelManager.fill_delay=2.5" in voila_command(fill_delay=2.5)
    assert "--preheat_kernel=True" not in voila_command(preheat=False)
