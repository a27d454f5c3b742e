"""Check rows of a canonical table against the data model; split them into accepted and rejected.

:func:`validate` parses the text of each canonical column into its type, then checks the rules of
:mod:`crmlib.data.schema` with one pandera schema per table (required values, allowed values,
minimum and maximum), the ordered date pairs, references to other tables, pipeline stages and the
table's unique key. Every input row ends up either accepted or rejected, never both, never lost:
``len(accepted) + len(rejects) == len(df)``.

Parsing rules: :mod:`crmlib.data.parsing`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa

from crmlib.data.parsing import TIME_ZONE_PATTERN, parse_column, parse_numbers, parse_timestamps
from crmlib.data.schema import TABLES, Table
from crmlib.exceptions import CRMDataError

__all__ = ["REJECT_FIELDS", "validate", "empty_rejects", "pandera_schema", "parse_column",
           "parse_numbers", "parse_timestamps"]

REJECT_FIELDS = ["table_name", "source_file", "row_number", "column_name", "value", "reason"]


def pandera_schema(table: Table | str) -> pa.DataFrameSchema:
    """Build the pandera schema of the per-column rules of a canonical table (on parsed values).

    Columns are optional in the frame (``required=False``); required ones must be non-null.
    Checks are named ``allowed``, ``min`` and ``max`` so failures can be explained.

    Parameters
    ----------
    table : Table or str
        A canonical table or its name.

    Returns
    -------
    pandera.DataFrameSchema
        One pandera column per canonical column, with its checks; named after the table.
    """
    spec = TABLES[table] if isinstance(table, str) else table
    cols = {}
    for c in spec.columns:
        checks = []
        if c.allowed:
            checks.append(pa.Check.isin(list(c.allowed), name="allowed", ignore_na=True))
        if c.min_value is not None:
            checks.append(pa.Check.ge(c.min_value, name="min", ignore_na=True))
        if c.max_value is not None:
            checks.append(pa.Check.le(c.max_value, name="max", ignore_na=True))
        cols[c.name] = pa.Column(None, nullable=not c.required, required=False, checks=checks)
    return pa.DataFrameSchema(cols, name=spec.name)


def empty_rejects() -> pd.DataFrame:
    """Return a rejects frame with no rows (columns :data:`REJECT_FIELDS`).

    Returns
    -------
    pandas.DataFrame
        An empty frame, ``row_number`` int64 and the other columns object.
    """
    return pd.DataFrame({k: pd.Series(dtype="int64" if k == "row_number" else object)
                         for k in REJECT_FIELDS})


def _check_kinds(col) -> list[str]:
    """Names of the checks :func:`pandera_schema` gives ``col``, in order."""
    return [k for k, on in (("allowed", col.allowed), ("min", col.min_value is not None),
                            ("max", col.max_value is not None)) if on]


def _not_a(label: str, v, what: str) -> str:
    if what.startswith("a date") and re.search(TIME_ZONE_PATTERN, str(v)):
        return (f"`{label}` {_show(v)} has a time zone offset; timestamps are naive local "
                "time, so convert it to local time without the offset")
    return f"`{label}` {_show(v)} is not {what}"


def _show(v) -> str:
    return "`" + str(v) + "`"


def validate(df: pd.DataFrame, table: str, *, source, row_numbers=None,
             known: Mapping[str, object] | None = None, labels: Mapping[str, str] | None = None,
             formats: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the rows of canonical table ``table`` into accepted (typed) and rejected rows.

    Parameters
    ----------
    df : pandas.DataFrame
        Canonical column names; values as text (typed values are accepted too). Columns that are
        not in the data model are ignored.
    table : str
        Canonical table name.
    source : str or sequence of str
        The source file name, or one per row.
    row_numbers : sequence of int, optional
        Each row's 1-based data row number in its file; default 1..n.
    known : dict, optional
        Ids other tables hold (already loaded or being loaded): ``{table: set of key values}``
        for references, ``{"pipeline_stages": {pipeline: [stage, ...]}}`` for stages. A reference
        to a table missing from ``known`` is not checked.
    labels : dict, optional
        ``{canonical column: source column}``, so messages speak the file's column names.
    formats : dict, optional
        ``{canonical column: strptime format}`` for timestamp columns.

    Returns
    -------
    accepted : pandas.DataFrame
        The valid rows, columns parsed to their canonical types, in input order.
    rejects : pandas.DataFrame
        One row per rejected input row: ``table_name, source_file, row_number, column_name,
        value, reason``. ``column_name`` and ``value`` are those of the row's first problem;
        ``reason`` lists all its problems, joined with ``"; "``.

    Raises
    ------
    CRMDataError
        When a required column is missing, so the table cannot be loaded at all.
    """
    spec = TABLES[table]
    n = len(df)
    labels = dict(labels or {})
    lab = {c: labels.get(c, c) for c in spec.names}
    sources = np.asarray([source] * n if isinstance(source, str) else list(source), dtype=object)
    rows = np.arange(1, n + 1) if row_numbers is None else np.asarray(row_numbers, dtype="int64")
    first_src = str(sources[0]) if n else str(source)
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        problems = []
        for c in missing:
            hint = difflib.get_close_matches(c, [str(x) for x in df.columns], n=1)
            problems.append(f"{first_src} header: no column `{lab[c]}` for required "
                            f"{table}.{c}" + (f"; did you mean `{hint[0]}`?" if hint else "."))
        raise CRMDataError(problems[0] if len(problems) == 1 else
                           f"{first_src}: {table} cannot be loaded", problems
                           if len(problems) > 1 else None)

    raw = df.reset_index(drop=True)
    present = [c for c in spec.names if c in raw.columns]
    parsed = pd.DataFrame(index=raw.index)
    found: list[pd.DataFrame] = []  # columns: pos, column, value, reason

    def add(mask, column, reason_of) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            pos = np.flatnonzero(mask)
            vals = raw[column].iloc[pos] if column in raw.columns else pd.Series([None] * len(pos))
            reasons = [reason_of(p, v) for p, v in zip(pos, vals, strict=True)]
            found.append(pd.DataFrame({"pos": pos, "column": lab.get(column, column),
                                       "value": [None if v is None else str(v) for v in vals],
                                       "reason": reasons}))

    for c in present:
        col = spec.column(c)
        vals, bad, what = parse_column(raw[c], col.dtype, (formats or {}).get(c))
        if col.allowed:
            vals = vals.str.lower()
        parsed[c] = vals
        add(bad, c, lambda p, v, c=c, what=what: _not_a(lab[c], v, what))

    # Per-column rules through pandera (lazy: every failure, not just the first).
    try:
        pandera_schema(spec).validate(parsed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna() & fc["column"].isin(present)].copy()
        fc["kind"] = [
            "not_nullable" if ch == "not_nullable" else
            (_check_kinds(spec.column(c))[int(k)] if pd.notna(k) else str(ch))
            for c, ch, k in zip(fc["column"], fc["check"], fc["check_number"], strict=True)]
        for (c, check), grp in fc.groupby(["column", "kind"], sort=False):
            mask = np.zeros(n, dtype=bool)
            mask[grp["index"].astype("int64").to_numpy()] = True
            col = spec.column(c)
            if check == "not_nullable":
                add(mask, c, lambda p, v, c=c: f"`{lab[c]}` is empty; {table}.{c} is required")
            elif check == "allowed":
                ok = ", ".join(col.allowed)
                add(mask, c, lambda p, v, c=c, ok=ok: f"`{lab[c]}` {_show(v)} is not one of {ok}")
            elif check == "min":
                word = "negative" if col.min_value == 0 else f"below the minimum {col.min_value:g}"
                add(mask, c, lambda p, v, c=c, word=word: f"`{lab[c]}` {_show(v)} is {word}")
            elif check == "max":
                add(mask, c, lambda p, v, c=c, m=col.max_value:
                    f"`{lab[c]}` {_show(v)} is above the maximum {m:g}")

    for early, late in spec.ordered:
        if early in parsed and late in parsed:
            mask = (parsed[late] < parsed[early]).to_numpy(dtype=bool)  # NaT compares False
            add(mask, late, lambda p, v, e=early, la=late:
                f"`{lab[la]}` {v} is before `{lab[e]}` {raw[e].iloc[p]}")

    known = known or {}
    for c, (ref_table, _ref_col) in spec.references.items():
        if c in parsed and ref_table in known:
            ids = known[ref_table]
            vals = parsed[c]
            mask = (vals.notna() & ~vals.isin(list(ids) if isinstance(ids, set) else ids))
            name = c if lab[c] == c else f"{c} (column `{lab[c]}`)"
            add(mask.to_numpy(dtype=bool), c, lambda p, v, name=name: f"unknown {name} {_show(v)}")
    if table in ("opportunities", "stage_history") and "pipeline_stages" in known:
        _check_stages(parsed, table, dict(known["pipeline_stages"]), lab, add)

    _check_unique(spec, parsed, rows, sources, lab, add)

    if found:
        probs = pd.concat(found, ignore_index=True)
        probs = probs.drop_duplicates(["pos", "column"], keep="first").sort_values(
            "pos", kind="stable")
        grouped = probs.groupby("pos", sort=True)
        first = grouped.first()
        reasons = grouped["reason"].agg("; ".join)
        pos = first.index.to_numpy()
        rejects = pd.DataFrame({
            "table_name": table, "source_file": sources[pos].astype(str), "row_number": rows[pos],
            "column_name": first["column"].to_numpy(), "value": first["value"].to_numpy(),
            "reason": reasons.to_numpy()})
    else:
        pos = np.array([], dtype="int64")
        rejects = empty_rejects()
    keep = np.ones(n, dtype=bool)
    keep[pos] = False
    accepted = parsed[keep].reset_index(drop=True)
    assert len(accepted) + len(rejects) == n, "every row must be accepted or rejected"
    return accepted, rejects


