"""Charts and tables of the leads topic (90_leads).

Leads over time, conversion by source with its confidence interval, days to convert, cost per lead, and the lead-scoring model's held-out
quality, calibration and feature importance.

The frames come from :mod:`crmlib.metrics.leads` and the fitted model from
:func:`crmlib.scoring.fit_lead_scorer`; nothing here computes a figure. Tables render as HTML
with a plain-text form (what nbval compares) and say "not available" when the data lacks a
table, or when the leads have no dates for a figure that needs them.
"""

from __future__ import annotations

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from crmlib.display import HTMLText
from crmlib.engine import is_available
from crmlib.i18n import t
from crmlib.plots.style import (
    label_lang,
    message,
    not_available_note,
    nothing_to_draw,
    pct,
)

__all__ = ["lead_row_labels", "leads_not_available", "leads_trend", "lead_conversion_bars", "lead_calibration_plot", "lead_importance_bars"]


def lead_row_labels(df: pd.DataFrame, lang: str = "en", column: str = "value",
                    names: dict | None = None) -> list[str]:
    """Name each row of a leads frame for a table or an axis.

    A row is named by its value (or ``names[value]``, e.g. an owner's name), "other (N)" /
    "其他（N 项）", "unknown" / "未知" or "Total" / "合计".

    Parameters
    ----------
    df : pandas.DataFrame
        A by-group frame of :mod:`crmlib.metrics.leads` (with ``kind`` and, for the other row,
        ``values``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    column : str, default='value'
        The column holding the row's value.
    names : dict, optional
        Display names of the first column's values (e.g. employee names).

    Returns
    -------
    list[str]
        One label per row of ``df``, in ``lang``.
    """
    out = []
    n = df["values"] if "values" in df.columns else [1] * len(df)
    for v, kind, count in zip(df[column], df["kind"], n, strict=True):
        if kind == "unknown":
            out.append(t("unknown", lang))
        elif kind == "other":
            out.append(t("leads_other", lang, n=int(count)))
        elif kind == "total":
            out.append(t("leads_total", lang))
        else:
            out.append(str((names or {}).get(v, v)))
    return out


def leads_not_available(df: pd.DataFrame, ctx) -> HTMLText | None:
    """Say why a leads frame has nothing to show, or nothing when it has data.

    "Not available" when ``df`` says so (no table, or leads without dates); "no data" for an
    empty frame; else None.

    Parameters
    ----------
    df : pandas.DataFrame
        Any frame of :mod:`crmlib.metrics.leads`.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText or None
        The message as HTML with a plain-text form (what nbval compares); None when there is
        nothing to say.
    """
    lang = label_lang(ctx)
    if not is_available(df):
        if df.attrs.get("reason") == "undated":
            return message(t("leads_undated", lang))
        return not_available_note(df, lang)
    if df.empty:
        return message(t("no_data", lang), "crm-no-data")
    return None


