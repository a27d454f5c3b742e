"""Rolling-origin back-tests: every model on every series, scored on the periods it did not see.

Definitions (docs/metrics.md):

- **Rolling origin.** A series of ``n`` periods gets ``windows`` cut-offs ``step`` periods apart,
  the last one ``horizon`` periods before the end (so the last window's test ends with the last
  period). Each window trains on every period up to and including its cut-off, nothing after,
  and predicts the next ``horizon`` periods, which are compared with the actuals. A cut-off
  that would leave no training period is dropped (with a warning): a short series gets fewer
  windows, a series of ``horizon`` periods or fewer gets none (NaN errors).
- **Errors** per model and series: see :mod:`crmlib.forecast.accuracy`.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections import defaultdict

import numpy as np
import pandas as pd

from crmlib.forecast.accuracy import mase_scale, score
from crmlib.forecast.models import run_model
from crmlib.forecast.options import (
    check_levels,
    check_models,
    check_positive,
    check_series,
    merged_config,
    warn_fallbacks,
)
from crmlib.forecast.series import SEASON_LENGTH, season_position

__all__ = ["BACKTEST_DEFAULTS", "cutoff_positions", "backtest"]

log = logging.getLogger(__name__)

BACKTEST_DEFAULTS = {"windows": 6, "step": 1}


def cutoff_positions(n: int, *, horizon: int, windows: int, step: int = 1) -> list[int]:
    """Return the positions (0-based) of the last training period of each window, oldest first.

    Cut-offs that would leave no training period are dropped.

    Parameters
    ----------
    n : int
        Periods in the series.
    horizon : int
        Periods predicted from each cut-off.
    windows : int
        Cut-offs wanted.
    step : int, default=1
        Periods between cut-offs.

    Returns
    -------
    list of int
        At most ``windows`` positions, the last ``horizon`` periods before the end.

    Examples
    --------
    >>> cutoff_positions(10, horizon=3, windows=3, step=2)
    [2, 4, 6]
    """
    last = n - horizon - 1
    return [c for c in (last - (windows - 1 - j) * step for j in range(windows)) if c >= 0]


def backtest(series: pd.DataFrame, *, horizon: int, windows: int, step: int | None = None,
             season_length: int | None = None, models=None, levels=(80, 95),
             freq: str | None = None, progress: bool | None = None,
             model_config: dict | None = None, return_predictions: bool = False):
    r"""Back-test every model on every series on rolling origins; errors per model and series.

    Parameters
    ----------
    series : pandas.DataFrame
        Long series ``unique_id``, ``ds``, ``y`` (:func:`~crmlib.forecast.sales_series`).
    horizon : int
        Periods predicted from each cut-off.
    windows : int
        Number of cut-offs (rolling origins).
    step : int, optional
        Periods between cut-offs; default 1.
    season_length : int, optional
        Season of the models and of the MASE scale; default 12 monthly, 52 weekly.
    models : list of str or dict, optional
        Names of :data:`~crmlib.forecast.options.MODEL_NAMES` (default: all), or a dict of name
        -> callable with the models' interface (``train`` frame of ``ds``, ``y``; keyword
        ``horizon``, ``season_length``, ``levels``, ``freq``; returns ``yhat``, ``lo_<level>``,
        ``hi_<level>``), None meaning the built-in model of that name.
    levels : sequence of numbers, default=(80, 95)
        Interval levels in percent.
    freq : {"month", "week"}, optional
        Default: ``series.attrs["freq"]``, else inferred from ``ds``.
    progress : bool, optional
        Show a tqdm progress bar; default (None) only on a terminal.
    model_config : dict, optional
        Overrides of :data:`~crmlib.forecast.options.MODEL_CONFIG`.
    return_predictions : bool, default=False
        Also return the predictions of every window.

    Returns
    -------
    errors : pandas.DataFrame
        One row per series and model: ``unique_id``, ``model``, ``windows`` (windows scored),
        ``points`` (predicted points), ``mae``, ``rmse`` (units of ``y``), ``mape``, ``smape``
        (ratios), ``mase``, ``coverage_<level>`` (share of actuals inside the interval) and
        ``fallbacks`` (windows in which the model fell back to a simpler form). Sorted by
        series, models in :data:`MODEL_NAMES` order. ``attrs``: ``horizon``, ``windows``,
        ``step``, ``season_length``, ``freq``, ``levels``, ``cutoffs`` (series -> cut-off
        dates) and ``seconds`` (model -> fitting time; the ensemble reuses its members' fits).
    predictions : pandas.DataFrame
        Only with ``return_predictions``: ``unique_id``, ``model``, ``cutoff`` (the last
        training period), ``ds``, ``step`` (1..horizon), ``y`` (actual), ``yhat``,
        ``lo_<level>``, ``hi_<level>``, ``scale`` (the window's MASE scale) and ``fallback``.

    Raises
    ------
    ParamsError
        Bad horizon, windows, step, levels or models; series with repeated periods, NaN,
        gaps or mixed frequencies.

    Examples
    --------
    >>> import crmlib
    >>> from crmlib.forecast import sales_series
    >>> s = sales_series(crmlib.connect())
    >>> e = backtest(s, horizon=3, windows=2, models=["naive", "seasonal_naive"])
    >>> e[["unique_id", "model", "windows", "points"]].to_string(index=False)
    'unique_id          model  windows  points\n    total          naive        2       6\n    total seasonal_naive        2       6'
    """
    h, w = check_positive("horizon", horizon), check_positive("windows", windows)
    st = check_positive("step", step if step is not None else BACKTEST_DEFAULTS["step"])
    levels = check_levels(levels)
    cfg = merged_config(model_config)
    groups, freq = check_series(series, freq)
    m = check_positive("season_length", season_length if season_length is not None
                       else SEASON_LENGTH[freq])
    todo = check_models(models)
    bounds = [f"{side}_{lv:g}" for lv in levels for side in ("lo", "hi")]
    cols = defaultdict(list)
    seconds = dict.fromkeys(todo, 0.0)
    fallbacks, cutoffs, short = defaultdict(list), {}, []
    from tqdm import tqdm

    bar = tqdm(total=len(groups) * w, desc="back-test", unit="window",
               disable=None if progress is None else not progress)
    for uid, g in groups.items():
        y, ds = g["y"].to_numpy(dtype="float64"), pd.DatetimeIndex(g["ds"])
        cuts = cutoff_positions(len(y), horizon=h, windows=w, step=st)
        cutoffs[uid] = [ds[c] for c in cuts]
        if len(cuts) < w:
            short.append(f"{uid} {len(cuts)}")
        pos0 = season_position(ds[0], freq, m)
        for c in cuts:
            train, test = y[:c + 1], y[c + 1:c + 1 + h]
            scale, cache = mase_scale(train, m), {}
            for name, fn in todo.items():
                t0 = time.perf_counter()
                if fn is not None:
                    frame = fn(g.iloc[:c + 1][["ds", "y"]].reset_index(drop=True), horizon=h,
                               season_length=m, levels=levels, freq=freq)
                    out = {k: np.asarray(frame[k], dtype="float64") for k in ["yhat", *bounds]}
                    notes = list(frame.attrs.get("notes", []))
                elif name in cache:
                    out, notes = cache[name]
                else:
                    out, notes = run_model(name, train, h, m, levels, cfg, pos0, cache)
                    cache[name] = (out, notes)
                seconds[name] += time.perf_counter() - t0
                if notes:
                    fallbacks[name].append((uid, notes[0]))
                cols["unique_id"].append(np.full(h, uid, dtype=object))
                cols["model"].append(np.full(h, name, dtype=object))
                cols["cutoff"].append(np.full(h, ds[c]))
                cols["ds"].append(ds[c + 1:c + 1 + h])
                cols["step"].append(np.arange(1, h + 1))
                cols["y"].append(test)
                for k in ["yhat", *bounds]:
                    cols[k].append(out[k])
                cols["scale"].append(np.full(h, scale))
                cols["fallback"].append(np.full(h, bool(notes)))
            bar.update(1)
        bar.update(w - len(cuts))
    bar.close()
    if short:
        warnings.warn(f"{len(short)} series too short for {w} windows of {h} periods; windows "
                      f"kept: {', '.join(short[:8])}{' ...' if len(short) > 8 else ''}. Use "
                      "fewer windows or a shorter horizon to compare them on equal terms.",
                      stacklevel=2)
    warn_fallbacks(fallbacks, sum(len(c) for c in cutoffs.values()) or 1, 2)
    names = ["unique_id", "model", "cutoff", "ds", "step", "y", "yhat", *bounds, "scale",
             "fallback"]
    preds = pd.DataFrame({k: np.concatenate(cols[k]) if cols[k] else [] for k in names})
    preds["ds"], preds["cutoff"] = (pd.to_datetime(preds[k]) for k in ("ds", "cutoff"))
    errors = score(preds, levels=levels, ids=list(groups), models=list(todo))
    errors.attrs.update(horizon=h, windows=w, step=st, season_length=m, freq=freq,
                        levels=levels, cutoffs=cutoffs, seconds=seconds)
    log.info("back-test of %d series x %d models: %s", len(groups), len(todo),
             {k: round(v, 2) for k, v in seconds.items()})
    return (errors, preds) if return_predictions else errors
