"""Follow-ups and the forgotten-customers reminder (客户遗忘提醒), and the weekly to-do list.

Follow-up activity, new customers not followed up and the topic's summary are in
:mod:`crmlib.metrics.followup_counts`.

Definitions (docs/metrics.md):

- A customer's last follow-up is the latest follow-up activity (``activities.kind ==
  "follow_up"``) on or before ``as_of``, or the customer's own ``last_followup_at`` when that is
  later (or when the source has no activities).
- Forgotten: a customer that has not dealt by ``as_of``, is not deleted, has an owner (public-pool
  customers are nobody's to forget) and whose days since the last follow-up — or since creation
  when never followed up — are above N. Days are whole calendar days between the dates.
- Overdue: a planned contact (``next_followup_at``) before ``as_of`` with no follow-up since.
- The weekly "to do" list (:func:`todo_list`): per owner, the customers forgotten for more than
  :func:`todo_threshold` days (30 by default) and the overdue planned contacts.

Functions that need ``activities`` return :func:`crmlib.engine.unavailable` (``attrs["available"]``
False, ``attrs["missing_table"]``) when the data lacks it (reports then say "not available").
Phone numbers and e-mail addresses are returned raw: reports mask them (:mod:`crmlib.privacy`).
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import count_if, end_of, report_day, unavailable
from crmlib.exceptions import ParamsError
from crmlib.scope import Scope

__all__ = ["FORGOTTEN_DAYS", "TODO_COLUMNS", "last_followups", "forgotten_customers",
           "forgotten_counts", "missing_followup_data", "forgotten_overview", "todo_threshold",
           "todo_list", "owner_names"]

FORGOTTEN_DAYS = (7, 15, 30, 90, 180)


def last_followups(crm: CRM, *, as_of, scope: Scope | None = None) -> ibis.Table:
    """Open customers in scope with their last follow-up as of ``as_of`` (an ibis expression).

    Columns: ``customer_id``, ``name``, ``owner_id``, ``created_at``, ``last_followup_at``,
    ``next_followup_at``, ``days_since`` (days from the last follow-up, or from creation, to
    ``as_of``) and ``overdue`` (a planned contact before ``as_of`` with no follow-up since).
    Open = created by ``as_of``, not dealt by then, not deleted, with an owner.

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    ibis.Table
        The open customers with their last follow-up (an engine expression, not run).
    """
    day = report_day(crm, as_of)
    end = end_of(day).to_pydatetime()
    c = crm.table("customers")
    c = c.filter((c.created_at < end) & c.owner_id.notnull()
                 & (c.dealt_at.isnull() | (c.dealt_at >= end))
                 & (c.status.isnull() | (c.status != "deleted")))
    c = (scope or Scope()).filter(c, "owner_id")
    own = ibis.ifelse(c.last_followup_at < end, c.last_followup_at, ibis.null())
    if crm.has("activities"):
        a = crm.table("activities")
        a = a.filter((a.kind == "follow_up") & a.customer_id.notnull() & (a.at < end))
        if crm.reuse_intermediates:  # every customer's, once per as-of day and connection
            last = crm.reuse(a.group_by("customer_id").aggregate(_last=a.at.max()))
        else:
            if (scope or Scope()).employee_ids is not None:
                # only the scope's customers (a semi-join): DuckDB would otherwise aggregate
                # the follow-ups of every customer before the join (1M demo, a team: -25 %)
                a = a.filter(a.customer_id.isin(c.customer_id))
            last = a.group_by("customer_id").aggregate(_last=a.at.max())
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
    """Return customers not followed up for more than ``days`` days as of ``as_of``, longest first.

    Parameters
    ----------
    crm : CRM
        The data.
    days : int
        The threshold in days.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_id``, ``owner_id``, ``last_followup_at`` (NaT when
        never followed up), ``days_since`` (days since the last follow-up, or since creation),
        then ``name``, ``created_at``, ``next_followup_at``, ``overdue``. See the module
        docstring for which customers count.

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

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    thresholds : sequence of int, optional
        Day thresholds.

    Returns
    -------
    pandas.DataFrame
        Columns ``days`` (each threshold, then ``None`` for the overdue row), ``customers`` and
        ``kind`` (``forgotten`` / ``overdue``), in one query.
    """
    t = last_followups(crm, as_of=as_of, scope=scope)
    aggs = {f"d{n}": count_if(t.days_since > int(n)) for n in thresholds}
    aggs["overdue"] = count_if(t.overdue)
    row = t.aggregate(**aggs).execute().iloc[0].fillna(0)
    rows = [{"kind": "forgotten", "days": int(n), "customers": int(row[f"d{n}"])}
            for n in thresholds]
    rows.append({"kind": "overdue", "days": None, "customers": int(row["overdue"])})
    return pd.DataFrame(rows, columns=["kind", "days", "customers"])


def missing_followup_data(crm: CRM) -> str | None:
    """Return the table whose absence leaves follow-up dates unknown, or None.

    ``"activities"`` when nothing in the data says when a customer was followed up (no
    ``activities`` table and no ``customers.last_followup_at`` value), else None.

    Reports then say "not available" for the forgotten customers instead of calling every
    open customer forgotten since its creation.

    Parameters
    ----------
    crm : CRM
        The data.

    Returns
    -------
    str or None
        ``"activities"`` when follow-up dates are missing altogether, else None.
    """
    if crm.has("activities"):
        return None
    c = crm.table("customers")
    return None if int(c.last_followup_at.count().execute()) else "activities"


def owner_names(crm: CRM) -> ibis.Table:
    """Return each employee's name, to join onto rows by owner.

    Parameters
    ----------
    crm : CRM
        The data (``employees``).

    Returns
    -------
    ibis.Table
        Columns ``_emp`` (the employee id) and ``owner_name``.
    """
    e = crm.table("employees")
    return e.select(_emp=e.employee_id, owner_name=e.name)


def forgotten_overview(crm: CRM, *, as_of, scope: Scope | None = None,
                       thresholds=FORGOTTEN_DAYS) -> pd.DataFrame:
    """Count forgotten customers (:func:`forgotten_counts`) for a report, or say it is not available.

    The frame is empty and not available when nothing in the data says when customers were
    followed up (see :func:`missing_followup_data`).

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    thresholds : sequence of int, optional
        Day thresholds: a customer not followed up for more than each counts as forgotten at it.

    Returns
    -------
    pandas.DataFrame
        The :func:`forgotten_counts` frame (``kind``, ``days``, ``customers``), with
        ``attrs["available"]``.
    """
    thresholds = _thresholds(thresholds)
    absent = missing_followup_data(crm)
    if absent is not None:
        return unavailable({"kind": "object", "days": "object", "customers": "int64"}, absent)
    df = forgotten_counts(crm, as_of=as_of, scope=scope, thresholds=thresholds)
    df.attrs.update(available=True, missing_table=None)
    return df


def _thresholds(thresholds) -> list[int]:
    out = [int(n) for n in (thresholds or [])]
    if not out or any(n < 0 for n in out):
        raise ParamsError(f"`forgotten_days` {thresholds!r} must be a non-empty list of days "
                          "(0 or more), e.g. [7, 15, 30, 90, 180].")
    return sorted(set(out))


def todo_threshold(thresholds=FORGOTTEN_DAYS) -> int:
    """Return the threshold (days) of the weekly "to do" list.

    Among the ``forgotten_days``: 30 when
    listed, else the smallest one above 7, else the largest one.

    Parameters
    ----------
    thresholds : sequence of int, optional
        Day thresholds.

    Returns
    -------
    int
        The threshold in days.
    """
    days = _thresholds(thresholds)
    if 30 in days:
        return 30
    above = [n for n in days if n > 7]
    return above[0] if above else days[-1]


TODO_COLUMNS = ["owner_id", "owner_name", "customer_id", "name", "last_followup_at",
                "days_since", "next_followup_at", "overdue", "forgotten", "phone", "email",
                "position", "owner_total", "owner_forgotten", "owner_overdue"]


def todo_list(crm: CRM, *, days: int, as_of, scope: Scope | None = None,
              top: int | None = None) -> pd.DataFrame:
    """Each rep's "to do this week": forgotten customers and overdue planned contacts.

    The open customers of :func:`last_followups` (not dealt, not deleted, with an owner in
    scope) that are forgotten (more than ``days`` days since the last follow-up, or since
    creation when never followed up) or overdue (a planned contact before ``as_of`` with no
    follow-up since), listed per owner: overdue ones first, by planned date (oldest first),
    then by days since the last follow-up (longest first), then customer id.

    Returns
    -------
    pandas.DataFrame
        Columns ``owner_id``, ``owner_name`` (the id when the owner is not in employees),
        ``customer_id``, ``name`` (customer), ``last_followup_at`` (NaT = never),
        ``days_since``, ``next_followup_at``, ``overdue``, ``forgotten`` (bools),
        ``phone``, ``email`` (raw: mask them when displaying, see :mod:`crmlib.privacy`),
        ``position`` (1, 2, ... within the owner, in the order above), ``owner_total`` (the
        owner's number of rows), ``owner_forgotten`` and ``owner_overdue`` (how many of them
        are forgotten / overdue; a customer may be both), ordered by owner name, owner id,
        position; with ``top``, only each owner's first ``top`` rows (the counts still cover
        all of them; filtered in the engine). Empty with
        ``attrs["available"]`` False when nothing in the data says when customers were
        followed up.

    Parameters
    ----------
    crm : CRM
        The data.
    days : int
        The threshold in days.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    top : int, optional
        Rows kept before the rest are collapsed; None keeps every row.

    Raises
    ------
    ValueError
        ``days`` is negative.
    """
    if int(days) < 0:
        raise ValueError(f"`days` must be 0 or more, got {days}.")
    absent = missing_followup_data(crm)
    if absent is not None:
        return unavailable({c: "object" for c in TODO_COLUMNS}, absent)
    t = last_followups(crm, as_of=as_of, scope=scope)
    t = t.mutate(forgotten=t.days_since > int(days))
    t = t.filter(t.forgotten | t.overdue)
    c = crm.table("customers").select(_cid="customer_id", phone="phone", email="email")
    t = t.left_join(c, t.customer_id == c._cid)
    names = owner_names(crm)
    t = t.left_join(names, t.owner_id == names._emp)
    order = [ibis.desc(ibis.ifelse(t.overdue, 1, 0)),
             ibis.ifelse(t.overdue, t.next_followup_at, ibis.null()).asc(),
             ibis.desc(t.days_since), t.customer_id.asc()]
    t = t.mutate(owner_name=t.owner_name.fill_null(t.owner_id),
                 position=(ibis.row_number().over(group_by=t.owner_id, order_by=order) + 1)
                 .cast("int64"),
                 owner_total=t.count().over(group_by=t.owner_id).cast("int64"),
                 owner_forgotten=count_if(t.forgotten).over(group_by=t.owner_id)
                 .cast("int64"),
                 owner_overdue=count_if(t.overdue).over(group_by=t.owner_id)
                 .cast("int64"))
    if top is not None:
        t = t.filter(t.position <= int(top))
    t = t.select(*TODO_COLUMNS).order_by(["owner_name", "owner_id", "position"])
    df = t.execute()[TODO_COLUMNS].reset_index(drop=True)
    df.attrs.update(available=True, missing_table=None, days=int(days))
    return df
