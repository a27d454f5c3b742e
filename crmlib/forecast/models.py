"""Forecasting models with one interface: a training series in, a forecast with intervals out.

Every model maps a training series (columns ``ds``, ``y``: consecutive periods, no gaps), a
horizon ``h``, a season length ``m`` and interval levels to a frame of ``ds`` (the ``h``
periods after the last training one), ``yhat`` and ``lo_<level>`` / ``hi_<level>``.

Models (:data:`MODEL_NAMES`, simplest first; ties in model choice go to the simpler one):

- ``naive``: every future period = the last value.
- ``seasonal_naive``: the value one season earlier (``y[t + k - m * ceil(k / m)]``).
- ``theta``, ``ets``, ``arima``: statsforecast's AutoTheta, AutoETS and AutoARIMA (each picks
  its form by information criterion), with statsforecast's own prediction intervals.
- ``gbm``: scikit-learn's ``GradientBoostingRegressor`` on lag features (lags 1, 2, 3 and one
  season) and the position in the season (the calendar month of a monthly series), predicting
  recursively: each predicted period feeds the lags of the next. Trees cannot extrapolate, so
  it forecasts within the range of the training values (no trend).
- ``ensemble``: the mean of the statistical models (``MODEL_CONFIG["ensemble"]``: ETS, ARIMA,
  Theta); its bounds are the means of theirs (quantile averaging).

Intervals of the models statsforecast does not give them for (naive, seasonal naive, gbm) are
empirical: half-width at step ``k`` = the ``level`` % quantile of the absolute one-step
residuals, times ``sqrt(k)`` for naive and gbm (errors add up in a random walk / a recursion)
and ``sqrt(ceil(k / m))`` for seasonal naive (a new season's errors add). Residuals are
``y[t] - y[t-1]`` (naive), ``y[t] - y[t-m]`` (seasonal naive) and, for gbm, the out-of-fold
errors of a ``cv_folds``-fold cross-validation on the lag rows (valid for autoregressive models:
Bergmeir, Hyndman & Koo 2018); in-sample gbm residuals would be too small. Without residuals
(a 1-point series) the bounds are NaN.

When the training data has no negative value, forecasts and bounds are clipped at 0 (sales
cannot be negative; the ensemble averages its members' clipped forecasts).

Short series (:data:`MODEL_CONFIG`) fall back, with a :class:`FallbackWarning`, never a crash:
seasonal naive needs one season of data (else naive); ETS, ARIMA and Theta are fitted with a
season only from two seasons of data (ETS and ARIMA only for ``m`` up to 24: 52 weeks is too
long for them), else without one, and need 7, 3 and 4 points at all (else naive; so does a
failed fit); gbm drops the seasonal lag when fewer than ``min_rows`` rows would be left, and
uses naive when even lags 1-3 leave too few. Constant and all-zero series are forecast as
constant / zero by every model.

statsforecast is imported inside the functions that use it (``import crmlib`` stays light).
"""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
import pandas as pd

from crmlib.exceptions import ParamsError
from crmlib.forecast.options import (
    MODEL_NAMES,
    STAT_MODELS,
    FallbackWarning,
    check_levels,
    check_model,
    check_positive,
    merged_config,
)
from crmlib.forecast.series import SEASON_LENGTH, future_dates, infer_freq, season_position

__all__ = ["predict", "run_model", "naive", "seasonal_naive", "auto_theta", "auto_ets",
           "auto_arima", "gradient_boosting", "ensemble", "MODELS"]

log = logging.getLogger(__name__)


def _bounds(levels) -> list[str]:
    return [f"{side}_{lv:g}" for lv in levels for side in ("lo", "hi")]


def _periods(n: int) -> str:
    return f"{n} training period{'s' * (n != 1)}"


# -- the models on arrays: (y, h, m, levels, cfg, pos0) -> ({yhat, lo_.., hi_..}, notes) --------
def _empirical(yhat: np.ndarray, resid: np.ndarray, levels, growth: np.ndarray) -> dict:
    out = {"yhat": yhat}
    absres = np.abs(resid[np.isfinite(resid)])
    for lv in levels:
        q = float(np.quantile(absres, lv / 100)) if absres.size else math.nan
        out[f"lo_{lv:g}"], out[f"hi_{lv:g}"] = yhat - q * growth, yhat + q * growth
    return out


def _naive(y, h, m, levels, cfg, pos0, cache=None):
    yhat = np.full(h, y[-1], dtype="float64")
    return _empirical(yhat, np.diff(y), levels, np.sqrt(np.arange(1, h + 1))), []


