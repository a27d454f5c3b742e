"""Charts and tables of the employee-performance topic (40_employee_performance).

The chart draws :func:`crmlib.metrics.monthly_performance` as monthly bars (the months of the
period darker) with the same month a year earlier as a line. The tables are small display
objects with an HTML form for reports and a plain-text form that nbval can compare; when a table
the figures need is absent from the data they say "not available" instead of showing zeros.
"""

from __future__ import annotations

import html
import math

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from crmlib.display import fmt_change, fmt_value
from crmlib.i18n import t
from crmlib.plots.style import short_number

__all__ = ["performance_month_bars", "performance_months", "PerformanceTable",
           "performance_table", "performance_monthly_table", "contract_summary_table",
           "invoice_gaps_table"]

_AMOUNTS = ("contract_amount", "payments")


def performance_month_bars(df: pd.DataFrame, *, metric: str, label: str,
                           year_ago_label: str | None = None, amount: bool = False,
                           legend: bool = True, ax=None, **kwargs):
    """Draw one monthly figure of a ``monthly_performance`` frame as bars.

    Months inside the period (``in_period``) are drawn darker; ``{metric}_year_ago`` is drawn
    as a line with markers, labelled ``year_ago_label`` (no line when it is None).

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.monthly_performance` frame (``month``, ``in_period``, the
        metric and its ``_year_ago`` column).
    metric : str
        The column drawn: ``"contracts"``, ``"contract_amount"`` or ``"payments"``.
    label : str
        Title of the chart (the metric's label).
    year_ago_label : str, optional
        Legend label of the year-ago line (None: no line).
    amount : bool, default=False
        Whether the values are amounts (short numbers on the axis).
    legend : bool, default=True
        Whether to show the legend of the year-ago line.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).
    **kwargs
        Passed on to matplotlib's ``bar`` (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax``: one bar per month, labelled ``YYYY-MM``.
    """
    ax = plt.gca() if ax is None else ax
    pal = sns.color_palette()
    light, dark = sns.light_palette(pal[0], 4)[1], pal[0]
    x = list(range(len(df)))
    colours = [dark if p else light for p in df["in_period"]]
    ax.bar(x, df[metric].fillna(0), color=colours, width=0.7, **kwargs)
    if year_ago_label is not None and f"{metric}_year_ago" in df:
        ax.plot(x, df[f"{metric}_year_ago"], color=pal[1], marker="o", markersize=3,
                linewidth=1.2, label=year_ago_label)
        if legend:
            ax.legend(loc="lower left", fontsize="small", framealpha=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels([f"{m:%Y-%m}" for m in df["month"]], rotation=90, fontsize="small")
    ax.set_title(label)
    ax.set_xlabel("")
    if amount:
        import matplotlib.ticker

        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(short_number))
    return ax.figure


def performance_months(df: pd.DataFrame, *, labels: dict[str, str], year_ago_label: str,
                       metrics=("contracts", "contract_amount", "payments")):
    """Draw small multiples of :func:`performance_month_bars`, one per metric.

    A metric whose column is entirely NaN (its table is absent from the data) is left out.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.monthly_performance` frame.
    labels : dict[str, str]
        Chart title per metric.
    year_ago_label : str
        Legend label of the year-ago lines.
    metrics : sequence of str, default=('contracts', 'contract_amount', 'payments')
        The columns drawn, one chart each, left to right.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure with one monthly bar chart per metric shown (an empty one when none is).
    """
    shown = [m for m in metrics if m in df and not df[m].isna().all()]
    fig, axes = plt.subplots(1, max(len(shown), 1), figsize=(4.6 * max(len(shown), 1), 3.4),
                             squeeze=False)
    for i, (ax, m) in enumerate(zip(axes.flat, shown, strict=False)):
        performance_month_bars(df, metric=m, label=labels[m], year_ago_label=year_ago_label,
                               amount=m in _AMOUNTS, legend=i == 0, ax=ax)
    if not shown:
        axes.flat[0].set_visible(False)
    fig.tight_layout()
    return fig


