"""Sales funnel: stages, snapshot, ordered funnel, new opportunities (Wukong BI 销售漏斗, 新增商机分析).

Win rates, deal size, cycle, velocity, lost reasons and the pipeline forecast are in
:mod:`crmlib.metrics.opportunities`; both follow the definitions below.

Definitions (docs/metrics.md, "Funnel and opportunities"):

- Stage order and win probabilities come from ``pipeline_stages``, per pipeline (an empty
  ``opportunities.pipeline`` is ``default``). Funnel stages are the stages whose outcome is open or
  won; lost and invalid stages end an opportunity outside the funnel.
- Invalid opportunities (outcome ``invalid``) are left out of every figure here except
  :func:`new_opportunities`, which counts them apart so that it agrees with the dashboard.
- Period figures use the event date: ``created_at`` for new opportunities, the funnel and the
  cohort win rate; ``closed_at`` for won and lost ones. An opportunity without that date is in no
  period (it still counts in the snapshot). A missing amount is counted (``missing_amount``),
  never summed as 0: a summed amount is 0 for an empty group and NaN when every record of the
  group lacks an amount.
- Credit goes to the opportunity's owner (``owner_id``), scoped with :class:`crmlib.scope.Scope`.

Every function returns a pandas frame. When an optional table the figure needs is absent, it
returns :func:`crmlib.engine.unavailable`: an empty frame with the usual columns, ``attrs``
``available=False`` and ``missing_table`` naming the table (reports then say "not available"
instead of failing).
"""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM, stage_outcome
from crmlib.engine import (
    BY_OPTIONS,
    amount_aggs,
    as_period,
    bucket_expr,
    count_if,
    days_between,
    furthest_stage,
    in_period,
    on_every_key,
    open_at,
    report_day,
    scoped_opportunities,
    stage_lookup,
    sum_or_nan,
    unavailable,
)
from crmlib.exceptions import ParamsError
from crmlib.scope import Scope

__all__ = ["FUNNEL_OUTCOMES", "BY_OPTIONS", "stage_table", "pipeline_snapshot", "ordered_funnel",
           "new_opportunities", "time_in_stage"]

FUNNEL_OUTCOMES = ("open", "won")  # stages of these outcomes make the ordered funnel


def stage_table(crm: CRM, *, probabilities: dict | None = None) -> pd.DataFrame:
    """Return the stages of every pipeline in order.

    Without a ``pipeline_stages`` table the stages are those the opportunities use, with
    ``stage_order`` and ``probability`` NaN (their order is unknown). ``probabilities`` maps a
    stage name to a probability that replaces the table's (a team's own assumptions).

    Parameters
    ----------
    crm : CRM
        The data.
    probabilities : dict, optional
        Stage name -> probability 0..1 replacing ``pipeline_stages``'.

    Returns
    -------
    pandas.DataFrame
        Columns ``pipeline``, ``stage``, ``stage_order``, ``probability`` (0..1, NaN when
        unknown) and ``outcome`` (derived from the stage name when ``pipeline_stages`` leaves it
        empty).

    Raises
    ------
    ParamsError
        ``probabilities`` names an unknown stage or lies outside 0..1.
    """
    if crm.has("pipeline_stages"):
        df = crm.table("pipeline_stages").execute()
    elif crm.has("opportunities"):
        o = crm.table("opportunities")
        df = (o.mutate(pipeline=o.pipeline.fill_null("default"))
              .select("pipeline", "stage", "outcome").distinct().execute())
        df["stage_order"], df["probability"] = np.nan, np.nan
    else:
        df = pd.DataFrame(columns=["pipeline", "stage", "stage_order", "probability",
                                   "outcome"])
    df = df[["pipeline", "stage", "stage_order", "probability", "outcome"]].copy()
    df["outcome"] = [o if isinstance(o, str) and o else stage_outcome(s)
                     for s, o in zip(df["stage"], df["outcome"], strict=True)]
    df["stage_order"] = df["stage_order"].astype("float64")
    df["probability"] = df["probability"].astype("float64")
    if probabilities:
        unknown = sorted(set(probabilities) - set(df["stage"]))
        if unknown:
            raise ParamsError(f"`probabilities` names unknown stage(s) {unknown}; stages are "
                              f"{sorted(df['stage'].unique())}.")
        bad = {k: v for k, v in probabilities.items() if not 0 <= float(v) <= 1}
        if bad:
            raise ParamsError(f"`probabilities` {bad} must lie between 0 and 1.")
        df["probability"] = [float(probabilities.get(s, p))
                             for s, p in zip(df["stage"], df["probability"], strict=True)]
    rank = df["outcome"].map({"open": 0, "won": 1, "lost": 2, "invalid": 3}).fillna(4)
    df = df.assign(_r=rank).sort_values(["pipeline", "stage_order", "_r", "stage"],
                                        na_position="last")
    return df.drop(columns="_r").reset_index(drop=True)


