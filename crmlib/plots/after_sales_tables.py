"""Tables of the after-sale topic (:mod:`crmlib.metrics.after_sales`).

Tables take ``ctx`` (a report context or a language) and return
:class:`crmlib.display.HTMLText` with a plain-text form (what nbval compares).
"""

from __future__ import annotations

import html
import math

import pandas as pd

from crmlib.display import HTMLText, fmt_change, fmt_value, rows_table
from crmlib.i18n import t
from crmlib.plots.after_sales import after_delay_stats, after_reason_labels, after_row_names
from crmlib.plots.style import (
    currency_of,
    is_missing,
    label_lang,
    message,
    not_available_note,
    pct,
)

__all__ = ["after_headline_table", "after_reason_table", "after_delay_table", "after_unusual_table"]


def after_headline_table(df: pd.DataFrame, ctx, previous: pd.DataFrame | None = None
                         ) -> HTMLText:
    """Tabulate the period's after-sales totals, optionally against the previous period.

    The totals come from the ``attrs`` of :func:`crmlib.metrics.orders_and_returns`: orders,
    sold amount, returns, returned amount, refund rate; with ``previous`` (the same frame for
    the previous period) its values and the change (relative; points for the rate).

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.orders_and_returns` frame for the period.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    previous : pandas.DataFrame, optional
        The same figures for the previous period.

    Returns
    -------
    crmlib.display.HTMLText
        Label/value rows as HTML with a plain-text form (what nbval compares); with
        ``previous``, also its value and the change per row.
    """
    lang, currency = label_lang(ctx), currency_of(ctx)
    rows_spec = [("after_orders", "orders", "count"), ("prod_sold_amount", "sold_amount",
                                                        "amount"),
                 ("prod_returns", "returns", "count"),
                 ("prod_returned_amount", "returned_amount", "amount"),
                 ("after_refund_rate", "refund_rate", "rate")]
    heads = [t("metric", lang), t("after_this_period", lang)]
    if previous is not None:
        heads += [t("after_previous_period", lang), t("change_vs_previous", lang)]

    def fmt(v, kind):
        return pct(v) if kind == "rate" else fmt_value(v, kind, currency)

    rows = []
    for key, col, kind in rows_spec:
        cur = df.attrs.get(col)
        row = [t(key, lang), fmt(cur, kind)]
        if previous is not None:
            prev = previous.attrs.get(col)
            if kind == "rate":
                change = ("—" if is_missing(cur) or is_missing(prev) else
                          t("after_points", lang, v=f"{(cur - prev) * 100:+.1f}"))
            else:
                change = fmt_change(cur / prev - 1 if not is_missing(cur) and not is_missing(prev) and prev
                                    else math.nan)
            row += [fmt(prev, kind), change]
        rows.append(row)
    return rows_table(heads, rows, css_class="crm-after-headline")


def after_reason_table(df: pd.DataFrame, ctx) -> HTMLText:
    """Tabulate returns per reason, with each reason's part of the refund rate.

    Columns: reason, returns, returned amount, share, part of the refund rate; a total row
    (the period's refund rate) comes last.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.returns_by_reason` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang, currency = label_lang(ctx), currency_of(ctx)
    na = not_available_note(df, ctx)
    if na is not None:
        return na
    if df.empty:
        return message(t("after_no_returns", lang), None)
    heads = [t(k, lang) for k in ("after_reason", "prod_returns", "prod_returned_amount",
                                  "after_share_returned", "after_refund_rate")]
    rows = [[lab, f"{int(n):,}", fmt_value(a, "amount", currency), pct(s), pct(r)]
            for lab, n, a, s, r in zip(after_reason_labels(df, lang), df["returns"],
                                       df["returned_amount"], df["share"], df["refund_rate"],
                                       strict=True)]
    rows.append([t("prod_total", lang), f"{int(df['returns'].sum()):,}",
                 fmt_value(df.attrs.get("returned_amount"), "amount", currency),
                 pct(1.0), pct(df.attrs.get("refund_rate"))])
    return rows_table(heads, rows, css_class="crm-after-reasons")


def after_delay_table(df: pd.DataFrame, ctx) -> HTMLText:
    """Tabulate returns per sale-to-return delay bucket.

    Columns: days from sale to return, returns, returned amount, share; then a line with the
    mean and median delay and the returns dated before their sale (left out).

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.return_delays` frame (with its ``attrs``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table and the delay line as HTML with a plain-text form (what nbval compares).
    """
    lang, currency = label_lang(ctx), currency_of(ctx)
    na = not_available_note(df, ctx)
    if na is not None:
        return na
    heads = [t(k, lang) for k in ("after_days_to_return", "prod_returns",
                                  "prod_returned_amount", "after_share_returns")]
    rows = [[b, f"{int(n):,}", fmt_value(a, "amount", currency), pct(s)]
            for b, n, a, s in zip(df["bucket"], df["returns"], df["returned_amount"],
                                  df["share"], strict=True)]
    table = rows_table(heads, rows, css_class="crm-after-delays")
    line = after_delay_stats(df, lang)
    return HTMLText(f"{table._repr_html_()}<p>{html.escape(line)}</p>", f"{table!r}\n{line}")


def after_unusual_table(df: pd.DataFrame, ctx, *, top: int | None = None) -> HTMLText:
    """Tabulate the customers (products) whose return rate is unusually high.

    The unusual rows of :func:`crmlib.metrics.unusual_return_rates` (highest z first, at most
    ``top``): name, orders, returned orders, return rate, control limit, z-score, returned
    amount. Says so when none is unusual.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.unusual_return_rates` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    top : int, optional
        How many rows to show (None: all).

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares), or the "none unusual"
        line.
    """
    lang, currency = label_lang(ctx), currency_of(ctx)
    na = not_available_note(df, ctx)
    if na is not None:
        return na
    flagged = df[df["unusual"].astype(bool)] if len(df) else df
    if flagged.empty:
        return message(t("after_none_unusual", lang, z=f"{df.attrs.get('z', 3.0):g}",
                         n=int(df.attrs.get("min_orders", 1))), None)
    if top is not None:
        flagged = flagged.head(top)
    first = "after_customer" if "customer_id" in df.columns else "prod_product"
    heads = [t(k, lang) for k in (first, "after_orders", "after_returned_orders",
                                  "prod_return_rate", "after_limit", "after_z",
                                  "prod_returned_amount")]
    rows = [[name, f"{int(o):,}", f"{int(x):,}", pct(r), pct(lim), f"{zs:.1f}",
             fmt_value(a, "amount", currency)]
            for name, o, x, r, lim, zs, a in zip(
                after_row_names(flagged), flagged["orders"], flagged["returned_orders"],
                flagged["return_rate"], flagged["limit"], flagged["z_score"],
                flagged["returned_amount"], strict=True)]
    return rows_table(heads, rows, css_class="crm-after-unusual")