def _seasonal_naive(y, h, m, levels, cfg, pos0, cache=None):
    n = len(y)
    if m <= 1:
        return _naive(y, h, m, levels, cfg, pos0)
    if n < m:
        out, _ = _naive(y, h, m, levels, cfg, pos0)
        return out, [f"seasonal_naive: {_periods(n)}, fewer than one season ({m}): naive "
                     "forecast used instead"]
    k = np.arange(1, h + 1)
    yhat = y[n - m + (k - 1) % m].astype("float64")
    return _empirical(yhat, y[m:] - y[:-m], levels, np.sqrt(np.ceil(k / m))), []


_SF_CLASSES = {"ets": "AutoETS", "arima": "AutoARIMA", "theta": "AutoTheta"}


def _stat(name, y, h, m, levels, cfg, pos0):
    n = len(y)
    need = cfg["min_length"][name]
    if n < need:
        out, _ = _naive(y, h, m, levels, cfg, pos0)
        return out, [f"{name}: {_periods(n)}, fewer than the {need} it needs: naive forecast "
                     "used instead"]
    notes, season = [], m
    if m > 1 and name != "theta" and m > cfg["max_stat_season"]:
        season = 1
        notes.append(f"{name}: a season of {m} periods is longer than it can fit "
                     f"({cfg['max_stat_season']}): fitted without a season")
    elif m > 1 and n < cfg["min_seasons"] * m:
        season = 1
        notes.append(f"{name}: {_periods(n)}, fewer than {cfg['min_seasons']} seasons "
                     f"({cfg['min_seasons'] * m}): fitted without a season")
    import statsforecast.models as sfm  # heavy: only when a statistical model runs

    model = getattr(sfm, _SF_CLASSES[name])(season_length=season)
    try:
        with warnings.catch_warnings():  # convergence chatter from the optimisers
            warnings.simplefilter("ignore")
            res = model.forecast(y=np.asarray(y, dtype="float64"), h=h, level=list(levels))
        out = {"yhat": np.asarray(res["mean"], dtype="float64")}
        for lv in levels:
            for side in ("lo", "hi"):
                out[f"{side}_{lv:g}"] = np.asarray(res[f"{side}-{lv}"], dtype="float64")
        if not np.isfinite(out["yhat"]).all():
            raise ValueError("non-finite forecast")
    except Exception as e:  # statsforecast fails on some degenerate inputs: keep forecasting
        log.debug("%s failed on %d points: %r", name, n, e)
        out, _ = _naive(y, h, m, levels, cfg, pos0)
        return out, [*notes, f"{name}: the fit failed ({type(e).__name__}: {e}): naive "
                              "forecast used instead"]
    return out, notes


def _theta(y, h, m, levels, cfg, pos0, cache=None):
    return _stat("theta", y, h, m, levels, cfg, pos0)


def _ets(y, h, m, levels, cfg, pos0, cache=None):
    return _stat("ets", y, h, m, levels, cfg, pos0)


def _arima(y, h, m, levels, cfg, pos0, cache=None):
    return _stat("arima", y, h, m, levels, cfg, pos0)


def _gbm_rows(y, lags, m, pos0, calendar):
    start = max(lags)
    cols = [y[start - lag:len(y) - lag] for lag in lags]
    if calendar:
        cols.append((pos0 + np.arange(start, len(y))) % m)
    return np.column_stack(cols).astype("float64"), y[start:]


def _gbm(y, h, m, levels, cfg, pos0, cache=None):
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.model_selection import KFold

    g, n, notes = cfg["gbm"], len(y), []
    lags = sorted({int(lag) for lag in g["lags"]})
    if m > 1 and g["seasonal_lag"] and m not in lags:
        if n - m >= g["min_rows"]:
            lags.append(m)
        else:
            notes.append(f"gbm: {_periods(n)} leave fewer than {g['min_rows']} rows with a "
                         f"lag of one season ({m}): fitted without the seasonal lag")
    if n - max(lags) < g["min_rows"]:
        out, _ = _naive(y, h, m, levels, cfg, pos0)
        return out, [f"gbm: {_periods(n)} leave fewer than {g['min_rows']} rows of lags "
                     f"{lags}: naive forecast used instead"]
    calendar = m > 1
    X, target = _gbm_rows(y, lags, m, pos0, calendar)
    params = {k: g[k] for k in ("n_estimators", "learning_rate", "max_depth",
                                "min_samples_leaf", "random_state")}
    model = GradientBoostingRegressor(**params).fit(X, target)
    hist = list(map(float, y))
    yhat = np.empty(h)
    for k in range(h):  # recursive: each prediction feeds the next step's lags
        t = n + k
        row = [hist[t - lag] for lag in lags] + ([(pos0 + t) % m] if calendar else [])
        yhat[k] = model.predict(np.asarray([row], dtype="float64"))[0]
        hist.append(yhat[k])
    resid = np.full(len(target), np.nan)
    folds = min(int(g["cv_folds"]), len(target))
    if folds >= 2:
        for fit_idx, out_idx in KFold(n_splits=folds).split(X):
            m_k = GradientBoostingRegressor(**params).fit(X[fit_idx], target[fit_idx])
            resid[out_idx] = target[out_idx] - m_k.predict(X[out_idx])
    return _empirical(yhat, resid, levels, np.sqrt(np.arange(1, h + 1))), notes


