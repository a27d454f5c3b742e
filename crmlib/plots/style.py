"""What every chart and table shares: the label language, number formats, "not available".

One copy of each helper that the topic modules of :mod:`crmlib.plots` use: the language and
currency of a report context, short axis numbers, bar widths of a date axis, percentages, a
message drawn on an axes, and the "not available" figure and note that read the one protocol of
:mod:`crmlib.engine.frames`.
"""

from __future__ import annotations

import html
import math

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from crmlib.display import HTMLText, currency_of, label_lang
from crmlib.engine import is_available, missing_table_of
from crmlib.i18n import t

__all__ = ["label_lang", "currency_of", "is_missing", "pct", "number", "short_number",
           "bar_width", "axes_or_new", "draw_message", "unavailable_message", "message",
           "not_available_note", "not_available_figure", "labelled_barh", "figure_of",
           "unavailable_text", "nothing_to_draw", "is_not_available_figure"]


def is_missing(v) -> bool:
    """Return whether a value is undefined (None or NaN).

    Parameters
    ----------
    v : object
        A cell value.

    Returns
    -------
    bool
        True for None, NaT, NA and NaN (any scalar pandas calls missing).
    """
    if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return True
    return not isinstance(v, str) and pd.api.types.is_scalar(v) and bool(pd.isna(v))


def pct(v, digits: int = 1) -> str:
    """Return a ratio as a percentage, ``—`` when undefined.

    Parameters
    ----------
    v : float or None
        The ratio (0.25 for 25 %).
    digits : int, default=1
        Decimals of the percentage.

    Returns
    -------
    str
        ``"25.0%"``, or ``"—"``.
    """
    return "—" if v is None or pd.isna(v) else f"{v:.{digits}%}"


def number(v, digits: int = 1) -> str:
    """Return a number with thousands separators, ``—`` when undefined.

    Parameters
    ----------
    v : float or None
        The number.
    digits : int, default=1
        Decimals.

    Returns
    -------
    str
        ``"1,234.5"``, or ``"—"``.
    """
    return "—" if is_missing(v) else f"{v:,.{digits}f}"


def short_number(v, _pos=None) -> str:
    """Format an axis tick value short: 1.5M, 250k, 80.

    Usable as a matplotlib ``FuncFormatter``.

    Parameters
    ----------
    v : float
        The tick value.
    _pos : int, optional
        The tick position (matplotlib's ``FuncFormatter`` passes it; unused).

    Returns
    -------
    str
        Three significant digits with a ``k`` / ``M`` suffix.
    """
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:,.3g}{suffix}"
    return f"{v:g}"


def bar_width(buckets) -> float:
    """Size bars on a date axis: 0.8 of the typical step between buckets.

    Parameters
    ----------
    buckets : sequence of pandas.Timestamp
        The bars' dates.

    Returns
    -------
    float
        In days (0.8 with fewer than two buckets).
    """
    if len(buckets) < 2:
        return 0.8
    step = (pd.Series(buckets).diff().dt.days.median()) or 1
    return 0.8 * step


