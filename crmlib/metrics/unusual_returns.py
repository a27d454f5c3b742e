"""Unusual return rates (售后): customers or products whose return rate is unusually high.

Definitions (docs/metrics.md "Leads and after-sale"; orders and returns as in
:mod:`crmlib.metrics.after_sales`):

- **Unusual return rates** (a funnel-plot rule, Spiegelhalter 2005). The unit is an order:
  effective contracts signed in the period and on or before ``as_of``, in scope (by product:
  a contract holding the product); an order is *returned* when it has a return (of the
  product, by product) dated on or before ``as_of`` and not before its sale. Per customer (or
  product) with ``n`` orders and ``x`` returned, rate = x / n; the overall rate ``p0`` = all
  returned orders / all orders. The row is **unusual** when it has at least ``min_orders``
  orders and
  x / n > p0 + z·√(p0(1 − p0) / n): its rate exceeds what chance alone gives an order count of
  that size more than ``z`` standard errors. ``z`` and ``min_orders`` come from
  :data:`UNUSUAL_RULE` (params ``after_unusual_z``, ``after_unusual_min_orders``). Orders of the
  last days before ``as_of`` have had little time to come back.
"""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    count_if,
    end_of,
    is_whole_number,
    report_day,
    signed_contracts,
    unavailable,
    with_defaults,
)
from crmlib.exceptions import ParamsError
from crmlib.scope import Scope

__all__ = ["UNUSUAL_RULE", "UNUSUAL_COLUMNS", "unusual_return_rates"]

# funnel-plot rule: standard errors above the overall rate, and the orders a row needs
UNUSUAL_RULE: dict = {"z": 3.0, "min_orders": 5}
UNUSUAL_COLUMNS = ["orders", "returned_orders", "return_rate", "expected_rate", "limit",
                   "z_score", "sold_amount", "returned_amount", "eligible", "unusual"]


def _rule(rule_config) -> dict:
    rule = with_defaults(UNUSUAL_RULE, rule_config, "rule_config")
    z, m = rule["z"], rule["min_orders"]
    if (not isinstance(z, (int, float, np.number)) or isinstance(z, bool) or not math.isfinite(z)
            or z <= 0 or not is_whole_number(m) or m < 1):
        raise ParamsError(f"unusual-rate rule {rule} needs a number `z` above 0 and a whole "
                          "number `min_orders` of at least 1.")
    return {"z": float(z), "min_orders": int(m)}


