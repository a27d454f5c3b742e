"""Customer portrait (客户画像): customers and dealt customers by one dimension.

Customers and dealt customers by province, city, industry, level
and source.

Definitions (docs/metrics.md, Wukong BI 3E):

- **Which customers.** Customers created on or before ``as_of`` (the report date, day included),
  not deleted (``status`` other than ``deleted``; an empty status counts), owned by an employee
  of the scope. The company scope counts every customer, public-pool ones (no owner) included; a
  team or employee scope counts its owners' customers only. By default the portrait describes the
  whole customer base as it stands at ``as_of``; with ``created_in_period=True`` it counts only
  the customers created in the period (Wukong's 客户画像 pages count those).
- **Dealt.** A counted customer whose ``dealt_at`` (the first effective contract) is on or before
  ``as_of``. ``dealt_rate`` = dealt / customers of the row.
- **Values.** The dimension column as stored, trimmed of surrounding spaces. An empty or blank
  value is unknown: it is one row of its own (``kind`` ``unknown``, ``value`` None, shown as
  "unknown" / "未知"), never dropped and never merged into "other".
- **Top N and other.** With ``top``, the ``top`` values with most customers are kept and every
  other named value is collapsed into one ``other`` row (``values`` says how many it holds);
  the unknown row is always kept apart. A single value left over is shown by name rather than
  as "other", so there are at most ``top + 1`` rows besides unknown. Rows: named values by
  customers (most first, ties by value), then other, then unknown.
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import as_period, check_known, end_of, in_period, parse_day
from crmlib.exceptions import ParamsError
from crmlib.scope import Scope

__all__ = ["PORTRAIT_DIMENSIONS", "PORTRAIT_COLUMNS", "customer_portrait"]

# dimension -> the customers column it groups by
PORTRAIT_DIMENSIONS: dict[str, str] = {
    "province": "province",
    "city": "city",
    "industry": "industry",
    "level": "level",
    "source": "source",
}

PORTRAIT_COLUMNS = ["value", "kind", "customers", "dealt", "dealt_rate", "share", "values"]


def _check_dimension(dimension: str) -> str:
    return PORTRAIT_DIMENSIONS[check_known(dimension, PORTRAIT_DIMENSIONS, "portrait dimension")]


def _counted(crm: CRM, p, end_of_day, scope: Scope, created_in_period: bool) -> ibis.Table:
    """Return the customers a portrait counts (engine-side)."""
    c = crm.table("customers")
    c = c.filter((c.created_at < end_of_day)
                 & (c.status.isnull() | (c.status != "deleted")))
    if created_in_period:
        c = c.filter(in_period(c.created_at, p))
    return scope.filter(c, "owner_id")


def _collapse(df: pd.DataFrame, top: int | None) -> pd.DataFrame:
    named = df[df["kind"] == "value"]
    unknown = df[df["kind"] == "unknown"]
    if top is not None and len(named) > top + 1:  # one value left over is shown by name
        rest = named.iloc[top:]
        other = pd.DataFrame([{"value": None, "kind": "other",
                               "customers": int(rest["customers"].sum()),
                               "dealt": int(rest["dealt"].sum()), "values": len(rest)}])
        named = pd.concat([named.iloc[:top], other], ignore_index=True)
    return pd.concat([named, unknown], ignore_index=True)


def customer_portrait(crm: CRM, *, dimension: str, period, as_of=None, scope: Scope | None = None,
             top: int | None = None, created_in_period: bool = False) -> pd.DataFrame:
    """Return customers and dealt customers per value of ``dimension`` (one query).

    Parameters
    ----------
    crm : CRM
        The data.
    dimension : str
        One of :data:`PORTRAIT_DIMENSIONS`: ``province``, ``city``, ``industry``, ``level``,
        ``source`` (the customers column of that name).
    period : str, (start, end) or Period
        A preset name or ISO dates, both included. It sets ``as_of`` when that is not given and
        the customers counted with ``created_in_period``.
    as_of : str or Timestamp, optional
        The report date (day included): customers created and deals made up to it count.
        Default: the last day of the period.
    scope : Scope, optional
        Whose customers, by ``owner_id``; ``None`` = the whole company, public pool included.
    top : int, optional
        Keep the ``top`` values with most customers and collapse the others into one row of
        kind ``other`` (when two or more are left; a single one keeps its name); the unknown
        row stays apart. ``None`` keeps every value.
    created_in_period : bool, default=False
        Count only customers created in the period (Wukong's choice) instead of the whole base.

    Returns
    -------
    pandas.DataFrame
        One row per value with columns ``value`` (the stored text; None for the unknown and
        other rows), ``kind`` (``value``, ``other`` or ``unknown``: empty or blank values),
        ``customers`` (int), ``dealt`` (int, dealt on or before ``as_of``), ``dealt_rate``
        (dealt / customers, a ratio), ``share`` (customers / all counted customers, a ratio;
        the shares sum to 1) and ``values`` (distinct values the row holds: 1, or the number
        collapsed into other). Order: named values by customers (most first, ties by value),
        then other, then unknown. Empty (no rows) when no customer is counted.
        ``attrs`` holds ``dimension``, ``as_of``, ``period``, ``created_in_period``,
        ``customers`` and ``dealt`` (the totals).

    Raises
    ------
    ParamsError
        Unknown dimension (with a did-you-mean), ``top`` below 1 or a bad period.

    Examples
    --------
    >>> import crmlib
    >>> crm = crmlib.connect()
    >>> df = customer_portrait(crm, dimension="level", period="last_month")
    >>> list(df.columns[:4])
    ['value', 'kind', 'customers', 'dealt']
    """
    column = _check_dimension(dimension)
    if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
        raise ParamsError(f"`top` {top!r} must be a whole number of at least 1 (or None).")
    p = as_period(crm, period, as_of=as_of)
    day = parse_day(as_of) if as_of is not None else p.last_day
    end_of_day = ibis.literal(end_of(day).to_pydatetime())

    c = _counted(crm, p, end_of_day, scope or Scope(), created_in_period)
    v = c[column].cast("string").strip()
    v = ibis.ifelse(v == "", ibis.null("string"), v)
    dealt = c.dealt_at.notnull() & (c.dealt_at < end_of_day)
    g = c.mutate(_v=v, _dealt=ibis.ifelse(dealt, 1, 0))  # no bool->bigint cast on PostgreSQL
    df = g.group_by("_v").aggregate(customers=g.count(), dealt=g._dealt.sum()).execute()

    df = df.rename(columns={"_v": "value"})
    df["value"] = df["value"].astype("object").where(df["value"].notna(), None)
    df["kind"] = ["unknown" if v is None else "value" for v in df["value"]]
    df["customers"] = df["customers"].astype("int64")
    df["dealt"] = df["dealt"].fillna(0).astype("int64")
    df["values"] = 1
    df = df.sort_values(["customers", "value"], ascending=[False, True], kind="stable",
                        na_position="last")
    df = _collapse(df, top)
    total, total_dealt = int(df["customers"].sum()), int(df["dealt"].sum())
    df["customers"] = df["customers"].astype("int64")
    df["dealt"] = df["dealt"].astype("int64")
    df["values"] = df["values"].astype("int64")
    df["dealt_rate"] = df["dealt"] / df["customers"]
    df["share"] = df["customers"] / total if total else df["customers"].astype("float64")
    df = df[PORTRAIT_COLUMNS].reset_index(drop=True)
    df.attrs.update(dimension=dimension, as_of=day, period=str(p),
                    created_in_period=created_in_period, customers=total, dealt=total_dealt)
    return df
