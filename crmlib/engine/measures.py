"""Amounts, ratios and durations as every figure computes them.

Definitions (``docs/metrics.md``): a missing amount is counted (``missing_amount``), never summed
as 0; a summed amount is 0 for an empty group and NaN when every record of the group lacks an
amount; a ratio with a zero denominator is NaN.
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.engine.records import count_if

__all__ = ["ratio", "amount_aggs", "sum_or_nan", "days_between"]

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
