"""Contract money (员工业绩分析): the contract summary and invoices vs payments, per owner or team.

Definitions (docs/metrics.md, "Performance and products"):

- Contracts count and sum when effective (status approved, or no status), by ``signed_at``;
  payments when effective, by ``paid_at``; invoices when effective, by ``issued_at``. Credit goes
  to the contract's owner (``owner_id``), payments and invoices to the owner of their contract.
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
from crmlib.engine import as_period, count_if, effective, end_of, in_period, report_day, with_team
from crmlib.metrics.performance import check_group_by
from crmlib.period import Period
from crmlib.scope import Scope

__all__ = ["contract_summary", "invoice_payment_gaps"]


def _positive(x):
    """max(x, 0) in the engine, keeping NULL as NULL."""
    return ibis.ifelse(x.isnull(), x, ibis.greatest(x, 0))


def _employees(crm: CRM) -> pd.DataFrame:
    return crm.table("employees").select("employee_id", "name", "team").execute()


# -- contract summary ------------------------------------------------------------------------

def _period_contracts(crm: CRM, period: Period, scope: Scope) -> ibis.Table:
    c = scope.filter(effective(crm.table("contracts")))
    return c.filter(in_period(c.signed_at, period))


def _per_contract_sum(crm: CRM, table: str, date_col: str, end) -> ibis.Table:
    """Effective ``table`` rows up to ``end`` summed per contract (one row per contract)."""
    t = effective(crm.table(table))
    t = t.filter(t[date_col] < ibis.literal(pd.Timestamp(end).to_pydatetime()))
    return t.group_by("contract_id").aggregate(**{table: t.amount.sum()})


def _group_and_total(crm: CRM, per: ibis.Table, by: str | None, aggs: dict,
                     total: bool) -> pd.DataFrame:
    """Aggregate per-contract rows per group in the engine; add names and a total row."""
    if by == "team":
        per = with_team(crm, per)
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
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    as_of : date-like, optional
        Payments up to the end of this day count. Default: the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
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
    check_group_by(by)
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
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    as_of : date-like, optional
        Invoices and payments up to the end of this day count. Default: the last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
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
    check_group_by(by)
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
