"""Charts and tables of the targets topic: completion gauges, monthly target vs actual, heatmaps.

Inputs are frames from :func:`crmlib.metrics.target_vs_actual` and
:func:`crmlib.metrics.completion`. A completion of NaN is drawn as "no target" (never 0 % or
100 %); rows whose ``available`` column is False (the data lacks the ``targets`` table or the
metric's own table, named in ``missing_table``) are drawn as "not available". Labels are passed in (or read from ``ctx``), never hard-coded.
"""

from __future__ import annotations

import html
import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Wedge

from crmlib.i18n import t
from crmlib.plots.style import is_missing, short_number

__all__ = ["TARGET_METRIC_LABELS", "gauge", "completion_gauges", "target_bars",
           "monthly_targets", "completion_heatmaps", "TargetTable", "targets_table",
           "fmt_completion", "bucket_label"]

# metric -> label key (the catalogue's names for the brief figures)
TARGET_METRIC_LABELS = {"contract_amount": "contract_amount", "payment_amount": "payments",
                        "new_customers": "new_customers"}
_COLOURS = {"done": "#2f855a", "near": "#d69e2e", "low": "#3182ce", "none": "#cbd5e0"}


def fmt_completion(value, no_target: str = "no target") -> str:
    """``92.1%``, or ``no_target`` when the completion is undefined."""
    return no_target if is_missing(value) else f"{value:.1%}"


def bucket_label(by: str, bucket, months: int | None = None) -> str:
    """``2026-09`` (month), ``2026 Q3`` (quarter), ``2026`` (year); a period as its months."""
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
    """A half-donut gauge filled to ``completion`` (capped at 100 %; the text shows the value).

    NaN draws an empty grey gauge with ``empty_text`` in the middle. Returns the Axes.
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
    """One gauge per row of a :func:`~crmlib.metrics.completion` frame; returns the Figure.

    Each gauge shows the completion and, below it, ``actual / target``.
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
    message = _unavailable(df, lang)
    if message:
        fig.text(0.5, 0.01, textwrap.fill(message, 110), ha="center", va="bottom", fontsize=9,
                 color="#4a5568")
    fig.tight_layout(rect=(0, 0.08 if message else 0, 1, 1))
    return fig


def _unavailable(df: pd.DataFrame, lang: str) -> str | None:
    """"Not available: ..." for the tables ``df`` lacks, or None when it has them all."""
    if "missing_table" not in df:
        return None
    tables = list(dict.fromkeys(x.strip() for v in df["missing_table"].dropna()
                                for x in v.split(",")))
    return " ".join(t("not_available", lang, table=x) for x in tables) or None


def target_bars(df: pd.DataFrame, *, label: str, target_label: str, actual_label: str,
                note: str | None = None, ax=None, amount: bool = True):
    """Actual per month as bars, target as a line (a gap = no target); returns the Axes.

    ``df``: rows of one metric with ``by == "month"`` (columns ``bucket``, ``actual``,
    ``target``). ``note`` is written in the corner (e.g. "not available").
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
    """Small multiples of :func:`target_bars`, one per metric of ``df``; returns the Figure."""
    metrics = list(dict.fromkeys(df["metric"]))
    fig, axes = plt.subplots(1, len(metrics), figsize=(6.2 * len(metrics), 3.4), squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=True):
        part = df[(df["metric"] == m) & (df["by"] == "month")]
        note = _unavailable(part, lang)
        target_bars(part, label=t(TARGET_METRIC_LABELS[m], lang),
                    target_label=t("targets_target", lang),
                    actual_label=t("targets_actual", lang), note=note, ax=ax,
                    amount=m != "new_customers")
    fig.tight_layout()
    return fig


def completion_heatmaps(df: pd.DataFrame, *, lang: str = "en", vmax: float = 1.5):
    """Completion per employee (rows) and month, plus the year column; one panel per metric.

    ``df``: a :func:`~crmlib.metrics.target_vs_actual` frame with ``by`` month and year. Cells
    without a target are grey with ``—``. Returns the Figure (a one-line message instead when the
    data lacks a table the figure needs, or there is nothing to show).
    """
    message = _unavailable(df, lang)
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


class TargetTable:
    """Target, actual and completion rows as a table (HTML, with a plain-text form for nbval)."""

    def __init__(self, df: pd.DataFrame, lang: str = "en", currency: str | None = None,
                 owner: bool = True):
        self.df, self.lang, self.currency, self.owner = df, lang, currency, owner

    def frame(self) -> pd.DataFrame:
        """The formatted rows: months, then their quarter, then the year, per metric and owner."""
        lang, df = self.lang, self.df
        span = {"month": 1, "quarter": 3, "year": 12}
        df = df.assign(_end=[b + pd.DateOffset(months=span.get(k, 1200)) for b, k in
                             zip(df["bucket"], df["by"], strict=True)],
                       _m=df["metric"].map({m: i for i, m in enumerate(
                           dict.fromkeys(df["metric"]))}),
                       _k=df["by"].map({"month": 0, "quarter": 1, "year": 2, "period": 3}))
        df = df.sort_values(["_m", "owner_id", "_end", "_k"], kind="stable")
        no_target = t("no_target", lang)
        out = pd.DataFrame({
            t("metric", lang): [t(TARGET_METRIC_LABELS[m], lang) for m in df["metric"]],
            t("targets_owner", lang): [self._owner(r) for r in df.itertuples()],
            t("targets_bucket", lang): [bucket_label(k, b, n) for k, b, n in zip(
                df["by"], df["bucket"], df["months"], strict=True)],
            t("targets_target", lang): [self._fmt(v, m) for v, m in zip(
                df["target"], df["metric"], strict=True)],
            t("targets_actual", lang): [self._fmt(v, m) for v, m in zip(
                df["actual"], df["metric"], strict=True)],
            t("targets_completion", lang): [fmt_completion(v, no_target)
                                            for v in df["completion"]],
            t("targets_missing", lang): df["missing_targets"].astype(int).to_list(),
        })
        if not self.owner:
            out = out.drop(columns=[t("targets_owner", lang)])
        return out

    def _owner(self, r) -> str:
        if r.owner_type == "company":
            return t("company", self.lang)
        if r.owner_type == "employees":
            return t("targets_employees_scope", self.lang)
        return str(r.name if isinstance(r.name, str) else r.owner_id)

    def _fmt(self, v, metric) -> str:
        if is_missing(v):
            return "—"
        if metric == "new_customers":
            return f"{v:,.0f}"
        return f"{v:,.2f}" + (f" {self.currency}" if self.currency else "")

    @property
    def available(self) -> bool:
        return bool(self.df["available"].all()) if len(self.df) else True

    def _banner(self) -> str:
        return _unavailable(self.df, self.lang) or ""

    def __repr__(self) -> str:
        body = self.frame().to_string(index=False) if len(self.df) else t("no_data", self.lang)
        return "\n".join(x for x in (self._banner(), body) if x)

    def _repr_html_(self) -> str:
        banner = (f'<p><b>{html.escape(self._banner())}</b></p>' if self._banner() else "")
        if not len(self.df):
            return banner + f"<p>{html.escape(t('no_data', self.lang))}</p>"
        return banner + self.frame().to_html(index=False, border=0, justify="left")


def targets_table(df: pd.DataFrame, ctx, *, owner: bool = True) -> TargetTable:
    """A :class:`TargetTable` in the report's language and currency."""
    lang = getattr(ctx, "lang", ctx) or "en"
    currency = (getattr(ctx, "params", {}) or {}).get("currency")
    return TargetTable(df, lang, currency, owner=owner)