def leads_trend(df: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax=None,
                **kwargs):
    """Draw leads per bucket as bars, the converted ones as a darker bar inside.

    Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.leads.leads_by_period` frame (``bucket``, ``leads``,
        ``converted``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).
    **kwargs
        Passed on to matplotlib (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    if df.empty or not (df["leads"] > 0).any():
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6))
    step = (df["bucket"].diff().dt.days.median() if len(df) > 1 else 1) or 1
    pal = sns.color_palette()
    ax.bar(df["bucket"], df["leads"], width=0.8 * step, color=kwargs.pop("color", pal[0]),
           alpha=0.45, label=t("leads_leads", lang))
    ax.bar(df["bucket"], df["converted"], width=0.8 * step, color=pal[0],
           label=t("leads_converted", lang))
    if title:
        ax.set_title(title)
    ax.set_xlabel("")
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m" if step > 20 else "%m-%d"))
    ax.tick_params(axis="x", labelsize="small")
    ax.legend(loc="upper left", frameon=False, fontsize="small")
    return ax.figure


def lead_conversion_bars(df: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                         ax=None, **kwargs):
    """Draw the lead conversion rate per group as dots with their confidence interval.

    The interval is a line; rows keep the frame's order (best lower bound on top), each
    labelled "rate (converted / leads)". Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.leads.lead_conversion` frame (``leads``, ``converted``,
        ``conversion_rate``, ``ci_low``, ``ci_high``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).
    **kwargs
        Passed on to matplotlib (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The dot chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    if df.empty or not (df["leads"] > 0).any():
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.42 * len(df) + 1.3))
    y = list(range(len(df)))
    color = kwargs.pop("color", sns.color_palette()[0])
    grey = "#a0aec0"
    for yi, lo, hi, r, kind in zip(y, df["ci_low"], df["ci_high"], df["conversion_rate"],
                                   df["kind"], strict=True):
        c = color if kind == "value" else grey
        ax.plot([lo, hi], [yi, yi], color=c, linewidth=2.5, alpha=0.6, solid_capstyle="butt")
        ax.plot([r], [yi], "o", color=c)
    for yi, hi, r, k, n in zip(y, df["ci_high"], df["conversion_rate"], df["converted"],
                               df["leads"], strict=True):
        ax.text(min(hi, 1.0) + 0.01, yi, f"{pct(r)} ({int(k):,}/{int(n):,})", va="center",
                fontsize="small")
    ax.set_yticks(y, lead_row_labels(df, lang))
    ax.invert_yaxis()
    ax.set_xlim(0, min(1.0, float(df["ci_high"].max()) * 1.35 + 0.05))
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax.figure


def lead_calibration_plot(calibration: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                     ax=None, **kwargs):
    """Draw mean predicted against realised conversion per decile of the test leads.

    The deciles come from :attr:`crmlib.scoring.LeadScorer.calibration_`; the diagonal marks
    a perfect calibration. Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    calibration : pandas.DataFrame
        The ``calibration_`` frame of a fitted :class:`crmlib.scoring.LeadScorer` (``decile``,
        ``predicted``, ``realised``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).
    **kwargs
        Passed on to matplotlib (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    if calibration is None or calibration.empty:
        return nothing_to_draw(calibration, lang, ax=ax)
    ax = plt.subplots(figsize=(4.8, 4.4))[1] if ax is None else ax
    ax.plot([0, 1], [0, 1], color="#a0aec0", linestyle="--", linewidth=1)
    ax.plot(calibration["predicted"], calibration["realised"], "o-",
            color=kwargs.pop("color", sns.color_palette()[0]))
    for d, x, y in zip(calibration["decile"], calibration["predicted"],
                       calibration["realised"], strict=True):
        ax.annotate(str(d), (x, y), textcoords="offset points", xytext=(4, -10),
                    fontsize="x-small")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(t("leads_predicted", lang))
    ax.set_ylabel(t("leads_realised", lang))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    if title:
        ax.set_title(title)
    return ax.figure


def lead_importance_bars(importance: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                    ax=None, **kwargs):
    """Draw the lead scorer's permutation importance per feature as horizontal bars.

    The importance comes from :attr:`crmlib.scoring.LeadScorer.importance_`; bars carry their
    standard deviation, most important on top. Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    importance : pandas.DataFrame
        The ``importance_`` frame of a fitted :class:`crmlib.scoring.LeadScorer` (feature,
        importance and its standard deviation).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).
    **kwargs
        Passed on to matplotlib (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    if importance is None or importance.empty:
        return nothing_to_draw(importance, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.38 * len(importance) + 1.2))
    y = list(range(len(importance)))
    ax.barh(y, importance["importance"], xerr=importance["std"],
            color=kwargs.pop("color", sns.color_palette()[2]), ecolor="#4a5568")
    ax.set_yticks(y, [t(f"leads_feature_{f}", lang) for f in importance["feature"]])
    ax.invert_yaxis()
    ax.axvline(0, color="#4a5568", linewidth=0.8)
    ax.set_xlabel(t("leads_importance", lang))
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax.figure
