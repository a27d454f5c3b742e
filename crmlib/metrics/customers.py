"""Customers (员工客户分析): new and dealt customers, conversion, public pool, deal cycle,
satisfaction.

Definitions (docs/metrics.md, Wukong BI 3B):

- **Customers counted.** Customers whose ``created_at`` falls in the period, credited to their
  current owner (``owner_id``). Deleted customers (``status`` deleted) are left out everywhere
  in this module, as Wukong does (status != 3); locked ones count.
- **Dealt, conversion (cohort).** A customer created in the period has dealt when its
  ``dealt_at`` is on or before ``as_of`` (whole day). Conversion rate = dealt / new, NaN when
  there is no new customer (never 0 %).
- **Public pool.** A customer with no owner sits in the public pool. Moves come from
  ``owner_changes``: reason ``pool_in`` (put into the pool, scoped and credited by the owner
  they left, ``from_owner_id``) and ``pool_out`` (taken from the pool, by the owner they went
  to, ``to_owner_id``), dated ``changed_at``. Counts are distinct customers (a customer moved
  twice in the same bucket counts once there), moves of deleted customers excluded.
- **Time in the pool.** For every customer in the pool now (no owner, not deleted, created by
  ``as_of``): whole days from the date of their last ``pool_in`` move on or before ``as_of``
  (or from ``created_at`` when they never had one) to ``as_of``. The pool is shared by all
  teams, so this figure is company-wide.
- **Deal cycle.** ``dealt_at`` - ``created_at`` in whole calendar days (a deal on the day of
  creation is 0; a ``dealt_at`` before ``created_at`` counts as 0, as in Wukong), for customers
  created in the period that have dealt by ``as_of``; mean and median (the midpoint of the
  two middle values for an even count) with the count behind them, by owner, province, city,
  product or bucket. By product: the products on the customer's first effective contract (the
  earliest ``signed_at`` among approved or status-less contracts, ties to the smallest
  ``contract_id``); a customer counts once per distinct product on it.
- **Satisfaction.** Visits with ``visited_at`` in the period, credited to the visit's
  ``employee_id``; by product through the visit's ``product_id`` (a visit without one but with
  a ``contract_id`` counts once for each distinct product on that contract). Per group: visits,
  the number at each score 1-5, mean score and the share of scores 4-5.

Figures that need an optional table the data lacks return an empty frame with
``attrs["available"] = False`` and ``attrs["missing_table"]``; reports then say "not
available".
"""

from __future__ import annotations

import difflib
import math

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    bucket_expr,
    count_if,
    effective,
    end_of,
    in_period,
    live,
    report_day,
    unavailable,
)
from crmlib.exceptions import ParamsError
from crmlib.period import Period
from crmlib.scope import Scope

__all__ = ["POOL_AGE_BINS", "CYCLE_BY", "SATISFACTION_BY", "OTHER", "customer_trend",
           "customers_by_employee", "customer_summary", "pool_trend", "pool_by_employee",
           "pool_age", "deal_cycle", "satisfaction"]

# upper bounds (days, included) of the time-in-pool buckets; the last bucket is open-ended
POOL_AGE_BINS: tuple[int, ...] = (30, 90, 180)
CYCLE_BY = ("employee", "province", "city", "product", "bucket")
SATISFACTION_BY = ("employee", "product")
OTHER = "__other__"  # group key of the rows beyond top_n (shown as "other")

_SCORES = (1, 2, 3, 4, 5)


# -- helpers --------------------------------------------------------------------------------
def _cohort(crm: CRM, p: Period, scope: Scope | None) -> ibis.Table:
    """Customers created in ``p`` (not deleted), scoped by owner."""
    c = live(crm.table("customers"))
    return (scope or Scope()).filter(c.filter(in_period(c.created_at, p)), "owner_id")


def _check(value: str, allowed, name: str) -> None:
    if value not in allowed:
        hint = difflib.get_close_matches(str(value), allowed, n=1)
        raise ParamsError(f"unknown `{name}` {value!r}"
                          + (f"; did you mean `{hint[0]}`?" if hint else "")
                          + f" Choose one of: {', '.join(allowed)}.")


def _ratio(num, den) -> float:
    return float(num) / float(den) if den and not pd.isna(den) else math.nan


