"""Forecast vs target: where this quarter and this year will land against the target.

Definitions (docs/metrics.md, "Funnel and opportunities" and "Targets"):

- **Forecast vs target** per span (this_quarter, this_year of ``as_of``): target = the
  ``contract_amount`` target as :func:`crmlib.metrics.pipeline_coverage` finds it; it counts only
  when above 0 and set for every month of the span (as in :mod:`crmlib.metrics.targets`), else
  gap and completions are NaN, never 0. Actual = effective contracts signed from the span's start
  to the end of ``as_of``. Expected remaining: ``pipeline`` = weighted open deals expected to
  close before the span ends (overdue included, undated not); ``statistical`` = forecast
  ``yhat`` over the rest of the span. Expected total = actual + remaining; gap = target - total;
  expected completion = total / target.
"""

from __future__ import annotations

import math
import warnings

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    effective,
    end_of,
    group_keys,
    open_weighted,
    report_day,
    scope_target,
    scope_target_months,
    unavailable,
    with_key,
)
from crmlib.exceptions import ParamsError
from crmlib.metrics.pipeline import stage_probabilities
from crmlib.period import resolve_period
from crmlib.scope import Scope

__all__ = ["FORECAST_SPANS", "forecast_vs_target"]

FORECAST_SPANS = ("this_quarter", "this_year")
_FVT_VALUES = ["basis", "target", "target_months", "months", "actual", "expected_remaining", "expected_total",
               "expected_gap", "completion", "expected_completion", "has_target"]



def _check_statistical(frame) -> pd.DataFrame | None:
    if frame is None:
        return None
    missing = [c for c in ("unique_id", "ds", "yhat") if c not in getattr(frame, "columns", [])]
    if missing:
        raise ParamsError(f"`statistical` lacks column(s) {missing}; pass the long forecast "
                          "frame of crmlib.forecast (unique_id, ds, yhat).")
    f = frame[["unique_id", "ds", "yhat"]].copy()
    f["ds"] = pd.to_datetime(f["ds"])
    f["unique_id"] = f["unique_id"].astype("object")
    dup = f[f.duplicated(["unique_id", "ds"])]
    if len(dup):
        raise ParamsError(f"`statistical` has {len(dup)} duplicate (unique_id, ds) rows, e.g. "
                          f"{dup.iloc[0]['unique_id']} {dup.iloc[0]['ds']:%Y-%m-%d}; pass one "
                          "model's forecast.")
    return f


def _remaining(stat: pd.DataFrame, uid, lo: pd.Timestamp, hi: pd.Timestamp) -> float:
    """Sum ``yhat`` over [lo, hi).

    Each row covers its month (``ds`` all first days of a
    month) or its week (7 days), pro-rated by the share of its days inside; NaN when the rows of
    ``uid`` do not cover every day.
    """
    need = (hi - lo).days
    if need <= 0:
        return 0.0
    rows = stat[stat["unique_id"] == uid]
    monthly = bool((stat["ds"].dt.day == 1).all())
    ends = rows["ds"] + (pd.offsets.MonthBegin(1) if monthly else pd.Timedelta(days=7))
    inside = (ends.clip(upper=hi) - rows["ds"].clip(lower=lo)).dt.days.clip(lower=0)
    if int(inside.sum()) < need:
        return math.nan
    return float((rows["yhat"] * inside / (ends - rows["ds"]).dt.days).sum())


def _groups(crm: CRM, scope: Scope, by) -> list[tuple]:
    """(team or None, the Scope whose target counts, the statistical unique_id) per row."""
    if by is None:
        return [(None, scope, scope.value if scope.kind != "company" else "total")]
    e = crm.table("employees").select("employee_id", "team").execute()
    out = []
    for team in group_keys(crm, "team", scope, None):
        members = set(e.loc[e["team"] == team, "employee_id"])
        ids = members if scope.employee_ids is None else members & set(scope.employee_ids)
        s = (Scope("team", team, tuple(sorted(members))) if ids == members
             else Scope("employee", scope.value, tuple(sorted(ids))))
        out.append((team, s, team))
    return out