def _ensemble(y, h, m, levels, cfg, pos0, cache=None):
    members = list(cfg["ensemble"])
    if not members or set(members) - set(STAT_MODELS) - {"naive", "seasonal_naive", "gbm"}:
        raise ParamsError(f"model_config `ensemble` {members} must list models of "
                          f"{', '.join(MODEL_NAMES[:-1])}.")
    outs, notes = [], []
    for name in members:
        if cache is not None and name in cache:
            out, sub = cache[name]
        else:
            out, sub = run_model(name, y, h, m, levels, cfg, pos0)
            if cache is not None:
                cache[name] = (out, sub)
        outs.append(out)
        notes += [f"ensemble member {s}" for s in sub]
    return {k: np.mean([o[k] for o in outs], axis=0) for k in outs[0]}, notes


def run_model(name, y, h, m, levels, cfg, pos0, cache=None):
    """Run model ``name`` on the array ``y``, clipped at 0 when ``y`` has no negative value.

    Sales cannot be negative: when no training value is, forecasts and bounds are clipped at 0
    (NaN bounds stay NaN).

    Parameters
    ----------
    name : str
        One of :data:`MODEL_NAMES`.
    y : numpy.ndarray
        The training values (float), consecutive periods.
    h : int
        Periods to forecast.
    m : int
        Periods per season.
    levels : tuple
        Interval levels (:func:`~crmlib.forecast.options.check_levels`).
    cfg : dict
        Model settings (:func:`~crmlib.forecast.options.merged_config`).
    pos0 : int
        Season position of the first training period
        (:func:`~crmlib.forecast.series.season_position`).
    cache : dict, optional
        Model name -> ``(out, notes)`` already computed on the same data (the ensemble reuses
        its members' fits).

    Returns
    -------
    out : dict
        ``yhat``, ``lo_<level>``, ``hi_<level>`` -> arrays of ``h`` floats.
    notes : list of str
        The fallbacks taken (empty when the model ran as asked).
    """
    out, notes = CORE[name](y, h, m, levels, cfg, pos0, cache)
    if (y >= 0).all():
        out = {k: np.maximum(v, 0.0) for k, v in out.items()}  # NaN bounds stay NaN
    return out, notes


CORE = {"naive": _naive, "seasonal_naive": _seasonal_naive, "theta": _theta, "ets": _ets,
        "arima": _arima, "gbm": _gbm, "ensemble": _ensemble}


# -- frames in, frames out ----------------------------------------------------------------------
def _train(train) -> tuple[np.ndarray, pd.DatetimeIndex]:
    if isinstance(train, pd.Series):
        train = pd.DataFrame({"ds": train.index, "y": train.to_numpy()})
    if not isinstance(train, pd.DataFrame) or not {"ds", "y"} <= set(train.columns):
        raise ParamsError("the training series needs columns `ds` and `y` (a frame of "
                          "crmlib.forecast.sales_series, one unique_id).")
    if "unique_id" in train and train["unique_id"].nunique() > 1:
        raise ParamsError(f"the training frame holds {train['unique_id'].nunique()} series; "
                          "pass one (filter on unique_id) or use crmlib.forecast.forecast.")
    if train.empty:
        raise ParamsError("the training series is empty; a forecast needs at least one period.")
    train = train.sort_values("ds")
    y = train["y"].to_numpy(dtype="float64")
    if not np.isfinite(y).all():
        raise ParamsError(f"`y` holds {int((~np.isfinite(y)).sum())} missing or infinite "
                          "values; fill periods without sales with 0.")
    return y, pd.DatetimeIndex(pd.to_datetime(train["ds"]))


