"""The customer value dashboard: RFM segments, Pareto, top customers by CLV, churn risk.

One dashboard per selection (team / employee, period, language).

The figures are "as of" figures: they are computed as of the period's last day (capped at the
data's last event date). The calls are those of the reports ``100_rfm`` and ``120_clv_churn``.
BG/NBD and Gamma-Gamma are fit on the whole company (as :func:`crmlib.clv.customer_value` does),
so the fitted values are cached per (source, as-of date) and a team or employee selection only
keeps its customers' rows; amounts are in ``currency`` (not converted).
"""

from __future__ import annotations

import threading

import pandas as pd

from crmlib import clv, metrics, plots, segment
from crmlib.dashboards.common import Dashboard, Section, chart, dashboard_context, in_order
from crmlib.engine import parse_day

__all__ = ["VALUE_SECTIONS", "VALUE_GROUPS", "value_as_of", "company_value", "scoped_value",
           "value_section", "value_sections", "customer_value_dashboard"]

CLV_TOP = 10
_CACHE: dict[tuple, pd.DataFrame] = {}
_LOCK = threading.Lock()


def value_as_of(ctx) -> pd.Timestamp:
    """Pick the day value figures are computed as of: the period's last day, at most ``as_of``.

    Parameters
    ----------
    ctx : ReportContext
        The selection's context (:func:`~crmlib.dashboards.dashboard_context`).

    Returns
    -------
    pandas.Timestamp
        That day, at midnight.
    """
    return min(ctx.period.last_day, ctx.as_of.normalize())


def company_value(crm, *, as_of) -> pd.DataFrame:
    """Compute :func:`crmlib.clv.customer_value` of the whole company as of ``as_of``, cached.

    The model is fit once per (source, day) in this process (the fit takes seconds on a million
    contract lines).

    Parameters
    ----------
    crm : crmlib.CRM
        The data.
    as_of : date-like, optional
        The day of the figures (None: the data's last event date).

    Returns
    -------
    pandas.DataFrame
        One row per customer, with the columns of :func:`crmlib.clv.customer_value`
        (the cached frame itself: do not modify it).
    """
    key = (crm.description, id(crm.backend), parse_day(as_of))
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = clv.customer_value(crm, as_of=as_of)
        return _CACHE[key]


def scoped_value(value: pd.DataFrame, customer_ids) -> pd.DataFrame:
    """Keep the rows of a company :func:`company_value` frame whose customer is in ``customer_ids``.

    ``customer_ids`` are the scope's buyers, e.g. the ``customer_id`` of
    :func:`crmlib.metrics.rfm` for the scope; the result equals
    ``clv.customer_value(crm, scope=...)``, whose model is also fit on the company.

    Parameters
    ----------
    value : pandas.DataFrame
        A :func:`company_value` frame.
    customer_ids : iterable of str
        The customers to keep.

    Returns
    -------
    pandas.DataFrame
        The matching rows (same columns and ``attrs``), re-indexed from 0.
    """
    out = value[value["customer_id"].isin(set(customer_ids))].reset_index(drop=True)
    out.attrs = dict(value.attrs)
    return out


_KEPT: dict[tuple, pd.DataFrame] = {}  # the last selections' RFM and value frames, per process
_KEEP = 8


def _kept(ctx, what: str, compute) -> pd.DataFrame:
    """Return ``compute()`` for the selection's scope and :func:`value_as_of` day.

    Kept for the last :data:`_KEEP` selections (two sections of a selection need each frame).
    """
    # the key holds the CRM itself, so that its id cannot be reused by another connection
    key = (what, ctx.crm, ctx.scope.employee_ids, value_as_of(ctx))
    with _LOCK:
        if key in _KEPT:
            return _KEPT[key]
    df = compute()
    with _LOCK:
        _KEPT[key] = df
        while len(_KEPT) > _KEEP:
            _KEPT.pop(next(iter(_KEPT)))
    return df


def _rfm(ctx) -> pd.DataFrame:
    """:func:`crmlib.metrics.rfm` of the selection as of :func:`value_as_of`."""
    return _kept(ctx, "rfm", lambda: metrics.rfm(ctx.crm, as_of=value_as_of(ctx),
                                                  scope=ctx.scope))


