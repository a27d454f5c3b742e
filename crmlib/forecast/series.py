"""Sales series for forecasting: money per month or week, built in the database engine.

Definitions (docs/metrics.md):

- **What is summed.** ``contract_amount``: the ``amount`` of effective contracts (status approved
  or empty) by ``signed_at``; by category, the ``amount`` of their contract lines (the line's value
  after discount) by the contract's ``signed_at``, grouped by the line product's ``category``.
  ``payments``: the ``amount`` of effective payments by ``paid_at``, credited to the owner of
  their contract (``crmlib.engine.counted``). Amounts are in the company currency.
- **Whose.** ``scope`` filters on the record's ``owner_id`` (a payment's: its contract's owner).
  By team, a record goes to its owner's ``employees.team``.
- **Periods.** ``month``: calendar months; ``week``: weeks starting on ``week_start`` (0 =
  Monday). ``ds`` is the period's first day.
- **Complete periods only.** The series ends with the last period that is complete at ``as_of``
  (the report date, day included): a month ends on its last day, a week on its seventh. The
  period that holds ``as_of`` is dropped unless ``as_of`` is its last day, because a partial
  month would look like a fall in sales; records after ``as_of`` never count.
- **No gaps.** Each series runs from its first period with a record (or from the period holding
  ``start``, for every series) to that last complete period; periods without records are 0.
- **Series ids.** ``total`` without ``by``; the team id by team; the category by category.
  Records whose owner has no team (or whose product has no category) form the series
  ``unknown``, so the team series add up to the total; the category series add up the
  contract lines, so a contract without lines counts in no category.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import bucket_expr, check_choice, counted, parse_day, report_day
from crmlib.exceptions import CRMDataError, ParamsError
from crmlib.period import Period
from crmlib.scope import Scope

__all__ = ["SERIES_METRICS", "SERIES_FREQS", "SERIES_BY", "SEASON_LENGTH", "SERIES_COLUMNS",
           "sales_series", "period_offset", "last_complete_end", "infer_freq", "season_position",
           "future_dates"]

SERIES_METRICS = ("contract_amount", "payments")
SERIES_FREQS = ("month", "week")
SERIES_BY = (None, "team", "category")
# Periods in one season: the default seasonal period of the models, per frequency.
SEASON_LENGTH: dict[str, int] = {"month": 12, "week": 52}
SERIES_COLUMNS = ["unique_id", "ds", "y"]
UNKNOWN_ID = "unknown"
TOTAL_ID = "total"


def period_offset(freq: str) -> pd.DateOffset:
    """Return the pandas offset of one period: a calendar month or 7 days.

    Parameters
    ----------
    freq : {"month", "week"}
        The series' frequency.

    Returns
    -------
    pandas.DateOffset
        One month or one week.

    Raises
    ------
    ParamsError
        An unknown frequency.
    """
    check_choice(freq, "freq", SERIES_FREQS)
    return pd.DateOffset(months=1) if freq == "month" else pd.DateOffset(weeks=1)


def _period_start(day: pd.Timestamp, freq: str, week_start: int) -> pd.Timestamp:
    day = pd.Timestamp(day).normalize()
    if freq == "month":
        return day.replace(day=1)
    return day - pd.Timedelta(days=(day.weekday() - week_start) % 7)


def last_complete_end(as_of, freq: str, *, week_start: int = 0) -> pd.Timestamp:
    """Return the first day after the last period complete at ``as_of`` (day included).

    Parameters
    ----------
    as_of : str or Timestamp
        The report date.
    freq : {"month", "week"}
        The series' frequency.
    week_start : int, default=0
        First day of a week: 0 = Monday ... 6 = Sunday.

    Returns
    -------
    pandas.Timestamp
        Midnight of the day after the last complete period.

    Examples
    --------
    >>> last_complete_end("2024-03-31", "month"), last_complete_end("2024-03-30", "month")
    (Timestamp('2024-04-01 00:00:00'), Timestamp('2024-03-01 00:00:00'))
    """
    return _period_start(pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1), freq,
                         week_start)


def _records(crm: CRM, metric: str, by: str | None) -> tuple[ibis.Table, str, str]:
    """Return (table, date column, amount column) of what a series sums.

    The table has ``owner_id`` and, by category, ``_category``.
    """
    if metric == "payments":
        if by == "category":
            raise ParamsError("`by` 'category' is not defined for payments: a payment is not "
                              "split across products. Use metric='contract_amount' by category.")
        if not crm.has("payments"):
            raise CRMDataError(f"{crm.description}: has no `payments` table; forecast "
                               "metric='contract_amount' instead.")
        return counted(crm, "payments"), "paid_at", "amount"
    c = counted(crm, "contracts")
    if by != "category":
        return c, "signed_at", "amount"
    for name in ("contract_lines", "products"):
        if not crm.has(name):
            raise CRMDataError(f"{crm.description}: has no `{name}` table, so sales cannot be "
                               "split by category; forecast without `by` or by team.")
    lines = crm.table("contract_lines").select("contract_id", "product_id", "amount")
    heads = c.select(_cid="contract_id", signed_at="signed_at", owner_id="owner_id")
    j = lines.inner_join(heads, lines.contract_id == heads._cid)
    prods = crm.table("products").select(_pid="product_id", _category="category")
    j = j.left_join(prods, j.product_id == prods._pid)
    return j.select("signed_at", "owner_id", "amount", "_category"), "signed_at", "amount"


def sales_series(crm: CRM, *, metric: str = "contract_amount", freq: str = "month",
                 by: str | None = None, as_of=None, start=None, scope: Scope | None = None,
                 week_start: int = 0) -> pd.DataFrame:
    """Return money per period as long series, one ibis group-by in the engine.

    The frame has statsforecast's long format (``unique_id``, ``ds``, ``y``).

    Parameters
    ----------
    crm : CRM
        The connection.
    metric : {"contract_amount", "payments"}, default="contract_amount"
        Effective contracts' amounts by ``signed_at`` (contract lines' amounts by category), or
        effective payments by ``paid_at``.
    freq : {"month", "week"}, default="month"
        Calendar months or weeks.
    by : {None, "team", "category"}, default=None
        One series for the scope (``total``), one per owner's team, or one per product category.
    as_of : str or Timestamp, optional
        The report date (day included). Default: the data's last event date. The series end
        with the last period complete at ``as_of``; a partial period is dropped.
    start : str or Timestamp, optional
        Every series starts with the period holding ``start`` (its records before ``start``
        included). Default: each series starts with its own first period with a record.
    scope : Scope, optional
        Whose records, by ``owner_id``; None = the whole company.
    week_start : int, default=0
        First day of a week for ``freq="week"``: 0 = Monday ... 6 = Sunday.

    Returns
    -------
    pandas.DataFrame
        Columns ``unique_id`` (str: ``total``, a team id, a category, or ``unknown``), ``ds``
        (Timestamp, the period's first day) and ``y`` (float, the amount in the company
        currency; 0 for a period without records), sorted by ``unique_id`` and ``ds``; every
        period present from each series' first period to the last complete one. Empty (with
        these columns) when nothing is counted. ``attrs``: ``metric``, ``freq``, ``by``,
        ``as_of``, ``end`` (first day after the last period), ``season_length`` (12 monthly,
        52 weekly), ``week_start`` and ``dropped_partial`` (the first day of the partial
        period left out, or None when ``as_of`` closes a period).

    Raises
    ------
    ParamsError
        Unknown metric, freq or by; payments by category; ``start`` after the last complete
        period.
    CRMDataError
        A table the series needs is absent (payments, contract lines, products).

    Examples
    --------
    >>> import crmlib
    >>> crm = crmlib.connect()
    >>> s = sales_series(crm, freq="month", by="team")
    >>> list(s.columns), s.attrs["season_length"]
    (['unique_id', 'ds', 'y'], 12)
    """
    check_choice(metric, "metric", SERIES_METRICS)
    check_choice(freq, "freq", SERIES_FREQS)
    check_choice(by, "by", SERIES_BY)
    if week_start not in range(7):
        raise ParamsError(f"`week_start` {week_start!r} must be 0 (Monday) ... 6 (Sunday).")
    as_of = report_day(crm, as_of)
    end = last_complete_end(as_of, freq, week_start=week_start)
    first = _period_start(parse_day(start, "start"), freq, week_start) if start is not None else None
    if first is not None and first >= end:
        raise ParamsError(f"`start` {pd.Timestamp(start):%Y-%m-%d} is after the last {freq} "
                          f"complete at {as_of:%Y-%m-%d}; pick an earlier start.")

    t, date_col, amount_col = _records(crm, metric, by)
    t = (scope or Scope()).filter(t, "owner_id")
    t = t.filter(t[date_col] < ibis.literal(end.to_pydatetime()))
    if first is not None:
        t = t.filter(t[date_col] >= ibis.literal(first.to_pydatetime()))
    if by == "team":
        emp = crm.table("employees").select(_eid="employee_id", _team="team")
        t = t.left_join(emp, t.owner_id == emp._eid)
        key = t._team
    elif by == "category":
        key = t._category
    else:
        key = ibis.literal(TOTAL_ID)
    bucket = bucket_expr(t[date_col], Period(end, end, "custom", freq, week_start=week_start))
    g = t.mutate(_id=key.cast("string").fill_null(UNKNOWN_ID), _ds=bucket)
    agg = g.group_by(["_id", "_ds"]).aggregate(y=g[amount_col].sum()).execute()

    out = _fill(agg, freq, first, end)
    partial = _period_start(as_of, freq, week_start)
    out.attrs.update(metric=metric, freq=freq, by=by, as_of=as_of, end=end,
                     season_length=SEASON_LENGTH[freq], week_start=week_start,
                     dropped_partial=None if partial < end else partial)
    return out


def _fill(agg: pd.DataFrame, freq: str, first: pd.Timestamp | None,
          end: pd.Timestamp) -> pd.DataFrame:
    """Every period from each series' first one (or ``first``) to ``end`` (excluded), 0-filled."""
    step = "MS" if freq == "month" else "7D"
    agg = agg.assign(_ds=pd.to_datetime(agg["_ds"]), y=agg["y"].astype("float64").fillna(0.0))
    parts = []
    for uid, g in agg.groupby("_id", sort=True):
        lo = first if first is not None else g["_ds"].min()
        idx = pd.date_range(lo, end - pd.Timedelta(days=1), freq=step)  # lo is a period start
        y = g.set_index("_ds")["y"].reindex(idx, fill_value=0.0)
        parts.append(pd.DataFrame({"unique_id": str(uid), "ds": idx, "y": y.to_numpy()}))
    if not parts:
        return pd.DataFrame({"unique_id": pd.Series(dtype="object"),
                             "ds": pd.Series(dtype="datetime64[ns]"),
                             "y": pd.Series(dtype="float64")})
    out = pd.concat(parts, ignore_index=True)
    out["ds"] = out["ds"].astype("datetime64[ns]")
    return out[SERIES_COLUMNS]


