"""The open pipeline weighted by stage probability: expected revenue and target coverage.

Definitions (docs/metrics.md, "Funnel and opportunities" and "Targets"): opportunities open at
the end of ``as_of`` in the stage they were in then (:func:`crmlib.engine.open_at`; invalid ones
excluded), weighted by that stage's win probability; the target is the scope's
``contract_amount`` target for the period (:func:`crmlib.engine.scope_target`). Missing amounts
are counted, never summed as 0.
"""

from __future__ import annotations

import math

import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    count_if,
    effective,
    end_of,
    open_weighted,
    report_day,
    scope_target,
    sum_or_nan,
    unavailable,
)
from crmlib.metrics.funnel import stage_table
from crmlib.scope import Scope

__all__ = ["expected_revenue", "pipeline_coverage"]


def expected_revenue(crm: CRM, *, as_of=None, scope: Scope | None = None,
                     probabilities: dict | None = None) -> pd.DataFrame:
    """Sum the open pipeline by expected close month, weighted by the stage's win probability.

    Over opportunities open at the end of ``as_of`` (see :func:`pipeline_snapshot`); the
    probability is that of the deal's stage then. Needs ``opportunities``.

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    probabilities : dict, optional
        Stage name -> probability 0..1 replacing ``pipeline_stages``' probabilities.

    Returns
    -------
    pandas.DataFrame
        One row per month of ``expected_close_at`` (``month`` = its first day; NaT for deals
        without one, last): ``count``, ``amount`` (known amounts), ``expected`` = sum of amount
        x probability, ``missing_amount`` (deals without an amount), ``missing_probability``
        (deals with an amount whose stage has no probability; not in ``expected``), ``overdue``
        (the month is before ``as_of``'s month).
    """
    cols = ["month", "count", "amount", "expected", "missing_amount", "missing_probability",
            "overdue"]
    if not crm.has("opportunities"):
        return unavailable(cols, "opportunities")
    as_of = report_day(crm, as_of)
    j = open_weighted(crm, as_of, scope, stage_table(crm, probabilities=probabilities))
    df = j.group_by("_month").aggregate(
        count=j.count(), amount=j.amount.sum(), expected=(j.amount * j._sprob).sum(),
        missing_amount=count_if(j.amount.isnull()),
        missing_probability=count_if(j.amount.notnull() & j._sprob.isnull()),
    ).execute().rename(columns={"_month": "month"})
    df["month"] = pd.to_datetime(df["month"])
    for c in ("count", "missing_amount", "missing_probability"):
        df[c] = df[c].astype("int64")
    df["expected"] = df["expected"].astype("float64").fillna(0.0)
    df["amount"] = sum_or_nan(df)
    df["overdue"] = df["month"] < as_of.to_period("M").to_timestamp()
    return df.sort_values("month", na_position="last")[cols].reset_index(drop=True)


def pipeline_coverage(crm: CRM, *, period, as_of=None, scope: Scope | None = None,
                      probabilities: dict | None = None) -> pd.DataFrame:
    """How well the open pipeline covers what remains of the period's contract-amount target.

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
    probabilities : dict, optional
        Stage name -> probability 0..1 replacing ``pipeline_stages``'.

    Returns
    -------
    pandas.DataFrame
        One row: ``target`` (the scope's ``contract_amount`` target for the period, from
        ``targets``; NaN when none is set: "no target"), ``actual`` (effective contracts signed
        in the period up to ``as_of``), ``remaining`` = target - actual, ``pipeline_amount``
        (amount of opportunities open at ``as_of`` expected to close before the period ends,
        overdue ones included), ``weighted_amount`` (the same x stage probability),
        ``missing_amount`` (such deals without an amount), ``coverage`` = pipeline_amount /
        remaining and ``weighted_coverage`` = weighted_amount / remaining (NaN when remaining <=
        0 or no target), ``has_target``. Needs ``opportunities``.
    """
    cols = ["target", "actual", "remaining", "pipeline_amount", "weighted_amount",
            "missing_amount", "coverage", "weighted_coverage", "has_target"]
    if not crm.has("opportunities"):
        return unavailable(cols, "opportunities")
    scope = scope or Scope()
    as_of = report_day(crm, as_of)
    p = as_period(crm, period, as_of=as_of)
    target = scope_target(crm, scope, p, "contract_amount")
    k = scope.filter(effective(crm.table("contracts")))
    upto = min(p.end, end_of(as_of)).to_pydatetime()
    actual = k.filter((k.signed_at >= p.start.to_pydatetime()) & (k.signed_at < upto)
                      ).amount.sum().execute()
    actual = 0.0 if actual is None or pd.isna(actual) else float(actual)
    j = open_weighted(crm, as_of, scope, stage_table(crm, probabilities=probabilities))
    j = j.filter(j.expected_close_at < p.end.to_pydatetime())
    r = j.aggregate(amount=j.amount.sum(), weighted=(j.amount * j._sprob).sum(),
                    missing=count_if(j.amount.isnull())).execute().iloc[0]
    amount = 0.0 if pd.isna(r["amount"]) else float(r["amount"])
    weighted = 0.0 if pd.isna(r["weighted"]) else float(r["weighted"])
    remaining = target - actual
    den = remaining if remaining > 0 else math.nan
    return pd.DataFrame([{
        "target": target, "actual": actual, "remaining": remaining,
        "pipeline_amount": amount, "weighted_amount": weighted,
        "missing_amount": int(r["missing"] or 0), "coverage": amount / den,
        "weighted_coverage": weighted / den, "has_target": not math.isnan(target)}],
        columns=cols)
