"""Charts and tables of the data-quality report: scores, issues, duplicate pairs, rejects.

The frames come from :mod:`crmlib.quality`; nothing here computes a figure. Phone numbers,
e-mail addresses and rejected values of those columns are masked (:mod:`crmlib.privacy`)
unless ``mask=False``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from crmlib.display import HTMLText, rows_table
from crmlib.engine import is_available
from crmlib.i18n import CATALOGUE, t
from crmlib.plots.style import label_lang, message, nothing_to_draw
from crmlib.privacy import mask_email, mask_phone

__all__ = ["table_label", "rule_label", "score_bars", "scores_table", "issue_bars",
           "issues_table", "duplicates_table", "rejects_table"]


def table_label(name: str, lang: str = "en") -> str:
    """Return a table's display name (``quality_table_<name>``), else the name as it is.

    Parameters
    ----------
    name : str
        A table's name, e.g. ``"customers"``.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        The table's display name in ``lang``.
    """
    key = f"quality_table_{name}"
    return t(key, lang) if key in CATALOGUE else str(name)


def rule_label(rule: str, lang: str = "en", *, days: int | None = None) -> str:
    """Name a data-quality rule for display.

    For example ``unknown_customers`` -> "no such row in customers".

    Parameters
    ----------
    rule : str
        The rule's key, e.g. ``"unknown_customers"`` or ``"no_touch"``.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    days : int, optional
        The stale threshold named in the ``no_touch`` rule (None: "N").

    Returns
    -------
    str
        The rule's display name in ``lang``.
    """
    if rule.startswith("unknown_") and f"quality_rule_{rule}" not in CATALOGUE:
        return t("quality_rule_unknown", lang, table=table_label(rule[len("unknown_"):], lang))
    if rule == "no_touch":
        return t("quality_rule_no_touch", lang, days=days if days is not None else "N")
    key = f"quality_rule_{rule}"
    return t(key, lang) if key in CATALOGUE else rule


def _owner_label(row, lang) -> str:
    if row["owner_id"] is None or pd.isna(row["owner_id"]):
        return t("quality_public_pool", lang)
    name = row.get("name")
    return f"{name} ({row['owner_id']})" if isinstance(name, str) and name else str(
        row["owner_id"])


def _labels(df: pd.DataFrame, lang: str) -> list[str]:
    if "table" in df.columns:
        return [table_label(n, lang) for n in df["table"]]
    return [_owner_label(r, lang) for _, r in df.iterrows()]


def score_bars(df: pd.DataFrame, *, lang: str = "en", title: str | None = None, top=None,
               ax=None, **kwargs):
    """Draw scores (0..100) as horizontal bars, one per table or owner, in the frame's order.

    ``df`` comes from :func:`crmlib.quality.quality_scores` (``by="table"`` or ``"owner"``);
    ``top`` draws the first ``top`` rows only. Rows without a score (no rows) are left out.
    Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.quality.quality_scores` frame with ``by="table"`` or ``"owner"``
        (``score`` 0..100).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    top : int, optional
        How many rows to show (None: all).
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
    df = df[df["score"].notna()]
    df = df.head(top) if top else df
    if df.empty:
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.32 * len(df) + 1.2))
    y = list(range(len(df)))
    ax.barh(y, df["score"], color=kwargs.pop("color", sns.color_palette()[0]), **kwargs)
    ax.set_yticks(y, _labels(df, lang))
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, 112)
    for yi, s, f in zip(y, df["score"], df["failing"], strict=True):
        ax.text(s + 1, yi, f"{s:.1f} ({f:,})", va="center", fontsize="small")
    ax.set_xlabel(t("quality_score", lang))
    if title:
        ax.set_title(title)
    return ax.figure


def scores_table(df: pd.DataFrame, ctx, *, top: int | None = None) -> HTMLText:
    """Tabulate data-quality scores: table (or owner), rows, rows with issues, score.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.quality.quality_scores` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    top : int, optional
        How many rows to show (None: all).

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    if df.empty:
        return message(t("no_data", lang), "crm-no-data")
    shown = df.head(top) if top else df
    first = "quality_table" if "table" in df.columns else "quality_owner"
    head = [t(k, lang) for k in (first, "quality_rows", "quality_failing", "quality_score")]
    rows = [[n, f"{r:,}", f"{f:,}", "—" if pd.isna(s) else f"{s:.1f}"] for n, r, f, s in zip(
        _labels(shown, lang), shown["rows"], shown["failing"], shown["score"], strict=True)]
    return rows_table(head, rows, css_class="crm-quality", right=(1, 2, 3))


