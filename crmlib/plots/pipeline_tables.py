"""Tables of the pipeline forecast (:mod:`crmlib.metrics.pipeline`).

HTML with a plain-text form (:class:`crmlib.display.HTMLText`); a frame that is empty or not
available gives a one-line message.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from crmlib.display import HTMLText, rows_table
from crmlib.i18n import t, value_label
from crmlib.plots.style import (
    currency_of,
    is_missing,
    label_lang,
    unavailable_text,
)

__all__ = ["PIPELINE_COLUMN_LABELS", "stage_calibration_table", "forecast_totals_table", "forecast_vs_target_table"]

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


# -- tables --------------------------------------------------------------------------------
def _table(df: pd.DataFrame, ctx, columns: list[str], *, cell=None) -> HTMLText:
    lang, currency = label_lang(ctx), currency_of(ctx)
    msg = unavailable_text(df, lang)
    if msg:
        return HTMLText(f"<p><i>{html.escape(msg)}</i></p>", msg)
    head = [t(PIPELINE_COLUMN_LABELS.get(c, c), lang) for c in columns]
    body = [[(cell(c, r[c], r) if cell else None) or _fmt(c, r[c], currency) for c in columns]
            for _, r in df.iterrows()]
    return rows_table(head, body, css_class=None, first_left=True)


def stage_calibration_table(df: pd.DataFrame, ctx) -> HTMLText:
    """Tabulate the stage calibration (learned vs configured probability) for a report.

    Columns: stage, configured and learned probability with the interval, the counts behind
    it (reached, won, lost, closed), the difference.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.stage_calibration` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
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
    """Tabulate the pipeline forecast's totals as label / value rows.

    The one row of :func:`crmlib.metrics.forecast_totals` becomes one line per figure.

    Parameters
    ----------
    totals : pandas.DataFrame
        The one-row :func:`crmlib.metrics.forecast_totals` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        Label / value rows as HTML with a plain-text form (what nbval compares).
    """
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
    return rows_table(None, [list(r) for r in rows], css_class=None, sep=": ")


def forecast_vs_target_table(df: pd.DataFrame, ctx, *, basis: str | None = None) -> HTMLText:
    """Tabulate the expected completion of the target per team and span.

    One ``basis``, or all; a span without a full target shows "no target" and how many
    months have one.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.forecast_vs_target` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    basis : str, optional
        The forecast basis shown, ``"pipeline"`` or ``"statistical"`` (None: all).

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
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
