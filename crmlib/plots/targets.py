"""Charts and tables of the targets topic: completion gauges, monthly target vs actual, heatmaps.

Inputs are frames from :func:`crmlib.metrics.target_vs_actual` and
:func:`crmlib.metrics.completion`. A completion of NaN is drawn as "no target" (never 0 % or
100 %); rows whose ``available`` column is False (the data lacks the ``targets`` table or the
metric's own table, named in ``missing_table``) are drawn as "not available". Labels are passed in (or read from ``ctx``), never hard-coded.
"""

from __future__ import annotations

import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Wedge

from crmlib.i18n import t
from crmlib.plots.style import is_missing, short_number

__all__ = ["TARGET_METRIC_LABELS", "gauge", "completion_gauges", "target_bars", "monthly_targets", "completion_heatmaps", "fmt_completion", "bucket_label",
           "missing_tables_text"]

# metric -> label key (the catalogue's names for the brief figures)
TARGET_METRIC_LABELS = {"contract_amount": "contract_amount", "payment_amount": "payments",
                        "new_customers": "new_customers"}
_COLOURS = {"done": "#2f855a", "near": "#d69e2e", "low": "#3182ce", "none": "#cbd5e0"}


def fmt_completion(value, no_target: str = "no target") -> str:
    """Format a target completion ratio as a percentage, e.g. ``92.1%``.

    ``no_target`` is returned when the completion is undefined (no target).

    Parameters
    ----------
    value : float or None
        The completion ratio, 0.921 for 92.1% (None or NaN without a target).
    no_target : str, default='no target'
        Text returned when the completion is undefined.

    Returns
    -------
    str
        The percentage with one decimal, or ``no_target``.
    """
    return no_target if is_missing(value) else f"{value:.1%}"


def bucket_label(by: str, bucket, months: int | None = None) -> str:
    """Name a target bucket: ``2026-09`` (month), ``2026 Q3`` (quarter), ``2026`` (year).

    A whole period is named by its months.

    Parameters
    ----------
    by : str
        The bucket's kind: ``"month"``, ``"quarter"``, ``"year"`` or ``"period"``.
    bucket : date-like
        The bucket's first day (date-like).
    months : int, optional
        For a period, how many months it spans (``YYYY-MM..YYYY-MM`` when more than 1).

    Returns
    -------
    str
        The bucket's label.
    """
    b = pd.Timestamp(bucket)
    if by == "month":
        return f"{b:%Y-%m}"
    if by == "quarter":
        return f"{b.year} Q{b.quarter}"
    if by == "year":
        return f"{b.year}"
    if months and months > 1:
        return f"{b:%Y-%m}..{(b + pd.DateOffset(months=months - 1)):%Y-%m}"
    return f"{b:%Y-%m}"


def gauge(completion, *, label: str, detail: str = "", empty_text: str = "no target",
          ax=None):
    """Draw a half-donut gauge filled to ``completion`` (capped at 100 %; the text shows the value).

    NaN draws an empty grey gauge with ``empty_text`` in the middle.

    Parameters
    ----------
    completion : float
        Actual / target as a ratio (NaN: no target).
    label : str
        Title of the gauge (the metric's label).
    detail : str, default=''
        A line written under the gauge, e.g. ``actual / target``.
    empty_text : str, default='no target'
        Text in the middle of an empty gauge.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax``.
    """
    ax = plt.gca() if ax is None else ax
    ax.add_patch(Wedge((0, 0), 1, 0, 180, width=0.3, color=_COLOURS["none"]))
    if is_missing(completion):
        text, colour = empty_text, "#4a5568"
    else:
        share = min(max(completion, 0.0), 1.0)
        colour = (_COLOURS["done"] if completion >= 1 else _COLOURS["near"]
                  if completion >= 0.8 else _COLOURS["low"])
        if share > 0:
            ax.add_patch(Wedge((0, 0), 1, 180 - 180 * share, 180, width=0.3, color=colour))
        text = f"{completion:.1%}"
    ax.text(0, 0.12, text, ha="center", va="center", fontsize=15 if len(text) < 9 else 11,
            fontweight="bold", color=colour)
    if detail:
        ax.text(0, -0.18, detail, ha="center", va="center", fontsize=8, color="#4a5568")
    ax.set_title(label)
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-0.35, 1.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure


