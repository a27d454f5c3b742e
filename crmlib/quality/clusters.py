"""Clusters of duplicate records and the merges a data steward should review.

Definitions:

- **Clusters.** Connected components of the duplicate pairs (A~B and B~C put A, B, C
  together), per table; ``cluster_id`` is the smallest id of the cluster.
- **Suggested merges** (customers only). Per cluster, keep the customer with the most
  effective contracts (status approved or empty), then the one created first, then the
  smallest id; every other customer of the cluster is to be merged into it. Merging is never
  automatic: ``crm merge`` applies a reviewed file (:mod:`crmlib.data.merge`).
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from crmlib.engine import effective

__all__ = ["CLUSTER_COLUMNS", "MERGE_COLUMNS", "duplicate_clusters", "suggested_merges"]

CLUSTER_COLUMNS = ["table", "cluster_id", "id", "size"]
MERGE_COLUMNS = ["cluster_id", "keep_id", "merge_id", "rule", "score", "keep_name",
                 "merge_name", "keep_contracts", "merge_contracts", "keep_created_at",
                 "merge_created_at"]


def _components(a, b) -> dict[str, str]:
    """Union-find over the pairs (a[i], b[i]): each id -> the smallest id of its component."""
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in zip(a, b, strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    return {x: find(x) for x in list(parent)}


def duplicate_clusters(pairs: pd.DataFrame) -> pd.DataFrame:
    """Return the connected components of duplicate pairs: one row per record in a cluster.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Duplicate pairs (columns :data:`~crmlib.quality.duplicates.PAIR_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CLUSTER_COLUMNS`: ``table``, ``cluster_id`` (the smallest id of the
        cluster), ``id`` and ``size`` (records in the cluster), sorted by table, cluster, id.
    """
    rows = []
    for table, g in pairs.groupby("table", sort=True) if len(pairs) else []:
        members = pd.DataFrame(list(_components(g["id_a"], g["id_b"]).items()),
                               columns=["id", "cluster_id"])
        members["table"] = table
        rows.append(members)
    if not rows:
        return pd.DataFrame(columns=CLUSTER_COLUMNS).astype({"size": "int64"})
    out = pd.concat(rows, ignore_index=True)
    out["cluster_id"] = out.groupby(["table", "cluster_id"])["id"].transform("min")
    out["size"] = out.groupby(["table", "cluster_id"])["id"].transform("size").astype("int64")
    return out.sort_values(["table", "cluster_id", "id"]).reset_index(drop=True)[CLUSTER_COLUMNS]


def suggested_merges(crm, pairs: pd.DataFrame) -> pd.DataFrame:
    """Return which customer of each duplicate cluster to keep and which to merge into it.

    Keep the customer with the most effective contracts, then the earliest ``created_at``,
    then the smallest id (see the module docstring). Only customer pairs are used.

    Parameters
    ----------
    crm : CRM
        The data (contracts and customers).
    pairs : pandas.DataFrame
        Duplicate pairs (columns :data:`~crmlib.quality.duplicates.PAIR_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        One row per customer to merge, columns :data:`MERGE_COLUMNS`: ``cluster_id``,
        ``keep_id``, ``merge_id``, ``rule`` and ``score`` (of the merged customer's strongest
        pair: most rules, then highest score), ``keep_name``, ``merge_name``,
        ``keep_contracts``, ``merge_contracts`` (effective contracts, int),
        ``keep_created_at``, ``merge_created_at``. Sorted by cluster and merged id. This is
        the file ``crm merge`` reads once reviewed.
    """
    pairs = pairs[pairs["table"] == "customers"] if len(pairs) else pairs
    clusters = duplicate_clusters(pairs)
    if clusters.empty:
        return pd.DataFrame(columns=MERGE_COLUMNS)
    # the clusters' ids as a table of the engine: a literal list of them would take ibis
    # minutes to compile for a million ids
    ids = ibis.memtable(pd.DataFrame({"customer_id": clusters["id"].astype(str).unique()}))
    c = crm.table("customers")
    info = c.filter(c.customer_id.isin(ids.customer_id)).select(
        "customer_id", "name", "created_at").execute()
    counts = pd.Series(dtype="int64")
    if crm.has("contracts"):
        k = effective(crm.table("contracts"))
        k = k.filter(k.customer_id.isin(ids.customer_id))
        counts = k.group_by("customer_id").aggregate(n=k.count()).execute().set_index(
            "customer_id")["n"]
    info["contracts"] = info["customer_id"].map(counts).fillna(0).astype("int64")
    info = info.set_index("customer_id")
    cl = clusters.join(info, on="id")
    cl = cl.sort_values(["cluster_id", "contracts", "created_at", "id"],
                        ascending=[True, False, True, True], kind="stable")
    keep = cl.groupby("cluster_id")["id"].first()
    best = _strongest(pairs)
    rows = []
    for r in cl.itertuples(index=False):
        k = keep[r.cluster_id]
        if r.id == k:
            continue
        rule, score = best.get(r.id, ("", np.nan))
        rows.append({"cluster_id": r.cluster_id, "keep_id": k, "merge_id": r.id, "rule": rule,
                     "score": score, "keep_name": info.at[k, "name"], "merge_name": r.name,
                     "keep_contracts": int(info.at[k, "contracts"]),
                     "merge_contracts": int(r.contracts),
                     "keep_created_at": info.at[k, "created_at"],
                     "merge_created_at": r.created_at})
    out = pd.DataFrame(rows, columns=MERGE_COLUMNS)
    return out.sort_values(["cluster_id", "merge_id"]).reset_index(drop=True)


def _strongest(pairs: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """Each id's strongest pair (most rules, then highest score): its rule and score."""
    both = pd.concat([pairs[["id_a", "rule", "score"]].rename(columns={"id_a": "id"}),
                      pairs[["id_b", "rule", "score"]].rename(columns={"id_b": "id"})])
    both["n"] = both["rule"].str.count(r"\+") + 1
    both = both.sort_values(["id", "n", "score"], ascending=[True, False, False], kind="stable")
    first = both.groupby("id").first()
    return {i: (r.rule, float(r.score)) for i, r in first.iterrows()}