def _pick_pipeline(stages: pd.DataFrame, pipeline: str | None) -> pd.DataFrame:
    if pipeline is None:
        return stages
    if pipeline not in set(stages["pipeline"]):
        raise ParamsError(f"unknown pipeline `{pipeline}`; pipelines: "
                          f"{', '.join(sorted(stages['pipeline'].unique()))}.")
    return stages[stages["pipeline"] == pipeline]


# -- figures ---------------------------------------------------------------------------------
_SNAPSHOT_COLS = ["pipeline", "stage", "stage_order", "outcome", "count", "amount",
                  "missing_amount"]


def pipeline_snapshot(crm: CRM, *, period, as_of=None, scope: Scope | None = None,
                      pipeline: str | None = None) -> pd.DataFrame:
    """Open opportunities by stage as of ``as_of``, with the period's won and lost ones.

    - Open stages: opportunities open at the end of ``as_of`` (created by then, not closed by
      then; invalid ones excluded), in the stage they were in then (``stage_history`` when
      present, else the current stage; a deal closed after ``as_of`` without history is in
      stage ``None``, shown as unknown).
    - Won and lost stages: opportunities in that stage with ``closed_at`` in the period.

    ``as_of`` defaults to the data's last event date. Needs ``opportunities``.

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
    pipeline : str, optional
        Only this pipeline; default every pipeline.

    Returns
    -------
    pandas.DataFrame
        One row per stage of ``pipeline_stages`` (every pipeline, or only ``pipeline``), in
        stage order, empty stages included with 0: columns ``pipeline``, ``stage``,
        ``stage_order``, ``outcome``, ``count``, ``amount``, ``missing_amount`` (opportunities
        without an amount, counted but not summed).
    """
    if not crm.has("opportunities"):
        return unavailable(_SNAPSHOT_COLS, "opportunities")
    p = as_period(crm, period, as_of=as_of)
    as_of = report_day(crm, as_of)
    stages = _pick_pipeline(stage_table(crm), pipeline)
    stages = stages[stages["outcome"] != "invalid"]
    o = open_at(crm, as_of, scope)
    if pipeline is not None:
        o = o.filter(o._pipe == pipeline)
    open_agg = (o.group_by(pipeline="_pipe", stage="_stage_at")
                .aggregate(count=o.count(), **amount_aggs(o)).execute())
    c = scoped_opportunities(crm, scope)
    c = c.filter(c.outcome.isin(["won", "lost"]) & in_period(c.closed_at, p))
    if pipeline is not None:
        c = c.filter(c._pipe == pipeline)
    closed_agg = (c.group_by(pipeline="_pipe", stage="stage")
                  .aggregate(count=c.count(), **amount_aggs(c)).execute())
    agg = pd.concat([open_agg.assign(_open=True), closed_agg.assign(_open=False)])
    base = stages[["pipeline", "stage", "stage_order", "outcome"]].assign(
        _open=lambda d: d["outcome"] == "open")
    df = base.merge(agg, on=["pipeline", "stage", "_open"], how="outer")
    extra = df["outcome"].isna()  # stages the table does not know, or unknown (None)
    df.loc[extra, "outcome"] = np.where(df.loc[extra, "_open"], "open", [
        stage_outcome(s) for s in df.loc[extra, "stage"]])
    df["count"] = df["count"].fillna(0).astype("int64")
    df["missing_amount"] = df["missing_amount"].fillna(0).astype("int64")
    df["amount"] = sum_or_nan(df)
    df = df.sort_values(["pipeline", "stage_order", "stage"], na_position="last")
    return df[_SNAPSHOT_COLS].reset_index(drop=True)


_FUNNEL_COLS = ["pipeline", "stage", "stage_order", "reached", "stage_conversion",
                "cumulative_conversion"]