def unusual_return_rates(crm: CRM, *, period, as_of=None, scope: Scope | None = None,
                         by: str = "customer", rule_config: dict | None = None) -> pd.DataFrame:
    """Return the return rate of the period's orders per customer or product, flagged.

    Return rate of the period's orders per customer or product, flagged by the funnel-plot
    rule of the module docstring (one query).

    Parameters
    ----------
    as_of : str or Timestamp, optional
        Orders signed and returns dated up to this day count. Default: the data's last event
        date.
    by : {"customer", "product"}, default="customer"
        By product, an order is a contract holding the product (needs ``contract_lines``),
        returned when a return of that product is on it.
    rule_config : dict, optional
        Overrides of :data:`UNUSUAL_RULE` (``z``, ``min_orders``).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` / ``product_id`` and ``name``, then ``orders``, ``returned_orders``
        (int), ``return_rate`` (returned / orders), ``expected_rate`` (the overall rate p0),
        ``limit`` (p0 + z·se for the row's orders), ``z_score`` ((rate − p0) / se; NaN when p0
        is 0 or 1), ``sold_amount``, ``returned_amount`` (of those orders, by ``as_of``),
        ``eligible`` (orders ≥ min_orders) and ``unusual`` (bool). Every row with an order;
        unusual first, then by z-score and orders. ``attrs``: ``by``, ``period``, ``as_of``,
        ``z``, ``min_orders``, ``expected_rate``, ``orders``, ``returned_orders``,
        ``unusual`` (count), ``available`` (False with ``missing_table``).

    Raises
    ------
    ParamsError
        Unknown ``by`` or bad options.
    """
    if by not in ("customer", "product"):
        raise ParamsError(f"`by` {by!r} must be `customer` or `product`.")
    rule = _rule(rule_config)
    day = report_day(crm, as_of)
    p = as_period(crm, period, as_of=day)
    key = f"{by}_id"
    cols = [key, "name", *UNUSUAL_COLUMNS]
    needed = ("returns",) + (("contract_lines",) if by == "product" else ())
    missing = next((t for t in needed if not crm.has(t)), None)
    if missing is not None:
        return unavailable(cols, missing, dtype="float64", by=by, period=str(p))
    end = ibis.literal(end_of(day).to_pydatetime())
    c = signed_contracts(crm, p, scope)
    c = c.filter(c.signed_at < end)  # a period running past as_of: orders signed by then
    r = crm.table("returns")
    r = r.filter(r.returned_at < end)
    # a return dated before its sale is a data error (see return_delays): it returns nothing
    r = r.inner_join(c.select("contract_id", _signed=c.signed_at), "contract_id")
    r = r.filter(r.returned_at.date() >= r._signed.date())
    if by == "customer":
        units = c.select("contract_id", _k=c.customer_id, _amount=c.amount)
        ret = r.group_by("contract_id").aggregate(_ret=r.amount.sum())
        j = units.left_join(ret, "contract_id")
    else:
        lines = crm.table("contract_lines").inner_join(c.select("contract_id"), "contract_id")
        units = lines.group_by(["contract_id", "product_id"]).aggregate(
            _amount=lines.amount.sum()).rename(_k="product_id")
        r = r.filter(r.product_id.notnull())
        ret = r.group_by(["contract_id", "product_id"]).aggregate(_ret=r.amount.sum()).rename(
            _k="product_id")
        j = units.left_join(ret, ["contract_id", "_k"])
    g = j.group_by("_k").aggregate(orders=j.count(), returned_orders=count_if(j._ret.notnull()),
                                   sold_amount=j._amount.sum(), returned_amount=j._ret.sum())
    if by == "product" and not crm.has("products"):  # products are optional: ids only
        g = g.mutate(name=ibis.null("string"))
    else:
        names = crm.table("customers" if by == "customer" else "products")
        names = names.select(_k=names[key], name=names["name"])
        g = g.left_join(names, "_k").select(*g.columns, "name")
    df = g.execute().rename(columns={"_k": key})
    df[["orders", "returned_orders"]] = df[["orders", "returned_orders"]].astype("int64")
    df[["sold_amount", "returned_amount"]] = df[["sold_amount", "returned_amount"]].astype(
        "float64").fillna(0.0)
    n, x = int(df["orders"].sum()), int(df["returned_orders"].sum())
    p0 = x / n if n else math.nan
    se = np.sqrt(p0 * (1 - p0) / df["orders"]) if n else np.nan
    df["return_rate"] = df["returned_orders"] / df["orders"]
    df["expected_rate"] = p0
    df["limit"] = p0 + rule["z"] * se
    with np.errstate(divide="ignore", invalid="ignore"):
        df["z_score"] = np.where(se > 0, (df["return_rate"] - p0) / se, np.nan)
    df["eligible"] = df["orders"] >= int(rule["min_orders"])
    df["unusual"] = df["eligible"] & (df["return_rate"] > df["limit"])
    df = df.sort_values(["unusual", "z_score", "orders", key],
                        ascending=[False, False, False, True], na_position="last",
                        kind="stable")
    df = df[cols].reset_index(drop=True)
    df.attrs.update(by=by, period=str(p), as_of=day, z=float(rule["z"]),
                    min_orders=int(rule["min_orders"]), expected_rate=p0, orders=n,
                    returned_orders=x, unusual=int(df["unusual"].sum()), available=True,
                    missing_table=None)
    return df
