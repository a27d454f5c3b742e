"""Targets and completion (业绩目标完成情况): monthly target vs actual, completion per period.

Definitions (docs/metrics.md, Targets; Wukong BI 3H and the dashboard cards 1, 3, 4):

- Targets are monthly (``targets.month`` = first day of the month), so every figure here works on
  **whole calendar months**: the window of a report period is the months it touches (a week
  spanning two months covers both months; a month not yet over compares its month-to-date actual
  with the whole month's target).
- Actual per month and owner, by metric: ``contract_amount`` = sum of effective contracts'
  ``amount`` by ``signed_at`` month, credited to the contract's ``owner_id``; ``payment_amount`` =
  sum of effective payments' ``amount`` by ``paid_at`` month, credited to the owner of their
  contract (as in the sales brief); ``new_customers`` = customers by ``created_at`` month,
  credited to their ``owner_id``.
- An employee's actual is their own records; a **team's actual counts all members of the team**
  (``employees.team``; Wukong counts direct department members only); the company's actual
  counts every record (customers in the public pool included).
- Completion = actual / target. A missing or zero target gives "no target": completion is NaN,
  never 0 and never 100 % (Wukong: 0 when missing, 100 when 0).
- Quarter, year and period completion = sum of actuals / sum of targets over the months of the
  bucket, never an average of monthly rates. A bucket with a month without a target has no
  target either (the sum of targets is undefined; Wukong counts the month as 0, which inflates
  the rate); ``missing_targets`` says how many months lack one. A month whose target is 0 adds 0
  to the sum. Sets of employees other than a team sum their members' targets month by month
  (see :func:`completion`).

When the source has no ``targets`` table every target is NaN, the actuals are still computed,
and the ``available`` column is False (reports say "not available"); when it lacks the metric's
own table (``payments``), the actuals are NaN too.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import as_period, counted, target_rows
from crmlib.exceptions import ParamsError
from crmlib.period import Period
from crmlib.scope import Scope

__all__ = ["TARGET_METRICS", "TARGET_SPANS", "target_window", "target_vs_actual", "completion"]

# metric -> (table, date column, kind); amounts are summed, counts counted
TARGET_METRICS = {
    "contract_amount": ("contracts", "signed_at", "amount"),
    "payment_amount": ("payments", "paid_at", "amount"),
    "new_customers": ("customers", "created_at", "count"),
}
TARGET_SPANS = ("period", "year_to_date", "last_12_months")
_BY = ("month", "quarter", "year", "period")
_LEVELS = ("employee", "team", "company")
_COLUMNS = ["metric", "owner_type", "owner_id", "name", "by", "bucket", "months", "target",
            "actual", "completion", "missing_targets", "available", "missing_table"]


def target_window(period, *, span: str = "period", crm: CRM | None = None) -> Period:
    """Return the whole calendar months a target figure covers (a :class:`Period` bucketed by month).

    ``span`` ``"period"``: the months the period touches; ``"year_to_date"``: January of the year
    of the period's last day through the month of that day; ``"last_12_months"``: the 12 months
    ending with the month of the period's last day. ``period`` may be a preset name or a
    ``(start, end)`` pair when ``crm`` is given (see :func:`crmlib.metrics.as_period`).

    >>> from crmlib.period import resolve_period
    >>> p = resolve_period("last_week", as_of="2026-11-04")  # 2026-10-26 .. 2026-11-01
    >>> str(target_window(p)), str(target_window(p, span="year_to_date"))
    ('2026-10-01..2026-11-30', '2026-01-01..2026-11-30')

    Parameters
    ----------
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    span : {"period", "year_to_date", "last_12_months"}, default="period"
        ``period``, ``year_to_date`` or ``last_12_months``.
    crm : CRM, default=None
        The data.

    Returns
    -------
    Period
        The months covered, bucketed by month.

    Raises
    ------
    ParamsError
        Unknown ``span``, or a preset period without ``crm``.
    """
    if span not in TARGET_SPANS:
        raise ParamsError(f"unknown target span `{span}`; use one of {', '.join(TARGET_SPANS)}.")
    if not isinstance(period, Period):
        if crm is None:
            raise ParamsError("give `crm` to resolve a period preset or (start, end) pair.")
        period = as_period(crm, period)
    last = period.last_day.to_period("M")
    end = (last + 1).to_timestamp()
    if span == "period":
        start = period.start.to_period("M").to_timestamp()
    elif span == "year_to_date":
        start = pd.Timestamp(year=period.last_day.year, month=1, day=1)
    else:
        start = (last - 11).to_timestamp()
    return Period(start, end, "custom", "month")


def _check(value, allowed, what):
    if value not in allowed:
        raise ParamsError(f"unknown {what} `{value}`; use one of {', '.join(allowed)}.")


def _records(crm: CRM, metric: str, window: Period) -> ibis.Table:
    """Rows of ``metric`` in the window: columns ``owner_id``, ``month`` (date), ``value``."""
    table, date_col, kind = TARGET_METRICS[metric]
    t = counted(crm, table)
    col = t[date_col]
    t = t.filter((col >= window.start.to_pydatetime()) & (col < window.end.to_pydatetime()))
    value = t.amount if kind == "amount" else ibis.literal(1)
    return t.select(owner_id=t.owner_id, month=t[date_col].truncate("M").date(),
                    value=value.cast("float64"))


def _monthly(crm: CRM, metric: str, window: Period, level: str, owners) -> tuple:
    """Actual and target per (owner, month) in the engine; ``owners`` None = no filter.

    The actual frame is None when the metric's table is absent.
    """
    actual = None
    if crm.has(TARGET_METRICS[metric][0]):
        actual = _actual(crm, metric, window, level, owners)
    if not crm.has("targets"):
        target = pd.DataFrame({"owner_id": [], "month": [], "target": []})
    else:
        g = target_rows(crm, metric, window, owner_type=level)
        if level == "company":  # whatever id the company's rows carry
            g = g.mutate(owner_id=ibis.literal("company"))
        elif owners is not None:
            g = g.filter(g.owner_id.isin(list(owners)))
        target = g.group_by(["owner_id", "month"]).aggregate(target=g.value.sum()).execute()
    for df in (actual, target):
        if df is not None:
            df["month"] = pd.to_datetime(df["month"])
            df["owner_id"] = df["owner_id"].astype("object")
    return actual, target


def _actual(crm: CRM, metric: str, window: Period, level: str, owners) -> pd.DataFrame:
    r = _records(crm, metric, window)
    if level == "team":
        e = crm.table("employees").select("employee_id", "team")
        r = r.inner_join(e, r.owner_id == e.employee_id).select(
            owner_id=e.team, month=r.month, value=r.value)
    elif level == "company":
        r = r.mutate(owner_id=ibis.literal("company"))
    if owners is not None and level != "company":
        r = r.filter(r.owner_id.isin(list(owners)))
    return r.group_by(["owner_id", "month"]).aggregate(actual=r.value.sum()).execute()


def _bucket(months: pd.Series, by: str, window: Period) -> pd.Series:
    if by == "month":
        return months
    if by == "quarter":
        return months.dt.to_period("Q").dt.start_time
    if by == "year":
        return months.dt.to_period("Y").dt.start_time
    return pd.Series(window.start, index=months.index)


def _grid(actual, target, owners, window) -> pd.DataFrame:
    """Return every (owner, month) of the window.

    Target (NaN = not set), actual (0; NaN for all when
    ``actual`` is None: the table is absent), missing (0/1).
    """
    months = pd.date_range(window.start, window.last_day, freq="MS")
    idx = pd.MultiIndex.from_product([list(owners), months], names=["owner_id", "month"])
    g = pd.DataFrame(index=idx)
    g["target"] = target.set_index(["owner_id", "month"])["target"].reindex(idx)
    g["actual"] = (np.nan if actual is None else actual.set_index(["owner_id", "month"])[
        "actual"].reindex(idx).fillna(0.0))
    g["missing"] = g["target"].isna().astype("int64")
    return g.reset_index()


def _rollup(grid: pd.DataFrame, by: Sequence[str], window: Period) -> pd.DataFrame:
    """Return sums per (owner, bucket) for each bucket kind; completion from the sums.

    The target of a bucket is the sum of its monthly targets, NaN as soon as one month has none.
    """
    out = []
    for kind in by:
        g = grid.assign(bucket=_bucket(grid["month"], kind, window))
        s = g.groupby(["owner_id", "bucket"], sort=True).agg(
            months=("month", "size"), target=("target", lambda x: x.sum(min_count=len(x))),
            actual=("actual", lambda x: x.sum(min_count=1)),
            missing_targets=("missing", "sum")).reset_index()
        out.append(s.assign(by=kind))
    df = pd.concat(out, ignore_index=True)
    df["completion"] = np.where(df["target"] > 0, df["actual"] / df["target"].where(
        df["target"] > 0), np.nan)
    return df


def _as_list(x, allowed, what) -> list[str]:
    items = [x] if isinstance(x, str) else list(x)
    for i in items:
        _check(i, allowed, what)
    return items


def _grids(crm: CRM, metrics_, window: Period, level: str, scope: Scope):
    """Per metric, the monthly (owner, month) grid of :func:`_grid`; and the employees frame."""
    emp = crm.table("employees").select("employee_id", "name", "team").execute()
    ids = scope.employee_ids
    if level == "employee":
        filt = ids
    elif level == "team":
        inscope = emp if ids is None else emp[emp["employee_id"].isin(ids)]
        filt = None if ids is None else sorted(inscope["team"].dropna().unique())
    else:
        filt = None
    out = {}
    for m in metrics_:
        actual, target = _monthly(crm, m, window, level, filt)
        if level == "company":
            owners = ["company"]
        elif level == "team":
            owners = sorted((set(emp["team"].dropna()) if filt is None else set(filt))
                            | set(target["owner_id"]))
        else:
            done = set() if actual is None else set(actual["owner_id"].dropna())
            owners = sorted(done | set(target["owner_id"]))
        out[m] = _grid(actual, target, owners, window)
    return out, emp


def _finish(df: pd.DataFrame, crm: CRM, metrics_) -> pd.DataFrame:
    absent = {m: ", ".join(n for n in ("targets", TARGET_METRICS[m][0]) if not crm.has(n))
              or None for m in metrics_}
    df["missing_table"] = df["metric"].map(absent)
    df["available"] = df["missing_table"].isna()
    order = {"metric": {k: i for i, k in enumerate(metrics_)},
             "by": {k: i for i, k in enumerate(_BY)}}
    df = df.sort_values(["metric", "owner_id", "by", "bucket"], key=lambda s: s.map(
        order[s.name]) if s.name in order else s, ignore_index=True)
    return df[_COLUMNS].astype({"months": "int64", "missing_targets": "int64"})


def target_vs_actual(crm: CRM, *, metric="contract_amount", period, by="month",
                     level: str = "team", scope: Scope | None = None,
                     span: str = "period") -> pd.DataFrame:
    """Target, actual and completion per target holder and bucket (Wukong 3H, with fixes).

    Parameters
    ----------
    crm : CRM
        The data.
    metric : str or list of str, default="contract_amount"
        One or more of :data:`TARGET_METRICS`.
    period : Period, preset name or (start, end)
        The report period; see :func:`target_window` for the months covered.
    by : str or list of str, default="month"
        ``month``, ``quarter``, ``year`` (calendar buckets cut to the window) and/or ``period``
        (one bucket for the whole window). Quarter, year and period rows are sums of the months.
    level : {"team", "employee", "company"}, default="team"
        Whose targets: employees (their own records), teams (all members of the team) or the
        company (everyone; the scope is then ignored).
    scope : Scope, optional
        Employees: those in scope with a target or an actual in the window. Teams: the teams of
        the employees in scope (every team for the company scope, plus any team holding a
        target), each counted with all its members.
    span : {"period", "year_to_date", "last_12_months"}, default="period"
        The months covered: those the period touches (``period``), the year to date or the last
        12 months (see :func:`target_window`).

    Returns
    -------
    pandas.DataFrame
        One row per (metric, owner, by, bucket), sorted: ``metric``, ``owner_type``,
        ``owner_id``, ``name`` (employee name; team id; ``None`` for the company), ``by``,
        ``bucket`` (first day of the bucket, or of the window for ``period``), ``months``
        (months of the bucket inside the window), ``target`` (sum of the monthly targets; NaN
        when a month of the bucket has none), ``actual`` (amount in the company currency, or a
        count), ``completion`` (actual / target as a ratio; NaN when the target is missing or
        0), ``missing_targets`` (months of the bucket without a target), ``available`` (False
        when the data lacks a table the figure needs) and ``missing_table`` (those tables,
        comma-separated: ``targets`` and/or the metric's own table, whose actuals are then NaN;
        else None).

    Raises
    ------
    ParamsError
        Unknown metric, bucket kind, level or span.
    """
    metrics_ = _as_list(metric, TARGET_METRICS, "target metric")
    by_ = _as_list(by, _BY, "bucket kind `by`")
    _check(level, _LEVELS, "target level")
    window = target_window(as_period(crm, period), span=span)
    grids, emp = _grids(crm, metrics_, window, level, scope or Scope())
    df = pd.concat([_rollup(g, by_, window).assign(metric=m) for m, g in grids.items()],
                   ignore_index=True)
    df["owner_type"] = level
    names = dict(zip(emp["employee_id"], emp["name"], strict=True))
    df["name"] = (df["owner_id"].map(names) if level == "employee" else
                  df["owner_id"] if level == "team" else None)
    return _finish(df, crm, metrics_)


def completion(crm: CRM, *, metric="contract_amount", period, scope: Scope | None = None,
               by="period", span: str = "period") -> pd.DataFrame:
    """Return the scope's own target, actual and completion (the dashboard gauge and target cards).

    Whose target counts, by scope:

    - the company: the company target (``owner_type`` company) against every record;
    - a team whose employees are exactly the team's members: the team target against the
      records of all its members;
    - any other set of employees (one employee and their subordinates, a hand-picked list): per
      month, the sum of the targets those employees hold against the records of all of them
      (like a team target, it covers every member; a month where nobody holds one has no
      target); ``missing_targets`` counts the (employee, month) pairs without a target.

    As in :func:`target_vs_actual`, a bucket's target is NaN as soon as one of its months has
    none.

    Parameters
    ----------
    crm : CRM
        The data.
    metric : str, default="contract_amount"
        The figure compared with its target: one of :data:`TARGET_METRICS` (e.g.
        ``"contract_amount"``, ``"payment_amount"``).
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    by : str or list of str, default="period"
        ``period`` (one row per metric for the whole window), ``month``, ``quarter`` and/or
        ``year``, as in :func:`target_vs_actual`.
    span : {"period", "year_to_date", "last_12_months"}, default="period"
        ``period``, ``year_to_date`` or ``last_12_months`` (see :func:`target_window`).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`target_vs_actual` (``owner_type`` company / team / employees,
        ``owner_id`` the team or the scope's value), one row per (metric, by, bucket);
        ``by="period"`` (default) gives one row per metric for the whole window.
    """
    scope = scope or Scope()
    if scope.employee_ids is None:
        return target_vs_actual(crm, metric=metric, period=period, by=by, level="company",
                                span=span)
    if scope.kind == "team":
        e = crm.table("employees")
        members = set(e.filter(e.team == scope.value).employee_id.execute())
        if members and members == set(scope.employee_ids):
            return target_vs_actual(crm, metric=metric, period=period, by=by, level="team",
                                    scope=scope, span=span)
    metrics_ = _as_list(metric, TARGET_METRICS, "target metric")
    by_ = _as_list(by, _BY, "bucket kind `by`")
    window = target_window(as_period(crm, period), span=span)
    grids, _ = _grids(crm, metrics_, window, "employee", scope)
    months = pd.DataFrame({"month": pd.date_range(window.start, window.last_day, freq="MS")})
    frames = []
    for m, g in grids.items():
        per = g.groupby("month").agg(target=("target", lambda x: x.sum(min_count=1)),
                                     actual=("actual", "sum"), missing=("missing", "sum"))
        grid = months.merge(per.reset_index(), on="month", how="left").fillna(
            {"actual": 0.0, "missing": 0}).assign(owner_id=scope.value)
        if not crm.has(TARGET_METRICS[m][0]):
            grid["actual"] = np.nan
        frames.append(_rollup(grid, by_, window).assign(metric=m))
    df = pd.concat(frames, ignore_index=True)
    df["owner_type"], df["name"] = "employees", scope.value
    return _finish(df, crm, metrics_)
