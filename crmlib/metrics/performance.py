"""Employee performance (员工业绩分析): monthly figures, contract summary, invoices vs payments.

Definitions (docs/metrics.md, "Performance and products"):

- Contracts count and sum when effective (status approved, or no status), by ``signed_at``;
  payments when effective, by ``paid_at``; invoices when effective, by ``issued_at``. Credit goes
  to the contract's owner (``owner_id``), payments and invoices to the owner of their contract.
- Month-over-month change = (this month - previous month) / previous month, January comparing
  with December of the previous year; year-over-year change = (this month - the same month a year
  earlier) / that month. Undefined (NaN, shown "—") when the base is 0, never 0. (Wukong shows 0
  when either side is 0, takes a different status for the year-over-year base and drops January's
  month-over-month change: all fixed here.)
- Payments and invoices "against a contract" count at any date up to ``as_of`` (end of that day).
- Invoiced and paid amounts are summed per contract *before* they are joined to the contract, so
  a contract with several invoices and several payments is never counted twice (Wukong's join
  fans out).

Optional tables: a figure that needs a table the source lacks (``payments``, ``invoices``) is
NaN, never 0, and the other figures of the same frame are still computed; the report then says
"not available". No function here raises for an absent optional table.
"""

from __future__ import annotations

import math

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import as_period, count_if, effective, end_of, in_period, report_day
from crmlib.exceptions import ParamsError
from crmlib.period import Period, change
from crmlib.scope import Scope

__all__ = ["MONTHLY_METRICS", "monthly_performance", "contract_summary",
           "invoice_payment_gaps"]

#: The monthly figures, in report order.
MONTHLY_METRICS = ("contracts", "contract_amount", "payments")
_BY = (None, "owner_id", "team")
_ALL, _NONE = "\x00all", "\x00none"  # group keys: no split / an owner or team not known


# -- helpers --------------------------------------------------------------------------------

def _check_by(by, allowed=_BY) -> None:
    if by not in allowed:
        raise ParamsError(f"`by` {by!r} is not supported; use one of "
                          f"{', '.join(repr(b) for b in allowed)}.")


def _literal(ts: pd.Timestamp):
    return ibis.literal(pd.Timestamp(ts).to_pydatetime())


def _positive(x):
    """max(x, 0) in the engine, keeping NULL as NULL."""
    return ibis.ifelse(x.isnull(), x, ibis.greatest(x, 0))


def _with_team(crm: CRM, t: ibis.Table) -> ibis.Table:
    """``t`` with the ``team`` of its ``owner_id`` (NULL for an owner not in employees)."""
    emp = crm.table("employees").select(_emp_id="employee_id", team="team")
    j = t.left_join(emp, t.owner_id == emp._emp_id)
    return j.select(*t.columns, "team")


def _contract_payments(crm: CRM) -> ibis.Table:
    """Effective payments with the owner of their contract (NULL when the contract is unknown)."""
    p = effective(crm.table("payments"))
    c = crm.table("contracts").select("contract_id", "owner_id")
    return p.left_join(c, "contract_id").select(*p.columns, "owner_id")


