"""Pipeline forecast (销售预测): stage-probability calibration, the pipeline-weighted forecast by
forecast category, and forecast vs target for this quarter and this year.

Definitions (docs/metrics.md, "Funnel and opportunities" and "Targets"):

- **Open pipeline**: opportunities open at the end of ``as_of`` in the stage they were in then
  (as :func:`crmlib.metrics.expected_revenue`); invalid ones excluded; credit to ``owner_id``.
  Weighted = amount x stage probability. A missing amount is counted, never summed as 0.
- **Probabilities**: ``"configured"`` (``pipeline_stages``), ``"learned"`` (the realised win
  rates of :func:`stage_calibration` as of ``as_of`` for the same scope; a stage no closed deal
  reached keeps its configured one, with a warning) or a dict stage -> probability 0..1.
- **Calibration**: a deal reached a stage when it entered it or a later funnel stage (a skipped
  stage counts as reached): the latest of its ``stage_history`` entries by ``as_of`` and its
  stage known then (closing stage when closed, else its stage then); without history the current
  stage implies the earlier ones and a lost deal reached the first stage only, as in
  :func:`crmlib.metrics.ordered_funnel`. Learned = won / (won + lost) among those closed by
  ``as_of`` (a closed deal without ``closed_at`` counts as closed), with Wilson's interval.
- **Categories** by stage probability p (:data:`FORECAST_CATEGORIES`; params
  ``pipeline_commit_probability``, ``pipeline_best_case_probability`` in percent): commit when
  p >= commit; best case when best_case <= p < commit; pipeline otherwise (no probability too).
  Totals: commit = commit amounts; best case = commit + best-case amounts; pipeline = all;
  weighted = sum of amount x p. Overdue: expected close month before ``as_of``'s month.
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
from statistics import NormalDist

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    count_if,
    effective,
    end_of,
    furthest_stage,
    group_keys,
    in_period,
    is_available,
    missing_table_of,
    open_at,
    open_weighted,
    ratio,
    report_day,
    scope_target,
    scope_target_months,
    scoped_opportunities,
    stage_lookup,
    sum_or_nan,
    unavailable,
    with_defaults,
    with_key,
)
from crmlib.exceptions import ParamsError
from crmlib.metrics.funnel import FUNNEL_OUTCOMES, stage_table
from crmlib.period import resolve_period
from crmlib.scope import Scope

__all__ = ["FORECAST_CATEGORIES", "CATEGORIES", "FORECAST_SPANS", "categories_from_params",
           "stage_calibration", "pipeline_forecast", "forecast_totals", "forecast_vs_target"]

# category -> lowest stage probability (0..1) that puts a deal in it; "pipeline" is the rest
FORECAST_CATEGORIES: dict[str, float] = {"commit": 0.7, "best_case": 0.4}
CATEGORIES = ("commit", "best_case", "pipeline")
FORECAST_SPANS = ("this_quarter", "this_year")
_CAL_COLS = ["pipeline", "stage", "stage_order", "configured", "reached", "closed", "won",
             "lost", "learned", "ci_low", "ci_high", "difference"]
_FC_AGGS = ["count", "amount", "weighted", "missing_amount", "missing_probability", "overdue",
            "no_close_date"]
_FVT_VALUES = ["basis", "target", "target_months", "months", "actual", "expected_remaining", "expected_total",
               "expected_gap", "completion", "expected_completion", "has_target"]


def categories_from_params(params: dict) -> dict[str, float]:
    """The ``categories_config`` of the params keys ``pipeline_commit_probability`` and
    ``pipeline_best_case_probability`` (whole percent, e.g. 70) as probabilities 0..1."""
    keys = {"commit": "pipeline_commit_probability",
            "best_case": "pipeline_best_case_probability"}
    return {c: params[k] / 100 for c, k in keys.items() if params.get(k) is not None}


def _categories(config: dict | None) -> dict[str, float]:
    cats = with_defaults(FORECAST_CATEGORIES, config, "categories_config")
    bad = {k: v for k, v in cats.items()
           if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1}
    if bad:
        raise ParamsError(f"forecast category thresholds {bad} must be probabilities between 0 "
                          "and 1 (params in percent go through categories_from_params).")
    if cats["best_case"] > cats["commit"]:
        raise ParamsError(f"the best-case threshold {cats['best_case']} is above the commit "
                          f"threshold {cats['commit']}; best case must be the lower one.")
    return {k: float(v) for k, v in cats.items()}


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
    """Configured vs learned win probability of every open stage: a calibration table.

    One row per open stage of each pipeline, in stage order: ``pipeline``, ``stage``,
    ``stage_order``, ``configured`` (``pipeline_stages.probability``, or ``probabilities``'
    override; 0..1), ``reached`` (opportunities created by ``as_of``, or in ``period``, that
    reached the stage by then; invalid ones excluded), ``closed`` (of those, won or lost by
    ``as_of``), ``won``, ``lost``, ``learned`` = won / closed (NaN when none closed),
    ``ci_low`` / ``ci_high`` (Wilson interval at ``confidence``), ``difference`` = learned -
    configured. "Reached" is defined in the module docstring. Counted in the engine.

    Parameters
    ----------
    crm : CRM
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