def _with_employees(crm: CRM, df: pd.DataFrame, scope: Scope | None, value_cols) -> pd.DataFrame:
    """Add name and team; every employee of the scope appears (0 when they have no record);
    a row without employee (the public pool) is kept last with an empty id."""
    emp = crm.table("employees").select("employee_id", "name", "team").execute()
    if scope is not None and scope.employee_ids is not None:
        emp = emp[emp["employee_id"].isin(scope.employee_ids)]
    df = df.copy()
    df["employee_id"] = df["employee_id"].astype(object)
    known = emp.merge(df, on="employee_id", how="left")
    extra = df[~df["employee_id"].isin(emp["employee_id"])]  # pool row, unknown owners
    out = pd.concat([known, extra], ignore_index=True)
    out[list(value_cols)] = out[list(value_cols)].fillna(0).astype("int64")
    out["_pool"] = out["employee_id"].isna()
    out = out.sort_values(["_pool", "employee_id"], kind="stable").drop(columns="_pool")
    return out.reset_index(drop=True)


# -- new and dealt customers ----------------------------------------------------------------
def customer_trend(crm: CRM, *, period, as_of=None, scope: Scope | None = None
                   ) -> pd.DataFrame:
    """New customers, the dealt ones among them, and the conversion rate, per bucket.

    Returns one row per bucket of the period (empty buckets 0) with columns ``bucket`` (its
    first day), ``new_customers`` (created in the bucket, not deleted, owner in scope),
    ``dealt`` (those with ``dealt_at`` on or before ``as_of``) and ``conversion`` (dealt /
    new_customers, a ratio; NaN when new_customers is 0). ``as_of`` defaults to the data's
    last event date.
    """
    as_of = report_day(crm, as_of)
    p = as_period(crm, period, as_of=as_of)
    c = _cohort(crm, p, scope)
    c = c.mutate(_bucket=bucket_expr(c.created_at, p),
                 _dealt=ibis.ifelse(c.dealt_at.notnull() & (c.dealt_at < end_of(as_of).to_pydatetime()), 1, 0))
    df = c.group_by("_bucket").aggregate(new_customers=c.count(), dealt=c._dealt.sum()
                                         ).execute()
    df["_bucket"] = pd.to_datetime(df["_bucket"])
    df = df.set_index("_bucket").reindex(p.buckets(), fill_value=0)
    df.index.name = "bucket"
    df = df.reset_index().astype({"new_customers": "int64", "dealt": "int64"})
    df["conversion"] = [_ratio(d, n) for d, n in zip(df.dealt, df.new_customers, strict=True)]
    return df


def customers_by_employee(crm: CRM, *, period, as_of=None, scope: Scope | None = None
                          ) -> pd.DataFrame:
    """New customers, dealt ones and conversion rate per owner over the period.

    Columns ``employee_id``, ``name``, ``team``, ``new_customers``, ``dealt``, ``conversion``
    (as in :func:`customer_trend`). Every employee of the scope appears (0 and NaN conversion
    when they have no new customer); customers without owner (the public pool, company scope
    only) form a last row with an empty ``employee_id``.
    """
    as_of = report_day(crm, as_of)
    p = as_period(crm, period, as_of=as_of)
    c = _cohort(crm, p, scope)
    dealt = ibis.ifelse(c.dealt_at.notnull() & (c.dealt_at < end_of(as_of).to_pydatetime()), 1, 0)
    df = c.group_by(employee_id=c.owner_id).aggregate(new_customers=c.count(),
                                                      dealt=dealt.sum()).execute()
    out = _with_employees(crm, df, scope, ["new_customers", "dealt"])
    out["conversion"] = [_ratio(d, n) for d, n in zip(out.dealt, out.new_customers, strict=True)]
    return out[["employee_id", "name", "team", "new_customers", "dealt", "conversion"]]


# -- public pool ----------------------------------------------------------------------------
def _moves(crm: CRM, p: Period) -> ibis.Table:
    """Pool moves in ``p`` of customers that are not deleted."""
    oc = crm.table("owner_changes")
    oc = oc.filter(in_period(oc.changed_at, p) & oc.reason.isin(["pool_in", "pool_out"]))
    return oc.semi_join(live(crm.table("customers")).select("customer_id"), "customer_id")


def _credited(oc: ibis.Table, scope: Scope | None) -> ibis.Table:
    """One row per move with the credited employee (from_owner_id for pool_in, to_owner_id
    for pool_out), scoped on that employee."""
    oc = oc.mutate(employee_id=ibis.ifelse(oc.reason == "pool_in", oc.from_owner_id,
                                           oc.to_owner_id))
    return (scope or Scope()).filter(oc, "employee_id")


