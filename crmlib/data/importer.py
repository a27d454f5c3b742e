"""Import CSV, Excel and Parquet files into a CRM database through a mapping (``crm import``).

The import runs in two phases. First every input file is read, mapped onto the canonical tables
(:mod:`crmlib.data.mapping`) and validated (:mod:`crmlib.data.validate`) in
:data:`~crmlib.data.schema.LOAD_ORDER`, parents before children, so references are checked
against the ids of the incoming batch plus those already in the database. Only when no table
failed as a whole does the second phase write: accepted rows through :func:`crmlib.data.store.upsert`
(replacing rows with the same key, so importing the same files twice does not duplicate rows),
rejected rows to the ``rejects`` table and the import's metadata to ``crm_meta``. A failed
import therefore changes nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import sys
import time
from pathlib import Path

import ibis
import pandas as pd

from crmlib import config
from crmlib.data import store
from crmlib.data.import_result import ImportResult, TableResult
from crmlib.data.mapped import MappedTable, apply_derive, apply_table, inline_table
from crmlib.data.mapping import Mapping, load_mapping, source_problems
from crmlib.data.schema import LOAD_ORDER, REQUIRED_TABLES, TABLES
from crmlib.data.sources import Sources, collect_files, file_sources
from crmlib.data.validate import empty_rejects, validate
from crmlib.exceptions import CRMDataError

__all__ = ["TableResult", "ImportResult", "import_files", "import_sources", "collect_files"]

_ENCODINGS = {"utf-8-sig": "UTF-8 with a byte-order mark (removed)",
              "gb18030": "GB18030 (GBK, Chinese)", "utf-16": "UTF-16"}


def import_files(paths, mapping: str | os.PathLike | Mapping = "canonical", *, into=None,
                 progress: bool = True) -> ImportResult:
    """Import source files into a CRM database.

    Parameters
    ----------
    paths : path or list of paths
        Files and/or folders (a folder's supported files are matched to the mapping's tables).
    mapping : str, path or Mapping, default="canonical"
        A preset name of ``params/mappings``, a mapping YAML file or a loaded mapping.
    into : path or ibis backend, optional
        A DuckDB file (default :data:`crmlib.config.DEFAULT_DB`) or an open ibis connection
        (DuckDB or PostgreSQL).
    progress : bool, default=True
        Show a progress bar on standard error.

    Returns
    -------
    ImportResult
        Per-table counts (``accepted + rejected == rows``), rejected rows and notes.

    Raises
    ------
    CRMDataError
        When a table cannot be loaded at all (missing file column, unreadable or empty file,
        file matching no table): every such problem is listed, and nothing is written.
    ParamsError
        When the mapping file is invalid.
    """
    return import_sources(file_sources(paths), mapping, into=into, progress=progress)


def import_sources(sources: Sources, mapping: str | os.PathLike | Mapping = "canonical", *,
                   into=None, progress: bool = True) -> ImportResult:
    """Import named source tables (files, or a database's tables) into a CRM database.

    Parameters
    ----------
    sources : Sources
        What to read (see :mod:`crmlib.data.sources`).
    mapping : str, path or Mapping, default="canonical"
        A preset name of ``params/mappings``, a mapping YAML file or a loaded mapping.
    into : path or ibis backend, optional
        A DuckDB file (default :data:`crmlib.config.DEFAULT_DB`) or an open ibis connection.
    progress : bool, default=True
        Show a progress bar on standard error.

    Returns
    -------
    ImportResult
        As :func:`import_files`.

    Raises
    ------
    CRMDataError
        When a table cannot be loaded at all; nothing is written.
    ParamsError
        When the mapping file is invalid.
    """
    t0 = time.perf_counter()
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    problems: list[str] = []
    findings: list[str] = []
    mapped, used = _map_sources(m, sources, problems, findings)
    if problems:
        _fail(problems)
    apply_derive(mapped, m)
    for mt in mapped.values():
        findings.extend(mt.findings)

    con, owned, where = _connect(into)
    try:
        accepted, rejects, results = _validate_all(con, mapped, problems, findings, progress)
        if problems:
            _fail(problems)
        now = pd.Timestamp(dt.datetime.now()).floor("s")
        rejects = pd.concat(rejects, ignore_index=True) if rejects else empty_rejects()
        rejects["imported_at"] = now
        # the required tables, and those this mapping provides; others stay absent ("not
        # available" in reports, rather than an empty table read as zero)
        with store.transaction(con):  # all tables or none, even if the process dies midway
            store.ensure_tables(con, [t for t in LOAD_ORDER
                                      if t in REQUIRED_TABLES or t in mapped])
            for t, df in accepted.items():
                store.upsert(con, t, df)
            pairs = [(t, f) for t, mt in mapped.items() for f in mt.files]
            store.append_rejects(con, rejects, replace=pairs)
            store.write_meta(con, {"last_import_at": now.isoformat(), "import_mapping": m.name,
                                   "import_files": ", ".join(str(f) for f in used)})
    finally:
        if owned:
            con.disconnect()
    return ImportResult(m.name, where, list(used), results, rejects,
                        list(m.defects), findings, time.perf_counter() - t0)


def _fail(problems: list[str]):
    if len(problems) == 1:
        err = CRMDataError(f"{problems[0]} Nothing was imported.")
        err.problems = list(problems)
        raise err
    raise CRMDataError(f"{len(problems)} problems in the input; nothing was imported:", problems)


def _map_sources(m: Mapping, sources: Sources, problems,
                 findings) -> tuple[dict[str, MappedTable], list[str]]:
    """Read the sources each table of ``m`` needs and map them; collect whole-table problems.

    Return the mapped tables and the names of the sources they read.
    """
    assign: dict[str, list[str]] = {}
    for t, tm in m.tables.items():
        if tm.rows is None:
            hits = sources.match(tm.files)
            if hits:
                assign[t] = hits
    used = {f for fs in assign.values() for f in fs}
    globs = sorted({g for tm in m.tables.values() for g in tm.files})
    for f in sources.names:
        if f in used:
            continue
        if f in sources.explicit:
            hint = difflib.get_close_matches(f, globs, n=1, cutoff=0.5)
            problems.append(f"{f}: no table of mapping `{m.name}` reads this {sources.kind}"
                            + (f"; did you mean `{hint[0]}`?" if hint else
                               f" (it reads {', '.join(globs)})."))
        else:
            findings.append(f"{f}: not imported; no table of mapping `{m.name}` reads it")
    if not assign and not problems:
        problems.append(f"no input {sources.kind} matches mapping `{m.name}`, which reads "
                        f"{', '.join(globs)}.")
    failed: set[tuple[str, str | None]] = set()
    mapped: dict[str, MappedTable] = {}
    for t in LOAD_ORDER:
        tm = m.tables.get(t)
        if tm is None:
            continue
        if tm.rows is not None:
            mapped[t] = inline_table(tm, m)
            continue
        parts, ok = [], True
        for f in assign.get(t, []):
            if (f, tm.sheet) in failed:
                ok = False
                continue
            try:
                df = sources.read(f, tm.sheet)
            except CRMDataError as exc:
                failed.add((f, tm.sheet))
                problems.append(str(exc))
                ok = False
                continue
            enc = df.attrs.get("encoding")
            note = f"{f}: read as {_ENCODINGS.get(enc, enc)}"
            if enc and enc != "utf-8" and note not in findings:
                findings.append(note)
            p, fnd = source_problems(tm, f, list(df.columns))
            problems += p
            findings += [x for x in fnd if x not in findings]
            ok = ok and not p
            parts.append((f, df))
        if parts and ok:
            mapped[t] = apply_table(tm, parts)
    return mapped, [f for f in sources.names if f in used]


def _connect(into):
    if into is None:
        into = config.DEFAULT_DB
    if isinstance(into, str | os.PathLike):
        path = Path(into)
        path.parent.mkdir(parents=True, exist_ok=True)
        return ibis.duckdb.connect(str(path)), True, str(path)
    return into, False, f"the open {into.name} connection"


def _db_keys(con, table: str) -> pd.DataFrame | None:
    if table not in con.list_tables():
        return None
    spec = TABLES[table]
    cols = list(spec.key) + (["stage_order"] if table == "pipeline_stages" else [])
    return con.table(table).select(*cols).distinct().execute()


def _validate_all(con, mapped, problems, findings, progress):
    """Validate the mapped tables in load order; return accepted frames, rejects, counts."""
    from tqdm import tqdm

    accepted: dict[str, pd.DataFrame] = {}
    rejects: list[pd.DataFrame] = []
    results: list[TableResult] = []
    db: dict[str, pd.DataFrame | None] = {}

    def ids(table: str) -> set:
        if table not in db:
            db[table] = _db_keys(con, table)
        key = TABLES[table].key[0]
        out = set() if db[table] is None else set(db[table][key].dropna())
        if table in accepted:
            out |= set(accepted[table][key].dropna())
        return out

    def stages() -> dict[str, list[str]] | None:
        if "pipeline_stages" not in db:
            db["pipeline_stages"] = _db_keys(con, "pipeline_stages")
        parts = [x for x in (accepted.get("pipeline_stages"), db["pipeline_stages"])
                 if x is not None and len(x)]
        if not parts:
            return None
        df = pd.concat([p[["pipeline", "stage", "stage_order"]] for p in parts])
        df = df.drop_duplicates(["pipeline", "stage"]).sort_values(["pipeline", "stage_order"])
        return {p: list(g["stage"]) for p, g in df.groupby("pipeline", sort=False)}

    bar = tqdm(total=len(mapped), desc="import", unit="table", disable=not progress,
               file=sys.stderr, leave=False)
    for t, mt in mapped.items():
        bar.set_postfix_str(t)
        spec = TABLES[t]
        known: dict[str, object] = {}
        for col, (ref, _) in spec.references.items():
            if col in mt.data:
                got = ids(ref)
                if got or not TABLES[ref].optional:
                    known[ref] = got
                elif mt.data[col].notna().any():
                    findings.append(f"{t}.{col}: not checked, no {ref} are loaded")
        if t in ("opportunities", "stage_history"):
            st = stages()
            if st is not None:
                known["pipeline_stages"] = st
            else:
                findings.append(f"{t}.stage: not checked, no pipeline_stages are loaded")
        try:
            acc, rej = validate(mt.data, t, source=mt.sources, row_numbers=mt.rows, known=known,
                                labels=mt.labels, formats=mt.formats)
        except CRMDataError as exc:
            problems.append(str(exc))
            bar.update()
            continue
        accepted[t] = acc
        if len(rej):
            rejects.append(rej)
        results.append(TableResult(t, mt.files, mt.source_rows, len(mt.data), len(acc), len(rej)))
        for col, (ref, _) in spec.soft_references.items():
            if col in acc:
                unknown = sorted(set(acc[col].dropna()) - ids(ref))
                if unknown:
                    shown = ", ".join(unknown[:8]) + (", ..." if len(unknown) > 8 else "")
                    findings.append(f"{t}.{col}: {len(unknown)} values are not {ref} (kept, a "
                                    f"soft reference): {shown}")
        bar.update()
    bar.close()
    return accepted, rejects, results
