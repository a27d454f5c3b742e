"""Value classes: high / medium / low by CLV rank among buyers, and potential.

- **Value classes.** high / medium / low by CLV rank among buyers, potential for customers who
  have not bought yet or are new (:data:`VALUE_CLASSES`), each with an action for the team.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.exceptions import ParamsError

__all__ = ["VALUE_CLASSES", "VALUE_CLASS_ORDER", "value_classes", "value_class_summary"]

# Buyers ranked by CLV (highest first): the top `high` share is high, the next `medium` share is
# medium, the rest low; customers without a purchase, and new ones outside high, are potential.
VALUE_CLASSES = {"high": 0.2, "medium": 0.3, "potential_stages": ("potential", "new")}
VALUE_CLASS_ORDER = ("high", "medium", "low", "potential")


def value_classes(frame: pd.DataFrame, *, clv: str = "clv", stage: str | None = "stage",
                  config: dict | None = None) -> pd.DataFrame:
    """Return the value class of each customer: high, medium, low or potential.

    Customers whose stage is in ``config["potential_stages"]`` (default potential, new) or whose
    CLV is missing are *potential*, except new customers whose CLV ranks high. The others are
    ranked by CLV, highest first (ties keep the frame's order): the first ``ceil(high x n)`` are
    *high*, the next ``ceil(medium x n)`` *medium*, the rest *low*, where n counts the ranked
    customers (new ones included in the ranking).

    Parameters
    ----------
    frame : pandas.DataFrame
        ``customer_id``, the CLV column and optionally the lifecycle ``stage``.
    clv : str, default="clv"
        The CLV column.
    stage : str or None, default="stage"
        The lifecycle stage column, if any.
    config : dict, optional
        Overrides of :data:`VALUE_CLASSES` (``high``, ``medium`` shares,
        ``potential_stages``).

    Returns
    -------
    pandas.DataFrame
        ``frame`` with ``value_class``.

    Raises
    ------
    ParamsError
        Shares outside 0..1 or summing to more than 1.
    """
    cfg = {**VALUE_CLASSES, **(config or {})}
    if not 0 <= cfg["high"] <= 1 or not 0 <= cfg["medium"] <= 1 - cfg["high"]:
        raise ParamsError(f"value class shares high={cfg['high']}, medium={cfg['medium']} must "
                          "be between 0 and 1 and sum to at most 1.")
    out = frame.copy()
    st = out[stage] if stage and stage in out.columns else pd.Series(None, index=out.index)
    ranked = out[clv].notna() & (st != "potential")
    order = out.loc[ranked, clv].sort_values(ascending=False, kind="stable").index
    n = len(order)
    n_high, n_med = int(np.ceil(cfg["high"] * n)), int(np.ceil(cfg["medium"] * n))
    cls = pd.Series("potential", index=out.index, dtype="object")
    cls[order[:n_high]] = "high"
    cls[order[n_high:n_high + n_med]] = "medium"
    cls[order[n_high + n_med:]] = "low"
    pot = st.isin(cfg["potential_stages"]) & (cls != "high")
    cls[pot | out[clv].isna()] = "potential"
    out["value_class"] = cls
    return out


def value_class_summary(frame: pd.DataFrame, *, clv: str = "clv",
                        revenue: str | None = "monetary") -> pd.DataFrame:
    """Return customers, CLV and revenue per value class.

    Parameters
    ----------
    frame : pandas.DataFrame
        As :func:`value_classes` returns it.
    clv : str, default="clv"
        The CLV column.
    revenue : str or None, default="monetary"
        The revenue-so-far column, if any.

    Returns
    -------
    pandas.DataFrame
        Per value class (fixed order high, medium, low, potential; empty ones with 0):
        ``value_class``, ``customers``, ``share``, ``clv`` (sum), ``clv_share``, and
        ``revenue`` (sum) when that column is there.
    """
    g = frame.groupby("value_class")
    out = pd.DataFrame({"customers": g.size(), "clv": g[clv].sum()}).reindex(
        list(VALUE_CLASS_ORDER), fill_value=0)
    out["customers"] = out["customers"].astype("int64")
    out["share"] = out["customers"] / max(len(frame), 1)
    total = out["clv"].sum()
    out["clv_share"] = out["clv"] / total if total else np.nan
    if revenue and revenue in frame.columns:
        out["revenue"] = g[revenue].sum().reindex(out.index, fill_value=0)
    out.index.name = "value_class"
    return out.reset_index()
