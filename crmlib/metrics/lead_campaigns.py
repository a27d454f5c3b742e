"""Lead costs (线索成本): cost per lead and per converted customer, by source.

Definitions (docs/metrics.md "Leads and after-sale"); which leads and "converted by as_of" as
in :mod:`crmlib.metrics.leads`:

- **Cost.** A campaign's ``cost`` is spread evenly over its days, ``started_at`` to ``ended_at``
  (both days included; a campaign with only one of the two dates lasts that one day, one with
  neither is left out and counted in ``attrs["undated_campaigns"]``). The period gets
  cost × (days of the campaign inside the period) / (days of the campaign): a quarter-long
  campaign of 9,100 overlapping the period's first 10 days adds 9,100 × 10 / 91 = 1,000.
  Cost per lead = pro-rated cost of the source / its leads created in the period; cost per
  converted customer = that cost / those leads converted by ``as_of``. Campaigns have no owner:
  costs and leads are always company-wide. A source without a campaign in the period has no
  cost (NaN, shown "—"), never 0.
"""

from __future__ import annotations

import math
import warnings

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import as_period, count_if, in_period, report_day, unavailable
from crmlib.metrics.leads import clean_value, converted_by, leads_dated

__all__ = ["COST_COLUMNS", "lead_costs"]

COST_COLUMNS = ["source", "kind", "campaigns", "cost", "leads", "converted", "cost_per_lead",
                "cost_per_converted"]


def lead_costs(crm: CRM, *, period, as_of=None) -> pd.DataFrame:
    """Return the campaign cost per source with cost per lead and per converted customer.

    Campaign cost per source pro-rated to the period, with cost per lead and per converted
    customer (company-wide; one query).

    Returns
    -------
    pandas.DataFrame
        ``source`` (None on the unknown row), ``kind`` (``value``, ``unknown``),
        ``campaigns`` (campaigns overlapping the period), ``cost`` (pro-rated, company
        currency; NaN without a campaign), ``leads`` (created in the period), ``converted``
        (of those, by ``as_of``), ``cost_per_lead`` and ``cost_per_converted`` (NaN without a
        cost or without leads / conversions). Rows: by cost (largest first; sources without a
        cost after), then leads. ``attrs``: ``period``, ``as_of``, ``cost`` (total),
        ``paid_leads`` / ``paid_converted`` (leads of the sources with a cost),
        ``cost_per_lead``, ``cost_per_converted`` (totals), ``undated_campaigns``,
        ``available`` (False with ``reason`` ``missing_table`` or ``undated``).

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.

    Examples
    --------
    >>> import crmlib
    >>> df = lead_costs(crmlib.connect(), period="last_quarter")
    >>> list(df.columns[:4])
    ['source', 'kind', 'campaigns', 'cost']
    """
    p = as_period(crm, period, as_of=as_of)
    missing = next((n for n in ("leads", "campaigns") if not crm.has(n)), None)
    if missing is not None:
        return unavailable(COST_COLUMNS, missing, dtype="float64", period=str(p))
    if not leads_dated(crm):
        return unavailable(COST_COLUMNS, None, reason="undated", dtype="float64",
                           period=str(p), dated=False)
    day = report_day(crm, as_of)
    c = crm.table("campaigns")
    start = c.started_at.fill_null(c.ended_at).date()
    end = c.ended_at.fill_null(c.started_at).date()
    lo = ibis.greatest(start, ibis.literal(p.start.date()))
    hi = ibis.least(end, ibis.literal(p.last_day.date()))
    inside = hi.delta(lo, unit="day") + 1
    c = c.mutate(_src=clean_value(c.source), _inside=inside,
                 _days=end.delta(start, unit="day") + 1, _dated=start.notnull())
    undated = c.aggregate(n=count_if(~c._dated))
    c = c.filter(c._dated & (c._inside > 0))
    cost = c.group_by("_src").aggregate(
        campaigns=c.count(), cost=(c.cost * c._inside.cast("float64") / c._days).sum())
    t = crm.table("leads")
    t = t.filter(in_period(t.created_at, p))
    t = t.mutate(_src=clean_value(t.source), _conv=converted_by(t, day))
    leads = t.group_by("_src").aggregate(leads=t.count(), converted=count_if(t._conv))
    same = (cost._src == leads._src) | (cost._src.isnull() & leads._src.isnull())
    j = cost.outer_join(leads, same)
    j = j.select(_src=ibis.coalesce(j._src, j._src_right), campaigns=j.campaigns, cost=j.cost,
                 leads=j.leads, converted=j.converted)
    j = j.cross_join(undated)
    df = j.execute()
    n_undated = int(df["n"].iloc[0]) if len(df) else int(undated.execute()["n"].iloc[0])
    if n_undated:
        warnings.warn(f"{n_undated} campaign(s) have neither started_at nor ended_at: their cost "
                      "cannot be placed in a period and is left out.", stacklevel=2)
    df["source"] = df.pop("_src").astype(object)
    df["source"] = df["source"].where(df["source"].notna(), None)
    df["kind"] = ["unknown" if s is None else "value" for s in df["source"]]
    df[["campaigns", "leads", "converted"]] = df[["campaigns", "leads", "converted"]].fillna(
        0).astype("int64")
    df["cost"] = df["cost"].astype("float64")
    df["cost_per_lead"] = df["cost"] / df["leads"].where(df["leads"] > 0)
    df["cost_per_converted"] = df["cost"] / df["converted"].where(df["converted"] > 0)
    df = df.sort_values(["cost", "leads", "source"], ascending=[False, False, True],
                        na_position="last", kind="stable")
    df = df[COST_COLUMNS].reset_index(drop=True)
    paid = df[df["cost"].notna()]
    total = float(paid["cost"].sum())
    n, k = int(paid["leads"].sum()), int(paid["converted"].sum())
    df.attrs.update(period=str(p), as_of=day, dated=True, available=True, reason=None,
                    missing_table=None, cost=total, paid_leads=n, paid_converted=k,
                    cost_per_lead=total / n if n else math.nan,
                    cost_per_converted=total / k if k else math.nan,
                    undated_campaigns=n_undated)
    return df
