"""Merge duplicate customers, explicitly, with an audit trail (the ``crm merge`` command).

Merging is never automatic: :func:`crmlib.quality.suggested_merges` proposes, a person reviews
the CSV (deleting the rows they reject), and :func:`apply_merges` does, in one transaction:

1. re-points every reference to the merged customer to the kept one: the data model's
   references to ``customers.customer_id`` (:data:`CUSTOMER_REFERENCES`: contacts, leads'
   ``converted_customer_id``, opportunities, contracts, payments, activities, owner changes,
   visits) and activities whose ``entity_type`` is ``customer``;
2. marks the merged customer ``status = deleted`` (it is kept, so that the merge can be
   traced and undone by hand; deleted customers count nowhere);
3. appends one row per (pair, table, column) changed to :data:`MERGE_AUDIT_TABLE`:
   ``merged_at``, ``kept_id``, ``merged_id``, ``table_name``, ``column_name``, ``rows``
   (re-pointed, or 1 for the status) and ``rule`` (from the file).

A failure rolls everything back. Running the same file again changes nothing and writes no
audit rows: nothing points to a merged customer any more and it is deleted already. Values
reach SQL only through a staging table (never formatted into SQL text); identifiers come from
the schema. Works on DuckDB and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd

from crmlib.data.schema import TABLES
from crmlib.data.store import execute_sql, quote_identifier, transaction
from crmlib.exceptions import CRMDataError

__all__ = ["MERGE_AUDIT_TABLE", "AUDIT_COLUMNS", "CUSTOMER_REFERENCES", "read_merges",
           "resolve_merges", "plan_merges", "apply_merges"]

MERGE_AUDIT_TABLE = "merge_audit"
AUDIT_COLUMNS = {"merged_at": "timestamp", "kept_id": "string", "merged_id": "string",
                 "table_name": "string", "column_name": "string", "rows": "int64",
                 "rule": "string"}
CUSTOMER_REFERENCES: list[tuple[str, str]] = [
    (name, col) for name, spec in TABLES.items()
    for col, ref in {**spec.references, **spec.soft_references}.items()
    if ref == ("customers", "customer_id")]
_ENTITY = ("activities", "entity_id")  # where entity_type = 'customer'
_STAGE = "_merge_stage"


def read_merges(path) -> pd.DataFrame:
    """Read a (reviewed) suggested-merges CSV.

    Columns ``keep_id``, ``merge_id`` and, optionally, ``rule``; other columns are ignored, blank
    rows skipped.

    Parameters
    ----------
    path : str or path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        Columns ``kept_id``, ``merged_id``, ``rule`` (see :func:`resolve_merges`).

    Raises
    ------
    CRMDataError
        The file lacks ``keep_id`` or ``merge_id``.
    """
    path = Path(path)
    if not path.is_file():
        raise CRMDataError(f"{path} does not exist; pass the suggested_merges.csv that "
                           "`crm quality` wrote (after reviewing it).")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in ("keep_id", "merge_id") if c not in df.columns]
    if missing:
        raise CRMDataError(f"{path}: no column {', '.join(f'`{c}`' for c in missing)} (it has "
                           f"{', '.join(df.columns) or 'none'}); use the suggested_merges.csv "
                           "of `crm quality`, which has keep_id and merge_id.")
    return resolve_merges(df, where=str(path))


def resolve_merges(merges: pd.DataFrame, *, where: str = "merges") -> pd.DataFrame:
    """Check and normalise merge pairs: columns ``kept_id``, ``merged_id``, ``rule``.

    Chains are followed to their end (B -> A and A -> C become B -> C and A -> C); repeated
    rows are kept once.

    Parameters
    ----------
    merges : pandas.DataFrame
        Pairs as the CSV has them: ``keep_id``, ``merge_id``, optional ``rule``.
    where : str, default="merges"
        Where they come from, for messages.

    Returns
    -------
    pandas.DataFrame
        The checked pairs, columns ``kept_id``, ``merged_id``, ``rule``, re-indexed from 0.

    Raises
    ------
    CRMDataError
        A row merges a customer into itself, a customer is merged into two different ones,
        or the merges form a cycle.
    """
    df = pd.DataFrame({"kept_id": merges["keep_id"].astype(str).str.strip(),
                       "merged_id": merges["merge_id"].astype(str).str.strip(),
                       "rule": (merges["rule"].astype(str).str.strip() if "rule" in merges
                                else "")})
    df = df[(df["kept_id"] != "") & (df["merged_id"] != "")].drop_duplicates(
        ["kept_id", "merged_id"])
    problems = [f"row keep_id {k} = merge_id {m}: a customer cannot be merged into itself"
                for k, m in zip(df["kept_id"], df["merged_id"], strict=True) if k == m]
    twice = df.groupby("merged_id")["kept_id"].nunique()
    problems += [f"customer {m} is merged into several customers "
                 f"({', '.join(sorted(df.loc[df['merged_id'] == m, 'kept_id']))})"
                 for m in twice[twice > 1].index]
    if problems:
        raise CRMDataError(f"{where}: cannot merge; fix these rows of the file:", problems)
    into = dict(zip(df["merged_id"], df["kept_id"], strict=True))
    final = []
    for m in df["merged_id"]:
        seen, k = {m}, into[m]
        while k in into:
            if k in seen:
                raise CRMDataError(f"{where}: the merges of {', '.join(sorted(seen))} form a "
                                   "cycle; keep one customer of them and merge the others "
                                   "into it.")
            seen.add(k)
            k = into[k]
        final.append(k)
    df["kept_id"] = final
    return df.reset_index(drop=True)


def _backend(con):
    return getattr(con, "backend", con)


def _targets(con) -> list[tuple[str, str]]:
    present = set(con.list_tables())
    out = [(t, c) for t, c in CUSTOMER_REFERENCES if t in present and c in con.table(t).columns]
    if _ENTITY[0] in present and {"entity_type", "entity_id"} <= set(con.table("activities")
                                                                      .columns):
        out.append(_ENTITY)
    return out


def plan_merges(con, merges: pd.DataFrame) -> pd.DataFrame:
    """Return what :func:`apply_merges` would change: a row per (pair, table, column).

    Parameters
    ----------
    con : ibis backend or CRM
        The database to merge in.
    merges : pandas.DataFrame
        From :func:`read_merges` (``kept_id``, ``merged_id``, ``rule``) or with the CSV's
        ``keep_id``, ``merge_id``.

    Returns
    -------
    pandas.DataFrame
        Columns ``kept_id``, ``merged_id``, ``table_name``, ``column_name``, ``rows`` (int)
        and ``rule``; only changes (rows > 0): ``customers.status`` (1) for a merged
        customer not yet deleted. Empty when everything is merged already.

    Raises
    ------
    CRMDataError
        An id is not a customer, or a kept customer is deleted.
    """
    con = _backend(con)
    if "keep_id" in merges.columns:
        merges = resolve_merges(merges)
    cols = ["kept_id", "merged_id", "table_name", "column_name", "rows", "rule"]
    if merges.empty:
        return pd.DataFrame(columns=cols)
    ids = sorted(set(merges["kept_id"]) | set(merges["merged_id"]))
    c = con.table("customers")
    found = c.filter(c.customer_id.isin(ids)).select("customer_id", "status").execute()
    status = dict(zip(found["customer_id"], found["status"], strict=True))
    problems = [f"customer {i} does not exist" for i in ids if i not in status]
    problems += [f"kept customer {k} is deleted; merge into a live customer"
                 for k in sorted(set(merges["kept_id"])) if status.get(k) == "deleted"]
    if problems:
        raise CRMDataError("cannot merge; fix the file or the database:", problems)
    rule = dict(zip(merges["merged_id"], merges["rule"], strict=True))
    kept = dict(zip(merges["merged_id"], merges["kept_id"], strict=True))
    merged = list(kept)
    rows = []
    for table, col in _targets(con):
        t = con.table(table)
        t = t.filter(t[col].isin(merged))
        if (table, col) == _ENTITY:
            t = t.filter(t.entity_type == "customer")
        n = t.group_by(col).aggregate(rows=t.count()).execute()
        rows += [(kept[m], m, table, col, int(r), rule[m]) for m, r in zip(
            n[col], n["rows"], strict=True) if r]
    rows += [(kept[m], m, "customers", "status", 1, rule[m]) for m in merged
             if status.get(m) != "deleted"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["merged_id", "table_name", "column_name"]).reset_index(drop=True)


def apply_merges(con, merges: pd.DataFrame, *, merged_at=None) -> pd.DataFrame:
    """Apply merges in one transaction (see the module docstring).

    Parameters
    ----------
    con : ibis backend or CRM
        A writable connection (``crm merge`` opens the DuckDB file for writing).
    merges : pandas.DataFrame
        As for :func:`plan_merges`.
    merged_at : Timestamp, optional
        The audit time; default now (to the second).

    Returns
    -------
    pandas.DataFrame
        The audit rows written (columns :data:`AUDIT_COLUMNS`; empty when there was nothing
        left to do).

    Raises
    ------
    CRMDataError
        As :func:`plan_merges`; the database is then unchanged.
    """
    con = _backend(con)
    if "keep_id" in merges.columns:
        merges = resolve_merges(merges)
    plan = plan_merges(con, merges)
    if plan.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in AUDIT_COLUMNS})
    when = pd.Timestamp(merged_at if merged_at is not None else pd.Timestamp.now()).floor("s")
    todo = merges[merges["merged_id"].isin(set(plan["merged_id"]))]
    stage = pd.DataFrame({"merged_id": todo["merged_id"].to_numpy(),
                          "kept_id": todo["kept_id"].to_numpy(), "entity_type": "customer",
                          "status": "deleted"}, dtype=object)
    audit = plan.assign(merged_at=when)[list(AUDIT_COLUMNS)]
    changes = plan[["table_name", "column_name"]].drop_duplicates()
    with transaction(con):
        con.create_table(_STAGE, stage, temp=True, overwrite=True)
        for table, col in changes.itertuples(index=False):
            if (table, col) == ("customers", "status"):
                continue
            extra = ' AND t."entity_type" = s."entity_type"' if (table, col) == _ENTITY else ""
            execute_sql(con, f"UPDATE {quote_identifier(table)} AS t SET {quote_identifier(col)} = s.\"kept_id\" "
                       f"FROM {_STAGE} AS s WHERE t.{quote_identifier(col)} = s.\"merged_id\"{extra}")
        execute_sql(con, 'UPDATE "customers" AS t SET "status" = s."status" FROM '
                   f'{_STAGE} AS s WHERE t."customer_id" = s."merged_id" '
                   'AND (t."status" IS NULL OR t."status" <> s."status")')
        _insert_audit(con, audit)
        con.drop_table(_STAGE, force=True)
    return audit.reset_index(drop=True)


def _insert_audit(con, audit: pd.DataFrame) -> None:
    schema = ibis.schema(AUDIT_COLUMNS)
    if MERGE_AUDIT_TABLE not in con.list_tables():
        con.create_table(MERGE_AUDIT_TABLE, schema=schema)
    con.insert(MERGE_AUDIT_TABLE, ibis.memtable(audit, schema=schema))