def forecast_vs_target(crm: CRM, *, as_of=None, scope: Scope | None = None, by: str | None = "team",
                       statistical: pd.DataFrame | None = None, probabilities="configured",
                       partial_targets: bool = False) -> pd.DataFrame:
    """Project where this quarter and this year will land against the contract-amount target.

    ``statistical`` is a long frame ``unique_id`` (team id; for ``by=None`` the scope's team or
    employee id, or ``total`` for the company), ``ds``, ``yhat`` forecasting effective contract
    amounts (crmlib.forecast's output): expected remaining = sum of ``yhat`` over the days after
    ``as_of`` to the span's end, a month (or week) partly left counted by the share of its days
    left (as of 10-20, October counts 11/31 of its ``yhat``). When the frame does not cover
    those days the statistical figures are NaN, with a warning.

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    by : {"team", None}, default="team"
        ``team``: one row per team and span; None: one row per span for the scope.
    statistical : pandas.DataFrame, optional
        A long forecast frame (``unique_id``, ``ds``, ``yhat``); see above.
    probabilities : "configured", "learned" or dict, default="configured"
        Stage probabilities of the pipeline basis: ``configured`` (``pipeline_stages``'),
        ``learned`` (the realised win rates of :func:`crmlib.metrics.stage_calibration`) or a
        dict stage -> probability 0..1 (see
        :func:`crmlib.metrics.pipeline.stage_probabilities`).
    partial_targets : bool, default=False
        Count the targets set so far when some months have none.

    Returns
    -------
    pandas.DataFrame
        One row per (``span``, team when ``by="team"``, ``basis``): ``span`` (``this_quarter``,
        ``this_year``), ``start`` and ``last_day`` (its first and last days), ``team``,
        ``basis`` (``pipeline``; also ``statistical`` with a forecast frame), ``target`` (sum of
        the monthly targets set; NaN when none), ``target_months`` (months of the span with a
        target), ``months``, ``actual`` (to date), ``expected_remaining``, ``expected_total``,
        ``expected_gap``, ``completion`` = actual / target, ``expected_completion``,
        ``has_target``. Definitions in the module docstring of
        :mod:`crmlib.metrics.target_outlook`; amounts in the company currency. With
        ``partial_targets`` a span counts the targets set so far (months without one add 0, as
        Wukong does) instead of having no target.

    Raises
    ------
    ParamsError
        Unknown ``by``, a malformed ``statistical`` frame or bad probabilities.

    Examples
    --------
    >>> import crmlib
    >>> fvt = forecast_vs_target(crmlib.connect(), as_of="2026-10-31")
    >>> sorted(fvt["span"].unique())
    ['this_quarter', 'this_year']
    """
    if by not in (None, "team"):
        raise ParamsError(f"`by` {by!r} is not 'team' or None.")
    cols = ["span", "start", "last_day"] + (["team"] if by else []) + _FVT_VALUES
    if not crm.has("opportunities"):
        return unavailable(cols, "opportunities")
    stat = _check_statistical(statistical)
    scope = scope or Scope()
    as_of = report_day(crm, as_of)
    upto = end_of(as_of)
    stages, source = stage_probabilities(crm, probabilities, as_of=as_of, scope=scope)
    spans = {name: resolve_period(name, as_of=as_of) for name in FORECAST_SPANS}
    k = with_key(crm, scope.filter(effective(crm.table("contracts"))), by, None, None)
    j = with_key(crm, open_weighted(crm, as_of, scope, stages), by, None, None)
    act, pipe = {}, {}
    for name, p in spans.items():
        inside = (k.signed_at >= p.start.to_pydatetime()) & (k.signed_at < min(
            p.end, upto).to_pydatetime())
        act[name] = ibis.ifelse(inside, k.amount, ibis.null()).sum()
        pipe[name] = ibis.ifelse(j.expected_close_at < p.end.to_pydatetime(),
                                 j.amount * j._sprob, ibis.null()).sum()
    act = k.group_by("_key").aggregate(**act).execute().set_index("_key")
    pipe = j.group_by("_key").aggregate(**pipe).execute().set_index("_key")
    rows, uncovered, groups = [], [], _groups(crm, scope, by)
    for name, p in spans.items():
        for team, s, uid in groups:
            key = "all" if by is None else team
            target = scope_target(crm, s, p, "contract_amount")
            months = len(p.buckets())
            set_ = len(scope_target_months(crm, s, p, "contract_amount"))
            actual = float(np.nan_to_num(act[name].get(key, 0.0)))
            bases = {"pipeline": float(np.nan_to_num(pipe[name].get(key, 0.0)))}
            if stat is not None:
                bases["statistical"] = _remaining(stat, uid, max(upto, p.start), p.end)
                if math.isnan(bases["statistical"]):
                    uncovered.append(f"{uid} ({name})")
            has = (partial_targets or set_ == months) and target > 0
            for basis, remaining in bases.items():
                total = actual + remaining
                rows.append({"span": name, "start": p.start, "last_day": p.last_day,
                             "team": team, "basis": basis, "target": target,
                             "target_months": set_, "months": months, "actual": actual,
                             "expected_remaining": remaining, "expected_total": total,
                             "expected_gap": target - total if has else math.nan,
                             "completion": actual / target if has else math.nan,
                             "expected_completion": total / target if has else math.nan,
                             "has_target": has})
    if uncovered:
        warnings.warn(f"the statistical forecast does not cover the rest of the span for "
                      f"{', '.join(uncovered)}: those statistical figures are NaN.",
                      stacklevel=2)
    df = pd.DataFrame(rows, columns=cols)
    df.attrs.update(as_of=as_of, probabilities=source,
                    spans={n: str(p) for n, p in spans.items()})
    return df
