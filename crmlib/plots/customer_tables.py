"""Tables of the customers topic (60_customers).

The table helpers return objects that Jupyter renders (HTML with a plain-text form) and say
"not available" when the data lacks the table a figure needs.
"""

from __future__ import annotations

import html

import pandas as pd

from crmlib.display import fmt_value, rows_table
from crmlib.engine import is_available, missing_table_of
from crmlib.i18n import t
from crmlib.plots.customers import group_label
from crmlib.plots.style import is_missing, label_lang

__all__ = ["CustomerTable", "customer_table", "customer_summary_view"]

# summary metric -> how its value is written
_SUMMARY_KINDS = {"cust_conversion": "ratio", "cust_cycle_mean": "days",
                  "cust_cycle_median": "days", "cust_pool_median_days": "days"}


def _fmt(v, kind: str, currency: str | None = None) -> str:
    if is_missing(v):
        return "—"
    if kind == "ratio":
        return f"{v:.1%}"
    if kind in ("days", "score"):
        return f"{v:,.1f}" if kind == "days" else f"{v:.2f}"
    if kind == "text":
        return str(v)
    return fmt_value(float(v), kind, currency)


class CustomerTable:
    """A small table of the customers topic for reports, with a plain-text form.

    Renders as HTML in a notebook and as ``header | cells`` lines in plain text (``repr``, what
    nbval compares); when ``message`` is given, only that message is shown.

    Parameters
    ----------
    header : list of str
        The column headings.
    rows : list of list of str
        The rows, already formatted as text.
    message : str, optional
        A "not available" / "no data" message shown instead of the table.
    """

    def __init__(self, header: list[str], rows: list[list[str]], message: str | None = None):
        self.header, self.rows, self.message = header, rows, message

    def __repr__(self) -> str:
        """Return the plain-text form (what nbval compares and a console shows)."""
        if self.message:
            return self.message
        return "\n".join(" | ".join(r) for r in [self.header, *self.rows])

    def _repr_html_(self) -> str:
        """Return the HTML form."""
        if self.message:
            return f'<p class="crm-not-available"><i>{html.escape(self.message)}</i></p>'
        return rows_table(self.header, self.rows, css_class="crm-customers")._repr_html_()


def customer_table(df: pd.DataFrame, ctx, *, by: str, columns: dict, top: int | None = None
                   ) -> CustomerTable:
    """Tabulate a by-group customers frame: the group (see :func:`group_label`) then ``columns``.

    ``columns`` maps a column of ``df`` to ``(label key, kind)``, kind one of count, ratio,
    days, score, text. Says "not available" when the frame's table is missing and "no data"
    when it is empty; ``top`` keeps the first rows.

    Parameters
    ----------
    df : pandas.DataFrame
        A by-group frame of :mod:`crmlib.metrics` (e.g. :func:`crmlib.metrics.customers_by_employee`),
        with the group's columns and those named in ``columns``.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    by : str
        What the rows are grouped by: ``"employee"``, ``"province"``, ``"city"``,
        ``"product"``, ``"bucket"`` or ``"age"`` (the first column's heading and labels).
    columns : dict
        Column of ``df`` -> ``(label key, kind)``, in display order.
    top : int, optional
        How many rows to show (None: all).

    Returns
    -------
    CustomerTable
        The group column then one column per entry of ``columns``, formatted by kind; or the
        "not available" / "no data" message.
    """
    lang = label_lang(ctx)
    if not is_available(df):
        return CustomerTable([], [], t("not_available", lang,
                                       table=missing_table_of(df)))
    if df.empty:
        return CustomerTable([], [], t("no_data", lang))
    head_key = {"employee": "employee", "province": "cust_province", "city": "cust_city",
                "product": "cust_product", "bucket": "date",
                "age": "cust_pool_days_axis"}[by]
    header = [t(head_key, lang)] + [t(k, lang) for k, _ in columns.values()]
    rows = []
    for r in (df.head(top) if top else df).to_dict("records"):
        rows.append([group_label(r, by, lang)]
                    + [_fmt(r[c], kind) for c, (_, kind) in columns.items()])
    return CustomerTable(header, rows)


def customer_summary_view(summary: pd.DataFrame, ctx) -> CustomerTable:
    """Tabulate a :func:`crmlib.metrics.customer_summary` frame as metric/value rows.

    Figures the data cannot give are shown as "—".

    Parameters
    ----------
    summary : pandas.DataFrame
        A :func:`crmlib.metrics.customer_summary` frame (columns ``metric``, ``value``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    CustomerTable
        Two columns, the translated metric and its formatted value.
    """
    lang = label_lang(ctx)
    rows = [[t(m, lang), _fmt(v, _SUMMARY_KINDS.get(m, "count"))]
            for m, v in zip(summary["metric"], summary["value"], strict=True)]
    return CustomerTable([t("metric", lang), t("value", lang)], rows)
