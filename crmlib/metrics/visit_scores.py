"""Satisfaction: visit scores by employee or by product.

Definitions (docs/metrics.md, Wukong BI 3B):

- **Satisfaction.** Visits with ``visited_at`` in the period, credited to the visit's
  ``employee_id``; by product through the visit's ``product_id`` (a visit without one but with
  a ``contract_id`` counts once for each distinct product on that contract). Per group: visits,
  the number at each score 1-5, mean score and the share of scores 4-5.
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import as_period, count_if, in_period, unavailable
from crmlib.metrics.customer_groups import (
    check_option,
    group_stats,
    order_groups,
    share,
    with_product_names,
)
from crmlib.scope import Scope

__all__ = ["SATISFACTION_BY", "satisfaction"]

SATISFACTION_BY = ("employee", "product")
_SCORES = (1, 2, 3, 4, 5)


def satisfaction(crm: CRM, *, period, by: str = "employee", scope: Scope | None = None,
                 top_n: int | None = None) -> pd.DataFrame:
    """Visit satisfaction scores by employee or by product over the period.

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    by : {"employee", "product"}, default="employee"
        ``employee``: one row per employee of the scope with a visit; ``product``: one row per
        product visited (see Returns).
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    top_n : int, optional
        Groups kept before the rest are pooled as :data:`OTHER`; None keeps every group.

    Returns
    -------
    pandas.DataFrame
        Columns: ``employee_id``, ``name``, ``team`` (by employee; employees of the scope with
        at least one visit, by id) or ``product_id``, ``name`` (by product; most visits first),
        then ``visits``, ``score_1`` ... ``score_5`` (visits at each score), ``mean_score`` and
        ``share_4_5`` (visits scored 4 or 5 / visits, a ratio). Visits are those with
        ``visited_at`` in the period whose ``employee_id`` is in scope. By product a visit
        counts for its ``product_id``, else once for each distinct product on its contract, else
        under an empty product ("unknown"); ``top_n`` keeps the products with most visits and
        pools the rest as :data:`OTHER`. Empty with ``attrs["available"]`` False when there is
        no ``visits`` table.
    """
    check_option(by, SATISFACTION_BY, "by")
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
        df = group_stats(u, "product_id", top_n, aggs)
        df = order_groups(with_product_names(crm, df), "product_id", "visits")
    df = df.astype({c: "int64" for c in stats if c.startswith(("visits", "score_"))})
    df["share_4_5"] = [share(h, n) for h, n in zip(df["_high"], df["visits"], strict=True)]
    df["mean_score"] = df["mean_score"].astype("float64")
    out = df[[*key_cols, *stats]].reset_index(drop=True)
    out.attrs["available"] = True
    return out


