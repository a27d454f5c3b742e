"""The model names and settings, and the checks of the arguments every forecasting function takes.

:func:`~crmlib.forecast.predict`, :func:`~crmlib.forecast.backtest` and
:func:`~crmlib.forecast.forecast` validate their inputs here, with one message per mistake.
"""

from __future__ import annotations

import copy
import difflib
import warnings

import numpy as np
import pandas as pd

from crmlib.exceptions import ParamsError
from crmlib.forecast.series import infer_freq

__all__ = ["MODEL_NAMES", "STAT_MODELS", "MODEL_CONFIG", "FallbackWarning", "warn_fallbacks",
           "merged_config", "check_levels", "check_model", "check_positive", "check_series",
           "check_models"]

MODEL_NAMES = ("naive", "seasonal_naive", "theta", "ets", "arima", "gbm", "ensemble")
STAT_MODELS = ("theta", "ets", "arima")
_KNOWN = frozenset(MODEL_NAMES)

# Settings a team may change: pass ``model_config={...}`` (merged key by key over these).
MODEL_CONFIG: dict = {
    "max_stat_season": 24,  # ETS / ARIMA are fitted with a season only up to this length
    "min_seasons": 2,  # ETS / ARIMA / Theta: full seasons of data needed to fit a season
    "min_length": {"ets": 7, "arima": 3, "theta": 4},  # fewer points: naive instead
    "ensemble": ["ets", "arima", "theta"],  # members of the ensemble (their mean)
    "gbm": {"lags": [1, 2, 3], "seasonal_lag": True, "min_rows": 8, "cv_folds": 3,
            "n_estimators": 50, "learning_rate": 0.1, "max_depth": 2,
            "min_samples_leaf": 2, "random_state": 0},
}


class FallbackWarning(UserWarning):
    """A model ran in a simpler form than asked (short series, failed fit): still a forecast."""


def warn_fallbacks(fallbacks: dict, total: int, stacklevel: int) -> None:
    """Warn once per model that fell back, with the series it fell back in and a first reason.

    Parameters
    ----------
    fallbacks : dict
        Model name -> list of ``(series id, note)``, one per fit that fell back.
    total : int
        Number of fits, for the "n of total" in the message.
    stacklevel : int
        The caller's ``stacklevel`` (this function adds its own frame).

    Returns
    -------
    None
        Issues a :class:`FallbackWarning` per model.
    """
    for model, hits in fallbacks.items():
        ids = sorted({uid for uid, _ in hits})
        shown = ", ".join(ids[:8]) + (" ..." if len(ids) > 8 else "")
        warnings.warn(f"{model} fell back in {len(hits)} of {total} fits (series {shown}); "
                      f"e.g. {hits[0][1]}", FallbackWarning, stacklevel=stacklevel + 1)


def merged_config(model_config: dict | None) -> dict:
    """Return :data:`MODEL_CONFIG` with ``model_config`` merged over it (nested dicts key by key).

    Parameters
    ----------
    model_config : dict or None
        The overrides; keys must be keys of :data:`MODEL_CONFIG`.

    Returns
    -------
    dict
        A new settings dict; :data:`MODEL_CONFIG` is not changed.

    Raises
    ------
    ParamsError
        An unknown key.
    """
    cfg = copy.deepcopy(MODEL_CONFIG)
    for key, value in (model_config or {}).items():
        if key not in cfg:
            hint = difflib.get_close_matches(str(key), cfg, n=1)
            raise ParamsError(f"unknown model_config key `{key}`"
                              + (f"; did you mean `{hint[0]}`?" if hint else "")
                              + f" Known: {', '.join(cfg)}.")
        if isinstance(cfg[key], dict) and isinstance(value, dict):
            cfg[key].update(value)
        else:
            cfg[key] = value
    return cfg


def check_levels(levels) -> tuple:
    """Return interval levels as a tuple of numbers strictly between 0 and 100.

    Parameters
    ----------
    levels : sequence of numbers or None
        E.g. ``(80, 95)``; None or empty: no intervals.

    Returns
    -------
    tuple
        The levels, whole numbers as ``int`` (so column names read ``lo_80``, not ``lo_80.0``).

    Raises
    ------
    ParamsError
        A level that is not a number strictly between 0 and 100.
    """
    levels = tuple(levels or ())
    bad = [lv for lv in levels if isinstance(lv, bool) or not isinstance(lv, (int, float))
           or not 0 < lv < 100]
    if bad:
        raise ParamsError(f"interval levels {bad} are not percentages between 0 and 100; pass "
                          "e.g. levels=(80, 95).")
    return tuple(int(lv) if float(lv).is_integer() else float(lv) for lv in levels)


def check_model(model: str) -> str:
    """Return ``model`` if it is one of :data:`MODEL_NAMES`.

    Parameters
    ----------
    model : str
        A model name.

    Returns
    -------
    str
        ``model``, unchanged.

    Raises
    ------
    ParamsError
        An unknown model (with the closest name as a hint).
    """
    if model not in _KNOWN:
        hint = difflib.get_close_matches(str(model), MODEL_NAMES, n=1)
        raise ParamsError(f"unknown model `{model}`" + (f"; did you mean `{hint[0]}`?" if hint
                                                         else "")
                          + f" Choose one of: {', '.join(MODEL_NAMES)}.")
    return model


def check_positive(name: str, value) -> int:
    """Return ``value`` as an ``int`` if it is a whole number of at least 1.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : int
        The value to check (a bool is refused).

    Returns
    -------
    int
        ``value``.

    Raises
    ------
    ParamsError
        Not a whole number, or below 1.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParamsError(f"`{name}` {value!r} must be a whole number of at least 1.")
    return int(value)


def check_series(series: pd.DataFrame, freq: str | None) -> tuple[dict, str]:
    """Check long series and split them per ``unique_id``.

    Parameters
    ----------
    series : pandas.DataFrame
        Columns ``unique_id``, ``ds``, ``y`` (:func:`~crmlib.forecast.sales_series`).
    freq : {"month", "week"} or None
        The series' frequency; None: ``series.attrs["freq"]``, else inferred from ``ds``
        (``month`` when nothing tells).

    Returns
    -------
    groups : dict
        Series id (str, sorted) -> its rows (``unique_id``, ``ds``, ``y``) sorted by ``ds``.
    freq : str
        The frequency of every series.

    Raises
    ------
    ParamsError
        Missing columns, repeated periods, missing or infinite ``y``, gaps or mixed
        frequencies.
    """
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


def check_models(models) -> dict:
    """Return the models to run: name -> None (the built-in model) or a model function.

    Parameters
    ----------
    models : str, list of str, dict or None
        Names of :data:`MODEL_NAMES` (None: all), or a dict of name -> callable with the
        models' interface, None meaning the built-in model of that name.

    Returns
    -------
    dict
        Model name -> None or callable, in the order given.

    Raises
    ------
    ParamsError
        An unknown name, an entry that is not callable, or an empty list.
    """
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
