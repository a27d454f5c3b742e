"""Customers (员工客户分析): new and dealt customers, conversion, the topic's summary.

The public pool is in :mod:`crmlib.metrics.customer_pool`, the deal cycle in
:mod:`crmlib.metrics.customer_cycle`, satisfaction in :mod:`crmlib.metrics.visit_scores`.

Definitions (docs/metrics.md, Wukong BI 3B):

- **Customers counted.** Customers whose ``created_at`` falls in the period, credited to their
  current owner (``owner_id``). Deleted customers (``status`` deleted) are left out everywhere
  in this module, as Wukong does (status != 3); locked ones count.
- **Dealt, conversion (cohort).** A customer created in the period has dealt when its
  ``dealt_at`` is on or before ``as_of`` (whole day). Conversion rate = dealt / new, NaN when
  there is no new customer (never 0 %).
"""

from __future__ import annotations

import math

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import as_period, bucket_expr, count_if, end_of, report_day
from crmlib.metrics.customer_groups import OTHER, customer_cohort, share, with_employees
from crmlib.metrics.customer_pool import pool_age, pool_moves
from crmlib.scope import Scope

__all__ = ["OTHER", "customer_summary", "customer_trend", "customers_by_employee"]


def customer_trend(crm: CRM, *, period, as_of=None, scope: Scope | None = None
                   ) -> pd.DataFrame:
    """Return new customers, the dealt ones among them, and the conversion rate, per bucket.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    pandas.DataFrame
        One row per bucket of the period (empty buckets 0) with columns ``bucket`` (its first
        day), ``new_customers`` (created in the bucket, not deleted, owner in scope), ``dealt``
        (those with ``dealt_at`` on or before ``as_of``) and ``conversion`` (dealt /
        new_customers, a ratio; NaN when new_customers is 0). ``as_of`` defaults to the data's
        last event date.
    """
    as_of = report_day(crm, as_of)
    p = as_period(crm, period, as_of=as_of)
    c = customer_cohort(crm, p, scope)
    c = c.mutate(_bucket=bucket_expr(c.created_at, p),
                 _dealt=ibis.ifelse(c.dealt_at.notnull() & (c.dealt_at < end_of(as_of).to_pydatetime()), 1, 0))
    df = c.group_by("_bucket").aggregate(new_customers=c.count(), dealt=c._dealt.sum()
                                         ).execute()
    df["_bucket"] = pd.to_datetime(df["_bucket"])
    df = df.set_index("_bucket").reindex(p.buckets(), fill_value=0)
    df.index.name = "bucket"
    df = df.reset_index().astype({"new_customers": "int64", "dealt": "int64"})
    df["conversion"] = [share(d, n) for d, n in zip(df.dealt, df.new_customers, strict=True)]
    return df


def customers_by_employee(crm: CRM, *, period, as_of=None, scope: Scope | None = None
                          ) -> pd.DataFrame:
    """Return new customers, dealt ones and conversion rate per owner over the period.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    pandas.DataFrame
        Columns ``employee_id``, ``name``, ``team``, ``new_customers``, ``dealt``,
        ``conversion`` (as in :func:`customer_trend`). Every employee of the scope appears (0
        and NaN conversion when they have no new customer); customers without owner (the public
        pool, company scope only) form a last row with an empty ``employee_id``.
    """
    as_of = report_day(crm, as_of)
    p = as_period(crm, period, as_of=as_of)
    c = customer_cohort(crm, p, scope)
    dealt = ibis.ifelse(c.dealt_at.notnull() & (c.dealt_at < end_of(as_of).to_pydatetime()), 1, 0)
    df = c.group_by(employee_id=c.owner_id).aggregate(new_customers=c.count(),
                                                      dealt=dealt.sum()).execute()
    out = with_employees(crm, df, scope, ["new_customers", "dealt"])
    out["conversion"] = [share(d, n) for d, n in zip(out.dealt, out.new_customers, strict=True)]
    return out[["employee_id", "name", "team", "new_customers", "dealt", "conversion"]]


def customer_summary(crm: CRM, *, period, as_of=None, scope: Scope | None = None
                     ) -> pd.DataFrame:
    """Return the customers topic's headline figures for the period, as ``metric`` / ``value`` rows.

    Definitions as in :func:`customer_trend`, :func:`deal_cycle` and
    :mod:`crmlib.metrics.customer_pool`.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``new_customers``, ``cust_dealt`` (of them, dealt by ``as_of``),
        ``cust_conversion`` (ratio, NaN without new customers), ``cust_cycle_mean`` /
        ``cust_cycle_median`` (days; NaN without dealt customers), ``pool_in`` / ``pool_out``
        (distinct customers, NaN without ``owner_changes``), ``cust_pool_size`` and
        ``cust_pool_median_days`` (the pool now, company-wide, NaN without ``owner_changes``).
    """
    as_of = report_day(crm, as_of)
    p = as_period(crm, period, as_of=as_of)
    c = customer_cohort(crm, p, scope)
    dealt = c.dealt_at.notnull() & (c.dealt_at < end_of(as_of).to_pydatetime())
    days = ibis.greatest(c.dealt_at.date().delta(c.created_at.date(), unit="day"), 0)
    days = ibis.ifelse(dealt, days, ibis.null())
    r = c.aggregate(n=c.count(), d=count_if(dealt), mean=days.mean(),
                    median=days.median()).execute().iloc[0]
    n, d = int(r["n"]), int(0 if pd.isna(r["d"]) else r["d"])
    out = {"new_customers": n, "cust_dealt": d, "cust_conversion": share(d, n),
           "cust_cycle_mean": float(r["mean"]) if d else math.nan,
           "cust_cycle_median": float(r["median"]) if d else math.nan}
    if crm.has("owner_changes"):
        oc = pool_moves(crm, p, scope)
        m = oc.aggregate(
            i=ibis.ifelse(oc.reason == "pool_in", oc.customer_id, ibis.null()).nunique(),
            o=ibis.ifelse(oc.reason == "pool_out", oc.customer_id, ibis.null()).nunique(),
        ).execute().iloc[0]
        age = pool_age(crm, as_of=as_of)
        out |= {"pool_in": int(m["i"]), "pool_out": int(m["o"]),
                "cust_pool_size": age.attrs["size"],
                "cust_pool_median_days": age.attrs["median_days"]}
    else:
        out |= dict.fromkeys(["pool_in", "pool_out", "cust_pool_size", "cust_pool_median_days"],
                             math.nan)
    return pd.DataFrame({"metric": list(out), "value": [float(v) for v in out.values()]})
