"""Data-quality checks: missing fields, invalid values, orphans, stale records, import rejects.

Every check counts rows in the engine (one query per table) and returns a tidy frame with one
row per (table, column, rule): ``check``, ``table``, ``column``, ``rule``, ``rows`` (rows
affected), ``total`` (rows checked), ``share`` (rows / total) and ``sample_ids`` (up to
``sample`` ids of affected rows, smallest first, joined by ``", "``). Rules that find nothing
are listed too (rows 0), so a frame also says what was checked. Definitions:

- **Which rows.** Every row of each present table, except deleted customers (they count
  nowhere). Scope keeps the rows owned by an employee in scope: ``owner_id`` (customers,
  contacts, leads, opportunities, contracts), ``employee_id`` (activities, visits), the
  contract's owner (contract lines, payments, payment plans, invoices, returns), the
  opportunity's (stage history) or the customer's (owner changes); tables owned by nobody
  (employees, products, ...) are checked for the whole company only.
- **missing** (rule ``empty``): a column of :data:`MISSING_FIELDS` is null or blank. A customer
  without ``owner_id`` is in the public pool, which is not a gap, so it is not listed.
- **invalid**: ``email`` breaks :data:`crmlib.quality.normalize.EMAIL_PATTERN`; ``phone`` is no
  mobile, landline with area code or international number (:func:`~crmlib.quality.normalize.
  phone_is_valid`); ``future``: an event timestamp after the end of the ``as_of`` day (planned
  dates such as ``expected_close_at`` or ``end_at`` are exempt: :data:`PLANNED_COLUMNS`);
  ``order``: a later date before its earlier one (the schema's ordered pairs, e.g. ``end_at``
  before ``start_at``). Negative amounts and unknown values are rejected on import already.
- **orphan** (rule ``unknown_<parent>``): a reference of the data model (contract ->
  customer, payment -> contract, line -> contract / product, activity -> customer, any
  ``owner_id`` -> employee, ...) that is filled but names no row of the parent table. A
  reference to a deleted customer is not an orphan (the row exists). Parents that are absent
  are not checked.
- **stale**: ``customers`` (rule ``no_touch``) not touched for more than ``stale_days`` days
  (``quality_stale_days``, 180) before ``as_of``: the latest of ``created_at``,
  ``last_followup_at``, its activities' ``at`` and its contracts' ``signed_at``, for customers
  created by ``as_of``; ``opportunities`` (rule ``past_close``) still open whose
  ``expected_close_at`` is before the ``as_of`` day.
- **rejects**: rows an import could not load, in the same form:
  :func:`crmlib.quality.rejects.import_rejects`.

On live data pass ``as_of`` (e.g. today): its default, the data's last event date, moves with
a wrongly future-dated record, which then hides from the ``future`` rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from crmlib.data.schema import LOAD_ORDER, TABLES
from crmlib.engine import count_if, live
from crmlib.exceptions import ParamsError
from crmlib.quality.normalize import email_invalid_expr, phone_invalid_expr
from crmlib.scope import Scope

__all__ = ["ISSUE_COLUMNS", "MISSING_FIELDS", "PLANNED_COLUMNS", "OWNER_OF", "STALE_CONFIG",
           "missing_fields", "invalid_values", "orphans", "stale_records", "all_issues",
           "report_day"]

ISSUE_COLUMNS = ["check", "table", "column", "rule", "rows", "total", "share", "sample_ids"]

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
class _Flag:
    check: str
    column: str
    rule: str
    expr: object  # an ibis boolean; after _build, the name of its column in the table


def report_day(crm, as_of) -> pd.Timestamp:
    """``as_of`` as a day (midnight), or the data's last event date when None."""
    if as_of is None:
        return crm.last_event_date()
    try:
        day = pd.Timestamp(as_of)
    except (ValueError, TypeError):
        day = pd.NaT
    if pd.isna(day):
        raise ParamsError(f"`as_of` {as_of!r} is not a date; use YYYY-MM-DD.")
    return day.normalize()


def _blank(col):
    if col.type().is_string():
        return col.isnull() | (col.strip() == "")
    return col.isnull()


def _id_column(name: str) -> str:
    return _ID_COLUMN.get(name) or TABLES[name].key[0]


def _base(crm, name: str) -> ibis.Table:
    """The table with ``_id`` and ``_owner`` (null when nobody owns its rows)."""
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