class PerformanceTable:
    """A frame shown as a table with localized headers (HTML, and plain text for nbval).

    A "not available" line is shown for each absent table and columns that are then entirely
    empty are dropped (the whole table when no figure is left). A row whose ``is_total`` is true
    is labelled "Total".

    Parameters
    ----------
    df : pandas.DataFrame
        The frame shown.
    columns : dict[str, str]
        Frame column -> label key, in display order (columns absent from ``df`` are skipped).
    kinds : dict[str, str]
        Format of each column: ``text``, ``month``, ``count``, ``amount``, ``change`` or ``rate``.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    currency : str, optional
        Currency code printed after amounts (values are not converted).
    unavailable : sequence of str, default=()
        The tables the figures need that the data lacks.
    highlight : str, optional
        A boolean column of ``df``: rows where it is true are shown in bold.
    """

    def __init__(self, df: pd.DataFrame, *, columns: dict[str, str], kinds: dict[str, str],
                 lang: str = "en", currency: str | None = None, unavailable=(),
                 highlight: str | None = None):
        self.lang, self.currency, self.unavailable = lang, currency, list(unavailable)
        self.kinds = kinds
        cols = [c for c in columns if c in df]
        if self.unavailable:
            cols = [c for c in cols if kinds.get(c) in ("text", "month") or df[c].notna().any()]
            if all(kinds.get(c) in ("text", "month") for c in cols):
                cols = []
        self.columns = {c: columns[c] for c in cols}
        self.df = df
        self.highlight = highlight

    def _cell(self, col: str, value, row) -> str:
        kind = self.kinds.get(col, "text")
        if kind == "text" and bool(row.get("is_total", False)):
            first = col == next(iter(self.columns))
            return t("perf_total", self.lang) if first else ""
        if kind == "month":
            return f"{pd.Timestamp(value):%Y-%m}"
        if kind == "change":
            return fmt_change(value)
        if kind == "rate":
            return "—" if value is None or pd.isna(value) else f"{value:.1%}"
        if kind in ("count", "amount"):
            return fmt_value(None if pd.isna(value) else float(value), kind)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return t("unknown", self.lang)
        return str(value)

    def _rows(self):
        for _, row in self.df.iterrows():
            yield row, [self._cell(c, row[c], row) for c in self.columns]

    def _messages(self) -> list[str]:
        return [t("not_available", self.lang, table=name) for name in self.unavailable]

    def __repr__(self) -> str:
        """Return the plain-text form (what nbval compares and a console shows)."""
        lines = self._messages()
        if self.columns:
            head = [t(k, self.lang) for k in self.columns.values()]
            body = [cells for _, cells in self._rows()]
            text = pd.DataFrame(body, columns=head).to_string(index=False) if body else ""
            lines.append(text or t("no_data", self.lang))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Return the HTML form."""
        parts = [f'<p class="crm-unavailable"><i>{html.escape(m)}</i></p>'
                 for m in self._messages()]
        if self.columns:
            right = {c for c in self.columns if self.kinds.get(c) not in ("text", "month")}
            head = "".join(f'<th style="text-align:{"right" if c in right else "left"}">'
                           f"{html.escape(t(k, self.lang))}</th>"
                           for c, k in self.columns.items())
            rows = []
            for row, cells in self._rows():
                strong = bool(row.get("is_total", False)) or (
                    self.highlight is not None and bool(row.get(self.highlight, False)))
                style = ' style="font-weight:600"' if strong else ""
                tds = "".join(f'<td style="text-align:{"right" if c in right else "left"}">'
                              f"{html.escape(v)}</td>"
                              for c, v in zip(self.columns, cells, strict=True))
                rows.append(f"<tr{style}>{tds}</tr>")
            if not rows:
                rows.append(f'<tr><td colspan="{len(self.columns)}">'
                            f"{html.escape(t('no_data', self.lang))}</td></tr>")
            parts.append(f"<table><tr>{head}</tr>{''.join(rows)}</table>")
        return "".join(parts)


def _ctx(ctx):
    lang = getattr(ctx, "lang", ctx) or "en"
    currency = (getattr(ctx, "params", {}) or {}).get("currency")
    crm = getattr(ctx, "crm", None)
    return lang, currency, crm


def performance_table(df: pd.DataFrame, ctx, *, columns: dict[str, str],
                      kinds: dict[str, str], needs=(), highlight: str | None = None
                      ) -> PerformanceTable:
    """Build a :class:`PerformanceTable` in the report's language and currency.

    ``needs`` names the optional tables the figures come from; those the data lacks are
    reported as not available.

    Parameters
    ----------
    df : pandas.DataFrame
        The frame shown (a :mod:`crmlib.metrics.performance` frame).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    columns : dict[str, str]
        Frame column -> label key, in display order.
    kinds : dict[str, str]
        Format of each column (see :class:`PerformanceTable`).
    needs : sequence of str, default=()
        Optional tables the figures come from (e.g. ``"payments"``).
    highlight : str, optional
        A boolean column: rows where it is true are shown in bold.

    Returns
    -------
    PerformanceTable
        The table (HTML, with a plain-text form).
    """
    lang, currency, crm = _ctx(ctx)
    unavailable = [n for n in needs if crm is not None and not crm.has(n)]
    return PerformanceTable(df, columns=columns, kinds=kinds, lang=lang, currency=currency,
                            unavailable=unavailable, highlight=highlight)


def performance_monthly_table(df: pd.DataFrame, ctx) -> PerformanceTable:
    """Tabulate a ``monthly_performance`` frame month by month (months of the period in bold).

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.monthly_performance` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    PerformanceTable
        Per month: contracts, contract amount and payments, each with its month-on-month and
        year-on-year change.
    """
    columns = {"month": "perf_month"}
    kinds = {"month": "month"}
    for m in ("contracts", "contract_amount", "payments"):
        columns |= {m: m, f"{m}_mom": f"perf_{m}_mom", f"{m}_yoy": f"perf_{m}_yoy"}
        kinds |= {m: "count" if m == "contracts" else "amount", f"{m}_mom": "change",
                  f"{m}_yoy": "change"}
    return performance_table(df, ctx, columns=columns, kinds=kinds, needs=("payments",),
                             highlight="in_period")


def contract_summary_table(df: pd.DataFrame, ctx) -> PerformanceTable:
    """Tabulate a ``contract_summary`` frame (by owner, team or total).

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.contract_summary` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    PerformanceTable
        Employee and team (when present), contracts, contract amount, paid, outstanding,
        overpaid and paid rate.
    """
    columns = {"name": "employee", "team": "team"} if "name" in df else (
        {"team": "team"} if "team" in df else {})
    columns |= {"contracts": "contracts", "contract_amount": "contract_amount",
                "paid": "perf_paid", "outstanding": "perf_outstanding",
                "overpaid": "perf_overpaid", "paid_rate": "perf_paid_rate"}
    kinds = {"name": "text", "team": "text", "contracts": "count", "contract_amount": "amount",
             "paid": "amount", "outstanding": "amount", "overpaid": "amount",
             "paid_rate": "rate"}
    return performance_table(df, ctx, columns=columns, kinds=kinds, needs=("payments",))


def invoice_gaps_table(df: pd.DataFrame, ctx) -> PerformanceTable:
    """Tabulate an ``invoice_payment_gaps`` frame summed per owner or team.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.invoice_payment_gaps` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    PerformanceTable
        Employee and team (when present), invoiced and paid amounts, the amounts invoiced not
        paid and paid not invoiced, and how many contracts have each gap.
    """
    columns = {"name": "employee", "team": "team"} if "name" in df else (
        {"team": "team"} if "team" in df else {})
    columns |= {"invoiced": "perf_invoiced", "paid": "perf_paid",
                "invoiced_not_paid": "perf_invoiced_not_paid",
                "contracts_invoiced_not_paid": "perf_contracts_invoiced_not_paid",
                "paid_not_invoiced": "perf_paid_not_invoiced",
                "contracts_paid_not_invoiced": "perf_contracts_paid_not_invoiced"}
    kinds = {"name": "text", "team": "text", "invoiced": "amount", "paid": "amount",
             "invoiced_not_paid": "amount", "paid_not_invoiced": "amount",
             "contracts_invoiced_not_paid": "count", "contracts_paid_not_invoiced": "count"}
    return performance_table(df, ctx, columns=columns, kinds=kinds,
                             needs=("invoices", "payments"))
