"""Leads and channels (线索分析): leads, conversion, days to convert.

Leads by source and period, cohort conversion with confidence
intervals, days to convert. Cost per lead and per converted customer are in
:mod:`crmlib.metrics.lead_campaigns`.

Definitions (docs/metrics.md "Leads and after-sale"):

- **Which leads.** Leads created in the period (``created_at``; first day included, end
  excluded) whose owner (``owner_id``) is in the scope; the company scope also counts unassigned
  leads. Source (or owner, origin) values are trimmed; an empty one is the ``unknown`` row,
  never dropped.
- **Converted by as_of.** ``converted_at`` on or before ``as_of`` (the day included). A lead
  with status ``converted`` but no ``converted_at`` (a source without conversion dates) counts
  as converted whatever ``as_of``.
- **Conversion rate (cohort)** = converted by ``as_of`` / leads created in the period, per row.
  Recent leads have had less time to convert, so a short period just before ``as_of`` reads low.
- **Confidence interval.** The Wilson score interval of that proportion at ``confidence``
  (95 % by default): with ``k`` converted of ``n`` and ``z`` the normal quantile,
  centre = (k + z²/2) / (n + z²), half-width = z·√(k(n−k)/n + z²/4) / (n + z²). Rows are ranked
  by the interval's **lower bound** (``rank_by`` ``ci_low``), so that a source with 2 leads out
  of 2 converted (100 %, lower bound 34 %) does not outrank one with 490 of 534 (92 %, lower
  bound 89 %) by noise alone; both the rate and the interval are shown.
- **Days to convert** = ``converted_at`` − ``created_at`` in whole calendar days (a conversion on
  the day of creation is 0; one dated before creation counts as 0), for leads created in the
  period and converted by ``as_of``: mean, median (midpoint of the two middle values for an even
  count) and the count behind them. Conversions without a date are counted apart (``undated``).
- **Leads without dates.** When every lead has the same ``created_at`` (a source without dates
  gets a constant, see ``params/mappings/x_education.yaml``), no period can select a cohort:
  conversion counts every lead created up to ``as_of`` and says ``attrs["dated"]`` False; leads
  by period, days to convert and cost are not available (``attrs["reason"]`` ``undated``).
"""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import (
    as_period,
    bucketed,
    check_known,
    count_if,
    end_of,
    in_period,
    report_day,
    unavailable,
    wilson_interval,
    with_defaults,
)
from crmlib.exceptions import ParamsError
from crmlib.scope import Scope

__all__ = ["LEAD_DIMENSIONS", "CONVERSION_CONFIG", "CONVERSION_COLUMNS", "DAYS_COLUMNS",
           "wilson_interval", "leads_dated", "converted_by", "clean_value", "lead_conversion",
           "leads_by_period", "days_to_convert"]

# by -> the leads column a row stands for
LEAD_DIMENSIONS: dict[str, str] = {"source": "source", "owner": "owner_id", "origin": "origin"}

# how conversion rows are ranked: interval confidence, and `ci_low` or `conversion_rate`
CONVERSION_CONFIG: dict = {"confidence": 0.95, "rank_by": "ci_low"}

CONVERSION_COLUMNS = ["value", "kind", "leads", "converted", "conversion_rate", "ci_low",
                      "ci_high", "share", "rank", "values"]
DAYS_COLUMNS = ["value", "kind", "converted", "mean_days", "median_days", "undated"]


def _check_by(by: str) -> str:
    return LEAD_DIMENSIONS[check_known(by, LEAD_DIMENSIONS, "leads dimension (`by`)")]


def _check_top(top) -> None:
    if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
        raise ParamsError(f"`top` {top!r} must be a whole number of at least 1 (or None).")


def leads_dated(crm: CRM) -> bool:
    """Return whether the leads carry real creation dates.

    False when every lead has the same
    ``created_at``, the constant a mapping gives a source without dates, or there is none).

    Parameters
    ----------
    crm : CRM
        The data.

    Returns
    -------
    bool
        True when the leads carry real creation dates.
    """
    t = crm.table("leads")
    r = t.aggregate(lo=t.created_at.min(), hi=t.created_at.max()).execute().iloc[0]
    return bool(pd.notna(r["lo"]) and r["lo"] != r["hi"])


