"""Charts of the funnel topic (30_sales_funnel).

Charts take a frame from :mod:`crmlib.metrics.funnel` and return the matplotlib ``Figure``; their
text comes from the label catalogue in ``lang``. A frame that is empty, or not available
(:func:`crmlib.engine.is_available`: an optional table is absent), is drawn as a one-line
message instead of a chart. The tables and headline cards are in
:mod:`crmlib.plots.funnel_tables`.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, PercentFormatter

from crmlib.i18n import t, value_label
from crmlib.plots.base import trend
from crmlib.plots.style import (
    axes_or_new,
    draw_message,
    pct,
    short_number,
    unavailable_text,
)

__all__ = ["funnel_chart", "snapshot_chart", "win_rate_chart", "new_opportunities_chart", "lost_reasons_chart", "time_in_stage_chart", "expected_revenue_chart"]

_OUTCOME_COLOURS = {"open": 0, "won": 2, "lost": 3}


def _first_pipeline(df: pd.DataFrame, pipeline: str | None) -> pd.DataFrame:
    if "pipeline" not in df or df.empty:
        return df
    return df[df["pipeline"] == (pipeline or df["pipeline"].iloc[0])]


def funnel_chart(df: pd.DataFrame, *, lang: str = "en", pipeline: str | None = None,
                 ax=None):
    """Draw the ordered funnel of one pipeline as centred horizontal bars.

    Bars of ``reached`` in stage order, top to bottom, each labelled with its count and
    cumulative conversion, and the stage-to-stage conversion between bars. One pipeline
    (default: the first).

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.ordered_funnel` frame (``stage``, ``reached``,
        ``stage_conversion``, ``cumulative_conversion``, per pipeline).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    pipeline : str, optional
        The pipeline shown (None: the first).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The funnel chart's figure (the figure of ``ax`` when given); a "not available" figure
        when there is nothing to draw.
    """
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    d = _first_pipeline(df, pipeline).reset_index(drop=True)
    y = list(range(len(d)))[::-1]
    top = float(d["reached"].max()) or 1.0
    colour = sns.color_palette()[0]
    # centred bars draw the funnel shape
    ax.barh(y, d["reached"], left=(top - d["reached"]) / 2, color=colour, height=0.7)
    for yi, r in zip(y, d.itertuples(index=False), strict=True):
        ax.text(top / 2, yi, f"{r.reached:,}  ({pct(r.cumulative_conversion)})", ha="center",
                va="center", color="white" if r.reached > 0.25 * top else "#1a202c",
                fontweight="bold")
        if not math.isnan(r.stage_conversion):
            ax.text(top * 1.02, yi - 0.5, f"↓ {pct(r.stage_conversion)}", va="center",
                    fontsize="small", color="#4a5568")
    ax.set_yticks(y, [value_label("stage_name_", s, lang) for s in d["stage"]])
    ax.set_xlim(0, top * 1.18)
    ax.set_xticks([])
    ax.grid(False)
    ax.set_title(f"{t('reached', lang)} ({t('cumulative_conversion', lang)}), "
                 f"↓ {t('stage_conversion', lang)}", fontsize="medium")
    sns.despine(ax=ax, left=True, bottom=True)
    return ax.figure


def snapshot_chart(df: pd.DataFrame, *, lang: str = "en", pipeline: str | None = None,
                   ax=None):
    """Draw the pipeline snapshot: how many opportunities sit in each stage.

    One horizontal bar per stage in order, its count; open stages, won and lost in the period
    coloured apart, each bar labelled with its amount.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.pipeline_snapshot` frame (``stage``, ``outcome``, ``count``,
        ``amount``, per pipeline).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    pipeline : str, optional
        The pipeline shown (None: the first).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    d = _first_pipeline(df, pipeline).reset_index(drop=True)
    pal = sns.color_palette()
    y = list(range(len(d)))[::-1]
    colours = [pal[_OUTCOME_COLOURS.get(o, 7)] for o in d["outcome"]]
    ax.barh(y, d["count"], color=colours, height=0.7)
    top = float(d["count"].max()) or 1.0
    for yi, r in zip(y, d.itertuples(index=False), strict=True):
        amount = "—" if pd.isna(r.amount) else short_number(r.amount)
        ax.text(r.count + top * 0.01, yi, f"{r.count:,} · {amount}", va="center",
                fontsize="small")
    names = [value_label("stage_name_", s, lang) for s in d["stage"]]
    ax.set_yticks(y, names)
    ax.set_xlim(0, top * 1.3)
    ax.set_xlabel(t("count", lang))
    handles = [plt.Rectangle((0, 0), 1, 1, color=pal[i]) for i in _OUTCOME_COLOURS.values()]
    ax.legend(handles, [t(f"stage_{o}", lang) for o in _OUTCOME_COLOURS], loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax.figure


def win_rate_chart(df: pd.DataFrame, *, lang: str = "en", ax=None):
    """Draw closed and cohort win rates per bucket as two lines.

    Undefined buckets (nothing closed) leave a gap; the y axis is in percent.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.win_rate` frame with ``by="bucket"`` (``bucket``,
        ``closed_win_rate``, ``cohort_win_rate``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The line chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    import matplotlib.dates as mdates

    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    for col, marker in (("closed_win_rate", "o"), ("cohort_win_rate", "s")):
        ax.plot(df["bucket"], df[col], marker=marker, label=t(col, lang))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, max(1.0 if df[["closed_win_rate", "cohort_win_rate"]].max().max() > 0.6
                       else 0.6, 0.1))
    monthly = len(df) > 1 and (df["bucket"].iloc[1] - df["bucket"].iloc[0]).days > 20
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=7))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m" if monthly else "%m-%d"))
    ax.legend(fontsize="small")
    ax.set_title(t("win_rates", lang))
    return ax.figure


def new_opportunities_chart(df: pd.DataFrame, *, lang: str = "en", ax=None):
    """Draw new opportunities per bucket: bars of the count, the amount as a line.

    The amount is drawn on a second y axis, with short numbers.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.new_opportunities` frame (``bucket``, ``count``, ``amount``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    trend(df.assign(value=df["count"]), label=t("opportunity_trend", lang), ax=ax)
    ax.set_ylabel(t("count", lang))
    ax2 = ax.twinx()
    ax2.plot(df["bucket"], df["amount"], color=sns.color_palette()[1], marker=".",
             label=t("amount", lang))
    ax2.yaxis.set_major_formatter(FuncFormatter(short_number))
    ax2.set_ylabel(t("amount", lang))
    ax2.grid(False)
    ax2.set_ylim(bottom=0)
    return ax.figure


def _hbars(df, value, labels, *, lang, ax, fmt, colour=0):
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg)
    d = df.reset_index(drop=True)
    y = list(range(len(d)))[::-1]
    vals = d[value].astype("float64").fillna(0.0)
    ax.barh(y, vals, color=sns.color_palette()[colour], height=0.7)
    top = float(vals.max()) or 1.0
    for yi, v, raw in zip(y, vals, d[value], strict=True):
        ax.text(v + top * 0.01, yi, fmt(raw), va="center", fontsize="small")
    ax.set_yticks(y, labels)
    ax.set_xlim(0, top * 1.2)
    return ax


def lost_reasons_chart(df: pd.DataFrame, *, lang: str = "en", ax=None):
    """Draw lost opportunities by reason as horizontal bars.

    Each bar is labelled with its count and share; no reason shows as unknown.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.lost_reasons` frame (``lost_reason``, ``count``, ``share``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    labels = [r if isinstance(r, str) else t("unknown", lang)
              for r in df.get("lost_reason", [])]
    shares = dict(zip(df.get("count", []), df.get("share", []), strict=False))
    ax = _hbars(df, "count", labels, lang=lang, ax=ax, colour=3,
                fmt=lambda v: f"{v:,.0f} ({pct(shares.get(v, math.nan))})")
    ax.set_xlabel(t("count", lang))
    return ax.figure


def time_in_stage_chart(df: pd.DataFrame, *, lang: str = "en", pipeline: str | None = None,
                        ax=None):
    """Draw mean days per open stage (:func:`crmlib.metrics.time_in_stage`), median in the label.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.time_in_stage` frame (``stage``, ``mean_days``, ``median_days``,
        per pipeline).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    pipeline : str, optional
        The pipeline shown (None: the first).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    d = _first_pipeline(df, pipeline) if unavailable_text(df, lang) is None else df
    med = list(d.get("median_days", []))
    it = iter(med)
    ax = _hbars(d, "mean_days", [value_label("stage_name_", s, lang) for s in d.get("stage", [])], lang=lang, ax=ax,
                fmt=lambda v: ("—" if pd.isna(v) else
                               f"{v:.1f} ({t('funnel_median_days', lang)} {next(it):.1f})"))
    ax.set_xlabel(t("funnel_mean_days", lang))
    return ax.figure


def expected_revenue_chart(df: pd.DataFrame, *, lang: str = "en", ax=None):
    """Draw open amount and expected revenue per expected close month as paired bars.

    Expected revenue is amount x stage probability (:func:`crmlib.metrics.expected_revenue`);
    overdue months are hatched and deals without an expected close date come last.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.expected_revenue` frame (``month``, ``amount``, ``expected``,
        ``overdue``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    d = df.reset_index(drop=True)
    names = [t("no_expected_close", lang) if pd.isna(m) else f"{m:%Y-%m}" for m in d["month"]]
    x = range(len(d))
    pal = sns.color_palette()
    for offset, col, colour, label in ((-0.2, "amount", pal[0], t("amount", lang)),
                                       (0.2, "expected", pal[2], t("expected_amount", lang))):
        bars = ax.bar([i + offset for i in x], d[col].fillna(0.0), width=0.4, color=colour,
                      label=label)
        for b, overdue in zip(bars, d["overdue"], strict=True):
            if overdue:
                b.set_hatch("//")
    ax.set_xticks(list(x), names, rotation=45 if len(d) > 8 else 0, fontsize="small")
    ax.yaxis.set_major_formatter(FuncFormatter(short_number))
    ax.set_xlabel(t("expected_close_month", lang))
    ax.legend(fontsize="small")
    return ax.figure
