"""Opportunity outcomes (Wukong BI 商机转化率分析): win rates, deal size, cycle, velocity.

Win rates, deal size, cycle, sales velocity and lost reasons; expected revenue and pipeline
coverage are in :mod:`crmlib.metrics.open_pipeline`.

Definitions as in :mod:`crmlib.metrics.funnel` (docs/metrics.md): closed win rate =
won / (won + lost) among opportunities closed in the period; cohort win rate = won so far /
created, for opportunities created in the period; invalid ones excluded from both. Average deal
size = won amount / won deals with an amount; cycle = closed_at - created_at in days for won deals
closed in the period; sales velocity = open count x win rate x average deal size / average cycle
days. Missing amounts are counted, never summed as 0.
"""

from __future__ import annotations

import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    amount_aggs,
    as_period,
    check_by,
    count_if,
    days_between,
    in_period,
    on_every_key,
    open_at,
    ratio,
    report_day,
    scoped_opportunities,
    sum_or_nan,
    unavailable,
    with_key,
)
from crmlib.exceptions import ParamsError
from crmlib.scope import Scope

__all__ = ["win_rate", "deal_size", "opportunity_cycle", "sales_velocity", "lost_reasons"]


def win_rate(crm: CRM, *, period, by=None, scope: Scope | None = None) -> pd.DataFrame:
    """Return closed win rate and cohort win rate for the period, overall or per group.

    Invalid opportunities are excluded from both; open ones count only in ``created``.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    by : {None, "team", "owner_id", "bucket"}, default=None
        ``team``: the owner's team (``employees``; an owner not in it has team NaN);
        ``owner_id``: the owner; ``bucket``: the period's buckets (closed figures by the
        ``closed_at`` bucket, cohort figures by the ``created_at`` bucket). Every team, employee
        (of the scope) or bucket is listed, empty ones with 0 and NaN rates.
    scope : Scope, optional
        Whose opportunities (by ``owner_id``); default the whole company.

    Returns
    -------
    pandas.DataFrame
        Columns (plus ``by``'s column first when grouped):

        - ``won``, ``lost``: opportunities won / lost with ``closed_at`` in the period;
          ``closed_win_rate`` = won / (won + lost), a ratio 0..1 (NaN when nothing closed).
        - ``created``: opportunities with ``created_at`` in the period; ``cohort_win_rate`` = those
          of them won so far / created (NaN when none was created).

    Raises
    ------
    ParamsError
        Unknown ``by`` or a bad period.

    Examples
    --------
    >>> win_rate(crm, period=("2017-01-01", "2017-12-31"), by="team")  # doctest: +SKIP
    """
    check_by(by)
    cols = ([by] if by else []) + ["won", "lost", "closed_win_rate", "created",
                                   "cohort_win_rate"]
    if not crm.has("opportunities"):
        return unavailable(cols, "opportunities")
    p = as_period(crm, period)
    o = scoped_opportunities(crm, scope)
    c = o.filter(o.outcome.isin(["won", "lost"]) & in_period(o.closed_at, p))
    c = with_key(crm, c, by, "closed_at", p)
    closed = c.group_by("_key").aggregate(
        won=count_if(c.outcome == "won"),
        lost=count_if(c.outcome == "lost")).execute()
    n = o.filter(in_period(o.created_at, p))
    n = with_key(crm, n, by, "created_at", p)
    created = n.group_by("_key").aggregate(
        created=n.count(), _cwon=count_if(n.outcome == "won")).execute()
    df = on_every_key(crm, by, scope, p, [closed, created], ("won", "lost", "created", "_cwon"))
    df["closed_win_rate"] = ratio(df["won"], df["won"] + df["lost"]).to_numpy()
    df["cohort_win_rate"] = ratio(df["_cwon"], df["created"]).to_numpy()
    return df[cols]


def deal_size(crm: CRM, *, period, by=None, scope: Scope | None = None) -> pd.DataFrame:
    """Won amount and average deal size of the opportunities won in the period.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    by : {None, "team", "owner_id", "bucket"}, default=None
        ``None`` (one row), ``team``, ``owner_id`` or ``bucket``, as in :func:`win_rate`.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    pandas.DataFrame
        Columns (plus ``by``'s column, as in :func:`win_rate`): ``won`` (won with ``closed_at``
        in the period), ``won_amount`` (sum of their known amounts), ``missing_amount`` (won
        without an amount: not summed), ``avg_deal_size`` = won_amount / (won - missing_amount),
        in the company currency (NaN when no won deal has an amount). Invalid ones excluded.
    """
    check_by(by)
    cols = ([by] if by else []) + ["won", "won_amount", "missing_amount", "avg_deal_size"]
    if not crm.has("opportunities"):
        return unavailable(cols, "opportunities")
    p = as_period(crm, period)
    o = scoped_opportunities(crm, scope)
    w = o.filter((o.outcome == "won") & in_period(o.closed_at, p))
    w = with_key(crm, w, by, "closed_at", p)
    part = w.group_by("_key").aggregate(won=w.count(), won_amount=w.amount.sum(),
                                        missing_amount=count_if(w.amount.isnull())
                                        ).execute()
    df = on_every_key(crm, by, scope, p, [part], ("won", "missing_amount"))
    df["won_amount"] = sum_or_nan(df, "won_amount", "won")
    df["avg_deal_size"] = ratio(df["won_amount"].where(df["won"] > df["missing_amount"]),
                                 df["won"] - df["missing_amount"]).to_numpy()
    return df[cols]


