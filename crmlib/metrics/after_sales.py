"""After-sale (售后): orders and returns, refund rate, time from sale to return.

Orders and returns per period, refund rate by reason and the time from sale to return.

Definitions (docs/metrics.md "Leads and after-sale"; by product, see
:func:`crmlib.metrics.product_returns`, which this module does not repeat):

- **Orders.** Effective contracts (status approved, or none) signed in the period
  (``signed_at``) whose owner (``owner_id``) is in the scope: ``orders`` = their number,
  ``sold_amount`` = the sum of their ``amount``.
- **Returns.** ``returns`` dated in the period (``returned_at``) of effective contracts whose
  owner is in the scope, whatever the day the contract was signed: ``returns`` = their number,
  ``returned_amount`` = the sum of their ``amount``.
- **Refund rate** = returned amount / sold amount of the same period or bucket: two flows of the
  same window, not a cohort (a March return of a January order counts in March against March's
  sales), as in :func:`crmlib.metrics.product_returns`. By reason, each reason's returned amount
  over the period's sold amount, so the reasons' rates add up to the period's rate. By product
  the denominator is the products' line amount (product_returns); here it is the contracts'
  ``amount``: the two agree when a contract's amount is the sum of its lines.
- **Sale to return** = ``returned_at`` − the contract's ``signed_at`` in whole calendar days,
  for the period's returns: mean, median (midpoint of the two middle values for an even count),
  count, and the returns per delay bucket (upper bounds :data:`RETURN_DAY_BINS`, included). A
  return dated before its sale is a data error: counted in ``attrs["before_sale"]``, left out.

Unusual return rates are in :mod:`crmlib.metrics.unusual_returns`.
"""

from __future__ import annotations

import math
import warnings

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    bucket_expr,
    effective,
    in_period,
    is_whole_number,
    signed_contracts,
    unavailable,
)
from crmlib.exceptions import ParamsError
from crmlib.scope import Scope

__all__ = ["RETURN_DAY_BINS", "PERIOD_COLUMNS", "REASON_COLUMNS", "DELAY_COLUMNS",
           "orders_and_returns", "returns_by_reason", "return_delays"]

# upper bounds (days, included) of the sale-to-return buckets; the last bucket is open-ended
RETURN_DAY_BINS: tuple[int, ...] = (7, 30, 90, 180, 365)

PERIOD_COLUMNS = ["bucket", "orders", "sold_amount", "returns", "returned_amount",
                  "refund_rate"]
REASON_COLUMNS = ["reason", "kind", "returns", "returned_amount", "share", "refund_rate"]
DELAY_COLUMNS = ["bucket", "min_days", "max_days", "returns", "returned_amount", "share"]


def _returns(crm: CRM, p, scope: Scope | None) -> ibis.Table:
    """Return the period's returns of effective contracts in scope, with the contract's signed_at."""
    c = (scope or Scope()).filter(effective(crm.table("contracts")), "owner_id")
    r = crm.table("returns")
    r = r.filter(in_period(r.returned_at, p))
    return r.inner_join(c.select("contract_id", "signed_at"), "contract_id")