def pool_trend(crm: CRM, *, period, scope: Scope | None = None) -> pd.DataFrame:
    """Customers put into and taken from the public pool, per bucket.

    Columns ``bucket``, ``pool_in`` (distinct customers moved into the pool in the bucket by an
    owner in scope) and ``pool_out`` (distinct customers taken from the pool by an owner in
    scope). Empty when the data has no ``owner_changes`` (``attrs["available"]`` False).
    """
    if not crm.has("owner_changes"):
        return unavailable(["bucket", "pool_in", "pool_out"], "owner_changes")
    p = as_period(crm, period)
    oc = _credited(_moves(crm, p), scope)
    oc = oc.mutate(_bucket=bucket_expr(oc.changed_at, p))
    df = oc.group_by("_bucket").aggregate(
        pool_in=ibis.ifelse(oc.reason == "pool_in", oc.customer_id, ibis.null()).nunique(),
        pool_out=ibis.ifelse(oc.reason == "pool_out", oc.customer_id, ibis.null()).nunique(),
    ).execute()
    df["_bucket"] = pd.to_datetime(df["_bucket"])
    df = df.set_index("_bucket").reindex(p.buckets(), fill_value=0)
    df.index.name = "bucket"
    df = df.reset_index().astype({"pool_in": "int64", "pool_out": "int64"})
    df.attrs["available"] = True
    return df


def pool_by_employee(crm: CRM, *, period, scope: Scope | None = None) -> pd.DataFrame:
    """Customers each employee put into / took from the public pool over the period.

    Columns ``employee_id``, ``name``, ``team``, ``pool_in``, ``pool_out`` (distinct customers,
    definitions of :func:`pool_trend`); every employee of the scope appears. A move without the
    owner it left or went to is credited to nobody (a last row with an empty ``employee_id``,
    company scope only). Empty when the data has no ``owner_changes``.
    """
    cols = ["employee_id", "name", "team", "pool_in", "pool_out"]
    if not crm.has("owner_changes"):
        return unavailable(cols, "owner_changes")
    p = as_period(crm, period)
    oc = _credited(_moves(crm, p), scope)
    df = oc.group_by("employee_id").aggregate(
        pool_in=ibis.ifelse(oc.reason == "pool_in", oc.customer_id, ibis.null()).nunique(),
        pool_out=ibis.ifelse(oc.reason == "pool_out", oc.customer_id, ibis.null()).nunique(),
    ).execute()
    out = _with_employees(crm, df, scope, ["pool_in", "pool_out"])[cols]
    out.attrs["available"] = True
    return out


def _bin_labels(bins) -> list[str]:
    lows = [0, *[b + 1 for b in bins]]
    return [f"{lo}-{hi}" for lo, hi in zip(lows, bins, strict=False)] + [f"{lows[-1]}+"]


def pool_age(crm: CRM, *, as_of=None, bins=POOL_AGE_BINS) -> pd.DataFrame:
    """The public pool now: how many customers sit there and for how long.

    Returns one row per age bucket with columns ``age`` (e.g. ``0-30``, ``31-90``, ``91-180``,
    ``181+`` days, both ends included) and ``customers``. ``attrs`` hold ``size`` (customers in
    the pool), ``median_days`` and ``mean_days`` (NaN for an empty pool). Days are counted from
    the last ``pool_in`` move on or before ``as_of`` (or ``created_at`` when there is none) to
    ``as_of``, in whole calendar days. Company-wide (the pool is shared). Empty, with
    ``attrs["available"]`` False, when the data has no ``owner_changes``.
    """
    bins = tuple(int(b) for b in bins)
    if not bins or list(bins) != sorted(set(bins)) or bins[0] < 0:
        raise ParamsError(f"`bins` {bins!r} must be increasing, distinct day counts >= 0.")
    labels = _bin_labels(bins)
    if not crm.has("owner_changes"):
        df = unavailable(["age", "customers"], "owner_changes")
        df.attrs.update(size=math.nan, median_days=math.nan, mean_days=math.nan)
        return df
    as_of = report_day(crm, as_of)
    end = end_of(as_of).to_pydatetime()
    c = live(crm.table("customers"))
    pool = c.filter(c.owner_id.isnull() & (c.created_at < end)).select("customer_id",
                                                                       "created_at")
    oc = crm.table("owner_changes")
    last_in = oc.filter((oc.reason == "pool_in") & (oc.changed_at < end)).group_by(
        "customer_id").aggregate(_last_in=oc.changed_at.max())
    j = pool.left_join(last_in, "customer_id")
    since = j._last_in.fill_null(j.created_at)
    days = ibis.date(as_of.date()).delta(since.date(), unit="day")
    j = j.mutate(_days=days)
    age = ibis.literal(labels[-1])
    for lab, hi in reversed(list(zip(labels, bins, strict=False))):
        age = ibis.ifelse(j._days <= hi, lab, age)
    counts = j.group_by(age=age).aggregate(customers=j.count()).execute()
    stats = j.aggregate(size=j.count(), median_days=j._days.median(),
                        mean_days=j._days.mean()).execute().iloc[0]
    df = pd.DataFrame({"age": labels}).merge(counts, on="age", how="left").fillna(
        {"customers": 0}).astype({"customers": "int64"})
    size = int(stats["size"])
    df.attrs.update(available=True, size=size,
                    median_days=float(stats["median_days"]) if size else math.nan,
                    mean_days=float(stats["mean_days"]) if size else math.nan)
    return df


