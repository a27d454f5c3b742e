"""What both dashboards share: the selection -> report context, sections, and charts as images.

A dashboard is a pure function from the viewer's selections (team, employee, period preset or
date range, language) to a :class:`Dashboard`: a list of :class:`Section` objects, each holding
what Jupyter displays (HTML with a plain-text form) and the frames its figures come from. Every
figure is computed by the same ``crmlib.metrics`` / ``crmlib.clv`` / ``crmlib.segment`` call as
the reports, and drawn by the same ``crmlib.plots`` function.
"""

from __future__ import annotations

import base64
import html
import io
import os
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import pandas as pd

from crmlib.context import ReportContext, resolve_context
from crmlib.display import HTMLText
from crmlib.i18n import t

__all__ = ["SOURCE_ENV", "Section", "Dashboard", "connect_source", "dashboard_context",
           "in_order", "chart", "message"]

# `crm dashboard --source` passes the data source to the kernels through this variable.
SOURCE_ENV = "CRM_DASHBOARD_SOURCE"


@dataclass
class Section:
    """One block of a dashboard: a heading, what it shows and the frames behind it.

    Renders as ``<section class="crm-section">`` in HTML and as ``## title`` then its items in
    plain text.

    Parameters
    ----------
    key : str
        The section's key (e.g. ``"kpis"``), also its ``data-section`` attribute.
    title : str
        The heading, in the dashboard's language.
    items : list, default=[]
        What it shows, in order: objects with an HTML form (tables, cards, figures) or text.
    data : dict[str, pandas.DataFrame], default={}
        The frames behind the items, by name (for tests and downloads).
    """

    key: str
    title: str
    items: list = field(default_factory=list)
    data: dict[str, pd.DataFrame] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        """Return the HTML form."""
        body = "".join(i._repr_html_() if hasattr(i, "_repr_html_") else html.escape(repr(i))
                       for i in self.items)
        return (f'<section class="crm-section" data-section="{html.escape(self.key)}">'
                f"<h3>{html.escape(self.title)}</h3>{body}</section>")

    def __repr__(self) -> str:
        """Return the plain-text form (what nbval compares and a console shows)."""
        return "\n".join([f"## {self.title}", *(repr(i) for i in self.items)])


@dataclass
class Dashboard:
    """The output of a dashboard function: its context and its sections, in display order.

    ``dashboard[key]`` gives the section ``key``.

    Parameters
    ----------
    ctx : ReportContext
        The selection's context (:func:`dashboard_context`).
    title : str
        The dashboard's title, in its language.
    sections : list of Section
        The sections, in display order.
    """

    ctx: ReportContext
    title: str
    sections: list[Section]

    def __getitem__(self, key: str) -> Section:
        """Return the section ``key``."""
        return next(s for s in self.sections if s.key == key)

    def _repr_html_(self) -> str:
        """Return the HTML form."""
        return f"<h2>{html.escape(self.title)}</h2>" + "".join(
            s._repr_html_() for s in self.sections)

    def __repr__(self) -> str:
        """Return the plain-text form (what nbval compares and a console shows)."""
        return "\n\n".join([f"# {self.title}", *(repr(s) for s in self.sections)])


def connect_source(source=None):
    """Open the dashboard's data: :func:`crmlib.connect` of ``source``.

    Falls back to ``$CRM_DASHBOARD_SOURCE``, then to the embedded data; a CRM opened here reuses
    scope-free intermediates across selections (:meth:`crmlib.data.connect.CRM.reuse`), and
    DuckDB's progress bar is turned off (it would print to the page).

    Parameters
    ----------
    source : str, path or CRM, optional
        The data source, as for :func:`crmlib.connect` (a CRM passed in is left as configured).

    Returns
    -------
    crmlib.CRM
        The connected data.
    """
    import crmlib

    crm = crmlib.connect(source or os.environ.get(SOURCE_ENV) or None)
    if crm is not source:  # a CRM passed in is the caller's to configure
        crm.reuse_intermediates = True
    if getattr(crm.backend, "name", "") == "duckdb":
        crm.backend.raw_sql("SET enable_progress_bar = false")
    return crm


def dashboard_context(crm, *, team=None, employee=None, period="last_month", start=None,
                      end=None, lang="en", as_of=None, currency="CNY") -> ReportContext:
    """Resolve the report context of a selection, as :func:`crmlib.open_report` does.

    ``employee`` (with subordinates) wins over ``team``; neither is the whole company.
    ``period`` is a preset of :data:`crmlib.period.PRESETS`; ``custom`` uses ``start`` and
    ``end`` (both days included). ``as_of`` defaults to the data's last event date.

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
    ReportContext
        The scope, period, ``as_of`` and language of the selection; ``params`` holds ``team``,
        ``employee``, ``currency`` and ``lang``.

    Raises
    ------
    ParamsError
        Unknown team, employee, preset or language, or bad dates.
    """
    t("company", lang)  # raises ValueError naming an unknown language
    ctx = resolve_context(crm, {"as_of": as_of, "period": period, "period_start": start,
                                "period_end": end, "employee": employee, "team": team},
                          lang=lang)
    ctx.params = {"team": team, "employee": employee, "currency": currency, "lang": lang}
    return ctx


def in_order(section, keys, ctx):
    """Yield ``section(ctx, key)`` for each of ``keys`` in turn.

    Sections come one by one (a generator, so that a dashboard can
    show each section as soon as it is ready).

    Parameters
    ----------
    section : callable
        ``section(ctx, key)`` makes the section ``key``.
    keys : sequence of str
        Section keys, in display order.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Yields
    ------
    Section
        Each section, in the order of ``keys``.
    """
    for key in keys:
        yield section(ctx, key)


def chart(fig, *, key: str) -> HTMLText:
    """Return a matplotlib Figure (or Axes) as an inline PNG; the figure is closed.

    The image's ``alt`` text and the plain-text form list the chart's texts (titles, axis and
    tick labels), so that tests and screen readers see the chart's language.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
        The chart.
    key : str
        The section's key.

    Returns
    -------
    crmlib.display.HTMLText
        HTML for reports with a plain-text form (what nbval compares).
    """
    fig = getattr(fig, "figure", fig)
    texts = [s for s in (o.get_text().strip() for o in _texts(fig)) if s]
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches=None)  # laid out already: one draw
    plt.close(fig)
    alt = " | ".join(dict.fromkeys(texts))
    src = base64.b64encode(buf.getvalue()).decode("ascii")
    return HTMLText(f'<img class="crm-chart" data-chart="{html.escape(key)}" '
                    f'alt="{html.escape(alt)}" src="data:image/png;base64,{src}" '
                    'style="max-width:100%"/>', f"[chart {key}: {alt}]")


def _texts(fig):
    """Yield the texts a viewer sees.

    Figure and axes titles, labels, annotations, legends, and the tick labels of axes that are
    shown.
    """
    yield from fig.texts
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        yield from (ax.title, ax._left_title, ax._right_title, *ax.texts)
        if ax.axison:
            yield from (ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(),
                        *ax.get_yticklabels())
        if ax.get_legend() is not None:
            yield from ax.get_legend().get_texts()


def message(text: str, css: str = "crm-message") -> HTMLText:
    """Return a plain sentence shown in place of a section (no data, pick a team, an error).

    Parameters
    ----------
    text : str
        The text shown.
    css : str, default='crm-message'
        CSS class of the ``<p>``.

    Returns
    -------
    crmlib.display.HTMLText
        An italic ``<p>`` as HTML, with the text as its plain-text form.
    """
    return HTMLText(f'<p class="{css}"><i>{html.escape(text)}</i></p>', text)
