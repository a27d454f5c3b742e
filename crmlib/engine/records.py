"""Which rows count: effective contracts and payments, live customers, conditional counts.

Definitions (``docs/metrics.md``): a contract or payment is *effective* when it is approved or
the source has no approvals (empty status); a customer is *live* unless deleted, as Wukong counts
them; a payment is credited to its contract's owner.
"""

from __future__ import annotations

import ibis

from crmlib.engine.dates import in_period
from crmlib.scope import Scope

__all__ = ["effective", "live", "counted", "count_if", "signed_contracts"]


def effective(t: ibis.Table) -> ibis.Table:
    """Effective records: status ``approved``, or no status at all (a source without approvals).

    Parameters
    ----------
    t : ibis.Table
        A table with a ``status`` column (contracts, payments, invoices, ...).

    Returns
    -------
    ibis.Table
        The rows that figures count.
    """
    return t.filter(t.status.isnull() | (t.status == "approved"))


def count_if(condition):
    """Return number of rows where ``condition`` holds (NULL counts as false).

    Written as SUM(CASE ...): PostgreSQL cannot cast a boolean to BIGINT, which is what
    ``condition.cast("int64").sum()`` compiles to.

    Parameters
    ----------
    condition : ibis boolean column
        The test per row.

    Returns
    -------
    ibis integer scalar
        An aggregate, for ``aggregate`` or ``group_by(...).aggregate``.
    """
    return ibis.ifelse(condition, 1, 0).sum()


def live(customers: ibis.Table) -> ibis.Table:
    """Return customers that count: not deleted (status empty, active or locked), as Wukong counts them.

    Parameters
    ----------
    customers : ibis.Table
        The customers table.

    Returns
    -------
    ibis.Table
        The customers that are not deleted.
    """
    return customers.filter(customers.status.isnull() | (customers.status != "deleted"))


def counted(crm, table: str, *, owner: bool = True) -> ibis.Table:
    """Return the rows of ``table`` that figures count.

    Parameters
    ----------
    crm : crmlib.CRM
        The data.
    table : str
        A table of the data model.
    owner : bool, default=True
        For payments: join their contract's ``owner_id`` (payments are credited to it);
        False skips that join when no figure needs the owner.

    Returns
    -------
    ibis.Table
        Effective contracts and payments, live customers; other tables as they are.
    """
    t = crm.table(table)
    if table == "contracts":
        return effective(t)
    if table == "customers":
        return live(t)
    if table == "payments":
        p = effective(t)
        if not owner:  # contract_id is the contracts' key: the left join adds no rows
            return p
        c = crm.table("contracts").select("contract_id", "owner_id")
        return p.left_join(c, "contract_id").select(*p.columns, "owner_id")
    return t


def signed_contracts(crm, p, scope: Scope | None) -> ibis.Table:
    """Return the effective contracts signed in ``p`` whose owner is in the scope.

    Parameters
    ----------
    crm : crmlib.CRM
        The data.
    p : Period
        The period of ``signed_at``.
    scope : Scope or None
        Whose contracts (by ``owner_id``); None is the whole company.

    Returns
    -------
    ibis.Table
        The contracts' rows (the orders of after-sale and product figures).
    """
    c = (scope or Scope()).filter(effective(crm.table("contracts")), "owner_id")
    return c.filter(in_period(c.signed_at, p))
