"""Parse the text of source files into canonical values: numbers, timestamps, booleans, text.

:func:`crmlib.data.validate.validate` parses every column with :func:`parse_column`, then
checks the rules of the data model. Parsing rules:

- text: surrounding spaces stripped; empty text is a missing value; nothing is evaluated.
- numbers: ``1234.5``, ``-3``, ``1e3`` and thousands separators ``1,234.50``; anything else
  (``abc``, ``$12``, ``1,5``) is "not a number".
- timestamps: the column's ``format`` (strptime) when a mapping gives one, ISO 8601
  (``2017-01-03``, ``2017-01-03 10:30``), ``YYYY/MM/DD``, US ``M/D/YYYY``, and Excel day serials
  from 10000 to 2958465 (1927-05-18 .. 9999-12-31, 1900 date system). A value with a time zone
  offset is rejected: timestamps are naive local time.
- values of columns with a closed set of allowed values (``status``, ``outcome``, ...) are
  compared in lower case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["TIME_ZONE_PATTERN", "parse_column", "parse_numbers", "parse_timestamps"]

_SERIAL_MIN, _SERIAL_MAX = 10_000, 2_958_465
# a timestamp with a time zone offset (rejected: timestamps are naive local time)
TIME_ZONE_PATTERN = r"\d[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"
_FALLBACK_FORMATS = ("ISO8601", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%m/%d/%Y",
                     "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")
_TRUE = {"true", "t", "yes", "y", "1", "是"}
_FALSE = {"false", "f", "no", "n", "0", "否"}


def _text(s: pd.Series) -> pd.Series:
    """``s`` as stripped text (object dtype, ``None`` for missing)."""
    if s.dtype != object or pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
        s = s.astype(object).where(s.notna(), None).map(str, na_action="ignore")
    s = s.str.strip()
    return s.where(s.notna() & (s != ""), None)


def parse_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse text to float64.

    Parameters
    ----------
    s : pandas.Series
        Text (or numbers).

    Returns
    -------
    tuple of (pandas.Series, pandas.Series)
        ``(values, bad)`` where ``bad`` marks unparseable text.
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        vals = s.astype("float64")
        return vals, pd.Series(~np.isfinite(vals) & vals.notna(), index=s.index)
    txt = _text(s)
    comma = txt.str.contains(",", regex=False, na=False).astype(bool)
    if comma.any():
        sep = txt[comma].str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", na=False)
        txt = txt.copy()
        txt[comma] = txt[comma].str.replace(",", "", regex=False).where(sep.astype(bool), "x")
    vals = pd.to_numeric(txt, errors="coerce").astype("float64")
    bad = txt.notna() & (vals.isna() | ~np.isfinite(vals.fillna(0)))
    return vals.where(~bad), bad


def parse_timestamps(s: pd.Series, fmt: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse text to naive ``datetime64`` (see the module docstring).

    Parameters
    ----------
    s : pandas.Series
        Text, Excel day serials or timestamps.
    fmt : str, optional
        A strptime format tried first.

    Returns
    -------
    tuple of (pandas.Series, pandas.Series)
        ``(values, bad)`` where ``bad`` marks unparseable text.
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        return s.astype("datetime64[ns]"), pd.Series(False, index=s.index)
    txt = _text(s)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    zoned = txt.str.contains(TIME_ZONE_PATTERN, regex=True, na=False).astype(bool)
    todo = txt.notna() & ~zoned
    for f in ((fmt,) if fmt else ()) + _FALLBACK_FORMATS:
        if not todo.any():
            break
        got = pd.to_datetime(txt[todo], format=f, errors="coerce")
        got = got[got.notna()]
        out[got.index] = got.astype("datetime64[ns]")
        todo[got.index] = False
    if todo.any():
        num = pd.to_numeric(txt[todo], errors="coerce")
        num = num[(num >= _SERIAL_MIN) & (num <= _SERIAL_MAX)]
        if len(num):
            days = pd.to_datetime(num, unit="D", origin="1899-12-30", errors="coerce").dt.round("s")
            out[days.index] = days
    bad = txt.notna() & out.isna()
    return out, bad


def _booleans(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), pd.Series(False, index=s.index)
    low = _text(s).str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(_TRUE)] = True
    out[low.isin(_FALSE)] = False
    return out, low.notna() & out.isna()


def parse_column(s: pd.Series, dtype: str, fmt: str | None = None):
    """Parse ``s`` to the canonical ``dtype``.

    Parameters
    ----------
    s : pandas.Series
        Source values.
    dtype : str
        A canonical type: ``string``, ``float64``, ``int64``, ``timestamp``, ``date``,
        ``boolean``.
    fmt : str, optional
        A strptime format for timestamps.

    Returns
    -------
    tuple of (pandas.Series, pandas.Series, str)
        ``(values, bad, what)`` where ``what`` names the expected kind of value for messages.
    """
    if dtype == "float64":
        return *parse_numbers(s), "a number"
    if dtype == "int64":
        vals, bad = parse_numbers(s)
        frac = vals.notna() & (vals % 1 != 0)
        return vals.where(~frac), bad | frac, "a whole number"
    if dtype in ("timestamp", "date"):
        vals, bad = parse_timestamps(s, fmt)
        what = (f"a date in the format `{fmt}`" if fmt else
                "a date (YYYY-MM-DD, YYYY/MM/DD, M/D/YYYY or an Excel day number)")
        return (vals.dt.normalize() if dtype == "date" else vals), bad, what
    if dtype == "boolean":
        return *_booleans(s), "true or false"
    return _text(s), pd.Series(False, index=s.index), "text"
