"""Charts and report tables of the follow-ups topic (65_followups).

Charts take a frame of :mod:`crmlib.metrics.followups` and return a Figure (a "not
available" figure when the frame is empty or the data lacked the table it needs). The table helpers return
objects that render as HTML in reports and as plain text (``repr``, what nbval compares); they
say "not available" when the data lacks a table. Phone numbers and e-mail addresses are masked
here, in the display layer (:mod:`crmlib.privacy`), unless ``mask=False``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from crmlib.display import HTMLText, fmt_value, rows_table
from crmlib.engine import is_available
from crmlib.i18n import t, value_label
from crmlib.plots.style import bar_width, label_lang, message, not_available_note, nothing_to_draw
from crmlib.privacy import mask_pii

__all__ = ["unavailable_note", "followup_summary_view", "followup_trend", "followup_employee_table",
           "channel_bars", "forgotten_bars", "new_customers_table", "todo_table"]

OVERDUE_COLOUR = "#dd6b20"


_HTMLText = HTMLText  # HTML for reports with a plain-text form (what nbval compares)


def unavailable_note(df: pd.DataFrame, ctx) -> _HTMLText | None:
    """Say why a follow-up metric frame has nothing to show, or nothing when it has data.

    "Not available: the data has no `...` table." when the frame says so
    (:func:`crmlib.engine.is_available` False), "No data for this period." when it is empty,
    else None (a notebook cell then shows nothing: the chart above says it all).

    Parameters
    ----------
    df : pandas.DataFrame
        Any metric frame of :mod:`crmlib.metrics.followups` or
        :mod:`crmlib.metrics.followup_counts`.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText or None
        The note as HTML with a plain-text form (what nbval compares); None when there is
        nothing to say.
    """
    lang = label_lang(ctx)
    na = not_available_note(df, lang)
    if na is None and df.empty:
        return message(t("no_data", lang), "crm-no-data")
    return na


def _date(v) -> str:
    return "—" if v is None or pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")


def _text(v) -> str:
    return "—" if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else str(v)


# ---------------------------------------------------------------------------------- summary

_SUMMARY_LABELS = {"followups": "followups", "customers_followed_up": "customers_followed_up",
                   "new_customers_not_followed_up": "new_customers_not_followed_up",
                   "forgotten": "fu_forgotten_over", "overdue": "fu_overdue_contacts"}


def followup_summary_view(summary: pd.DataFrame, ctx) -> _HTMLText:
    """Return the :func:`crmlib.metrics.followup_summary` figures as a two-column table.

    Parameters
    ----------
    summary : pandas.DataFrame
        A :func:`crmlib.metrics.followup_summary` frame (``metric``, ``value``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        Metric/value rows as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    days = summary.attrs.get("days", 30)
    rows = [[t(_SUMMARY_LABELS.get(m, m), lang, days=days) if m == "forgotten"
             else t(_SUMMARY_LABELS.get(m, m), lang), fmt_value(v)]
            for m, v in zip(summary["metric"], summary["value"], strict=True)]
    return rows_table([t("metric", lang), t("value", lang)], rows, right=(1,),
                      css_class="crm-followups")


# ---------------------------------------------------------------------------------- charts

def followup_trend(df: pd.DataFrame, *, lang: str = "en", labels: dict, title: str | None = None, ax=None):
    """Draw follow-ups per bucket as bars, distinct customers followed up as a line.

    ``labels`` maps ``count`` and ``customers`` to the legend texts. Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.followup_activity` frame with ``by="bucket"`` (``bucket``,
        ``count``, ``customers``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    labels : dict
        Labels by column or metric key.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar-and-line chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    import matplotlib.dates as mdates

    if df.empty or not is_available(df):
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.4))
    pal = sns.color_palette()
    ax.bar(df["bucket"], df["count"], width=bar_width(df["bucket"]), color=pal[0],
           label=labels["count"])
    ax.plot(df["bucket"], df["customers"], color=pal[1], marker="o", markersize=3,
            label=labels["customers"])
    monthly = len(df) > 1 and (df["bucket"].iloc[1] - df["bucket"].iloc[0]).days > 20
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m" if monthly else "%m-%d"))
    ax.tick_params(axis="x", labelsize="small")
    ax.set_xlabel("")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize="small")
    if title:
        ax.set_title(title)
    return ax.figure


def channel_bars(df: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax=None):
    """Draw follow-ups by channel as horizontal bars, each labelled with its count and share.

    Channel names go through the ``fu_channel_*`` labels (an unlisted channel is shown as it
    is). Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.followups_by_channel` frame (``channel``, ``count``, ``share``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    if df.empty:
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.45 * len(df) + 1.2))
    names = [value_label("fu_channel_", c, lang) for c in df["channel"]]
    y = list(range(len(df)))
    ax.barh(y, df["count"], color=sns.color_palette()[0])
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    top = float(df["count"].max()) or 1.0
    for yi, n, s in zip(y, df["count"], df["share"], strict=True):
        ax.text(n + top * 0.01, yi, f"{n:,.0f} ({s:.1%})", va="center", fontsize="small")
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel("")
    if title:
        ax.set_title(title)
    return ax.figure


def forgotten_bars(df: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax=None):
    """Draw forgotten customers at each threshold and the overdue planned contacts as bars.

    The overdue bar is drawn in another colour. Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.forgotten_overview` frame (``kind``, ``days``, ``customers``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    if df.empty:
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.2))
    names = [t("fu_days_over", lang, days=int(d)) if k == "forgotten"
             else t("fu_overdue", lang) for k, d in zip(df["kind"], df["days"], strict=True)]
    colours = [sns.color_palette()[0] if k == "forgotten" else OVERDUE_COLOUR
               for k in df["kind"]]
    x = list(range(len(df)))
    ax.bar(x, df["customers"], color=colours)
    ax.set_xticks(x, names)
    ax.grid(axis="x", visible=False)
    top = float(df["customers"].max()) or 1.0
    for xi, n in zip(x, df["customers"], strict=True):
        ax.text(xi, n + top * 0.01, f"{n:,.0f}", ha="center", va="bottom", fontsize="small")
    ax.set_ylim(0, top * 1.15)
    ax.set_xlabel("")
    if title:
        ax.set_title(title)
    return ax.figure


