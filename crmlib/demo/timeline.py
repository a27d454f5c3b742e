"""The demo's calendar: its date range, seasonality, growth and working hours.

Times are float days since :data:`START` (day 0 = 2023-11-01 00:00) until they become timestamps
in :func:`to_datetime`. Seasonality is a daily weight: weekends are quiet, the Spring Festival and
National Day weeks almost empty, February low, the last days of each quarter (most of all December)
busy. "Business time" stretches busy days and shrinks quiet ones, so that a Poisson process that
is uniform in business time follows the seasons in calendar time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["START", "DEMO_AS_OF", "N_DAYS", "END", "LAST", "GROWTH", "warp", "unwarp",
           "sample_times", "at_work", "to_datetime", "day_of"]

START = pd.Timestamp("2023-11-01")  # first day of the data (the CRM's go-live)
DEMO_AS_OF = pd.Timestamp("2026-10-31")  # last day with events
N_DAYS = (DEMO_AS_OF - START).days + 1
END = float(N_DAYS)  # exclusive bound of event times, in days since START
LAST = END - 1 / 86400  # the last second of the as-of day
GROWTH = 0.30  # yearly growth of new customers, leads and opportunities

_MONTH = np.array([0, 0.95, 0.75, 1.05, 1.0, 0.95, 1.1, 0.95, 0.9, 1.05, 0.9, 1.0, 1.15])
_WEEKDAY = np.array([1.0, 1.05, 1.05, 1.0, 0.95, 0.25, 0.12])
_SPRING_FESTIVAL = ["2024-02-10", "2025-01-29", "2026-02-17"]


def _season() -> np.ndarray:
    """Daily activity weight over the data's days (mean about 1)."""
    days = pd.date_range(START, DEMO_AS_OF, freq="D")
    w = _MONTH[days.month] * _WEEKDAY[days.dayofweek]
    for sf in pd.to_datetime(_SPRING_FESTIVAL):
        off = (days - sf).days
        w = np.where((off >= -3) & (off <= 7), 0.12 * w, w)  # the holiday itself
        w = np.where((off > 7) & (off <= 15), 0.6 * w, w)  # slow restart
    w = np.where((days.month == 10) & (days.day <= 7), 0.12 * w, w)  # National Day week
    to_q_end = (days + pd.offsets.QuarterEnd(0) - days).days
    w = np.where(to_q_end < 12, 1.5 * w, w)  # the quarter-end push
    w = np.where((days.month == 12) & (days.day >= 15), 1.25 * w, w)  # and the year end
    return w / w.mean()


_SEASON = _season()
_GRID = np.arange(N_DAYS + 1, dtype=float)
_BUSINESS = np.concatenate([[0.0], np.cumsum(_SEASON)])  # business time at each midnight
_GROWN = np.concatenate([[0.0], np.cumsum(_SEASON * np.exp(GROWTH * _GRID[:-1] / 365.25))])


def warp(t):
    """Map calendar time ``t`` to business time (both in days; linear outside the range).

    Parameters
    ----------
    t : float or numpy.ndarray
        Days since the start of the data.

    Returns
    -------
    float or numpy.ndarray
        Business time in days, same shape as ``t``.
    """
    t = np.asarray(t, dtype=float)
    return np.where((t >= 0) & (t <= END), np.interp(t, _GRID, _BUSINESS), t)


def unwarp(w):
    """Map business time ``w`` back to calendar time (inverse of :func:`warp`).

    Parameters
    ----------
    w : float or numpy.ndarray
        Business time in days.

    Returns
    -------
    float or numpy.ndarray
        Calendar time in days since the start of the data, same shape as ``w``.
    """
    w = np.asarray(w, dtype=float)
    return np.where((w >= 0) & (w <= END), np.interp(w, _BUSINESS, _GRID), w)


def sample_times(rng, n: int, lo=0.0, hi=END, *, growth: bool = True) -> np.ndarray:
    """Draw ``n`` event times in ``[lo, hi)`` that follow the seasons (and the growth), in work hours.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream.
    n : int
        How many times.
    lo, hi : float
        The range, in days.
    growth : bool, default=True
        Follow the business's growth too.

    Returns
    -------
    numpy.ndarray
        float64 times in days since the start of the data, unsorted.
    """
    curve = _GROWN if growth else _BUSINESS
    a, b = np.interp(lo, _GRID, curve), np.interp(hi, _GRID, curve)
    t = np.interp(rng.uniform(a, b, n), curve, _GRID)
    return np.clip(at_work(rng, t), lo, min(hi, END) - 1 / 86400)


def at_work(rng, t) -> np.ndarray:
    """Move each time to a random moment of the working hours (08:30-19:00) of its day.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream.
    t : numpy.ndarray
        Times in days.

    Returns
    -------
    numpy.ndarray
        float64 times in days, on the same days as ``t``.
    """
    t = np.asarray(t, dtype=float)
    return np.floor(t) + (8.5 + 10.5 * rng.beta(2.2, 2.2, t.shape)) / 24


def day_of(t) -> np.ndarray:
    """Truncate each time to midnight of its day (a date).

    Parameters
    ----------
    t : numpy.ndarray
        Times in days.

    Returns
    -------
    numpy.ndarray
        float64 whole days.
    """
    return np.floor(np.asarray(t, dtype=float))


_EPOCH = np.datetime64(START.date(), "s")


def to_datetime(t) -> np.ndarray:
    """Convert times ``t`` to timestamps (``datetime64[us]``, to the second); NaN becomes NaT.

    Parameters
    ----------
    t : numpy.ndarray
        Times in days.

    Returns
    -------
    numpy.ndarray
        ``datetime64[us]`` array, same shape as ``t``.
    """
    t = np.asarray(t, dtype=float)
    secs = np.floor(np.nan_to_num(t) * 86400.0 + 1e-6).astype(np.int64)
    out = (_EPOCH + secs.astype("timedelta64[s]")).astype("datetime64[us]")
    out[np.isnan(t)] = np.datetime64("NaT")
    return out