def converted_by(t: ibis.Table, day: pd.Timestamp):
    """Engine-side: lead converted on or before ``day`` (status alone when it has no date).

    Parameters
    ----------
    t : ibis.Table
        Leads.
    day : pandas.Timestamp
        The report day (its whole day included).

    Returns
    -------
    ibis boolean column
        The test per lead.
    """
    end = ibis.literal(end_of(day).to_pydatetime())
    dated = t.converted_at.notnull() & (t.converted_at < end)
    return dated | (t.converted_at.isnull() & (t.status == "converted"))


def clean_value(col):
    """Return a column's values trimmed, an empty one as NULL (the ``unknown`` row).

    Parameters
    ----------
    col : ibis column
        Source, owner or origin values.

    Returns
    -------
    ibis string column
        The trimmed values; NULL for an empty one.
    """
    v = col.cast("string").strip()
    return ibis.ifelse(v == "", ibis.null("string"), v)


def _cohort(crm: CRM, p, day: pd.Timestamp, scope: Scope | None, dated: bool) -> ibis.Table:
    t = (scope or Scope()).filter(crm.table("leads"), "owner_id")
    if dated:
        return t.filter(in_period(t.created_at, p))
    # undated: every lead created up to as_of
    return t.filter(t.created_at < ibis.literal(end_of(day).to_pydatetime()))


def _config(conversion_config) -> dict:
    cfg = with_defaults(CONVERSION_CONFIG, conversion_config, "conversion_config")
    if cfg["rank_by"] not in ("ci_low", "conversion_rate"):
        raise ParamsError(f"`rank_by` {cfg['rank_by']!r} must be `ci_low` (the interval's lower "
                          "bound) or `conversion_rate`.")
    return cfg


def lead_conversion(crm: CRM, *, period, as_of=None, scope: Scope | None = None,
                    by: str = "source", top: int | None = None,
                    conversion_config: dict | None = None) -> pd.DataFrame:
    """Return the cohort conversion of the period's leads per source, owner or origin.

    Leads created in the period and their cohort conversion per source (owner, origin), with
    Wilson confidence intervals, ranked by the interval's lower bound (one query).

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        Leads created in it form the cohort (ignored when the leads have no dates).
    as_of : str or Timestamp, optional
        Conversions up to this day count. Default: the data's last event date.
    scope : Scope, optional
        Whose leads, by ``owner_id``; ``None`` = the whole company, unassigned leads included.
    by : {"source", "owner", "origin"}, default="source"
        What the rows are: the lead's ``source``, its ``owner`` or its ``origin``.
    top : int, optional
        Keep the ``top`` values with most leads; the others (two or more) are one ``other`` row,
        its interval computed on its pooled counts. The unknown row stays apart.
    conversion_config : dict, optional
        Overrides of :data:`CONVERSION_CONFIG` (``confidence``, ``rank_by``).

    Returns
    -------
    pandas.DataFrame
        ``value`` (the stored text; None on other and unknown rows), ``kind`` (``value``,
        ``other``, ``unknown``), ``leads``, ``converted`` (int), ``conversion_rate`` (ratio),
        ``ci_low`` / ``ci_high`` (Wilson interval, ratios), ``share`` (leads / all leads),
        ``rank`` (1 = best by ``rank_by`` among named values, ties share the smaller rank; NaN
        on other and unknown) and ``values`` (values the row holds). Rows: named values by
        rank (ties by leads, then value), other, unknown. ``attrs``: ``by``, ``period``,
        ``as_of``, ``dated``, ``confidence``, ``rank_by``, totals ``leads``, ``converted``,
        ``conversion_rate``, ``ci_low``, ``ci_high``; ``available`` False (with
        ``missing_table``) when the data has no ``leads``.

    Raises
    ------
    ParamsError
        Unknown ``by`` (with a did-you-mean), ``top`` below 1, a bad configuration or period.

    Examples
    --------
    >>> import crmlib
    >>> crm = crmlib.connect()
    >>> df = lead_conversion(crm, period="last_quarter")
    >>> list(df.columns[:5])
    ['value', 'kind', 'leads', 'converted', 'conversion_rate']
    """
    column = _check_by(by)
    _check_top(top)
    cfg = _config(conversion_config)
    p = as_period(crm, period, as_of=as_of)
    if not crm.has("leads"):
        return unavailable(CONVERSION_COLUMNS, "leads", dtype="float64", by=by, period=str(p))
    day = report_day(crm, as_of)
    dated = leads_dated(crm)
    t = _cohort(crm, p, day, scope, dated)
    g = t.mutate(_v=clean_value(t[column]), _conv=converted_by(t, day))
    df = g.group_by("_v").aggregate(leads=g.count(), converted=count_if(g._conv)).execute()
    df = df.rename(columns={"_v": "value"})
    df["value"] = df["value"].astype(object).where(df["value"].notna(), None)
    df["kind"] = ["unknown" if v is None else "value" for v in df["value"]]
    df[["leads", "converted"]] = df[["leads", "converted"]].fillna(0).astype("int64")
    df["values"] = 1
    df = _collapse(df.sort_values(["leads", "value"], ascending=[False, True], kind="stable",
                                  na_position="last"), top)
    df["conversion_rate"] = df["converted"] / df["leads"]
    df["ci_low"], df["ci_high"] = wilson_interval(df["converted"], df["leads"],
                                                  confidence=cfg["confidence"])
    total, conv = int(df["leads"].sum()), int(df["converted"].sum())
    df["share"] = df["leads"] / total if total else np.nan
    named = df["kind"] == "value"
    df["rank"] = df[cfg["rank_by"]].where(named).rank(method="min", ascending=False)
    df["_order"] = np.where(named, 0, np.where(df["kind"] == "other", 1, 2))
    df = df.sort_values(["_order", cfg["rank_by"], "leads", "value"],
                        ascending=[True, False, False, True], kind="stable")
    df = df[CONVERSION_COLUMNS].reset_index(drop=True)
    low, high = wilson_interval(conv, total, confidence=cfg["confidence"])
    df.attrs.update(by=by, period=str(p), as_of=day, dated=dated, available=True,
                    reason=None, missing_table=None, confidence=cfg["confidence"],
                    rank_by=cfg["rank_by"], leads=total, converted=conv,
                    conversion_rate=conv / total if total else math.nan,
                    ci_low=float(low), ci_high=float(high))
    return df


