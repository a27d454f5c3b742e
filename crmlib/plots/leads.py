"""Charts and tables of the leads topic: leads over time, conversion by source with its
confidence interval, days to convert, cost per lead, and the lead-scoring model's held-out
quality, calibration and feature importance.

The frames come from :mod:`crmlib.metrics.leads` and the fitted model from
:func:`crmlib.scoring.fit_lead_scorer`; nothing here computes a figure. Tables render as HTML
with a plain-text form (what nbval compares) and say "not available" when the data lacks a
table, or when the leads have no dates for a figure that needs them.
"""

from __future__ import annotations

import html
import math

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from crmlib.display import HTMLText, fmt_value, rows_table
from crmlib.engine import is_available
from crmlib.i18n import t
from crmlib.plots.style import (
    currency_of,
    label_lang,
    message,
    not_available_note,
    nothing_to_draw,
    number,
    pct,
)

__all__ = ["lead_row_labels", "leads_not_available", "leads_trend", "lead_conversion_bars",
           "lead_conversion_table", "days_to_convert_table", "lead_cost_table", "score_summary",
           "lead_calibration_plot", "lead_calibration_table", "lead_importance_bars"]

_FIRST = {"source": "leads_by_source", "owner": "leads_by_owner", "origin": "leads_by_origin"}


def lead_row_labels(df: pd.DataFrame, lang: str = "en", column: str = "value",
                    names: dict | None = None) -> list[str]:
    """What each row is called: its value (or ``names[value]``, e.g. an owner's name), "other
    (N)" / "其他（N 项）", "unknown" / "未知" or "Total" / "合计"."""
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
    """A "not available" message when ``df`` says so (no table, or leads without dates);
    "no data" for an empty frame; else None."""
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
    """Leads per bucket of :func:`crmlib.metrics.leads.leads_by_period` as bars, the converted
    ones as a darker bar inside. Returns the Axes, or None when there is nothing to draw."""
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
    """Conversion rate per row of :func:`crmlib.metrics.leads.lead_conversion` as dots with
    their confidence interval as a line, in the frame's order (best lower bound on top), each
    labelled "rate (converted / leads)". Returns the Axes, or None for an empty frame."""
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


def lead_conversion_table(df: pd.DataFrame, ctx, *, names: dict | None = None) -> HTMLText:
    """Rows of :func:`crmlib.metrics.leads.lead_conversion`: value (or ``names[value]``), leads,
    converted, rate, interval, rank; a total row last."""
    lang = label_lang(ctx)
    na = leads_not_available(df, ctx)
    if na is not None:
        return na
    level = round(100 * df.attrs.get("confidence", 0.95))
    heads = [t(k, lang, level=level) for k in (_FIRST.get(df.attrs.get("by"), "leads_by_source"),
             "leads_leads", "leads_converted", "leads_rate", "leads_interval", "leads_rank")]

    def interval(lo, hi):
        return "—" if math.isnan(lo) else f"{lo:.1%}–{hi:.1%}"

    rows = [[name, f"{int(n):,}", f"{int(k):,}", pct(r), interval(lo, hi),
             "" if math.isnan(rank) else f"{int(rank)}"]
            for name, n, k, r, lo, hi, rank in zip(
                lead_row_labels(df, lang, names=names), df["leads"], df["converted"],
                df["conversion_rate"],
                df["ci_low"], df["ci_high"], df["rank"], strict=True)]
    a = df.attrs
    rows.append([t("leads_total", lang), f"{a['leads']:,}", f"{a['converted']:,}",
                 pct(a["conversion_rate"]), interval(a["ci_low"], a["ci_high"]), ""])
    return rows_table(heads, rows, css_class="crm-leads")


def days_to_convert_table(df: pd.DataFrame, ctx) -> HTMLText:
    """Rows of :func:`crmlib.metrics.leads.days_to_convert`: value, conversions, mean and
    median days, conversions without a date; the total row last."""
    lang = label_lang(ctx)
    na = leads_not_available(df, ctx)
    if na is not None:
        return na
    heads = [t(k, lang) for k in (_FIRST.get(df.attrs.get("by"), "leads_by_source"),
                                  "leads_converted", "leads_mean_days", "leads_median_days",
                                  "leads_undated_conv")]
    rows = [[name, f"{int(n):,}", number(m), number(md), f"{int(u):,}"]
            for name, n, m, md, u in zip(lead_row_labels(df.assign(values=1), lang),
                                         df["converted"], df["mean_days"], df["median_days"],
                                         df["undated"], strict=True)]
    return rows_table(heads, rows, css_class="crm-leads-days")