def _build(crm, name: str, checks, day: pd.Timestamp, stale_days: int,
           fields_config) -> tuple[ibis.Table, list[_Flag]]:
    """The table prepared for ``checks`` and their flags (one ibis boolean each)."""
    spec = TABLES[name]
    t = _base(crm, name)
    if "orphan" in checks:
        for col, (parent, pcol) in spec.references.items():
            if crm.has(parent):
                p = crm.table(parent).select(**{f"_p_{col}": pcol}).distinct()
                t = t.left_join(p, t[col] == p[f"_p_{col}"])
    if "stale" in checks and name == "customers":
        t = _with_touch(crm, t)
    flags: list[_Flag] = []
    end = None if day is None else ibis.literal((day + pd.Timedelta(days=1)).to_pydatetime())
    if "missing" in checks:
        for col in (fields_config or MISSING_FIELDS).get(name, []):
            if col in spec.names:
                flags.append(_Flag("missing", col, "empty", _blank(t[col])))
    if "invalid" in checks:
        for col in spec.names:
            if col == "email" and name in ("customers", "contacts"):
                flags.append(_Flag("invalid", col, "email", email_invalid_expr(t[col])))
            elif col == "phone" and name in ("customers", "contacts"):
                flags.append(_Flag("invalid", col, "phone", phone_invalid_expr(t[col])))
        for c in spec.columns:
            if c.dtype == "timestamp" and c.name not in PLANNED_COLUMNS:
                flags.append(_Flag("invalid", c.name, "future", t[c.name] >= end))
        for early, late in spec.ordered:
            flags.append(_Flag("invalid", late, "order", t[late] < t[early]))
    if "orphan" in checks:
        for col, (parent, _pcol) in spec.references.items():
            if crm.has(parent):
                flags.append(_Flag("orphan", col, f"unknown_{parent}",
                                   t[col].notnull() & t[f"_p_{col}"].isnull()))
    if "stale" in checks:
        start = ibis.literal(day.to_pydatetime())
        if name == "customers":
            cutoff = ibis.literal((day - pd.Timedelta(days=stale_days)).to_pydatetime())
            flags.append(_Flag("stale", "last_followup_at", "no_touch",
                               (t.created_at < end) & (t._touch < cutoff)))
        elif name == "opportunities":
            flags.append(_Flag("stale", "expected_close_at", "past_close",
                               (t.outcome == "open") & (t.expected_close_at < start)))
    # materialise the flags as columns, so that later filters and joins can refer to them
    t = t.mutate(**{f"_flag{i}": f.expr.fill_null(False) for i, f in enumerate(flags)})
    return t, [_Flag(f.check, f.column, f.rule, f"_flag{i}") for i, f in enumerate(flags)]


def _with_touch(crm, t: ibis.Table) -> ibis.Table:
    """Customers with ``_touch``: the latest of created, followed up, activity, contract."""
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


def _tables(crm, scope: Scope) -> list[str]:
    names = [n for n in LOAD_ORDER if crm.has(n)]
    if scope.employee_ids is not None:
        names = [n for n in names if n in OWNER_OF]
    return names


def _scoped(t: ibis.Table, scope: Scope) -> ibis.Table:
    if scope.employee_ids is None:
        return t
    return t.filter(t._owner.isin(list(scope.employee_ids)))


def _run(crm, checks, *, as_of=None, scope=None, sample=5, stale_days=None,
         fields_config=None) -> pd.DataFrame:
    if not isinstance(sample, int) or isinstance(sample, bool) or sample < 0:
        raise ParamsError(f"`sample` {sample!r} must be a whole number of at least 0.")
    scope = scope or Scope()
    day = report_day(crm, as_of) if checks & {"invalid", "stale"} else None
    stale_days = _stale_days(stale_days)
    rows = []
    for name in _tables(crm, scope):
        t, flags = _build(crm, name, checks, day, stale_days, fields_config)
        if not flags:
            continue
        t = _scoped(t, scope)
        aggs = {"_total": t.count()} | {f"f{i}": count_if(t[f.expr]) for i, f in enumerate(flags)}
        r = t.aggregate(**aggs).execute().iloc[0]
        total = int(r["_total"])
        for i, f in enumerate(flags):
            n = int(r[f"f{i}"] or 0)
            ids = ""
            if n and sample:
                s = t.filter(t[f.expr]).select("_id").distinct().order_by("_id").limit(sample)
                ids = ", ".join(map(str, s.execute()["_id"]))
            rows.append({"check": f.check, "table": name, "column": f.column, "rule": f.rule,
                         "rows": n, "total": total, "share": n / total if total else float("nan"),
                         "sample_ids": ids})
    out = pd.DataFrame(rows, columns=ISSUE_COLUMNS).astype({"rows": "int64", "total": "int64",
                                                            "share": "float64"})
    out.attrs.update(as_of=day, scope=str(scope), stale_days=stale_days)
    return out