def _value(ctx) -> pd.DataFrame:
    """Return the selection's rows of :func:`company_value` as of :func:`value_as_of`."""
    every = company_value(ctx.crm, as_of=value_as_of(ctx))
    if ctx.scope.employee_ids is None:
        return every
    return _kept(ctx, "value", lambda: scoped_value(every, _rfm(ctx)["customer_id"]))


def _segments(ctx) -> Section:
    seg = metrics.segment_summary(_rfm(ctx), scheme="rfm11")
    return Section("segments", ctx.t("value_segments_rfm11"),
                   [chart(plots.segment_bars(seg, lang=ctx.lang), key="segments"),
                    plots.segment_table(seg, ctx)], {"segments": seg})


def _pareto(ctx) -> Section:
    curve = metrics.pareto(_rfm(ctx))
    return Section("pareto", ctx.t("value_pareto"),
                   [plots.pareto_headline(curve, ctx),
                    chart(plots.pareto_curve(curve, lang=ctx.lang), key="pareto")],
                   {"pareto": curve})


def _top_clv(ctx) -> Section:
    value = _value(ctx)
    return Section("clv", ctx.t("clv_top_heading"), [plots.clv_table(value, ctx, top=CLV_TOP)],
                   {"value": value})


def _risk(ctx) -> Section:
    value = _value(ctx)
    risk = segment.churn_risk(value[["customer_id", "p_alive"]])
    return Section("risk", ctx.t("clv_risk_heading"), [plots.risk_table(risk, ctx)],
                   {"risk": risk})


_SECTIONS = {"segments": _segments, "pareto": _pareto, "clv": _top_clv, "risk": _risk}
VALUE_SECTIONS = tuple(_SECTIONS)
# Which sections one worker process computes (see :mod:`crmlib.dashboards.workers`): the RFM
# ones, and the CLV ones, whose process keeps the company fit.
VALUE_GROUPS = (("segments", "pareto"), ("clv", "risk"))


def value_section(ctx, key: str) -> Section:
    """Build the section ``key`` (one of :data:`VALUE_SECTIONS`) of :func:`customer_value_dashboard`.

    Parameters
    ----------
    ctx : ReportContext
        The selection's context (:func:`~crmlib.dashboards.dashboard_context`).
    key : str
        The section's key.

    Returns
    -------
    Section
        The section's heading, items (tables, charts) and frames.
    """
    return _SECTIONS[key](ctx)


def value_sections(ctx):
    """Build the sections of :func:`customer_value_dashboard` one after the other (:func:`in_order`).

    Parameters
    ----------
    ctx : ReportContext
        The selection's context (:func:`~crmlib.dashboards.dashboard_context`).

    Returns
    -------
    generator of Section
        The sections of :data:`VALUE_SECTIONS`, each made when the previous one is taken.
    """
    return in_order(value_section, VALUE_SECTIONS, ctx)


def customer_value_dashboard(crm, *, team=None, employee=None, period="last_month", start=None, end=None,
                   lang="en", as_of=None, currency="CNY") -> Dashboard:
    """Build the customer value dashboard of a selection, as of the period's last day.

    The selection is resolved by :func:`~crmlib.dashboards.dashboard_context`.

    Sections, in order: ``segments`` (customers, revenue and mean R/F/M per segment of the
    11-segment RFM scheme), ``pareto`` (the share of customers that makes 80 % of revenue, and
    the curve), ``clv`` (the top customers by lifetime value over 365 days, 10 % a year
    discount) and ``risk`` (customers per churn-risk band, 1 - P(alive)).

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
        Its context, title and the four sections above, in order.

    Examples
    --------
    >>> import crmlib
    >>> d = customer_value_dashboard(crmlib.connect(), team="east", period="this_month")
    >>> [s.key for s in d.sections]
    ['segments', 'pareto', 'clv', 'risk']
    """
    ctx = dashboard_context(crm, team=team, employee=employee, period=period, start=start,
                            end=end, lang=lang, as_of=as_of, currency=currency)
    return Dashboard(ctx, ctx.t("dash_value_title"), list(value_sections(ctx)))
