"""Charts and tables of the pipeline forecast (:mod:`crmlib.metrics.pipeline`).

Charts take the metric's frame and return the matplotlib ``Axes``; text comes from the label
catalogue in ``lang`` and stage names go through :func:`crmlib.i18n.value_label`. A frame that
is empty or marked ``attrs["not_available"]`` is drawn as a one-line message. The tables are
HTML with a plain-text form (:class:`crmlib.display.HTMLText`).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, PercentFormatter

from crmlib.display import HTMLText
from crmlib.i18n import t, value_label
from crmlib.plots.style import (
    axes_or_new,
    currency_of,
    draw_message,
    is_missing,
    label_lang,
    short_number,
    unavailable_text,
)

__all__ = ["PIPELINE_COLUMN_LABELS", "pipeline_forecast_chart", "calibration_chart",
           "forecast_vs_target_chart", "forecast_vs_target_figure", "stage_calibration_table", "forecast_totals_table",
           "forecast_vs_target_table"]

_CATEGORIES = ("commit", "best_case", "pipeline")
_CAT_COLOURS = {"commit": 2, "best_case": 0, "pipeline": 7}

# metric frame column -> label key
PIPELINE_COLUMN_LABELS = {
    "stage": "funnel_stage", "team": "team", "month": "expected_close_month",
    "category": "pipeline_category", "count": "count", "amount": "amount",
    "weighted": "pipeline_weighted", "missing_amount": "pipeline_missing_amount",
    "missing_probability": "pipeline_missing_probability", "overdue": "pipeline_overdue",
    "no_close_date": "pipeline_no_close_date", "configured": "pipeline_configured",
    "learned": "pipeline_learned", "reached": "pipeline_reached", "closed": "pipeline_closed",
    "won": "pipeline_won", "lost": "pipeline_lost", "difference": "pipeline_difference",
    "span": "pipeline_span", "basis": "pipeline_basis", "target": "pipeline_target",
    "target_months": "pipeline_target_months", "actual": "pipeline_actual",
    "expected_remaining": "pipeline_expected_remaining",
    "expected_total": "pipeline_expected_total", "expected_gap": "pipeline_expected_gap",
    "completion": "pipeline_completion", "expected_completion": "pipeline_expected_completion",
}
_MONEY = {"amount", "weighted", "target", "actual", "expected_remaining", "expected_total",
          "expected_gap"}
_RATES = {"configured", "learned", "difference", "completion", "expected_completion"}


def _fmt(col: str, v, currency=None) -> str:
    if is_missing(v):
        return "—"
    if col in _RATES:
        return f"{v:+.1%}" if col == "difference" else f"{v:.1%}"
    if col in _MONEY:
        return f"{v:,.2f}" + (f" {currency}" if currency else "")
    if isinstance(v, (int, np.integer)):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.0f}"
    return str(v)


def _key_label(v, lang: str) -> str:
    """A month (``%Y-%m``; no date when NaT), a team, or unknown."""
    if isinstance(v, pd.Timestamp) or v is pd.NaT:
        return t("no_expected_close", lang) if v is pd.NaT else f"{v:%Y-%m}"
    return t("unknown", lang) if is_missing(v) else str(v)


def pipeline_forecast_chart(df: pd.DataFrame, *, lang: str = "en", value: str = "amount",
                            ax=None):
    """Stacked bars of :func:`crmlib.metrics.pipeline_forecast`: per month (or team), the
    ``value`` (``amount`` or ``weighted``) of commit, best-case and pipeline deals; months with
    overdue deals hatched, deals without a date last."""
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    key = "month" if "month" in df else "team"
    d = df.assign(_k=df[key].astype(str))  # NaT / None kept as groups of their own
    g = d.groupby("_k", sort=False)
    wide = d.pivot_table(index="_k", columns="category", values=value, aggfunc="sum",
                         sort=False).reindex(index=list(dict.fromkeys(d["_k"])),
                                     columns=list(_CATEGORIES))
    wide = wide.fillna(0.0)
    overdue = g["overdue"].sum().reindex(wide.index)
    names = [_key_label(v, lang) for v in g[key].first().reindex(wide.index)]
    x = np.arange(len(wide))
    bottom = np.zeros(len(wide))
    pal = sns.color_palette()
    for cat in _CATEGORIES:
        bars = ax.bar(x, wide[cat], bottom=bottom, color=pal[_CAT_COLOURS[cat]], width=0.7,
                      label=t(f"pipeline_cat_{cat}", lang))
        for b, late in zip(bars, overdue.to_numpy() > 0, strict=True):
            if late:
                b.set_hatch("//")
        bottom += wide[cat].to_numpy()
    ax.set_xticks(x, names, rotation=45 if len(wide) > 8 else 0, fontsize="small")
    ax.yaxis.set_major_formatter(FuncFormatter(short_number))
    ax.set_ylabel(t("amount" if value == "amount" else "pipeline_weighted", lang))
    ax.set_xlabel(t("expected_close_month" if key == "month" else "team", lang))
    ax.legend(fontsize="small", title=t("pipeline_category", lang), title_fontsize="small")
    return ax.figure


def calibration_chart(df: pd.DataFrame, *, lang: str = "en", pipeline: str | None = None,
                      ax=None):
    """Configured vs learned probability per open stage (:func:`crmlib.metrics.
    stage_calibration`): the configured one as a bar, the learned one as a point with its
    Wilson interval, labelled with the number of closed deals behind it."""
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    d = df[df["pipeline"] == (pipeline or df["pipeline"].iloc[0])].reset_index(drop=True)
    x = np.arange(len(d))
    pal = sns.color_palette()
    ax.bar(x, d["configured"].fillna(0.0), width=0.6, color=pal[0], alpha=0.35,
           label=t("pipeline_configured", lang))
    err = np.vstack([(d["learned"] - d["ci_low"]).to_numpy(float),
                     (d["ci_high"] - d["learned"]).to_numpy(float)])
    level = f"{df.attrs.get('confidence', 0.95):.0%}"
    ax.errorbar(x, d["learned"], yerr=err, fmt="o", color=pal[3], capsize=4,
                label=f"{t('pipeline_learned', lang)}, {t('pipeline_interval', lang, level=level)}")
    for xi, learned, n in zip(x, d["learned"], d["closed"], strict=True):
        y = 0.02 if is_missing(learned) else learned
        ax.annotate(f"n={n:,}", (xi, y), textcoords="offset points", xytext=(8, 0),
                    fontsize="small", va="center", color="#4a5568")
    ax.set_xticks(x, [value_label("stage_name_", s, lang) for s in d["stage"]])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(t("pipeline_probability", lang))
    ax.legend(fontsize="small", loc="upper left")
    return ax.figure


def forecast_vs_target_chart(df: pd.DataFrame, *, lang: str = "en", span: str = "this_quarter",
                             basis: str = "pipeline", ax=None):
    """One bar per team (or one for the scope) from :func:`crmlib.metrics.forecast_vs_target`:
    actual to date with the expected remaining stacked on it, the target as a line across the
    bar (no line and "no target" when there is none), labelled with the expected completion."""
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    d = df[(df["span"] == span) & (df["basis"] == basis)].reset_index(drop=True)
    if d.empty:
        return draw_message(ax, t("no_data", lang)).figure
    names = ([_key_label(v, lang) for v in d["team"]] if "team" in d
             else [t(f"preset_{span}", lang)])
    x = np.arange(len(d))
    pal = sns.color_palette()
    ax.bar(x, d["actual"], width=0.6, color=pal[0], label=t("pipeline_actual", lang))
    ax.bar(x, d["expected_remaining"].fillna(0.0), bottom=d["actual"], width=0.6,
           color=pal[0], alpha=0.4, label=t("pipeline_expected_remaining", lang))
    first = True
    for xi, r in zip(x, d.itertuples(index=False), strict=True):
        total = r.expected_total if not is_missing(r.expected_total) else r.actual
        if r.has_target:
            ax.hlines(r.target, xi - 0.4, xi + 0.4, color=pal[3], linewidth=2.5,
                      label=t("pipeline_target", lang) if first else None)
            first = False
            text = f"{r.expected_completion:.0%}"
        else:
            text = t("no_target", lang)
        ax.annotate(text, (xi, max(total, 0.0)), textcoords="offset points", xytext=(0, 4),
                    ha="center", fontsize="small")
    top = np.nanmax(np.r_[d["expected_total"].to_numpy(float), d["actual"].to_numpy(float),
                          d["target"].where(d["has_target"]).to_numpy(float), 0.0])
    ax.set_ylim(0, top * 1.2 if top > 0 else 1)
    ax.set_xticks(x, names)
    ax.yaxis.set_major_formatter(FuncFormatter(short_number))
    ax.set_title(f"{t(f'preset_{span}', lang)} · {t(f'pipeline_basis_{basis}', lang)}",
                 fontsize="medium")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax.figure


def forecast_vs_target_figure(df: pd.DataFrame, *, lang: str = "en"):
    """:func:`forecast_vs_target_chart` for every span (rows) and basis (columns) of
    :func:`crmlib.metrics.forecast_vs_target` in one figure."""
    import matplotlib.pyplot as plt

    msg = unavailable_text(df, lang)
    bases = list(dict.fromkeys(df["basis"])) if not msg and len(df) else ["pipeline"]
    spans = list(dict.fromkeys(df["span"])) if not msg and len(df) else ["this_quarter"]
    fig, axes = plt.subplots(len(spans), len(bases), figsize=(6.0 * len(bases), 3.2 * len(spans)),
                             squeeze=False)
    for i, span in enumerate(spans):
        for j, basis in enumerate(bases):
            forecast_vs_target_chart(df, lang=lang, span=span, basis=basis, ax=axes[i, j])
    fig.tight_layout()
    return fig


# -- tables --------------------------------------------------------------------------------
def _table(df: pd.DataFrame, ctx, columns: list[str], *, cell=None) -> HTMLText:
    lang, currency = label_lang(ctx), currency_of(ctx)
    msg = unavailable_text(df, lang)
    if msg:
        return HTMLText(f"<p><i>{html.escape(msg)}</i></p>", msg)
    head = [t(PIPELINE_COLUMN_LABELS.get(c, c), lang) for c in columns]
    body = [[(cell(c, r[c], r) if cell else None) or _fmt(c, r[c], currency) for c in columns]
            for _, r in df.iterrows()]
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(
        f'<td style="text-align:{"left" if i == 0 else "right"}">{html.escape(c)}</td>'
        for i, c in enumerate(row)) + "</tr>" for row in body)
    text = "\n".join([" | ".join(head)] + [" | ".join(row) for row in body])
    return HTMLText(f"<table><tr>{th}</tr>{trs}</table>", text)


def stage_calibration_table(df: pd.DataFrame, ctx) -> HTMLText:
    """:func:`crmlib.metrics.stage_calibration` as a table: stage, configured and learned
    probability with the interval, the counts behind it, the difference."""
    lang = label_lang(ctx)

    def cell(col, v, r):
        if col == "stage":
            return value_label("stage_name_", v, lang)
        if col == "learned" and not is_missing(v):
            return f"{v:.1%} [{r['ci_low']:.1%}, {r['ci_high']:.1%}]"
        return None

    return _table(df, ctx, ["stage", "configured", "learned", "reached", "closed", "won",
                            "lost", "difference"], cell=cell)


def forecast_totals_table(totals: pd.DataFrame, ctx) -> HTMLText:
    """:func:`crmlib.metrics.forecast_totals` (one row) as label / value rows."""
    lang, currency = label_lang(ctx), currency_of(ctx)
    msg = unavailable_text(totals, lang)
    if msg:
        return HTMLText(f"<p><i>{html.escape(msg)}</i></p>", msg)
    r = totals.iloc[0]
    rows = [(t(f"pipeline_total_{c}", lang), _fmt("amount", r[c], currency))
            for c in ("commit", "best_case", "pipeline", "weighted")]
    rows += [(t(key, lang), f"{int(r[c]):,}") for c, key in (
        ("count", "pipeline_total_count"), ("missing_amount", "pipeline_missing_amount"),
        ("overdue", "pipeline_overdue"), ("no_close_date", "pipeline_no_close_date"))]
    trs = "".join(f'<tr><td>{html.escape(a)}</td><td style="text-align:right">'
                  f"{html.escape(b)}</td></tr>" for a, b in rows)
    return HTMLText(f"<table>{trs}</table>", "\n".join(f"{a}: {b}" for a, b in rows))


def forecast_vs_target_table(df: pd.DataFrame, ctx, *, basis: str | None = None) -> HTMLText:
    """:func:`crmlib.metrics.forecast_vs_target` as a table (one ``basis``, or all); a span
    without a full target shows "no target" and how many months have one."""
    lang = label_lang(ctx)
    if basis is not None and "basis" in df:
        df = df[df["basis"] == basis]

    def cell(col, v, r):
        if col == "span":
            return t(f"preset_{v}", lang)
        if col == "basis":
            return t(f"pipeline_basis_{v}", lang)
        if col == "team" and is_missing(v):
            return t("unknown", lang)
        if col == "target" and not r["has_target"]:
            if r["target_months"] and r["target_months"] < r["months"]:
                return (f"{t('no_target', lang)} ("
                        f"{t('pipeline_partial_target', lang, n=r['target_months'], m=r['months'])})")
            return t("no_target", lang)
        return None

    cols = ["span"] + (["team"] if "team" in df else []) + [
        "basis", "target", "actual", "expected_remaining", "expected_total", "expected_gap",
        "completion", "expected_completion"]
    return _table(df, ctx, cols, cell=cell)