def _check_stages(parsed, table, stages: dict[str, Iterable[str]], lab, add) -> None:
    if "stage" not in parsed:
        return
    stage = parsed["stage"]
    if table == "opportunities":
        pipeline = (parsed["pipeline"] if "pipeline" in parsed
                    else pd.Series(None, index=parsed.index, dtype=object)).fillna("default")
        valid = {(p, s) for p, ss in stages.items() for s in ss}
        pairs = pd.Series(list(zip(pipeline, stage, strict=True)), index=parsed.index)
        mask = stage.notna() & ~pairs.isin(valid)

        def why(p, v):
            pl = pipeline.iloc[p]
            if pl not in stages:
                return (f"`{lab['stage']}` {_show(v)}: pipeline `{pl}` has no stages in "
                        f"pipeline_stages (pipelines: {', '.join(stages)})")
            return (f"unknown stage {_show(v)} in `{lab['stage']}`; pipeline `{pl}` has "
                    f"{', '.join(stages[pl])}")
    else:
        every = list(dict.fromkeys(s for ss in stages.values() for s in ss))
        mask = stage.notna() & ~stage.isin(every)

        def why(p, v):
            return f"unknown stage {_show(v)} in `{lab['stage']}`; stages are {', '.join(every)}"
    add(mask.to_numpy(dtype=bool), "stage", why)


