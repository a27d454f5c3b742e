"""Report days and periods: one parser, one message, one way to test a date in the engine.

A *report day* ("as of") is a day at midnight; a figure "as of" a day includes that whole day,
so in the engine it is compared against :func:`end_of` (the next midnight, excluded). A period
is a :class:`crmlib.period.Period` (``start`` included, ``end`` excluded).
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.exceptions import ParamsError
from crmlib.period import Period, parse_day, resolve_period

__all__ = ["parse_day", "report_day", "end_of", "two_dates", "as_period", "in_period",
           "windows_of"]


def report_day(crm, as_of=None, name: str = "as_of") -> pd.Timestamp:
    """Return the report's day: ``as_of`` parsed, or the data's last event date when None.

    Parameters
    ----------
    crm : crmlib.CRM
        The data, asked for its last event date when ``as_of`` is None.
    as_of : date-like, optional
        The report's "today".
    name : str, default="as_of"
        The parameter's name, for the error message.

    Returns
    -------
    pandas.Timestamp
        The day at midnight.

    Raises
    ------
    ParamsError
        ``as_of`` is not a date.
    """
    if as_of is None:
        return crm.last_event_date().normalize()
    return parse_day(as_of, name)


def end_of(day) -> pd.Timestamp:
    """Return the exclusive end of a report day: the next midnight.

    Parameters
    ----------
    day : date-like
        A day; any time of day is dropped.

    Returns
    -------
    pandas.Timestamp
        ``day`` + 1 day at midnight, so that ``event < end_of(day)`` holds for the whole day.

    Examples
    --------
    >>> end_of("2026-10-31 08:00")
    Timestamp('2026-11-01 00:00:00')
    """
    return pd.Timestamp(day).normalize() + pd.Timedelta(days=1)


def two_dates(crm, from_as_of, to_as_of) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Two report days, the first on or before the second (for migrations and transitions).

    Parameters
    ----------
    crm : crmlib.CRM
        The data (for a default day).
    from_as_of, to_as_of : date-like or None
        The earlier and the later day; None is the data's last event date.

    Returns
    -------
    tuple of pandas.Timestamp
        The two days at midnight.

    Raises
    ------
    ParamsError
        A day is not a date, or ``from_as_of`` is after ``to_as_of``.
    """
    a, b = report_day(crm, from_as_of, "from_as_of"), report_day(crm, to_as_of, "to_as_of")
    if a > b:
        raise ParamsError(f"`from_as_of` {a:%Y-%m-%d} is after `to_as_of` {b:%Y-%m-%d}; swap "
                          "them.")
    return a, b


def as_period(crm, period, *, as_of=None) -> Period:
    """Return a period argument as a :class:`~crmlib.period.Period`.

    Parameters
    ----------
    crm : crmlib.CRM
        The data (its last event date is the default ``as_of``).
    period : Period, str or (start, end)
        A Period as it is, a preset name (resolved against ``as_of``) or a pair of ISO dates
        (both included).
    as_of : date-like, optional
        The day presets are resolved against; default the data's last event date.

    Returns
    -------
    Period
        The resolved period.

    Raises
    ------
    ParamsError
        An unknown preset, a bad date, or a value of another kind.
    """
    if isinstance(period, Period):
        return period
    if isinstance(period, str):
        return resolve_period(period, as_of=as_of if as_of is not None else
                              crm.last_event_date())
    if isinstance(period, (tuple, list)) and len(period) == 2:
        start, end = period
        return resolve_period("custom", as_of=as_of if as_of is not None else end,
                              start=start, end=end)
    raise ParamsError(f"`period` {period!r} is not a preset name, a (start, end) pair or a "
                      "Period.")


def in_period(col, p: Period):
    """Test in the engine that ``col`` falls in period ``p``.

    Parameters
    ----------
    col : ibis timestamp column
        The dates to test.
    p : Period
        The period (start included, end excluded).

    Returns
    -------
    ibis boolean column
        True inside the period; NULL dates are in no period.
    """
    return (col >= ibis.literal(p.start.to_pydatetime())) & (col < ibis.literal(
        p.end.to_pydatetime()))


def windows_of(period: Period) -> dict[str, Period]:
    """Return the three windows every headline figure is shown for.

    Parameters
    ----------
    period : Period
        The current period.

    Returns
    -------
    dict of str to Period
        ``current``, ``previous`` (the preceding equal period) and ``year_ago``.
    """
    return {"current": period, "previous": period.previous(), "year_ago": period.year_ago()}
