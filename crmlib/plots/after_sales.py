"""Charts and tables of the after-sale topic (:mod:`crmlib.metrics.after_sales`).

Orders and returns per bucket with the refund rate, the refund rate by reason, sale-to-return
delays, and the funnel plot of return rates (rate vs orders, with the control limit).

Charts take the metric's frame and ``lang`` and return a matplotlib ``Figure`` (a "not
available" figure when there is nothing to draw); tables take ``ctx`` (a report context or a language) and return
:class:`crmlib.display.HTMLText` with a plain-text form (what nbval compares). By product, see
:func:`crmlib.plots.return_rate_bars` and :func:`crmlib.plots.returns_table`.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from crmlib.i18n import t
from crmlib.plots.style import (
    is_missing,
    labelled_barh,
    nothing_to_draw,
    pct,
    short_number,
)

__all__ = ["after_orders_chart", "after_reason_bars", "after_delay_bars", "after_funnel_plot",
           "after_reason_labels", "after_delay_stats", "after_row_names"]

_RED, _GREY = "#c53030", "#a0aec0"


def _bucket_labels(buckets) -> list[str]:
    b = pd.to_datetime(pd.Series(buckets))
    monthly = len(b) > 1 and (b.iloc[1] - b.iloc[0]).days > 20
    return [f"{d:%Y-%m}" if monthly else f"{d:%m-%d}" for d in b]


def after_orders_chart(df: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                       ax=None):
    """Draw sold and returned amount per bucket as paired bars, with the refund rate as a line.

    The refund rate (returned / sold amount) is drawn on the right axis. Nothing to draw gives a
    "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.orders_and_returns` frame (``bucket``, ``sold_amount``,
        ``returned_amount``, ``refund_rate``; the period's rate in ``attrs``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar-and-line chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    if df.empty or not ((df["sold_amount"] > 0).any() or (df["returned_amount"] > 0).any()):
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(df))
    pal = sns.color_palette()
    ax.bar(x - 0.2, df["sold_amount"], width=0.4, color=pal[0],
           label=t("prod_sold_amount", lang))
    ax.bar(x + 0.2, df["returned_amount"].fillna(0), width=0.4, color=pal[3],
           label=t("prod_returned_amount", lang))
    labels = _bucket_labels(df["bucket"])
    step = max(1, math.ceil(len(df) / 12))
    ax.set_xticks(x[::step], labels[::step])
    ax.tick_params(axis="x", labelsize="small")
    ax.yaxis.set_major_formatter(FuncFormatter(short_number))
    ax.grid(axis="x", visible=False)
    rate = ax.twinx()
    rates = df["refund_rate"].astype("float64")
    # one bucket with little sold can have a rate of several hundred %: cap the axis at 4x the
    # period's rate (at least 5 %) and draw such a bucket at the top with its value
    period_rate = df.attrs.get("refund_rate", math.nan)
    cap = max(4 * (0.0 if is_missing(period_rate) else period_rate), 0.05)
    top = min(float(rates.max(skipna=True)) if rates.notna().any() else 0.0, cap) or 0.01
    shown = rates.clip(upper=top)
    rate.plot(x, shown, color="#2d3748", marker="o", markersize=4,
              label=t("after_refund_rate", lang))
    for xi, r in zip(x, rates, strict=True):
        if r > top:
            rate.annotate(f"▲ {r:.0%}", (xi, top), xytext=(0, 4), textcoords="offset points",
                          ha="center", fontsize="x-small", color="#2d3748")
    if not is_missing(period_rate):
        rate.axhline(min(period_rate, top), color="#2d3748", linestyle=":", linewidth=1,
                     label=t("after_period_rate", lang, rate=pct(period_rate)))
    rate.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if top > 0.05 else 1))
    rate.set_ylim(0, top * 1.25)
    rate.grid(False)
    handles = ax.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper center", ncol=4,
              bbox_to_anchor=(0.5, -0.08), frameon=False, fontsize="small")
    ax.set_xlabel("")
    if title:
        ax.set_title(title)
    return ax.figure


