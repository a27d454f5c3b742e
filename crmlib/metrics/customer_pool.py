"""The public pool (公海): customers put into and taken from it, and how long they sit there.

Definitions (docs/metrics.md, Wukong BI 3B):

- **Public pool.** A customer with no owner sits in the public pool. Moves come from
  ``owner_changes``: reason ``pool_in`` (put into the pool, scoped and credited by the owner
  they left, ``from_owner_id``) and ``pool_out`` (taken from the pool, by the owner they went
  to, ``to_owner_id``), dated ``changed_at``. Counts are distinct customers (a customer moved
  twice in the same bucket counts once there), moves of deleted customers excluded.
- **Time in the pool.** For every customer in the pool now (no owner, not deleted, created by
  ``as_of``): whole days from the date of their last ``pool_in`` move on or before ``as_of``
  (or from ``created_at`` when they never had one) to ``as_of``. The pool is shared by all
  teams, so this figure is company-wide.

Figures that need an optional table the data lacks return :func:`crmlib.engine.unavailable`
(``attrs["available"]`` False, ``attrs["missing_table"]``); reports then say "not available".
"""

from __future__ import annotations

import math

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    bucket_expr,
    end_of,
    in_period,
    live,
    report_day,
    unavailable,
)
from crmlib.exceptions import ParamsError
from crmlib.metrics.customer_groups import with_employees
from crmlib.period import Period
from crmlib.scope import Scope

__all__ = ["POOL_AGE_BINS", "pool_age", "pool_by_employee", "pool_moves", "pool_trend"]

# upper bounds (days, included) of the time-in-pool buckets; the last bucket is open-ended
POOL_AGE_BINS: tuple[int, ...] = (30, 90, 180)


def pool_moves(crm: CRM, p: Period, scope: Scope | None) -> ibis.Table:
    """Select the customers' moves into and out of the public pool in ``p``, credited to an employee.

    The moves are scoped on the credited employee.

    Parameters
    ----------
    crm : CRM
        The data; needs ``owner_changes``.
    p : Period
        The period of ``changed_at``.
    scope : Scope or None
        Whose moves (by the credited employee).

    Returns
    -------
    ibis.Table
        ``owner_changes`` rows of reason ``pool_in`` / ``pool_out`` of customers that are not
        deleted, with ``employee_id``: ``from_owner_id`` for pool_in, ``to_owner_id`` for
        pool_out.
    """
    oc = crm.table("owner_changes")
    oc = oc.filter(in_period(oc.changed_at, p) & oc.reason.isin(["pool_in", "pool_out"]))
    oc = oc.semi_join(live(crm.table("customers")).select("customer_id"), "customer_id")
    oc = oc.mutate(employee_id=ibis.ifelse(oc.reason == "pool_in", oc.from_owner_id,
                                           oc.to_owner_id))
    return (scope or Scope()).filter(oc, "employee_id")


def pool_trend(crm: CRM, *, period, scope: Scope | None = None) -> pd.DataFrame:
    """Return customers put into and taken from the public pool, per bucket.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    pandas.DataFrame
        Columns ``bucket``, ``pool_in`` (distinct customers moved into the pool in the bucket by
        an owner in scope) and ``pool_out`` (distinct customers taken from the pool by an owner
        in scope). Empty when the data has no ``owner_changes`` (``attrs["available"]`` False).
    """
    if not crm.has("owner_changes"):
        return unavailable(["bucket", "pool_in", "pool_out"], "owner_changes")
    p = as_period(crm, period)
    oc = pool_moves(crm, p, scope)
    oc = oc.mutate(_bucket=bucket_expr(oc.changed_at, p))
    df = oc.group_by("_bucket").aggregate(
        pool_in=ibis.ifelse(oc.reason == "pool_in", oc.customer_id, ibis.null()).nunique(),
        pool_out=ibis.ifelse(oc.reason == "pool_out", oc.customer_id, ibis.null()).nunique(),
    ).execute()
    df["_bucket"] = pd.to_datetime(df["_bucket"])
    df = df.set_index("_bucket").reindex(p.buckets(), fill_value=0)
    df.index.name = "bucket"
    df = df.reset_index().astype({"pool_in": "int64", "pool_out": "int64"})
    df.attrs["available"] = True
    return df


