"""Leaderboards (排行榜): employees ranked by one figure over a period, with target completion.

Definitions (docs/metrics.md, Wukong BI 3G and the dashboard ranking card 3A):

- **Values.** Records whose event date falls in the period, credited to the record's owner
  (``owner_id``; follow-ups to their writer ``employee_id``; payments to the owner of their
  contract). Money and contract counts take effective records only (status approved, or no
  status). See :data:`LEADERBOARD_METRICS` for each figure.
- **Who is ranked.** Every *active* employee of the scope (``active`` true or empty) appears,
  with 0 when they have no record, so that a rep always finds themselves. An inactive employee
  appears only when they have at least one counted record in the period. Records without an
  owner (the public pool) are ranked for nobody.
- **Rank.** Competition ranking, like SQL ``RANK()``: equal values share a rank and the next
  rank skips (1, 2, 2, 4). Rows are ordered by rank, then employee id. In a period without any
  record everyone ties at rank 1 with 0.
- **Target and completion.** ``target`` = the sum of the employee's monthly targets
  (``targets`` rows with ``owner_type`` employee and the metric of :data:`TARGET_METRICS`) for
  every calendar month the period touches, whole months even when the period covers part of one
  (a week in March is compared with March's whole target; January 15 - February 10 with January
  + February). ``completion`` = value / target (a ratio, 1.0 = 100 %). A month without a target
  row adds nothing; when the employee has no target row in those months, or they sum to 0, the
  target is "no target" (NaN) and so is the completion, never 100 %. Unlike Wukong, the period
  itself is never widened to whole months: the value is always the period's own.
"""

from __future__ import annotations

import math

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    check_known,
    count_if,
    effective,
    in_period,
    live,
    target_rows,
    unavailable,
)
from crmlib.exceptions import ParamsError
from crmlib.period import Period
from crmlib.scope import Scope, resolve_scope

__all__ = ["LEADERBOARD_METRICS", "COLUMNS", "leaderboard", "my_rank",
           "leaderboard_summary", "ranking_scope", "missing_table"]

# metric -> (table it needs, kind, definition)
LEADERBOARD_METRICS: dict[str, tuple[str, str, str]] = {
    "contract_amount": ("contracts", "amount",
                        "sum of amount of effective contracts signed in the period, by owner"),
    "payments": ("payments", "amount",
                 "sum of amount of effective payments paid in the period, credited to the owner "
                 "of their contract"),
    "contracts": ("contracts", "count",
                  "number of effective contracts signed in the period, by owner"),
    "new_customers": ("customers", "count",
                      "number of customers created in the period, by owner"),
    "new_contacts": ("contacts", "count", "number of contacts created in the period, by owner"),
    "followups": ("activities", "count",
                  "number of follow-up activities (kind follow_up) in the period, by writer"),
    "customers_followed_up": ("activities", "count",
                              "distinct customers with a follow-up in the period, by writer"),
    "product_lines": ("contract_lines", "count",
                      "number of contract lines (products sold, one per line whatever the "
                      "quantity) on effective contracts signed in the period, by contract owner"),
}

# leaderboard metric -> `targets.metric` its completion is measured against
TARGET_METRICS: dict[str, str] = {
    "contract_amount": "contract_amount",
    "payments": "payment_amount",
    "contracts": "contracts",
    "new_customers": "new_customers",
    "new_contacts": "new_contacts",
    "followups": "followups",
    "customers_followed_up": "customers_followed_up",
    "product_lines": "product_lines",
}

COLUMNS = ["rank", "employee_id", "name", "value", "team", "target", "completion", "missing"]


def _check_metric(metric: str) -> None:
    check_known(metric, LEADERBOARD_METRICS, "leaderboard metric")


def missing_table(crm: CRM, metric: str) -> str | None:
    """Return the table ``metric`` needs that the data lacks, or None when it can be computed.

    Parameters
    ----------
    crm : CRM
        The data.
    metric : str
        The figure's name.

    Returns
    -------
    str or None
        The missing table, or None.
    """
    _check_metric(metric)
    table = LEADERBOARD_METRICS[metric][0]
    return None if crm.has(table) else table


