"""Charts and tables of customer value: RFM segments and grid, Pareto, migration, lifecycle.

The frames come from :mod:`crmlib.metrics.rfm_scores`, :mod:`crmlib.metrics.value` and
:mod:`crmlib.metrics.lifecycle_stages`; nothing here computes a figure. Segment ids and stages
are shown by their catalogue names (``rfm_seg_<id>``, ``lifecycle_stage_<stage>``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from crmlib.display import HTMLText, fmt_value, rows_table
from crmlib.i18n import t, value_label
from crmlib.plots.style import label_lang, nothing_to_draw, number, pct

__all__ = ["segment_bars", "segment_table", "rfm_grid", "pareto_curve", "pareto_headline",
           "crosstab_heatmap", "lifecycle_bars", "lifecycle_table"]


_STAGE_COLOURS = {"potential": "#90cdf4", "new": "#9ae6b4", "active": "#38a169",
                  "dormant": "#ed8936", "churned": "#c53030"}


def segment_bars(summary: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                 ax=None):
    """Draw customers per RFM segment as horizontal bars, in the frame's order.

    Each bar is labelled "customers · share of revenue".

    Parameters
    ----------
    summary : pandas.DataFrame
        A :func:`crmlib.metrics.segment_summary` frame (``segment``, ``customers``,
        ``revenue_share``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.38 * len(summary) + 1.2))
    names = [value_label("rfm_seg_", s, lang) for s in summary["segment"]]
    y = np.arange(len(summary))
    ax.barh(y, summary["customers"], color=sns.color_palette()[0])
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    top = float(summary["customers"].max() or 1)
    for yi, c, r in zip(y, summary["customers"], summary["revenue_share"], strict=True):
        ax.text(c + top * 0.01, yi, f"{c:,} · {pct(r)} {t('value_of_revenue', lang)}",
                va="center", fontsize="small")
    ax.set_xlim(0, top * 1.45)
    ax.set_title(title or "")
    ax.set_xlabel(t("rfm_customers", lang))
    return ax.figure


def segment_table(summary: pd.DataFrame, ctx) -> HTMLText:
    """Tabulate an RFM segment summary: segment, customers, shares, revenue and mean R, F, M.

    Parameters
    ----------
    summary : pandas.DataFrame
        A :func:`crmlib.metrics.segment_summary` frame (``segment``, ``customers``, ``share``,
        ``revenue``, ``revenue_share``, ``recency_days_mean``, ``frequency_mean``,
        ``monetary_mean``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    currency = (getattr(ctx, "params", {}) or {}).get("currency")
    heads = [t(k, lang) for k in ("rfm_segment", "rfm_customers", "rfm_customer_share",
                                  "rfm_revenue", "rfm_revenue_share", "value_mean_recency",
                                  "value_mean_frequency", "value_mean_monetary")]
    rows = [[value_label("rfm_seg_", r.segment, lang), f"{r.customers:,}",
             pct(r.customer_share), fmt_value(r.revenue, "amount", currency),
             pct(r.revenue_share), number(r.recency_days_mean, 0), number(r.frequency_mean, 2),
             fmt_value(r.monetary_mean, "amount")]
            for r in summary.itertuples(index=False)]
    return rows_table(heads, rows, css_class="crm-segments")


def rfm_grid(rfm_frame: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax=None):
    """Draw customers by R score (rows, 5 on top) and F score (columns) as an annotated heatmap.

    Cells are coloured by their mean monetary value. An empty frame gives a "not available"
    figure.

    Parameters
    ----------
    rfm_frame : pandas.DataFrame
        A :func:`crmlib.metrics.rfm` frame (one row per customer: ``r_score``, ``f_score``,
        ``monetary``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).

    Returns
    -------
    matplotlib.figure.Figure
        The chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    if rfm_frame.empty:
        return nothing_to_draw(rfm_frame, lang, ax=ax)
    ax = plt.gca() if ax is None else ax
    g = rfm_frame.groupby(["r_score", "f_score"])
    idx = pd.Index(range(5, 0, -1), name="r_score")
    cols = pd.Index(range(1, 6), name="f_score")
    counts = g.size().unstack().reindex(index=idx, columns=cols).fillna(0).astype(int)
    money = g["monetary"].mean().unstack().reindex(index=idx, columns=cols)
    ax.grid(False)
    sns.heatmap(money, annot=counts, fmt=",d", cmap="Blues", cbar_kws={
        "label": t("value_mean_monetary", lang)}, ax=ax, linewidths=0.5)
    ax.set_xlabel(t("rfm_f_score", lang))
    ax.set_ylabel(t("rfm_r_score", lang))
    ax.set_title(title or "")
    return ax.figure


