"""Accuracy of forecasts: the errors of back-test predictions per model and series.

Definitions (docs/metrics.md), over every predicted point of every window (``e = y - yhat``):

- ``mae`` = mean ``|e|``; ``rmse`` = sqrt(mean ``e**2``) (units of ``y``).
- ``mape`` = mean ``|e| / |y|`` over points whose actual is not 0 (a ratio: 0.12 = 12 %; NaN
  when every actual is 0).
- ``smape`` = mean ``2|e| / (|y| + |yhat|)``, a point with ``y = yhat = 0`` scoring 0 (a ratio,
  0..2).
- ``mase`` = mean over windows of ``MAE_w / scale_w``, where ``scale_w`` is the in-sample MAE of
  the seasonal naive forecast (``y[t] - y[t-m]``) on that window's training data, with ``m = 1``
  when the training data has fewer than ``m + 1`` periods (NaN with fewer than 2). A window
  whose scale is 0 (flat or exactly repeating training data) scores 0 when its MAE is 0 too (a
  perfect forecast) and NaN otherwise; NaN windows are left out of the mean (``mase`` is NaN
  when all are).
- ``coverage_<level>`` = share of actuals inside ``[lo, hi]`` (bounds included; points with NaN
  bounds left out).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from crmlib.forecast.options import check_levels

__all__ = ["ERROR_METRICS", "mase_scale", "error_metrics", "interval_coverage", "score"]

ERROR_METRICS = ("mae", "rmse", "mape", "smape", "mase")


def mase_scale(train, season_length: int = 1) -> float:
    """Return the in-sample MAE of the seasonal naive forecast on ``train``: the MASE scale.

    ``m = 1`` when ``train`` has fewer than ``season_length + 1`` values.

    Parameters
    ----------
    train : sequence of float
        The training values.
    season_length : int, default=1
        ``m``, the lag of the seasonal naive forecast.

    Returns
    -------
    float
        Mean ``|y[t] - y[t-m]|``; NaN with fewer than 2 values.

    Examples
    --------
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
    """Return the MAE, RMSE, MAPE, sMAPE and MASE of one window (see the module docstring).

    Parameters
    ----------
    actual, predicted : sequence of float
        The window's actuals and forecasts, point by point.
    train : sequence of float
        The window's training values (for the MASE scale).
    season_length : int, default=1
        The MASE scale's season.

    Returns
    -------
    dict
        ``mae``, ``rmse`` (units of ``y``), ``mape``, ``smape`` (ratios) and ``mase`` -> float.

    Examples
    --------
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
    """Return the share of ``actual`` inside ``[lo, hi]`` (bounds included; NaN bounds left out).

    Parameters
    ----------
    actual, lo, hi : sequence of float
        Actuals and the interval bounds, point by point.

    Returns
    -------
    float
        A ratio (0..1); NaN when no point has both bounds.

    Examples
    --------
    >>> interval_coverage([10.0, 0.0, 5.0], [9.0, 1.0, 5.0], [11.0, 2.0, 6.0])
    0.6666666666666666
    """
    y, lo, hi = (np.asarray(a, dtype="float64") for a in (actual, lo, hi))
    ok = np.isfinite(lo) & np.isfinite(hi)
    return float(np.mean((lo[ok] <= y[ok]) & (y[ok] <= hi[ok]))) if ok.any() else math.nan


def score(predictions: pd.DataFrame, *, levels=(80, 95), ids=None, models=None) -> pd.DataFrame:
    """Return the errors per series and model of back-test predictions.

    Parameters
    ----------
    predictions : pandas.DataFrame
        Predictions as :func:`~crmlib.forecast.backtest` returns them with
        ``return_predictions=True``.
    levels : sequence of numbers, default=(80, 95)
        Interval levels whose coverage is scored.
    ids, models : list of str, optional
        Series and models to list, as NaN rows when they have no prediction; default those
        of ``predictions``.

    Returns
    -------
    pandas.DataFrame
        One row per series and model, columns as the errors of
        :func:`~crmlib.forecast.backtest`.
    """
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
