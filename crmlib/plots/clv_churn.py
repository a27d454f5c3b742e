"""Charts and tables of CLV, segments, churn risk and value classes (report 120_clv_churn).

Frames come from :mod:`crmlib.clv` and :mod:`crmlib.segment`; nothing here computes a figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from crmlib.display import HTMLText, fmt_value, rows_table
from crmlib.i18n import t, value_label
from crmlib.plots.style import label_lang, message, pct

__all__ = ["model_table", "holdout_chart", "clv_table", "k_selection_chart", "profile_table",
           "risk_table", "churn_metrics_table", "churn_calibration_chart", "churn_importance_bars",
           "value_class_table", "not_enough_data_note"]


def not_enough_data_note(ctx) -> HTMLText:
    """Say "Not enough data for this model" in the report's language.

    Parameters
    ----------
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The message as HTML with a plain-text form (what nbval compares).
    """
    return message(t("clv_not_enough_data", label_lang(ctx)), None)


def model_table(v: pd.DataFrame, ctx) -> HTMLText:
    """Return the fitted BG/NBD and Gamma-Gamma parameters of a :func:`crmlib.clv.customer_value` frame.

    Parameters
    ----------
    v : pandas.DataFrame
        A :func:`crmlib.clv.customer_value` frame (one row per customer, the fitted parameters
        in ``attrs``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        Model, parameter and value rows as HTML with a plain-text form (what nbval compares).
    """
    lang, a = label_lang(ctx), v.attrs
    rows = [["BG/NBD", k, f"{x:.4g}"] for k, x in a["bgnbd"].items()]
    rows += [["Gamma-Gamma", k, f"{x:.4g}"] for k, x in a["gamma_gamma"].items()]
    rows.append([t("clv_fitted_customers", lang), "n", f"{a['fitted_customers']:,}"])
    return rows_table([t("clv_model", lang), t("clv_parameter", lang), t("value", lang)], rows)


def holdout_chart(h: pd.DataFrame, *, lang: str = "en", ax=None):
    """Draw mean actual vs predicted holdout purchases per calibration frequency group.

    Parameters
    ----------
    h : pandas.DataFrame
        A :func:`crmlib.clv.crm_holdout_check` (or ``holdout_check``) frame: ``group`` of
        calibration purchases, ``actual``, ``predicted`` (the ``all`` row is left out).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).

    Returns
    -------
    matplotlib.figure.Figure
        The line chart's figure (the figure of ``ax`` when given, else of the current axes).
    """
    ax = plt.gca() if ax is None else ax
    g = h[h["group"] != "all"]
    x = np.arange(len(g))
    ax.plot(x, g["actual"], "o-", label=t("clv_actual", lang))
    ax.plot(x, g["predicted"], "s--", label=t("clv_predicted", lang))
    ax.set_xticks(x, g["group"])
    ax.set_xlabel(t("clv_calibration_purchases", lang))
    ax.set_ylabel(t("clv_holdout_purchases", lang))
    ax.legend(frameon=False)
    return ax.figure


def clv_table(v: pd.DataFrame, ctx, *, top: int = 10) -> HTMLText:
    """Tabulate the ``top`` customers by CLV, highest first.

    Columns: name, repeat purchases, P(alive), expected purchases, expected spend and CLV.

    Parameters
    ----------
    v : pandas.DataFrame
        A :func:`crmlib.clv.customer_value` frame (one row per customer, the fitted parameters
        in ``attrs``). Sorted by CLV, highest first.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    top : int, default=10
        How many customers to show.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    currency = (getattr(ctx, "params", {}) or {}).get("currency")
    heads = [t(k, lang) for k in ("rfm_customer", "clv_repeat_purchases", "clv_p_alive",
                                  "clv_expected_purchases", "clv_expected_spend", "clv_clv")]
    rows = [[str(r.name), f"{r.frequency:,.0f}", pct(r.p_alive), f"{r.expected_purchases:.2f}",
             fmt_value(r.expected_spend, "amount"), fmt_value(r.clv, "amount", currency)]
            for r in v.head(top).itertuples(index=False)]
    return rows_table(heads, rows, css_class="crm-clv")


def k_selection_chart(selection: pd.DataFrame, *, lang: str = "en", ax=None):
    """Draw mean silhouette per k (bars), the chosen k highlighted.

    Parameters
    ----------
    selection : pandas.DataFrame
        The ``selection_`` frame of a fitted :class:`crmlib.segment.CustomerSegments` (``k``,
        ``silhouette``, ``chosen``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given, else of the current axes).
    """
    ax = plt.gca() if ax is None else ax
    pal = sns.color_palette()
    ax.bar(selection["k"].astype(str), selection["silhouette"],
           color=[pal[3] if c else pal[0] for c in selection["chosen"]])
    ax.set_xlabel("k")
    ax.set_ylabel(t("clv_silhouette", lang))
    return ax.figure