def opportunity_cycle(crm: CRM, *, period, by=None, scope: Scope | None = None
                      ) -> pd.DataFrame:
    """Measure how long won opportunities took: ``closed_at`` - ``created_at`` in days.

    Over opportunities won with ``closed_at`` in the period.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    by : {None, "team", "owner_id", "bucket"}, default=None
        ``None`` (one row), ``team``, ``owner_id`` or ``bucket``, as in :func:`win_rate`.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    pandas.DataFrame
        Columns (plus ``by``'s column): ``count`` (won ones with both dates), ``mean_days``,
        ``median_days`` (fractional days; NaN when count is 0), ``missing_dates`` (won in the
        period without ``created_at``, left out).
    """
    check_by(by)
    cols = ([by] if by else []) + ["count", "mean_days", "median_days", "missing_dates"]
    if not crm.has("opportunities"):
        return unavailable(cols, "opportunities")
    p = as_period(crm, period)
    o = scoped_opportunities(crm, scope)
    w = o.filter((o.outcome == "won") & in_period(o.closed_at, p))
    w = with_key(crm, w, by, "closed_at", p)
    d = days_between(w.closed_at, w.created_at)
    part = w.group_by("_key").aggregate(
        count=w.created_at.count(), mean_days=d.mean(), median_days=d.median(),
        missing_dates=count_if(w.created_at.isnull())).execute()
    df = on_every_key(crm, by, scope, p, [part], ("count", "missing_dates"))
    for c in ("mean_days", "median_days"):
        df[c] = df[c].astype("float64")
    return df[cols]


def sales_velocity(crm: CRM, *, period, as_of=None, by=None,
                   scope: Scope | None = None) -> pd.DataFrame:
    """Estimate sales velocity: how much the open pipeline is expected to bring in per day.

    velocity = open_count x closed_win_rate x avg_deal_size / avg_cycle_days, in the company
    currency per day (NaN when a factor is undefined or the cycle is 0).

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    by : {None, "team", "owner_id"}, default=None
        ``None`` (one row), ``team`` or ``owner_id``, as in :func:`win_rate`.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Returns
    -------
    pandas.DataFrame
        Columns (plus ``by``'s column): ``open_count`` and ``open_amount`` (opportunities open
        at the end of ``as_of``, as in :func:`pipeline_snapshot`), ``won``, ``won_amount`` and
        ``avg_deal_size`` (:func:`deal_size`), ``closed_win_rate`` and ``cohort_win_rate``
        (:func:`win_rate`), ``avg_cycle_days`` (mean of :func:`opportunity_cycle`),
        ``velocity``.

    Raises
    ------
    ParamsError
        Unknown ``by`` (``bucket`` is not allowed) or a bad period.
    """
    check_by(by)
    if by == "bucket":
        raise ParamsError("sales velocity is not split by bucket; use by=None, 'team' or "
                          "'owner_id'.")
    cols = ([by] if by else []) + ["open_count", "open_amount", "won", "won_amount",
                                   "closed_win_rate", "cohort_win_rate", "avg_deal_size",
                                   "avg_cycle_days", "velocity"]
    if not crm.has("opportunities"):
        return unavailable(cols, "opportunities")
    p = as_period(crm, period, as_of=as_of)
    o = with_key(crm, open_at(crm, report_day(crm, as_of), scope), by, "created_at", p)
    part = o.group_by("_key").aggregate(open_count=o.count(), open_amount=o.amount.sum(),
                                        _om=count_if(o.amount.isnull())).execute()
    df = on_every_key(crm, by, scope, p, [part], ("open_count", "_om"))
    df["open_amount"] = sum_or_nan(df, "open_amount", "open_count", "_om")
    key = [by] if by else []
    wr = win_rate(crm, period=p, by=by, scope=scope)[key + ["closed_win_rate",
                                                             "cohort_win_rate"]]
    ds = deal_size(crm, period=p, by=by, scope=scope)[key + ["won", "won_amount",
                                                             "avg_deal_size"]]
    cy = opportunity_cycle(crm, period=p, by=by, scope=scope)[key + ["mean_days"]]
    if by:
        df = df.merge(wr, on=by, how="left").merge(ds, on=by, how="left").merge(
            cy, on=by, how="left")
    else:
        df = pd.concat([df, wr, ds, cy], axis=1)
    df = df.rename(columns={"mean_days": "avg_cycle_days"})
    df["velocity"] = (df["open_count"] * df["closed_win_rate"] * df["avg_deal_size"]
                      / df["avg_cycle_days"].where(df["avg_cycle_days"] > 0))
    return df[cols].astype({c: "float64" for c in cols[len(key) + 1:]})


def lost_reasons(crm: CRM, *, period, scope: Scope | None = None) -> pd.DataFrame:
    """Why opportunities were lost: those lost with ``closed_at`` in the period, by reason.

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
        Columns ``lost_reason`` (None when not given: shown as unknown, not dropped), ``count``,
        ``share`` (count / all lost, 0..1), ``amount``, ``missing_amount`` (lost ones without an
        amount). Most frequent first, unknown last. Needs ``opportunities``.
    """
    cols = ["lost_reason", "count", "share", "amount", "missing_amount"]
    if not crm.has("opportunities"):
        return unavailable(cols, "opportunities")
    p = as_period(crm, period)
    o = scoped_opportunities(crm, scope)
    o = o.filter((o.outcome == "lost") & in_period(o.closed_at, p))
    df = o.group_by("lost_reason").aggregate(count=o.count(), **amount_aggs(o)).execute()
    df["count"] = df["count"].astype("int64")
    df["missing_amount"] = df["missing_amount"].astype("int64")
    df["amount"] = sum_or_nan(df)
    df["share"] = ratio(df["count"], pd.Series(df["count"].sum(), index=df.index)).to_numpy()
    df = df.assign(_u=df["lost_reason"].isna()).sort_values(
        ["_u", "count", "lost_reason"], ascending=[True, False, True])
    return df[cols].reset_index(drop=True)
