"""Helpers shared by the metric modules: effective records, period windows in the engine."""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.exceptions import ParamsError
from crmlib.period import Period, resolve_period
from crmlib.period import _day as parse_day  # a parameter as a day, ParamsError naming it

__all__ = ["parse_day", "as_of_day", "check_choice", "two_dates", "crosstab", "as_period", "count_if", "counted", "effective", "live", "windows_of", "window_aggregate", "bucket_expr",
           "bucketed", "in_period"]


def as_period(crm, period, *, as_of=None) -> Period:
    """Accept a :class:`Period`, a preset name (resolved against ``as_of``, default the data's
    last event date) or a ``(start, end)`` pair of ISO dates (both included)."""
    if isinstance(period, Period):
        return period
    if isinstance(period, str):
        return resolve_period(period, as_of=as_of if as_of is not None else
                              crm.last_event_date())
    if isinstance(period, (tuple, list)) and len(period) == 2:
        start, end = period
        return resolve_period("custom", as_of=as_of if as_of is not None else end,
                              start=start, end=end)
    raise ParamsError(f"`period` {period!r} is not a preset name, a (start, end) pair or a "
                      "Period.")


def in_period(col, p: Period):
    """Engine-side test: ``col`` falls in period ``p`` (start included, end excluded)."""
    return _in(col, p)


def effective(t: ibis.Table) -> ibis.Table:
    """Effective records: status ``approved``, or no status at all (a source without approvals)."""
    return t.filter(t.status.isnull() | (t.status == "approved"))


def count_if(condition):
    """Number of rows where ``condition`` holds (NULL counts as false).

    Written as SUM(CASE ...): PostgreSQL cannot cast a boolean to BIGINT, which is what
    ``condition.cast("int64").sum()`` compiles to.
    """
    return ibis.ifelse(condition, 1, 0).sum()


def live(customers: ibis.Table) -> ibis.Table:
    """Customers that count: not deleted (status empty, active or locked), as Wukong counts them."""
    return customers.filter(customers.status.isnull() | (customers.status != "deleted"))


def counted(crm, table: str, *, owner: bool = True) -> ibis.Table:
    """The rows of ``table`` that figures count: effective contracts and payments, customers
    that are not deleted; payments get their contract's ``owner_id`` (they are credited to it;
    ``owner=False`` skips that join when no figure needs the owner). Other tables as they
    are."""
    t = crm.table(table)
    if table == "contracts":
        return effective(t)
    if table == "customers":
        return live(t)
    if table == "payments":
        p = effective(t)
        if not owner:  # contract_id is the contracts' key: the left join adds no rows
            return p
        c = crm.table("contracts").select("contract_id", "owner_id")
        return p.left_join(c, "contract_id").select(*p.columns, "owner_id")
    return t


def windows_of(period: Period) -> dict[str, Period]:
    """The three windows every headline figure is shown for."""
    return {"current": period, "previous": period.previous(), "year_ago": period.year_ago()}


def _in(col, p: Period):
    return (col >= ibis.literal(p.start.to_pydatetime())) & (col < ibis.literal(
        p.end.to_pydatetime()))


def window_aggregate(t: ibis.Table, date_col: str, windows: dict[str, Period], *,
                     amount: str | None = None, distinct: str | None = None) -> pd.DataFrame:
    """Count (and sum ``amount``, or count distinct ``distinct``) per window, in one query.

    Returns one row per window with columns ``count``, ``amount``, ``missing`` (rows without an
    amount, never summed as 0) and ``distinct``. Rows with an empty date count in no window.
    """
    col = t[date_col]
    lo = min(w.start for w in windows.values())
    hi = max(w.end for w in windows.values())
    t = t.filter(_in(col, Period(lo, hi, "custom", "day")))
    col = t[date_col]
    aggs = {}
    for name, w in windows.items():
        inw = _in(col, w)
        aggs[f"{name}__count"] = count_if(inw)
        if amount:
            aggs[f"{name}__amount"] = ibis.ifelse(inw, t[amount], ibis.null()).sum()
            aggs[f"{name}__missing"] = count_if(inw & t[amount].isnull())
        if distinct:
            aggs[f"{name}__distinct"] = ibis.ifelse(inw, t[distinct], ibis.null()).nunique()
    row = t.aggregate(**aggs).execute().iloc[0]
    out = {}
    for name in windows:
        out[name] = {k: row.get(f"{name}__{k}") for k in ("count", "amount", "missing",
                                                          "distinct")}
    df = pd.DataFrame(out).T.astype("float64").fillna({"count": 0, "missing": 0})
    if amount:  # a window with rows but no amounts sums to 0 only when nothing is missing
        df["amount"] = df["amount"].fillna(0.0)
    return df