def _value(v, metric: str) -> str:
    if is_missing(v):
        return "—"
    return short_number(v) if metric != "new_customers" else f"{v:,.0f}"


def completion_gauges(df: pd.DataFrame, *, lang: str = "en", ncols: int = 3):
    """Draw one gauge per row of a :func:`~crmlib.metrics.completion` frame.

    Each gauge shows the completion and, below it, ``actual / target``.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.completion` frame (``metric``, ``actual``, ``target``,
        ``completion``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    ncols : int, default=3
        Gauges per row.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure with one gauge per row, ``ncols`` per line; a "not available" figure when
        there is nothing to draw.
    """
    n = len(df)
    ncols = max(1, min(ncols, n))
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.4 * nrows), squeeze=False)
    for ax, r in zip(axes.flat, df.itertuples(index=False), strict=False):
        gone = isinstance(getattr(r, "missing_table", None), str)
        empty = t("targets_not_available_short" if gone else "no_target", lang)
        detail = (f"{t('targets_actual', lang)} {_value(r.actual, r.metric)} / "
                  f"{t('targets_target', lang)} {_value(r.target, r.metric)}")
        gauge(r.completion, label=t(TARGET_METRIC_LABELS[r.metric], lang), detail=detail,
              empty_text=empty, ax=ax)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    message = missing_tables_text(df, lang)
    if message:
        fig.text(0.5, 0.01, textwrap.fill(message, 110), ha="center", va="bottom", fontsize=9,
                 color="#4a5568")
    fig.tight_layout(rect=(0, 0.08 if message else 0, 1, 1))
    return fig


def missing_tables_text(df: pd.DataFrame, lang: str) -> str | None:
    """Return "Not available: ..." for the tables ``df`` lacks, or None when it has them all.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.completion` or :func:`crmlib.metrics.target_vs_actual` frame
        (its ``missing_table`` column).
    lang : str
        Language of the message.

    Returns
    -------
    str or None
        One sentence per missing table, or None.
    """
    if "missing_table" not in df:
        return None
    tables = list(dict.fromkeys(x.strip() for v in df["missing_table"].dropna()
                                for x in v.split(",")))
    return " ".join(t("not_available", lang, table=x) for x in tables) or None


def target_bars(df: pd.DataFrame, *, label: str, target_label: str, actual_label: str,
                note: str | None = None, ax=None, amount: bool = True):
    """Draw actual per month as bars, target as a line (a gap = no target).

    ``df``: rows of one metric with ``by == "month"`` (columns ``bucket``, ``actual``,
    ``target``). ``note`` is written in the corner (e.g. "not available").

    Parameters
    ----------
    df : pandas.DataFrame
        The rows of one metric with ``by == "month"`` of a
        :func:`crmlib.metrics.target_vs_actual` frame (``bucket``, ``actual``, ``target``).
    label : str
        Title of the chart (the metric's label).
    target_label : str
        Legend label of the target line.
    actual_label : str
        Legend label of the actual bars.
    note : str, optional
        A message written in the corner (e.g. "not available"; None: none).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).
    amount : bool, default=True
        Whether the values are amounts (short numbers on the axis).

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax``: one bar per month, the target as a line with markers.
    """
    import matplotlib.dates as mdates

    ax = plt.gca() if ax is None else ax
    df = df.sort_values("bucket")
    ax.bar(df["bucket"], df["actual"], width=24, color=sns.color_palette()[0],
           label=actual_label)
    target = df["target"].where(df["target"] > 0)
    ax.plot(df["bucket"], target, color=sns.color_palette()[3], marker="o", label=target_label)
    ax.set_title(label)
    ax.set_xlabel("")
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, len(df) // 6)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.tick_params(axis="x", labelsize="small")
    if amount:
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(short_number))
    if len(df):
        pad = pd.Timedelta(days=20)
        ax.set_xlim(df["bucket"].min() - pad, df["bucket"].max() + pad)
    top = np.nanmax(np.r_[df["actual"].to_numpy(float), target.to_numpy(float), 0.0])
    ax.set_ylim(0, top * 1.25 if top > 0 else 1)
    if note:
        ax.text(0.5, 0.96, textwrap.fill(note, 70), transform=ax.transAxes, ha="center",
                va="top", fontsize=8, color="#4a5568")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize="small", ncol=2,
              frameon=False)
    return ax.figure


