"""Charts and small displays of the funnel topic (30_sales_funnel).

Charts take a frame from :mod:`crmlib.metrics.funnel` and return the matplotlib ``Axes``; their
text comes from the label catalogue in ``lang``. A frame that is empty, or marked
``attrs["not_available"]`` by the metric (an optional table is absent), is drawn as a one-line
message instead of a chart. :class:`FunnelKPIs` and :func:`funnel_table` are the topic's
non-chart outputs (HTML with a plain-text form that nbval can compare).
"""

from __future__ import annotations

import html
import math

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, PercentFormatter

from crmlib.display import HTMLText
from crmlib.i18n import t, value_label
from crmlib.plots.base import trend
from crmlib.plots.style import (
    axes_or_new,
    currency_of,
    draw_message,
    label_lang,
    pct,
    short_number,
    unavailable_text,
)

__all__ = ["funnel_chart", "snapshot_chart", "win_rate_chart",
           "new_opportunities_chart", "lost_reasons_chart", "time_in_stage_chart",
           "expected_revenue_chart", "FunnelKPIs", "funnel_kpis", "funnel_table",
           "coverage_table", "FUNNEL_COLUMN_LABELS"]

_OUTCOME_COLOURS = {"open": 0, "won": 2, "lost": 3}

# metric frame column -> label key
FUNNEL_COLUMN_LABELS = {
    "team": "team", "owner_id": "employee", "name": "employee", "stage": "funnel_stage",
    "won": "funnel_won", "lost": "funnel_lost", "created": "funnel_created",
    "closed_win_rate": "closed_win_rate", "cohort_win_rate": "cohort_win_rate",
    "won_amount": "funnel_won_amount", "avg_deal_size": "avg_deal_size",
    "missing_amount": "funnel_missing_amount", "count": "count", "mean_days": "funnel_mean_days",
    "median_days": "funnel_median_days", "missing_dates": "funnel_missing_dates",
    "reached": "reached", "stage_conversion": "stage_conversion",
    "cumulative_conversion": "cumulative_conversion", "open_count": "open_count",
    "open_amount": "open_amount", "avg_cycle_days": "avg_cycle_days",
    "velocity": "sales_velocity", "amount": "amount",
}
_RATES = {"closed_win_rate", "cohort_win_rate", "stage_conversion", "cumulative_conversion",
          "share"}
_MONEY = {"won_amount", "avg_deal_size", "open_amount", "velocity", "amount"}
_DAYS = {"mean_days", "median_days", "avg_cycle_days"}


def _first_pipeline(df: pd.DataFrame, pipeline: str | None) -> pd.DataFrame:
    if "pipeline" not in df or df.empty:
        return df
    return df[df["pipeline"] == (pipeline or df["pipeline"].iloc[0])]


def funnel_chart(df: pd.DataFrame, *, lang: str = "en", pipeline: str | None = None,
                 ax=None):
    """The ordered funnel (:func:`crmlib.metrics.ordered_funnel`): horizontal bars of
    ``reached`` in stage order, top to bottom, each labelled with its count and cumulative
    conversion, and the stage-to-stage conversion between bars. One pipeline (default: the
    first)."""
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
    """The pipeline snapshot (:func:`crmlib.metrics.pipeline_snapshot`): one horizontal bar per
    stage in order, its count; open stages, won and lost in the period coloured apart, each bar
    labelled with its amount."""
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
    """Closed and cohort win rates per bucket (:func:`crmlib.metrics.win_rate` with
    ``by="bucket"``) as two lines; undefined buckets leave a gap."""
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
    """New opportunities per bucket (:func:`crmlib.metrics.new_opportunities`): bars of the
    count, with their amount as a line on a second axis."""
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
    """Lost opportunities by reason (:func:`crmlib.metrics.lost_reasons`): horizontal bars of
    the count, labelled with count and share; no reason shows as unknown."""
    labels = [r if isinstance(r, str) else t("unknown", lang)
              for r in df.get("lost_reason", [])]
    shares = dict(zip(df.get("count", []), df.get("share", []), strict=False))
    ax = _hbars(df, "count", labels, lang=lang, ax=ax, colour=3,
                fmt=lambda v: f"{v:,.0f} ({pct(shares.get(v, math.nan))})")
    ax.set_xlabel(t("count", lang))
    return ax.figure


def time_in_stage_chart(df: pd.DataFrame, *, lang: str = "en", pipeline: str | None = None,
                        ax=None):
    """Mean days per open stage (:func:`crmlib.metrics.time_in_stage`), median in the label."""
    d = _first_pipeline(df, pipeline) if unavailable_text(df, lang) is None else df
    med = list(d.get("median_days", []))
    it = iter(med)
    ax = _hbars(d, "mean_days", [value_label("stage_name_", s, lang) for s in d.get("stage", [])], lang=lang, ax=ax,
                fmt=lambda v: ("—" if pd.isna(v) else
                               f"{v:.1f} ({t('funnel_median_days', lang)} {next(it):.1f})"))
    ax.set_xlabel(t("funnel_mean_days", lang))
    return ax.figure


def expected_revenue_chart(df: pd.DataFrame, *, lang: str = "en", ax=None):
    """Open amount and expected revenue (amount x probability) per expected close month
    (:func:`crmlib.metrics.expected_revenue`) as paired bars; overdue months hatched, deals
    without a date last."""
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


