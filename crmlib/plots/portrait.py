"""Charts and tables of the customer portrait (70_customer_portrait).

Sorted horizontal bars of customers with the dealt ones drawn inside, readable with many values (top N plus "other", unknown kept apart).

The frames come from :func:`crmlib.metrics.customer_portrait`; nothing here computes a figure.
"""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from crmlib.display import HTMLText, rows_table
from crmlib.i18n import t, value_label
from crmlib.plots.style import label_lang, nothing_to_draw

__all__ = ["portrait_value_labels", "portrait_bars", "portrait_table"]

# dimension -> catalogue prefix of its values' display names (values without a label show as is)
_VALUE_PREFIX = {"level": "portrait_level_"}


def portrait_value_labels(df: pd.DataFrame, lang: str = "en") -> list[str]:
    """Name each row of a customer portrait for a table or an axis.

    A row is named by its value (a level's display name when the catalogue has one),
    "unknown" / "未知", or "other (N values)" / "其他（N 项）".

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.customer_portrait` frame (``value``, ``kind``; ``values`` on the
        other row).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.

    Returns
    -------
    list[str]
        One label per row of ``df``, in ``lang``.
    """
    prefix = _VALUE_PREFIX.get(df.attrs.get("dimension"), "")
    out = []
    for value, kind, n in zip(df["value"], df["kind"], df["values"], strict=True):
        if kind == "unknown":
            out.append(t("unknown", lang))
        elif kind == "other":
            out.append(t("portrait_other", lang, n=int(n)))
        else:
            out.append(value_label(prefix, value, lang) if prefix else str(value))
    return out


def portrait_bars(df: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax=None,
                  **kwargs):
    """Draw customers per value as horizontal bars, the dealt ones as a darker bar inside.

    Rows keep the frame's order (most customers on top, then other, then unknown), so pass a
    frame made with ``top`` for many values: it draws ``len(df)`` bars. Each bar is labelled
    "customers · dealt (rate)". Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.customer_portrait` frame (``value``, ``kind``, ``customers``,
        ``dealt``, ``dealt_rate``).
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
    if df.empty:
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.4 * len(df) + 1.3))
    palette = sns.color_palette()
    names = portrait_value_labels(df, lang)
    y = list(range(len(df)))
    ax.barh(y, df["customers"], color=kwargs.pop("color", palette[0]), alpha=0.35,
            label=t("portrait_customers", lang), **kwargs)
    ax.barh(y, df["dealt"], height=0.45, color=palette[0], label=t("portrait_dealt", lang))
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    ax.set_xlabel("")
    top = float(df["customers"].max()) or 1.0
    for yi, c, d, r in zip(y, df["customers"], df["dealt"], df["dealt_rate"], strict=True):
        ax.text(c + top * 0.01, yi, f"{c:,} · {d:,} ({r:.0%})", va="center", fontsize="small")
    ax.set_xlim(0, top * 1.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2, frameon=False,
              fontsize="small")  # below the axes: never over a bar
    return ax.figure


_HTMLText = HTMLText  # HTML for reports with a plain-text form (what nbval compares)


def portrait_table(df: pd.DataFrame, ctx) -> _HTMLText:
    """Tabulate a customer portrait: customers and dealt customers per value, with a total row.

    Columns: value, customers, dealt, dealt rate, share; the total row comes last. Says "no
    data" when no customer is counted.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.customer_portrait` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    if df.empty:
        msg = t("no_data", lang)
        return _HTMLText(f"<p><i>{html.escape(msg)}</i></p>", msg)
    heads = [t(k, lang) for k in ("portrait_value", "portrait_customers", "portrait_dealt",
                                  "portrait_dealt_rate", "portrait_share")]
    rows = [[n, f"{c:,}", f"{d:,}", f"{r:.1%}", f"{s:.1%}"] for n, c, d, r, s in zip(
        portrait_value_labels(df, lang), df["customers"], df["dealt"], df["dealt_rate"],
        df["share"], strict=True)]
    total, dealt = int(df["customers"].sum()), int(df["dealt"].sum())
    rows.append([t("portrait_total", lang), f"{total:,}", f"{dealt:,}",
                 f"{dealt / total:.1%}", f"{1:.1%}"])
    return rows_table(heads, rows, css_class="crm-portrait")
