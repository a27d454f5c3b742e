"""Write canonical tables into a database (DuckDB or PostgreSQL) through ibis.

The only writer of CRM databases: the demo generator and the importer hand it
pandas frames that already follow the data model; it casts them to the
canonical types, creates missing tables and replaces rows by key, so that
importing the same data twice never duplicates rows.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import ibis
import pandas as pd

from crmlib.data.schema import LOAD_ORDER, TABLES, Table

__all__ = [
    "META_TABLE",
    "REJECTS_TABLE",
    "REJECT_COLUMNS",
    "ibis_schema",
    "conform",
    "ensure_tables",
    "upsert",
    "append_rejects",
    "write_meta",
    "read_meta",
    "write_duckdb",
    "transaction",
    "execute_sql",
    "quote_identifier",
]

META_TABLE = "crm_meta"  # key/value: where the data came from, when, how
REJECTS_TABLE = "rejects"  # rows an import could not load, with the reason
REJECT_COLUMNS = {
    "table_name": "string",
    "source_file": "string",
    "row_number": "int64",  # 1-based data row in the file (header not counted)
    "column_name": "string",
    "value": "string",
    "reason": "string",
    "imported_at": "timestamp",
}

_PANDAS_TYPES = {
    "string": "object",
    "timestamp": "datetime64[us]",
    "date": "datetime64[us]",
    "float64": "float64",
    "int64": "Int64",
    "boolean": "boolean",
}


def ibis_schema(table: Table | str) -> ibis.Schema:
    """Build the ibis schema of a canonical table (all columns nullable except required ones).

    Parameters
    ----------
    table : Table or str
        A canonical table or its name.

    Returns
    -------
    ibis.Schema
        Column name -> ibis type, in the table's column order.
    """
    spec = TABLES[table] if isinstance(table, str) else table
    return ibis.schema({c.name: ibis.dtype(c.dtype).copy(nullable=not c.required)
                        for c in spec.columns})


def conform(df: pd.DataFrame, table: Table | str) -> pd.DataFrame:
    """Return ``df`` with exactly the canonical columns of ``table``, in order, cast to their types.

    Missing optional columns are added as nulls; extra columns are dropped. Values must already be
    valid (the importer validates first): a value that cannot be cast raises.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of the table.
    table : Table or str
        A canonical table or its name.

    Returns
    -------
    pandas.DataFrame
        A new frame: missing canonical columns added empty, others dropped, re-indexed from 0.
    """
    spec = TABLES[table] if isinstance(table, str) else table
    out = {}
    n = len(df)
    for c in spec.columns:
        if c.name in df.columns:
            s = df[c.name]
        else:
            s = pd.Series([None] * n, index=df.index, dtype="object")
        out[c.name] = _cast(s, c.dtype)
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def _cast(s: pd.Series, dtype: str) -> pd.Series:
    if dtype == "string":
        if s.dtype == object:
            return s.where(s.notna(), None)
        return s.astype("object").where(s.notna(), None).map(
            lambda v: v if v is None or isinstance(v, str) else str(v))
    if dtype in ("timestamp", "date"):
        if s.dtype == object:  # ISO text of mixed precision ("2024-01-02", "2024-01-02 10:00")
            s = pd.to_datetime(s, format="ISO8601")
        out = pd.to_datetime(s).astype("datetime64[us]")
        return out.dt.normalize() if dtype == "date" else out
    if dtype == "float64":
        return pd.to_numeric(s).astype("float64")
    if dtype == "int64":
        return pd.to_numeric(s).astype("Int64")
    if dtype == "boolean":
        return s.astype("boolean")
    raise ValueError(f"unknown dtype {dtype}")


def quote_identifier(name: str) -> str:
    """Return ``name`` as a double-quoted SQL identifier (inner quotes doubled).

    Identifiers come from the schema module, never from user data; quoted all the same.

    Parameters
    ----------
    name : str
        A table or column name.

    Returns
    -------
    str
        The quoted identifier, e.g. ``"contracts"``.
    """
    return '"' + name.replace('"', '""') + '"'


def ensure_tables(con, names=None) -> None:
    """Create the canonical tables ``names`` and the rejects and meta tables, where ``con`` lacks them.

    Tables a source does not provide stay absent unless named.

    Parameters
    ----------
    con : ibis backend
        A writable connection.
    names : list of str, optional
        Canonical tables; default all.
    """
    existing = set(con.list_tables())
    for name in LOAD_ORDER if names is None else names:
        if name not in existing:
            con.create_table(name, schema=ibis_schema(name))
    if REJECTS_TABLE not in existing:
        con.create_table(REJECTS_TABLE, schema=ibis.schema(REJECT_COLUMNS))
    if META_TABLE not in existing:
        con.create_table(META_TABLE, schema=ibis.schema({"key": "string", "value": "string"}))


def upsert(con, name: str, df: pd.DataFrame) -> int:
    """Insert ``df`` into table ``name``, first deleting rows that share its replace key.

    For tables with an id (contracts, ...) the key is the id; for child tables without one
    (contract_lines, stage_history) it is the parent id, so a re-imported contract's lines replace
    the old ones.

    Parameters
    ----------
    con : ibis backend
        A writable connection.
    name : str
        A canonical table.
    df : pandas.DataFrame
        Valid rows of the table.

    Returns
    -------
    int
        The number of rows inserted.
    """
    spec = TABLES[name]
    df = conform(df, spec)
    if df.empty:
        return 0
    ensure_tables(con, [name])
    key = spec.replace_key
    stage = f"_stage_{name}"
    con.create_table(stage, df[list(key)].drop_duplicates(), temp=True, overwrite=True)
    cond = " AND ".join(f"t.{quote_identifier(k)} = s.{quote_identifier(k)}" for k in key)
    execute_sql(con, f"DELETE FROM {quote_identifier(name)} AS t USING {quote_identifier(stage)} AS s WHERE {cond}")
    con.drop_table(stage, force=True)
    con.insert(name, ibis.memtable(df, schema=ibis_schema(spec)))
    return len(df)


def append_rejects(con, rejects: pd.DataFrame, *, replace=()) -> None:
    """Append reject rows, replacing earlier rejects of the same (table, file) pair.

    So that re-imports do not pile them up.

    Parameters
    ----------
    con : ibis backend
        A writable connection.
    rejects : pandas.DataFrame
        Columns as :data:`REJECT_COLUMNS`.
    replace : iterable of (str, str), default=()
        More (table_name, source_file) pairs whose earlier rejects are cleared even though
        ``rejects`` has none for them (a re-import of a fixed file leaves no stale rejects).
    """
    ensure_tables(con, [])
    replace = pd.DataFrame(list(replace), columns=["table_name", "source_file"], dtype=object)
    if rejects.empty and replace.empty:
        return
    rejects = rejects.astype({"row_number": "Int64"})
    for col, t in REJECT_COLUMNS.items():
        if t == "string":
            rejects[col] = rejects[col].map(lambda v: None if v is None or v is pd.NA else str(v))
    pairs = pd.concat([rejects[["table_name", "source_file"]], replace]).drop_duplicates()
    stage = "_stage_rejects"
    con.create_table(stage, pairs, temp=True, overwrite=True)
    execute_sql(con, f"DELETE FROM {REJECTS_TABLE} AS t USING {stage} AS s "
               "WHERE t.table_name = s.table_name AND t.source_file = s.source_file")
    con.drop_table(stage, force=True)
    if not rejects.empty:
        con.insert(REJECTS_TABLE, ibis.memtable(rejects[list(REJECT_COLUMNS)],
                                                schema=ibis.schema(REJECT_COLUMNS)))


def write_meta(con, values: Mapping[str, object]) -> None:
    """Set key/value pairs in the metadata table (replacing earlier values of the same keys).

    Parameters
    ----------
    con : ibis backend
        A writable connection.
    values : mapping
        Key -> value (stored as text).
    """
    ensure_tables(con, [])
    df = pd.DataFrame({"key": list(values), "value": [str(v) for v in values.values()]})
    stage = "_stage_meta"
    con.create_table(stage, df, temp=True, overwrite=True)
    execute_sql(con, f"DELETE FROM {META_TABLE} AS t USING {stage} AS s WHERE t.key = s.key")
    con.drop_table(stage, force=True)
    con.insert(META_TABLE, df)


def read_meta(con) -> dict[str, str]:
    """Return the metadata table as a dict (empty when the database has none).

    Parameters
    ----------
    con : ibis backend
        A connection.

    Returns
    -------
    dict of str to str
        Key -> value, as stored.
    """
    if META_TABLE not in con.list_tables():
        return {}
    df = con.table(META_TABLE).execute()
    return dict(zip(df["key"], df["value"], strict=True))


@contextlib.contextmanager
def transaction(con):
    """Run the writes of the ``with`` block as one transaction: all of them or none.

    DuckDB and PostgreSQL both allow DDL (create/drop table) inside a transaction.

    Parameters
    ----------
    con : ibis backend
        A writable connection.

    Yields
    ------
    ibis backend
        ``con``.
    """
    execute_sql(con, "BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        execute_sql(con, "ROLLBACK")
        raise
    execute_sql(con, "COMMIT")


def execute_sql(con, sql: str) -> None:
    """Run one SQL statement on ibis backend ``con`` and release its cursor.

    Parameters
    ----------
    con : ibis backend
        An open connection (DuckDB, PostgreSQL, ...).
    sql : str
        The statement; identifiers quoted with :func:`quote_identifier`.
    """
    cur = con.raw_sql(sql)
    if con.name != "duckdb":  # DuckDB returns its connection itself, which must stay open
        cur.close()


def write_duckdb(path: str | os.PathLike, frames: Mapping[str, pd.DataFrame],
                 meta: Mapping[str, object] | None = None) -> Path:
    """Write a complete CRM database to a new DuckDB file, atomically.

    The file is built under a temporary name beside ``path`` and moved into place only when
    complete, so a failed run never leaves a half-written database.

    Parameters
    ----------
    path : str or path
        The file.
    frames : mapping of str to pandas.DataFrame
        Canonical table -> rows.
    meta : mapping, optional
        Key/value notes for the metadata table.

    Returns
    -------
    pathlib.Path
        The file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".duckdb.tmp", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # DuckDB wants to create the file itself
    try:
        con = ibis.duckdb.connect(tmp)
        try:
            for name in LOAD_ORDER:
                if name in frames:
                    con.create_table(name, schema=ibis_schema(name))
                    # DuckDB scans the pandas frame itself (in parallel): ~20 % faster than
                    # going through an ibis memtable, and no second copy in memory.
                    con.con.register("_frame", conform(frames[name], name))
                    con.con.execute(f"INSERT INTO {quote_identifier(name)} SELECT * FROM _frame")
                    con.con.unregister("_frame")
            ensure_tables(con)
            if meta:
                write_meta(con, meta)
            con.raw_sql("CHECKPOINT")
        finally:
            con.disconnect()
        os.replace(tmp, path)
    except BaseException:
        for p in (tmp, tmp + ".wal"):
            if os.path.exists(p):
                os.unlink(p)
        raise
    return path
