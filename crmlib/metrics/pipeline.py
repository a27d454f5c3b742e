"""Pipeline forecast (销售预测): the pipeline-weighted forecast by forecast category.

Stage calibration is in :mod:`crmlib.metrics.calibration`; forecast vs target for this quarter
and this year in :mod:`crmlib.metrics.target_outlook`.

Definitions (docs/metrics.md, "Funnel and opportunities" and "Targets"):

- **Open pipeline**: opportunities open at the end of ``as_of`` in the stage they were in then
  (as :func:`crmlib.metrics.expected_revenue`); invalid ones excluded; credit to ``owner_id``.
  Weighted = amount x stage probability. A missing amount is counted, never summed as 0.
- **Probabilities**: ``"configured"`` (``pipeline_stages``), ``"learned"`` (the realised win
  rates of :func:`stage_calibration` as of ``as_of`` for the same scope; a stage no closed deal
  reached keeps its configured one, with a warning) or a dict stage -> probability 0..1.
- **Categories** by stage probability p (:data:`FORECAST_CATEGORIES`; params
  ``pipeline_commit_probability``, ``pipeline_best_case_probability`` in percent): commit when
  p >= commit; best case when best_case <= p < commit; pipeline otherwise (no probability too).
  Totals: commit = commit amounts; best case = commit + best-case amounts; pipeline = all;
  weighted = sum of amount x p. Overdue: expected close month before ``as_of``'s month.
"""

from __future__ import annotations

import warnings

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    count_if,
    group_keys,
    is_available,
    missing_table_of,
    open_weighted,
    report_day,
    sum_or_nan,
    unavailable,
    with_defaults,
    with_key,
)
from crmlib.exceptions import ParamsError
from crmlib.metrics.calibration import stage_calibration
from crmlib.metrics.funnel import stage_table
from crmlib.scope import Scope

__all__ = ["FORECAST_CATEGORIES", "CATEGORIES", "categories_from_params", "stage_probabilities",
           "pipeline_forecast", "forecast_totals"]

# category -> lowest stage probability (0..1) that puts a deal in it; "pipeline" is the rest
FORECAST_CATEGORIES: dict[str, float] = {"commit": 0.7, "best_case": 0.4}
CATEGORIES = ("commit", "best_case", "pipeline")
_FC_AGGS = ["count", "amount", "weighted", "missing_amount", "missing_probability", "overdue",
            "no_close_date"]


def categories_from_params(params: dict) -> dict[str, float]:
    """Return the ``categories_config`` of a report's params.

    From the params keys ``pipeline_commit_probability`` and
    ``pipeline_best_case_probability`` (whole percent, e.g. 70) as probabilities 0..1.

    Parameters
    ----------
    params : dict
        A report's parameters.

    Returns
    -------
    dict of str to float
        ``commit`` / ``best_case`` probabilities for the keys that are set.
    """
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


def stage_probabilities(crm: CRM, probabilities, *, as_of, scope) -> tuple[pd.DataFrame, str]:
    """Return the stage table with the probabilities to weight by, and where they come from.

    Parameters
    ----------
    crm : CRM
        The data.
    probabilities : "configured", "learned", dict or None
        ``configured`` (or None): ``pipeline_stages``'; ``learned``: the realised win rates of
        :func:`crmlib.metrics.stage_calibration` as of ``as_of`` (a stage no closed deal reached
        keeps its configured one, with a warning); a dict: stage -> probability 0..1.
    as_of : pandas.Timestamp
        The report day (for ``learned``).
    scope : Scope
        Whose deals teach the learned probabilities.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The :func:`crmlib.metrics.stage_table` with its ``probability`` column, and the source:
        ``configured``, ``custom`` or ``learned``.

    Raises
    ------
    ParamsError
        ``probabilities`` is none of those.
    """
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
    """Return the open pipeline by expected close month (or team) and forecast category.

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        Default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    by : {"month", "team"}, default="month"
        ``month``: rows per expected close month; ``team``: per owner's team.
    probabilities : "configured", "learned" or dict, default="configured"
        ``configured``: ``pipeline_stages``' probabilities; ``learned``: the realised win rates
        of :func:`crmlib.metrics.stage_calibration` as of ``as_of``; a dict: stage ->
        probability 0..1 (see :func:`stage_probabilities`).
    categories_config : dict, optional
        Overrides :data:`FORECAST_CATEGORIES` (``commit``, ``best_case``: probabilities 0..1;
        see :func:`categories_from_params`).

    Returns
    -------
    pandas.DataFrame
        One row per (``month`` or ``team``, ``category``): every category (``commit``,
        ``best_case``, ``pipeline``) of every month that has an open deal, or of every team of
        the scope, empty ones with 0. Columns: ``month`` (first day of the ``expected_close_at``
        month; NaT for deals without one, last) or ``team`` (the owner's ``employees.team``),
        ``category``, ``count``, ``amount`` (sum of known amounts; NaN when every deal of the
        row lacks one), ``weighted`` (sum of amount x stage probability), ``missing_amount``
        (deals without an amount: counted, not summed), ``missing_probability`` (deals with an
        amount whose stage has no probability: not in ``weighted``), ``overdue`` (deals expected
        to close before ``as_of``'s month), ``no_close_date`` (deals without
        ``expected_close_at``). Amounts in the company currency. :func:`forecast_totals` gives
        the commit / best case / pipeline totals.

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
    stages, source = stage_probabilities(crm, probabilities, as_of=as_of, scope=scope)
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
    """Return the totals sales teams quote, from a :func:`pipeline_forecast` frame.

    An amount is NaN only when every deal it covers lacks one.

    Parameters
    ----------
    forecast : pandas.DataFrame
        A :func:`pipeline_forecast` frame.

    Returns
    -------
    pandas.DataFrame
        One row: ``count`` (open deals), ``commit`` (amount of commit deals), ``best_case``
        (commit + best-case amounts), ``pipeline`` (all open amounts), ``weighted`` (amount x
        probability), ``missing_amount``, ``missing_probability``, ``overdue``,
        ``no_close_date`` (deal counts).
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