def ordered_funnel(crm: CRM, *, period, scope: Scope | None = None,
           pipeline: str | None = None) -> pd.DataFrame:
    """Count how many of the period's new opportunities reached each funnel stage, with conversions.

    An opportunity reached a stage when it entered that stage or a later one: its furthest
    funnel stage is the latest of its ``stage_history`` entries and its current stage. Without
    history (or for an opportunity without entries) the current stage implies all earlier
    stages; a lost one without history reached the first stage only. ``df.attrs["history"]``
    says whether ``stage_history`` was used. Needs ``opportunities`` and ``pipeline_stages``.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    pipeline : str, optional
        Only this pipeline; default every pipeline.

    Returns
    -------
    pandas.DataFrame
        One row per funnel stage (outcome open or won, in ``stage_order``) of each pipeline:
        ``reached`` = opportunities created in the period (invalid ones excluded) that reached
        the stage; ``stage_conversion`` = reached(next stage) / reached(this stage) (NaN for the
        last stage or when reached is 0); ``cumulative_conversion`` = reached(this) /
        reached(first).
    """
    if not crm.has("opportunities"):
        return unavailable(_FUNNEL_COLS, "opportunities")
    if not crm.has("pipeline_stages"):
        return unavailable(_FUNNEL_COLS, "pipeline_stages")
    p = as_period(crm, period)
    stages = _pick_pipeline(stage_table(crm), pipeline)
    stages = stages[stages["outcome"].isin(FUNNEL_OUTCOMES)]
    st = stage_lookup(stages)
    o = scoped_opportunities(crm, scope)
    o = o.filter(in_period(o.created_at, p))
    if pipeline is not None:
        o = o.filter(o._pipe == pipeline)
    history = crm.has("stage_history")
    j = furthest_stage(crm, o, st)
    agg = j.group_by(pipeline="_pipe", far="_far").aggregate(n=j.count()).execute()
    rows = []
    for pipe, sp in stages.groupby("pipeline", sort=True):
        sp = sp.sort_values("stage_order")
        a = agg[agg["pipeline"] == pipe]
        nowhere = int(a.loc[a["far"].isna(), "n"].sum())  # lost / unknown stage: first only
        reached = [int(a.loc[a["far"] >= order, "n"].sum()) for order in sp["stage_order"]]
        if reached:
            reached[0] += nowhere
        for i, (stage, order) in enumerate(zip(sp["stage"], sp["stage_order"], strict=True)):
            nxt = reached[i + 1] if i + 1 < len(reached) else math.nan
            rows.append({"pipeline": pipe, "stage": stage, "stage_order": order,
                         "reached": reached[i],
                         "stage_conversion": nxt / reached[i] if reached[i] else math.nan,
                         "cumulative_conversion": (reached[i] / reached[0] if reached[0]
                                                   else math.nan)})
    df = pd.DataFrame(rows, columns=_FUNNEL_COLS)
    df["reached"] = df["reached"].astype("int64")
    df.attrs["history"] = history
    return df


def new_opportunities(crm: CRM, *, period, scope: Scope | None = None) -> pd.DataFrame:
    """Return new opportunities per bucket of the period (empty buckets 0).

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
        Columns ``bucket`` (first day), ``count`` (opportunities created in the bucket, invalid
        ones included, as on the dashboard), ``amount`` (their amounts), ``missing_amount``
        (without an amount; not summed), ``invalid`` (of ``count``, now invalid). An opportunity
        without ``created_at`` is in no bucket. Needs ``opportunities``.
    """
    cols = ["bucket", "count", "amount", "missing_amount", "invalid"]
    if not crm.has("opportunities"):
        return unavailable(cols, "opportunities")
    p = as_period(crm, period)
    o = scoped_opportunities(crm, scope, invalid=True)
    o = o.filter(in_period(o.created_at, p))
    o = o.mutate(_key=bucket_expr(o.created_at, p))
    part = o.group_by("_key").aggregate(
        count=o.count(), **amount_aggs(o),
        invalid=count_if(o.outcome == "invalid")).execute()
    df = on_every_key(crm, "bucket", scope, p, [part], ("count", "missing_amount", "invalid"))
    df["amount"] = sum_or_nan(df)
    return df[cols]


_STAGE_TIME_COLS = ["pipeline", "stage", "stage_order", "count", "mean_days", "median_days"]


def time_in_stage(crm: CRM, *, period, scope: Scope | None = None,
                  pipeline: str | None = None) -> pd.DataFrame:
    """Measure the days opportunities spend in each open stage, from ``stage_history``.

    A stay in a stage runs from entering it to entering the next stage (the opportunity's next
    ``stage_history`` entry); stays that ended in the period count. Invalid opportunities
    excluded. Needs ``opportunities``, ``pipeline_stages`` and ``stage_history``.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    pipeline : str, optional
        Only this pipeline; default every pipeline.

    Returns
    -------
    pandas.DataFrame
        One row per open stage of each pipeline in order (``pipeline``, ``stage``,
        ``stage_order``): ``count`` (stays), ``mean_days``, ``median_days`` (fractional days; NaN when no stay ended).
    """
    for table in ("opportunities", "pipeline_stages", "stage_history"):
        if not crm.has(table):
            return unavailable(_STAGE_TIME_COLS, table)
    p = as_period(crm, period)
    stages = _pick_pipeline(stage_table(crm), pipeline)
    stages = stages[stages["outcome"] == "open"]
    o = scoped_opportunities(crm, scope).select(_oid="opportunity_id", _pipe="_pipe")
    h = crm.table("stage_history")
    w = ibis.window(group_by="opportunity_id", order_by="entered_at")
    h = h.mutate(_next=h.entered_at.lead().over(w))
    h = h.filter(in_period(h._next, p))
    h = h.inner_join(o, h.opportunity_id == o._oid)
    d = days_between(h._next, h.entered_at)
    agg = h.group_by(pipeline="_pipe", stage="stage").aggregate(
        count=h.count(), mean_days=d.mean(), median_days=d.median()).execute()
    df = stages[["pipeline", "stage", "stage_order"]].merge(agg, on=["pipeline", "stage"],
                                                            how="left")
    df["count"] = df["count"].fillna(0).astype("int64")
    return df[_STAGE_TIME_COLS].reset_index(drop=True)
