"""The rows each data-quality check looks at, and the flags the checks raise on them.

:func:`flagged_table` prepares one table for a set of checks (``missing``, ``invalid``,
``orphan``, ``stale``: see :mod:`crmlib.quality.checks` for their definitions) and returns it
with one boolean column per rule; :mod:`crmlib.quality.checks` counts the flags per rule and
:mod:`crmlib.quality.score` counts the rows failing any of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from crmlib.data.schema import LOAD_ORDER, TABLES
from crmlib.engine import live
from crmlib.exceptions import ParamsError
from crmlib.quality.phones_emails import email_invalid_expr, phone_invalid_expr
from crmlib.scope import Scope

__all__ = ["MISSING_FIELDS", "PLANNED_COLUMNS", "OWNER_OF", "STALE_CONFIG", "Flag",
           "flagged_table", "checked_tables", "scoped_rows", "valid_stale_days"]

# table -> optional columns a useful record has (checked by `missing_fields`)
MISSING_FIELDS: dict[str, list[str]] = {
    "customers": ["industry", "level", "source", "province", "city", "phone", "email"],
    "contacts": ["title", "phone", "email"],
    "leads": ["owner_id", "source", "name"],
    "opportunities": ["customer_id", "amount", "created_at", "expected_close_at"],
    "contracts": ["start_at", "end_at"],
    "products": ["category", "list_price"],
    "employees": ["department"],
    "activities": ["channel"],
    "payments": ["method"],
    "visits": ["employee_id"],
}
# timestamps that may lie after as_of (plans, not events)
PLANNED_COLUMNS = frozenset({"expected_close_at", "next_followup_at", "start_at", "end_at",
                             "due_at", "started_at", "ended_at"})
# table -> owner column, or (parent table, join column) whose owner_id the rows get
OWNER_OF: dict[str, str | tuple[str, str]] = {
    "customers": "owner_id", "contacts": "owner_id", "leads": "owner_id",
    "opportunities": "owner_id", "contracts": "owner_id", "activities": "employee_id",
    "visits": "employee_id", "contract_lines": ("contracts", "contract_id"),
    "payments": ("contracts", "contract_id"), "payment_plans": ("contracts", "contract_id"),
    "invoices": ("contracts", "contract_id"), "returns": ("contracts", "contract_id"),
    "stage_history": ("opportunities", "opportunity_id"),
    "owner_changes": ("customers", "customer_id"),
}
STALE_CONFIG: dict = {"stale_days": 180}
_ID_COLUMN = {"targets": "owner_id", "pipeline_stages": "stage"}


@dataclass(frozen=True)
class Flag:
    """One rule of a check on a table: which check, column and rule, and where its flag is.

    Parameters
    ----------
    check : str
        ``missing``, ``invalid``, ``orphan`` or ``stale``.
    column : str
        The column the rule looks at.
    rule : str
        The rule's name, e.g. ``empty``, ``email``, ``unknown_customers``.
    expr : object
        An ibis boolean; after :func:`flagged_table`, the name of its column in the table.
    """

    check: str
    column: str
    rule: str
    expr: object  # an ibis boolean; after flagged_table, the name of its column in the table


def _blank(col):
    if col.type().is_string():
        return col.isnull() | (col.strip() == "")
    return col.isnull()


def _id_column(name: str) -> str:
    return _ID_COLUMN.get(name) or TABLES[name].key[0]


def _base(crm, name: str) -> ibis.Table:
    """Return the table with ``_id`` and ``_owner`` (null when nobody owns its rows)."""
    t = crm.table(name)
    if name == "customers":
        t = live(t)
    own = OWNER_OF.get(name)
    if isinstance(own, tuple):
        parent, col = own
        if crm.has(parent):
            p = crm.table(parent)
            p = p.group_by(col).aggregate(_owner=p.owner_id.min()).rename(_pk=col)
            t = t.left_join(p, t[col] == p._pk).drop("_pk")
        else:
            t = t.mutate(_owner=ibis.null("string"))
    else:
        t = t.mutate(_owner=t[own] if own else ibis.null("string"))
    return t.mutate(_id=t[_id_column(name)].cast("string"))


def flagged_table(crm, name: str, checks, day: pd.Timestamp, stale_days: int,
                  fields_config) -> tuple[ibis.Table, list[Flag]]:
    """Return table ``name`` prepared for ``checks``, with one boolean flag column per rule.

    Parameters
    ----------
    crm : crmlib.CRM
        The data.
    name : str
        A canonical table the data holds.
    checks : set of str
        Among ``missing``, ``invalid``, ``orphan``, ``stale``.
    day : pandas.Timestamp or None
        The report day (needed by ``invalid`` and ``stale``).
    stale_days : int
        Days without a touch after which a customer is stale.
    fields_config : dict or None
        Table -> columns checked by ``missing``; None = :data:`MISSING_FIELDS`.

    Returns
    -------
    tuple of (ibis.Table, list of Flag)
        The table with ``_id`` (the row's id as text), ``_owner`` (null when nobody owns the
        row) and ``_flag<i>`` columns, and the flags, whose ``expr`` names their column.
    """
    spec = TABLES[name]
    t = _base(crm, name)
    if "orphan" in checks:
        for col, (parent, pcol) in spec.references.items():
            if crm.has(parent):
                p = crm.table(parent).select(**{f"_p_{col}": pcol}).distinct()
                t = t.left_join(p, t[col] == p[f"_p_{col}"])
    if "stale" in checks and name == "customers":
        t = _with_touch(crm, t)
    flags: list[Flag] = []
    end = None if day is None else ibis.literal((day + pd.Timedelta(days=1)).to_pydatetime())
    if "missing" in checks:
        for col in (fields_config or MISSING_FIELDS).get(name, []):
            if col in spec.names:
                flags.append(Flag("missing", col, "empty", _blank(t[col])))
    if "invalid" in checks:
        for col in spec.names:
            if col == "email" and name in ("customers", "contacts"):
                flags.append(Flag("invalid", col, "email", email_invalid_expr(t[col])))
            elif col == "phone" and name in ("customers", "contacts"):
                flags.append(Flag("invalid", col, "phone", phone_invalid_expr(t[col])))
        for c in spec.columns:
            if c.dtype == "timestamp" and c.name not in PLANNED_COLUMNS:
                flags.append(Flag("invalid", c.name, "future", t[c.name] >= end))
        for early, late in spec.ordered:
            flags.append(Flag("invalid", late, "order", t[late] < t[early]))
    if "orphan" in checks:
        for col, (parent, _pcol) in spec.references.items():
            if crm.has(parent):
                flags.append(Flag("orphan", col, f"unknown_{parent}",
                                  t[col].notnull() & t[f"_p_{col}"].isnull()))
    if "stale" in checks:
        start = ibis.literal(day.to_pydatetime())
        if name == "customers":
            cutoff = ibis.literal((day - pd.Timedelta(days=stale_days)).to_pydatetime())
            flags.append(Flag("stale", "last_followup_at", "no_touch",
                              (t.created_at < end) & (t._touch < cutoff)))
        elif name == "opportunities":
            flags.append(Flag("stale", "expected_close_at", "past_close",
                              (t.outcome == "open") & (t.expected_close_at < start)))
    # materialise the flags as columns, so that later filters and joins can refer to them
    t = t.mutate(**{f"_flag{i}": f.expr.fill_null(False) for i, f in enumerate(flags)})
    return t, [Flag(f.check, f.column, f.rule, f"_flag{i}") for i, f in enumerate(flags)]


def _with_touch(crm, t: ibis.Table) -> ibis.Table:
    """Return customers with ``_touch``: the latest of created, followup, activity, contract."""
    cols = ["created_at", "last_followup_at"]
    for table, col in (("activities", "at"), ("contracts", "signed_at")):
        if crm.has(table):
            x = crm.table(table)
            x = x.filter(x.customer_id.notnull()).group_by("customer_id").aggregate(
                **{f"_last_{table}": x[col].max()}).rename(**{f"_k_{table}": "customer_id"})
            t = t.left_join(x, t.customer_id == x[f"_k_{table}"]).drop(f"_k_{table}")
            cols.append(f"_last_{table}")
    touch = t.created_at
    for c in cols[1:]:
        touch = ibis.ifelse(t[c].notnull() & (t[c] > touch), t[c], touch)
    return t.mutate(_touch=touch)


def checked_tables(crm, scope: Scope) -> list[str]:
    """Return the tables checked for ``scope``: all present ones, or only owned ones in a scope.

    Parameters
    ----------
    crm : crmlib.CRM
        The data.
    scope : Scope
        Whose rows; a scope with employees keeps only the tables of :data:`OWNER_OF`.

    Returns
    -------
    list of str
        Table names in load order.
    """
    names = [n for n in LOAD_ORDER if crm.has(n)]
    if scope.employee_ids is not None:
        names = [n for n in names if n in OWNER_OF]
    return names


def scoped_rows(t: ibis.Table, scope: Scope) -> ibis.Table:
    """Return the rows of ``t`` (from :func:`flagged_table`) owned by an employee in ``scope``.

    Parameters
    ----------
    t : ibis.Table
        A table with an ``_owner`` column.
    scope : Scope
        Whose rows; the whole company keeps every row.

    Returns
    -------
    ibis.Table
        The rows in scope.
    """
    if scope.employee_ids is None:
        return t
    return t.filter(t._owner.isin(list(scope.employee_ids)))


def valid_stale_days(stale_days) -> int:
    """Return the checked number of days after which a record is stale.

    Parameters
    ----------
    stale_days : int or None
        Days; None = ``STALE_CONFIG["stale_days"]`` (180, ``quality_stale_days``).

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    ParamsError
        Not a whole number of at least 1.
    """
    v = STALE_CONFIG["stale_days"] if stale_days is None else stale_days
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise ParamsError(f"`stale_days` {v!r} must be a whole number of days, at least 1.")
    return v
