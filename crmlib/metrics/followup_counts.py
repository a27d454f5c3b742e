"""Follow-up activity (客户跟进次数 / 跟进方式分析), new customers not followed up, the summary.

Definitions (docs/metrics.md):

- Follow-ups (:func:`followup_activity`, :func:`followups_by_channel`): activities of kind
  ``follow_up`` dated in the period, credited to their writer (``employee_id``); customers
  followed up = distinct ``customer_id`` among them. A missing channel is ``"unknown"``.
- Forgotten and overdue customers as in :mod:`crmlib.metrics.followups`.

Functions that need ``activities`` return :func:`crmlib.engine.unavailable` (``attrs["available"]``
False, ``attrs["missing_table"]``) when the data lacks it (reports then say "not available").
Phone numbers and e-mail addresses are returned raw: reports mask them (:mod:`crmlib.privacy`).
"""

from __future__ import annotations

import math

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    bucketed,
    end_of,
    in_period,
    is_available,
    report_day,
    unavailable,
)
from crmlib.exceptions import ParamsError
from crmlib.metrics.followups import forgotten_overview, owner_names
from crmlib.period import Period
from crmlib.scope import Scope

__all__ = ["followup_activity", "followups_by_channel", "new_not_followed_up",
           "followup_summary"]

UNKNOWN_CHANNEL = "unknown"
BY = ("bucket", "employee_id")


def _followups(crm: CRM, p: Period, scope: Scope | None) -> ibis.Table:
    """Follow-up activities (kind ``follow_up``) dated in ``p``, written by the scope."""
    a = crm.table("activities")
    a = a.filter((a.kind == "follow_up") & in_period(a.at, p))
    return (scope or Scope()).filter(a, "employee_id")


_ACTIVITY_COLUMNS = {
    "bucket": {"bucket": "datetime64[ns]", "count": "int64", "customers": "int64"},
    "employee_id": {"employee_id": "object", "name": "object", "team": "object",
                    "count": "int64", "customers": "int64"},
}


def followup_activity(crm: CRM, *, period, scope: Scope | None = None,
                      by: str = "bucket") -> pd.DataFrame:
    """Follow-ups and distinct customers followed up, per bucket of the period or per employee.

    A follow-up is an activity of kind ``follow_up`` (sign-ins and other activities are not)
    dated in the period (``at``), credited to its writer (``employee_id``), whatever it is
    attached to (customer, opportunity, lead). Customers followed up = distinct
    ``customer_id`` among those follow-ups (follow-ups without a customer, e.g. on a lead,
    count as follow-ups only). Like Wukong's 客户跟进次数分析 (3B), except that follow-ups on
    deleted customers are kept.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose follow-ups count (by writer); None = the whole company.
    by : {"bucket", "employee_id"}, default="bucket"
        ``bucket``: one row per bucket of the period (day, week or month; empty buckets 0),
        columns ``bucket`` (first day), ``count``, ``customers`` (distinct within the bucket, so
        they do not add up over buckets). ``employee_id``: one row per employee, columns
        ``employee_id``, ``name``, ``team``, ``count``, ``customers``; every active employee
        of the scope appears (0 without follow-ups), an inactive one only with follow-ups;
        ordered by count, then customers (both descending), then id.

    Returns
    -------
    pandas.DataFrame
        As above. ``attrs["total"]`` holds ``{"count", "customers"}`` over the whole period
        (customers distinct over the period: not the sum of the rows). When the data has no
        ``activities`` table the frame is empty, ``attrs["available"]`` is False and
        ``attrs["missing_table"]`` is ``"activities"``.

    Raises
    ------
    ParamsError
        ``by`` is neither ``bucket`` nor ``employee_id``, or the period is bad.
    """
    if by not in BY:
        raise ParamsError(f"`by` {by!r} must be one of {', '.join(BY)}.")
    p = as_period(crm, period)
    if not crm.has("activities"):
        return unavailable(_ACTIVITY_COLUMNS[by], "activities")
    a = _followups(crm, p, scope)
    if by == "bucket":
        df = bucketed(a, "at", p, distinct="customer_id").rename(columns={"distinct": "customers"})
        df = df.astype({"count": "int64", "customers": "int64"})
    else:
        per = a.group_by("employee_id").aggregate(count=a.count(),
                                                 customers=a.customer_id.nunique()).execute()
        emp = crm.table("employees").select("employee_id", "name", "team", "active").execute()
        if scope is not None and scope.employee_ids is not None:
            emp = emp[emp["employee_id"].isin(scope.employee_ids)]
        shown = (emp["active"].isna() | emp["active"].astype("boolean").fillna(True)
                 | emp["employee_id"].isin(per["employee_id"]))
        df = emp.loc[shown, ["employee_id", "name", "team"]].merge(per, on="employee_id",
                                                                   how="outer")
        df["name"] = df["name"].fillna(df["employee_id"])  # a writer not in employees
        df[["count", "customers"]] = df[["count", "customers"]].fillna(0).astype("int64")
        df = df.sort_values(["count", "customers", "employee_id"],
                            ascending=[False, False, True], kind="stable")
        df = df[list(_ACTIVITY_COLUMNS[by])].reset_index(drop=True)
    row = a.aggregate(count=a.count(), customers=a.customer_id.nunique()).execute().iloc[0]
    df.attrs.update(available=True, missing_table=None, period=str(p),
                    total={"count": int(row["count"] or 0),
                           "customers": int(row["customers"] or 0)})
    return df


