"""Tables of the leads topic (90_leads): conversion, days to convert, costs, the scoring model.

Tables take ``ctx`` (a report context or a language) and return
:class:`crmlib.display.HTMLText` with a plain-text form (what nbval compares).
"""

from __future__ import annotations

import html
import math

import pandas as pd

from crmlib.display import HTMLText, fmt_value, rows_table
from crmlib.i18n import t
from crmlib.plots.leads import lead_row_labels, leads_not_available
from crmlib.plots.style import (
    currency_of,
    label_lang,
    message,
    number,
    pct,
)

__all__ = ["lead_conversion_table", "days_to_convert_table", "lead_cost_table", "score_summary", "lead_calibration_table"]

_FIRST = {"source": "leads_by_source", "owner": "leads_by_owner", "origin": "leads_by_origin"}


def lead_conversion_table(df: pd.DataFrame, ctx, *, names: dict | None = None) -> HTMLText:
    """Tabulate lead conversion per group, with its confidence interval and a total row.

    Columns: value (or ``names[value]``), leads, converted, rate, interval, rank; the total
    row comes last.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.leads.lead_conversion` frame (``leads``, ``converted``,
        ``conversion_rate``, ``ci_low``, ``ci_high``, ``rank``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    names : dict, optional
        Display names of the first column's values (e.g. employee names).

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
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
    """Tabulate how many days leads took to convert, per group.

    Columns: value, conversions, mean and median days, conversions without a date; the total
    row last.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.leads.days_to_convert` frame (``converted``, ``mean_days``,
        ``median_days``, ``undated``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
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
    """Tabulate lead costs per source: cost per lead and per converted customer.

    Columns: source, campaigns, cost, leads, converted, cost per lead and per customer; a
    total row over the sources with a cost.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.leads.lead_costs` frame (``campaigns``, ``cost``, ``leads``,
        ``converted``, ``cost_per_lead``, ``cost_per_converted``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
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
    """Summarize the lead-scoring model's held-out quality in one paragraph.

    Test AUC with its interval, the split, the tuning, log loss, Brier score; or why there is
    no model.

    Parameters
    ----------
    scorer : crmlib.scoring.LeadScorer
        A fitted lead scorer.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        HTML for reports with a plain-text form (what nbval compares).
    """
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


def lead_calibration_table(scorer, ctx) -> HTMLText:
    """Tabulate the calibration of a fitted lead scorer per decile.

    Columns: decile, leads, converted, predicted and realised conversion, predicted range.

    Parameters
    ----------
    scorer : crmlib.scoring.LeadScorer
        A fitted lead scorer.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        HTML for reports with a plain-text form (what nbval compares).
    """
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