def orders_and_returns(crm: CRM, *, period, scope: Scope | None = None) -> pd.DataFrame:
    """Orders and returns per bucket of the period, with the refund rate (one query).

    Returns
    -------
    pandas.DataFrame
        One row per bucket (empty ones with 0): ``bucket`` (first day), ``orders`` (int),
        ``sold_amount``, ``returns`` (int), ``returned_amount`` (company currency) and
        ``refund_rate`` (returned / sold amount, a ratio; NaN when nothing was sold). Without
        a ``returns`` table the return columns are NaN and ``attrs["missing_table"]`` says so.
        ``attrs``: ``period``, ``bucket``, totals ``orders``, ``sold_amount``, ``returns``,
        ``returned_amount``, ``refund_rate``.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Examples
    --------
    >>> import crmlib
    >>> df = orders_and_returns(crmlib.connect(), period="last_quarter")
    >>> list(df.columns)
    ['bucket', 'orders', 'sold_amount', 'returns', 'returned_amount', 'refund_rate']
    """
    p = as_period(crm, period)
    c = signed_contracts(crm, p, scope)
    parts = c.select(_b=bucket_expr(c.signed_at, p), _sold=ibis.literal(1),
                     _amount=c.amount.cast("float64"))
    has_returns = crm.has("returns")
    if has_returns:
        r = _returns(crm, p, scope)
        parts = parts.union(r.select(_b=bucket_expr(r.returned_at, p), _sold=ibis.literal(0),
                                     _amount=r.amount.cast("float64")))
    g = parts.group_by(["_b", "_sold"]).aggregate(n=parts.count(), amount=parts._amount.sum())
    agg = g.execute()
    agg["_b"] = pd.to_datetime(agg["_b"])
    df = pd.DataFrame({"bucket": p.buckets()})
    for flag, n, amount in ((1, "orders", "sold_amount"), (0, "returns", "returned_amount")):
        part = agg[agg["_sold"] == flag].set_index("_b")
        df[n] = df["bucket"].map(part["n"]).fillna(0).astype("int64")
        df[amount] = df["bucket"].map(part["amount"]).astype("float64").fillna(0.0)
    if not has_returns:
        df[["returns", "returned_amount"]] = np.nan
    df["refund_rate"] = df["returned_amount"] / df["sold_amount"].where(df["sold_amount"] != 0)
    sold, ret = float(df["sold_amount"].sum()), float(df["returned_amount"].sum(min_count=1))
    df.attrs.update(period=str(p), bucket=p.bucket, available=True,
                    missing_table=None if has_returns else "returns",
                    orders=int(df["orders"].sum()), sold_amount=sold,
                    returns=int(df["returns"].sum()) if has_returns else math.nan,
                    returned_amount=ret, refund_rate=ret / sold if sold else math.nan)
    return df[PERIOD_COLUMNS]


def returns_by_reason(crm: CRM, *, period, scope: Scope | None = None,
                      top: int | None = None) -> pd.DataFrame:
    """Return returns per reason and each reason's part of the refund rate (one query).

    Returns
    -------
    pandas.DataFrame
        ``reason`` (trimmed text; None on the other and unknown rows), ``kind`` (``value``,
        ``other`` with ``top``, ``unknown`` = no reason given), ``returns`` (int),
        ``returned_amount``, ``share`` (of the returned amount, a ratio) and ``refund_rate``
        (the reason's returned amount / the period's sold amount; they add up to the
        period's rate). Rows: by returned amount (largest first), other, unknown. ``attrs``:
        ``period``, ``sold_amount``, ``returned_amount``, ``refund_rate``, ``available``
        (False with ``missing_table`` without ``returns``).

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    top : int, optional
        Rows kept before the rest are collapsed; None keeps every row.

    Raises
    ------
    ParamsError
        ``top`` below 1 or a bad period.
    """
    if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
        raise ParamsError(f"`top` {top!r} must be a whole number of at least 1 (or None).")
    p = as_period(crm, period)
    if not crm.has("returns"):
        return unavailable(REASON_COLUMNS, "returns", dtype="float64", period=str(p))
    r = _returns(crm, p, scope)
    v = r.reason.cast("string").strip()
    r = r.mutate(_reason=ibis.ifelse(v == "", ibis.null("string"), v))
    g = r.group_by("_reason").aggregate(returns=r.count(), returned_amount=r.amount.sum())
    c = signed_contracts(crm, p, scope)
    sold = c.aggregate(_sold=c.amount.sum())
    df = g.cross_join(sold).execute()
    # no return in the period: no row to carry the sold amount, so ask for it alone
    s = df["_sold"].iloc[0] if len(df) else sold.execute()["_sold"].iloc[0]
    sold_amount = 0.0 if pd.isna(s) else float(s)
    df["reason"] = df.pop("_reason").astype(object)
    df["reason"] = df["reason"].where(df["reason"].notna(), None)
    df["kind"] = ["unknown" if x is None else "value" for x in df["reason"]]
    df["returned_amount"] = df["returned_amount"].astype("float64").fillna(0.0)
    named = df[df["kind"] == "value"].sort_values(["returned_amount", "reason"],
                                                  ascending=[False, True], kind="stable")
    if top is not None and len(named) > top + 1:
        rest = named.iloc[top:]
        other = pd.DataFrame([{"reason": None, "kind": "other", "returns": rest["returns"].sum(),
                               "returned_amount": rest["returned_amount"].sum()}])
        named = pd.concat([named.iloc[:top], other], ignore_index=True)
    df = pd.concat([named, df[df["kind"] == "unknown"]], ignore_index=True)
    total = float(df["returned_amount"].sum())
    df["returns"] = df["returns"].astype("int64")
    df["share"] = df["returned_amount"] / total if total else np.nan
    df["refund_rate"] = df["returned_amount"] / sold_amount if sold_amount else np.nan
    df = df[REASON_COLUMNS]
    df.attrs.update(period=str(p), available=True, missing_table=None, sold_amount=sold_amount,
                    returned_amount=total,
                    refund_rate=total / sold_amount if sold_amount else math.nan)
    return df