# -- non-chart displays ----------------------------------------------------------------------
def _fmt(col: str, v, currency=None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if col in _RATES:
        return pct(v)
    if col in _MONEY:
        return f"{v:,.2f}" + (f" {currency}" if currency else "")
    if col in _DAYS:
        return f"{v:,.1f}"
    if isinstance(v, (pd.Timestamp,)):
        return f"{v:%Y-%m-%d}"
    if isinstance(v, float):
        return f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


class FunnelKPIs:
    """Headline figures of the topic from :func:`crmlib.metrics.sales_velocity` (one row):
    renders as cards in HTML and as ``label: value`` lines in plain text."""

    ROWS = ("open_count", "open_amount", "won", "won_amount", "closed_win_rate",
            "cohort_win_rate", "avg_deal_size", "avg_cycle_days", "velocity")
    LABELS = {"won": "funnel_won", "won_amount": "funnel_won_amount"}

    def __init__(self, frame: pd.DataFrame, lang: str = "en", currency: str | None = None):
        self.frame, self.lang, self.currency = frame, lang, currency

    def _rows(self):
        msg = unavailable_text(self.frame, self.lang)
        if msg:
            return []
        r = self.frame.iloc[0]
        return [(t(self.LABELS.get(c, FUNNEL_COLUMN_LABELS.get(c, c)), self.lang),
                 _fmt(c, float(r[c]), self.currency)) for c in self.ROWS]

    def __repr__(self) -> str:
        rows = self._rows()
        if not rows:
            return unavailable_text(self.frame, self.lang)
        return "\n".join(f"{label}: {value}" for label, value in rows)

    def _repr_html_(self) -> str:
        rows = self._rows()
        if not rows:
            return f"<p>{html.escape(repr(self))}</p>"
        cards = "".join(
            '<div style="border:1px solid #cbd5e0;border-radius:6px;padding:10px 14px;'
            'min-width:150px;background:#fff">'
            f'<div style="color:#4a5568;font-size:0.9em">{html.escape(label)}</div>'
            f'<div style="font-size:1.4em;font-weight:600">{html.escape(value)}</div></div>'
            for label, value in rows)
        return f'<div style="display:flex;flex-wrap:wrap;gap:10px;margin:8px 0">{cards}</div>'


def funnel_kpis(frame: pd.DataFrame, ctx) -> FunnelKPIs:
    return FunnelKPIs(frame, label_lang(ctx), currency_of(ctx))


_Table = HTMLText


def funnel_table(df: pd.DataFrame, ctx, *, columns: list[str] | None = None,
                 names: dict | None = None, top: int | None = None) -> _Table:
    """A metric frame as a table with localized headers and formatted values (rates as %,
    amounts with the currency, — when undefined); "not available" / "no data" when there is
    nothing to show. ``names`` maps the values of the first column (e.g. employee ids to
    names); ``top`` keeps the first rows."""
    lang, currency = label_lang(ctx), currency_of(ctx)
    msg = unavailable_text(df, lang)
    if msg:
        return _Table(f"<p><i>{html.escape(msg)}</i></p>", msg)
    cols = columns or list(df.columns)
    d = df.head(top) if top else df
    head = [t(FUNNEL_COLUMN_LABELS.get(c, c), lang) for c in cols]
    body = []
    for _, r in d.iterrows():
        cells = []
        for i, c in enumerate(cols):
            v = r[c]
            if i == 0 and names is not None:
                v = names.get(v, v)
            if c == "stage":
                v = value_label("stage_name_", v, lang)
            if i == 0 and (v is None or (isinstance(v, float) and math.isnan(v))):
                v = t("unknown", lang)
            cells.append(_fmt(c, v, currency))
        body.append(cells)
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(
        f'<td style="text-align:{"left" if i == 0 else "right"}">{html.escape(c)}</td>'
        for i, c in enumerate(row)) + "</tr>" for row in body)
    text = "\n".join([" | ".join(head)] + [" | ".join(row) for row in body])
    return _Table(f"<table><tr>{th}</tr>{trs}</table>", text)


def coverage_table(df: pd.DataFrame, ctx) -> _Table:
    """:func:`crmlib.metrics.pipeline_coverage` as label/value rows; "no target" when the data
    holds no target for the scope and period."""
    lang, currency = label_lang(ctx), currency_of(ctx)
    msg = unavailable_text(df, lang)
    if msg:
        return _Table(f"<p><i>{html.escape(msg)}</i></p>", msg)
    r = df.iloc[0]
    rows = [("coverage_target", "amount", r["target"]), ("coverage_actual", "amount",
                                                         r["actual"]),
            ("coverage_remaining", "amount", r["remaining"]),
            ("coverage_pipeline", "amount", r["pipeline_amount"]),
            ("coverage_weighted", "amount", r["weighted_amount"]),
            ("coverage_ratio", "ratio", r["coverage"]),
            ("coverage_weighted_ratio", "ratio", r["weighted_coverage"])]
    out = []
    for key, kind, v in rows:
        if not r["has_target"] and key in ("coverage_target", "coverage_remaining",
                                           "coverage_ratio", "coverage_weighted_ratio"):
            text = t("no_target", lang)
        elif kind == "ratio":
            text = "—" if pd.isna(v) else f"{v:,.2f}x"
        else:
            text = _fmt("amount", float(v), currency)
        out.append((t(key, lang), text))
    trs = "".join(f'<tr><td>{html.escape(a)}</td><td style="text-align:right">'
                  f"{html.escape(b)}</td></tr>" for a, b in out)
    return _Table(f"<table>{trs}</table>", "\n".join(f"{a}: {b}" for a, b in out))