def lead_cost_table(df: pd.DataFrame, ctx) -> HTMLText:
    """Rows of :func:`crmlib.metrics.leads.lead_costs`: source, campaigns, cost, leads,
    converted, cost per lead and per customer; a total row over the sources with a cost."""
    lang = label_lang(ctx)
    na = leads_not_available(df, ctx)
    if na is not None:
        return na
    cur = currency_of(ctx)
    heads = [t(k, lang) for k in ("leads_by_source", "leads_campaigns", "leads_cost",
                                  "leads_leads", "leads_converted", "leads_cost_per_lead",
                                  "leads_cost_per_converted")]
    rows = [[name, f"{int(c):,}", fmt_value(cost, "amount", cur), f"{int(n):,}", f"{int(k):,}",
             fmt_value(cpl, "amount", cur), fmt_value(cpc, "amount", cur)]
            for name, c, cost, n, k, cpl, cpc in zip(
                lead_row_labels(df.assign(values=1), lang, "source"), df["campaigns"],
                df["cost"], df["leads"], df["converted"], df["cost_per_lead"],
                df["cost_per_converted"], strict=True)]
    a = df.attrs
    rows.append([t("leads_total_paid", lang), f"{int(df['campaigns'].sum()):,}",
                 fmt_value(a["cost"], "amount", cur), f"{a['paid_leads']:,}",
                 f"{a['paid_converted']:,}", fmt_value(a["cost_per_lead"], "amount", cur),
                 fmt_value(a["cost_per_converted"], "amount", cur)])
    return rows_table(heads, rows, css_class="crm-leads-cost")


def _unfitted(scorer, lang: str) -> HTMLText | None:
    if getattr(scorer, "available_", True):
        return None
    if scorer.reason_ == "missing_table":
        return message(t("not_available", lang, table="leads"))
    pos, neg, need = scorer.counts_
    return message(t("leads_score_too_few", lang, pos=pos, neg=neg, need=need))


def score_summary(scorer, ctx) -> HTMLText:
    """The model's held-out quality in one paragraph: test AUC with its interval, the split,
    the tuning, log loss, Brier score; or why there is no model."""
    lang = label_lang(ctx)
    na = _unfitted(scorer, lang)
    if na is not None:
        return na
    m = scorer.metrics_
    text = t("leads_score_summary", lang, auc=f"{m['test_auc']:.3f}",
             low=f"{m['test_auc_low']:.3f}", high=f"{m['test_auc_high']:.3f}",
             n_test=f"{m['n_test']:,}", test_converted=f"{m['test_converted']:,}",
             n_train=f"{m['n_train']:,}", c=f"{m['C']:g}", cv=m["cv"],
             cv_auc=f"{m['cv_auc']:.3f}", log_loss=f"{m['test_log_loss']:.3f}",
             brier=f"{m['test_brier']:.3f}", base=pct(m["base_rate"]))
    if scorer.dropped_:
        names = ", ".join(t(f"leads_feature_{f}", lang) for f in scorer.dropped_)
        text += " " + t("leads_score_dropped", lang, names=names)
    return HTMLText(f'<p class="crm-score">{html.escape(text)}</p>', text)


def lead_calibration_plot(calibration: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                     ax=None, **kwargs):
    """Mean predicted against realised conversion per decile of the test leads
    (:attr:`crmlib.scoring.LeadScorer.calibration_`), with the diagonal. Returns the Axes, or
    None for an empty table."""
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


def lead_calibration_table(scorer, ctx) -> HTMLText:
    """The calibration table of a fitted scorer: decile, leads, converted, predicted and
    realised conversion, predicted range."""
    lang = label_lang(ctx)
    na = _unfitted(scorer, lang)
    if na is not None:
        return na
    cal = scorer.calibration_
    heads = [t(k, lang) for k in ("leads_decile", "leads_leads", "leads_converted",
                                  "leads_predicted", "leads_realised", "leads_range")]
    rows = [[f"{int(d)}", f"{int(n):,}", f"{int(k):,}", pct(p), pct(r),
             f"{lo:.1%}–{hi:.1%}"]
            for d, n, k, p, r, lo, hi in zip(cal["decile"], cal["leads"], cal["converted"],
                                             cal["predicted"], cal["realised"], cal["p_min"],
                                             cal["p_max"], strict=True)]
    return rows_table(heads, rows, css_class="crm-leads-calibration")


def lead_importance_bars(importance: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                    ax=None, **kwargs):
    """Permutation importance (:attr:`crmlib.scoring.LeadScorer.importance_`) as horizontal
    bars with their standard deviation, most important on top. Returns the Axes, or None."""
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