def _collapse(df: pd.DataFrame, top: int | None) -> pd.DataFrame:
    named, unknown = df[df["kind"] == "value"], df[df["kind"] == "unknown"]
    if top is not None and len(named) > top + 1:  # one value left over is shown by name
        rest = named.iloc[top:]
        other = pd.DataFrame([{"value": None, "kind": "other", "leads": int(rest["leads"].sum()),
                               "converted": int(rest["converted"].sum()),
                               "values": len(rest)}])
        named = pd.concat([named.iloc[:top], other], ignore_index=True)
    return pd.concat([named, unknown], ignore_index=True)


def leads_by_period(crm: CRM, *, period, as_of=None, scope: Scope | None = None) -> pd.DataFrame:
    """Return the leads created per bucket of the period and those converted.

    Leads created per bucket of the period and how many of them converted by ``as_of``
    (one query, through :func:`crmlib.engine.bucketed`).

    Returns
    -------
    pandas.DataFrame
        One row per bucket (empty ones with 0): ``bucket`` (first day), ``leads``,
        ``converted`` (int) and ``conversion_rate`` (converted / leads; NaN without leads).
        ``attrs``: ``period``, ``bucket``, ``as_of``, ``dated``, ``available`` (False with
        ``reason`` ``missing_table`` or ``undated``).

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.

    Examples
    --------
    >>> import crmlib
    >>> df = leads_by_period(crmlib.connect(), period="last_quarter")
    >>> list(df.columns)
    ['bucket', 'leads', 'converted', 'conversion_rate']
    """
    p = as_period(crm, period, as_of=as_of)
    cols = ["bucket", "leads", "converted", "conversion_rate"]
    if not crm.has("leads"):
        return unavailable(cols, "leads", dtype="float64", period=str(p), bucket=p.bucket)
    if not leads_dated(crm):
        return unavailable(cols, None, reason="undated", dtype="float64",
                           period=str(p), bucket=p.bucket, dated=False)
    day = report_day(crm, as_of)
    t = (scope or Scope()).filter(crm.table("leads"), "owner_id")
    t = t.mutate(_conv=ibis.ifelse(converted_by(t, day), 1, 0))
    df = bucketed(t, "created_at", p, amount="_conv").rename(
        columns={"count": "leads", "amount": "converted"})
    df["leads"] = df["leads"].astype("int64")
    df["converted"] = df["converted"].fillna(0).astype("int64")
    df["conversion_rate"] = df["converted"] / df["leads"].where(df["leads"] > 0)
    df.attrs.update(period=str(p), bucket=p.bucket, as_of=day, dated=True, available=True,
                    reason=None, missing_table=None)
    return df[cols]