def infer_freq(ds) -> str:
    """Return the frequency of consecutive period starts: ``month`` or ``week``.

    ``month`` when every date is a 1st and they are a month apart, ``week`` when 7 days apart
    (a single date: ``month`` if it is a 1st, else ``week``).

    Parameters
    ----------
    ds : sequence of dates
        Period starts, sorted.

    Returns
    -------
    str
        ``month`` or ``week``.

    Raises
    ------
    ParamsError
        Gaps or uneven steps.
    """
    ds = pd.DatetimeIndex(pd.to_datetime(ds))
    if len(ds) < 2:
        return "month" if len(ds) and ds[0].day == 1 else "week"
    months = ds.year * 12 + ds.month
    if (ds.day == 1).all() and (np.diff(months) == 1).all():
        return "month"
    if (np.diff(ds.asi8) == 7 * 86_400 * 10**9).all():
        return "week"
    raise ParamsError(f"`ds` runs {ds[0]:%Y-%m-%d}..{ds[-1]:%Y-%m-%d} with gaps or uneven "
                      "steps; pass consecutive months (1st of each) or weeks, gaps filled with "
                      "0 (crmlib.forecast.sales_series does).")


def season_position(first: pd.Timestamp, freq: str, m: int) -> int:
    """Return the position in the season of the first training period.

    Parameters
    ----------
    first : pandas.Timestamp
        The first period's start.
    freq : {"month", "week"}
        The series' frequency.
    m : int
        Periods per season.

    Returns
    -------
    int
        ``0 .. m - 1``: the calendar month - 1 of a monthly series with ``m = 12``; weeks are
        counted from Monday 1970-01-05; 0 when ``m <= 1``.
    """
    if m <= 1:
        return 0
    if freq == "month":
        return (first.year * 12 + first.month - 1) % m
    return ((first - pd.Timestamp("1970-01-05")).days // 7) % m


def future_dates(last: pd.Timestamp, freq: str, h: int) -> pd.DatetimeIndex:
    """Return the ``h`` period starts after ``last``.

    Parameters
    ----------
    last : pandas.Timestamp
        The last known period's start.
    freq : {"month", "week"}
        The series' frequency.
    h : int
        Periods ahead.

    Returns
    -------
    pandas.DatetimeIndex
        ``h`` period starts.
    """
    off = period_offset(freq)
    return pd.DatetimeIndex([last + off * k for k in range(1, h + 1)])
