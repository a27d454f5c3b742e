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
- **invalid**: ``email`` breaks :data:`crmlib.quality.phones_emails.EMAIL_PATTERN`; ``phone`` is no
  mobile, landline with area code or international number (:func:`~crmlib.quality.phones_emails.
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

import pandas as pd

from crmlib.engine import count_if, report_day
from crmlib.exceptions import ParamsError
from crmlib.quality.flags import (
    MISSING_FIELDS,
    OWNER_OF,
    PLANNED_COLUMNS,
    STALE_CONFIG,
    checked_tables,
    flagged_table,
    scoped_rows,
    valid_stale_days,
)
from crmlib.scope import Scope

__all__ = ["ISSUE_COLUMNS", "MISSING_FIELDS", "PLANNED_COLUMNS", "OWNER_OF", "STALE_CONFIG",
           "missing_fields", "invalid_values", "orphans", "stale_records", "all_issues"]

ISSUE_COLUMNS = ["check", "table", "column", "rule", "rows", "total", "share", "sample_ids"]


def _run(crm, checks, *, as_of=None, scope=None, sample=5, stale_days=None,
         fields_config=None) -> pd.DataFrame:
    if not isinstance(sample, int) or isinstance(sample, bool) or sample < 0:
        raise ParamsError(f"`sample` {sample!r} must be a whole number of at least 0.")
    scope = scope or Scope()
    day = report_day(crm, as_of) if checks & {"invalid", "stale"} else None
    stale_days = valid_stale_days(stale_days)
    rows = []
    for name in checked_tables(crm, scope):
        t, flags = flagged_table(crm, name, checks, day, stale_days, fields_config)
        if not flags:
            continue
        t = scoped_rows(t, scope)
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


def missing_fields(crm, *, scope: Scope | None = None, sample: int = 5,
                   fields_config: dict | None = None) -> pd.DataFrame:
    """Rows whose important optional columns (:data:`MISSING_FIELDS`) are empty.

    Parameters
    ----------
    crm : CRM
        The data.
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
        The data.
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
    """Return references that name no row of their parent table (see the module docstring).

    Parameters
    ----------
    crm : CRM
        The data.
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
    """Return stale customers and open opportunities past their expected close date.

    Customers not touched for ``stale_days`` days (see the module docstring).

    Parameters
    ----------
    crm : CRM
        The data.
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
    """Return every check (missing, invalid, orphan, stale) in one frame, one pass per table.

    Import rejects are apart: :func:`~crmlib.quality.rejects.import_rejects`.

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        The report day; default the data's last event date.
    scope : Scope, optional
        Whose rows; None = the whole company.
    sample : int, default=5
        Ids listed per rule.
    stale_days : int, optional
        Days without a touch that make a customer stale (default 180).
    fields_config : dict, optional
        Table -> columns checked for missing values; default :data:`MISSING_FIELDS`.

    Returns
    -------
    pandas.DataFrame
        Same columns as each check (:data:`ISSUE_COLUMNS`); rows ordered by table (load order),
        then check.
    """
    return _run(crm, {"missing", "invalid", "orphan", "stale"}, as_of=as_of, scope=scope,
                sample=sample, stale_days=stale_days, fields_config=fields_config)
