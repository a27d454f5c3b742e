"""Quality scores per table and per owner: the share of rows that pass every check, 0..100.

Definition: **score = 100 x (1 - failing / rows)**, where ``rows`` are the rows checked (as in
:mod:`crmlib.quality.checks`: deleted customers left out, scope by the rows' owner) and
``failing`` the rows that fail at least one check: a missing field, an invalid value, an
orphan reference, a stale record, or being a duplicate to merge away (a customer that a
suggested merge would merge into another; a contact of a duplicate cluster other than its
smallest id). A row failing three checks counts once. Rows none of the checks apply to (a
table without rules) pass. The score is undefined (NaN) for a table or owner without rows.

Per owner, ``rows`` and ``failing`` add up the rows of every table attributed to the owner
(:data:`crmlib.quality.checks.OWNER_OF`); rows of those tables that nobody owns (public-pool
customers, payments of an unknown contract) make the row with ``owner_id`` None; tables
without owners (employees, products, ...) are left out. Import rejects are not rows of a table and do
not count (see :func:`crmlib.quality.checks.import_rejects`).
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.engine import count_if, report_day
from crmlib.exceptions import ParamsError
from crmlib.quality.clusters import duplicate_clusters, suggested_merges
from crmlib.quality.duplicates import all_duplicates
from crmlib.quality.flags import (
    OWNER_OF,
    checked_tables,
    flagged_table,
    scoped_rows,
    valid_stale_days,
)
from crmlib.scope import Scope

__all__ = ["TABLE_SCORE_COLUMNS", "OWNER_SCORE_COLUMNS", "duplicate_rows", "quality_scores"]

TABLE_SCORE_COLUMNS = ["table", "rows", "failing", "score"]
OWNER_SCORE_COLUMNS = ["owner_id", "name", "team", "rows", "failing", "score"]
_CHECKS = {"missing", "invalid", "orphan", "stale"}


def duplicate_rows(crm, pairs: pd.DataFrame) -> dict[str, list[str]]:
    """Return the ids that count as duplicates: per table, the records a merge would remove.

    Customers: the ``merge_id`` of :func:`~crmlib.quality.clusters.suggested_merges`;
    contacts: every member of a duplicate cluster but its smallest id.

    Parameters
    ----------
    crm : CRM
        The data.
    pairs : pandas.DataFrame
        Duplicate pairs (columns :data:`~crmlib.quality.duplicates.PAIR_COLUMNS`).

    Returns
    -------
    dict of str to list of str
        Table -> ids.
    """
    out = {"customers": [], "contacts": []}
    if pairs is None or pairs.empty:
        return out
    cust = pairs[pairs["table"] == "customers"]
    if len(cust):
        out["customers"] = suggested_merges(crm, cust)["merge_id"].tolist()
    cl = duplicate_clusters(pairs[pairs["table"] == "contacts"])
    out["contacts"] = cl.loc[cl["id"] != cl["cluster_id"], "id"].tolist()
    return out


def quality_scores(crm, *, by: str = "table", as_of=None, scope: Scope | None = None,
                   duplicates: pd.DataFrame | None = None, stale_days: int | None = None,
                   threshold: float | None = None) -> pd.DataFrame:
    """Quality score per table or per owner (see the module docstring for the formula).

    Parameters
    ----------
    crm : CRM
        The data.
    by : {"table", "owner"}, default="table"
        One score per ``table``, or per ``owner`` (the employee owning the rows).
    as_of : str or Timestamp, optional
        The report day (future dates, stale records); default the data's last event date.
    scope : Scope, optional
        Whose rows; None = the whole company (tables nobody owns included).
    duplicates : pandas.DataFrame, optional
        Pairs from :func:`~crmlib.quality.duplicates.all_duplicates` (or
        ``duplicate_pairs`` of one table); default: found here, on both tables.
    stale_days : int, optional
        Days without a touch that make a customer stale (default 180).
    threshold : float, optional
        Company-name similarity for duplicates found here (default 0.8).

    Returns
    -------
    pandas.DataFrame
        ``by="table"``: columns ``table``, ``rows``, ``failing`` (int) and ``score``
        (0..100, float), one row per checked table in load order. ``by="owner"``: columns
        ``owner_id`` (None for rows nobody owns), ``name``, ``team`` (from employees),
        ``rows``, ``failing``, ``score``, lowest score first (ties by owner id, unowned
        last). ``attrs``: ``as_of``, ``scope``, ``by``.

    Raises
    ------
    ParamsError
        ``by`` is neither ``table`` nor ``owner``; a bad ``as_of`` or ``stale_days``.

    Examples
    --------
    >>> import crmlib
    >>> df = quality_scores(crmlib.connect())
    >>> list(df.columns)
    ['table', 'rows', 'failing', 'score']
    """
    if by not in ("table", "owner"):
        raise ParamsError(f"`by` {by!r} is not one of 'table', 'owner'; pass one of those.")
    scope = scope or Scope()
    day = report_day(crm, as_of)
    days = valid_stale_days(stale_days)
    if duplicates is None:
        duplicates = all_duplicates(crm, threshold=threshold)
    dup = duplicate_rows(crm, duplicates)
    parts = []
    for name in checked_tables(crm, scope):
        if by == "owner" and name not in OWNER_OF:
            continue  # employees, products ...: nobody's rows
        t, flags = flagged_table(crm, name, _CHECKS, day, days, None)
        cols = [f.expr for f in flags]
        if dup.get(name):
            ids = ibis.memtable(pd.DataFrame({"_dup": pd.Series(dup[name], dtype=object)}))
            t = t.left_join(ids, t._id == ids._dup)
            t = t.mutate(_flag_dup=t._dup.notnull())
            cols.append("_flag_dup")
        t = scoped_rows(t, scope)
        if cols:
            fail = t[cols[0]]
            for c in cols[1:]:
                fail = fail | t[c]
            failing = count_if(fail)
        else:  # no rule applies to this table: every row passes
            failing = t.count() - t.count()
        if by == "table":
            r = t.aggregate(rows=t.count(), failing=failing).execute()
            parts.append(r.assign(table=name))
        else:
            parts.append(t.group_by("_owner").aggregate(rows=t.count(),
                                                        failing=failing).execute())
    out = _table_scores(parts) if by == "table" else _owner_scores(crm, parts)
    out.attrs.update(as_of=day, scope=str(scope), by=by)
    return out


def _score(df: pd.DataFrame) -> pd.DataFrame:
    df["rows"] = df["rows"].astype("int64")
    df["failing"] = df["failing"].fillna(0).astype("int64")
    df["score"] = (100 * (1 - df["failing"] / df["rows"].where(df["rows"] > 0))).astype(
        "float64")
    return df


def _table_scores(parts) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=TABLE_SCORE_COLUMNS)
    return _score(pd.concat(parts, ignore_index=True))[TABLE_SCORE_COLUMNS]


def _owner_scores(crm, parts) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=OWNER_SCORE_COLUMNS)
    df = pd.concat(parts, ignore_index=True)
    df["_owner"] = df["_owner"].astype("object").where(df["_owner"].notna(), None)
    df = df.groupby("_owner", dropna=False, sort=False)[["rows", "failing"]].sum().reset_index()
    df = df.rename(columns={"_owner": "owner_id"})
    emp = crm.table("employees").select("employee_id", "name", "team").execute()
    df = df.merge(emp, left_on="owner_id", right_on="employee_id", how="left")
    df = _score(df)
    df["_unowned"] = df["owner_id"].isna()
    df = df.sort_values(["_unowned", "score", "owner_id"], kind="stable", na_position="last")
    df["owner_id"] = df["owner_id"].astype("object").where(df["owner_id"].notna(), None)
    return df[OWNER_SCORE_COLUMNS].reset_index(drop=True)
