"""The import's ``rejects`` table as a data-quality check: counts by table, column and reason.

The first reason of each rejected row (the importer joins a row's reasons with ``"; "``) gives
its kind, tried in the order of :data:`REJECT_KINDS`: ``time_zone``, ``empty``,
``not_allowed``, ``not_a_value``, ``below_min``, ``above_max``, ``order``, ``unknown_stage``,
``unknown_reference``, ``duplicate_key``, else ``other``.
"""

from __future__ import annotations

import re

import pandas as pd

from crmlib.data.schema import TABLES
from crmlib.data.store import REJECTS_TABLE
from crmlib.quality.checks import ISSUE_COLUMNS

__all__ = ["REJECT_KINDS", "import_rejects", "reject_sample"]

# (kind, pattern of the first reason) in the order they are tried
REJECT_KINDS: list[tuple[str, str]] = [
    ("time_zone", r"has a time zone offset"), ("empty", r" is empty"),
    ("not_allowed", r" is not one of "), ("not_a_value", r" is not "),
    ("below_min", r" is (negative|below the minimum)"), ("above_max", r" is above the maximum"),
    ("order", r" is before "), ("unknown_stage", r"^unknown stage"),
    ("unknown_reference", r"^unknown "), ("duplicate_key", r"^duplicate "),
]


def _reject_kind(reason) -> str:
    first = str(reason or "").split("; ")[0]
    for kind, pattern in REJECT_KINDS:
        if re.search(pattern, first):
            return kind
    return "other"


def import_rejects(crm, *, sample: int = 5) -> pd.DataFrame:
    """Return the rows the imports rejected, by table, column and kind of reason.

    Parameters
    ----------
    crm : CRM
        The data.
    sample : int, default=5
        Rows listed per reason.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ISSUE_COLUMNS` with ``check`` ``rejects``, ``rule`` the kind of the
        row's first reason (see the module docstring), ``rows`` rejected, ``total`` = rejected
        rows of the table + rows in the table, and ``sample_ids`` as ``file:row`` (first rows
        first). Empty when the source has no ``rejects`` table or it is empty; ``attrs``
        ``available`` says whether the table exists.
    """
    empty = pd.DataFrame(columns=ISSUE_COLUMNS).astype({"rows": "int64", "total": "int64",
                                                        "share": "float64"})
    if not crm.has(REJECTS_TABLE):
        empty.attrs["available"] = False
        return empty
    df = crm.backend.table(REJECTS_TABLE).execute()
    empty.attrs["available"] = True
    if df.empty:
        return empty
    df["rule"] = [_reject_kind(r) for r in df["reason"]]
    df["where"] = df["source_file"].astype(str) + ":" + df["row_number"].astype("string")
    df = df.sort_values(["table_name", "source_file", "row_number"], kind="stable")
    g = df.groupby(["table_name", "column_name", "rule"], sort=True, dropna=False)
    out = g.agg(rows=("where", "size"), sample_ids=("where", lambda s: ", ".join(s[:sample])))
    out = out.reset_index().rename(columns={"table_name": "table", "column_name": "column"})
    rejected = out.groupby("table")["rows"].transform("sum")
    loaded = out["table"].map(lambda n: _count(crm, n))
    out["total"] = (rejected + loaded).astype("int64")
    out["share"] = out["rows"] / out["total"]
    out["check"] = "rejects"
    out = out[ISSUE_COLUMNS].astype({"rows": "int64"})
    out.attrs["available"] = True
    return out.sort_values(["table", "rows"], ascending=[True, False]).reset_index(drop=True)


def _count(crm, name) -> int:
    return int(crm.table(name).count().execute()) if name in TABLES and crm.has(name) else 0


def reject_sample(crm, *, n: int = 20) -> pd.DataFrame:
    """Return the first ``n`` rejected rows (by table, file, row).

    Parameters
    ----------
    crm : CRM
        The data.
    n : int, default=20
        Rows returned.

    Returns
    -------
    pandas.DataFrame
        Columns ``table_name``, ``source_file``, ``row_number``, ``column_name``, ``value``,
        ``reason``. Empty when the source has no rejects.
    """
    cols = ["table_name", "source_file", "row_number", "column_name", "value", "reason"]
    if not crm.has(REJECTS_TABLE):
        return pd.DataFrame(columns=cols)
    r = crm.backend.table(REJECTS_TABLE)
    return r.order_by(["table_name", "source_file", "row_number"]).limit(n).select(
        *cols).execute()