def _check_unique(spec: Table, parsed, rows, sources, lab, add) -> None:
    """Reject repeats of the table's key after its first row.

    Rows with an empty key part are not compared. The first row wins even when it is rejected
    for another reason.
    """
    key = [k for k in spec.key if k in parsed]
    if not key or len(key) < len(spec.key):
        return
    sub = parsed[key]
    sub = sub[sub.notna().all(axis=1)]
    schema = pa.DataFrameSchema({k: pa.Column(None, nullable=True) for k in key}, unique=key,
                                report_duplicates="exclude_first")
    try:
        schema.validate(sub, lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        dup_idx = np.unique(fc.loc[fc["check"] == "multiple_fields_uniqueness", "index"]
                            .dropna().astype("int64").to_numpy())
    if not len(dup_idx):
        return
    first_pos = sub.groupby(key, sort=False, dropna=False).ngroup()
    first_of = pd.Series(sub.index, index=sub.index).groupby(first_pos.to_numpy()).transform("min")
    mask = np.zeros(len(parsed), dtype=bool)
    mask[dup_idx] = True

    def why(p, v):
        f = int(first_of.loc[p])
        where = f"row {rows[f]}" + ("" if sources[f] == sources[p] else f" of {sources[f]}")
        if len(key) == 1:
            return f"duplicate {key[0]} {_show(v)} in `{lab[key[0]]}`, first seen at {where}"
        vals = ", ".join(f"{k} {_show(parsed[k].iloc[p])}" for k in key)
        return f"duplicate key ({vals}), first seen at {where}"
    add(mask, key[0], why)
