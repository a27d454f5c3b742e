"""What report notebooks display besides charts: titles, headings, notes, KPI cards, tables.

Each function returns an object that Jupyter renders (HTML, with a plain-text form that nbval
can compare). Labels come from :mod:`crmlib.i18n`; numbers are formatted, never computed here.
"""

from __future__ import annotations

import html
import math

import pandas as pd
from IPython.display import HTML, Markdown

from crmlib.i18n import t

__all__ = ["HTMLText", "label_lang", "currency_of", "rows_table", "title", "heading", "note", "fmt_value", "fmt_change", "KPICards", "kpi_cards",
           "summary_table",
           "table"]


class HTMLText:
    """HTML for reports with a plain-text form (what nbval compares and a console shows).

    Parameters
    ----------
    html_text : str
        The HTML shown in a notebook (``_repr_html_``).
    text : str
        The plain-text form returned by ``repr``.
    """

    def __init__(self, html_text: str, text: str):
        self._html, self._text = html_text, text

    def _repr_html_(self) -> str:
        """Return the HTML form."""
        return self._html

    def __repr__(self) -> str:
        """Return the plain-text form (what nbval compares and a console shows)."""
        return self._text


def rows_table(heads: list[str] | None, rows: list[list[str]], *,
               css_class: str | None = "crm-table", right=None, first_left: bool = False,
               groups: dict[int, str] | None = None, bold: list[bool] | None = None,
               row_styles: dict[int, str] | None = None, foot: str = "",
               sep: str = " | ") -> HTMLText:
    """Return a table of already formatted cells, as HTML with a plain-text form.

    The one table builder of reports and dashboards: every table of :mod:`crmlib.plots` is
    made here. By default the first column is left-aligned and the others right-aligned; the
    plain-text form has one ``head | head`` line per row (what nbval compares).

    Parameters
    ----------
    heads : list of str or None
        Column headers (None: no header row, e.g. label / value rows).
    rows : list of list of str
        Formatted cells, one list per row.
    css_class : str or None, default="crm-table"
        Class of the ``<table>`` element (None: no class).
    right : iterable of int, optional
        The right-aligned columns (default: every column but the first).
    first_left : bool, default=False
        Give the left-aligned cells an explicit ``text-align:left`` style.
    groups : dict of int to str, optional
        A header row (spanning the table) above the row of that index; ``== text`` in the
        plain-text form.
    bold : list of bool, optional
        Which rows are bold.
    row_styles : dict of int to str, optional
        A ``style`` attribute for the row of that index (e.g. a highlighted employee).
    foot : str, default=""
        A note in italics below the table (and as the last line of the plain-text form).
    sep : str, default=" | "
        Cell separator of the plain-text form.

    Returns
    -------
    crmlib.display.HTMLText
        HTML for reports with a plain-text form (what nbval compares).
    """
    groups, row_styles = groups or {}, row_styles or {}
    width = len(heads) if heads is not None else max((len(r) for r in rows), default=0)
    body, lines = [], [] if heads is None else [sep.join(heads)]
    for i, cells in enumerate(rows):
        if i in groups:
            body.append(f'<tr><td colspan="{width}" style="font-weight:600;'
                        f'background:#edf2f7">{html.escape(groups[i])}</td></tr>')
            lines.append(f"== {groups[i]}")
        b0, b1 = ("<b>", "</b>") if bold and bold[i] else ("", "")
        tds = "".join(_cell_open(j, right, first_left) + b0 + html.escape(str(c)) + b1 + "</td>"
                      for j, c in enumerate(cells))
        style = f' style="{row_styles[i]}"' if i in row_styles else ""
        body.append(f"<tr{style}>{tds}</tr>")
        lines.append(sep.join(str(c) for c in cells))
    head = "" if heads is None else (
        "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in heads) + "</tr>")
    cls = "" if css_class is None else f' class="{html.escape(css_class)}"'
    extra = f"<p><i>{html.escape(foot)}</i></p>" if foot else ""
    text = "\n".join(lines) + (f"\n{foot}" if foot else "")
    return HTMLText(f"<table{cls}>{head}{''.join(body)}</table>{extra}", text)


def _cell_open(j: int, right, first_left: bool) -> str:
    if (j > 0) if right is None else (j in right):
        return '<td style="text-align:right">'
    return '<td style="text-align:left">' if first_left else "<td>"


def label_lang(ctx_or_lang) -> str:
    """Return the language of a report context, or the language given as a string.

    Parameters
    ----------
    ctx_or_lang : ReportContext or str or None
        Anything with a ``lang`` attribute, or ``"en"`` / ``"zh"``.

    Returns
    -------
    str
        ``"en"`` when nothing is given.
    """
    return getattr(ctx_or_lang, "lang", ctx_or_lang) or "en"


def currency_of(ctx) -> str | None:
    """Look up the currency of a report context's parameters.

    Parameters
    ----------
    ctx : ReportContext or str
        A report context (a language string has no currency).

    Returns
    -------
    str or None
        ``ctx.params["currency"]``, or None when the context has no currency.
    """
    return (getattr(ctx, "params", {}) or {}).get("currency")


def title(key: str, ctx) -> Markdown:
    """Make the report's title (``# ...``) in the report's language.

    Parameters
    ----------
    key : str
        Label-catalogue key of the title.
    ctx : ReportContext or str
        The report context (its language and currency), or just a language code.

    Returns
    -------
    Markdown
        A level-1 Markdown heading with the translated title.
    """
    return Markdown(f"# {t(key, label_lang(ctx))}")


def heading(key: str, ctx, level: int = 2, **fmt) -> Markdown:
    """Make a section heading (``## ...``) in the report's language, formatted with ``fmt``.

    Parameters
    ----------
    key : str
        Label-catalogue key of the heading.
    ctx : ReportContext or str
        The report context (its language and currency), or just a language code.
    level : int, default=2
        Heading level (number of ``#``).
    **fmt
        Values formatted into the catalogue text (e.g. ``{year}``).

    Returns
    -------
    Markdown
        The Markdown heading, ``level`` ``#`` then the translated text.
    """
    return Markdown(f"{'#' * level} {t(key, label_lang(ctx), **fmt)}")


def note(key: str, ctx, **fmt) -> HTML:
    """Make a short "how this is counted" note to show under a section.

    Parameters
    ----------
    key : str
        Label-catalogue key of the note's text.
    ctx : ReportContext or str
        The report context (its language and currency), or just a language code.
    **fmt
        Values formatted into the catalogue text.

    Returns
    -------
    HTML
        A ``<div class="crm-note">`` with the bold "how this is counted" label and the text.
    """
    lang = label_lang(ctx)
    return HTML(f'<div class="crm-note"><b>{html.escape(t("how_counted", lang))}:</b> '
                f"{html.escape(t(key, lang, **fmt))}</div>")


def fmt_value(value, kind: str = "count", currency: str | None = None) -> str:
    """Format a count or an amount for a report cell.

    Counts are written ``1,234``, amounts ``1,234.50 CNY`` (two decimals, then the currency when
    given); None or NaN is written ``—``.

    Parameters
    ----------
    value : float, int or None
        The number to format (None or NaN when undefined).
    kind : str, default='count'
        ``"amount"`` for money; any other kind (``"count"``) is written without decimals.
    currency : str, optional
        Currency code appended to amounts (values are not converted).

    Returns
    -------
    str
        The formatted value, or ``"—"``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "amount":
        return f"{value:,.2f}" + (f" {currency}" if currency else "")
    return f"{value:,.0f}"


def fmt_change(ratio) -> str:
    """Format a period-on-period change ratio as a signed percentage.

    ``+12.5%`` / ``-3.0%``; ``—`` when undefined (the previous period was 0).

    Parameters
    ----------
    ratio : float or None
        The relative change, 0.125 for +12.5% (None or NaN when undefined).

    Returns
    -------
    str
        The signed percentage with one decimal, or ``"—"``.
    """
    if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
        return "—"
    return f"{ratio:+.1%}"


class KPICards:
    """KPI cards for a :func:`crmlib.metrics.sales_brief` frame (HTML, with a text form).

    Parameters
    ----------
    brief : pandas.DataFrame
        The :func:`crmlib.metrics.sales_brief` frame: one card per row (``metric``, ``kind``,
        ``current``, ``change_previous``, ``change_year_ago``).
    lang : str, default='en'
        Language of the card labels, ``"en"`` or ``"zh"``.
    currency : str, optional
        Currency code printed after amounts (values are not converted).
    """

    def __init__(self, brief: pd.DataFrame, lang: str = "en", currency: str | None = None):
        self.brief, self.lang, self.currency = brief, lang, currency

    def _rows(self):
        for r in self.brief.itertuples(index=False):
            yield (t(r.metric, self.lang), fmt_value(r.current, r.kind, self.currency),
                   fmt_change(r.change_previous), fmt_change(r.change_year_ago), r)

    def __repr__(self) -> str:
        """Return the plain-text form (what nbval compares and a console shows)."""
        vs_p, vs_y = t("change_vs_previous", self.lang), t("change_vs_year_ago", self.lang)
        return "\n".join(f"{label}: {value} ({vs_p} {cp}, {vs_y} {cy})"
                         for label, value, cp, cy, _ in self._rows())

    def _repr_html_(self) -> str:
        """Return the HTML form."""
        vs_p, vs_y = t("change_vs_previous", self.lang), t("change_vs_year_ago", self.lang)
        cards = []
        for label, value, cp, cy, r in self._rows():
            colour = ("#2f855a" if (r.change_previous or 0) > 0 else "#c53030"
                      if (r.change_previous or 0) < 0 else "#4a5568")
            cards.append(
                '<div style="border:1px solid #cbd5e0;border-radius:6px;padding:10px 14px;'
                'min-width:150px;background:#fff">'
                f'<div style="color:#4a5568;font-size:0.9em">{html.escape(label)}</div>'
                f'<div style="font-size:1.6em;font-weight:600">{html.escape(value)}</div>'
                f'<div style="font-size:0.85em;color:{colour}">{html.escape(vs_p)} '
                f'{html.escape(cp)}</div><div style="font-size:0.85em;color:#4a5568">'
                f"{html.escape(vs_y)} {html.escape(cy)}</div></div>")
        return ('<div style="display:flex;flex-wrap:wrap;gap:10px;margin:8px 0">'
                + "".join(cards) + "</div>")


def kpi_cards(brief: pd.DataFrame, ctx) -> KPICards:
    """Show a :func:`crmlib.metrics.sales_brief` frame as KPI cards in the report's language.

    Parameters
    ----------
    brief : pandas.DataFrame
        A :func:`crmlib.metrics.sales_brief` frame (one card per metric).
    ctx : ReportContext or str
        The report context (its language and currency), or just a language code.

    Returns
    -------
    KPICards
        The cards: each metric's current value and its change against the previous period and
        a year ago; HTML in a notebook, one line per card as plain text.
    """
    return KPICards(brief, label_lang(ctx), currency_of(ctx))


def table(df: pd.DataFrame, ctx, *, labels: dict[str, str] | None = None,
          index: bool = False) -> HTML:
    """Render a frame as an HTML table with localized column labels (catalogue keys -> labels).

    Missing values show as ``—`` and floats with two decimals and thousands separators.

    Parameters
    ----------
    df : pandas.DataFrame
        Any frame, usually a metric function's output.
    ctx : ReportContext or str
        The report context (its language and currency), or just a language code.
    labels : dict[str, str], optional
        Catalogue key per column, for the columns to relabel (others keep their name).
    index : bool, default=False
        Whether to show the frame's index.

    Returns
    -------
    HTML
        The frame as an HTML ``<table>``.
    """
    lang = label_lang(ctx)
    cols = {c: t(labels.get(c, c), lang) if labels and c in labels else c for c in df.columns}
    return HTML(df.rename(columns=cols).to_html(index=index, border=0, na_rep="—",
                                                float_format=lambda v: f"{v:,.2f}"))


def summary_table(summary: pd.DataFrame, ctx, *, kinds: dict | None = None,
                  fmt: dict | None = None) -> HTML:
    """Render a ``metric``/``value`` frame as a two-column table of labels and formatted values.

    Parameters
    ----------
    summary : pandas.DataFrame
        A frame with columns ``metric`` (catalogue key) and ``value``, such as the summary
        frames of :mod:`crmlib.metrics`.
    ctx : ReportContext or str
        The report context (its language and currency), or just a language code.
    kinds : dict, optional
        Format kind per metric for :func:`fmt_value` (default ``"count"``).
    fmt : dict, optional
        Per metric, values formatted into its label.

    Returns
    -------
    HTML
        An HTML table with the translated "metric" and "value" columns.
    """
    lang = label_lang(ctx)
    currency = currency_of(ctx)
    kinds, fmt = kinds or {}, fmt or {}
    rows = [[t(m, lang, **fmt.get(m, {})), fmt_value(v, kinds.get(m, "count"), currency)]
            for m, v in zip(summary["metric"], summary["value"], strict=True)]
    return HTML(rows_table([t("metric", lang), t("value", lang)], rows,
                           css_class=None)._repr_html_())