def _values(crm: CRM, metric: str, p: Period, scope: Scope) -> ibis.Table:
    """Engine-side values per credited employee: columns employee_id, value, missing."""
    if metric in ("contract_amount", "contracts", "product_lines"):
        c = effective(crm.table("contracts"))
        c = scope.filter(c.filter(in_period(c.signed_at, p)), "owner_id")
        if metric == "product_lines":
            lines = crm.table("contract_lines").select("contract_id")
            c = lines.inner_join(c.select("contract_id", "owner_id"), "contract_id")
        g = c.group_by(employee_id=c.owner_id)
        if metric == "contract_amount":
            return g.aggregate(value=c.amount.sum(),
                               missing=count_if(c.amount.isnull()))
        return g.aggregate(value=c.count(), missing=ibis.literal(0))
    if metric == "payments":
        pay = effective(crm.table("payments"))
        pay = pay.filter(in_period(pay.paid_at, p))
        owners = crm.table("contracts").select("contract_id", "owner_id")
        pay = pay.left_join(owners, "contract_id").select("amount", "owner_id")
        pay = scope.filter(pay, "owner_id")
        return pay.group_by(employee_id=pay.owner_id).aggregate(
            value=pay.amount.sum(), missing=count_if(pay.amount.isnull()))
    if metric in ("new_customers", "new_contacts"):
        t = (live(crm.table("customers")) if metric == "new_customers"
             else crm.table("contacts"))
        t = scope.filter(t.filter(in_period(t.created_at, p)), "owner_id")
        return t.group_by(employee_id=t.owner_id).aggregate(value=t.count(),
                                                            missing=ibis.literal(0))
    a = crm.table("activities")
    a = scope.filter(a.filter((a.kind == "follow_up") & in_period(a.at, p)), "employee_id")
    if metric == "followups":
        return a.group_by("employee_id").aggregate(value=a.count(), missing=ibis.literal(0))
    a = a.filter(a.customer_id.notnull())
    return a.group_by("employee_id").aggregate(value=a.customer_id.nunique(),
                                               missing=ibis.literal(0))


def _targets(crm: CRM, metric: str, p: Period) -> pd.DataFrame:
    """Sum of each employee's monthly targets over the months ``p`` touches (engine-side)."""
    name = TARGET_METRICS.get(metric)
    if name is None or not crm.has("targets"):
        return pd.DataFrame(columns=["employee_id", "target"])
    tg = target_rows(crm, name, p, owner_type="employee")
    return tg.group_by(employee_id=tg.owner_id).aggregate(target=tg.value.sum()).execute()


def _board(crm: CRM, metric: str, p: Period, scope: Scope, always=()) -> pd.DataFrame:
    values = _values(crm, metric, p, scope)
    values = values.filter(values.employee_id.notnull()).execute()
    emp = crm.table("employees").select("employee_id", "name", "team", "active").execute()
    if scope.employee_ids is not None:
        emp = emp[emp["employee_id"].isin(scope.employee_ids)]
    shown = (emp["active"].isna() | emp["active"].astype("boolean").fillna(True)
             | emp["employee_id"].isin(values["employee_id"])
             | emp["employee_id"].isin(list(always)))
    board = emp.loc[shown, ["employee_id", "name", "team"]].merge(
        values, on="employee_id", how="outer")
    board["name"] = board["name"].fillna(board["employee_id"])  # an owner not in employees
    board["value"] = board["value"].astype("float64").fillna(0.0)
    board["missing"] = board["missing"].fillna(0).astype("int64")
    target = _targets(crm, metric, p)
    board = board.merge(target, on="employee_id", how="left")
    board["target"] = board["target"].astype("float64")
    board.loc[board["target"] <= 0, "target"] = math.nan  # zero target = no target
    board["completion"] = board["value"] / board["target"]
    board["rank"] = board["value"].rank(method="min", ascending=False).astype("int64")
    board = board.sort_values(["rank", "employee_id"], kind="stable").reset_index(drop=True)
    return board[COLUMNS]