def _stage_probabilities(crm: CRM, probabilities, *, as_of, scope) -> tuple[pd.DataFrame, str]:
    """The stage table with the probabilities to weight by, and where they come from."""
    if probabilities is None or probabilities == "configured":
        return stage_table(crm), "configured"
    if isinstance(probabilities, dict):
        return stage_table(crm, probabilities=probabilities), "custom"
    if probabilities != "learned":
        raise ParamsError(f"`probabilities` {probabilities!r} is not 'configured', 'learned' or "
                          "a dict of stage -> probability.")
    stages = stage_table(crm)
    cal = stage_calibration(crm, as_of=as_of, scope=scope)
    learned = cal.set_index(["pipeline", "stage"])["learned"].reindex(
        pd.MultiIndex.from_frame(stages[["pipeline", "stage"]])).to_numpy(dtype="float64")
    is_open = (stages["outcome"] == "open").to_numpy()
    gap = is_open & np.isnan(learned)
    if gap.any():
        warnings.warn(f"no closed deal reached stage(s) {list(stages.loc[gap, 'stage'])} by "
                      f"{as_of:%Y-%m-%d}: their configured probability is used instead of a "
                      "learned one.", stacklevel=3)
    use = is_open & ~gap
    stages.loc[use, "probability"] = learned[use]
    return stages, "learned"


def pipeline_forecast(crm: CRM, *, as_of=None, scope: Scope | None = None, by: str = "month",
                      probabilities="configured",
                      categories_config: dict | None = None) -> pd.DataFrame:
    """The open pipeline by expected close month (or team) and forecast category.

    One row per (``month`` or ``team``, ``category``): every category (``commit``,
    ``best_case``, ``pipeline``) of every month that has an open deal, or of every team of the
    scope, empty ones with 0. Columns: ``month`` (first day of the ``expected_close_at`` month;
    NaT for deals without one, last) or ``team`` (the owner's ``employees.team``), ``category``,
    ``count``, ``amount`` (sum of known amounts; NaN when every deal of the row lacks one),
    ``weighted`` (sum of amount x stage probability), ``missing_amount`` (deals without an
    amount: counted, not summed), ``missing_probability`` (deals with an amount whose stage has
    no probability: not in ``weighted``), ``overdue`` (deals expected to close before
    ``as_of``'s month), ``no_close_date`` (deals without ``expected_close_at``). Amounts in the
    company currency. :func:`forecast_totals` gives the commit / best case / pipeline totals.

    Parameters
    ----------
    crm : CRM
    as_of : date-like, optional
        Default the data's last event date.
    scope : Scope, optional
    by : {"month", "team"}, default="month"
    probabilities : "configured", "learned" or dict, default="configured"
    categories_config : dict, optional
        Overrides :data:`FORECAST_CATEGORIES` (``commit``, ``best_case``: probabilities 0..1;
        see :func:`categories_from_params`).

    Raises
    ------
    ParamsError
        Unknown ``by``, bad probabilities or thresholds.

    Examples
    --------
    >>> import crmlib
    >>> fc = pipeline_forecast(crmlib.connect(), as_of="2026-10-31")
    >>> list(fc.columns[:5])
    ['month', 'category', 'count', 'amount', 'weighted']
    """
    if by not in ("month", "team"):
        raise ParamsError(f"`by` {by!r} is not 'month' or 'team'.")
    cats = _categories(categories_config)
    cols = [by, "category", *_FC_AGGS]
    if not crm.has("opportunities"):
        return unavailable(cols, "opportunities")
    scope = scope or Scope()
    as_of = report_day(crm, as_of)
    stages, source = _stage_probabilities(crm, probabilities, as_of=as_of, scope=scope)
    j = open_weighted(crm, as_of, scope, stages)
    j = j.mutate(_cat=ibis.cases((j._sprob >= cats["commit"], "commit"),
                                 (j._sprob >= cats["best_case"], "best_case"),
                                 else_="pipeline"))
    j = with_key(crm, j, "team", None, None) if by == "team" else j.mutate(_key=j._month)
    month = as_of.to_period("M").to_timestamp().to_pydatetime()
    agg = j.group_by("_key", "_cat").aggregate(
        count=j.count(), amount=j.amount.sum(), weighted=(j.amount * j._sprob).sum(),
        missing_amount=count_if(j.amount.isnull()),
        missing_probability=count_if(j.amount.notnull() & j._sprob.isnull()),
        overdue=count_if(j.expected_close_at < month),
        no_close_date=count_if(j.expected_close_at.isnull())).execute()
    if by == "month":
        agg["_key"] = pd.to_datetime(agg["_key"])
        keys = pd.Series(sorted(agg["_key"].dropna().unique()), dtype="datetime64[ns]")
        if agg["_key"].isna().any():
            keys = pd.concat([keys, pd.Series([pd.NaT])], ignore_index=True)
    else:
        keys = group_keys(crm, "team", scope, None)
        if agg["_key"].isna().any():
            keys = pd.concat([keys, pd.Series([None], dtype="object")], ignore_index=True)
    grid = pd.MultiIndex.from_product([keys, CATEGORIES], names=["_key", "_cat"]).to_frame(
        index=False)
    df = grid.merge(agg, on=["_key", "_cat"], how="left")
    for c in _FC_AGGS:
        if c not in ("amount", "weighted"):
            df[c] = df[c].fillna(0).astype("int64")
    df["weighted"] = df["weighted"].astype("float64").fillna(0.0)
    df["amount"] = sum_or_nan(df)
    df = df.rename(columns={"_key": by, "_cat": "category"})[cols]
    df.attrs.update(as_of=as_of, probabilities=source, categories=cats, by=by)
    return df


