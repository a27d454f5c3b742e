"""The dashboard's sales brief (销售简报) and data summary (数据汇总).

Definitions (docs/metrics.md): every figure counts records whose event date falls
in the period (customers, contacts and opportunities by ``created_at``, contracts by
``signed_at``, payments by ``paid_at``, follow-ups by ``at``), credited to the record's owner
(follow-ups to their writer; payments to the owner of their contract). Money and contract counts
take effective records only (status approved, or no status). Each figure is shown for the period,
the previous equal period and the same period a year earlier, with change = (current -
previous) / previous, undefined when previous is 0. Deleted customers (status ``deleted``) count
nowhere, as in Wukong.
"""

from __future__ import annotations

import math

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    bucketed,
    counted,
    effective,
    end_of,
    live,
    report_day,
    window_aggregate,
    windows_of,
)
from crmlib.period import change
from crmlib.scope import Scope

__all__ = ["BRIEF_METRICS", "sales_brief", "brief_trend", "data_summary"]

# metric -> (table, date column, scope column, value kind)
BRIEF_METRICS = {
    "new_customers": ("customers", "created_at", "owner_id", "count"),
    "new_contacts": ("contacts", "created_at", "owner_id", "count"),
    "new_opportunities": ("opportunities", "created_at", "owner_id", "count"),
    "new_opportunity_amount": ("opportunities", "created_at", "owner_id", "amount"),
    "contracts": ("contracts", "signed_at", "owner_id", "count"),
    "contract_amount": ("contracts", "signed_at", "owner_id", "amount"),
    "payments": ("payments", "paid_at", "owner_id", "amount"),
    "followups": ("activities", "at", "employee_id", "count"),
}


def _source(crm: CRM, metric: str, scope: Scope) -> ibis.Table | None:
    """Return the scoped rows a brief metric counts, or None when the table is absent."""
    table, _, scope_col, _ = BRIEF_METRICS[metric]
    if not crm.has(table):
        return None
    scope = scope or Scope()
    t = counted(crm, table, owner=scope.employee_ids is not None)  # the owner only to filter
    if table == "activities":
        t = t.filter(t.kind == "follow_up")
    return scope.filter(t, scope_col)


def sales_brief(crm: CRM, *, period, scope: Scope | None = None) -> pd.DataFrame:
    """Headline figures for the period with their comparisons.

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
        One row per metric of :data:`BRIEF_METRICS`, in that order, with columns ``metric``,
        ``kind`` (count / amount), ``current``, ``previous``, ``year_ago``, ``change_previous``,
        ``change_year_ago`` (ratios; NaN when undefined), ``missing`` (records in the period
        without an amount, not summed) and ``available`` (False when the source lacks the table;
        the figures are then NaN).
    """
    windows = windows_of(as_period(crm, period))
    rows, cache = [], {}
    for metric, (table, date_col, _, kind) in BRIEF_METRICS.items():
        t = _source(crm, metric, scope)
        if t is None:
            rows.append({"metric": metric, "kind": kind, "available": False})
            continue
        key = (table, date_col)
        if key not in cache:
            amount = "amount" if "amount" in t.columns else None
            cache[key] = window_aggregate(t, date_col, windows, amount=amount)
        agg = cache[key]
        col = "count" if kind == "count" else "amount"
        rows.append({"metric": metric, "kind": kind, "available": True,
                     **{w: float(agg.loc[w, col]) for w in windows},
                     "missing": float(agg.loc["current", "missing"]) if kind == "amount" else 0.0})
    df = pd.DataFrame(rows, columns=["metric", "kind", "current", "previous", "year_ago",
                                     "missing", "available"])
    df["change_previous"] = [change(c, p) for c, p in zip(df.current, df.previous, strict=True)]
    df["change_year_ago"] = [change(c, y) for c, y in zip(df.current, df.year_ago, strict=True)]
    return df[["metric", "kind", "current", "previous", "year_ago", "change_previous",
               "change_year_ago", "missing", "available"]]


def brief_trend(crm: CRM, metric: str, *, period, scope: Scope | None = None
                ) -> pd.DataFrame:
    """One brief metric per bucket of the period (empty buckets 0).

    Parameters
    ----------
    crm : CRM
        The data.
    metric : str
        The figure's name.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    pandas.DataFrame
        Columns ``bucket`` (first day of the bucket) and ``value`` (count or amount).
    """
    if metric not in BRIEF_METRICS:
        raise KeyError(f"unknown brief metric `{metric}`; one of {', '.join(BRIEF_METRICS)}")
    table, date_col, _, kind = BRIEF_METRICS[metric]
    period = as_period(crm, period)
    t = _source(crm, metric, scope)
    if t is None:
        return pd.DataFrame({"bucket": period.buckets(), "value": math.nan})
    df = bucketed(t, date_col, period, amount="amount" if kind == "amount" else None)
    return pd.DataFrame({"bucket": df["bucket"], "value": df[
        "amount" if kind == "amount" else "count"].astype("float64")})


