"""Follow-ups and the forgotten-customers reminder (客户遗忘提醒).

Definitions (../shared/reference/metrics.md):

- A customer's last follow-up is the latest follow-up activity (``activities.kind ==
  "follow_up"``) on or before ``as_of``, or the customer's own ``last_followup_at`` when that is
  later (or when the source has no activities).
- Forgotten: a customer that has not dealt by ``as_of``, is not deleted, has an owner (public-pool
  customers are nobody's to forget) and whose days since the last follow-up — or since creation
  when never followed up — are above N. Days are whole calendar days between the dates.
- Overdue: a planned contact (``next_followup_at``) before ``as_of`` with no follow-up since.
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.scope import Scope

__all__ = ["FORGOTTEN_DAYS", "last_followups", "forgotten_customers", "forgotten_counts"]

FORGOTTEN_DAYS = (7, 15, 30, 90, 180)


def _as_of(as_of) -> tuple[pd.Timestamp, object]:
    day = pd.Timestamp(as_of).normalize()
    return day, (day + pd.Timedelta(days=1)).to_pydatetime()


def last_followups(crm: CRM, *, as_of, scope: Scope | None = None) -> ibis.Table:
    """Open customers in scope with their last follow-up as of ``as_of`` (an ibis expression).

    Columns: ``customer_id``, ``name``, ``owner_id``, ``created_at``, ``last_followup_at``,
    ``next_followup_at``, ``days_since`` (days from the last follow-up, or from creation, to
    ``as_of``) and ``overdue`` (a planned contact before ``as_of`` with no follow-up since).
    Open = created by ``as_of``, not dealt by then, not deleted, with an owner.
    """
    day, end = _as_of(as_of)
    c = crm.table("customers")
    c = c.filter((c.created_at < end) & c.owner_id.notnull()
                 & (c.dealt_at.isnull() | (c.dealt_at >= end))
                 & (c.status.isnull() | (c.status != "deleted")))
    c = (scope or Scope()).filter(c, "owner_id")
    own = ibis.ifelse(c.last_followup_at < end, c.last_followup_at, ibis.null())
    if crm.has("activities"):
        a = crm.table("activities")
        last = (a.filter((a.kind == "follow_up") & a.customer_id.notnull() & (a.at < end))
                .group_by("customer_id").aggregate(_last=a.at.max()))
        c = c.left_join(last, "customer_id")
        latest = ibis.greatest(c._last.fill_null(own), own.fill_null(c._last))
    else:
        latest = own
    since = latest.fill_null(c.created_at)
    days = (ibis.literal(day.date()).delta(since.date(), unit="day"))
    overdue = (c.next_followup_at.notnull() & (c.next_followup_at < ibis.literal(
        day.to_pydatetime())) & (latest.isnull() | (latest < c.next_followup_at)))
    return c.select(customer_id=c.customer_id, name=c.name, owner_id=c.owner_id,
                    created_at=c.created_at, last_followup_at=latest,
                    next_followup_at=c.next_followup_at, days_since=days.cast("int64"),
                    overdue=overdue)


def forgotten_customers(crm: CRM, *, days: int, as_of, scope: Scope | None = None
                        ) -> pd.DataFrame:
    """Customers not followed up for more than ``days`` days as of ``as_of``, longest first.

    Returns one row per customer: ``customer_id``, ``owner_id``, ``last_followup_at`` (NaT when
    never followed up), ``days_since`` (days since the last follow-up, or since creation), then
    ``name``, ``created_at``, ``next_followup_at``, ``overdue``. See the module docstring for
    which customers count.

    Examples
    --------
    >>> import crmlib
    >>> crm = crmlib.connect()                                                # doctest: +SKIP
    >>> forgotten_customers(crm, days=30, as_of="2026-10-31").columns[:4].tolist()  # doctest: +SKIP
    ['customer_id', 'owner_id', 'last_followup_at', 'days_since']
    """
    if int(days) < 0:
        raise ValueError(f"`days` must be 0 or more, got {days}.")
    t = last_followups(crm, as_of=as_of, scope=scope)
    t = t.filter(t.days_since > int(days)).order_by([ibis.desc("days_since"), "customer_id"])
    df = t.execute()
    return df[["customer_id", "owner_id", "last_followup_at", "days_since", "name",
               "created_at", "next_followup_at", "overdue"]].reset_index(drop=True)


def forgotten_counts(crm: CRM, *, as_of, scope: Scope | None = None,
                     thresholds=FORGOTTEN_DAYS) -> pd.DataFrame:
    """How many customers are forgotten at each threshold, plus overdue planned contacts.

    Returns columns ``days`` (each threshold, then ``None`` for the overdue row), ``customers``
    and ``kind`` (``forgotten`` / ``overdue``), in one query.
    """
    t = last_followups(crm, as_of=as_of, scope=scope)
    aggs = {f"d{n}": (t.days_since > int(n)).cast("int64").sum() for n in thresholds}
    aggs["overdue"] = t.overdue.cast("int64").sum()
    row = t.aggregate(**aggs).execute().iloc[0].fillna(0)
    rows = [{"kind": "forgotten", "days": int(n), "customers": int(row[f"d{n}"])}
            for n in thresholds]
    rows.append({"kind": "overdue", "days": None, "customers": int(row["overdue"])})
    return pd.DataFrame(rows, columns=["kind", "days", "customers"])
