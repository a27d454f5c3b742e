"""RFM segments (客户价值): segment summary, Pareto curve, segment migration.

Summaries over :func:`crmlib.metrics.rfm` frames: customers and revenue
per segment, the Pareto curve (the share of customers that makes 80 % of revenue), and segment
migration between two dates.

Definitions (docs/metrics.md, "Customer value") are those of
:mod:`crmlib.metrics.rfm_scores`; each function's docstring states its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import check_choice, crosstab, two_dates
from crmlib.exceptions import ParamsError
from crmlib.metrics.rfm_scores import LAPSED_COLUMN, NEW_ROW, RFM_SCHEMES, rfm
from crmlib.scope import Scope

__all__ = ["segment_summary", "pareto", "segment_migration"]


def _segment_order(frame: pd.DataFrame, scheme: str | None) -> tuple[str, list[str]]:
    scheme = scheme or frame.attrs.get("scheme", "rfm11")
    known = frame.attrs.get("schemes") or {n: list(r) for n, r in RFM_SCHEMES.items()}
    if scheme not in known or f"segment_{scheme}" not in frame.columns:
        raise ParamsError(f"scheme `{scheme}` is not in this frame (schemes: "
                          f"{', '.join(known)}); pass a frame made by rfm() and one of those.")
    return f"segment_{scheme}", list(known[scheme])


def segment_summary(rfm_frame: pd.DataFrame, *, scheme: str | None = None) -> pd.DataFrame:
    """Return customers, revenue and mean R/F/M per segment of an :func:`rfm` frame.

    Parameters
    ----------
    rfm_frame : pandas.DataFrame
        The output of :func:`rfm` (columns ``segment_<scheme>``, ``recency_days``,
        ``frequency``, ``monetary``, ``revenue``).
    scheme : str, optional
        Which scheme's segments; default the frame's chosen scheme (``attrs["scheme"]``).

    Returns
    -------
    pandas.DataFrame
        One row per segment of the scheme, in rule order (e.g. champions ... lost), empty
        segments included: ``segment``, ``customers`` (int, 0 when empty), ``customer_share``
        (customers / all customers), ``revenue`` (sum of ``revenue``, total amount even when
        ``monetary="mean"``; 0 when empty), ``revenue_share`` (of all revenue; NaN when that is
        0), ``recency_days_mean``, ``frequency_mean``, ``monetary_mean`` (NaN when empty).

    Examples
    --------
    >>> import crmlib
    >>> s = segment_summary(rfm(crmlib.connect(), as_of="2026-10-31"))
    >>> s["segment"].tolist()[:3], int(s["customers"].sum()) > 0
    (['champions', 'loyal_customers', 'potential_loyalist'], True)
    """
    col, order = _segment_order(rfm_frame, scheme)
    g = rfm_frame.groupby(col).agg(customers=("customer_id", "size"),
                                   revenue=("revenue", "sum"),
                                   recency_days_mean=("recency_days", "mean"),
                                   frequency_mean=("frequency", "mean"),
                                   monetary_mean=("monetary", "mean"))
    g = g.reindex(order)
    g[["customers", "revenue"]] = g[["customers", "revenue"]].fillna(0)
    g["customers"] = g["customers"].astype("int64")
    n, total = g["customers"].sum(), g["revenue"].sum()
    g["customer_share"] = g["customers"] / n if n else float("nan")
    g["revenue_share"] = g["revenue"] / total if total else float("nan")
    g = g.rename_axis("segment").reset_index()
    return g[["segment", "customers", "customer_share", "revenue", "revenue_share",
              "recency_days_mean", "frequency_mean", "monetary_mean"]]


def pareto(rfm_frame: pd.DataFrame, *, column: str = "revenue", target: float = 0.8,
           top: float = 0.2) -> pd.DataFrame:
    """Compute the Pareto curve of revenue over customers, and its headline figures.

    Customers are sorted by ``column`` (most first, ties by ``customer_id``); customer k of n
    has ``customer_share`` = k / n and ``revenue_share`` = the top k's sum / the total.
    Headline (``attrs``), both "at least" rules on the steps of the curve, no interpolation:
    ``customers_for_target`` = the fewest top customers whose revenue reaches at least
    ``target`` of the total, ``customer_share_for_target`` = that count / n;
    ``top_customers`` = ceil(``top`` x n) (at least ``top`` of the customers) and
    ``top_revenue_share`` = their share of revenue.

    Parameters
    ----------
    rfm_frame : pandas.DataFrame
        Columns ``customer_id`` and ``column`` (e.g. the output of :func:`rfm`).
    column : str, default="revenue"
        The value customers are sorted by and whose shares are computed.
    target : float, default=0.8
        Share of revenue of the headline, in (0, 1].
    top : float, default=0.2
        Share of customers of the second headline, in (0, 1].

    Returns
    -------
    pandas.DataFrame
        ``rank`` (1..n), ``customer_id``, ``revenue`` (the value of ``column``),
        ``cum_revenue``, ``customer_share``, ``revenue_share`` (NaN when the total is 0);
        ``attrs``: ``customers``, ``revenue`` (total), ``target``, ``customers_for_target``,
        ``customer_share_for_target``, ``top``, ``top_customers``, ``top_revenue_share``
        (NaN figures when there are no customers or no revenue).

    Raises
    ------
    ParamsError
        Bad options.

    Examples
    --------
    >>> import crmlib
    >>> p = pareto(rfm(crmlib.connect(), as_of="2026-10-31"))
    >>> 0 < p.attrs["customer_share_for_target"] < 0.8
    True
    """
    for name, v in (("target", target), ("top", top)):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 < v <= 1:
            raise ParamsError(f"`{name}` {v!r} must be a share in (0, 1], e.g. 0.8.")
    if column not in rfm_frame.columns or "customer_id" not in rfm_frame.columns:
        raise ParamsError(f"the frame has no `customer_id` / `{column}` column (columns: "
                          f"{list(rfm_frame.columns)}); pass the output of rfm().")
    c = (rfm_frame[["customer_id", column]].rename(columns={column: "revenue"})
         .astype({"revenue": "float64"})
         .sort_values(["revenue", "customer_id"], ascending=[False, True], kind="stable")
         .reset_index(drop=True))
    c.attrs = {}
    n, total = len(c), float(c["revenue"].sum())
    c.insert(0, "rank", range(1, n + 1))
    c["cum_revenue"] = c["revenue"].cumsum()
    c["customer_share"] = c["rank"] / n if n else c["rank"].astype("float64")
    c["revenue_share"] = c["cum_revenue"] / total if total else float("nan")
    k_target = k_top = top_share = float("nan")
    if n and total:
        reached = c.index[c["cum_revenue"] >= target * total * (1 - 1e-12)]
        k_target = int(reached[0]) + 1
        k_top = max(1, math.ceil(round(top * n, 9)))
        top_share = float(c["cum_revenue"].iloc[k_top - 1] / total)
    c.attrs.update(customers=n, revenue=total, target=target, customers_for_target=k_target,
                   customer_share_for_target=k_target / n if n else float("nan"),
                   top=top, top_customers=k_top, top_revenue_share=top_share)
    return c


def segment_migration(crm: CRM, *, from_as_of, to_as_of, scope: Scope | None = None,
                      window_days: int | None = None, monetary: str = "total",
                      scheme: str = "rfm11", threshold: str = "mean",
                      segments_config: Mapping | None = None, form: str = "wide"
                      ) -> pd.DataFrame:
    """How customers moved between segments from ``from_as_of`` to ``to_as_of`` (two queries).

    Each date's segments are :func:`rfm` with the same options. Rows are the segment at
    ``from_as_of`` plus ``new`` (customers with a purchase at ``to_as_of`` but none at
    ``from_as_of``); columns are the segment at ``to_as_of`` plus ``lapsed`` (a purchase at
    ``from_as_of`` but none in the window at ``to_as_of``: only possible with ``window_days``).
    Segments in rule order; every cell present, 0 when empty.

    Parameters
    ----------
    crm, scope, window_days, monetary, scheme, threshold, segments_config
        As for :func:`rfm`.
    from_as_of, to_as_of : str or Timestamp
        The two dates, ``from_as_of`` on or before ``to_as_of``.
    form : {"wide", "long"}, default="wide"
        ``wide``: a from x to crosstab; ``long``: one row per cell (see Returns).

    Returns
    -------
    pandas.DataFrame
        ``wide``: customer counts (int), index ``from_segment``, columns ``to_segment``.
        ``long``: one row per cell with ``from_segment``, ``to_segment``, ``customers`` and
        ``share_of_from`` (customers / the row's total; NaN for an empty row).

    Examples
    --------
    >>> import crmlib
    >>> m = segment_migration(crmlib.connect(), from_as_of="2026-04-30", to_as_of="2026-10-31")
    >>> m.index[-1], m.columns[-1]
    ('new', 'lapsed')
    """
    check_choice(form, "form", ("wide", "long"))
    a, b = two_dates(crm, from_as_of, to_as_of)
    opts = dict(scope=scope, window_days=window_days, monetary=monetary, scheme=scheme,
                threshold=threshold, segments_config=segments_config)
    before, after = rfm(crm, as_of=a, **opts), rfm(crm, as_of=b, **opts)
    order = after.attrs["schemes"][scheme]
    return crosstab(before, after, "segment", rows=[*order, NEW_ROW],
                    columns=[*order, LAPSED_COLUMN], form=form,
                    attrs=dict(from_as_of=a, to_as_of=b, scheme=scheme,
                               scope=str(scope or Scope())))


