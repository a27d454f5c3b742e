"""Rolling-origin back-tests, the choice of a model per series, and the future forecast.

Definitions:

- **Rolling origin.** A series of ``n`` periods gets ``windows`` cut-offs ``step`` periods apart,
  the last one ``horizon`` periods before the end (so the last window's test ends with the last
  period). Each window trains on every period up to and including its cut-off, nothing after,
  and predicts the next ``horizon`` periods, which are compared with the actuals. A cut-off
  that would leave no training period is dropped (with a warning): a short series gets fewer
  windows, a series of ``horizon`` periods or fewer gets none (NaN errors).
- **Errors** per model and series, over every predicted point of every window (``e = y - yhat``):
  ``mae`` = mean ``|e|``; ``rmse`` = sqrt(mean ``e**2``); ``mape`` = mean ``|e| / |y|`` over
  points whose actual is not 0 (a ratio: 0.12 = 12 %; NaN when every actual is 0); ``smape`` =
  mean ``2|e| / (|y| + |yhat|)``, a point with ``y = yhat = 0`` scoring 0 (a ratio, 0..2);
  ``mase`` = mean over windows of ``MAE_w / scale_w``, where ``scale_w`` is the in-sample MAE of
  the seasonal naive forecast (``y[t] - y[t-m]``) on that window's training data, with ``m = 1``
  when the training data has fewer than ``m + 1`` periods (NaN with fewer than 2). A window
  whose scale is 0 (flat or exactly repeating training data) scores 0 when its MAE is 0 too (a
  perfect forecast) and NaN otherwise; NaN windows are left out of the mean (``mase`` is NaN
  when all are). ``coverage_<level>`` = share of actuals inside ``[lo, hi]`` (bounds included;
  points with NaN bounds left out).
- **Choice.** Per series, the model with the lowest error (``mase`` by default); ties go to the
  simpler model (the order of :data:`~crmlib.forecast.models.MODEL_NAMES`). When every model's
  error is NaN for a series, MAE decides; with no back-test at all, seasonal naive.
- **Forecast.** The chosen model refitted on the whole series, ``horizon`` periods ahead.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections import defaultdict

import numpy as np
import pandas as pd

from crmlib.exceptions import ParamsError
from crmlib.forecast.models import (
    MODEL_NAMES,
    FallbackWarning,
    check_levels,
    check_model,
    check_positive,
    future_dates,
    infer_freq,
    merged_config,
    run_model,
    season_position,
)
from crmlib.forecast.series import SEASON_LENGTH

__all__ = ["ERROR_METRICS", "BACKTEST_DEFAULTS", "mase_scale", "error_metrics",
           "interval_coverage", "cutoff_positions", "backtest", "score", "choose_model",
           "forecast"]

log = logging.getLogger(__name__)

ERROR_METRICS = ("mae", "rmse", "mape", "smape", "mase")
BACKTEST_DEFAULTS = {"windows": 6, "step": 1}


# -- metrics on arrays (one window) ---------------------------------------------------------------
def mase_scale(train, season_length: int = 1) -> float:
    """In-sample MAE of the seasonal naive forecast on ``train`` (``m = 1`` when ``train`` has
    fewer than ``season_length + 1`` values; NaN with fewer than 2).

    >>> mase_scale([4.0, 6.0, 3.0, 9.0], 2), mase_scale([4.0, 6.0], 12)
    (2.0, 2.0)
    """
    y = np.asarray(train, dtype="float64")
    m = season_length if len(y) >= season_length + 1 else 1
    if len(y) < m + 1:
        return math.nan
    return float(np.mean(np.abs(y[m:] - y[:-m])))


def _mase(mae: float, scale: float) -> float:
    if not scale > 0:  # 0 or NaN
        return 0.0 if scale == 0 and mae == 0 else math.nan
    return mae / scale


def error_metrics(actual, predicted, *, train, season_length: int = 1) -> dict[str, float]:
    """MAE, RMSE, MAPE, sMAPE and MASE of one window (definitions in the module docstring).

    >>> error_metrics([10.0, 0.0, 5.0], [8.0, 1.0, 5.0], train=[4.0, 6.0, 3.0, 9.0],
    ...               season_length=2)["mase"]
    0.5
    """
    y, f = np.asarray(actual, dtype="float64"), np.asarray(predicted, dtype="float64")
    ae = np.abs(y - f)
    nz = y != 0
    denom = np.abs(y) + np.abs(f)
    sape = np.divide(2 * ae, denom, out=np.zeros_like(ae), where=denom > 0)
    mae = float(ae.mean())
    return {"mae": mae, "rmse": float(np.sqrt(np.mean(ae ** 2))),
            "mape": float(np.mean(ae[nz] / np.abs(y[nz]))) if nz.any() else math.nan,
            "smape": float(sape.mean()), "mase": _mase(mae, mase_scale(train, season_length))}


def interval_coverage(actual, lo, hi) -> float:
    """Share of ``actual`` inside ``[lo, hi]`` (bounds included; NaN bounds left out).

    >>> interval_coverage([10.0, 0.0, 5.0], [9.0, 1.0, 5.0], [11.0, 2.0, 6.0])
    0.6666666666666666
    """
    y, lo, hi = (np.asarray(a, dtype="float64") for a in (actual, lo, hi))
    ok = np.isfinite(lo) & np.isfinite(hi)
    return float(np.mean((lo[ok] <= y[ok]) & (y[ok] <= hi[ok]))) if ok.any() else math.nan


def cutoff_positions(n: int, *, horizon: int, windows: int, step: int = 1) -> list[int]:
    """Positions (0-based) of the last training period of each window, oldest first; cut-offs
    that would leave no training period are dropped.

    >>> cutoff_positions(10, horizon=3, windows=3, step=2)
    [2, 4, 6]
    """
    last = n - horizon - 1
    return [c for c in (last - (windows - 1 - j) * step for j in range(windows)) if c >= 0]


# -- back-test --------------------------------------------------------------------------------------
def _series(series: pd.DataFrame, freq: str | None):
    if not isinstance(series, pd.DataFrame) or not {"unique_id", "ds", "y"} <= set(series):
        raise ParamsError("the series need columns `unique_id`, `ds` and `y`; build them with "
                          "crmlib.forecast.sales_series.")
    s = series[["unique_id", "ds", "y"]].assign(unique_id=series["unique_id"].astype(str),
                                                ds=pd.to_datetime(series["ds"]))
    dup = s.duplicated(["unique_id", "ds"])
    if dup.any():
        r = s[dup].iloc[0]
        raise ParamsError(f"series `{r.unique_id}` has {int(dup.sum())} repeated periods (e.g. "
                          f"{r.ds:%Y-%m-%d}); give one row per series and period.")
    if not np.isfinite(s["y"].to_numpy(dtype="float64")).all():
        raise ParamsError("`y` holds missing or infinite values; fill periods without sales "
                          "with 0.")
    s = s.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    freq = freq or series.attrs.get("freq")
    groups = {uid: g for uid, g in s.groupby("unique_id", sort=True)}
    for g in groups.values():  # consecutive periods, same freq for all
        f = infer_freq(g["ds"]) if len(g) > 1 else freq
        freq = freq or f
        if f is not None and f != freq:
            raise ParamsError(f"series `{g['unique_id'].iloc[0]}` is by {f}, not by {freq}; "
                              "back-test series of one frequency at a time.")
    return groups, freq or "month"


def _models(models) -> dict:
    """name -> None (built-in) or a callable with the models' interface."""
    if models is None:
        return dict.fromkeys(MODEL_NAMES)
    if isinstance(models, str):
        models = [models]
    if isinstance(models, dict):
        out = {}
        for name, fn in models.items():
            if fn is None:
                check_model(name)
            elif not callable(fn):
                raise ParamsError(f"`models` entry `{name}` is a {type(fn).__name__}, not a "
                                  "model function; pass a callable or None (built-in).")
            out[str(name)] = fn
        return out
    out = {check_model(m): None for m in models}
    if not out:
        raise ParamsError("`models` is empty; pass model names (see MODEL_NAMES) or None.")
    return out