def after_reason_labels(df: pd.DataFrame, lang: str) -> list[str]:
    """Return what each row of :func:`crmlib.metrics.returns_by_reason` is called.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.returns_by_reason` frame (``reason``, ``kind``).
    lang : str
        Language of the labels.

    Returns
    -------
    list of str
        The reason, "other reasons" or "no reason given".
    """
    return [t("after_other_reasons", lang) if k == "other" else
            t("after_no_reason", lang) if k == "unknown" else str(r)
            for r, k in zip(df["reason"], df["kind"], strict=True)]


def after_reason_bars(df: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                      ax=None, **kwargs):
    """Draw each return reason's part of the refund rate as horizontal bars.

    Bars are labelled "rate · returned amount"; other reasons and no reason are grey. The bars
    add up to the period's refund rate. Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.returns_by_reason` frame (``reason``, ``kind``,
        ``returned_amount``, ``refund_rate``).
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
    if df.empty or not (df["returned_amount"] > 0).any():
        return nothing_to_draw(df, lang, ax=ax)
    rates = df["refund_rate"].astype("float64").fillna(0.0).tolist()
    texts = [f"{pct(r)} · {short_number(a)}" for r, a in zip(
        df["refund_rate"], df["returned_amount"], strict=True)]
    ax = labelled_barh(df, rates, after_reason_labels(df, lang), texts, title=title, amount=False,
               color=kwargs.pop("color", sns.color_palette()[3]), ax=ax,
               xlim=max(rates, default=0.0) * 1.5 or 1.0)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    return ax.figure


def after_delay_stats(df: pd.DataFrame, lang: str) -> str:
    """Return the line with the mean and median sale-to-return delay and the returns counted.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.return_delays` frame (its ``attrs``).
    lang : str
        Language of the line.

    Returns
    -------
    str
        The line, with the returns dated before their sale when there are any.
    """
    a = df.attrs
    text = t("after_delay_stats", lang, mean=_days(a.get("mean_days")),
             median=_days(a.get("median_days")), n=int(a.get("returns") or 0))
    if a.get("before_sale"):
        text += " " + t("after_before_sale", lang, n=int(a["before_sale"]))
    return text


def _days(v) -> str:
    return "—" if is_missing(v) else f"{v:,.1f}"


def after_delay_bars(df: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                     ax=None):
    """Draw returns per sale-to-return delay bucket as bars, labelled with their share.

    The mean and median delay are written in the corner. Nothing to draw gives a "not
    available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.return_delays` frame (``bucket``, ``returns``, ``share``; mean
        and median delay in ``attrs``).
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
    if df.empty or not (df["returns"] > 0).any():
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.6))
    x = np.arange(len(df))
    ax.bar(x, df["returns"], color=sns.color_palette()[0], width=0.7)
    ax.set_xticks(x, df["bucket"].tolist())
    ax.set_xlabel(t("after_days_to_return", lang))
    ax.set_ylabel(t("prod_returns", lang))
    ax.grid(axis="x", visible=False)
    top = float(df["returns"].max())
    for xi, n, s in zip(x, df["returns"], df["share"], strict=True):
        if n:
            ax.text(xi, n + top * 0.02, f"{int(n)} ({pct(s)})", ha="center", va="bottom",
                    fontsize="small")
    ax.set_ylim(0, top * 1.35)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.text(0.98, 0.95, after_delay_stats(df, lang), transform=ax.transAxes, ha="right", va="top",
            fontsize="small", color="#4a5568", wrap=True)
    if title:
        ax.set_title(title)
    return ax.figure


def after_row_names(df: pd.DataFrame) -> list[str]:
    """Return each row's name of :func:`crmlib.metrics.unusual_return_rates` (else its id).

    Parameters
    ----------
    df : pandas.DataFrame
        Rows by customer (``customer_id``) or by product (``product_id``), with ``name``.

    Returns
    -------
    list of str
        The name, or the id when the name is empty.
    """
    key = "customer_id" if "customer_id" in df.columns else "product_id"
    return [str(n) if isinstance(n, str) and n.strip() else str(k)
            for k, n in zip(df[key], df["name"], strict=True)]