def data_summary(crm: CRM, *, period, as_of, scope: Scope | None = None,
                 expiring_days: int = 30) -> pd.DataFrame:
    """Return the dashboard's data summary for the period, as ``metric`` / ``value`` rows.

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
    expiring_days : int, default=30
        Contracts ending within this many days after ``as_of`` count as expiring.

    Returns
    -------
    pandas.DataFrame
        Rows (``metric``, ``value``; NaN when the data lacks the table):

        - ``new_customers_dealt``: customers created in the period that have dealt by ``as_of``.
        - ``pool_in`` / ``pool_out``: customers put into / taken from the public pool in the period
          (``owner_changes``; scoped by the owner they left / went to).
        - ``customers_followed_up``: distinct customers with a follow-up in the period.
        - ``new_customers_not_followed_up``: customers created in the period with no follow-up by
          ``as_of``.
        - ``contracts_expiring``: effective contracts whose ``end_at`` is in (as_of, as_of +
          ``expiring_days``]; ``contracts_expired``: effective contracts that ended in the period,
          up to ``as_of``.
        - ``expected_payments``: payment plans of effective contracts due in the period, minus what
          was received on each (never below 0 per plan).
    """
    scope = scope or Scope()
    as_of = report_day(crm, as_of)
    period = as_period(crm, period, as_of=as_of)
    end_of_today = end_of(as_of).to_pydatetime()
    start, end = period.start.to_pydatetime(), period.end.to_pydatetime()
    out: dict[str, float] = {}

    cust = scope.filter(live(crm.table("customers")))
    new = cust.filter((cust.created_at >= start) & (cust.created_at < end))
    out["new_customers_dealt"] = new.filter(new.dealt_at.notnull()
                                            & (new.dealt_at < end_of_today)).count().execute()

    if crm.has("owner_changes"):
        oc = crm.table("owner_changes")
        oc = oc.filter((oc.changed_at >= start) & (oc.changed_at < end))
        oc = oc.semi_join(live(crm.table("customers")).select("customer_id"), "customer_id")
        out["pool_in"] = scope.filter(oc.filter(oc.reason == "pool_in"), "from_owner_id"
                                      ).customer_id.nunique().execute()
        out["pool_out"] = scope.filter(oc.filter(oc.reason == "pool_out"), "to_owner_id"
                                       ).customer_id.nunique().execute()
    else:
        out["pool_in"] = out["pool_out"] = math.nan

    if crm.has("activities"):
        act = crm.table("activities")
        fu = act.filter((act.kind == "follow_up") & act.customer_id.notnull())
        in_period = scope.filter(fu.filter((fu.at >= start) & (fu.at < end)), "employee_id")
        out["customers_followed_up"] = in_period.customer_id.nunique().execute()
        upto = fu.filter(fu.at < end_of_today).select("customer_id").distinct()
        out["new_customers_not_followed_up"] = new.anti_join(upto, "customer_id"
                                                             ).count().execute()
    else:
        out["customers_followed_up"] = out["new_customers_not_followed_up"] = math.nan

    con = scope.filter(effective(crm.table("contracts")))
    horizon = (as_of + pd.Timedelta(days=expiring_days + 1)).to_pydatetime()
    out["contracts_expiring"] = con.filter((con.end_at >= end_of_today) & (con.end_at < horizon)
                                           ).count().execute()
    out["contracts_expired"] = con.filter((con.end_at >= start) & (con.end_at < end)
                                          & (con.end_at < end_of_today)).count().execute()

    if crm.has("payment_plans"):
        pp = crm.table("payment_plans")
        pp = pp.filter((pp.due_at >= start) & (pp.due_at < end))
        pp = pp.inner_join(con.select("contract_id"), "contract_id")
        v = ibis.greatest(pp.amount - pp.received_amount.fill_null(0), 0).sum().execute()
        out["expected_payments"] = 0.0 if v is None or pd.isna(v) else float(v)
    else:
        out["expected_payments"] = math.nan
    return pd.DataFrame({"metric": list(out), "value": [float(v) for v in out.values()]})
