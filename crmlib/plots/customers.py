"""Charts and tables of the customers topic: new and dealt customers, pool, cycle, satisfaction.

The frames come from :mod:`crmlib.metrics.customers`; nothing here computes a figure. Charts
return a Figure (a "not available" figure when the frame is empty or not available); the table
helpers return objects that Jupyter renders (HTML with a plain-text form) and say "not
available" when the data lacks the table a figure needs.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from crmlib.engine import is_available
from crmlib.i18n import t
from crmlib.metrics.customers import OTHER
from crmlib.plots.style import bar_width, is_missing, nothing_to_draw

__all__ = ["group_label", "customer_trend", "pool_trend", "pool_age", "deal_cycle", "satisfaction"]
# score 1..5, red to green
_SCORE_COLOURS = ["#c53030", "#dd6b20", "#a0aec0", "#68d391", "#2f855a"]


def group_label(row, by: str, lang: str = "en") -> str:
    """Name a row of a by-group frame for a table or an axis.

    Employee or product name, province, city or bucket date; "public pool", "other" and
    "unknown" for the special rows.

    Parameters
    ----------
    row : dict
        A row of the frame as a dict (``row.get`` is used: ``employee_id``, ``name``, the
        group's column).
    by : str
        The frame's grouping: ``employee``, ``province``, ``city``, ``product``, ``bucket``
        or ``age``.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        The row's label in ``lang``.
    """
    if by == "employee":
        if is_missing(row.get("employee_id")):
            return t("cust_public_pool", lang)
        return str(row["name"]) if not is_missing(row.get("name")) else str(row["employee_id"])
    if by == "bucket":
        return f"{pd.Timestamp(row['bucket']):%Y-%m-%d}"
    if by == "age":
        return str(row["age"])
    key = {"product": "product_id"}.get(by, by)
    v = row.get(key)
    if is_missing(v):
        return t("unknown", lang)
    if v == OTHER:
        return t("cust_other", lang)
    if by == "product" and not is_missing(row.get("name")):
        return str(row["name"])
    return str(v)


def _date_axis(ax, buckets) -> None:
    monthly = len(buckets) > 1 and (buckets.iloc[1] - buckets.iloc[0]).days > 20
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=7))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m" if monthly else "%m-%d"))
    ax.tick_params(axis="x", labelsize="small")
    ax.set_xlabel("")


def _paired_bars(df, cols, labels, ax):
    buckets = pd.to_datetime(df["bucket"]).reset_index(drop=True)
    width = bar_width(buckets) / len(cols)
    palette = sns.color_palette()
    for i, col in enumerate(cols):
        shift = pd.to_timedelta((i - (len(cols) - 1) / 2) * width, unit="D")
        ax.bar(buckets + shift, df[col], width=width, label=labels[col], color=palette[i])
    _date_axis(ax, buckets)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return buckets


def customer_trend(df: pd.DataFrame, *, lang: str = "en", labels: dict, title: str = "", ax=None):
    """Draw new and dealt customers per bucket as paired bars, the conversion rate as a line.

    The conversion rate is on the right axis. ``labels`` maps ``new_customers``, ``dealt`` and
    ``conversion`` to legend text.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.customer_trend` frame (``bucket``, ``new_customers``, ``dealt``,
        ``conversion``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    labels : dict
        Labels by column or metric key.
    title : str, default=''
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar-and-line chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    if df.empty:
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6))
    buckets = _paired_bars(df, ["new_customers", "dealt"], labels, ax)
    ax2 = ax.twinx()
    ax2.plot(buckets, df["conversion"], color=sns.color_palette()[3], marker="o",
             markersize=3, label=labels["conversion"])
    ax2.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax2.set_ylim(0, 1.05)
    ax2.grid(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize="small")
    ax.set_title(title)
    return ax.figure


def pool_trend(df: pd.DataFrame, *, lang: str = "en", labels: dict, title: str = "", ax=None):
    """Draw customers put into and taken from the public pool per bucket, as paired bars.

    ``labels`` maps ``pool_in`` and ``pool_out`` to legend text.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.pool_trend` frame (``bucket``, ``pool_in``, ``pool_out``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    labels : dict
        Labels by column or metric key.
    title : str, default=''
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    if df.empty or not is_available(df):
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.2))
    _paired_bars(df, ["pool_in", "pool_out"], labels, ax)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(title)
    return ax.figure