def bucket_expr(col, period: Period):
    """The engine-side bucket start (a date) of timestamp column ``col`` for ``period``."""
    if period.bucket == "month":
        return col.truncate("M").date()
    if period.bucket == "week":
        offset = (col.day_of_week.index() - period.week_start + 7) % 7
        return col.date() - offset.as_interval("D")
    return col.date()


def bucketed(t: ibis.Table, date_col: str, period: Period, *, amount: str | None = None,
             distinct: str | None = None) -> pd.DataFrame:
    """Count (and sum ``amount`` or count distinct ``distinct``) per bucket of ``period``.

    One row per bucket of the period, empty buckets included with 0 (never a gap): columns
    ``bucket`` (its first day), ``count`` and, when asked, ``amount`` / ``distinct``.
    """
    col = t[date_col]
    t = t.filter(_in(col, period)).mutate(_bucket=bucket_expr(col, period))
    aggs = {"count": t.count()}
    if amount:
        aggs["amount"] = t[amount].sum()
    if distinct:
        aggs["distinct"] = t[distinct].nunique()
    df = t.group_by("_bucket").aggregate(**aggs).execute()
    df["_bucket"] = pd.to_datetime(df["_bucket"])
    df = df.set_index("_bucket").reindex(period.buckets(), fill_value=0)
    df.index.name = "bucket"
    return df.reset_index().astype({c: "float64" for c in aggs if c != "count"})


def as_of_day(crm, as_of, name: str = "as_of") -> pd.Timestamp:
    """The report day: ``as_of`` parsed, or the data's last event date when None."""
    return crm.last_event_date() if as_of is None else parse_day(as_of, name)


def with_defaults(defaults: dict, overrides, name: str) -> dict:
    """``defaults`` updated with ``overrides`` (a team's settings); a ParamsError names the
    parameter ``name`` when an override key is not one of the defaults'."""
    unknown = sorted(set(overrides or {}) - set(defaults))
    if unknown:
        raise ParamsError(f"`{name}` has unknown key(s) {unknown}; use {', '.join(defaults)}.")
    return {**defaults, **(overrides or {})}


def check_known(value, known, what: str):
    """``value`` when it is a key of (or in) ``known``, else a ParamsError with a did-you-mean:
    "unknown {what} `x`; did you mean `y`? Choose one of: ..."."""
    if value in known:
        return value
    import difflib

    names = [str(k) for k in known]
    hint = difflib.get_close_matches(str(value), names, n=1)
    raise ParamsError(f"unknown {what} `{value}`" + (f"; did you mean `{hint[0]}`?" if hint else "")
                      + f" Choose one of: {', '.join(names)}.")


def check_choice(value, name: str, choices) -> str:
    """``value`` when it is one of ``choices``, else a ParamsError naming the parameter."""
    if value not in choices:
        raise ParamsError(f"`{name}` {value!r} is not one of {', '.join(map(repr, choices))}; "
                          "pass one of those.")
    return value


def two_dates(crm, from_as_of, to_as_of) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Two report days, the first on or before the second (for migrations and transitions)."""
    a, b = as_of_day(crm, from_as_of, "from_as_of"), as_of_day(crm, to_as_of, "to_as_of")
    if a > b:
        raise ParamsError(f"`from_as_of` {a:%Y-%m-%d} is after `to_as_of` {b:%Y-%m-%d}; swap "
                          "them.")
    return a, b


def crosstab(before: pd.DataFrame, after: pd.DataFrame, column: str, *, rows, columns,
             form: str, attrs: dict) -> pd.DataFrame:
    """Customers by ``column`` in ``before`` (rows) x in ``after`` (columns), by customer_id.

    A customer only in ``after`` goes to the last row, one only in ``before`` to the last
    column; every cell of ``rows`` x ``columns`` is present (0 when empty). ``wide``: counts
    with index ``from_<column>`` and columns ``to_<column>``; ``long``: ``from_<column>``,
    ``to_<column>``, ``customers``, ``share_of_from`` (of the row's total; NaN for an empty row).
    """
    f, t = f"from_{column}", f"to_{column}"
    j = before[["customer_id", column]].merge(after[["customer_id", column]], how="outer",
                                              on="customer_id", suffixes=("_from", "_to"))
    j[f] = j[f"{column}_from"].fillna(rows[-1])
    j[t] = j[f"{column}_to"].fillna(columns[-1])
    wide = (pd.crosstab(j[f], j[t]).reindex(index=rows, columns=columns, fill_value=0)
            .astype("int64"))
    wide.index.name, wide.columns.name = f, t
    wide.attrs.update(attrs)
    if form == "wide":
        return wide
    long = wide.stack().rename("customers").reset_index()
    row = long.groupby(f, sort=False)["customers"].transform("sum")
    long["share_of_from"] = (long["customers"] / row.where(row > 0)).astype("float64")
    long.attrs.update(attrs)
    return long
