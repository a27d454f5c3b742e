"""Mappings: how the columns of source files become the canonical tables (docs/import.md).

A mapping is a YAML file of data, never code: nothing in a mapping or in a source file is
evaluated as Python or SQL. Presets live in ``params/mappings/<name>.yaml``. Its shape::

    name: maven_crm
    description: one line on the source
    defects: ["what is wrong with the source and what this mapping does about it", ...]
    tables:
      <canonical table>:
        file: sales_pipeline.csv         # glob(s) matched against input file names
        sheet: Sheet1                    # optional: worksheet of a workbook
        where: {deal_stage: Won}         # optional: keep rows whose column has the value(s)
        sort_by: {column: Order Date, format: "%m/%d/%Y"}   # optional: date order before first/last
        group_by: Order ID               # optional: one output row per distinct value(s)
        columns:                         # or `columns: canonical` (names already canonical)
          <canonical column>: <source column>
          <canonical column>: {column: <source column>, values: {old: new}, format: "%m/%d/%Y",
                               when: {<source column>: value}, agg: first|last|sum|min|max|count}
          <canonical column>: {value: constant}
          <canonical column>: {sequence: <source column(s)>}   # 1, 2, ... within each value
        derive:                          # fill empty values from another mapped table
          created_at: {first_of: opportunities.created_at, by: customer_id}
      <canonical table>:
        rows: [{pipeline: default, stage: Won, stage_order: 3}, ...]   # inline data

This module loads and checks mappings; :mod:`crmlib.data.mapped` applies them to source frames.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import yaml

from crmlib.config import MAPPINGS_DIR, PROJECT_ROOT
from crmlib.data.mapping_spec import ColumnMap, Mapping, TableMap
from crmlib.data.schema import TABLES
from crmlib.exceptions import ParamsError

__all__ = ["ColumnMap", "TableMap", "Mapping", "AGGS", "load_mapping", "list_presets",
           "source_problems"]

AGGS = ("first", "last", "sum", "min", "max", "count")
_TOP = ("name", "description", "defects", "tables")
_TABLE = ("file", "sheet", "where", "sort_by", "group_by", "columns", "rows", "derive")
_COLUMN = ("column", "value", "values", "format", "when", "agg", "sequence")
_DERIVE = ("first_of", "last_of", "by")


def list_presets() -> list[str]:
    """Return the names of the mapping presets in ``params/mappings``.

    Returns
    -------
    list of str
        The presets' names (file names without ``.yaml``), sorted.
    """
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _hint(word, choices) -> str:
    got = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f"; did you mean `{got[0]}`?" if got else "."


def _strs(v) -> list[str]:
    return [_str(x) for x in (v if isinstance(v, list | tuple) else [v])]


def _str(v) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def load_mapping(mapping: str | os.PathLike) -> Mapping:
    """Load and check a mapping: a preset name (``maven_crm``) or the path of a YAML file.

    Parameters
    ----------
    mapping : str or path
        A preset name or a YAML file.

    Returns
    -------
    Mapping
        The checked mapping, its tables and columns.

    Raises
    ------
    ParamsError
        Naming the file and every unknown key, table or column (with a did-you-mean), and
        every required column the mapping leaves unmapped.
    """
    p = Path(mapping)
    if p.suffix.lower() in (".yaml", ".yml") or p.is_file():
        path = p
        if not path.is_file():
            raise ParamsError(f"{mapping}: no such mapping file; check the path.")
    else:
        path = MAPPINGS_DIR / f"{mapping}.yaml"
        if not path.is_file():
            presets = list_presets()
            hint = _hint(mapping, presets)
            raise ParamsError(f"unknown mapping `{mapping}`" + ("" if hint == "." else hint)
                              + f" Presets: {', '.join(presets)}; or give a .yaml path.")
    shown = _shown(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"{shown}: not valid YAML ({exc}).") from None
    problems: list[str] = []
    m = _parse(data, path, problems)
    if problems:
        head = problems[0] if len(problems) == 1 else f"{len(problems)} problems"
        raise ParamsError(f"{shown}: {head}" + ("" if len(problems) == 1 else
                          "".join(f"\n  - {q}" for q in problems)))
    return m


def _keys(d, allowed, where: str | None, problems: list[str]) -> bool:
    if not isinstance(d, dict):
        problems.append(f"{where or 'the file'} must be a mapping of keys to values, not `{d}`.")
        return False
    for k in d:
        if k not in allowed:
            problems.append((f"{where}: " if where else "") + f"unknown key `{k}`"
                            + _hint(k, allowed))
    return True


def _parse(data, path: Path, problems: list[str]) -> Mapping:
    m = Mapping(name=path.stem, path=path)
    if not _keys(data, _TOP, None, problems):
        return m
    m.name = str(data.get("name", path.stem))
    m.description = str(data.get("description", "") or "")
    m.defects = [str(x).strip() for x in (data.get("defects") or [])]
    tables = data.get("tables")
    if not isinstance(tables, dict) or not tables:
        if "tables" in data or not problems:  # else a misspelled `tables` is reported already
            problems.append("`tables` must map canonical table names to their sources.")
        return m
    for t, spec in tables.items():
        if t not in TABLES:
            problems.append(f"tables: unknown table `{t}`" + _hint(t, TABLES))
        else:
            before = len(problems)
            if _keys(spec, _TABLE, f"tables.{t}", problems):
                # after a misspelled key, do not also report the key as missing
                m.tables[t] = _parse_table(t, spec, problems, quiet=len(problems) > before)
    for t, tm in m.tables.items():
        for target, (_how, other, _col, _by) in tm.derive.items():
            if other not in m.tables:
                problems.append(f"tables.{t}.derive.{target}: table `{other}` is not mapped.")
    return m


def _parse_table(t: str, spec: dict, problems: list[str], quiet: bool = False) -> TableMap:
    where = f"tables.{t}"
    tm = TableMap(t)
    canon = TABLES[t]
    if ("rows" in spec) == ("file" in spec) and not quiet:
        problems.append(f"{where}: give either `file` (a source file) or `rows` (inline data).")
    if "rows" in spec:
        rows = spec["rows"]
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            problems.append(f"{where}.rows must be a list of mappings.")
            return tm
        for i, r in enumerate(rows, start=1):
            _keys(r, canon.names, f"{where}.rows[{i}]", problems)
            for c in canon.required:
                if c not in r:
                    problems.append(f"{where}.rows[{i}]: required column `{c}` is missing.")
        tm.rows = [{k: None if v is None else _str(v) for k, v in r.items()} for r in rows]
        return tm
    tm.files = _strs(spec.get("file"))
    tm.sheet = None if spec.get("sheet") is None else str(spec["sheet"])
    w = spec.get("where") or {}
    if isinstance(w, dict):
        tm.where = {str(k): _strs(v) for k, v in w.items()}
    else:
        problems.append(f"{where}.where must map source columns to the values to keep.")
    sb = spec.get("sort_by")
    if isinstance(sb, dict):
        _keys(sb, ("column", "format"), f"{where}.sort_by", problems)
        tm.sort_by = (str(sb.get("column")), sb.get("format"))
    elif sb is not None:
        tm.sort_by = (str(sb), None)
    tm.group_by = _strs(spec["group_by"]) if spec.get("group_by") is not None else []
    cols = spec.get("columns")
    if cols == "canonical":
        tm.canonical = True
    elif (not isinstance(cols, dict) or not cols) and not quiet:
        problems.append(f"{where}.columns must map canonical columns to source columns, "
                        "or be `canonical`.")
    elif isinstance(cols, dict):
        for target, cs in cols.items():
            if target not in canon.names:
                problems.append(f"{where}.columns: unknown column `{target}` of {t}"
                                + _hint(target, canon.names))
                continue
            cm = _parse_column(cs, f"{where}.columns.{target}", problems)
            if cm.agg != "first" and not tm.group_by:
                problems.append(f"{where}.columns.{target}: `agg` needs `group_by` on the table.")
            if cm.sequence and tm.group_by:
                problems.append(f"{where}.columns.{target}: `sequence` cannot be used with "
                                "`group_by`.")
            tm.columns[target] = cm
    for target, d in (spec.get("derive") or {}).items():
        dw = f"{where}.derive.{target}"
        if target not in canon.names:
            problems.append(f"{where}.derive: unknown column `{target}`" + _hint(target,
                                                                                 canon.names))
        elif _keys(d, _DERIVE, dw, problems):
            how = "first_of" if "first_of" in d else "last_of" if "last_of" in d else None
            ref = str(d.get(how, ""))
            other, _, col = ref.partition(".")
            by = str(d.get("by") or (canon.key[0] if canon.key else ""))
            if how is None:
                problems.append(f"{dw}: give `first_of` or `last_of` as table.column.")
            elif other not in TABLES or col not in TABLES[other].names:
                problems.append(f"{dw}: `{ref}` is not a canonical table.column.")
            elif by not in canon.names or by not in TABLES[other].names:
                problems.append(f"{dw}: `by` column `{by}` must be in both {t} and {other}.")
            else:
                tm.derive[target] = (how, other, col, by)
    if not tm.canonical and cols:
        for c in canon.required:
            if c not in tm.columns and c not in tm.derive:
                problems.append(f"{where}: required column `{c}` is not mapped.")
    return tm


def _parse_column(cs, where: str, problems: list[str]) -> ColumnMap:
    if isinstance(cs, str | int | float) and not isinstance(cs, bool):
        return ColumnMap(column=str(cs))
    if not _keys(cs, _COLUMN, where, problems):
        return ColumnMap()
    cm = ColumnMap(column=None if cs.get("column") is None else str(cs["column"]),
                   value=None if cs.get("value") is None else _str(cs["value"]),
                   format=cs.get("format"), agg=str(cs.get("agg", "first")))
    if cs.get("sequence") is not None:
        cm.sequence = _strs(cs["sequence"])
    if sum(x is not None for x in (cm.column, cm.value, cm.sequence)) != 1:
        problems.append(f"{where}: give exactly one of `column`, `value` or `sequence`.")
    if cm.agg not in AGGS:
        hint = _hint(cm.agg, AGGS)
        problems.append(f"{where}: unknown agg `{cm.agg}`" + ("" if hint == "." else hint)
                        + f" (one of {', '.join(AGGS)}).")
    vals = cs.get("values") or {}
    if isinstance(vals, dict):
        cm.values = {_str(k): _str(v) for k, v in vals.items()}
    else:
        problems.append(f"{where}.values must map old values to new ones.")
    when = cs.get("when") or {}
    if isinstance(when, dict):
        cm.when = {str(k): _strs(v) for k, v in when.items()}
    else:
        problems.append(f"{where}.when must map source columns to values.")
    return cm


def source_problems(tm: TableMap, file: str, headers: list[str]) -> tuple[list[str], list[str]]:
    """Check a source file's header against what ``tm`` reads from it.

    Parameters
    ----------
    tm : TableMap
        The table map that reads the file.
    file : str
        The file's name, for messages.
    headers : list of str
        The file's column names.

    Returns
    -------
    tuple of (list of str, list of str)
        ``(problems, findings)``: problems name the file, each missing column and a
        did-you-mean among the file's headers; findings list ignored columns (canonical mode).
    """
    problems, findings = [], []
    have = set(headers)
    if tm.canonical:
        spec = TABLES[tm.table]
        unknown = [h for h in headers if h not in spec.names]
        absent = [c for c in spec.names if c not in have]
        for c in spec.required:
            if c not in have:
                problems.append(f"{file} header: no column `{c}` for required {tm.table}.{c}"
                                + _hint(c, unknown))
        for h in unknown:
            close = difflib.get_close_matches(h, absent, n=1, cutoff=0.8)
            if close and close[0] not in spec.required:
                problems.append(f"{file} header: unknown column `{h}`; did you mean "
                                f"`{close[0]}`? Rename it, or remove it to import without it.")
        ignored = [h for h in unknown
                   if not difflib.get_close_matches(h, absent, n=1, cutoff=0.8)]
        if ignored:
            findings.append(f"{file}: columns not in the data model, not imported: "
                            + ", ".join(f"`{h}`" for h in ignored))
        return problems, findings
    needed: dict[str, str] = {}
    for c in tm.where:
        needed.setdefault(c, "`where`")
    if tm.sort_by:
        needed.setdefault(tm.sort_by[0], "`sort_by`")
    for c in tm.group_by:
        needed.setdefault(c, "`group_by`")
    for target, cm in tm.columns.items():
        for c in [cm.column, *(cm.sequence or []), *cm.when]:
            if c is not None:
                needed.setdefault(c, f"{tm.table}.{target}")
    for c, use in needed.items():
        if c not in have:
            problems.append(f"{file} header: no column `{c}` (the mapping reads it for {use})"
                            + _hint(c, headers))
    return problems, findings