def pool_by_employee(crm: CRM, *, period, scope: Scope | None = None) -> pd.DataFrame:
    """Return customers each employee put into / took from the public pool over the period.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    pandas.DataFrame
        Columns ``employee_id``, ``name``, ``team``, ``pool_in``, ``pool_out`` (distinct
        customers, definitions of :func:`pool_trend`); every employee of the scope appears. A
        move without the owner it left or went to is credited to nobody (a last row with an
        empty ``employee_id``, company scope only). Empty when the data has no
        ``owner_changes``.
    """
    cols = ["employee_id", "name", "team", "pool_in", "pool_out"]
    if not crm.has("owner_changes"):
        return unavailable(cols, "owner_changes")
    p = as_period(crm, period)
    oc = pool_moves(crm, p, scope)
    df = oc.group_by("employee_id").aggregate(
        pool_in=ibis.ifelse(oc.reason == "pool_in", oc.customer_id, ibis.null()).nunique(),
        pool_out=ibis.ifelse(oc.reason == "pool_out", oc.customer_id, ibis.null()).nunique(),
    ).execute()
    out = with_employees(crm, df, scope, ["pool_in", "pool_out"])[cols]
    out.attrs["available"] = True
    return out


def _bin_labels(bins) -> list[str]:
    lows = [0, *[b + 1 for b in bins]]
    return [f"{lo}-{hi}" for lo, hi in zip(lows, bins, strict=False)] + [f"{lows[-1]}+"]


def pool_age(crm: CRM, *, as_of=None, bins=POOL_AGE_BINS) -> pd.DataFrame:
    """Return the public pool now: how many customers sit there and for how long.

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    bins : sequence of int, default=POOL_AGE_BINS
        Upper bounds (days, included) of the age buckets, increasing; the last bucket is open-ended.

    Returns
    -------
    pandas.DataFrame
        One row per age bucket with columns ``age`` (e.g. ``0-30``, ``31-90``, ``91-180``,
        ``181+`` days, both ends included) and ``customers``. ``attrs`` hold ``size`` (customers
        in the pool), ``median_days`` and ``mean_days`` (NaN for an empty pool). Days are
        counted from the last ``pool_in`` move on or before ``as_of`` (or ``created_at`` when
        there is none) to ``as_of``, in whole calendar days. Company-wide (the pool is shared).
        Empty, with ``attrs["available"]`` False, when the data has no ``owner_changes``.

    Raises
    ------
    ParamsError
        ``bins`` are not increasing, distinct day counts >= 0.
    """
    bins = tuple(int(b) for b in bins)
    if not bins or list(bins) != sorted(set(bins)) or bins[0] < 0:
        raise ParamsError(f"`bins` {bins!r} must be increasing, distinct day counts >= 0.")
    labels = _bin_labels(bins)
    if not crm.has("owner_changes"):
        df = unavailable(["age", "customers"], "owner_changes")
        df.attrs.update(size=math.nan, median_days=math.nan, mean_days=math.nan)
        return df
    as_of = report_day(crm, as_of)
    end = end_of(as_of).to_pydatetime()
    c = live(crm.table("customers"))
    pool = c.filter(c.owner_id.isnull() & (c.created_at < end)).select("customer_id",
                                                                       "created_at")
    oc = crm.table("owner_changes")
    last_in = oc.filter((oc.reason == "pool_in") & (oc.changed_at < end)).group_by(
        "customer_id").aggregate(_last_in=oc.changed_at.max())
    j = pool.left_join(last_in, "customer_id")
    since = j._last_in.fill_null(j.created_at)
    days = ibis.date(as_of.date()).delta(since.date(), unit="day")
    j = j.mutate(_days=days)
    age = ibis.literal(labels[-1])
    for lab, hi in reversed(list(zip(labels, bins, strict=False))):
        age = ibis.ifelse(j._days <= hi, lab, age)
    counts = j.group_by(age=age).aggregate(customers=j.count()).execute()
    stats = j.aggregate(size=j.count(), median_days=j._days.median(),
                        mean_days=j._days.mean()).execute().iloc[0]
    df = pd.DataFrame({"age": labels}).merge(counts, on="age", how="left").fillna(
        {"customers": 0}).astype({"customers": "int64"})
    size = int(stats["size"])
    df.attrs.update(available=True, size=size,
                    median_days=float(stats["median_days"]) if size else math.nan,
                    mean_days=float(stats["mean_days"]) if size else math.nan)
    return df