# ---------------------------------------------------------------------------------- tables

def followup_employee_table(df: pd.DataFrame, ctx, *, top: int | None = None) -> _HTMLText:
    """Tabulate follow-ups and customers followed up per employee, with the scope's total.

    Customers are counted once in the total however many employees followed them up.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.followup_activity` frame with ``by="employee"`` (``name``,
        ``team``, ``count``, ``customers``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    top : int, optional
        How many rows to show (None: all).

    Returns
    -------
    crmlib.display.HTMLText
        Employee, team, follow-ups and customers as HTML with a plain-text form (what nbval
        compares).
    """
    lang = label_lang(ctx)
    na = not_available_note(df, lang)
    if na is not None:
        return na
    if df.empty:
        return message(t("no_data", lang), "crm-no-data")
    shown = df if top is None else df.head(top)
    rows = [[str(r.name), _text(r.team), fmt_value(r.count), fmt_value(r.customers)]
            for r in shown.itertuples(index=False)]
    total = df.attrs.get("total") or {}
    rows.append([t("fu_total", lang), "", fmt_value(total.get("count", math.nan)),
                 fmt_value(total.get("customers", math.nan))])
    return rows_table([t("employee", lang), t("team", lang), t("followups", lang),
                       t("customers_followed_up", lang)], rows, right=(2, 3),
                      css_class="crm-followups")


def new_customers_table(df: pd.DataFrame, ctx, *, top: int = 10, mask: bool = True
                        ) -> _HTMLText:
    """List the first ``top`` new customers not yet followed up (oldest first), with the total.

    Phone and e-mail are masked unless ``mask`` is False.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.new_not_followed_up` frame (``name``, ``owner_name``,
        ``created_at``, ``days_waiting``, ``phone``, ``email``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    top : int, default=10
        How many customers to list (the total counts them all).
    mask : bool, default=True
        Mask phone numbers and e-mail addresses (:mod:`crmlib.privacy`).

    Returns
    -------
    crmlib.display.HTMLText
        The list as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    na = not_available_note(df, lang)
    if na is not None:
        return na
    if df.empty:
        return message(t("fu_none_waiting", lang), "crm-no-data")
    shown = mask_pii(df.head(top)) if mask else df.head(top)
    rows = [[_text(r.name), _text(r.owner_name) if isinstance(r.owner_id, str)
             else t("fu_public_pool", lang), _date(r.created_at), fmt_value(r.days_waiting),
             _text(r.phone), _text(r.email)] for r in shown.itertuples(index=False)]
    more = t("fu_shown_of", lang, shown=len(shown), total=len(df))
    return rows_table([t("fu_customer", lang), t("fu_owner", lang), t("fu_created", lang),
                       t("fu_days_waiting", lang), t("fu_phone", lang), t("fu_email", lang)],
                      rows, right=(3,), css_class="crm-followups", foot=more)


def todo_table(df: pd.DataFrame, ctx, *, top: int = 10, mask: bool = True) -> _HTMLText:
    """List each rep's "to do this week": the customers to contact first.

    A header per rep with their totals, then their first ``top`` customers (overdue planned
    contacts first, then the longest forgotten); phone and e-mail masked unless ``mask`` is
    False.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.todo_list` frame (one row per rep and customer, with the rep's
        totals).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    top : int, default=10
        How many customers to list per rep.
    mask : bool, default=True
        Mask phone numbers and e-mail addresses (:mod:`crmlib.privacy`).

    Returns
    -------
    crmlib.display.HTMLText
        The lists as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    na = not_available_note(df, lang)
    if na is not None:
        return na
    if df.empty:
        return message(t("fu_nothing_to_do", lang), "crm-no-data")
    shown = df[df["position"] <= top]
    if mask:
        shown = mask_pii(shown)
    days = df.attrs.get("days", 30)
    rows, groups = [], {}
    for r in shown.itertuples(index=False):
        if r.position == 1:
            groups[len(rows)] = t("fu_rep_header", lang, name=r.owner_name,
                                  total=int(r.owner_total), forgotten=int(r.owner_forgotten),
                                  overdue=int(r.owner_overdue), days=days,
                                  shown=min(top, int(r.owner_total)))
        nxt = _date(r.next_followup_at)
        if r.overdue:
            nxt += f" ({t('fu_overdue_short', lang)})"
        last = t("fu_never", lang) if pd.isna(r.last_followup_at) else _date(r.last_followup_at)
        rows.append([str(int(r.position)), _text(r.name), _text(r.owner_name), last,
                     fmt_value(r.days_since), nxt, _text(r.phone), _text(r.email)])
    return rows_table(["#", t("fu_customer", lang), t("fu_owner", lang),
                   t("fu_last_followup", lang), t("fu_days_since", lang),
                   t("fu_next_contact", lang), t("fu_phone", lang), t("fu_email", lang)],
                  rows, right=(0, 4), groups=groups, css_class="crm-followups crm-todo")
