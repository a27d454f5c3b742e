"""The sales overview dashboard: KPI cards, targets, trend, funnel, leaderboard, to-do lists.

The sections show KPI cards, target gauges, trend, funnel, leaderboard and the reps' forgotten
customers, for one selection (team / employee, period, language).

Each section comes from the same calls as the reports (``10_dashboard``, ``20_targets``,
``30_sales_funnel``, ``50_leaderboards``, ``65_followups``); amounts are in ``currency`` (not
converted), counts are records.
"""

from __future__ import annotations

from crmlib import metrics, plots
from crmlib.dashboards.common import Dashboard, Section, chart, dashboard_context, in_order, message
from crmlib.display import kpi_cards

__all__ = ["OVERVIEW_SECTIONS", "OVERVIEW_GROUPS", "TREND_METRICS", "TARGET_METRICS",
           "TODO_TOP", "overview_section", "overview_sections", "sales_overview"]

TREND_METRICS = ("contract_amount", "payments", "new_customers")
TARGET_METRICS = ("contract_amount", "payment_amount", "new_customers")
LEADERBOARD_TOP = 10
TODO_TOP = 5  # customers per rep in the forgotten list


def _kpis(ctx) -> Section:
    brief = metrics.sales_brief(ctx.crm, period=ctx.period, scope=ctx.scope)
    return Section("kpis", ctx.t("sales_brief"), [kpi_cards(brief, ctx)], {"brief": brief})


def _targets(ctx) -> Section:
    done = metrics.completion(ctx.crm, metric=list(TARGET_METRICS), period=ctx.period,
                              scope=ctx.scope)
    return Section("targets", ctx.t("targets_heading_period"),
                   [chart(plots.completion_gauges(done, lang=ctx.lang), key="targets")],
                   {"completion": done})


def _trend(ctx) -> Section:
    series = {m: metrics.brief_trend(ctx.crm, m, period=ctx.period, scope=ctx.scope)
              for m in TREND_METRICS}
    fig = plots.trends(series, labels={m: ctx.t(m) for m in TREND_METRICS},
                       amounts=("contract_amount", "payments"))
    return Section("trend", ctx.t("trend"), [chart(fig, key="trend")], series)


def _funnel(ctx) -> Section:
    stages = metrics.ordered_funnel(ctx.crm, period=ctx.period, scope=ctx.scope)
    return Section("funnel", ctx.t("ordered_funnel"),
                   [chart(plots.funnel_chart(stages, lang=ctx.lang), key="funnel")],
                   {"funnel": stages})


def _leaderboard(ctx) -> Section:
    me = ctx.params.get("employee")
    board = metrics.leaderboard(ctx.crm, metric="contract_amount", period=ctx.period,
                                scope=metrics.ranking_scope(ctx.crm, ctx.scope))
    return Section("leaderboard", ctx.t("lb_board_contract_amount"),
                   [plots.leaderboard_table(board, ctx, top=LEADERBOARD_TOP, highlight=me)],
                   {"leaderboard": board})


def _forgotten(ctx) -> Section:
    days = metrics.todo_threshold(metrics.FORGOTTEN_DAYS)
    counts = metrics.forgotten_overview(ctx.crm, as_of=ctx.as_of, scope=ctx.scope)
    fig = plots.forgotten_bars(counts, lang=ctx.lang)
    items = [] if plots.is_not_available_figure(fig) else [chart(fig, key="forgotten")]
    data = {"forgotten": counts}
    if ctx.scope.kind == "company":  # every rep's list of a whole company is too long to read
        items.append(message(ctx.t("dash_pick_team_for_list")))
    else:
        todo = metrics.todo_list(ctx.crm, days=days, as_of=ctx.as_of, scope=ctx.scope,
                                 top=TODO_TOP)
        items.append(plots.todo_table(todo, ctx, top=TODO_TOP, mask=True))
        data["todo"] = todo
    return Section("forgotten", ctx.t("fu_forgotten"), items, data)


_SECTIONS = {"kpis": _kpis, "targets": _targets, "trend": _trend, "funnel": _funnel,
             "leaderboard": _leaderboard, "forgotten": _forgotten}
OVERVIEW_SECTIONS = tuple(_SECTIONS)
# Which sections one worker process computes when a selection is spread over processes
# (:mod:`crmlib.dashboards.workers`), balanced on the 1M-line demo (seconds per section for a
# team: trend 0.31, targets 0.24, forgotten 0.21, kpis 0.15, funnel 0.11, leaderboard 0.03).
OVERVIEW_GROUPS = (("kpis", "funnel", "leaderboard", "forgotten"), ("targets", "trend"))


def overview_section(ctx, key: str) -> Section:
    """Build the section ``key`` (one of :data:`OVERVIEW_SECTIONS`) of :func:`sales_overview`.

    Parameters
    ----------
    ctx : ReportContext
        The selection's context (:func:`~crmlib.dashboards.dashboard_context`).
    key : str
        The section's key.

    Returns
    -------
    Section
        The section's heading, items (tables, charts, cards) and frames.
    """
    return _SECTIONS[key](ctx)


def overview_sections(ctx):
    """Build the sections of :func:`sales_overview` one after the other (:func:`in_order`).

    Parameters
    ----------
    ctx : ReportContext
        The selection's context (:func:`~crmlib.dashboards.dashboard_context`).

    Returns
    -------
    generator of Section
        The sections of :data:`OVERVIEW_SECTIONS`, each made when the previous one is taken.
    """
    return in_order(overview_section, OVERVIEW_SECTIONS, ctx)


def sales_overview(crm, *, team=None, employee=None, period="last_month", start=None, end=None,
                   lang="en", as_of=None, currency="CNY") -> Dashboard:
    """Build the sales overview dashboard of a selection (see :func:`~crmlib.dashboards.dashboard_context`).

    Sections, in order: ``kpis`` (:func:`crmlib.metrics.sales_brief`: the period's figures with
    the change vs the previous period and a year ago), ``targets`` (completion gauges of
    contract amount, payments and new customers), ``trend`` (contract amount, payments and new
    customers per bucket), ``funnel`` (the ordered funnel of the period's new opportunities),
    ``leaderboard`` (employees by contract amount; one employee is ranked in the whole company
    and highlighted) and ``forgotten`` (customers not followed up for 7 ... 180 days, and each
    rep's to-do list, phone and e-mail masked, for a team or employee).

    Parameters
    ----------
    crm : crmlib.CRM
        The data.
    team : str, optional
        A team id (None: the whole company).
    employee : str, optional
        An employee id; wins over ``team`` (with subordinates).
    period : str, default='last_month'
        A period preset of :data:`crmlib.period.PRESETS`, or ``"custom"``.
    start : date-like, optional
        First day of a ``custom`` period.
    end : date-like, optional
        Last day (included) of a ``custom`` period.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    as_of : date-like, optional
        The report's day (None: the data's last event date).
    currency : str, default='CNY'
        Currency of the amounts (not converted).

    Returns
    -------
    Dashboard
        Its context, title and the six sections above, in order.

    Examples
    --------
    >>> import crmlib
    >>> d = sales_overview(crmlib.connect(), team="east", period="last_month")
    >>> [s.key for s in d.sections]
    ['kpis', 'targets', 'trend', 'funnel', 'leaderboard', 'forgotten']
    """
    ctx = dashboard_context(crm, team=team, employee=employee, period=period, start=start,
                            end=end, lang=lang, as_of=as_of, currency=currency)
    return Dashboard(ctx, ctx.t("dash_overview_title"),
                     list(overview_sections(ctx)))