def _empty(metric: str, table: str | None) -> pd.DataFrame:
    return unavailable({c: "float64" if c in ("value", "target", "completion")
                        else "int64" if c in ("rank", "missing") else "object"
                        for c in COLUMNS}, table,
                       metric=metric, kind=LEADERBOARD_METRICS[metric][1])

def leaderboard(crm: CRM, *, metric: str, period, scope: Scope | None = None,
                top: int | None = None) -> pd.DataFrame:
    """Employees ranked by ``metric`` over ``period``, with their completion against target.

    Parameters
    ----------
    crm : CRM
        The data.
    metric : str
        One of :data:`LEADERBOARD_METRICS`: ``contract_amount`` and ``payments`` (amounts in the
        company currency), ``contracts``, ``new_customers``, ``new_contacts``, ``followups``,
        ``customers_followed_up``, ``product_lines`` (counts). Definitions in the module doc.
    period : str, (start, end) or Period
        A preset name (resolved against the data's last event date) or ISO dates, both included.
    scope : Scope, optional
        Whose records are ranked; ``None`` = the whole company. The rank is within the scope.
    top : int, optional
        Keep the rows whose rank is at most ``top`` (ties at the boundary are all kept).

    Returns
    -------
    pandas.DataFrame
        Columns ``rank`` (competition rank: 1, 2, 2, 4), ``employee_id``, ``name``, ``value``
        (float), ``team``, ``target`` (sum of the monthly targets of the months the period
        touches; NaN = no target), ``completion`` (value / target as a ratio; NaN without a
        target) and ``missing`` (records in the period without an amount, not summed). One
        row per ranked employee, best first. When the data lacks the table the metric needs,
        the frame is empty and ``df.attrs["available"]`` is False with
        ``df.attrs["missing_table"]`` naming it (a report then says "not available").

    Raises
    ------
    ParamsError
        Unknown metric (with a did-you-mean) or a bad period.

    Examples
    --------
    >>> import crmlib
    >>> crm = crmlib.connect()
    >>> board = leaderboard(crm, metric="contract_amount", period="last_month")
    >>> list(board.columns[:4])
    ['rank', 'employee_id', 'name', 'value']
    """
    _check_metric(metric)
    p = as_period(crm, period)
    absent = missing_table(crm, metric)
    if absent is not None:
        return _empty(metric, absent)
    board = _board(crm, metric, p, scope or Scope())
    if top is not None:
        board = board[board["rank"] <= top].reset_index(drop=True)
    board.attrs.update(metric=metric, kind=LEADERBOARD_METRICS[metric][1], available=True,
                       missing_table=None, period=str(p))
    return board


def ranking_scope(crm: CRM, scope: Scope | None, *, within: str = "company") -> Scope:
    """Return the scope a report ranks in.

    A company or team scope as it is; for one employee's
    report ("my rank"), the whole company (``within="company"``, Wukong's 公司总排名) or the
    employee's own team (``within="team"``).

    Parameters
    ----------
    crm : CRM
        The data.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    within : {"company", "team"}, default="company"
        ``company`` or ``team``: whom one employee is ranked among.

    Returns
    -------
    Scope
        The scope to rank in.

    Raises
    ------
    ParamsError
        Unknown ``within``.
    """
    scope = scope or Scope()
    if within not in ("company", "team"):
        raise ParamsError(f"`within` {within!r} must be `company` or `team`.")
    if scope.kind != "employee":
        return scope
    if within == "company":
        return Scope()
    emp = crm.table("employees")
    team = emp.filter(emp.employee_id == scope.value).team.execute()
    return resolve_scope(crm, team=str(team.iloc[0]))