def _employees(crm: CRM) -> pd.DataFrame:
    return crm.table("employees").select("employee_id", "name", "team").execute()


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
    """Contracts, contract amount and payments per month, with month-over-month and
    year-over-year change (员工业绩分析: 合同数量 / 合同金额 / 回款金额).

    The months are every month of the period's calendar year(s) (January of the start year to
    December of the end year), stopping at the month of ``as_of``; empty months show 0. The
    twelve months before them are aggregated too, in the same query, so that January compares
    with December of the previous year and every month with the same month a year earlier.

    Parameters
    ----------
    crm : CRM
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
    _check_by(by)
    scope = scope or Scope()
    as_of = report_day(crm, as_of)
    period = as_period(crm, period, as_of=as_of)
    months = _months(period, as_of)
    lo = months[0] - pd.DateOffset(months=12)
    hi = months[-1] + pd.DateOffset(months=1)
    full = pd.date_range(lo, months[-1], freq="MS")

    con = scope.filter(effective(crm.table("contracts")))
    if by == "team":
        con = _with_team(crm, con)
    parts = [_monthly_query(con, "signed_at", lo, hi, by, count="contracts",
                            amount="contract_amount")]
    has_payments = crm.has("payments")
    if has_payments:
        pay = scope.filter(_contract_payments(crm))
        if by == "team":
            pay = _with_team(crm, pay)
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


# -- contract summary ------------------------------------------------------------------------

def _period_contracts(crm: CRM, period: Period, scope: Scope) -> ibis.Table:
    c = scope.filter(effective(crm.table("contracts")))
    return c.filter(in_period(c.signed_at, period))


def _per_contract_sum(crm: CRM, table: str, date_col: str, end) -> ibis.Table:
    """Effective ``table`` rows up to ``end`` summed per contract (one row per contract)."""
    t = effective(crm.table(table))
    t = t.filter(t[date_col] < _literal(end))
    return t.group_by("contract_id").aggregate(**{table: t.amount.sum()})


def _group_and_total(crm: CRM, per: ibis.Table, by: str | None, aggs: dict,
                     total: bool) -> pd.DataFrame:
    """Aggregate per-contract rows per group in the engine; add names and a total row."""
    if by == "team":
        per = _with_team(crm, per)
    if by:
        df = per.group_by(by).aggregate(**aggs(per)).execute()
    else:
        df = per.aggregate(**aggs(per)).execute()
    sums = [c for c in df.columns if c != by]
    df[sums] = df[sums].astype("float64")
    df["contracts"] = df["contracts"].fillna(0).astype("int64")
    if by == "owner_id":
        emp = _employees(crm).rename(columns={"employee_id": "owner_id"})
        df = df.merge(emp, on="owner_id", how="left")
        df = df[["owner_id", "name", "team", *sums]]
    if by:
        df = df.sort_values(["contract_amount", by], ascending=[False, True],
                            na_position="last").reset_index(drop=True)
        df["is_total"] = False
        if total:
            row = {c: df[c].sum(min_count=1) for c in sums}
            row["contracts"] = int(df["contracts"].sum())
            row["is_total"] = True
            df = pd.concat([df, pd.DataFrame([row])], ignore_index=True)
    else:
        df["is_total"] = True
    return df


def contract_summary(crm: CRM, *, period, as_of=None, scope: Scope | None = None,
                     by: str | None = "owner_id", total: bool = True) -> pd.DataFrame:
    """Contracts signed in the period and what has been paid against them (合同汇总表).

    The contracts are the effective ones signed in ``period``, owned by someone in ``scope``.
    Payments count when effective and paid up to the end of ``as_of``, at any date (also before
    the period or before signing); they are summed per contract before the join.

    Per contract: outstanding = max(amount - paid, 0) and overpaid = max(paid - amount, 0); a
    group's outstanding is the sum over its contracts, so one overpaid contract never hides
    another's unpaid balance. Hence contract_amount - paid = outstanding - overpaid at every
    level.

    Parameters
    ----------
    crm : CRM
    period : str, (start, end) or Period
    as_of : date-like, optional
        Payments up to the end of this day count. Default: the data's last event date.
    scope : Scope, optional
    by : {"owner_id", "team", None}, default="owner_id"
        One row per owner (with ``name`` and ``team``) or per team; None gives the total only.
    total : bool, default=True
        Append a total row (``is_total`` True, empty ``by`` column).

    Returns
    -------
    pandas.DataFrame
        Columns: the ``by`` column (plus ``name``, ``team`` for owners); ``contracts`` (number),
        ``contract_amount``, ``paid``, ``outstanding``, ``overpaid`` (currency), ``paid_rate`` =
        paid / contract_amount (NaN when the amount is 0) and ``is_total``. Groups are sorted by
        contract amount, largest first. ``paid``, ``outstanding``, ``overpaid`` and
        ``paid_rate`` are NaN when the data has no ``payments`` table.
    """
    _check_by(by)
    scope = scope or Scope()
    as_of = report_day(crm, as_of)
    period = as_period(crm, period, as_of=as_of)
    con = _period_contracts(crm, period, scope).select("contract_id", "owner_id", "amount")
    has_payments = crm.has("payments")
    if has_payments:
        paid = _per_contract_sum(crm, "payments", "paid_at", end_of(as_of))
        j = con.left_join(paid, "contract_id")
        p = j.payments.fill_null(0.0)
        per = j.select("contract_id", "owner_id", "amount", paid=p,
                       outstanding=_positive(j.amount - p), overpaid=_positive(p - j.amount))
    else:
        nan = ibis.null().cast("float64")
        per = con.mutate(paid=nan, outstanding=nan, overpaid=nan)

    def aggs(t):
        return {"contracts": t.count(), "contract_amount": t.amount.sum(),
                "paid": t.paid.sum(), "outstanding": t.outstanding.sum(),
                "overpaid": t.overpaid.sum()}

    df = _group_and_total(crm, per, by, aggs, total)
    for c in ("contract_amount", "paid", "outstanding", "overpaid"):
        if has_payments or c == "contract_amount":
            df[c] = df[c].fillna(0.0)
    df["paid_rate"] = df["paid"] / df["contract_amount"].where(df["contract_amount"] != 0)
    cols = [c for c in df.columns if c != "is_total"]
    return df[cols + ["is_total"]]


# -- invoices vs payments ----------------------------------------------------------------------

def invoice_payment_gaps(crm: CRM, *, period, as_of=None, scope: Scope | None = None,
                         by: str | None = None, total: bool = True) -> pd.DataFrame:
    """Invoices against payments per contract (发票统计): invoiced not paid, paid not invoiced.

    For every effective contract signed in ``period`` and owned in ``scope``: ``invoiced`` =
    effective invoices issued up to the end of ``as_of`` (any date), ``paid`` = effective
    payments up to the end of ``as_of``, each summed per contract *before* joining (no double
    count when a contract has several invoices and payments); ``invoiced_not_paid`` =
    max(invoiced - paid, 0) and ``paid_not_invoiced`` = max(paid - invoiced, 0).

    Parameters
    ----------
    crm : CRM
    period : str, (start, end) or Period
    as_of : date-like, optional
        Invoices and payments up to the end of this day count. Default: the last event date.
    scope : Scope, optional
    by : {None, "owner_id", "team"}, default=None
        None: one row per contract. Otherwise the per-contract figures summed per owner (with
        ``name`` and ``team``) or team, plus how many contracts have each kind of gap.
    total : bool, default=True
        With ``by``: append a total row (``is_total`` True).

    Returns
    -------
    pandas.DataFrame
        Per contract (``by=None``): ``contract_id``, ``name``, ``customer_id``, ``owner_id``,
        ``signed_at``, ``amount``, ``invoiced``, ``paid``, ``invoiced_not_paid``,
        ``paid_not_invoiced`` (currency), ordered by signing date. Per group: the ``by``
        column(s), ``contracts``, ``contract_amount``, ``invoiced``, ``paid``,
        ``invoiced_not_paid``, ``paid_not_invoiced``, ``contracts_invoiced_not_paid`` and
        ``contracts_paid_not_invoiced`` (numbers of contracts with a gap), ``is_total``.
        ``invoiced`` is NaN without an ``invoices`` table, ``paid`` without ``payments``, and
        the gaps (and gap counts) when either is missing.
    """
    _check_by(by)
    scope = scope or Scope()
    as_of = report_day(crm, as_of)
    period = as_period(crm, period, as_of=as_of)
    end = end_of(as_of)
    con = _period_contracts(crm, period, scope).select(
        "contract_id", "name", "customer_id", "owner_id", "signed_at", "amount")
    nan = ibis.null().cast("float64")
    j = con
    for table, date_col in (("invoices", "issued_at"), ("payments", "paid_at")):
        if crm.has(table):
            s = _per_contract_sum(crm, table, date_col, end)
            j = j.left_join(s, "contract_id")
            j = j.select(*[c for c in j.columns if c != "contract_id_right"])
            j = j.mutate(**{table: j[table].fill_null(0.0)})
        else:
            j = j.mutate(**{table: nan})
    per = j.select(*con.columns, invoiced=j.invoices, paid=j.payments,
                   invoiced_not_paid=_positive(j.invoices - j.payments),
                   paid_not_invoiced=_positive(j.payments - j.invoices))
    if by is None:
        df = per.order_by(["signed_at", "contract_id"]).execute()
        for c in ("amount", "invoiced", "paid", "invoiced_not_paid", "paid_not_invoiced"):
            df[c] = df[c].astype("float64")
        return df

    both = crm.has("invoices") and crm.has("payments")

    def aggs(t):
        a = {"contracts": t.count(), "contract_amount": t.amount.sum(),
             "invoiced": t.invoiced.sum(), "paid": t.paid.sum(),
             "invoiced_not_paid": t.invoiced_not_paid.sum(),
             "paid_not_invoiced": t.paid_not_invoiced.sum()}
        for gap in ("invoiced_not_paid", "paid_not_invoiced"):  # NULL gaps: NULL count
            a[f"contracts_{gap}"] = count_if(t[gap] > 0) if both else t[gap].sum()
        return a

    df = _group_and_total(crm, per, by, aggs, total)
    present = {"contract_amount": True, "invoiced": crm.has("invoices"),
               "paid": crm.has("payments"), "invoiced_not_paid": both,
               "paid_not_invoiced": both, "contracts_invoiced_not_paid": both,
               "contracts_paid_not_invoiced": both}
    for c, ok in present.items():
        df[c] = df[c].fillna(0.0) if ok else math.nan
    if both:
        df = df.astype({"contracts_invoiced_not_paid": "int64",
                        "contracts_paid_not_invoiced": "int64"})
    return df
