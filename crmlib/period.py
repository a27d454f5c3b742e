"""Reporting periods: presets, buckets, and the previous-period and year-ago comparisons.

Definitions (docs/metrics.md):

- A period is a range of whole days, ``start`` inclusive and ``end`` exclusive (midnight), resolved
  against ``as_of`` ("today"), which defaults to the data's last event date so that reports are
  reproducible.
- Presets: today, yesterday, this_week, last_week, this_month, last_month, this_quarter,
  last_quarter, this_year, last_year, last_7_days, last_30_days, last_90_days, and custom (start
  and end dates, both inclusive). "this_..." periods run to the end of the calendar unit, so a
  figure for this month counts the whole month up to ``as_of`` (nothing later exists yet).
  Weeks start on Monday unless ``week_start`` says otherwise (0 = Monday ... 6 = Sunday).
  "last_N_days" ends with ``as_of`` included.
- Buckets: a year or quarter by month; a month or week by day; a custom range by day when it
  spans at most 31 days, by week up to 183 days, otherwise by month.
- Previous period: the preceding period of the same kind (this month -> last month, this week ->
  last week, last_30_days -> the 30 days before); a custom range -> the same number of days just
  before. Year ago: the same calendar dates one year earlier (29 Feb -> 28 Feb).
- Change = (current - previous) / previous; undefined (NaN, shown "—") when previous is 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from crmlib.exceptions import ParamsError

__all__ = ["PRESETS", "Period", "parse_day", "resolve_period", "change"]

PRESETS = (
    "today", "yesterday", "this_week", "last_week", "this_month", "last_month",
    "this_quarter", "last_quarter", "this_year", "last_year",
    "last_7_days", "last_30_days", "last_90_days", "custom",
)
_UNIT_BUCKET = {"day": "day", "week": "day", "month": "day", "quarter": "month", "year": "month"}
_OFFSETS = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1),
            "month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3),
            "year": pd.DateOffset(years=1)}


@dataclass(frozen=True)
class Period:
    """A range of whole days: ``start`` inclusive, ``end`` exclusive (both midnight).

    Parameters
    ----------
    start, end : pandas.Timestamp
        First day included; the day after the last one.
    preset : str
        The preset it was resolved from (``custom`` for a free range).
    bucket : str
        How charts split it: day, week or month.
    unit : str, optional
        The calendar unit of a preset (day, week, month, quarter, year); ``None`` for a free range
        of ``days`` days.
    week_start : int, default=0
        First day of the week, 0 = Monday ... 6 = Sunday.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    preset: str
    bucket: str
    unit: str | None = None
    week_start: int = 0

    @property
    def last_day(self) -> pd.Timestamp:
        """The last day included (``end`` minus one day).

        Returns
        -------
        pandas.Timestamp
            That day, at midnight.
        """
        return self.end - pd.Timedelta(days=1)

    @property
    def days(self) -> int:
        """The number of days in the period.

        Returns
        -------
        int
            ``end`` - ``start`` in days.
        """
        return (self.end - self.start).days

    def previous(self) -> Period:
        """Step back to the previous equal period (same calendar unit, or the same number of days).

        Returns
        -------
        Period
            A new period of the same kind, ending where this one starts.
        """
        if self.unit is not None:
            off = _OFFSETS[self.unit]
            return replace(self, start=self.start - off, end=self.end - off)
        delta = pd.Timedelta(days=self.days)
        return replace(self, start=self.start - delta, end=self.end - delta)

    def year_ago(self) -> Period:
        """Shift the same dates one year earlier.

        Returns
        -------
        Period
            A new period, shifted one year back.
        """
        year = pd.DateOffset(years=1)
        return replace(self, start=self.start - year, end=self.last_day - year + pd.Timedelta(
            days=1))

    def buckets(self) -> pd.DatetimeIndex:
        """List the start of every bucket in the period, empty ones included.

        Returns
        -------
        pandas.DatetimeIndex
            Bucket starts (days, week starts or month starts), in order.
        """
        if self.bucket == "month":
            first = self.start.to_period("M").to_timestamp()
            return pd.date_range(first, self.last_day, freq="MS")
        if self.bucket == "week":
            first = self.start - pd.Timedelta(days=(self.start.weekday() - self.week_start) % 7)
            return pd.date_range(first, self.last_day, freq="7D")
        return pd.date_range(self.start, self.last_day, freq="D")

    def bucket_of(self, dates: pd.Series) -> pd.Series:
        """Map each date to the start of its bucket (pandas; the engine-side version is in crmlib.engine).

        Parameters
        ----------
        dates : pandas.Series
            Timestamps.

        Returns
        -------
        pandas.Series
            The bucket start of each of ``dates``, same index.
        """
        d = pd.to_datetime(dates).dt.normalize()
        if self.bucket == "month":
            return d.dt.to_period("M").dt.to_timestamp()
        if self.bucket == "week":
            return d - pd.to_timedelta((d.dt.weekday - self.week_start) % 7, unit="D")
        return d

    def __str__(self) -> str:
        """Return ``first..last`` day, both included, e.g. ``2026-10-01..2026-12-31``."""
        return f"{self.start:%Y-%m-%d}..{self.last_day:%Y-%m-%d}"