def my_rank(crm: CRM, *, metric: str, period, employee_id: str,
            within: str = "company") -> pd.DataFrame:
    """One employee's row of the leaderboard: "my rank" among the company or their team.

    The employee is ranked with everyone of ``within`` (``company``, the default, like Wukong's
    公司总排名, or ``team``: the employee's ``employees.team``), under the rules of
    :func:`leaderboard`; an inactive employee without records is ranked too (with 0).

    Returns
    -------
    pandas.DataFrame
        One row with the columns of :func:`leaderboard` plus ``out_of`` (number of employees
        ranked) and ``within``. Empty (``attrs["available"]`` False) when the data lacks the
        table the metric needs.

    Parameters
    ----------
    crm : CRM
        The data.
    metric : str
        The figure's name.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    employee_id : str
        The employee ranked.
    within : {"company", "team"}, default="company"
        ``company`` or ``team``: whom the employee is ranked among.

    Raises
    ------
    ParamsError
        Unknown metric or employee (with a did-you-mean), or ``within`` not company/team.
    """
    _check_metric(metric)
    me = resolve_scope(crm, employee=employee_id, include_subordinates=False)
    scope = ranking_scope(crm, me, within=within)
    p = as_period(crm, period)
    absent = missing_table(crm, metric)
    if absent is not None:
        df = _empty(metric, absent)
        return df.assign(out_of=pd.Series(dtype="int64"), within=pd.Series(dtype="object"))
    board = _board(crm, metric, p, scope, always=(me.value,))
    row = board[board["employee_id"] == me.value].assign(out_of=len(board), within=within)
    row = row.reset_index(drop=True)
    row.attrs.update(metric=metric, kind=LEADERBOARD_METRICS[metric][1], available=True,
                     missing_table=None, period=str(p))
    return row


def leaderboard_summary(crm: CRM, *, period, scope: Scope | None = None,
                        employee_id: str | None = None, metrics=None) -> pd.DataFrame:
    """Return the leader of every board, and one employee's place on each ("my rank").

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    employee_id : str, optional
        An employee whose place on each board is added.
    metrics : sequence of str, optional
        The boards, default all of :data:`LEADERBOARD_METRICS`.

    Returns
    -------
    pandas.DataFrame
        One row per metric (``metrics``, default all of :data:`LEADERBOARD_METRICS`) with
        columns ``metric``, ``kind``, ``available``, ``leader`` (names of the rank-1 employees
        joined by ", "; None when nobody has a value above 0), ``leader_value``, ``ranked``
        (number of employees on the board), and, for ``employee_id``, ``my_rank``, ``my_value``,
        ``my_completion`` (NaN without a target); ``attrs["employee_name"]`` holds their name.
        Ranks are within ``scope``; the employee is always ranked, even when inactive; they must
        belong to ``scope``.

    Raises
    ------
    ParamsError
        Unknown metric, or ``employee_id`` not in the scope.
    """
    scope = scope or Scope()
    p = as_period(crm, period)
    if employee_id is not None:
        employee_id = resolve_scope(crm, employee=employee_id).value
        if scope.employee_ids is not None and employee_id not in scope.employee_ids:
            raise ParamsError(f"employee `{employee_id}` is not in the {scope}; rank them "
                              "within a scope that holds them (see `ranking_scope`).")
    rows = []
    for metric in metrics or LEADERBOARD_METRICS:
        _check_metric(metric)
        row = {"metric": metric, "kind": LEADERBOARD_METRICS[metric][1]}
        if missing_table(crm, metric) is not None:
            rows.append(row | {"available": False})
            continue
        board = _board(crm, metric, p, scope, always=(employee_id,) if employee_id else ())
        best = board[(board["rank"] == 1) & (board["value"] > 0)]
        row |= {"available": True, "leader": ", ".join(best["name"]) if len(best) else None,
                "leader_value": float(best["value"].iloc[0]) if len(best) else math.nan,
                "ranked": len(board)}
        if employee_id is not None:
            mine = board[board["employee_id"] == employee_id].iloc[0]
            row |= {"my_rank": int(mine["rank"]), "my_value": float(mine["value"]),
                    "my_completion": float(mine["completion"])}
        rows.append(row)
    cols = ["metric", "kind", "available", "leader", "leader_value", "ranked"]
    if employee_id is not None:
        cols += ["my_rank", "my_value", "my_completion"]
    df = pd.DataFrame(rows).reindex(columns=cols)
    df["available"] = df["available"].astype(bool)
    if employee_id is not None:
        emp = crm.table("employees")
        name = emp.filter(emp.employee_id == employee_id).name.execute()
        df.attrs["employee_name"] = str(name.iloc[0])
    df.attrs["period"] = str(p)
    return df
