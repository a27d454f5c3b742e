"""Products (产品分析): sales, the category mix and returns per product.

Sales per product, category or series, the category mix over time, and
returns with the return rate per product.

Definitions (docs/metrics.md "Products" and "Leads and after-sale", Wukong BI 3F):

- **Sold.** Contract lines (``contract_lines``) of *effective* contracts (status approved, or no
  status) signed in the period (``signed_at``) whose owner (``owner_id``) is in the scope. Drafts,
  pending, rejected and void contracts count nowhere (unlike Wukong's 产品销售情况统计, which
  counts every contract). ``quantity`` = sum of the lines' ``quantity`` (units, as stored; a
  category may add different units); ``amount`` = sum of the lines' ``amount`` (their value after
  discount); ``contracts`` = number of distinct such contracts holding at least one line of the
  row (not the number of lines, which Wukong shows); ``share`` = amount / amount of all the rows
  (a ratio; NaN when nothing was sold). A line without an amount is never summed as 0: it is
  counted in ``missing``.
- **Products and categories.** Names, categories and series come from ``products``. Every active
  product (``active`` true or empty) is listed, with 0 when it sold nothing; an inactive one only
  when it sold something. A line whose ``product_id`` is not in ``products`` counts in one
  ``unknown`` row (``kind`` ``unknown``), and so does, by category or series, a product whose
  category (series) is empty or blank: unknowns are never dropped and never merged into other.
- **Top N and other.** With ``top``, the ``top`` rows with the largest amount are kept and the
  rest are collapsed into one ``other`` row (``values`` says how many it holds); a single row left
  over keeps its name. Contracts of the other row are counted distinct over its products (the
  same contract may hold several of them).
- **Returns.** ``returns`` dated in the period (``returned_at``, the returns' event date), of
  effective contracts whose owner is in the scope, whatever the day the contract was signed.
  Return rate = returned amount / sold amount of the same period (metrics.md's refund rate), per
  product; NaN when nothing was sold. The two sides are flows of the same period, not one cohort:
  a return in March of a January contract counts in March against March's sales. A return
  without ``product_id`` (or with one not in ``products``) is in the unknown row.
"""

from __future__ import annotations

import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    bucket_expr,
    count_if,
    effective,
    first_missing,
    in_period,
    unavailable,
)
from crmlib.exceptions import ParamsError
from crmlib.metrics.product_lines import (
    PRODUCT_DIMENSIONS,
    attach_keys,
    check_products_args,
    empty_dtypes,
    key_columns,
    listed_keys,
    order_and_collapse,
    products_frame,
    sold_lines,
    with_product_key,
)
from crmlib.scope import Scope

__all__ = ["PRODUCT_DIMENSIONS", "SALES_COLUMNS", "MIX_COLUMNS", "RETURN_COLUMNS",
           "product_sales", "category_mix", "product_returns"]


SALES_COLUMNS = ["kind", "contracts", "quantity", "amount", "share", "missing", "values"]
MIX_COLUMNS = ["bucket", "category", "kind", "quantity", "amount", "share"]
RETURN_COLUMNS = ["kind", "sold_quantity", "sold_amount", "returns", "returned_quantity",
                  "returned_amount", "return_rate", "values"]