def pareto_curve(curve: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax=None):
    """Draw the Pareto curve: cumulative share of revenue against the share of customers.

    Customers come most valuable first (a :func:`crmlib.metrics.pareto` frame), with the
    headline point marked.

    Parameters
    ----------
    curve : pandas.DataFrame
        A :func:`crmlib.metrics.pareto` frame.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).

    Returns
    -------
    matplotlib.figure.Figure
        The chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    ax = plt.gca() if ax is None else ax
    x = np.r_[0, curve["customer_share"].to_numpy()]
    y = np.r_[0, curve["revenue_share"].to_numpy()]
    ax.plot(x, y, color=sns.color_palette()[0], lw=2)
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1)
    a = curve.attrs
    if a.get("customers_for_target") and not pd.isna(a["customers_for_target"]):
        cx, ty = a["customer_share_for_target"], a["target"]
        ax.axhline(ty, color="grey", lw=0.8, ls="--")
        ax.axvline(cx, color="grey", lw=0.8, ls="--")
        ax.annotate(f"{cx:.0%} → {ty:.0%}", (cx, ty), xytext=(cx + 0.05, ty - 0.15),
                    arrowprops={"arrowstyle": "->"}, fontsize="small")
    ax.xaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(t("rfm_customer_share", lang))
    ax.set_ylabel(t("rfm_revenue_share", lang))
    ax.set_title(title or t("rfm_pareto", lang))
    return ax.figure


def pareto_headline(curve: pd.DataFrame, ctx) -> HTMLText:
    """Say in words how concentrated revenue is among customers.

    The share of customers that makes the target share of revenue, and what the top share of
    customers makes.

    Parameters
    ----------
    curve : pandas.DataFrame
        A :func:`crmlib.metrics.pareto` frame (``customer_share``, ``revenue_share``; the
        headline figures in ``attrs``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The sentence as HTML with a plain-text form (what nbval compares).
    """
    lang, a = label_lang(ctx), curve.attrs
    if not a.get("customers"):
        msg = t("no_data", lang)
        return HTMLText(f"<p><i>{msg}</i></p>", msg)
    text = (t("rfm_pareto_headline", lang, share=pct(a["customer_share_for_target"]),
              target=f"{a['target']:.0%}") + "; "
            + t("value_top_share", lang, top=f"{a['top']:.0%}",
                share=pct(a["top_revenue_share"]),
                n=f"{a['top_customers']:,}", total=f"{a['customers']:,}"))
    return HTMLText(f"<p><b>{text}</b></p>", text)


def crosstab_heatmap(wide: pd.DataFrame, *, prefix: str, lang: str = "en",
                     title: str | None = None, xlabel: str = "", ylabel: str = "", ax=None):
    """Draw a from x to crosstab of customer counts as an annotated heatmap.

    The crosstab is a migration or transitions frame; rows and columns are named through the
    catalogue ``prefix``.

    Parameters
    ----------
    wide : pandas.DataFrame
        A from x to crosstab of customer counts (rows: from, columns: to), e.g. a segment
        migration or lifecycle transitions frame.
    prefix : str
        Catalogue prefix naming the rows and columns (e.g. ``"rfm_seg_"`` or ``"lifecycle_stage_"``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    xlabel : str, default=''
        Label of the x axis (the "to" side).
    ylabel : str, default=''
        Label of the y axis (the "from" side).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(0.75 * wide.shape[1] + 3, 0.45 * wide.shape[0] + 1.5))
    data = wide.rename(index=lambda v: value_label(prefix, v, lang),
                       columns=lambda v: value_label(prefix, v, lang))
    sns.heatmap(data, annot=True, fmt=",d", cmap="Blues", cbar=False, linewidths=0.5, ax=ax,
                annot_kws={"fontsize": "x-small"})
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "")
    ax.tick_params(axis="x", labelrotation=45, labelsize="small")
    ax.tick_params(axis="y", labelsize="small")
    return ax.figure


def lifecycle_bars(summary: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax=None):
    """Draw customers per lifecycle stage as bars in stage order, labelled with count and share.

    Parameters
    ----------
    summary : pandas.DataFrame
        A :func:`crmlib.metrics.lifecycle_summary` frame (``stage``, ``customers``, ``share``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    ax = plt.gca() if ax is None else ax
    names = [value_label("lifecycle_stage_", s, lang) for s in summary["stage"]]
    ax.bar(names, summary["customers"],
           color=[_STAGE_COLOURS.get(s, "#718096") for s in summary["stage"]])
    top = float(summary["customers"].max() or 1)
    for i, (c, s) in enumerate(zip(summary["customers"], summary["share"], strict=True)):
        ax.text(i, c + top * 0.01, f"{c:,}\n{pct(s)}", ha="center", va="bottom",
                fontsize="small")
    ax.set_ylim(0, top * 1.2)
    ax.set_ylabel(t("rfm_customers", lang))
    ax.set_title(title or "")
    return ax.figure


def lifecycle_table(summary: pd.DataFrame, ctx) -> HTMLText:
    """Tabulate customers per lifecycle stage (stage, customers, share), with a total row.

    Parameters
    ----------
    summary : pandas.DataFrame
        A :func:`crmlib.metrics.lifecycle_summary` frame (``stage``, ``customers``, ``share``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    heads = [t(k, lang) for k in ("lifecycle_stage", "rfm_customers", "rfm_customer_share")]
    rows = [[value_label("lifecycle_stage_", r.stage, lang), f"{r.customers:,}", pct(r.share)]
            for r in summary.itertuples(index=False)]
    rows.append([t("portrait_total", lang), f"{int(summary['customers'].sum()):,}",
                 pct(1.0 if summary["customers"].sum() else np.nan)])
    return rows_table(heads, rows, css_class="crm-lifecycle")
