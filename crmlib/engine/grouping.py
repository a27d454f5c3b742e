"""Figures per bucket and per window, computed in one query each; cross tables of customers."""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.engine.dates import in_period
from crmlib.engine.records import count_if
from crmlib.exceptions import ParamsError
from crmlib.period import Period
from crmlib.scope import Scope

__all__ = ["bucket_expr", "bucketed", "window_aggregate", "crosstab", "BY_OPTIONS", "check_by",
           "with_key", "with_team", "group_keys", "on_every_key"]

BY_OPTIONS = (None, "team", "owner_id", "bucket")  # the groupings of owner-credited figures


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
    """Return the engine-side bucket start (a date) of timestamp column ``col`` for ``period``.

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
    """Return customers by ``column`` in ``before`` (rows) x in ``after`` (columns), by customer_id.

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


def check_by(by) -> None:
    """Check a ``by`` argument against :data:`BY_OPTIONS`.

    Parameters
    ----------
    by : {None, "team", "owner_id", "bucket"}
        The grouping asked for.

    Raises
    ------
    ParamsError
        ``by`` is not one of :data:`BY_OPTIONS`.
    """
    if by not in BY_OPTIONS:
        raise ParamsError(f"`by` {by!r} is not one of {', '.join(map(str, BY_OPTIONS[1:]))} "
                          "(or None).")


def with_key(crm, t: ibis.Table, by, date_col: str | None, period: Period | None) -> ibis.Table:
    """Return ``t`` with a ``_key`` column for the grouping ``by``.

    Parameters
    ----------
    crm : crmlib.CRM
        The data (``employees`` gives an owner's team).
    t : ibis.Table
        Rows with ``owner_id``.
    by : {None, "team", "owner_id", "bucket"}
        None: one key ``"all"``; ``team``: the owner's team (NULL for an owner not in
        ``employees``); ``owner_id``: the owner; ``bucket``: the bucket of ``date_col``.
    date_col : str or None
        The date that places a row in a bucket (for ``by="bucket"``).
    period : Period or None
        The period and its buckets (for ``by="bucket"``).

    Returns
    -------
    ibis.Table
        ``t`` with ``_key`` (and, for ``team``, the joined ``_eid`` and ``_team``).
    """
    if by is None:
        return t.mutate(_key=ibis.literal("all"))
    if by == "owner_id":
        return t.mutate(_key=t.owner_id)
    if by == "bucket":
        return t.mutate(_key=bucket_expr(t[date_col], period))
    e = crm.table("employees").select(_eid="employee_id", _team="team")
    j = t.left_join(e, t.owner_id == e._eid)
    return j.mutate(_key=j._team)


def group_keys(crm, by, scope: Scope | None, period: Period | None) -> pd.Series:
    """Return every group a grouped figure shows, empty ones included.

    Parameters
    ----------
    crm : crmlib.CRM
        The data (``employees`` lists the teams and employees).
    by : {None, "team", "owner_id", "bucket"}
        The grouping.
    scope : Scope or None
        Whose teams or employees.
    period : Period or None
        The period whose buckets are listed (for ``by="bucket"``).

    Returns
    -------
    pandas.Series
        ``["all"]``, the period's buckets, or the sorted teams or employee ids of the scope.
    """
    if by is None:
        return pd.Series(["all"])
    if by == "bucket":
        return pd.Series(period.buckets())
    e = (scope or Scope()).filter(crm.table("employees"), "employee_id")
    col = "employee_id" if by == "owner_id" else "team"
    return pd.Series(sorted(e[col].execute().dropna().unique()), dtype="object")


def on_every_key(crm, by, scope: Scope | None, period: Period | None,
                 parts: list[pd.DataFrame], counts: tuple[str, ...]) -> pd.DataFrame:
    """Merge per-key aggregates onto every key of :func:`group_keys`.

    Parameters
    ----------
    crm : crmlib.CRM
        The data.
    by : {None, "team", "owner_id", "bucket"}
        The grouping.
    scope : Scope or None
        Whose teams or employees.
    period : Period or None
        The period (for ``by="bucket"``).
    parts : list of pandas.DataFrame
        Aggregates, each with a ``_key`` column (:func:`with_key`).
    counts : tuple of str
        Count columns: 0 for an empty group, as int64.

    Returns
    -------
    pandas.DataFrame
        One row per key, sorted; the key column is named ``by`` (dropped when ``by`` is None).
    """
    keys = group_keys(crm, by, scope, period)
    df = pd.DataFrame({"_key": keys})
    for part in parts:
        if by == "bucket":
            part = part.assign(_key=pd.to_datetime(part["_key"]))
        df = df.merge(part, on="_key", how="outer")
    for c in counts:
        df[c] = df[c].fillna(0).astype("int64")
    if by is None:
        return df.drop(columns="_key").reset_index(drop=True)
    df = df.sort_values("_key", na_position="last").rename(columns={"_key": by})
    return df.reset_index(drop=True)


def with_team(crm, t: ibis.Table) -> ibis.Table:
    """Return ``t`` with the ``team`` of its ``owner_id``.

    Parameters
    ----------
    crm : crmlib.CRM
        The data (``employees``).
    t : ibis.Table
        Rows with ``owner_id``.

    Returns
    -------
    ibis.Table
        ``t``'s columns and ``team`` (NULL for an owner not in ``employees``).
    """
    emp = crm.table("employees").select(_emp_id="employee_id", team="team")
    j = t.left_join(emp, t.owner_id == emp._emp_id)
    return j.select(*t.columns, "team")