def axes_or_new(ax=None, figsize=(8, 3.6)):
    """Return the given axes, or the axes of a new pyplot figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    figsize : tuple of float, default=(8, 3.6)
        Size of the new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, or a new one.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def draw_message(ax, text: str):
    """Draw a one-line message in place of a chart.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to write; its axis is switched off.
    text : str
        The message.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.
    """
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, wrap=True,
            color="#4a5568")
    ax.set_axis_off()
    return ax


def unavailable_message(df, lang: str = "en", *, key: str = "not_available") -> str | None:
    """Return the message that replaces a figure whose frame is unavailable.

    Parameters
    ----------
    df : pandas.DataFrame or None
        A metric function's result (the protocol of :mod:`crmlib.engine.frames`).
    lang : str, default="en"
        Language of the message.
    key : str, default="not_available"
        Catalogue key of the message (formatted with ``table``).

    Returns
    -------
    str or None
        "Not available: the data has no `...` table.", or None when ``df`` is available.
    """
    if is_available(df):
        return None
    return t(key, lang, table=missing_table_of(df))


def message(text: str, css_class: str | None = "crm-not-available") -> HTMLText:
    """Return a short italic paragraph for a report (with its text form).

    Parameters
    ----------
    text : str
        The message.
    css_class : str or None, default="crm-not-available"
        The paragraph's class (None: no class).

    Returns
    -------
    crmlib.display.HTMLText
        ``<p class="..."><i>text</i></p>``.
    """
    cls = f' class="{css_class}"' if css_class else ""
    return HTMLText(f"<p{cls}><i>{html.escape(text)}</i></p>", text)


def not_available_note(df, ctx) -> HTMLText | None:
    """Return the "not available" note for an unavailable frame, else None.

    Parameters
    ----------
    df : pandas.DataFrame
        A metric function's result.
    ctx : ReportContext or str
        The report context, or the language.

    Returns
    -------
    crmlib.display.HTMLText or None
        The note, or None when ``df`` is available (a notebook cell then shows nothing).
    """
    msg = unavailable_message(df, label_lang(ctx))
    return None if msg is None else message(msg)


def not_available_figure(text: str, *, figsize=(6, 1.2)) -> Figure:
    """Return a figure holding only a message, for a chart that has nothing to draw.

    The figure is not registered with pyplot: a notebook shows it only where a cell displays it
    explicitly (``display(fig)``), never by itself at the end of a cell.

    Parameters
    ----------
    text : str
        The message ("No data for this period.", "Not available: ...").
    figsize : tuple of float, default=(6, 1.2)
        Size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, axis off, the message in the middle; ``fig.crm_not_available`` is True.
    """
    fig = Figure(figsize=figsize)
    draw_message(fig.add_subplot(), text)
    fig.crm_not_available = True
    return fig


def figure_of(ax_or_fig) -> Figure:
    """Get the figure an axes belongs to (or the figure itself).

    Parameters
    ----------
    ax_or_fig : matplotlib.axes.Axes or matplotlib.figure.Figure
        What a chart drew on.

    Returns
    -------
    matplotlib.figure.Figure
        ``ax_or_fig`` itself when it is a figure, else the figure holding the axes.
    """
    return ax_or_fig if isinstance(ax_or_fig, Figure) else ax_or_fig.figure


def labelled_barh(df, values, labels, texts, *, title, amount, color, ax, xlim=None):
    """Draw horizontal bars, largest on top, each labelled; other and unknown rows in grey.

    Parameters
    ----------
    df : pandas.DataFrame
        The rows, with a ``kind`` column (``value``, ``other``, ``unknown``, ...).
    values : list of float
        Bar lengths (NaN draws no bar).
    labels : list of str
        Row labels (y axis).
    texts : list of str
        The text written after each bar.
    title : str or None
        Title of the axes.
    amount : bool
        Whether the x axis shows amounts (short numbers).
    color : color
        Colour of the ``value`` rows.
    ax : matplotlib.axes.Axes or None
        Where to draw (None: a new figure sized for the rows).
    xlim : float, optional
        Right end of the x axis (default: 1.3 x the largest value).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.4 * len(df) + 1.2))
    y = list(range(len(df)))
    grey = "#a0aec0"
    colors = [color if k == "value" else grey for k in df["kind"]]
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    ax.set_xlabel("")
    top = max((float(v) for v in values if not math.isnan(float(v))), default=0.0) or 1.0
    for yi, v, text in zip(y, values, texts, strict=True):
        v = 0.0 if math.isnan(float(v)) else float(v)
        ax.text(v + top * 0.01, yi, text, va="center", fontsize="small")
    ax.set_xlim(0, xlim if xlim is not None else top * 1.3)
    if amount:
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(short_number))
    return ax


def unavailable_text(df, lang: str = "en") -> str | None:
    """Return the message shown instead of a chart, or None when there is something to show.

    Parameters
    ----------
    df : pandas.DataFrame or None
        A metric function's result.
    lang : str, default="en"
        Language of the message.

    Returns
    -------
    str or None
        "Not available: ..." for an unavailable frame (:mod:`crmlib.engine.frames`), "No data
        for this period." for None or an empty frame, else None.
    """
    msg = unavailable_message(df, lang)
    if msg:
        return msg
    if df is None or len(df) == 0:
        return t("no_data", lang)
    return None


def nothing_to_draw(df, lang: str = "en", *, ax=None) -> Figure:
    """Return the "not available" figure of a chart whose frame has nothing to draw.

    Parameters
    ----------
    df : pandas.DataFrame or None
        The chart's frame (unavailable, empty, or with nothing to show).
    lang : str, default="en"
        Language of the message.
    ax : matplotlib.axes.Axes, optional
        The axes the chart was asked to draw on: the message is written there.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax`` with the message, or :func:`not_available_figure` when no ``ax``
        was given.
    """
    text = unavailable_text(df, lang) or t("no_data", lang)
    if ax is not None:
        return draw_message(ax, text).figure
    return not_available_figure(text)


def is_not_available_figure(fig) -> bool:
    """Return whether a chart's result is a :func:`not_available_figure` (nothing drawn).

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        What a chart function returned.

    Returns
    -------
    bool
        True for a figure made by :func:`not_available_figure`.
    """
    return bool(getattr(fig, "crm_not_available", False))
