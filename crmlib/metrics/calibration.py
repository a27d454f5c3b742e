"""Stage calibration: configured vs learned win probability of every open stage.

Definitions (docs/metrics.md, "Funnel and opportunities"):

- **Calibration**: a deal reached a stage when it entered it or a later funnel stage (a skipped
  stage counts as reached): the latest of its ``stage_history`` entries by ``as_of`` and its
  stage known then (closing stage when closed, else its stage then); without history the current
  stage implies the earlier ones and a lost deal reached the first stage only, as in
  :func:`crmlib.metrics.ordered_funnel`. Learned = won / (won + lost) among those closed by
  ``as_of`` (a closed deal without ``closed_at`` counts as closed), with Wilson's interval.
"""

from __future__ import annotations

from statistics import NormalDist

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    count_if,
    end_of,
    furthest_stage,
    in_period,
    open_at,
    ratio,
    report_day,
    scoped_opportunities,
    stage_lookup,
    unavailable,
)
from crmlib.exceptions import ParamsError
from crmlib.metrics.funnel import FUNNEL_OUTCOMES, stage_table
from crmlib.scope import Scope

__all__ = ["stage_calibration"]

_CAL_COLS = ["pipeline", "stage", "stage_order", "configured", "reached", "closed", "won",
             "lost", "learned", "ci_low", "ci_high", "difference"]


def _wilson(won: pd.Series, n: pd.Series, confidence: float) -> tuple[pd.Series, pd.Series]:
    """Wilson score interval of won / n (NaN when n is 0)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    n = n.astype("float64").where(n > 0)
    p = won / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (centre - half).clip(lower=0.0), (centre + half).clip(upper=1.0)


def _union_cols(t, known, state) -> list:  # one schema for both sides (nullability included)
    cols = {"opportunity_id": t.opportunity_id, "_pipe": t._pipe, "_known": known,
            "_state": state}
    return [v.cast("string").name(k) for k, v in cols.items()] + [t.created_at]


def stage_calibration(crm: CRM, *, as_of=None, period=None, scope: Scope | None = None,
                      probabilities: dict | None = None,
                      confidence: float = 0.95) -> pd.DataFrame:
    """Return configured vs learned win probability of every open stage: a calibration table.

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        Deals closed by the end of this day count; default the data's last event date.
    period : str, (start, end) or Period, optional
        Only opportunities created in it (a preset is resolved against ``as_of``).
    scope : Scope, optional
        Whose opportunities (by ``owner_id``); default the whole company.
    probabilities : dict, optional
        Stage name -> configured probability replacing ``pipeline_stages``'.
    confidence : float, default=0.95
        Level of the Wilson interval.

    Returns
    -------
    pandas.DataFrame
        One row per open stage of each pipeline, in stage order: ``pipeline``, ``stage``,
        ``stage_order``, ``configured`` (``pipeline_stages.probability``, or ``probabilities``'
        override; 0..1), ``reached`` (opportunities created by ``as_of``, or in ``period``, that
        reached the stage by then; invalid ones excluded), ``closed`` (of those, won or lost by
        ``as_of``), ``won``, ``lost``, ``learned`` = won / closed (NaN when none closed),
        ``ci_low`` / ``ci_high`` (Wilson interval at ``confidence``), ``difference`` = learned -
        configured. "Reached" is defined in the module docstring of
        :mod:`crmlib.metrics.calibration`. Counted in the engine.

    Raises
    ------
    ParamsError
        Bad ``probabilities``, ``confidence`` or period.

    Examples
    --------
    >>> import crmlib
    >>> cal = stage_calibration(crmlib.connect(), as_of="2026-10-31")
    >>> list(cal["stage"])
    ['qualify', 'needs_analysis', 'proposal', 'negotiation']
    """
    for table in ("opportunities", "pipeline_stages"):
        if not crm.has(table):
            return unavailable(_CAL_COLS, table)
    if not 0 < confidence < 1:
        raise ParamsError(f"`confidence` {confidence!r} must lie strictly between 0 and 1 "
                          "(e.g. 0.95).")
    as_of = report_day(crm, as_of)
    end = end_of(as_of).to_pydatetime()
    stages = stage_table(crm, probabilities=probabilities)
    funnel = stages[stages["outcome"].isin(FUNNEL_OUTCOMES)]
    open_ = funnel[funnel["outcome"] == "open"].copy()
    o = scoped_opportunities(crm, scope)
    done = o.filter((o.created_at.isnull() | (o.created_at < end))
                    & o.outcome.isin(["won", "lost"])
                    & (o.closed_at.isnull() | (o.closed_at < end)))
    live = open_at(crm, as_of, scope)
    deals = done.select(*_union_cols(done, done.stage, done.outcome)).union(
        live.select(*_union_cols(live, live._stage_at, ibis.literal("open"))))
    if period is not None:
        deals = deals.filter(in_period(deals.created_at, as_period(crm, period, as_of=as_of)))
    far = furthest_stage(crm, deals, stage_lookup(funnel), stage="_known", before=end,
                    keep=("_state",))
    open_["_first"] = open_.groupby("pipeline")["stage_order"].transform("min")
    sto = ibis.memtable(open_[["pipeline", "stage", "stage_order", "_first"]].rename(columns={
        "pipeline": "_cp", "stage": "_cs", "stage_order": "_co", "_first": "_cf"}),
        schema={"_cp": "string", "_cs": "string", "_co": "float64", "_cf": "float64"})
    j = far.inner_join(sto, far._pipe == sto._cp)
    j = j.filter((j._far >= j._co) | (j._far.isnull() & (j._co == j._cf)))
    agg = j.group_by(pipeline=j._cp, stage=j._cs).aggregate(
        reached=j.count(), closed=count_if(j._state != "open"),
        won=count_if(j._state == "won")).execute()
    df = open_[["pipeline", "stage", "stage_order", "probability"]].rename(
        columns={"probability": "configured"}).merge(agg, on=["pipeline", "stage"], how="left")
    for c in ("reached", "closed", "won"):
        df[c] = df[c].fillna(0).astype("int64")
    df["lost"] = df["closed"] - df["won"]
    df["learned"] = ratio(df["won"], df["closed"]).to_numpy()
    df["ci_low"], df["ci_high"] = _wilson(df["won"], df["closed"], confidence)
    df["difference"] = df["learned"] - df["configured"]
    df = df[_CAL_COLS].reset_index(drop=True)
    df.attrs.update(as_of=as_of, confidence=confidence, history=crm.has("stage_history"),
                    period=None if period is None else str(as_period(crm, period,
                                                                     as_of=as_of)))
    return df