# -- deal cycle -----------------------------------------------------------------------------
def _first_contract_products(crm: CRM) -> ibis.Table:
    """customer_id, product_id: distinct products on each customer's first effective contract."""
    con = effective(crm.table("contracts"))
    w = ibis.window(group_by=con.customer_id, order_by=[con.signed_at, con.contract_id])
    first = con.mutate(_n=ibis.row_number().over(w)).filter(lambda t: t._n == 0)
    lines = crm.table("contract_lines").select("contract_id", "product_id")
    j = first.select("customer_id", "contract_id").inner_join(lines, "contract_id")
    return j.select("customer_id", "product_id").distinct()


def _top_keys(t: ibis.Table, key: str, top_n: int | None) -> list | None:
    """The ``top_n`` non-empty keys with most rows (ties by key), or None to keep every key."""
    if top_n is None:
        return None
    f = t.filter(t[key].notnull())
    counts = f.group_by(_k=f[key]).aggregate(_n=f.count()).execute()
    if len(counts) <= top_n:
        return None
    counts = counts.sort_values(["_n", "_k"], ascending=[False, True])
    return counts["_k"].head(top_n).tolist()


def _group_stats(t: ibis.Table, key: str, top_n: int | None, aggs) -> pd.DataFrame:
    """Aggregate ``aggs(t)`` per ``key``; non-empty keys beyond the ``top_n`` biggest are pooled
    as OTHER (statistics computed over their rows, not from their aggregates); the empty key
    ("unknown") stays a group of its own."""
    top = _top_keys(t, key, top_n)
    k = t[key]
    if top is not None:
        k = ibis.ifelse(k.isnull() | k.isin(top), k, ibis.literal(OTHER))
    t = t.mutate(_key=k)
    return t.group_by("_key").aggregate(**aggs(t)).execute().rename(columns={"_key": key})


def _order(df: pd.DataFrame, key: str, count: str) -> pd.DataFrame:
    """Biggest groups first (ties by key), unknown (empty key) after, OTHER last."""
    df = df.assign(_other=df[key].eq(OTHER), _null=df[key].isna())
    df = df.sort_values(["_other", count, "_null", key], ascending=[True, False, True, True],
                        kind="stable")
    return df.drop(columns=["_other", "_null"]).reset_index(drop=True)