def forecast_totals(forecast: pd.DataFrame) -> pd.DataFrame:
    """The totals sales teams quote, from a :func:`pipeline_forecast` frame (one row).

    ``count`` (open deals), ``commit`` (amount of commit deals), ``best_case`` (commit +
    best-case amounts), ``pipeline`` (all open amounts), ``weighted`` (amount x probability),
    ``missing_amount``, ``missing_probability``, ``overdue``, ``no_close_date`` (deal counts).
    An amount is NaN only when every deal it covers lacks one.
    """
    cols = ["count", "commit", "best_case", "pipeline", "weighted", "missing_amount",
            "missing_probability", "overdue", "no_close_date"]
    if not is_available(forecast):
        return unavailable(cols, missing_table_of(forecast))
    f = forecast.assign(amount=forecast["amount"].fillna(0.0))
    row = f[[c for c in cols if c in f]].sum().to_dict()
    for i, name in enumerate(CATEGORIES):  # commit, + best case, + pipeline
        part = f[f["category"].isin(CATEGORIES[:i + 1])][["amount", "count", "missing_amount"]]
        row[name] = float(sum_or_nan(part.sum().to_frame().T).iloc[0])
    return pd.DataFrame([row], columns=cols).astype({c: "int64" for c in cols[5:] + ["count"]})


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
    """Sum of ``yhat`` over [lo, hi): each row covers its month (``ds`` all first days of a
    month) or its week (7 days), pro-rated by the share of its days inside; NaN when the rows of
    ``uid`` do not cover every day."""
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
    """Where this quarter and this year will land against the contract-amount target.

    One row per (``span``, team when ``by="team"``, ``basis``): ``span`` (``this_quarter``,
    ``this_year``), ``start`` and ``last_day`` (its first and last days), ``team``, ``basis``
    (``pipeline``; also ``statistical`` with a forecast frame), ``target`` (sum of the monthly
    targets set; NaN when none), ``target_months`` (months of the span with a target),
    ``months``, ``actual`` (to date), ``expected_remaining``, ``expected_total``,
    ``expected_gap``, ``completion`` = actual / target, ``expected_completion``, ``has_target``.
    Definitions in the module docstring; amounts in the company currency. With
    ``partial_targets`` a span counts the targets set so far (months without one add 0, as
    Wukong does) instead of having no target.

    ``statistical`` is a long frame ``unique_id`` (team id; for ``by=None`` the scope's team or
    employee id, or ``total`` for the company), ``ds``, ``yhat`` forecasting effective contract
    amounts (crmlib.forecast's output): expected remaining = sum of ``yhat`` over the days after
    ``as_of`` to the span's end, a month (or week) partly left counted by the share of its days
    left (as of 10-20, October counts 11/31 of its ``yhat``). When the frame does not cover
    those days the statistical figures are NaN, with a warning.

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
    stages, source = _stage_probabilities(crm, probabilities, as_of=as_of, scope=scope)
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