def predict(train, *, model: str, horizon: int, season_length: int | None = None,
            levels=(80, 95), freq: str | None = None,
            model_config: dict | None = None) -> pd.DataFrame:
    """Forecast one series ``horizon`` periods ahead with ``model``, with intervals.

    Parameters
    ----------
    train : pandas.DataFrame or Series
        One series: columns ``ds`` (period starts, consecutive) and ``y`` (float), or a Series
        of ``y`` indexed by ``ds``.
    model : str
        One of :data:`MODEL_NAMES`.
    horizon : int
        Periods to forecast (at least 1).
    season_length : int, optional
        Periods per season; default 12 for a monthly series, 52 for a weekly one.
    levels : sequence of numbers, default=(80, 95)
        Interval levels in percent.
    freq : {"month", "week"}, optional
        Default: inferred from ``ds``.
    model_config : dict, optional
        Overrides of :data:`MODEL_CONFIG`.

    Returns
    -------
    pandas.DataFrame
        ``horizon`` rows: ``ds`` (the periods after the last training one), ``yhat`` and
        ``lo_<level>`` / ``hi_<level>`` per level (floats, units of ``y``). ``attrs``:
        ``model``, ``season_length``, ``freq`` and ``notes`` (the fallbacks taken, each also
        warned as a :class:`FallbackWarning`).

    Raises
    ------
    ParamsError
        Unknown model, bad horizon, levels or season length, or an empty / gappy / NaN series.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=24, freq="MS"),
    ...                   "y": [float(i % 12) for i in range(24)]})
    >>> predict(s, model="seasonal_naive", horizon=2)[["ds", "yhat"]]
              ds  yhat
    0 2026-01-01   0.0
    1 2026-02-01   1.0
    """
    out = _predict(train, model=model, horizon=horizon, season_length=season_length,
                   levels=levels, freq=freq, model_config=model_config)
    for note in out.attrs["notes"]:
        warnings.warn(note, FallbackWarning, stacklevel=2)
    return out


def _predict(train, *, model, horizon, season_length, levels, freq, model_config,
             cache=None) -> pd.DataFrame:
    check_model(model)
    h = check_positive("horizon", horizon)
    levels = check_levels(levels)
    cfg = merged_config(model_config)
    y, ds = _train(train)
    freq = freq or infer_freq(ds)
    m = check_positive("season_length", season_length if season_length is not None
                       else SEASON_LENGTH[freq])
    out, notes = run_model(model, y, h, m, levels, cfg, season_position(ds[0], freq, m), cache)
    frame = pd.DataFrame({"ds": future_dates(ds[-1], freq, h), **out})
    frame = frame[["ds", "yhat", *_bounds(levels)]]
    frame.attrs.update(model=model, season_length=m, freq=freq, notes=notes)
    return frame


def _model_function(name: str):
    def run(train, *, horizon: int, season_length: int | None = None, levels=(80, 95),
            freq: str | None = None, model_config: dict | None = None) -> pd.DataFrame:
        out = _predict(train, model=name, horizon=horizon, season_length=season_length,
                       levels=levels, freq=freq, model_config=model_config)
        for note in out.attrs["notes"]:
            warnings.warn(note, FallbackWarning, stacklevel=2)
        return out

    run.__name__ = run.__qualname__ = _PUBLIC[name]
    run.__doc__ = (f"``predict(train, model={name!r}, ...)``: {_SUMMARY[name]}\n\n"
                   "Same parameters and returns as :func:`predict` (without ``model``).")
    return run


_PUBLIC = {"naive": "naive", "seasonal_naive": "seasonal_naive", "theta": "auto_theta",
           "ets": "auto_ets", "arima": "auto_arima", "gbm": "gradient_boosting",
           "ensemble": "ensemble"}
_SUMMARY = {"naive": "the last value, empirical intervals.",
            "seasonal_naive": "the value one season earlier, empirical intervals.",
            "theta": "statsforecast AutoTheta with its intervals.",
            "ets": "statsforecast AutoETS with its intervals.",
            "arima": "statsforecast AutoARIMA with its intervals.",
            "gbm": "gradient boosting on lags and season position, recursive, empirical "
                   "(out-of-fold) intervals.",
            "ensemble": "mean of the statistical models and of their bounds."}

naive = _model_function("naive")
seasonal_naive = _model_function("seasonal_naive")
auto_theta = _model_function("theta")
auto_ets = _model_function("ets")
auto_arima = _model_function("arima")
gradient_boosting = _model_function("gbm")
ensemble = _model_function("ensemble")
# model name -> its function, all with the signature (train, *, horizon, season_length, levels,
# freq, model_config) -> frame of ds, yhat, lo_<level>, hi_<level>
MODELS = {"naive": naive, "seasonal_naive": seasonal_naive, "theta": auto_theta,
          "ets": auto_ets, "arima": auto_arima, "gbm": gradient_boosting, "ensemble": ensemble}