def deal_cycle(crm: CRM, *, period, by: str = "employee", as_of=None,
               scope: Scope | None = None, top_n: int | None = None) -> pd.DataFrame:
    """Days from creation to first deal, for customers created in the period that have dealt.

    ``by`` is one of ``employee`` (the owner), ``province``, ``city``, ``product`` (products on
    the first effective contract; needs ``contract_lines``) or ``bucket`` (creation bucket of
    the period, every bucket shown). Columns: the group column (``employee_id`` with ``name``
    and ``team``; ``province``; ``city`` with ``province``; ``product_id`` with ``name``; or
    ``bucket``), then ``dealt`` (customers behind the figures), ``mean_days`` and
    ``median_days`` (NaN when ``dealt`` is 0). Cycle = ``dealt_at`` - ``created_at`` in whole
    calendar days, negative counted as 0; dealt = ``dealt_at`` on or before ``as_of``.

    With ``top_n`` (province, city, product) only the ``top_n`` groups with most dealt
    customers are kept; the rest are pooled into one row keyed :data:`OTHER`, whose mean and
    median are computed over its customers. An empty province or city is kept as a group of
    its own (shown as "unknown"). Rows: biggest first, unknown after, other last (employees by
    id, buckets in order).

    Raises
    ------
    ParamsError
        Unknown ``by`` or ``top_n`` below 1.
    """
    _check(by, CYCLE_BY, "by")
    if top_n is not None and int(top_n) < 1:
        raise ParamsError(f"`top_n` {top_n!r} must be at least 1 (or None for every group).")
    as_of = report_day(crm, as_of)
    p = as_period(crm, period, as_of=as_of)
    c = _cohort(crm, p, scope)
    c = c.filter(c.dealt_at.notnull() & (c.dealt_at < end_of(as_of).to_pydatetime()))
    c = c.mutate(_days=ibis.greatest(c.dealt_at.date().delta(c.created_at.date(), unit="day"),
                                     0))

    def aggs(t):
        return {"dealt": t.count(), "mean_days": t._days.mean(),
                "median_days": t._days.median()}

    stats = ["dealt", "mean_days", "median_days"]
    if by == "bucket":
        t = c.mutate(bucket=bucket_expr(c.created_at, p))
        df = t.group_by("bucket").aggregate(**aggs(t)).execute()
        df["bucket"] = pd.to_datetime(df["bucket"])
        df = pd.DataFrame({"bucket": p.buckets()}).merge(df, on="bucket", how="left")
        return df.fillna({"dealt": 0}).astype({"dealt": "int64"})
    if by == "employee":
        df = c.group_by(employee_id=c.owner_id).aggregate(**aggs(c)).execute()
        emp = crm.table("employees").select("employee_id", "name", "team").execute()
        df = df.merge(emp, on="employee_id", how="left")
        df["_pool"] = df["employee_id"].isna()
        df = df.sort_values(["_pool", "employee_id"]).drop(columns="_pool")
        return df[["employee_id", "name", "team", *stats]].reset_index(drop=True)
    if by in ("province", "city"):
        df = _group_stats(c, by, top_n, aggs)
        if by == "city":  # the city's province (the most common one), for reading
            prov = c.group_by(["city", "province"]).aggregate(_n=c.count()).execute()
            prov = prov.sort_values(["_n", "province"], ascending=[False, True]
                                    ).drop_duplicates("city")[["city", "province"]]
            df = df.merge(prov, on="city", how="left")
            return _order(df, "city", "dealt")[["city", "province", *stats]]
        return _order(df, "province", "dealt")[["province", *stats]]
    cols = ["product_id", "name", *stats]
    if not crm.has("contract_lines"):
        return unavailable(cols, "contract_lines")
    j = c.select("customer_id", "_days").inner_join(_first_contract_products(crm),
                                                    "customer_id")
    df = _group_stats(j, "product_id", top_n, aggs)
    df = _product_names(crm, df)
    out = _order(df, "product_id", "dealt")[cols]
    out.attrs["available"] = True
    return out


def _product_names(crm: CRM, df: pd.DataFrame) -> pd.DataFrame:
    if crm.has("products"):
        names = crm.table("products").select("product_id", "name").execute()
        return df.merge(names, on="product_id", how="left")
    return df.assign(name=None)


