"""Employee performance (员工业绩分析): monthly figures.

The contract summary and invoices vs payments are in :mod:`crmlib.metrics.contract_money`.

Definitions (docs/metrics.md, "Performance and products"):

- Contracts count and sum when effective (status approved, or no status), by ``signed_at``;
  payments when effective, by ``paid_at``; invoices when effective, by ``issued_at``. Credit goes
  to the contract's owner (``owner_id``), payments and invoices to the owner of their contract.
- Month-over-month change = (this month - previous month) / previous month, January comparing
  with December of the previous year; year-over-year change = (this month - the same month a year
  earlier) / that month. Undefined (NaN, shown "—") when the base is 0, never 0. (Wukong shows 0
  when either side is 0, takes a different status for the year-over-year base and drops January's
  month-over-month change: all fixed here.)

Optional tables: a figure that needs a table the source lacks (``payments``, ``invoices``) is
NaN, never 0, and the other figures of the same frame are still computed; the report then says
"not available". No function here raises for an absent optional table.
"""

from __future__ import annotations

import math

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import as_period, count_if, counted, effective, report_day, with_team
from crmlib.exceptions import ParamsError
from crmlib.period import Period, change
from crmlib.scope import Scope

__all__ = ["MONTHLY_METRICS", "BY_CHOICES", "check_group_by", "monthly_performance"]

#: The monthly figures, in report order.
MONTHLY_METRICS = ("contracts", "contract_amount", "payments")
BY_CHOICES = (None, "owner_id", "team")  # the groupings of performance figures
_ALL, _NONE = "\x00all", "\x00none"  # group keys: no split / an owner or team not known


# -- helpers --------------------------------------------------------------------------------

def check_group_by(by, allowed=BY_CHOICES) -> None:
    """Check a performance figure's ``by``.

    Parameters
    ----------
    by : {None, "owner_id", "team"}
        The grouping asked for.
    allowed : tuple, default=BY_CHOICES
        The groupings the figure supports.

    Raises
    ------
    ParamsError
        ``by`` is not one of ``allowed``.
    """
    if by not in allowed:
        raise ParamsError(f"`by` {by!r} is not supported; use one of "
                          f"{', '.join(repr(b) for b in allowed)}.")


def _literal(ts: pd.Timestamp):
    return ibis.literal(pd.Timestamp(ts).to_pydatetime())


def _changes(cur: pd.Series, base: pd.Series) -> list[float]:
    return [change(c, b) for c, b in zip(cur, base, strict=True)]


# -- monthly figures ------------------------------------------------------------------------

def _months(period: Period, as_of: pd.Timestamp | None) -> pd.DatetimeIndex:
    """January of the period's first year .. December of its last year, not past ``as_of``."""
    first = pd.Timestamp(period.start.year, 1, 1)
    last = pd.Timestamp(period.last_day.year, 12, 1)
    if as_of is not None:
        last = min(last, max(as_of.to_period("M").to_timestamp(),
                             period.start.to_period("M").to_timestamp()))
    return pd.date_range(first, last, freq="MS")


def _monthly_query(t: ibis.Table, date_col: str, lo, hi, by, *, count: str | None,
                   amount: str) -> pd.DataFrame:
    t = t.filter((t[date_col] >= _literal(lo)) & (t[date_col] < _literal(hi)))
    keys = {"month": t[date_col].truncate("M").date()}
    if by:
        keys[by] = t[by]
    aggs = {amount: t.amount.sum(), f"{amount}_missing": count_if(t.amount.isnull())}
    if count:
        aggs[count] = t.count()
    df = t.group_by(**keys).aggregate(**aggs).execute()
    df["month"] = pd.to_datetime(df["month"])
    return df