def _warn_fallbacks(fallbacks: dict, total: int, stacklevel: int) -> None:
    for model, hits in fallbacks.items():
        ids = sorted({uid for uid, _ in hits})
        shown = ", ".join(ids[:8]) + (" ..." if len(ids) > 8 else "")
        warnings.warn(f"{model} fell back in {len(hits)} of {total} fits (series {shown}); "
                      f"e.g. {hits[0][1]}", FallbackWarning, stacklevel=stacklevel + 1)


def backtest(series: pd.DataFrame, *, horizon: int, windows: int, step: int | None = None,
             season_length: int | None = None, models=None, levels=(80, 95),
             freq: str | None = None, progress: bool | None = None,
             model_config: dict | None = None, return_predictions: bool = False):
    """Rolling-origin back-test of every model on every series; errors per model and series.

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
        Names of :data:`~crmlib.forecast.models.MODEL_NAMES` (default: all), or a dict of name
        -> callable with the models' interface (``train`` frame of ``ds``, ``y``; keyword
        ``horizon``, ``season_length``, ``levels``, ``freq``; returns ``yhat``, ``lo_<level>``,
        ``hi_<level>``), None meaning the built-in model of that name.
    levels : sequence of numbers, default=(80, 95)
    freq : {"month", "week"}, optional
        Default: ``series.attrs["freq"]``, else inferred from ``ds``.
    progress : bool, optional
        Show a tqdm progress bar; default (None) only on a terminal.
    model_config : dict, optional
        Overrides of :data:`~crmlib.forecast.models.MODEL_CONFIG`.
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
    'unique_id          model  windows  points\\n    total          naive        2       6\\n    total seasonal_naive        2       6'
    """
    h, w = check_positive("horizon", horizon), check_positive("windows", windows)
    st = check_positive("step", step if step is not None else BACKTEST_DEFAULTS["step"])
    levels = check_levels(levels)
    cfg = merged_config(model_config)
    groups, freq = _series(series, freq)
    m = check_positive("season_length", season_length if season_length is not None
                       else SEASON_LENGTH[freq])
    todo = _models(models)
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
    _warn_fallbacks(fallbacks, sum(len(c) for c in cutoffs.values()) or 1, 2)
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


