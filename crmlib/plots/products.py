"""Charts and tables of the products topic (80_products).

Top N products or categories as bars (plus "other", unknown kept apart), the category mix over time as stacked bars, return rates as bars.

The frames come from :func:`crmlib.metrics.product_sales`, :func:`crmlib.metrics.category_mix`
and :func:`crmlib.metrics.product_returns`; nothing here computes a figure. Tables render as
HTML with a plain-text form (what nbval compares) and say "not available" when the data lacks a
table the figure needs.
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
from crmlib.i18n import t
from crmlib.plots.style import (
    currency_of,
    label_lang,
    labelled_barh,
    not_available_note,
    nothing_to_draw,
    pct,
    short_number,
)

__all__ = ["product_row_labels", "product_bars", "category_mix_bars", "return_rate_bars",
           "product_table", "returns_table"]



def _key(df: pd.DataFrame) -> str:
    by = df.attrs.get("by")
    if by in ("category", "series"):
        return by
    return "product_id" if "product_id" in df.columns else "category"


def product_row_labels(df: pd.DataFrame, lang: str = "en") -> list[str]:
    """Name each row of a products frame for a table or an axis.

    A row is named by the product's name (its id when it has none), the category or series,
    "other (N)" / "其他（N 项）", or "unknown" / "未知".

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.product_sales` or :func:`crmlib.metrics.product_returns` frame
        (``name`` or the group, ``kind``; ``values`` on the other row).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.

    Returns
    -------
    list[str]
        One label per row of ``df``, in ``lang``.
    """
    key = _key(df)
    names = df["name"] if "name" in df.columns else df[key]
    n = df["values"] if "values" in df.columns else [1] * len(df)
    out = []
    for k, name, kind, count in zip(df[key], names, df["kind"], n, strict=True):
        if kind == "unknown":
            out.append(t("unknown", lang))
        elif kind == "other":
            out.append(t("prod_other", lang, n=int(count)))
        else:
            out.append(str(name) if isinstance(name, str) and name.strip() else str(k))
    return out


_HTMLText = HTMLText  # HTML for reports with a plain-text form (what nbval compares)


def product_bars(df: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                 ax=None, **kwargs):
    """Draw sales amount per product (or category) as horizontal bars, largest on top.

    Each bar is labelled "amount (share)"; other and unknown are grey. Pass a frame made with
    ``top`` when there are many rows: it draws ``len(df)`` bars. Nothing to draw gives a "not
    available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.product_sales` frame (``amount``, ``share``, ``kind``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).
    **kwargs
        Passed on to matplotlib (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    if df.empty or not (df["amount"] > 0).any():
        return nothing_to_draw(df, lang, ax=ax)
    texts = [f"{short_number(a)} ({s:.1%})" for a, s in zip(df["amount"], df["share"],
                                                             strict=True)]
    return labelled_barh(df, df["amount"].tolist(), product_row_labels(df, lang), texts,
                         title=title, amount=True,
                         color=kwargs.pop("color", sns.color_palette()[0]), ax=ax).figure


def category_mix_bars(mix: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                      ax=None, **kwargs):
    """Draw the category mix of sales per bucket as stacked bars of amounts.

    One colour per category of :func:`crmlib.metrics.category_mix` in the frame's order, the
    legend beside the axes. Readable with many categories when the frame was made with ``top``
    (other and unknown are grey tones). Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    mix : pandas.DataFrame
        A :func:`crmlib.metrics.category_mix` frame.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).
    **kwargs
        Passed on to matplotlib (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    if mix.empty or not (mix["amount"] > 0).any():
        return nothing_to_draw(mix, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    first = mix[mix["bucket"] == mix["bucket"].iloc[0]]
    names = product_row_labels(first.assign(values=_other_counts(first, mix)), lang)
    palette = sns.color_palette("tab20", n_colors=max(len(first), 1))
    buckets = sorted(mix["bucket"].unique())
    step = (pd.Series(buckets).diff().dt.days.median() if len(buckets) > 1 else 1) or 1
    bottom = pd.Series(0.0, index=pd.DatetimeIndex(buckets))
    for i, (cat, kind) in enumerate(zip(first["category"], first["kind"], strict=True)):
        rows = mix[(mix["kind"] == kind) & ((mix["category"] == cat) if kind == "value"
                                            else True)].set_index("bucket")["amount"]
        rows = rows.reindex(bottom.index, fill_value=0.0)
        color = palette[i] if kind == "value" else ("#a0aec0" if kind == "other" else "#4a5568")
        ax.bar(bottom.index, rows.to_numpy(), bottom=bottom.to_numpy(), width=0.8 * step,
               color=color, label=names[i], **kwargs)
        bottom += rows
    if title:
        ax.set_title(title)
    ax.set_xlabel("")
    monthly = step > 20
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m" if monthly else "%m-%d"))
    ax.tick_params(axis="x", labelsize="small")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(short_number))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
    return ax.figure


def _other_counts(first: pd.DataFrame, mix: pd.DataFrame) -> list[int]:
    n = len(mix.attrs.get("others", []))
    return [n if k == "other" else 1 for k in first["kind"]]


def return_rate_bars(df: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                     ax=None, **kwargs):
    """Draw the return rate per product as horizontal bars, labelled "rate · returned / sold".

    A row without sales shows "—" and no bar. Keeps the frame's order (most returned first);
    pass a frame made with ``top``. Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.product_returns` frame (``return_rate``, ``returned_amount``,
        ``sold_amount``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).
    **kwargs
        Passed on to matplotlib (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    if df.empty or not (df["returned_amount"] > 0).any():
        return nothing_to_draw(df, lang, ax=ax)
    rates = df["return_rate"].astype("float64").tolist()
    texts = [("—" if math.isnan(r) else f"{r:.1%}") + f" · {short_number(ret)} / "
             f"{short_number(sold)}" for r, ret, sold in zip(
                 rates, df["returned_amount"], df["sold_amount"], strict=True)]
    finite = [r for r in rates if not math.isnan(r)]
    ax = labelled_barh(df, rates, product_row_labels(df, lang), texts, title=title, amount=False,
               color=kwargs.pop("color", sns.color_palette()[3]), ax=ax,
               xlim=max(finite, default=0.0) * 1.6 or 1.0)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    return ax.figure


def product_table(df: pd.DataFrame, ctx) -> _HTMLText:
    """Tabulate sales per product (or category), with a total row.

    Columns: product (or category), contracts, quantity, amount, share; the total row comes
    last (contracts distinct over all rows). Says "not available" when the data lacks a table
    and "no data" when the frame is empty.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.product_sales` frame (``contracts``, ``quantity``, ``amount``,
        ``share``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares), or the "not available" /
        "no data" line.
    """
    lang = label_lang(ctx)
    na = not_available_note(df, ctx)
    if na is not None:
        return na
    if df.empty:
        msg = t("no_data", lang)
        return _HTMLText(f"<p><i>{html.escape(msg)}</i></p>", msg)
    currency = currency_of(ctx)
    first = {"product_id": "prod_product", "category": "prod_category",
             "series": "prod_series"}[_key(df)]
    heads = [t(k, lang) for k in (first, "prod_contracts", "prod_quantity", "prod_amount",
                                  "prod_share")]
    rows = [[n, f"{int(c):,}", f"{q:,.0f}", fmt_value(a, "amount", currency), pct(s)]
            for n, c, q, a, s in zip(product_row_labels(df, lang), df["contracts"],
                                     df["quantity"], df["amount"], df["share"], strict=True)]
    total = float(df["amount"].sum())
    rows.append([t("prod_total", lang), f"{int(df.attrs.get('contracts', 0)):,}",
                 f"{df['quantity'].sum():,.0f}", fmt_value(total, "amount", currency),
                 pct(1.0 if total else math.nan)])
    return rows_table(heads, rows, css_class="crm-products")


def returns_table(df: pd.DataFrame, ctx) -> _HTMLText:
    """Tabulate returns per product, with a total row.

    Columns: product, sold amount, returns, returned quantity, returned amount, return rate;
    the total row comes last. Says "not available" when the data lacks a table and "no data"
    when the frame is empty.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.product_returns` frame (``sold_amount``, ``returns``,
        ``returned_quantity``, ``returned_amount``, ``return_rate``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares), or the "not available" /
        "no data" line.
    """
    lang = label_lang(ctx)
    na = not_available_note(df, ctx)
    if na is not None:
        return na
    if df.empty:
        msg = t("no_data", lang)
        return _HTMLText(f"<p><i>{html.escape(msg)}</i></p>", msg)
    currency = currency_of(ctx)
    first = {"product_id": "prod_product", "category": "prod_category",
             "series": "prod_series"}[_key(df)]
    heads = [t(k, lang) for k in (first, "prod_sold_amount", "prod_returns",
                                  "prod_returned_quantity", "prod_returned_amount",
                                  "prod_return_rate")]
    rows = [[n, fmt_value(s, "amount", currency), f"{int(c):,}", f"{q:,.0f}",
             fmt_value(r, "amount", currency), pct(rate)]
            for n, s, c, q, r, rate in zip(
                product_row_labels(df, lang), df["sold_amount"], df["returns"],
                df["returned_quantity"], df["returned_amount"], df["return_rate"], strict=True)]
    rows.append([t("prod_total", lang), fmt_value(df.attrs.get("sold_amount"), "amount",
                                                  currency),
                 f"{int(df['returns'].sum()):,}", f"{df['returned_quantity'].sum():,.0f}",
                 fmt_value(df.attrs.get("returned_amount"), "amount", currency),
                 pct(df.attrs.get("return_rate"))])
    return rows_table(heads, rows, css_class="crm-product-returns")