def pool_age(df: pd.DataFrame, *, lang: str = "en", label: str, xlabel: str = "", ax=None):
    """Draw customers in the public pool by days spent there (one bar per age bucket).

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.pool_age` frame (``age`` bucket, ``customers``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    label : str
        Title of the chart (the metric's label).
    xlabel : str, default=''
        Label of the x axis (the age buckets).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    if df.empty or not is_available(df):
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    x = range(len(df))
    ax.bar(x, df["customers"], color=sns.color_palette()[0])
    ax.set_xticks(list(x), list(df["age"]))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    top = float(df["customers"].max()) or 1.0
    for xi, v in zip(x, df["customers"], strict=True):
        ax.text(xi, v + top * 0.01, f"{v:,}", ha="center", va="bottom", fontsize="small")
    ax.set_ylim(0, top * 1.12)
    ax.set_title(label)
    ax.set_xlabel(xlabel)
    return ax.figure


def deal_cycle(df: pd.DataFrame, *, by: str, label: str, lang: str = "en",
               labels: dict | None = None, ax=None):
    """Draw mean deal cycle (bars) and median (diamonds) per group, the count written beside.

    ``labels`` maps ``mean_days`` and ``median_days`` to legend text. For ``by="bucket"`` the
    buckets run along the x axis; other groups are horizontal bars, in the frame's order.
    Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.deal_cycle` frame grouped by ``by`` (``mean_days``,
        ``median_days``, ``dealt``).
    by : str
        The frame's grouping: ``employee``, ``province``, ``city``, ``product`` or ``bucket``
        (buckets run along the x axis).
    label : str
        Title of the chart (the metric's label).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    labels : dict, optional
        Labels by column or metric key.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    labels = labels or {"mean_days": "mean", "median_days": "median"}
    if df.empty or not is_available(df) or df["dealt"].sum() == 0:
        return nothing_to_draw(df, lang, ax=ax)
    palette = sns.color_palette()
    if by == "bucket":
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 3.2))
        buckets = pd.to_datetime(df["bucket"])
        ax.bar(buckets, df["mean_days"], width=bar_width(buckets), color=palette[0],
               label=labels["mean_days"])
        ax.plot(buckets, df["median_days"], "D", color=palette[1], label=labels["median_days"])
        _date_axis(ax, buckets.reset_index(drop=True))
        ax.legend(loc="upper right", fontsize="small")
        ax.set_title(label)
        return ax.figure
    rows = df[df["dealt"] > 0].reset_index(drop=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.4 * len(rows) + 1.2))
    y = list(range(len(rows)))
    ax.barh(y, rows["mean_days"], color=palette[0], label=labels["mean_days"])
    ax.plot(rows["median_days"], y, "D", color=palette[1], label=labels["median_days"])
    names = [group_label(r, by, lang) for r in rows.to_dict("records")]
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    top = float(max(rows["mean_days"].max(), rows["median_days"].max())) or 1.0
    for yi, n, m in zip(y, rows["dealt"], rows["mean_days"], strict=True):
        ax.text(m + top * 0.01, yi, f"n={n:,}", va="center", fontsize="x-small")
    ax.set_xlim(0, top * 1.18)
    ax.legend(loc="best", fontsize="small")
    ax.set_title(label)
    ax.set_xlabel("")
    return ax.figure


def satisfaction(df: pd.DataFrame, *, by: str, label: str, lang: str = "en",
                 score_labels: list[str] | None = None, ax=None):
    """Draw the visit satisfaction score distribution per group as 100 % stacked bars.

    Horizontal bars, score 1 red to 5 green, the mean score written at the end of each bar.
    Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.satisfaction` frame grouped by ``by`` (``visits``,
        ``score_1`` ... ``score_5`` visit counts, ``mean_score``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    score_labels : list of str, optional
        Legend text of scores 1 to 5 (None: ``"1"`` ... ``"5"``).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The stacked bar chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    if df.empty or not is_available(df):
        return nothing_to_draw(df, lang, ax=ax)
    rows = df[df["visits"] > 0].reset_index(drop=True)
    if rows.empty:
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 1.4))
    y = list(range(len(rows)))
    left = pd.Series(0.0, index=rows.index)
    score_labels = score_labels or [str(s) for s in range(1, 6)]
    for s, colour, lab in zip(range(1, 6), _SCORE_COLOURS, score_labels, strict=True):
        share = rows[f"score_{s}"] / rows["visits"]
        ax.barh(y, share, left=left, color=colour, label=lab)
        left = left + share
    for yi, m in zip(y, rows["mean_score"], strict=True):
        ax.text(1.01, yi, f"{m:.2f}", va="center", fontsize="small")
    ax.set_yticks(y, [group_label(r, by, lang) for r in rows.to_dict("records")])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax.grid(axis="y", visible=False)
    ax.legend(ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize="small",
              frameon=False)
    ax.set_title(label)
    return ax.figure