def product_sales(crm: CRM, *, period, scope: Scope | None = None, by: str = "product",
                  top: int | None = None) -> pd.DataFrame:
    """Effective contracts, quantity and amount per product, category or series, with shares.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name (resolved against the data's last event date) or ISO dates, both included.
        Lines count by their contract's ``signed_at``.
    scope : Scope, optional
        Whose contracts, by ``owner_id``; ``None`` = the whole company.
    by : {"product", "category", "series"}, default="product"
        What a row stands for (the ``products`` column of that name).
    top : int, optional
        Keep the ``top`` rows with the largest amount and collapse the rest into one ``other``
        row (two or more left; a single one keeps its name). The unknown row stays apart.

    Returns
    -------
    pandas.DataFrame
        By product: ``product_id``, ``name``, ``category``; by category or series: that column
        (None on the other and unknown rows). Then ``kind`` (``value``, ``other`` or
        ``unknown``), ``contracts`` (distinct effective contracts signed in the period holding
        the row's products), ``quantity`` (units), ``amount`` (sum of line amounts, company
        currency), ``share`` (amount / total amount, a ratio; the shares sum to 1),
        ``missing`` (lines without an amount, not summed) and ``values`` (products, categories
        or series the row holds: 1, or the number collapsed into other; for unknown, the
        distinct unknown product ids or products without a category). Rows: named values by
        amount (largest first, then quantity, then id), other, unknown. Module doc: exact
        definitions. ``attrs``: ``by``, ``period``, ``amount``, ``quantity``, ``contracts``
        (totals; contracts distinct over all rows), ``available`` (False with
        ``missing_table`` when the data lacks ``contract_lines`` or ``products``).

    Raises
    ------
    ParamsError
        Unknown ``by`` (with a did-you-mean), ``top`` below 1, or a bad period.

    Examples
    --------
    >>> import crmlib
    >>> crm = crmlib.connect()
    >>> df = product_sales(crm, period="last_month", by="category")
    >>> list(df.columns[:4])
    ['category', 'kind', 'contracts', 'quantity']
    """
    check_products_args(by, top)
    p = as_period(crm, period)
    columns = key_columns(by) + SALES_COLUMNS
    absent = first_missing(crm, ("contract_lines", "products"))
    if absent is not None:
        return unavailable(empty_dtypes(columns), absent, by=by, period=str(p))
    lines = sold_lines(crm, p, scope or Scope(), by)
    # the unknown row's `values`: distinct unknown product ids, or products without category
    agg = lines.group_by("_key").aggregate(
        contracts=lines.contract_id.nunique(), quantity=lines.quantity.sum(),
        amount=lines.amount.sum(), missing=count_if(lines.amount.isnull()),
        values=lines.product_id.nunique()).execute()
    totals = lines.aggregate(contracts=lines.contract_id.nunique()).execute()
    products = products_frame(crm)
    listed = listed_keys(products, by)
    agg["_key"] = agg["_key"].astype(object).where(agg["_key"].notna(), None)
    df = listed.merge(agg, on="_key", how="outer")
    df = attach_keys(df, products, by)
    df[["contracts", "missing"]] = df[["contracts", "missing"]].fillna(0)
    df[["quantity", "amount"]] = df[["quantity", "amount"]].astype("float64").fillna(0.0)
    df.loc[df["kind"] == "value", "values"] = 1
    df["values"] = df["values"].fillna(0)

    def other_contracts(rest: pd.DataFrame) -> dict:
        keys = rest["product_id" if by == "product" else by].tolist()
        o = lines.filter(lines._key.isin(keys))
        return {"contracts": int(o.aggregate(n=o.contract_id.nunique()).execute()["n"].iloc[0])}

    df = order_and_collapse(df, by, top, ["amount", "quantity"],
                             ["quantity", "amount", "missing"], other_contracts)
    total = float(df["amount"].sum())
    df["share"] = df["amount"] / total if total else float("nan")
    df = df.astype({"contracts": "int64", "missing": "int64", "values": "int64",
                    "quantity": "float64", "amount": "float64"})
    df = df[columns].reset_index(drop=True)
    df.attrs.update(by=by, period=str(p), available=True, missing_table=None, amount=total,
                    quantity=float(df["quantity"].sum()),
                    contracts=int(totals["contracts"].iloc[0] or 0))
    return df