def monthly_targets(df: pd.DataFrame, *, lang: str = "en"):
    """Draw small multiples of :func:`target_bars`, one per metric of ``df``.

    Only the monthly rows are drawn; each panel notes the tables its metric lacks.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.target_vs_actual` frame with monthly rows (``metric``, ``by``,
        ``bucket``, ``actual``, ``target``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure with one monthly target chart per metric.
    """
    metrics = list(dict.fromkeys(df["metric"]))
    fig, axes = plt.subplots(1, len(metrics), figsize=(6.2 * len(metrics), 3.4), squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=True):
        part = df[(df["metric"] == m) & (df["by"] == "month")]
        note = missing_tables_text(part, lang)
        target_bars(part, label=t(TARGET_METRIC_LABELS[m], lang),
                    target_label=t("targets_target", lang),
                    actual_label=t("targets_actual", lang), note=note, ax=ax,
                    amount=m != "new_customers")
    fig.tight_layout()
    return fig


def completion_heatmaps(df: pd.DataFrame, *, lang: str = "en", vmax: float = 1.5):
    """Draw completion per employee (rows) and month, plus the year column; one panel per metric.

    ``df``: a :func:`~crmlib.metrics.target_vs_actual` frame with ``by`` month and year. Cells
    without a target are grey with ``—``. The figure has a one-line message instead when the
    data lacks a table the figure needs, or there is nothing to show).

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.target_vs_actual` frame with ``by`` month and year, per
        employee.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    vmax : float, default=1.5
        Completion at the green end of the colour scale (1.5 = 150 %); 0 is red.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure with one heatmap per metric, or the one-line message.
    """
    message = missing_tables_text(df, lang)
    if message or not len(df):  # nothing to colour: say why in one line
        fig, ax = plt.subplots(figsize=(8, 0.8))
        ax.text(0.5, 0.5, textwrap.fill(message or t("no_data", lang), 110), ha="center",
                va="center", fontsize=9, color="#4a5568", transform=ax.transAxes)
        ax.axis("off")
        return fig
    metrics = list(dict.fromkeys(df["metric"]))
    names = list(dict.fromkeys(df["name"].fillna(df["owner_id"]))) if len(df) else []
    height = 1.2 + 0.32 * max(len(names), 1)
    fig, axes = plt.subplots(1, len(metrics), figsize=(7.5 * len(metrics), height),
                             squeeze=False)
    year = t("targets_year_column", lang)
    for ax, m in zip(axes.flat, metrics, strict=True):
        part = df[df["metric"] == m].assign(
            _row=lambda d: d["name"].fillna(d["owner_id"]),
            _col=lambda d: np.where(d["by"] == "year", year, d["bucket"].dt.strftime("%m")))
        grid = part.pivot_table(index="_row", columns="_col", values="completion",
                                aggfunc="first", dropna=False).reindex(index=names)
        cols = sorted(c for c in grid.columns if c != year) + ([year] if year in grid else [])
        grid = grid.reindex(columns=cols)
        ax.set_facecolor("#edf2f7")
        ax.grid(False)
        if grid.size:
            annot = grid.map(lambda v: "—" if is_missing(v) else f"{v:.0%}")
            sns.heatmap(grid, ax=ax, cmap="RdYlGn", vmin=0, vmax=vmax, annot=annot, fmt="",
                        annot_kws={"fontsize": 7}, cbar=False, linewidths=0.5,
                        linecolor="white")
            for i, j in zip(*np.where(grid.isna().to_numpy()), strict=True):
                ax.text(j + 0.5, i + 0.5, "—", ha="center", va="center", fontsize=7,
                        color="#4a5568")
        ax.set_title(f"{t(TARGET_METRIC_LABELS[m], lang)}: {t('targets_completion', lang)}")
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelsize="small")
    fig.tight_layout()
    return fig
