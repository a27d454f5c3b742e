"""Sold lines and the products they stand for: the steps product figures share.

Used by :mod:`crmlib.metrics.products`; definitions in ``docs/metrics.md`` ("Products").
"""

from __future__ import annotations

import difflib

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import signed_contracts
from crmlib.exceptions import ParamsError
from crmlib.period import Period
from crmlib.scope import Scope

__all__ = ["PRODUCT_DIMENSIONS", "key_columns", "check_products_args", "empty_dtypes",
           "sold_lines", "with_product_key", "products_frame", "listed_keys", "attach_keys",
           "order_and_collapse"]

# by -> the products column a row stands for
PRODUCT_DIMENSIONS: dict[str, str] = {"product": "product_id", "category": "category",
                                      "series": "series"}


def key_columns(by: str) -> list[str]:
    """Return the columns that name a row of a product figure.

    Parameters
    ----------
    by : {"product", "category", "series"}
        The products dimension.

    Returns
    -------
    list of str
        ``product_id``, ``name``, ``category`` by product; else ``[by]``.
    """
    return ["product_id", "name", "category"] if by == "product" else [by]


def check_products_args(by: str, top) -> None:
    """Check the ``by`` and ``top`` of a product figure.

    Parameters
    ----------
    by : str
        A key of :data:`PRODUCT_DIMENSIONS`.
    top : int or None
        Rows kept before the ``other`` row.

    Raises
    ------
    ParamsError
        Unknown ``by`` (with a did-you-mean) or ``top`` not a whole number >= 1.
    """
    if by not in PRODUCT_DIMENSIONS:
        hint = difflib.get_close_matches(str(by), PRODUCT_DIMENSIONS, n=1)
        raise ParamsError(f"`by` {by!r} is not a products dimension"
                          + (f"; did you mean `{hint[0]}`?" if hint else "")
                          + f" Choose one of: {', '.join(PRODUCT_DIMENSIONS)}.")
    if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
        raise ParamsError(f"`top` {top!r} must be a whole number of at least 1 (or None).")


def empty_dtypes(columns: list[str]) -> dict[str, str]:
    """Return the dtype of each column of an empty product figure.

    Parameters
    ----------
    columns : list of str
        The figure's columns.

    Returns
    -------
    dict of str to str
        ``object`` for names and keys, ``float64`` for the figures.
    """
    return {c: "object" if c in ("product_id", "name", "category", "series", "kind")
            else "float64" for c in columns}


def _catalogue(crm: CRM) -> ibis.Table:
    pr = crm.table("products")
    return pr.select(_pid=pr.product_id, _category=pr.category.cast("string").strip(),
                     _series=pr.series.cast("string").strip())


def with_product_key(t: ibis.Table, crm: CRM, by: str, product_col: str = "product_id"
                     ) -> ibis.Table:
    """Return ``t`` with ``_key``: the row's product id, category or series.

    Parameters
    ----------
    t : ibis.Table
        Rows with a product id.
    crm : CRM
        The data (``products``).
    by : {"product", "category", "series"}
        The products dimension.
    product_col : str, default="product_id"
        The column of ``t`` holding the product id.

    Returns
    -------
    ibis.Table
        ``t`` with ``_key``; NULL (unknown) for a product not in ``products`` or an empty
        category or series.
    """
    cat = _catalogue(crm)
    t = t.left_join(cat, t[product_col] == cat._pid)
    if by == "product":
        key = ibis.ifelse(t._pid.notnull(), t[product_col], ibis.null("string"))
    else:
        col = t["_category" if by == "category" else "_series"]
        key = ibis.ifelse(t._pid.notnull() & (col != ""), col, ibis.null("string"))
    return t.mutate(_key=key.cast("string"))


def sold_lines(crm: CRM, p: Period, scope: Scope, by: str) -> ibis.Table:
    """Return the contract lines sold in ``p`` by the scope, keyed for ``by``.

    Parameters
    ----------
    crm : CRM
        The data; needs ``contract_lines`` and ``products``.
    p : Period
        The period of ``signed_at``.
    scope : Scope
        Whose contracts (by ``owner_id``); effective ones only.
    by : {"product", "category", "series"}
        The products dimension.

    Returns
    -------
    ibis.Table
        ``contract_id``, ``product_id``, ``quantity``, ``amount``, ``signed_at`` and ``_key``
        (see :func:`with_product_key`).
    """
    lines = crm.table("contract_lines").select("contract_id", "product_id", "quantity", "amount")
    lines = lines.inner_join(signed_contracts(crm, p, scope).select("contract_id", "signed_at"), "contract_id")
    return with_product_key(lines, crm, by)