def category_mix(crm: CRM, *, period, scope: Scope | None = None, by: str = "category",
                 top: int | None = None) -> pd.DataFrame:
    """Amount per bucket of the period and category (or series): the category mix over time.

    Sold lines as in :func:`product_sales` (effective contracts signed in the period, owner in
    the scope), bucketed by their contract's ``signed_at`` with the period's buckets (a year or
    quarter by month, a month or week by day, a custom range by day, week or month). The
    categories are those with a sale in the period (a category with none adds nothing to the
    mix); every bucket lists every one of them, with 0 when it sold nothing then.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    scope : Scope, optional
        Whose contracts, by ``owner_id``; ``None`` = the whole company.
    by : {"category", "series"}, default="category"
        Split the amount by product ``category`` or ``series``.
    top : int, optional
        Keep the ``top`` categories with the largest amount over the whole period; the rest
        become one ``other`` category (two or more left); unknown stays apart.

    Returns
    -------
    pandas.DataFrame
        One row per bucket and category: ``bucket`` (its first day), ``category`` (the
        category or series; None for other and unknown), ``kind`` (``value``, ``other``,
        ``unknown``), ``quantity`` (units), ``amount`` (sum of line amounts) and ``share``
        (amount / the bucket's amount, a ratio; NaN in a bucket without sales). Buckets in
        order; within one, categories by their amount over the period, then other, unknown.
        ``attrs``: ``by``, ``period``, ``bucket`` (day / week / month), ``available``,
        ``missing_table``, ``others`` (categories collapsed into other).

    Raises
    ------
    ParamsError
        ``by`` not category or series, ``top`` below 1, or a bad period.
    """
    check_products_args(by, top)
    if by == "product":
        raise ParamsError("`by` 'product' is not a mix; use `category` or `series` (for "
                          "products over time, see product_sales per period).")
    p = as_period(crm, period)
    absent = first_missing(crm, ("contract_lines", "products"))
    if absent is not None:
        return unavailable(empty_dtypes(MIX_COLUMNS), absent, by=by, period=str(p), bucket=p.bucket)
    lines = sold_lines(crm, p, scope or Scope(), by)
    lines = lines.mutate(_bucket=bucket_expr(lines.signed_at, p))
    agg = lines.group_by(["_bucket", "_key"]).aggregate(
        quantity=lines.quantity.sum(), amount=lines.amount.sum()).execute()
    agg["_key"] = agg["_key"].astype(object).where(agg["_key"].notna(), None)
    agg["_bucket"] = pd.to_datetime(agg["_bucket"])
    agg[["quantity", "amount"]] = agg[["quantity", "amount"]].astype("float64").fillna(0.0)
    totals = agg.groupby("_key", dropna=False)[["amount", "quantity"]].sum().reset_index()
    totals["_key"] = totals["_key"].astype(object).where(totals["_key"].notna(), None)
    totals["values"] = 1
    totals = attach_keys(totals, pd.DataFrame(), by)
    order = order_and_collapse(totals, by, top, ["amount", "quantity"], ["amount"])
    named = set(order.loc[order["kind"] == "value", by])
    others = sorted(set(totals.loc[totals["kind"] == "value", by]) - named)
    # slot of each line: the position of its category in `order` (other and unknown included)
    pos = {c: i for i, (c, k) in enumerate(zip(order[by], order["kind"], strict=True))
           if k == "value"}
    kinds = list(order["kind"])
    other_pos = kinds.index("other") if "other" in kinds else -1
    unknown_pos = kinds.index("unknown") if "unknown" in kinds else -1
    agg["_slot"] = [unknown_pos if k is None else pos.get(k, other_pos) for k in agg["_key"]]
    agg = agg.groupby(["_bucket", "_slot"])[["quantity", "amount"]].sum()
    rows = []
    for b in p.buckets():
        for i, (cat, kind) in enumerate(zip(order[by], order["kind"], strict=True)):
            hit = agg.loc[(b, i)] if (b, i) in agg.index else None
            rows.append({"bucket": b, "category": cat, "kind": kind,
                         "quantity": 0.0 if hit is None else float(hit["quantity"]),
                         "amount": 0.0 if hit is None else float(hit["amount"])})
    df = pd.DataFrame(rows, columns=MIX_COLUMNS[:-1])
    bucket_total = df.groupby("bucket")["amount"].transform("sum")
    df["share"] = (df["amount"] / bucket_total.where(bucket_total != 0)).astype("float64")
    df["bucket"] = pd.to_datetime(df["bucket"])
    df.attrs.update(by=by, period=str(p), bucket=p.bucket, available=True, missing_table=None,
                    others=others)
    return df


