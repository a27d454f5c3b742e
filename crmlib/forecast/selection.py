"""The model per series by its back-test error, and the future forecast by that model.

Definitions (docs/metrics.md):

- **Choice.** Per series, the model with the lowest error (``mase`` by default); ties go to the
  simpler model (the order of :data:`~crmlib.forecast.options.MODEL_NAMES`). When every model's
  error is NaN for a series, MAE decides; with no back-test at all, seasonal naive.
- **Forecast.** The chosen model refitted on the whole series, ``horizon`` periods ahead.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd

from crmlib.exceptions import ParamsError
from crmlib.forecast.accuracy import ERROR_METRICS
from crmlib.forecast.backtest import BACKTEST_DEFAULTS, backtest
from crmlib.forecast.models import run_model
from crmlib.forecast.options import (
    MODEL_NAMES,
    check_levels,
    check_model,
    check_models,
    check_positive,
    check_series,
    merged_config,
    warn_fallbacks,
)
from crmlib.forecast.series import SEASON_LENGTH, future_dates, season_position

__all__ = ["choose_model", "forecast"]


def _order(model: str) -> int:
    return MODEL_NAMES.index(model) if model in MODEL_NAMES else len(MODEL_NAMES)


def choose_model(errors: pd.DataFrame, *, metric: str = "mase") -> pd.DataFrame:
    """Return the model with the lowest back-test error per series, beside the seasonal naive one.

    Parameters
    ----------
    errors : pandas.DataFrame
        From :func:`backtest`.
    metric : {"mase", "mae", "rmse", "mape", "smape"}, default="mase"
        The error that decides.

    Returns
    -------
    pandas.DataFrame
        One row per series: ``unique_id``, ``model`` (chosen), ``metric`` (the one that decided:
        ``metric``, or ``mae`` when every model's ``metric`` is NaN), ``error`` (the chosen
        model's), ``seasonal_naive_error`` (the baseline's, same metric; NaN when it was not
        back-tested), ``windows`` and the chosen model's ``coverage_<level>``.

    Raises
    ------
    ParamsError
        Unknown metric.
    """
    if metric not in ERROR_METRICS:
        raise ParamsError(f"`metric` {metric!r} is not one of {', '.join(ERROR_METRICS)}.")
    cov = [c for c in errors.columns if c.startswith("coverage_")]
    rows = []
    for uid, g in errors.groupby("unique_id", sort=True):
        g = g.iloc[np.argsort([_order(x) for x in g["model"]], kind="stable")]
        used = metric if g[metric].notna().any() or metric == "mae" else "mae"
        base = g.loc[g["model"] == "seasonal_naive", used]
        if g[used].notna().any():
            best = g.loc[g[used].idxmin()]
        else:
            sn = g[g["model"] == "seasonal_naive"]
            best = (sn if len(sn) else g).iloc[0]
        rows.append({"unique_id": uid, "model": best["model"], "metric": used,
                     "error": best[used],
                     "seasonal_naive_error": base.iloc[0] if len(base) else math.nan,
                     "windows": int(best["windows"]), **{c: best[c] for c in cov}})
    return pd.DataFrame(rows, columns=["unique_id", "model", "metric", "error",
                                       "seasonal_naive_error", "windows", *cov])


def forecast(series: pd.DataFrame, *, horizon: int, model: str = "auto", errors=None,
             windows: int | None = None, step: int | None = None,
             season_length: int | None = None, models=None, levels=(80, 95),
             freq: str | None = None, metric: str = "mase", progress: bool | None = None,
             model_config: dict | None = None) -> pd.DataFrame:
    """Return the future forecast of every series with intervals, by the model chosen per series.

    Parameters
    ----------
    series : pandas.DataFrame
        Long series ``unique_id``, ``ds``, ``y``.
    horizon : int
        Periods to forecast after each series' last period.
    model : str, default="auto"
        ``auto``: per series, the model :func:`choose_model` picks from ``errors`` (a
        :func:`backtest` of these series), or from a back-test run here with ``windows``
        (default 6), ``step``, ``models`` and ``horizon``. A model name: that model for all.
    errors, windows, step, models, metric
        For ``auto`` (see above and :func:`backtest`).
    season_length, levels, freq, progress, model_config
        As in :func:`backtest`.

    Returns
    -------
    pandas.DataFrame
        ``horizon`` rows per series: ``unique_id``, ``model`` (the one used), ``ds`` (the
        periods after the last one), ``step`` (1..horizon), ``yhat``, ``lo_<level>``,
        ``hi_<level>`` (units of ``y``). ``attrs``: ``horizon``, ``levels``, ``freq``,
        ``season_length``, ``chosen`` (series -> model) and the series' ``as_of`` if known.

    Raises
    ------
    ParamsError
        As :func:`backtest`; ``errors`` that lack one of the series.

    Examples
    --------
    >>> import crmlib
    >>> from crmlib.forecast import sales_series
    >>> s = sales_series(crmlib.connect())
    >>> f = forecast(s, horizon=2, model="seasonal_naive")
    >>> list(f.columns)
    ['unique_id', 'model', 'ds', 'step', 'yhat', 'lo_80', 'hi_80', 'lo_95', 'hi_95']
    """
    h = check_positive("horizon", horizon)
    levels = check_levels(levels)
    cfg = merged_config(model_config)
    groups, freq = check_series(series, freq)
    m = check_positive("season_length", season_length if season_length is not None
                       else SEASON_LENGTH[freq])
    custom = {k: v for k, v in check_models(models).items() if v is not None} if models else {}
    if model == "auto":
        if errors is None:
            errors = backtest(series, horizon=h, windows=windows or BACKTEST_DEFAULTS["windows"],
                              step=step, season_length=m, models=models, levels=levels,
                              freq=freq, progress=progress, model_config=model_config)
        chosen = dict(zip(*choose_model(errors, metric=metric)[["unique_id", "model"]].T.values,
                          strict=True))
        missing = sorted(set(groups) - set(chosen))
        if missing:
            raise ParamsError(f"`errors` has no back-test of series {missing[:8]}; back-test "
                              "the same series you forecast.")
    else:
        if model not in custom:
            check_model(model)
        chosen = dict.fromkeys(groups, model)
    bounds = [f"{side}_{lv:g}" for lv in levels for side in ("lo", "hi")]
    parts, fallbacks = [], defaultdict(list)
    for uid, g in groups.items():
        name = chosen[uid]
        y, ds = g["y"].to_numpy(dtype="float64"), pd.DatetimeIndex(g["ds"])
        if name in custom:
            frame = custom[name](g[["ds", "y"]].reset_index(drop=True), horizon=h,
                                 season_length=m, levels=levels, freq=freq)
            out, notes = {k: np.asarray(frame[k], dtype="float64") for k in
                          ["yhat", *bounds]}, list(frame.attrs.get("notes", []))
        else:
            out, notes = run_model(name, y, h, m, levels, cfg, season_position(ds[0], freq, m))
        if notes:
            fallbacks[name].append((uid, notes[0]))
        parts.append(pd.DataFrame({"unique_id": uid, "model": name,
                                   "ds": future_dates(ds[-1], freq, h),
                                   "step": np.arange(1, h + 1), **{k: out[k] for k in
                                                                   ["yhat", *bounds]}}))
    warn_fallbacks(fallbacks, len(groups), 2)
    cols = ["unique_id", "model", "ds", "step", "yhat", *bounds]
    out = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    out.attrs.update(horizon=h, levels=levels, freq=freq, season_length=m, chosen=chosen,
                     as_of=series.attrs.get("as_of"))
    return out
