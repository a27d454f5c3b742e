"""Apply a mapping (:mod:`crmlib.data.mapping`): source frames become canonical tables.

:func:`apply_table` builds one :class:`MappedTable` from its source frames, :func:`inline_table`
from rows written in the mapping, and :func:`apply_derive` fills derived columns across tables.
Values stay text until :func:`crmlib.data.validate.validate` parses and checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlib.data.mapping import ColumnMap, Mapping, TableMap
from crmlib.data.parsing import parse_column, parse_timestamps
from crmlib.data.schema import TABLES

__all__ = ["MappedTable", "apply_table", "inline_table", "apply_derive"]


@dataclass
class MappedTable:
    """One canonical table built from its sources, before validation.

    Parameters
    ----------
    table : str
        The canonical table.
    data : pandas.DataFrame
        Its columns (values mostly text).
    rows : numpy.ndarray
        1-based data row number of each row (first row of its group).
    sources : numpy.ndarray
        File name of each row.
    files : list of str
        The source files.
    source_rows : int
        Data rows of the source files.
    labels, formats : dict of str to str
        Per column: the source column's name; its date format.
    findings : list of str
        Notes on what the mapping did.
    """

    table: str
    data: pd.DataFrame
    rows: np.ndarray  # 1-based data row number of each row (first row of its group)
    sources: np.ndarray  # file name of each row
    files: list[str]
    source_rows: int
    labels: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)



def _strip(s: pd.Series) -> pd.Series:
    return s.str.strip() if s.dtype == object else s.astype(str).str.strip()


def inline_table(tm: TableMap, mapping: Mapping) -> MappedTable:
    """Return the table a mapping gives inline (``rows:``); rows numbered from 1 in the mapping.

    Parameters
    ----------
    tm : TableMap
        A table map with ``rows``.
    mapping : Mapping
        The mapping (its file names the rows' source).

    Returns
    -------
    MappedTable
        The rows as a canonical table, each traced to the mapping file and its row number.
    """
    data = pd.DataFrame(tm.rows, dtype=object)
    n = len(data)
    return MappedTable(tm.table, data, np.arange(1, n + 1), np.array([mapping.path.name] * n,
                       dtype=object), [mapping.path.name], n)


def apply_table(tm: TableMap, frames: list[tuple[str, pd.DataFrame]]) -> MappedTable:
    """Build canonical table ``tm.table`` from its source frames (as ``read_file`` gives).

    Values stay text, except aggregates (``sum``/``min``/``max``/``count``) and sequences,
    which are typed; :func:`crmlib.data.validate.validate` parses and checks the result.

    Parameters
    ----------
    tm : TableMap
        How the table is built.
    frames : list of (str, pandas.DataFrame)
        File name and frame of each source file (index = 1-based data row number).

    Returns
    -------
    MappedTable
        The mapped table: its canonical frame and, per row, the source file and row it came
        from.
    """
    t = tm.table
    src = pd.concat([f for _, f in frames], ignore_index=True) if len(frames) > 1 else \
        frames[0][1].reset_index(drop=True)
    rows = np.concatenate([f.index.to_numpy(dtype="int64") for _, f in frames])
    sources = np.concatenate([np.array([n] * len(f), dtype=object) for n, f in frames])
    out = MappedTable(t, pd.DataFrame(), rows, sources, [n for n, _ in frames], len(src))
    keep = np.ones(len(src), dtype=bool)
    for c, vals in tm.where.items():
        keep &= _strip(src[c]).isin(vals).to_numpy()
    if not keep.all():
        src, out.rows, out.sources = src[keep].reset_index(drop=True), rows[keep], sources[keep]
    if tm.sort_by:
        dates, _ = parse_timestamps(src[tm.sort_by[0]], tm.sort_by[1])
        order = dates.sort_values(kind="stable", na_position="last").index.to_numpy()
        src, out.rows, out.sources = src.iloc[order].reset_index(drop=True), \
            out.rows[order], out.sources[order]
    colmap = ({c: ColumnMap(column=c) for c in TABLES[t].names if c in src.columns}
              if tm.canonical else tm.columns)
    gid = None
    if tm.group_by:
        gid = src[tm.group_by].apply(_strip).groupby(tm.group_by, sort=False,
                                                     dropna=False).ngroup().to_numpy()
        first = pd.Series(np.arange(len(src))).groupby(gid).min().to_numpy()
        out.rows, out.sources = out.rows[first], out.sources[first]
    n_out = len(out.rows)
    data = {}
    for target, cm in colmap.items():
        out.labels[target] = cm.column or target
        if cm.format:
            out.formats[target] = cm.format
        if cm.value is not None:
            data[target] = pd.Series([cm.value] * n_out, dtype=object)
        elif cm.sequence:
            keys = src[cm.sequence].apply(_strip)
            data[target] = keys.groupby(cm.sequence, sort=False, dropna=False).cumcount() + 1
        else:
            s = _column(src, t, target, cm, out.findings)
            if gid is not None:
                how = (f"{cm.agg} by `{tm.sort_by[0]}`" if tm.sort_by else
                       f"{cm.agg} in file order")
                s = _aggregate(s, gid, f"`{'`, `'.join(tm.group_by)}`", how, t, target, cm,
                               out.findings)
            data[target] = s
    out.data = pd.DataFrame(data, index=pd.RangeIndex(n_out))
    if gid is not None:
        keys = "`, `".join(tm.group_by)
        out.findings.append(f"{t}: {n_out:,} rows, one per distinct `{keys}` of "
                            f"{len(src):,} source rows")
    _empties(out, colmap)
    return out


def _column(src, t, target, cm: ColumnMap, findings: list[str]) -> pd.Series:
    s = src[cm.column]
    if cm.values:
        stripped = _strip(s)
        hit = stripped.isin(list(cm.values))
        if hit.any():
            s = s.where(~hit, stripped.map(cm.values))
            for old, k in stripped[hit].value_counts().items():
                findings.append(f"{t}.{target}: `{old}` -> `{cm.values[old]}` in {k:,} rows")
    if cm.when:
        cond = np.ones(len(src), dtype=bool)
        for c, vals in cm.when.items():
            cond &= _strip(src[c]).isin(vals).to_numpy()
        dropped = int((~cond & s.notna().to_numpy()).sum())
        s = s.where(cond, None)
        if dropped:
            conds = " and ".join(f"`{c}` is " + " or ".join(v) for c, v in cm.when.items())
            findings.append(f"{t}.{target}: `{cm.column}` left empty in {dropped:,} rows "
                            f"(taken only where {conds})")
    return s


def _aggregate(s: pd.Series, gid, group: str, how: str, t, target, cm: ColumnMap,
               findings: list[str]) -> pd.Series:
    g = s.groupby(gid)
    if cm.agg in ("first", "last"):
        many = int((g.nunique() > 1).sum())
        if many:
            findings.append(f"{t}.{target}: {many:,} {group} values have more than one "
                            f"`{cm.column}`; kept the {how}")
        res = g.first() if cm.agg == "first" else g.last()
        return res.astype(object).where(res.notna(), None).reset_index(drop=True)
    if cm.agg == "count":
        return g.count().reset_index(drop=True)
    dtype = TABLES[t].column(target).dtype
    vals, bad, _ = parse_column(s, dtype, cm.format)
    vg = vals.groupby(gid)
    res = (vg.sum(min_count=1) if cm.agg == "sum" else vg.min() if cm.agg == "min"
           else vg.max()).reset_index(drop=True)
    if bad.any():  # a group with an unreadable value keeps that text, so validation rejects it
        res = res.astype(object)
        first_bad = s[bad.to_numpy()].groupby(gid[bad.to_numpy()]).first()
        res.iloc[first_bad.index.to_numpy()] = first_bad.to_numpy()
    return res


def _empties(out: MappedTable, colmap: dict[str, ColumnMap]) -> None:
    spec = TABLES[out.table]
    counts = [(c, int(out.data[c].isna().sum())) for c, cm in colmap.items()
              if cm.column is not None and not spec.column(c).required and c in out.data]
    counts = [(c, k) for c, k in counts if k]
    if counts:
        out.findings.append(f"{out.table}: empty optional values kept as missing: "
                            + ", ".join(f"{c} {k:,}" for c, k in counts)
                            + f" (of {len(out.data):,} rows)")


def apply_derive(mapped: dict[str, MappedTable], mapping: Mapping) -> None:
    """Fill empty derived columns (``derive:``) in place from the other mapped tables.

    Parameters
    ----------
    mapped : dict of str to MappedTable
        Every mapped table; changed in place.
    mapping : Mapping
        The mapping, whose tables say what to derive.
    """
    for t, tm in mapping.tables.items():
        if t not in mapped or not tm.derive:
            continue
        out = mapped[t]
        for target, (how, other, col, by) in tm.derive.items():
            src = mapped.get(other)
            if src is None or col not in src.data or by not in src.data or by not in out.data:
                out.findings.append(f"{t}.{target}: not derived, {other}.{col} was not imported")
                if target not in out.data:  # validation then rejects rows that need it
                    out.data[target] = pd.Series([None] * len(out.data), dtype=object)
                continue
            dtype = TABLES[t].column(target).dtype
            vals, _, _ = parse_column(src.data[col], dtype, src.formats.get(col))
            g = vals.groupby(_strip(src.data[by]).to_numpy())
            agg = g.min() if how == "first_of" else g.max()
            cur = out.data[target] if target in out.data else pd.Series(
                [None] * len(out.data), dtype=object)
            fill = _strip(out.data[by]).map(agg)
            need = cur.isna() & fill.notna()
            out.data[target] = cur.astype(object).where(~need, fill)
            out.labels.setdefault(target, target)
            word = "first" if how == "first_of" else "last"
            out.findings.append(f"{t}.{target}: {int(need.sum()):,} values derived as the "
                                f"{word} {other}.{col} of the same {by}")