def _stale_days(stale_days) -> int:
    v = STALE_CONFIG["stale_days"] if stale_days is None else stale_days
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise ParamsError(f"`stale_days` {v!r} must be a whole number of days, at least 1.")
    return v


def missing_fields(crm, *, scope: Scope | None = None, sample: int = 5,
                   fields_config: dict | None = None) -> pd.DataFrame:
    """Rows whose important optional columns (:data:`MISSING_FIELDS`) are empty.

    Parameters
    ----------
    crm : CRM
    scope : Scope, optional
        Whose rows (see the module docstring); None = the whole company.
    sample : int, default=5
        Ids of affected rows to list per rule.
    fields_config : dict, optional
        Replaces :data:`MISSING_FIELDS` (table -> columns).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ISSUE_COLUMNS`, check ``missing``, rule ``empty``; ``attrs``:
        ``scope``.

    Examples
    --------
    >>> import crmlib
    >>> df = missing_fields(crmlib.connect())
    >>> df.loc[df["table"] == "customers", "column"].tolist()[:3]
    ['industry', 'level', 'source']
    """
    return _run(crm, {"missing"}, scope=scope, sample=sample, fields_config=fields_config)


def invalid_values(crm, *, as_of=None, scope: Scope | None = None,
                   sample: int = 5) -> pd.DataFrame:
    """Invalid e-mails and phones, future event dates and dates out of order.

    Parameters
    ----------
    crm : CRM
    as_of : str or Timestamp, optional
        The report day: events after its end are in the future; default the data's last
        event date.
    scope : Scope, optional
        Whose rows (see the module docstring); None = the whole company.
    sample : int, default=5
        Ids of affected rows to list per rule.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ISSUE_COLUMNS`, check ``invalid``, rules ``email``, ``phone``,
        ``future``, ``order``; ``attrs``: ``as_of``, ``scope``.

    Examples
    --------
    >>> import crmlib
    >>> df = invalid_values(crmlib.connect())
    >>> sorted(set(df["rule"]))
    ['email', 'future', 'order', 'phone']
    """
    return _run(crm, {"invalid"}, as_of=as_of, scope=scope, sample=sample)


def orphans(crm, *, scope: Scope | None = None, sample: int = 5) -> pd.DataFrame:
    """References that name no row of their parent table (see the module docstring).

    Parameters
    ----------
    crm : CRM
    scope : Scope, optional
        Whose rows; None = the whole company.
    sample : int, default=5
        Ids of affected rows to list per rule.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ISSUE_COLUMNS`, check ``orphan``, rule ``unknown_<parent table>``,
        ``column`` the reference; ``attrs``: ``scope``.
    """
    return _run(crm, {"orphan"}, scope=scope, sample=sample)


def stale_records(crm, *, as_of=None, scope: Scope | None = None, sample: int = 5,
                  stale_days: int | None = None) -> pd.DataFrame:
    """Customers not touched for ``stale_days`` days; open opportunities past their expected
    close date (see the module docstring).

    Parameters
    ----------
    crm : CRM
    as_of : str or Timestamp, optional
        The report day; default the data's last event date.
    scope : Scope, optional
        Whose rows; None = the whole company.
    sample : int, default=5
        Ids of affected rows to list per rule.
    stale_days : int, optional
        Days without a touch that make a customer stale; default :data:`STALE_CONFIG`
        (180, the ``quality_stale_days`` parameter).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ISSUE_COLUMNS`, check ``stale``, rules ``no_touch`` (customers) and
        ``past_close`` (opportunities); ``attrs``: ``as_of``, ``scope``.

    Raises
    ------
    ParamsError
        ``stale_days`` is not a whole number of at least 1, or ``as_of`` is not a date.
    """
    return _run(crm, {"stale"}, as_of=as_of, scope=scope, sample=sample, stale_days=stale_days)


def all_issues(crm, *, as_of=None, scope: Scope | None = None, sample: int = 5,
               stale_days: int | None = None, fields_config: dict | None = None) -> pd.DataFrame:
    """Every check (missing, invalid, orphan, stale) in one frame, one pass per table.

    Same columns as each check (:data:`ISSUE_COLUMNS`); rows ordered by table (load order),
    then check. Import rejects are apart: :func:`import_rejects`.
    """
    return _run(crm, {"missing", "invalid", "orphan", "stale"}, as_of=as_of, scope=scope,
                sample=sample, stale_days=stale_days, fields_config=fields_config)
