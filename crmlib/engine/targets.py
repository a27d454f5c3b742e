"""Targets: the one lookup of the target set for a scope, a period and a metric.

Definitions (``docs/metrics.md``, "Targets"): targets are monthly rows of ``targets``
(``metric``, ``owner_type`` company / team / employee, ``owner_id``, ``month`` = its first day,
``value``); a period counts the months it touches. A scope's target falls back from the most
general owner to the most specific one: the company's targets, else its teams', else its
employees'; a team's target, else its members'; an employee scope: its employees'.
"""

from __future__ import annotations

import math

import ibis
import pandas as pd

from crmlib.period import Period
from crmlib.scope import Scope

__all__ = ["target_rows", "scope_target_months", "scope_target"]


def target_rows(crm, metric: str, period: Period, *, owner_type: str | None = None
                ) -> ibis.Table:
    """Return the ``targets`` rows of ``metric`` for the months ``period`` touches.

    Parameters
    ----------
    crm : crmlib.CRM
        The data; needs ``targets``.
    metric : str
        The target metric (e.g. ``contract_amount``).
    period : Period
        Months from the one holding ``period.start`` to the last starting before its end.
    owner_type : {None, "company", "team", "employee"}, default=None
        Only the targets of that kind of owner.

    Returns
    -------
    ibis.Table
        The ``targets`` columns of the matching rows (an engine expression).
    """
    t = crm.table("targets")
    first = period.start.to_period("M").to_timestamp().to_pydatetime()
    cond = ((t.metric == metric) & (t.month >= first.date())
            & (t.month < period.end.to_pydatetime().date()))
    if owner_type is not None:
        cond = (t.owner_type == owner_type) & cond
    return t.filter(cond)


def scope_target_months(crm, scope: Scope, period: Period, metric: str) -> pd.Series:
    """Return the scope's monthly targets of ``metric`` for the months ``period`` touches.

    Parameters
    ----------
    crm : crmlib.CRM
        The data (without ``targets`` there is no target).
    scope : Scope
        Company, team or employees; the owners whose targets count (see the module docstring).
    period : Period
        A resolved Period; its months (whole calendar months it touches) are looked up.
    metric : str
        The target metric.

    Returns
    -------
    pandas.Series
        Target per month start (float64); empty when none is set.
    """
    if not crm.has("targets"):
        return pd.Series(dtype="float64")
    t = target_rows(crm, metric, period)
    kinds = t.group_by(["owner_type", "owner_id", "month"]).aggregate(v=t.value.sum()).execute()
    if scope.kind == "company":
        for kind in ("company", "team", "employee"):
            rows = kinds[kinds["owner_type"] == kind]
            if len(rows):
                break
    else:
        rows = kinds.iloc[0:0]
        if scope.kind == "team":
            rows = kinds[(kinds["owner_type"] == "team") & (kinds["owner_id"] == scope.value)]
        if not len(rows):
            rows = kinds[(kinds["owner_type"] == "employee")
                         & kinds["owner_id"].isin(scope.employee_ids or ())]
    return rows.groupby(pd.to_datetime(rows["month"]))["v"].sum().astype("float64")


def scope_target(crm, scope: Scope, period: Period, metric: str) -> float:
    """Return the scope's target of ``metric`` for the period, pro-rated by days.

    Monthly targets (:func:`scope_target_months`) are summed over the months the period covers,
    each pro-rated by the share of its days inside the period.

    Parameters
    ----------
    crm : crmlib.CRM
        The data.
    scope : Scope
        Company, team or employees.
    period : Period
        A resolved Period; a month partly inside it counts by its share of days.
    metric : str
        The target metric.

    Returns
    -------
    float
        The target; NaN when none is set.
    """
    monthly = scope_target_months(crm, scope, period, metric)
    if not len(monthly):
        return math.nan
    total = 0.0
    for month, v in monthly.items():
        m_end = month + pd.offsets.MonthBegin(1)
        overlap = (min(m_end, period.end) - max(month, period.start)).days
        total += float(v) * max(overlap, 0) / (m_end - month).days
    return total