def score(predictions: pd.DataFrame, *, levels=(80, 95), ids=None, models=None) -> pd.DataFrame:
    """Errors per series and model from back-test predictions (columns as :func:`backtest`
    returns them); ``ids`` / ``models`` list series and models to keep as NaN rows when they
    have no prediction."""
    levels = check_levels(levels)
    p = predictions
    ae = (p["y"] - p["yhat"]).abs()
    ya, fa = p["y"].abs(), p["yhat"].abs()
    denom = ya + fa
    p = p.assign(_ae=ae, _se=ae ** 2, _ape=(ae / ya).where(ya > 0),
                 _sape=(2 * ae / denom.where(denom > 0)).fillna(0.0))
    for lv in levels:
        lo, hi = p[f"lo_{lv:g}"], p[f"hi_{lv:g}"]
        p[f"_in_{lv:g}"] = ((lo <= p["y"]) & (p["y"] <= hi)).astype("float64").where(
            lo.notna() & hi.notna())
    keys = ["unique_id", "model"]
    win = p.groupby([*keys, "cutoff"], sort=False).agg(
        mae=("_ae", "mean"), scale=("scale", "first"), fallback=("fallback", "any"))
    win["mase"] = [_mase(a, s) for a, s in zip(win["mae"], win["scale"], strict=True)]
    g = p.groupby(keys, sort=False)
    out = pd.DataFrame({
        "windows": g["cutoff"].nunique(), "points": g.size(), "mae": g["_ae"].mean(),
        "rmse": np.sqrt(g["_se"].mean()), "mape": g["_ape"].mean(), "smape": g["_sape"].mean(),
        "mase": win.groupby(level=keys, sort=False)["mase"].mean(),
        **{f"coverage_{lv:g}": g[f"_in_{lv:g}"].mean() for lv in levels},
        "fallbacks": win.groupby(level=keys, sort=False)["fallback"].sum()})
    ids = ids if ids is not None else sorted(p["unique_id"].unique())
    models = models if models is not None else list(dict.fromkeys(p["model"]))
    full = pd.MultiIndex.from_product([ids, models], names=keys)
    out = out.reindex(full).reset_index()
    for c in ("windows", "points", "fallbacks"):
        out[c] = out[c].fillna(0).astype("int64")
    return out


def _order(model: str) -> int:
    return MODEL_NAMES.index(model) if model in MODEL_NAMES else len(MODEL_NAMES)


def choose_model(errors: pd.DataFrame, *, metric: str = "mase") -> pd.DataFrame:
    """The model with the lowest back-test error per series, beside the seasonal naive one.

    Parameters
    ----------
    errors : pandas.DataFrame
        From :func:`backtest`.
    metric : {"mase", "mae", "rmse", "mape", "smape"}, default="mase"

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
    """The future forecast of every series with intervals, by the model chosen per series.

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
    groups, freq = _series(series, freq)
    m = check_positive("season_length", season_length if season_length is not None
                       else SEASON_LENGTH[freq])
    custom = {k: v for k, v in _models(models).items() if v is not None} if models else {}
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
    _warn_fallbacks(fallbacks, len(groups), 2)
    cols = ["unique_id", "model", "ds", "step", "yhat", *bounds]
    out = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    out.attrs.update(horizon=h, levels=levels, freq=freq, season_length=m, chosen=chosen,
                     as_of=series.attrs.get("as_of"))
    return out