def _issue_names(df: pd.DataFrame, lang: str, days) -> list[str]:
    return [f"{table_label(tb, lang)}.{c} · {rule_label(r, lang, days=days)}"
            for tb, c, r in zip(df["table"], df["column"], df["rule"], strict=True)]


def issue_bars(df: pd.DataFrame, *, lang: str = "en", title: str | None = None,
               top: int | None = 15, ax=None, **kwargs):
    """Draw the share of rows affected per (table, column, rule) as bars, largest first.

    Rules that found nothing are left out. Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    df : pandas.DataFrame
        An issues frame of :mod:`crmlib.quality` (e.g. :func:`crmlib.quality.missing_fields`;
        ``table``, ``column``, ``rule``, ``rows``, ``share``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    top : int, default=15
        How many bars to draw, largest first (None: all).
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
    df = df[df["rows"] > 0].sort_values(["share", "rows"], ascending=False, kind="stable")
    df = df.head(top) if top else df
    if df.empty:
        return nothing_to_draw(df, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.32 * len(df) + 1.2))
    y = list(range(len(df)))
    ax.barh(y, df["share"] * 100, color=kwargs.pop("color", sns.color_palette()[3]), **kwargs)
    ax.set_yticks(y, _issue_names(df, lang, df.attrs.get("stale_days")))
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    top_share = float(df["share"].max() * 100) or 1.0
    ax.set_xlim(0, top_share * 1.3)
    for yi, s, n in zip(y, df["share"], df["rows"], strict=True):
        ax.text(s * 100 + top_share * 0.01, yi, f"{s:.1%} ({n:,})", va="center",
                fontsize="small")
    ax.set_xlabel(f"{t('quality_share', lang)} (%)")
    if title:
        ax.set_title(title)
    return ax.figure


def issues_table(df: pd.DataFrame, ctx, *, top: int | None = None,
                 days: int | None = None) -> HTMLText:
    """Tabulate the data-quality issues found (rows > 0), most rows first.

    Columns: table, column, rule, rows, share, examples. Says "no issues found" when every rule
    found nothing, and how many rules found nothing. ``days`` names the stale threshold in the
    no-touch rule.

    Parameters
    ----------
    df : pandas.DataFrame
        An issues frame of :mod:`crmlib.quality` (e.g. :func:`crmlib.quality.all_issues`;
        ``table``, ``column``, ``rule``, ``rows``, ``share``, ``sample_ids``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    top : int, optional
        How many rows to show (None: all).
    days : int, optional
        The stale threshold in days, named in the no-touch rule's label.

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    if not is_available(df):
        return message(t("not_available", lang, table="rejects"), "crm-no-data")
    found = df[df["rows"] > 0].sort_values(["rows", "table"], ascending=[False, True],
                                           kind="stable")
    clean = len(df) - len(found)
    if found.empty:
        return message(t("quality_no_issues", lang), "crm-no-data")
    shown = found.head(top) if top else found
    head = [t(k, lang) for k in ("quality_table", "quality_column", "quality_rule",
                                 "quality_affected", "quality_share", "quality_sample")]
    rows = [[table_label(tb, lang), str(c), rule_label(r, lang, days=days), f"{n:,}",
             f"{s:.1%}", ids] for tb, c, r, n, s, ids in zip(
        shown["table"], shown["column"], shown["rule"], shown["rows"], shown["share"],
        shown["sample_ids"], strict=True)]
    foot = t("quality_checks_clean", lang, n=clean) if clean else ""
    return rows_table(head, rows, css_class="crm-quality", right=(3, 4), foot=foot)


def duplicates_table(pairs: pd.DataFrame, ctx, *, top: int = 10, mask: bool = True) -> HTMLText:
    """List likely duplicate records in pairs, strongest first (most rules, then similarity).

    Each pair shows both records, the rules that matched, the name similarity and the shared
    phone / e-mail (masked unless ``mask`` is False).

    Parameters
    ----------
    pairs : pandas.DataFrame
        A pairs frame of :func:`crmlib.quality.all_duplicates` (both records, ``rule`` joined
        with ``+``, name similarity, shared phone / e-mail).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    top : int, default=10
        How many pairs to show, strongest first.
    mask : bool, default=True
        Mask phone numbers and e-mail addresses (:mod:`crmlib.privacy`).

    Returns
    -------
    crmlib.display.HTMLText
        The pairs as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    if pairs.empty:
        return message(t("quality_no_duplicates", lang), "crm-no-data")
    p = pairs.assign(_n=pairs["rule"].str.count(r"\+"))
    p = p.sort_values(["_n", "score", "id_a", "id_b"], ascending=[False, False, True, True],
                      kind="stable")
    shown = p.head(top)
    head = [t(k, lang) for k in ("quality_table", "quality_pair_a", "quality_pair_b",
                                 "quality_rule", "quality_similarity", "quality_phone",
                                 "quality_email")]
    phone = mask_phone if mask else (lambda v: v)
    email = mask_email if mask else (lambda v: v)
    rows = [[table_label(tb, lang), f"{a} {na}", f"{b} {nb}",
             ", ".join(t(f"quality_match_{x}", lang) for x in r.split("+")), f"{s:.2f}",
             _text(phone(ph)), _text(email(em))]
            for tb, a, na, b, nb, r, s, ph, em in zip(
                shown["table"], shown["id_a"], shown["name_a"], shown["id_b"], shown["name_b"],
                shown["rule"], shown["score"], shown["phone"], shown["email"], strict=True)]
    more = len(p) - len(shown)
    return rows_table(head, rows, css_class="crm-quality", right=(4,),
                      foot=t("quality_more_pairs", lang, n=more) if more else "")


def _text(v) -> str:
    return "—" if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else str(v)


def rejects_table(sample: pd.DataFrame, ctx, *, mask: bool = True) -> HTMLText:
    """List rows the import rejected, with the reason.

    The rows come from :func:`crmlib.quality.reject_sample`: table, file and row, column, value
    (masked for phone and e-mail columns unless ``mask`` is False) and reason.

    Parameters
    ----------
    sample : pandas.DataFrame
        A :func:`crmlib.quality.reject_sample` frame (``table_name``, ``source_file``,
        ``row_number``, ``column_name``, ``value``, ``reason``).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    mask : bool, default=True
        Mask phone numbers and e-mail addresses (:mod:`crmlib.privacy`).

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    if sample.empty:
        return message(t("quality_no_rejects", lang), "crm-no-data")
    head = [t(k, lang) for k in ("quality_table", "quality_file_row", "quality_column",
                                 "quality_value", "quality_reason")]
    rows = []
    for r in sample.itertuples(index=False):
        value = r.value
        col = str(r.column_name or "").lower()
        if mask and "phone" in col:
            value = mask_phone(value)
        elif mask and ("email" in col or "mail" in col):
            value = mask_email(value)
        rows.append([table_label(r.table_name, lang), f"{r.source_file}:{r.row_number}",
                     _text(r.column_name), _text(value), _text(r.reason)])
    return rows_table(head, rows, css_class="crm-quality", right=())
