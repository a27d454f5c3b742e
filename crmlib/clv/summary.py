"""Purchase summaries (frequency, recency, T, monetary value) built in the database engine.

Definitions (Fader, Hardie & Lee 2005; the conventions of ``lifetimes``' CDNOW summary):

- **Purchase.** A purchase *day*: every transaction of a customer on one calendar day (the date
  part of ``date``) is one purchase, whose amount is the sum of their amounts. Only
  transactions on or before the calibration end (day included) count for the calibration
  columns; the calibration end is ``calibration_end``, or ``observation_end`` when none.
- **frequency** (x): repeat purchases = distinct purchase days in the calibration period - 1.
- **recency** (t_x): last purchase day - first purchase day, in days / ``unit_days``.
- **T**: calibration end - first purchase day, in days / ``unit_days`` (the customer's age).
- **monetary_value**: mean amount of the repeat purchases (the first purchase day left out);
  0 when frequency is 0.
- **Holdout** (with ``calibration_end``): ``frequency_holdout`` = purchase days in
  (calibration end, observation end]; ``monetary_holdout`` = their mean amount (0 when none);
  ``duration_holdout`` = (observation end - calibration end) in days / ``unit_days``.
- Customers whose first purchase is after the calibration end are not in the summary.

Times are whole days divided by ``unit_days`` (7 for weeks): on CDNOW, customer 1 bought on
1997-01-01, 01-18 and 08-02 before the 1997-09-30 calibration end, so x = 2,
t_x = 213 / 7 = 30.43 and T = 272 / 7 = 38.86 weeks, as in the published summary.
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.engine import count_if, effective, live, parse_day, report_day
from crmlib.exceptions import CRMDataError, ParamsError
from crmlib.scope import Scope

__all__ = ["SUMMARY_COLUMNS", "HOLDOUT_COLUMNS", "purchase_summary", "crm_purchase_summary",
           "require_columns"]

SUMMARY_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value"]
HOLDOUT_COLUMNS = ["frequency_holdout", "monetary_holdout", "duration_holdout"]


def _day_expr(t: ibis.Table, date: str):
    col = t[date]
    typ = col.type()
    if typ.is_timestamp():
        return col.date()
    if typ.is_date():
        return col
    if typ.is_string():
        return col.cast("date")
    raise CRMDataError(f"column `{date}` holds {typ} values, not dates; convert it to a date or "
                       "timestamp column (or pass the right name as `date`).")


def purchase_summary(transactions, *, customer: str = "customer_id", date: str = "signed_at",
                     amount: str = "amount", observation_end, calibration_end=None,
                     unit_days: float = 1.0) -> pd.DataFrame:
    """Return one row per customer: repeat purchases, recency, age and mean repeat spend.

    See the module docstring for the exact definitions. The aggregation is one ibis expression
    (purchase days per customer, a window for the first day, one group-by) run once in the
    engine.

    Parameters
    ----------
    transactions : ibis.Table or pandas.DataFrame
        One row per transaction with a customer id, a date (timestamp, date or ISO string) and
        an amount. A DataFrame is wrapped with ``ibis.memtable``. No row filter is applied here
        (pass effective contracts only; :func:`crm_purchase_summary` does that).
    customer, date, amount : str, default="customer_id", "signed_at", "amount"
        The column names.
    observation_end : str, date or Timestamp
        The last day of data (included). Transactions after it are ignored.
    calibration_end : str, date or Timestamp, optional
        The last day of the calibration period (included), before ``observation_end``. When
        given, the holdout columns are added; when not, the calibration period ends at
        ``observation_end``.
    unit_days : float, default=1.0
        Days per time unit of ``recency``, ``T`` and ``duration_holdout`` (7 for weeks).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (whatever the input column is called), ``frequency`` (int),
        ``recency``, ``T`` (float, in units of ``unit_days`` days), ``monetary_value`` (float,
        the amount's unit); with ``calibration_end`` also ``frequency_holdout`` (int),
        ``monetary_holdout`` and ``duration_holdout``. Sorted by ``customer_id``.
        ``attrs`` holds ``observation_end``, ``calibration_end`` (dates) and ``unit_days``.

    Raises
    ------
    CRMDataError
        A named column is missing or its date column holds no dates.
    ParamsError
        A date that does not parse, ``calibration_end`` not before ``observation_end``, or
        ``unit_days`` not positive.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "signed_at": pd.to_datetime(["2024-01-01", "2024-01-01",
    ...                                                 "2024-01-08", "2024-01-03"]),
    ...                    "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> s = purchase_summary(tx, observation_end="2024-01-31")
    >>> s[["customer_id", "frequency", "recency", "T", "monetary_value"]].values.tolist()
    [['a', 1, 7.0, 30.0, 20.0], ['b', 0, 0.0, 28.0, 0.0]]
    """
    t = ibis.memtable(transactions) if isinstance(transactions, pd.DataFrame) else transactions
    missing = [c for c in (customer, date, amount) if c not in t.columns]
    if missing:
        raise CRMDataError(f"the transactions have no column {', '.join(f'`{c}`' for c in missing)}"
                           f" (columns: {', '.join(t.columns)}); pass the right names as "
                           "`customer`, `date`, `amount`.")
    if not (isinstance(unit_days, (int, float)) and unit_days > 0):
        raise ParamsError(f"`unit_days` {unit_days!r} must be a positive number of days (7 for "
                          "weeks).")
    obs = parse_day(observation_end, "observation_end").date()
    cal = obs if calibration_end is None else parse_day(calibration_end, "calibration_end").date()
    if calibration_end is not None and cal >= obs:
        raise ParamsError(f"`calibration_end` {cal} is not before `observation_end` {obs}; the "
                          "holdout period needs at least one day (or leave calibration_end out).")
    holdout = calibration_end is not None
    cal_lit, obs_lit = ibis.literal(cal), ibis.literal(obs)
    unit = float(unit_days)

    t = t.select(_c=t[customer], _day=_day_expr(t, date), _a=t[amount])
    t = t.filter(t._c.notnull(), t._day.notnull(), t._day <= obs_lit)
    d = t.group_by(["_c", "_day"]).aggregate(_amount=t._a.sum())
    d = d.mutate(_first=d._day.min().over(group_by=d._c))
    incal = d._day <= cal_lit
    aggs = dict(
        _first=d._first.min(),
        _last=ibis.ifelse(incal, d._day, ibis.null()).max(),
        _n=count_if(incal),
        _total=ibis.ifelse(incal, d._amount, 0.0).sum(),
        _first_amount=ibis.ifelse(d._day == d._first, d._amount, 0.0).sum())
    if holdout:
        aggs |= dict(_nh=count_if(~incal), _totalh=ibis.ifelse(~incal, d._amount, 0.0).sum())
    g = d.group_by("_c").aggregate(**aggs)
    g = g.filter(g._first <= cal_lit)
    cols = dict(
        customer_id=g._c,
        frequency=(g._n - 1).cast("int64"),
        recency=g._last.delta(g._first, unit="day").cast("float64") / unit,
        T=cal_lit.delta(g._first, unit="day").cast("float64") / unit,
        monetary_value=ibis.ifelse(g._n > 1, (g._total - g._first_amount) / (g._n - 1), 0.0))
    if holdout:
        cols |= dict(
            frequency_holdout=g._nh.cast("int64"),
            monetary_holdout=ibis.ifelse(g._nh > 0, g._totalh / g._nh, 0.0),
            duration_holdout=ibis.literal((obs - cal).days / unit, type="float64"))
    df = g.select(**cols).order_by("customer_id").execute()
    df.attrs.update(observation_end=obs, calibration_end=cal if holdout else None,
                    unit_days=unit)
    return df


def crm_purchase_summary(crm, *, as_of=None, scope: Scope | None = None, calibration_end=None,
                         unit_days: float = 1.0) -> pd.DataFrame:
    """Return the :func:`purchase_summary` of a CRM's customers, from their effective contracts.

    Transactions are the effective contracts (status approved or empty) signed on or before
    ``as_of`` (day included) of live customers (not deleted); ``amount`` is the contract amount,
    the day is the date of ``signed_at``. ``scope`` keeps the customers whose ``owner_id`` is in
    scope (company: every customer, public-pool ones included).

    Parameters
    ----------
    crm : CRM
        The connection.
    as_of : str or Timestamp, optional
        The observation end (day included); default the data's last event date.
    scope : Scope, optional
        Whose customers, by ``customers.owner_id``; ``None`` = the whole company.
    calibration_end : str or Timestamp, optional
        Split calibration / holdout at this day (included in calibration).
    unit_days : float, default=1.0
        Days per time unit (7 for weeks).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`purchase_summary` (``customer_id`` is the CRM's). ``attrs`` adds
        ``scope`` (its text).

    Raises
    ------
    ParamsError
        ``as_of`` or ``calibration_end`` is not a date, or not in order.

    Examples
    --------
    >>> import crmlib
    >>> s = crm_purchase_summary(crmlib.connect(), as_of="2026-10-31", unit_days=7)
    >>> list(s.columns)
    ['customer_id', 'frequency', 'recency', 'T', 'monetary_value']
    >>> bool((s["recency"] <= s["T"]).all())
    True
    """
    scope = scope or Scope()
    as_of = report_day(crm, as_of)
    customers = scope.filter(live(crm.table("customers")), "owner_id")
    c = effective(crm.table("contracts"))
    c = c.filter(c.customer_id.isin(customers.customer_id))
    df = purchase_summary(c, observation_end=as_of, calibration_end=calibration_end,
                          unit_days=unit_days)
    df.attrs["scope"] = str(scope)
    return df


def require_columns(summary: pd.DataFrame, columns, hint: str) -> None:
    """Raise :class:`~crmlib.exceptions.CRMDataError` unless ``summary`` has every column.

    Parameters
    ----------
    summary : pandas.DataFrame
        A purchase summary.
    columns : list of str
        The columns the caller needs.
    hint : str
        How to build the right summary, appended to the message.

    Returns
    -------
    None
        Returns when every column is there.

    Raises
    ------
    CRMDataError
        A column is missing.
    """
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise CRMDataError(f"the summary has no column {', '.join(f'`{c}`' for c in missing)}; "
                           f"{hint}")
