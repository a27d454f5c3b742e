"""Amounts, ratios and durations as every figure computes them.

Definitions (``docs/metrics.md``): a missing amount is counted (``missing_amount``), never summed
as 0; a summed amount is 0 for an empty group and NaN when every record of the group lacks an
amount; a ratio with a zero denominator is NaN.
"""

from __future__ import annotations

from statistics import NormalDist

import ibis
import numpy as np
import pandas as pd

from crmlib.engine.records import count_if
from crmlib.exceptions import ParamsError

__all__ = ["ratio", "amount_aggs", "sum_or_nan", "days_between", "wilson_interval"]

_DAY = 86400.0


def ratio(num, den) -> pd.Series:
    """Return ``num / den`` as floats, NaN where ``den`` is 0.

    Parameters
    ----------
    num, den : array-like
        Numerators and denominators.

    Returns
    -------
    pandas.Series
        The ratios (float64).
    """
    num = pd.Series(num, dtype="float64")
    den = pd.Series(den, dtype="float64")
    return (num / den.where(den != 0)).astype("float64")


def amount_aggs(t: ibis.Table, prefix: str = "") -> dict:
    """Return the aggregates of an amount: its sum and the rows without one.

    Parameters
    ----------
    t : ibis.Table
        Rows with an ``amount`` column.
    prefix : str, default=""
        Put before the names.

    Returns
    -------
    dict
        ``{prefix}amount`` (sum) and ``{prefix}missing_amount`` (rows with a NULL amount).
    """
    return {f"{prefix}amount": t.amount.sum(),
            f"{prefix}missing_amount": count_if(t.amount.isnull())}


def sum_or_nan(df: pd.DataFrame, amount: str = "amount", count: str = "count",
               missing: str = "missing_amount") -> pd.Series:
    """Return summed amounts as floats: 0 for an empty group, NaN when every record lacks one.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per group.
    amount, count, missing : str
        The columns of the summed amount, the records and the records without an amount.

    Returns
    -------
    pandas.Series
        The amounts (float64).
    """
    out = df[amount].astype("float64").fillna(0.0)
    return out.where(~((df[count] > 0) & (df[missing] >= df[count])))


def days_between(end, start):
    """Return the fractional days from ``start`` to ``end``, in the engine.

    Parameters
    ----------
    end, start : ibis timestamp column
        The two dates.

    Returns
    -------
    ibis float64 column
        ``end - start`` in days (NULL when a date is NULL).
    """
    return (end.epoch_seconds() - start.epoch_seconds()).cast("float64") / _DAY


def wilson_interval(converted, leads, *, confidence: float = 0.95):
    """Wilson score interval of ``converted / leads`` (arrays or numbers): ``(low, high)``.

    NaN where ``leads`` is 0. With ``k`` converted of ``n`` and ``z`` the normal quantile:
    centre = (k + z²/2) / (n + z²), half-width = z·√(k(n−k)/n + z²/4) / (n + z²)
    (``docs/metrics.md``, "Leads and after-sale").

    Parameters
    ----------
    converted : int or array-like
        Leads converted.
    leads : int or array-like
        Leads.
    confidence : float, default=0.95
        Level of the interval.

    Returns
    -------
    tuple
        ``(low, high)``: the bounds, 0..1 (NaN where ``leads`` is 0).

    Raises
    ------
    ParamsError
        ``confidence`` is not between 0 and 1.

    Examples
    --------
    >>> low, high = wilson_interval(2, 2)
    >>> round(float(low), 4), round(float(high), 4)
    (0.3424, 1.0)
    """
    if not 0 < confidence < 1:
        raise ParamsError(f"`confidence` {confidence!r} must be between 0 and 1 (e.g. 0.95).")
    k = np.asarray(converted, dtype="float64")
    n = np.asarray(leads, dtype="float64")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (k + z * z / 2) / (n + z * z)
        half = z * np.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
        low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high