def product_returns(crm: CRM, *, period, scope: Scope | None = None, by: str = "product",
                    top: int | None = None) -> pd.DataFrame:
    """Return returns per product (category, series) against the same period's sales: the return rate.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        Returns count by ``returned_at``, sales by their contract's ``signed_at``.
    scope : Scope, optional
        Whose contracts, by ``owner_id`` (a return counts for the owner of its contract).
    by : {"product", "category", "series"}, default="product"
        Rows per ``product``, ``category`` or ``series``.
    top : int, optional
        Keep the ``top`` rows with the largest returned amount (then sold amount) and collapse
        the rest into ``other`` (two or more left); unknown stays apart.

    Returns
    -------
    pandas.DataFrame
        The key columns of :func:`product_sales`, ``kind``, then ``sold_quantity`` and
        ``sold_amount`` (lines of effective contracts signed in the period), ``returns``
        (number of returns dated in the period, of effective contracts), ``returned_quantity``
        (units; returns without a quantity add nothing), ``returned_amount`` and
        ``return_rate`` (returned_amount / sold_amount, a ratio; NaN when nothing was sold; it
        may exceed 1 when earlier sales come back) and ``values``. Rows: every product with a
        sale or a return in the period (no all-zero rows), by returned amount (largest first),
        then sold amount, then id; other; unknown. ``attrs``: ``by``, ``period``,
        ``sold_amount``, ``returned_amount``, ``return_rate`` (totals), ``available`` (False
        with ``missing_table`` when the data lacks ``returns``, ``contract_lines`` or
        ``products``).

    Raises
    ------
    ParamsError
        Unknown ``by``, ``top`` below 1, or a bad period.
    """
    check_products_args(by, top)
    p = as_period(crm, period)
    columns = key_columns(by) + RETURN_COLUMNS
    absent = first_missing(crm, ("returns", "contract_lines", "products"))
    if absent is not None:
        return unavailable(empty_dtypes(columns), absent, by=by, period=str(p))
    scope = scope or Scope()
    lines = sold_lines(crm, p, scope, by)
    sold = lines.group_by("_key").aggregate(
        sold_quantity=lines.quantity.sum(), sold_amount=lines.amount.sum(),
        _sold_products=lines.product_id.nunique())
    c = scope.filter(effective(crm.table("contracts")), "owner_id").select("contract_id")
    r = crm.table("returns")
    r = r.filter(in_period(r.returned_at, p)).select("contract_id", "product_id", "quantity",
                                                     "amount")
    r = with_product_key(r.inner_join(c, "contract_id"), crm, by)
    ret = r.group_by("_key").aggregate(
        returns=r.count(), returned_quantity=r.quantity.sum(), returned_amount=r.amount.sum(),
        _ret_products=r.product_id.nunique())
    same = (sold._key == ret._key) | (sold._key.isnull() & ret._key.isnull())
    df = sold.outer_join(ret, same).execute()
    df["_key"] = df["_key"].where(df["_key"].notna(), df.pop("_key_right"))
    df["_key"] = df["_key"].astype(object).where(df["_key"].notna(), None)
    df["values"] = df[["_sold_products", "_ret_products"]].max(axis=1).fillna(0)
    df = attach_keys(df.drop(columns=["_sold_products", "_ret_products"]), products_frame(crm), by)
    df.loc[df["kind"] == "value", "values"] = 1
    num = ["sold_quantity", "sold_amount", "returned_quantity", "returned_amount"]
    df[num] = df[num].astype("float64").fillna(0.0)
    df["returns"] = df["returns"].fillna(0)
    df = order_and_collapse(df, by, top, ["returned_amount", "sold_amount"], [*num, "returns"])
    df["return_rate"] = df["returned_amount"] / df["sold_amount"].where(df["sold_amount"] != 0)
    df = df.astype({"returns": "int64", "values": "int64", "return_rate": "float64"})
    df = df[columns].reset_index(drop=True)
    sold_total, ret_total = float(df["sold_amount"].sum()), float(df["returned_amount"].sum())
    df.attrs.update(by=by, period=str(p), available=True, missing_table=None,
                    sold_amount=sold_total, returned_amount=ret_total,
                    return_rate=ret_total / sold_total if sold_total else float("nan"))
    return df