def days_to_convert(crm: CRM, *, period, as_of=None, scope: Scope | None = None,
                    by: str = "source", top: int | None = None) -> pd.DataFrame:
    """Measure the days from creation to conversion of the period's leads converted by ``as_of``.

    Per source (owner, origin) and in total (one query).

    Returns
    -------
    pandas.DataFrame
        ``value``, ``kind`` (``value``, ``other``, ``unknown``, and ``total`` for the last
        row), ``converted`` (conversions with a date: the count behind the figures),
        ``mean_days``, ``median_days`` (NaN when ``converted`` is 0) and ``undated``
        (converted leads without ``converted_at``, not in the figures). Rows: by
        ``converted`` (most first), other (with ``top``: its figures over its own leads),
        unknown, total. ``attrs``: ``by``, ``period``, ``as_of``, ``available`` (False with
        ``reason`` ``missing_table`` or ``undated``).

    Parameters
    ----------
    crm : CRM
        The data.
    period : str, (start, end) or Period
        A preset name, a pair of ISO dates (both included) or a resolved Period.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    by : {"source", "owner", "origin"}, default="source"
        What the rows are: the lead's ``source``, its ``owner`` or its ``origin``.
    top : int, optional
        Rows kept before the rest are collapsed; None keeps every row.

    Raises
    ------
    ParamsError
        Unknown ``by`` or ``top`` below 1.
    """
    column = _check_by(by)
    _check_top(top)
    p = as_period(crm, period, as_of=as_of)
    if not crm.has("leads"):
        return unavailable(DAYS_COLUMNS, "leads", dtype="float64", by=by, period=str(p))
    if not leads_dated(crm):
        return unavailable(DAYS_COLUMNS, None, reason="undated", dtype="float64",
                           by=by, period=str(p), dated=False)
    day = report_day(crm, as_of)
    t = _cohort(crm, p, day, scope, True)
    t = t.filter(converted_by(t, day))
    raw = t.converted_at.date().delta(t.created_at.date(), unit="day")
    # GREATEST skips NULLs in DuckDB and PostgreSQL: keep an undated conversion NULL
    days = ibis.ifelse(raw.isnull(), ibis.null("int64"), ibis.greatest(raw, 0))
    t = t.mutate(_v=clean_value(t[column]), _days=days, _o=ibis.literal(0))
    if top is not None:  # the `top` values with most dated conversions; the rest pooled
        keep = (t.filter(t._v.notnull() & t._days.notnull()).group_by("_v")
                .aggregate(_n=ibis._.count()).order_by([ibis.desc("_n"), "_v"]).limit(top))
        other = t._v.notnull() & ~t._v.isin(keep._v)
        t = t.mutate(_v=ibis.ifelse(other, ibis.null("string"), t._v),
                     _o=ibis.ifelse(other, 1, 0))

    def aggs(x):
        return {"converted": x._days.count(), "mean_days": x._days.mean(),
                "median_days": x._days.median(), "undated": count_if(x._days.isnull())}

    grouped = t.group_by(["_v", "_o"]).aggregate(**aggs(t)).mutate(_total=ibis.literal(0))
    total = t.aggregate(**aggs(t)).mutate(_v=ibis.null("string"), _o=ibis.literal(0),
                                          _total=ibis.literal(1))
    df = grouped.union(total.select(*grouped.columns)).execute()
    df["value"] = df.pop("_v").astype(object)
    df["value"] = df["value"].where(df["value"].notna(), None)
    df["kind"] = np.select([df["_total"] == 1, df["_o"] == 1, df["value"].isna()],
                           ["total", "other", "unknown"], "value")
    df[["converted", "undated"]] = df[["converted", "undated"]].fillna(0).astype("int64")
    df["_order"] = df["kind"].map({"value": 0, "other": 1, "unknown": 2, "total": 3})
    df = df.sort_values(["_order", "converted", "value"], ascending=[True, False, True],
                        kind="stable")
    df = df[DAYS_COLUMNS].astype({"mean_days": "float64", "median_days": "float64"})
    df = df.reset_index(drop=True)
    df.attrs.update(by=by, period=str(p), as_of=day, dated=True, available=True, reason=None,
                    missing_table=None)
    return df