def _bin_labels(bins) -> list[tuple[str, int, float]]:
    bins = list(bins) if isinstance(bins, (list, tuple)) else bins
    if (not isinstance(bins, list) or not bins or not all(is_whole_number(b) and b >= 0 for b in bins)
            or bins != sorted(set(bins))):
        raise ParamsError(f"`bins` {bins!r} must be increasing whole numbers of days, 0 or more.")
    bins = [int(b) for b in bins]
    out, lo = [], 0
    for b in bins:
        out.append((f"{lo}-{b}", lo, b))
        lo = b + 1
    out.append((f"{lo}+", lo, math.inf))
    return out


def return_delays(crm: CRM, *, period, scope: Scope | None = None,
                  bins=None) -> pd.DataFrame:
    """Return the days from sale to return of the period's returns, per delay bucket.

    Days from sale to return for the period's returns: per delay bucket, with the mean and
    median in ``attrs`` (one query).

    Parameters
    ----------
    bins : list of int, optional
        Upper bounds (days, included) of the buckets; default :data:`RETURN_DAY_BINS`
        (0-7, 8-30, 31-90, 91-180, 181-365, 366+).

    Returns
    -------
    pandas.DataFrame
        One row per bucket, every bucket shown: ``bucket`` (label ``"8-30"``, ``"366+"``),
        ``min_days``, ``max_days`` (inf for the last), ``returns`` (int), ``returned_amount``
        and ``share`` (of the returns counted, a ratio). ``attrs``: ``returns``,
        ``mean_days``, ``median_days`` (NaN without returns), ``before_sale`` (returns dated
        before their sale, left out), ``period``, ``available`` (False with
        ``missing_table`` without ``returns``).
    """
    p = as_period(crm, period)
    labels = _bin_labels(RETURN_DAY_BINS if bins is None else bins)
    if not crm.has("returns"):
        return unavailable(DELAY_COLUMNS, "returns", dtype="float64", period=str(p))
    r = _returns(crm, p, scope)
    r = r.mutate(_days=r.returned_at.date().delta(r.signed_at.date(), unit="day"))
    b = ibis.literal(-1)
    for i, (_, _lo, hi) in reversed(list(enumerate(labels[:-1]))):
        b = ibis.ifelse(r._days <= hi, i, b)
    r = r.mutate(_bin=ibis.ifelse(r._days < 0, -2, ibis.ifelse(b == -1, len(labels) - 1, b)))
    ok = r.filter(r._bin >= 0)
    grouped = r.group_by("_bin").aggregate(returns=r.count(), amount=r.amount.sum()).mutate(
        mean=ibis.null("float64"), median=ibis.null("float64"))
    total = ok.aggregate(returns=ok.count(), amount=ok.amount.sum(), mean=ok._days.mean(),
                         median=ok._days.median()).mutate(_bin=ibis.literal(-9))
    df = grouped.union(total.select(*grouped.columns)).execute().set_index("_bin")
    stats = df.loc[-9]
    before = int(df.loc[-2, "returns"]) if -2 in df.index else 0
    if before:
        warnings.warn(f"{before} return(s) are dated before their contract was signed: left "
                      "out of the sale-to-return figures (fix returned_at or signed_at).",
                      stacklevel=2)
    rows = [{"bucket": lab, "min_days": lo, "max_days": hi,
             "returns": int(df.loc[i, "returns"]) if i in df.index else 0,
             "returned_amount": float(df.loc[i, "amount"]) if i in df.index else 0.0}
            for i, (lab, lo, hi) in enumerate(labels)]
    out = pd.DataFrame(rows)
    n = int(stats["returns"] or 0)
    out["share"] = out["returns"] / n if n else np.nan
    out = out.astype({"min_days": "int64", "max_days": "float64", "returned_amount": "float64"})
    out.attrs.update(period=str(p), available=True, missing_table=None, returns=n,
                     mean_days=float(stats["mean"]) if n else math.nan,
                     median_days=float(stats["median"]) if n else math.nan,
                     before_sale=before)
    return out[DELAY_COLUMNS]