def after_funnel_plot(df: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                      ax=None, label_max: int = 12):
    """Draw the funnel plot of return rates: which customers (products) return unusually often.

    Each customer (product) of :func:`crmlib.metrics.unusual_return_rates` is a point at
    (orders, return rate), with the overall rate p0 and the control limit
    p0 + z·√(p0(1−p0)/n) as a curve over the order count. Unusual rows are red and labelled
    with their name (the ``label_max`` highest z-scores); rows with fewer than ``min_orders``
    orders are grey. Rows at the same point are drawn once, the marker's area growing with
    their number. Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.unusual_return_rates` frame (``name``, ``orders``,
        ``return_rate``, ``eligible``, ``unusual``, ``z_score``; ``expected_rate`` (p0),
        ``z`` and ``min_orders`` in ``attrs``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).
    label_max : int, default=12
        At most this many unusual rows are labelled with their name (the highest z-scores).

    Returns
    -------
    matplotlib.figure.Figure
        The scatter plot's figure (the figure of ``ax`` when given); a "not available" figure
        when there is nothing to draw.
    """
    if df.empty:
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 4.8))
    a = df.attrs
    p0, z, m = a.get("expected_rate", math.nan), a.get("z", 3.0), a.get("min_orders", 1)
    n_max = max(int(df["orders"].max()), m, 2)
    log = n_max >= 50
    n = np.geomspace(1, n_max * 1.05, 200) if log else np.linspace(1, n_max * 1.05, 200)
    if not is_missing(p0):
        ax.axhline(p0, color="#2d3748", linestyle="--", linewidth=1,
                   label=t("after_overall_rate", lang, rate=pct(p0)))
        ax.plot(n, np.minimum(p0 + z * np.sqrt(p0 * (1 - p0) / n), 1.0), color=_RED,
                linewidth=1.2, label=t("after_control_limit", lang, z=f"{z:g}"))
    groups = [(~df["eligible"], _GREY, t("after_too_few_orders", lang, n=m)),
              (df["eligible"] & ~df["unusual"], sns.color_palette()[0],
               t("after_within_limit", lang)),
              (df["unusual"], _RED, t("after_unusual_label", lang))]
    for (mask, color, label), alpha in zip(groups, (0.5, 0.6, 0.9), strict=True):
        if mask.any():  # rows at the same point drawn once, the marker area growing with them
            pts = df[mask].groupby(["orders", "return_rate"]).size().reset_index(name="k")
            ax.scatter(pts["orders"], pts["return_rate"], s=24 * np.sqrt(pts["k"]),
                       alpha=alpha, color=color, edgecolor="none", label=label)
    flagged = df[df["unusual"]].head(label_max)
    for (_, r), name in zip(flagged.iterrows(), after_row_names(flagged), strict=True):
        ax.annotate(name, (r["orders"], r["return_rate"]), xytext=(4, 3),
                    textcoords="offset points", fontsize="x-small", color=_RED)
    if log:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.set_xlim(0.8 if log else 0, n_max * 1.1)
    # room for every point and for the limit from min_orders on (the curve above is clipped)
    lim_m = p0 + z * math.sqrt(p0 * (1 - p0) / m) if not is_missing(p0) else 0.0
    ax.set_ylim(-0.02, min(1.05, max(float(df["return_rate"].max()), lim_m, 0.05) * 1.15))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(t("after_orders_axis", lang))
    ax.set_ylabel(t("after_return_rate_axis", lang))
    leg = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                    fontsize="small")
    for h in leg.legend_handles:  # one marker size in the legend, whatever the first point's
        if hasattr(h, "set_sizes"):
            h.set_sizes([24])
    if title:
        ax.set_title(title)
    return ax.figure