def monthly_performance(crm: CRM, *, period, scope: Scope | None = None, by: str | None = None,
                        as_of=None) -> pd.DataFrame:
    """Return contracts, contract amount and payments per month, with their changes.

    The changes are month-over-month and year-over-year (员工业绩分析: 合同数量 / 合同金额 /
    回款金额).

    The months are every month of the period's calendar year(s) (January of the start year to
    December of the end year), stopping at the month of ``as_of``; empty months show 0. The
    twelve months before them are aggregated too, in the same query, so that January compares
    with December of the previous year and every month with the same month a year earlier.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        Selects the year(s) shown; the months inside the period itself are flagged.
    scope : Scope, optional
        Whose contracts count (by ``owner_id``); payments by the owner of their contract.
    by : {None, "owner_id", "team"}, default=None
        Split every month by owner or by the owner's team (each group gets every month).
    as_of : date-like, optional
        The report date; months after its month are not shown. Default: the data's last event.

    Returns
    -------
    pandas.DataFrame
        One row per month (and group), ordered by group then month. Columns: the ``by`` column
        when given; ``month`` (first day); ``in_period`` (the month overlaps ``period``); then for
        each metric ``m`` of :data:`MONTHLY_METRICS` — ``contracts`` (number of effective
        contracts signed in the month), ``contract_amount`` (their summed ``amount``, currency),
        ``payments`` (effective payments' summed ``amount`` by ``paid_at``) — the columns ``m``,
        ``m_previous`` (the previous month), ``m_year_ago`` (the same month a year earlier),
        ``m_mom`` = (m - m_previous) / m_previous and ``m_yoy`` = (m - m_year_ago) / m_year_ago
        (ratios; NaN when the base is 0). ``contract_amount_missing`` and ``payments_missing``
        count records of the month without an amount (not summed). The payment columns are NaN
        when the data has no ``payments`` table.

    Examples
    --------
    >>> from crmlib.data.connect import from_frames
    >>> crm = from_frames({
    ...     "employees": pd.DataFrame({"employee_id": ["e1"], "name": ["A"], "team": ["t"]}),
    ...     "customers": pd.DataFrame({"customer_id": ["c1"], "name": ["C"],
    ...                                "created_at": ["2024-01-01"]}),
    ...     "contracts": pd.DataFrame({"contract_id": ["k1", "k2"], "customer_id": ["c1", "c1"],
    ...                                "owner_id": ["e1", "e1"], "amount": [100.0, 150.0],
    ...                                "signed_at": ["2023-12-05", "2024-01-09"]})})
    >>> m = monthly_performance(crm, period=("2024-01-01", "2024-01-31"), as_of="2024-02-29")
    >>> m[["month", "contract_amount", "contract_amount_previous", "contract_amount_mom"]]
           month  contract_amount  contract_amount_previous  contract_amount_mom
    0 2024-01-01            150.0                     100.0                  0.5
    1 2024-02-01              0.0                     150.0                 -1.0
    """
    check_group_by(by)
    scope = scope or Scope()
    as_of = report_day(crm, as_of)
    period = as_period(crm, period, as_of=as_of)
    months = _months(period, as_of)
    lo = months[0] - pd.DateOffset(months=12)
    hi = months[-1] + pd.DateOffset(months=1)
    full = pd.date_range(lo, months[-1], freq="MS")

    con = scope.filter(effective(crm.table("contracts")))
    if by == "team":
        con = with_team(crm, con)
    parts = [_monthly_query(con, "signed_at", lo, hi, by, count="contracts",
                            amount="contract_amount")]
    has_payments = crm.has("payments")
    if has_payments:
        pay = scope.filter(counted(crm, "payments"))
        if by == "team":
            pay = with_team(crm, pay)
        parts.append(_monthly_query(pay, "paid_at", lo, hi, by, count=None, amount="payments"))

    # every group gets every month: a product of groups and months, filled with 0
    norm = [p.assign(_g=p[by].fillna(_NONE) if by else _ALL).drop(columns=[by] if by else [])
            .set_index(["_g", "month"]) for p in parts]
    groups = sorted({g for p in norm for g in p.index.get_level_values("_g")})
    if not by:
        groups = [_ALL]
    frame = pd.DataFrame(index=pd.MultiIndex.from_product([groups, full], names=["_g", "month"]))
    for p in norm:
        frame = frame.join(p, how="left")
    for c in ("contracts", "contract_amount", "contract_amount_missing"):
        frame[c] = frame[c].fillna(0) if c in frame else 0
    if has_payments:
        frame[["payments", "payments_missing"]] = frame[["payments", "payments_missing"]
                                                        ].fillna(0.0)
    else:
        frame["payments"] = frame["payments_missing"] = math.nan
    frame = frame.astype({"contracts": "int64", "contract_amount": "float64",
                          "contract_amount_missing": "int64", "payments": "float64",
                          "payments_missing": "float64"})

    g = frame.groupby(level="_g", sort=False)
    for m in MONTHLY_METRICS:
        frame[f"{m}_previous"] = g[m].shift(1)
        frame[f"{m}_year_ago"] = g[m].shift(12)
        frame[f"{m}_mom"] = _changes(frame[m], frame[f"{m}_previous"])
        frame[f"{m}_yoy"] = _changes(frame[m], frame[f"{m}_year_ago"])
    out = frame.reset_index()
    out = out[out["month"] >= months[0]].copy()
    month_end = out["month"] + pd.DateOffset(months=1)
    out["in_period"] = (out["month"] < period.end) & (month_end > period.start)
    cols = [f"{m}{s}" for m in MONTHLY_METRICS
            for s in ("", "_previous", "_year_ago", "_mom", "_yoy")]
    head = []
    if by:
        out[by] = out["_g"].where(out["_g"] != _NONE, None)
        head = [by]
    out = out[head + ["month", "in_period", *cols, "contract_amount_missing",
                      "payments_missing"]]
    return out.reset_index(drop=True)