def followups_by_channel(crm: CRM, *, period, scope: Scope | None = None) -> pd.DataFrame:
    """Follow-ups of the period by channel (跟进方式), with each channel's share.

    Same follow-ups as :func:`followup_activity`. A missing or blank ``channel`` is shown as
    ``"unknown"`` (never dropped).

    Returns
    -------
    pandas.DataFrame
        Columns ``channel``, ``count``, ``customers`` (distinct customers reached through that
        channel) and ``share`` = count / all follow-ups of the period (a ratio; the shares add
        up to 1). Ordered by count (descending), then channel, ``unknown`` last. Empty when
        there is no follow-up; empty with ``attrs["available"]`` False when the data has no
        ``activities`` table.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    """
    p = as_period(crm, period)
    cols = {"channel": "object", "count": "int64", "customers": "int64", "share": "float64"}
    if not crm.has("activities"):
        return unavailable(cols, "activities")
    a = _followups(crm, p, scope)
    ch = a.channel.strip()
    a = a.mutate(_channel=ibis.ifelse(ch.isnull() | (ch == ""), UNKNOWN_CHANNEL, ch))
    df = a.group_by("_channel").aggregate(count=a.count(),
                                          customers=a.customer_id.nunique()).execute()
    df = df.rename(columns={"_channel": "channel"}).astype({"count": "int64",
                                                            "customers": "int64"})
    total = int(df["count"].sum())
    df["share"] = df["count"] / total if total else pd.Series(dtype="float64")
    df["_last"] = df["channel"] == UNKNOWN_CHANNEL
    df = df.sort_values(["_last", "count", "channel"], ascending=[True, False, True])
    df = df[list(cols)].reset_index(drop=True).astype(cols)
    df.attrs.update(available=True, missing_table=None, period=str(p), total=total)
    return df


def new_not_followed_up(crm: CRM, *, period, as_of, scope: Scope | None = None
                        ) -> pd.DataFrame:
    """Return new customers of the period that nobody has followed up yet (新增未跟进客户).

    Customers created in the period (and by ``as_of``) whose owner is in scope (in the
    company scope, public-pool customers without an owner too), not deleted, without any
    follow-up activity (by anyone, at any time up to ``as_of``) and without a
    ``last_followup_at`` up to ``as_of``. Unlike the dashboard's data summary, deleted
    customers are left out (Wukong's status≠3).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``name``, ``owner_id`` (None = public pool), ``owner_name``,
        ``created_at``, ``days_waiting`` (whole days from creation to ``as_of``), ``phone``,
        ``email`` (raw: mask them when displaying, see :mod:`crmlib.privacy`); oldest first.
        Empty with ``attrs["available"]`` False when the data has no ``activities`` table.

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
    """
    p = as_period(crm, period, as_of=as_of)
    day = report_day(crm, as_of)
    end = end_of(day).to_pydatetime()
    cols = {"customer_id": "object", "name": "object", "owner_id": "object",
            "owner_name": "object", "created_at": "datetime64[ns]", "days_waiting": "int64",
            "phone": "object", "email": "object"}
    if not crm.has("activities"):
        return unavailable(cols, "activities")
    c = crm.table("customers")
    c = c.filter(in_period(c.created_at, p) & (c.created_at < end)
                 & (c.status.isnull() | (c.status != "deleted"))
                 & (c.last_followup_at.isnull() | (c.last_followup_at >= end)))
    c = (scope or Scope()).filter(c, "owner_id")
    a = crm.table("activities")
    done = a.filter((a.kind == "follow_up") & a.customer_id.notnull() & (a.at < end)
                    ).select("customer_id").distinct()
    c = c.anti_join(done, "customer_id")
    names = owner_names(crm)
    c = c.left_join(names, c.owner_id == names._emp)
    days = ibis.literal(day.date()).delta(c.created_at.date(), unit="day").cast("int64")
    t = c.select(customer_id=c.customer_id, name=c.name, owner_id=c.owner_id,
                 owner_name=c.owner_name, created_at=c.created_at, days_waiting=days,
                 phone=c.phone, email=c.email).order_by(["created_at", "customer_id"])
    df = t.execute()[list(cols)].reset_index(drop=True)
    df.attrs.update(available=True, missing_table=None, period=str(p))
    return df


def followup_summary(crm: CRM, *, period, as_of, scope: Scope | None = None,
                     days: int = 30) -> pd.DataFrame:
    """Return the follow-up topic's headline figures, as ``metric`` / ``value`` rows.

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
    days : int, default=30
        A customer not followed up for more than this many days counts as forgotten.

    Returns
    -------
    pandas.DataFrame
        One row each (``metric``, ``value``; NaN when the data lacks what a figure needs):

        - ``followups``, ``customers_followed_up``: as :func:`followup_activity` over the period;
        - ``new_customers_not_followed_up``: rows of :func:`new_not_followed_up`;
        - ``forgotten``: open customers forgotten for more than ``days`` days as of ``as_of``;
        - ``overdue``: overdue planned contacts as of ``as_of`` (:func:`forgotten_counts`).
    """
    out: dict[str, float] = {}
    act = followup_activity(crm, period=period, scope=scope, by="bucket")
    total = act.attrs.get("total") or {}
    out["followups"] = float(total.get("count", math.nan))
    out["customers_followed_up"] = float(total.get("customers", math.nan))
    new = new_not_followed_up(crm, period=period, as_of=as_of, scope=scope)
    out["new_customers_not_followed_up"] = float(len(new)) if is_available(new) else math.nan
    fc = forgotten_overview(crm, as_of=as_of, scope=scope, thresholds=[days])
    out["forgotten"] = float(fc["customers"].iloc[0]) if len(fc) else math.nan
    out["overdue"] = float(fc["customers"].iloc[-1]) if len(fc) else math.nan
    df = pd.DataFrame({"metric": list(out), "value": list(out.values())})
    df.attrs.update(days=int(days))
    return df
