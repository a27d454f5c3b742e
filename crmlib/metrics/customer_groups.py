"""The groups customer figures are shown by: the cohort, employees, the biggest groups.

Shared by :mod:`crmlib.metrics.customers`, :mod:`crmlib.metrics.customer_pool`,
:mod:`crmlib.metrics.customer_cycle` and :mod:`crmlib.metrics.visit_scores`; definitions in
``docs/metrics.md`` ("Customers").
"""

from __future__ import annotations

import difflib
import math

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import in_period, live
from crmlib.exceptions import ParamsError
from crmlib.period import Period
from crmlib.scope import Scope

__all__ = [
    "OTHER",
    "check_option",
    "customer_cohort",
    "group_stats",
    "order_groups",
    "share",
    "with_employees",
    "with_product_names",
]

OTHER = "__other__"  # group key of the rows beyond top_n (shown as "other")


def customer_cohort(crm: CRM, p: Period, scope: Scope | None) -> ibis.Table:
    """Return the customers created in ``p`` (not deleted), scoped by owner.

    Parameters
    ----------
    crm : CRM
        The data.
    p : Period
        The period of ``created_at``.
    scope : Scope or None
        Whose customers (by ``owner_id``).

    Returns
    -------
    ibis.Table
        The customers' rows.
    """
    c = live(crm.table("customers"))
    return (scope or Scope()).filter(c.filter(in_period(c.created_at, p)), "owner_id")


def check_option(value: str, allowed, name: str) -> None:
    """Check that ``value`` is one of ``allowed``, with a did-you-mean.

    Parameters
    ----------
    value : str
        The value passed.
    allowed : sequence of str
        The allowed values.
    name : str
        The parameter's name.

    Raises
    ------
    ParamsError
        ``value`` is not allowed.
    """
    if value not in allowed:
        hint = difflib.get_close_matches(str(value), allowed, n=1)
        raise ParamsError(f"unknown `{name}` {value!r}"
                          + (f"; did you mean `{hint[0]}`?" if hint else "")
                          + f" Choose one of: {', '.join(allowed)}.")


def share(num, den) -> float:
    """Return ``num / den`` as a float, NaN when ``den`` is 0 or missing.

    Parameters
    ----------
    num, den : number
        Numerator and denominator.

    Returns
    -------
    float
        The ratio.
    """
    return float(num) / float(den) if den and not pd.isna(den) else math.nan


def with_employees(crm: CRM, df: pd.DataFrame, scope: Scope | None, value_cols) -> pd.DataFrame:
    """Add each employee's name and team; every employee of the scope appears.

    Parameters
    ----------
    crm : CRM
        The data (``employees``).
    df : pandas.DataFrame
        Figures per ``employee_id``.
    scope : Scope or None
        Whose employees are listed.
    value_cols : sequence of str
        Count columns: 0 for an employee without a record.

    Returns
    -------
    pandas.DataFrame
        ``employee_id``, ``name``, ``team`` and ``df``'s columns, by id; a row without
        employee (the public pool) is kept last with an empty id.
    """
    emp = crm.table("employees").select("employee_id", "name", "team").execute()
    if scope is not None and scope.employee_ids is not None:
        emp = emp[emp["employee_id"].isin(scope.employee_ids)]
    df = df.copy()
    df["employee_id"] = df["employee_id"].astype(object)
    known = emp.merge(df, on="employee_id", how="left")
    extra = df[~df["employee_id"].isin(emp["employee_id"])]  # pool row, unknown owners
    out = pd.concat([known, extra], ignore_index=True)
    out[list(value_cols)] = out[list(value_cols)].fillna(0).astype("int64")
    out["_pool"] = out["employee_id"].isna()
    out = out.sort_values(["_pool", "employee_id"], kind="stable").drop(columns="_pool")
    return out.reset_index(drop=True)


def _top_keys(t: ibis.Table, key: str, top_n: int | None) -> list | None:
    """Return the ``top_n`` non-empty keys with most rows (ties by key), or None to keep every key."""
    if top_n is None:
        return None
    f = t.filter(t[key].notnull())
    counts = f.group_by(_k=f[key]).aggregate(_n=f.count()).execute()
    if len(counts) <= top_n:
        return None
    counts = counts.sort_values(["_n", "_k"], ascending=[False, True])
    return counts["_k"].head(top_n).tolist()


def group_stats(t: ibis.Table, key: str, top_n: int | None, aggs) -> pd.DataFrame:
    """Aggregate ``aggs(t)`` per ``key``, pooling the groups beyond the ``top_n`` biggest.

    Non-empty keys beyond the ``top_n`` with most rows are pooled as :data:`OTHER` (statistics
    computed over their rows, not from their aggregates); the empty key ("unknown") stays a
    group of its own.

    Parameters
    ----------
    t : ibis.Table
        The rows.
    key : str
        The column to group by.
    top_n : int or None
        Groups kept; None keeps every group.
    aggs : callable
        ``aggs(table)`` returns the dict of aggregates.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``key`` and the aggregates.
    """
    top = _top_keys(t, key, top_n)
    k = t[key]
    if top is not None:
        k = ibis.ifelse(k.isnull() | k.isin(top), k, ibis.literal(OTHER))
    t = t.mutate(_key=k)
    return t.group_by("_key").aggregate(**aggs(t)).execute().rename(columns={"_key": key})


def order_groups(df: pd.DataFrame, key: str, count: str) -> pd.DataFrame:
    """Sort groups: biggest first (ties by key), unknown (empty key) after, OTHER last.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per group.
    key : str
        The group column.
    count : str
        The column that says how big a group is.

    Returns
    -------
    pandas.DataFrame
        The rows in that order, index reset.
    """
    df = df.assign(_other=df[key].eq(OTHER), _null=df[key].isna())
    df = df.sort_values(["_other", count, "_null", key], ascending=[True, False, True, True],
                        kind="stable")
    return df.drop(columns=["_other", "_null"]).reset_index(drop=True)


def with_product_names(crm: CRM, df: pd.DataFrame) -> pd.DataFrame:
    """Add the product's ``name`` to rows keyed by ``product_id``.

    Parameters
    ----------
    crm : CRM
        The data (``products`` when present).
    df : pandas.DataFrame
        Rows with ``product_id``.

    Returns
    -------
    pandas.DataFrame
        ``df`` with ``name`` (None without a ``products`` table).
    """
    if crm.has("products"):
        names = crm.table("products").select("product_id", "name").execute()
        return df.merge(names, on="product_id", how="left")
    return df.assign(name=None)
