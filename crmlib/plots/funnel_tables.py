"""Tables and headline cards of the funnel topic (30_sales_funnel).

:class:`FunnelKPIs` and :func:`funnel_table` are the topic"s non-chart outputs (HTML with a
plain-text form that nbval can compare); values are formatted, never computed here.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from crmlib.display import HTMLText, rows_table
from crmlib.i18n import t, value_label
from crmlib.plots.style import (
    currency_of,
    label_lang,
    pct,
    unavailable_text,
)

__all__ = ["FunnelKPIs", "funnel_kpis", "funnel_table", "coverage_table", "FUNNEL_COLUMN_LABELS"]

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
    """Headline figures of the funnel topic, as cards.

    The figures come from a :func:`crmlib.metrics.sales_velocity` frame (one row): open count and
    amount, won count and amount, closed and cohort win rates, average deal size, average cycle
    days and velocity. Renders as cards in HTML and as ``label: value`` lines in plain text.

    Parameters
    ----------
    frame : pandas.DataFrame
        The one-row :func:`crmlib.metrics.sales_velocity` frame.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    currency : str, optional
        Currency code printed after amounts (values are not converted).
    """

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
        """Return the plain-text form (what nbval compares and a console shows)."""
        rows = self._rows()
        if not rows:
            return unavailable_text(self.frame, self.lang)
        return "\n".join(f"{label}: {value}" for label, value in rows)

    def _repr_html_(self) -> str:
        """Return the HTML form."""
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
    """Show the funnel's headline figures as cards in the report's language and currency.

    Parameters
    ----------
    frame : pandas.DataFrame
        The one-row :func:`crmlib.metrics.sales_velocity` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    FunnelKPIs
        One card per headline figure (HTML, or ``label: value`` lines as text); the "not
        available" message when the frame's table is missing.
    """
    return FunnelKPIs(frame, label_lang(ctx), currency_of(ctx))


_Table = HTMLText


def funnel_table(df: pd.DataFrame, ctx, *, columns: list[str] | None = None,
                 names: dict | None = None, top: int | None = None) -> _Table:
    """Tabulate a funnel metric frame with localized headers and formatted values.

    Rates are shown as %, amounts with the currency, days with one decimal, and undefined values
    as —; "not available" / "no data" when there is nothing to show. ``names`` maps the values
    of the first column (e.g. employee ids to names); ``top`` keeps the first rows.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame of :mod:`crmlib.metrics.funnel` or :mod:`crmlib.metrics.opportunities`.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    columns : list of str, optional
        The columns shown, in order (None: all of ``df``'s).
    names : dict, optional
        Display names of the first column's values (e.g. employee names).
    top : int, optional
        How many rows to show (None: all).

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML, with a plain-text form (what nbval compares).
    """
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
    return rows_table(head, body, css_class=None, first_left=True)


def coverage_table(df: pd.DataFrame, ctx) -> _Table:
    """Tabulate :func:`crmlib.metrics.pipeline_coverage` as label/value rows.

    The rows are target, actual, remaining, pipeline and weighted amounts, then the coverage and
    weighted coverage ratios (``1.50x``); target, remaining and the ratios say "no target" when
    the data holds no target for the scope and period.

    Parameters
    ----------
    df : pandas.DataFrame
        The one-row :func:`crmlib.metrics.pipeline_coverage` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        ``label: value`` rows as HTML, with a plain-text form (what nbval compares).
    """
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
    return rows_table(None, [list(r) for r in out], css_class=None, sep=": ")