def products_frame(crm: CRM) -> pd.DataFrame:
    """Return the products with trimmed categories and series.

    Parameters
    ----------
    crm : CRM
        The data (``products``).

    Returns
    -------
    pandas.DataFrame
        ``product_id``, ``name``, ``category``, ``series`` (None when empty) and ``active``
        (an empty flag is active).
    """
    pr = crm.table("products")
    df = pr.select("product_id", "name", "category", "series", "active").execute()
    for c in ("category", "series"):
        df[c] = df[c].astype("string").str.strip().replace("", pd.NA).astype(object)
        df[c] = df[c].where(df[c].notna(), None)
    df["active"] = df["active"].astype("boolean").fillna(True).astype(bool)
    return df


def listed_keys(products: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return the rows listed even without sales: active products, or their categories / series.

    Parameters
    ----------
    products : pandas.DataFrame
        A :func:`products_frame`.
    by : {"product", "category", "series"}
        The products dimension.

    Returns
    -------
    pandas.DataFrame
        One column ``_key``.
    """
    act = products[products["active"]]
    if by == "product":
        return act[["product_id"]].rename(columns={"product_id": "_key"})
    keys = act[by].dropna().drop_duplicates()
    return pd.DataFrame({"_key": keys.to_numpy()})


def attach_keys(df: pd.DataFrame, products: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return ``df`` with its key columns and ``kind`` in place of ``_key``.

    Parameters
    ----------
    df : pandas.DataFrame
        Figures per ``_key``.
    products : pandas.DataFrame
        A :func:`products_frame` (names and categories).
    by : {"product", "category", "series"}
        The products dimension.

    Returns
    -------
    pandas.DataFrame
        The :func:`key_columns` and ``kind`` (``value`` or ``unknown``).
    """
    df = df.copy()
    df["kind"] = df["_key"].map(lambda k: "unknown" if k is None or k != k else "value")
    if by == "product":
        names = products.set_index("product_id")
        df["product_id"] = df["_key"].where(df["kind"] == "value", None)
        df["name"] = df["product_id"].map(names["name"]).where(df["kind"] == "value", None)
        df["category"] = df["product_id"].map(names["category"]).where(
            df["kind"] == "value", None)
    else:
        df[by] = df["_key"].where(df["kind"] == "value", None)
    return df.drop(columns="_key")


def order_and_collapse(df: pd.DataFrame, by: str, top: int | None, sort: list[str],
                       sums: list[str], other_extra=None) -> pd.DataFrame:
    """Return the named rows in order, those beyond ``top`` collapsed into ``other``.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows with ``kind`` and the :func:`key_columns`.
    by : {"product", "category", "series"}
        The products dimension.
    top : int or None
        Named rows kept; a single row left over keeps its name.
    sort : list of str
        Columns to sort the named rows by (descending; ties by key).
    sums : list of str
        Columns the ``other`` row sums.
    other_extra : callable, optional
        ``other_extra(rest)`` returns more values of the ``other`` row.

    Returns
    -------
    pandas.DataFrame
        Named rows, then ``other``, then the unknown row.
    """
    keys = key_columns(by)
    named = df[df["kind"] == "value"].sort_values(
        [*sort, keys[0]], ascending=[False] * len(sort) + [True], kind="stable")
    unknown = df[df["kind"] == "unknown"]
    if top is not None and len(named) > top + 1:  # one row left over is shown by name
        rest = named.iloc[top:]
        other = {c: None for c in keys} | {"kind": "other", "values": int(rest["values"].sum())}
        other |= {c: rest[c].sum() for c in sums}
        if other_extra is not None:
            other |= other_extra(rest)
        named = pd.concat([named.iloc[:top], pd.DataFrame([other])], ignore_index=True)
    return pd.concat([named, unknown], ignore_index=True)