# -- satisfaction ---------------------------------------------------------------------------
def satisfaction(crm: CRM, *, period, by: str = "employee", scope: Scope | None = None,
                 top_n: int | None = None) -> pd.DataFrame:
    """Visit satisfaction scores by employee or by product over the period.

    Columns: ``employee_id``, ``name``, ``team`` (by employee; employees of the scope with at
    least one visit, by id) or ``product_id``, ``name`` (by product; most visits first), then
    ``visits``, ``score_1`` ... ``score_5`` (visits at each score), ``mean_score`` and
    ``share_4_5`` (visits scored 4 or 5 / visits, a ratio). Visits are those with
    ``visited_at`` in the period whose ``employee_id`` is in scope. By product a visit counts
    for its ``product_id``, else once for each distinct product on its contract, else under an
    empty product ("unknown"); ``top_n`` keeps the products with most visits and pools the rest
    as :data:`OTHER`. Empty with ``attrs["available"]`` False when there is no ``visits`` table.
    """
    _check(by, SATISFACTION_BY, "by")
    key_cols = ["employee_id", "name", "team"] if by == "employee" else ["product_id", "name"]
    stats = ["visits", *[f"score_{s}" for s in _SCORES], "mean_score", "share_4_5"]
    if not crm.has("visits"):
        return unavailable([*key_cols, *stats], "visits")
    p = as_period(crm, period)
    v = crm.table("visits")
    v = (scope or Scope()).filter(v.filter(in_period(v.visited_at, p)), "employee_id")

    def aggs(t):
        out = {"visits": t.count()}
        for s in _SCORES:
            out[f"score_{s}"] = count_if(t.score == s)
        out["mean_score"] = t.score.mean()
        out["_high"] = count_if(t.score >= 4)
        return out

    if by == "employee":
        df = v.group_by("employee_id").aggregate(**aggs(v)).execute()
        emp = crm.table("employees").select("employee_id", "name", "team").execute()
        df = df.merge(emp, on="employee_id", how="left")
        df["_none"] = df["employee_id"].isna()
        df = df.sort_values(["_none", "employee_id"]).drop(columns="_none")
    else:
        def norm(t, product):
            return t.select(visit_id=t.visit_id.cast("string"), score=t.score.cast("int64"),
                            product_id=product.cast("string"))

        direct = v.filter(v.product_id.notnull())
        parts = [norm(direct, direct.product_id)]
        rest = v.filter(v.product_id.isnull())
        if crm.has("contract_lines"):
            lines = crm.table("contract_lines").select("contract_id", "product_id").distinct()
            via = rest.filter(rest.contract_id.notnull()).select(
                "visit_id", "score", "contract_id").inner_join(lines, "contract_id")
            parts.append(norm(via, via.product_id))
            rest = rest.anti_join(lines.select("contract_id").distinct(), "contract_id")
        parts.append(norm(rest, ibis.null()))
        u = ibis.union(*parts, distinct=False)
        df = _group_stats(u, "product_id", top_n, aggs)
        df = _order(_product_names(crm, df), "product_id", "visits")
    df = df.astype({c: "int64" for c in stats if c.startswith(("visits", "score_"))})
    df["share_4_5"] = [_ratio(h, n) for h, n in zip(df["_high"], df["visits"], strict=True)]
    df["mean_score"] = df["mean_score"].astype("float64")
    out = df[[*key_cols, *stats]].reset_index(drop=True)
    out.attrs["available"] = True
    return out


# -- summary --------------------------------------------------------------------------------
def customer_summary(crm: CRM, *, period, as_of=None, scope: Scope | None = None
                     ) -> pd.DataFrame:
    """The topic's headline figures for the period, as ``metric`` / ``value`` rows.

    ``new_customers``, ``cust_dealt`` (of them, dealt by ``as_of``), ``cust_conversion``
    (ratio, NaN without new customers), ``cust_cycle_mean`` / ``cust_cycle_median`` (days;
    NaN without dealt customers), ``pool_in`` / ``pool_out`` (distinct customers, NaN without
    ``owner_changes``), ``cust_pool_size`` and ``cust_pool_median_days`` (the pool now,
    company-wide, NaN without ``owner_changes``). Definitions as in the functions above.
    """
    as_of = report_day(crm, as_of)
    p = as_period(crm, period, as_of=as_of)
    c = _cohort(crm, p, scope)
    dealt = c.dealt_at.notnull() & (c.dealt_at < end_of(as_of).to_pydatetime())
    days = ibis.greatest(c.dealt_at.date().delta(c.created_at.date(), unit="day"), 0)
    days = ibis.ifelse(dealt, days, ibis.null())
    r = c.aggregate(n=c.count(), d=count_if(dealt), mean=days.mean(),
                    median=days.median()).execute().iloc[0]
    n, d = int(r["n"]), int(0 if pd.isna(r["d"]) else r["d"])
    out = {"new_customers": n, "cust_dealt": d, "cust_conversion": _ratio(d, n),
           "cust_cycle_mean": float(r["mean"]) if d else math.nan,
           "cust_cycle_median": float(r["median"]) if d else math.nan}
    if crm.has("owner_changes"):
        oc = _credited(_moves(crm, p), scope)
        m = oc.aggregate(
            i=ibis.ifelse(oc.reason == "pool_in", oc.customer_id, ibis.null()).nunique(),
            o=ibis.ifelse(oc.reason == "pool_out", oc.customer_id, ibis.null()).nunique(),
        ).execute().iloc[0]
        age = pool_age(crm, as_of=as_of)
        out |= {"pool_in": int(m["i"]), "pool_out": int(m["o"]),
                "cust_pool_size": age.attrs["size"],
                "cust_pool_median_days": age.attrs["median_days"]}
    else:
        out |= dict.fromkeys(["pool_in", "pool_out", "cust_pool_size", "cust_pool_median_days"],
                             math.nan)
    return pd.DataFrame({"metric": list(out), "value": [float(v) for v in out.values()]})
