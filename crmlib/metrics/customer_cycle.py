"""The deal cycle of customers: days from creation to their first deal.

Definitions (docs/metrics.md, Wukong BI 3B):

- **Deal cycle.** ``dealt_at`` - ``created_at`` in whole calendar days (a deal on the day of
  creation is 0; a ``dealt_at`` before ``created_at`` counts as 0, as in Wukong), for customers
  created in the period that have dealt by ``as_of``; mean and median (the midpoint of the
  two middle values for an even count) with the count behind them, by owner, province, city,
  product or bucket. By product: the products on the customer's first effective contract (the
  earliest ``signed_at`` among approved or status-less contracts, ties to the smallest
  ``contract_id``); a customer counts once per distinct product on it.
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    bucket_expr,
    effective,
    end_of,
    report_day,
    unavailable,
)
from crmlib.exceptions import ParamsError
from crmlib.metrics.customer_groups import (
    check_option,
    customer_cohort,
    group_stats,
    order_groups,
    with_product_names,
)
from crmlib.scope import Scope

__all__ = ["CYCLE_BY", "deal_cycle"]

CYCLE_BY = ("employee", "province", "city", "product", "bucket")


def _first_contract_products(crm: CRM) -> ibis.Table:
    """customer_id, product_id: distinct products on each customer's first effective contract."""
    con = effective(crm.table("contracts"))
    w = ibis.window(group_by=con.customer_id, order_by=[con.signed_at, con.contract_id])
    first = con.mutate(_n=ibis.row_number().over(w)).filter(lambda t: t._n == 0)
    lines = crm.table("contract_lines").select("contract_id", "product_id")
    j = first.select("customer_id", "contract_id").inner_join(lines, "contract_id")
    return j.select("customer_id", "product_id").distinct()


def deal_cycle(crm: CRM, *, period, by: str = "employee", as_of=None,
               scope: Scope | None = None, top_n: int | None = None) -> pd.DataFrame:
    """Measure the days from creation to first deal, for customers created in the period that have dealt.

    Cycle = ``dealt_at`` - ``created_at`` in whole calendar days, negative counted as 0; dealt =
    ``dealt_at`` on or before ``as_of``. With ``top_n`` (province, city, product) only the
    ``top_n`` groups with most dealt customers are kept; the rest are pooled into one row keyed
    :data:`OTHER`, whose mean and median are computed over its customers. An empty province or
    city is kept as a group of its own (shown as "unknown").

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    by : {"employee", "province", "city", "product", "bucket"}, default="employee"
        ``employee`` (the owner), ``province``, ``city``, ``product`` (products on the first
        effective contract; needs ``contract_lines``) or ``bucket`` (creation bucket of the
        period, every bucket shown).
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    top_n : int, optional
        Groups kept before the rest are pooled as :data:`OTHER`; None keeps every group.

    Returns
    -------
    pandas.DataFrame
        The group column (``employee_id`` with ``name`` and ``team``; ``province``; ``city`` with
        ``province``; ``product_id`` with ``name``; or ``bucket``), then ``dealt`` (customers behind
        the figures), ``mean_days`` and ``median_days`` (NaN when ``dealt`` is 0). Rows: biggest
        first, unknown after, other last (employees by id, buckets in order).

    Raises
    ------
    ParamsError
        Unknown ``by`` or ``top_n`` below 1.
    """
    check_option(by, CYCLE_BY, "by")
    if top_n is not None and int(top_n) < 1:
        raise ParamsError(f"`top_n` {top_n!r} must be at least 1 (or None for every group).")
    as_of = report_day(crm, as_of)
    p = as_period(crm, period, as_of=as_of)
    c = customer_cohort(crm, p, scope)
    c = c.filter(c.dealt_at.notnull() & (c.dealt_at < end_of(as_of).to_pydatetime()))
    c = c.mutate(_days=ibis.greatest(c.dealt_at.date().delta(c.created_at.date(), unit="day"),
                                     0))

    def aggs(t):
        return {"dealt": t.count(), "mean_days": t._days.mean(),
                "median_days": t._days.median()}

    stats = ["dealt", "mean_days", "median_days"]
    if by == "bucket":
        t = c.mutate(bucket=bucket_expr(c.created_at, p))
        df = t.group_by("bucket").aggregate(**aggs(t)).execute()
        df["bucket"] = pd.to_datetime(df["bucket"])
        df = pd.DataFrame({"bucket": p.buckets()}).merge(df, on="bucket", how="left")
        return df.fillna({"dealt": 0}).astype({"dealt": "int64"})
    if by == "employee":
        df = c.group_by(employee_id=c.owner_id).aggregate(**aggs(c)).execute()
        emp = crm.table("employees").select("employee_id", "name", "team").execute()
        df = df.merge(emp, on="employee_id", how="left")
        df["_pool"] = df["employee_id"].isna()
        df = df.sort_values(["_pool", "employee_id"]).drop(columns="_pool")
        return df[["employee_id", "name", "team", *stats]].reset_index(drop=True)
    if by in ("province", "city"):
        df = group_stats(c, by, top_n, aggs)
        if by == "city":  # the city's province (the most common one), for reading
            prov = c.group_by(["city", "province"]).aggregate(_n=c.count()).execute()
            prov = prov.sort_values(["_n", "province"], ascending=[False, True]
                                    ).drop_duplicates("city")[["city", "province"]]
            df = df.merge(prov, on="city", how="left")
            return order_groups(df, "city", "dealt")[["city", "province", *stats]]
        return order_groups(df, "province", "dealt")[["province", *stats]]
    cols = ["product_id", "name", *stats]
    if not crm.has("contract_lines"):
        return unavailable(cols, "contract_lines")
    j = c.select("customer_id", "_days").inner_join(_first_contract_products(crm),
                                                    "customer_id")
    df = group_stats(j, "product_id", top_n, aggs)
    df = with_product_names(crm, df)
    out = order_groups(df, "product_id", "dealt")[cols]
    out.attrs["available"] = True
    return out