def parse_day(value, name: str = "as_of") -> pd.Timestamp:
    """Parse a parameter as a day (midnight).

    Parameters
    ----------
    value : date-like
        A date, a timestamp or an ISO string such as ``"2026-10-31"``.
    name : str, default="as_of"
        The parameter's name, for the error message.

    Returns
    -------
    pandas.Timestamp
        The day at midnight (any time of day dropped).

    Raises
    ------
    ParamsError
        ``value`` is not a date; the message names the parameter.

    Examples
    --------
    >>> parse_day("2026-10-31 15:00")
    Timestamp('2026-10-31 00:00:00')
    """
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if pd.isna(ts):
        raise ParamsError(f"`{name}` {value!r} is not a date; use YYYY-MM-DD.")
    return ts.normalize()


def _unit_start(day: pd.Timestamp, unit: str, week_start: int) -> pd.Timestamp:
    if unit == "day":
        return day
    if unit == "week":
        return day - pd.Timedelta(days=(day.weekday() - week_start) % 7)
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return day.replace(month=1, day=1)


def _range_bucket(days: int) -> str:
    return "day" if days <= 31 else "week" if days <= 183 else "month"


def resolve_period(preset: str = "this_month", *, as_of, start=None, end=None,
                   week_start: int = 0) -> Period:
    """Resolve a preset (or a custom ``start``..``end``, both inclusive) against ``as_of``.

    Parameters
    ----------
    preset : str, default="this_month"
        One of :data:`PRESETS`.
    as_of : date-like
        "Today" for the report.
    start, end : date-like, optional
        Required for ``custom``; ``end`` is included.
    week_start : int, default=0
        First day of the week, 0 = Monday ... 6 = Sunday.

    Returns
    -------
    Period
        The window ``[start, end)``, its preset, bucket kind and week start.

    Raises
    ------
    ParamsError
        Unknown preset (with a did-you-mean), bad dates, or ``end`` before ``start``.

    Examples
    --------
    >>> p = resolve_period("this_quarter", as_of="2026-11-24")
    >>> str(p), p.bucket, str(p.previous()), str(p.year_ago())
    ('2026-10-01..2026-12-31', 'month', '2026-07-01..2026-09-30', '2025-10-01..2025-12-31')
    """
    if preset not in PRESETS:
        import difflib

        hint = difflib.get_close_matches(str(preset), PRESETS, n=1)
        raise ParamsError(f"unknown period preset `{preset}`"
                          + (f"; did you mean `{hint[0]}`?" if hint else "")
                          + f" Choose one of: {', '.join(PRESETS)}.")
    if not (isinstance(week_start, int) and 0 <= week_start <= 6):
        raise ParamsError(f"`week_start` {week_start!r} must be 0 (Monday) .. 6 (Sunday).")
    today = parse_day(as_of, "as_of")
    one = pd.Timedelta(days=1)
    if preset == "custom":
        if start is None or end is None:
            raise ParamsError("a custom period needs both `start` and `end` (YYYY-MM-DD).")
        s, e = parse_day(start, "start"), parse_day(end, "end")
        if e < s:
            raise ParamsError(f"period `end` {e:%Y-%m-%d} is before `start` {s:%Y-%m-%d}.")
        days = (e - s).days + 1
        return Period(s, e + one, preset, _range_bucket(days), None, week_start)
    if preset.startswith("last_") and preset.endswith("_days"):
        n = int(preset.split("_")[1])
        return Period(today - pd.Timedelta(days=n - 1), today + one, preset, _range_bucket(n),
                      None, week_start)
    if preset in ("today", "yesterday"):
        day = today if preset == "today" else today - one
        return Period(day, day + one, preset, "day", "day", week_start)
    unit = preset.split("_", 1)[1]
    first = _unit_start(today, unit, week_start)
    if preset.startswith("last_"):
        first = first - _OFFSETS[unit]
    return Period(first, first + _OFFSETS[unit], preset, _UNIT_BUCKET[unit], unit, week_start)


def change(current: float, previous: float) -> float:
    """Return the relative change (current - previous) / previous.

    Parameters
    ----------
    current, previous : float
        The two values.

    Returns
    -------
    float
        NaN when previous is 0 or missing.
    """
    if previous is None or current is None:
        return math.nan
    try:
        if math.isnan(previous) or math.isnan(current) or previous == 0:
            return math.nan
    except TypeError:
        return math.nan
    return (current - previous) / previous
