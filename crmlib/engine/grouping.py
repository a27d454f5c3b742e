"""Figures per bucket and per window, computed in one query each; cross tables of customers."""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.engine.dates import in_period
from crmlib.engine.records import count_if
from crmlib.period import Period

__all__ = ["bucket_expr", "bucketed", "window_aggregate", "crosstab"]


def window_aggregate(t: ibis.Table, date_col: str, windows: dict[str, Period], *,
                     amount: str | None = None, distinct: str | None = None) -> pd.DataFrame:
    """Count (and sum ``amount``, or count distinct ``distinct``) per window, in one query.

    Parameters
    ----------
    t : ibis.Table
        The rows to count.
    date_col : str
        The date that places a row in a window; rows with an empty date count in no window.
    windows : dict of str to Period
        Named windows, e.g. from :func:`crmlib.engine.windows_of`.
    amount, distinct : str, optional
        A column to sum, a column whose distinct values to count.

    Returns
    -------
    pandas.DataFrame
        One row per window (index: its name) with columns ``count``, ``amount``, ``missing``
        (rows without an amount, never summed as 0) and ``distinct``.
    """
    col = t[date_col]
    lo = min(w.start for w in windows.values())
    hi = max(w.end for w in windows.values())
    t = t.filter(in_period(col, Period(lo, hi, "custom", "day")))
    col = t[date_col]
    aggs = {}
    for name, w in windows.items():
        inw = in_period(col, w)
        aggs[f"{name}__count"] = count_if(inw)
        if amount:
            aggs[f"{name}__amount"] = ibis.ifelse(inw, t[amount], ibis.null()).sum()
            aggs[f"{name}__missing"] = count_if(inw & t[amount].isnull())
        if distinct:
            aggs[f"{name}__distinct"] = ibis.ifelse(inw, t[distinct], ibis.null()).nunique()
    row = t.aggregate(**aggs).execute().iloc[0]
    out = {}
    for name in windows:
        out[name] = {k: row.get(f"{name}__{k}") for k in ("count", "amount", "missing",
                                                          "distinct")}
    df = pd.DataFrame(out).T.astype("float64").fillna({"count": 0, "missing": 0})
    if amount:  # a window with rows but no amounts sums to 0 only when nothing is missing
        df["amount"] = df["amount"].fillna(0.0)
    return df


def bucket_expr(col, period: Period):
    """The engine-side bucket start (a date) of timestamp column ``col`` for ``period``.

    Parameters
    ----------
    col : ibis timestamp column
        The dates.
    period : Period
        Its ``bucket`` (day, week or month) and ``week_start`` decide the buckets.

    Returns
    -------
    ibis date column
        The first day of each row's bucket.
    """
    if period.bucket == "month":
        return col.truncate("M").date()
    if period.bucket == "week":
        offset = (col.day_of_week.index() - period.week_start + 7) % 7
        return col.date() - offset.as_interval("D")
    return col.date()


def bucketed(t: ibis.Table, date_col: str, period: Period, *, amount: str | None = None,
             distinct: str | None = None) -> pd.DataFrame:
    """Count (and sum ``amount`` or count distinct ``distinct``) per bucket of ``period``.

    Parameters
    ----------
    t : ibis.Table
        The rows to count.
    date_col : str
        The date that places a row in a bucket.
    period : Period
        The period and its buckets.
    amount, distinct : str, optional
        A column to sum, a column whose distinct values to count.

    Returns
    -------
    pandas.DataFrame
        One row per bucket of the period, empty buckets included with 0 (never a gap):
        ``bucket`` (its first day), ``count`` and, when asked, ``amount`` / ``distinct``.
    """
    col = t[date_col]
    t = t.filter(in_period(col, period)).mutate(_bucket=bucket_expr(col, period))
    aggs = {"count": t.count()}
    if amount:
        aggs["amount"] = t[amount].sum()
    if distinct:
        aggs["distinct"] = t[distinct].nunique()
    df = t.group_by("_bucket").aggregate(**aggs).execute()
    df["_bucket"] = pd.to_datetime(df["_bucket"])
    df = df.set_index("_bucket").reindex(period.buckets(), fill_value=0)
    df.index.name = "bucket"
    return df.reset_index().astype({c: "float64" for c in aggs if c != "count"})


def crosstab(before: pd.DataFrame, after: pd.DataFrame, column: str, *, rows, columns,
             form: str, attrs: dict) -> pd.DataFrame:
    """Customers by ``column`` in ``before`` (rows) x in ``after`` (columns), by customer_id.

    A customer only in ``after`` goes to the last row, one only in ``before`` to the last
    column; every cell of ``rows`` x ``columns`` is present (0 when empty).

    Parameters
    ----------
    before, after : pandas.DataFrame
        One row per customer: ``customer_id`` and ``column``.
    column : str
        The class compared (a segment, a lifecycle stage).
    rows, columns : sequence of str
        The classes in order; the last of each takes customers missing on that side.
    form : {"wide", "long"}
        ``wide``: counts with index ``from_<column>`` and columns ``to_<column>``; ``long``:
        ``from_<column>``, ``to_<column>``, ``customers``, ``share_of_from`` (of the row's
        total; NaN for an empty row).
    attrs : dict
        Copied to the result's ``attrs``.

    Returns
    -------
    pandas.DataFrame
        The cross table in the form asked for.
    """
    f, t = f"from_{column}", f"to_{column}"
    j = before[["customer_id", column]].merge(after[["customer_id", column]], how="outer",
                                              on="customer_id", suffixes=("_from", "_to"))
    j[f] = j[f"{column}_from"].fillna(rows[-1])
    j[t] = j[f"{column}_to"].fillna(columns[-1])
    wide = (pd.crosstab(j[f], j[t]).reindex(index=rows, columns=columns, fill_value=0)
            .astype("int64"))
    wide.index.name, wide.columns.name = f, t
    wide.attrs.update(attrs)
    if form == "wide":
        return wide
    long = wide.stack().rename("customers").reset_index()
    row = long.groupby(f, sort=False)["customers"].transform("sum")
    long["share_of_from"] = (long["customers"] / row.where(row > 0)).astype("float64")
    long.attrs.update(attrs)
    return long