def profile_table(profile: pd.DataFrame, ctx) -> HTMLText:
    """Tabulate a customer segment profile: customers, share and median recency, frequency, monetary.

    The median CLV is added when the profile has it.

    Parameters
    ----------
    profile : pandas.DataFrame
        The ``profile_`` frame of a fitted :class:`crmlib.segment.CustomerSegments`
        (``segment``, ``customers``, ``share``, ``recency_days_median``, ``frequency_median``,
        ``monetary_median``, optionally ``clv_median``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    heads = [t(k, lang) for k in ("rfm_segment", "rfm_customers", "rfm_customer_share",
                                  "rfm_recency_days", "rfm_frequency", "rfm_monetary")]
    extra = "clv_median" in profile.columns
    if extra:
        heads.append(t("clv_clv", lang))
    rows = []
    for r in profile.itertuples(index=False):
        row = [str(r.segment), f"{r.customers:,}", pct(r.share), f"{r.recency_days_median:,.0f}",
               f"{r.frequency_median:,.0f}", fmt_value(r.monetary_median, "amount")]
        if extra:
            row.append(fmt_value(r.clv_median, "amount"))
        rows.append(row)
    return rows_table(heads, rows, css_class="crm-profile")


def risk_table(risk: pd.DataFrame, ctx) -> HTMLText:
    """Return customers per churn-risk band (from :func:`crmlib.segment.churn_risk`).

    Parameters
    ----------
    risk : pandas.DataFrame
        A :func:`crmlib.segment.churn_risk` frame (one row per customer, with ``risk_band``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        Band (high, medium, low), customers and share as HTML with a plain-text form (what nbval
        compares).
    """
    lang = label_lang(ctx)
    counts = risk["risk_band"].value_counts().reindex(["high", "medium", "low"], fill_value=0)
    n = max(int(counts.sum()), 1)
    rows = [[value_label("clv_risk_", b, lang), f"{c:,}", pct(c / n)] for b, c in counts.items()]
    return rows_table([t("clv_risk_band", lang), t("rfm_customers", lang),
                       t("rfm_customer_share", lang)], rows)


def churn_metrics_table(model, ctx) -> HTMLText:
    """Return held-out metrics of a :class:`crmlib.segment.ChurnModel`.

    Parameters
    ----------
    model : crmlib.segment.ChurnModel
        A fitted :class:`crmlib.segment.ChurnModel` (its ``metrics_``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        Metric / value rows (ROC AUC, P(alive) AUC, average precision, Brier score, base rate,
        train and test sizes) as HTML with a plain-text form (what nbval compares).
    """
    lang, m = label_lang(ctx), model.metrics_
    rows = [[t(f"clv_metric_{k}", lang), f"{m[k]:,}" if k.startswith("n_") else f"{m[k]:.3f}"]
            for k in ("roc_auc", "p_alive_auc", "average_precision", "brier", "base_rate",
                      "n_train", "n_test")]
    return rows_table([t("metric", lang), t("value", lang)], rows)


def churn_calibration_chart(cal: pd.DataFrame, *, lang: str = "en", ax=None):
    """Draw predicted vs realised churn per decile of predicted probability, with the diagonal.

    Parameters
    ----------
    cal : pandas.DataFrame
        The ``calibration_`` frame of a fitted :class:`crmlib.segment.ChurnModel`
        (``predicted``, ``realised`` per decile).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).

    Returns
    -------
    matplotlib.figure.Figure
        The line chart's figure (the figure of ``ax`` when given, else of the current axes).
    """
    ax = plt.gca() if ax is None else ax
    ax.plot([0, 1], [0, 1], color="grey", ls=":")
    ax.plot(cal["predicted"], cal["realised"], "o-")
    ax.set_xlabel(t("clv_predicted", lang))
    ax.set_ylabel(t("clv_realised", lang))
    return ax.figure


def churn_importance_bars(importance: pd.DataFrame, *, lang: str = "en", ax=None):
    """Draw permutation importance (drop of test ROC AUC) per feature.

    Parameters
    ----------
    importance : pandas.DataFrame
        The ``importance_`` frame of a fitted :class:`crmlib.segment.ChurnModel` (``feature``,
        ``importance``), most important first.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given, else of the current axes).
    """
    ax = plt.gca() if ax is None else ax
    ax.barh([value_label("clv_feature_", f, lang) for f in importance["feature"]],
            importance["importance"], color=sns.color_palette()[0])
    ax.invert_yaxis()
    ax.set_xlabel(t("clv_importance", lang))
    return ax.figure


def value_class_table(summary: pd.DataFrame, ctx) -> HTMLText:
    """Tabulate customer value classes with their customers, CLV share and what the team should do.

    Parameters
    ----------
    summary : pandas.DataFrame
        A :func:`crmlib.segment.value_class_summary` frame (``value_class``, ``customers``,
        ``share``, ``clv_share``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    heads = [t(k, lang) for k in ("clv_value_class", "rfm_customers", "rfm_customer_share",
                                  "clv_clv_share", "clv_action")]
    rows = [[value_label("clv_class_", r.value_class, lang), f"{r.customers:,}", pct(r.share),
             pct(r.clv_share), t(f"clv_action_{r.value_class}", lang)]
            for r in summary.itertuples(index=False)]
    return rows_table(heads, rows, css_class="crm-value-classes")
