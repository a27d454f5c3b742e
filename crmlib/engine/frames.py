"""The one "not available" frame: what a figure returns when the data lacks what it needs.

Protocol, read by plots, display and dashboards: a frame with the figure's usual columns and no
rows, whose ``attrs`` hold ``available=False``, ``missing_table`` (the table the source lacks, or
None) and ``reason`` (``"missing_table"`` or another short code such as ``"undated"``). Any
other frame is available.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["unavailable", "is_available", "missing_table_of", "first_missing"]


def unavailable(columns, table: str | None, *, reason: str = "missing_table", dtype=None,
                **attrs) -> pd.DataFrame:
    """Return an empty frame saying that a figure cannot be computed on this data.

    Parameters
    ----------
    columns : sequence of str or dict of str to dtype
        The figure's usual columns; a dict gives each its dtype.
    table : str or None
        The table the source lacks (None when the reason is another).
    reason : str, default="missing_table"
        Why the figure is not available.
    dtype : dtype, optional
        The dtype of every column (default object, or the dict's dtypes).
    **attrs
        More ``attrs`` (period, options) for the report's header.

    Returns
    -------
    pandas.DataFrame
        No rows; ``attrs``: ``available=False``, ``missing_table``, ``reason`` and ``attrs``.

    Examples
    --------
    >>> df = unavailable(["team", "amount"], "targets")
    >>> is_available(df), missing_table_of(df), list(df.columns)
    (False, 'targets', ['team', 'amount'])
    """
    if isinstance(columns, dict):
        df = pd.DataFrame({c: pd.Series(dtype=d) for c, d in columns.items()})
    elif dtype is not None:
        df = pd.DataFrame({c: pd.Series(dtype=dtype) for c in columns})
    else:
        df = pd.DataFrame(columns=list(columns))
    df.attrs.update(available=False, missing_table=table, reason=reason, **attrs)
    return df


def is_available(df) -> bool:
    """Whether a figure's frame holds a figure (not :func:`unavailable`).

    Parameters
    ----------
    df : pandas.DataFrame or None
        A metric function's result.

    Returns
    -------
    bool
        False for None or a frame marked unavailable.
    """
    if df is None:
        return False
    attrs = getattr(df, "attrs", {})
    return attrs.get("available", True) is not False


def missing_table_of(df) -> str | None:
    """Return the table whose absence made a frame unavailable, or None.

    Parameters
    ----------
    df : pandas.DataFrame
        A metric function's result.

    Returns
    -------
    str or None
        ``attrs["missing_table"]`` of an unavailable frame.
    """
    attrs = getattr(df, "attrs", {})
    return attrs.get("missing_table")


def first_missing(crm, tables) -> str | None:
    """Return the first of ``tables`` the data lacks, or None when it has them all.

    Parameters
    ----------
    crm : crmlib.CRM
        The data.
    tables : iterable of str
        The tables a figure needs, in the order to report them.

    Returns
    -------
    str or None
        The table to name in :func:`unavailable`.
    """
    return next((name for name in tables if not crm.has(name)), None)
