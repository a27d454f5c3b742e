"""The metric functions give the same numbers on PostgreSQL as on DuckDB (a small demo in both)."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

import crmlib
from crmlib import metrics
from crmlib.data import store
from crmlib.demo import generate
from crmlib.scope import resolve_scope

PERIOD = ("2026-07-01", "2026-09-30")
AS_OF = "2026-10-31"

CALLS = {
    "sales_brief": lambda c, s: metrics.sales_brief(c, period=PERIOD, scope=s),
    "data_summary": lambda c, s: metrics.data_summary(c, period=PERIOD, as_of=AS_OF, scope=s),
    "win_rate": lambda c, s: metrics.win_rate(c, period=PERIOD, by="team"),
    "ordered_funnel": lambda c, s: metrics.ordered_funnel(c, period=PERIOD, scope=s),
    "pipeline_snapshot": lambda c, s: metrics.pipeline_snapshot(c, period=PERIOD, as_of=AS_OF,
                                                                scope=s),
    "leaderboard": lambda c, s: metrics.leaderboard(c, metric="contract_amount", period=PERIOD),
    "target_vs_actual": lambda c, s: metrics.target_vs_actual(c, period=PERIOD, scope=s),
    "monthly_performance": lambda c, s: metrics.monthly_performance(c, period=PERIOD, scope=s),
    "contract_summary": lambda c, s: metrics.contract_summary(c, period=PERIOD, as_of=AS_OF,
                                                              scope=s),
    "forgotten_counts": lambda c, s: metrics.forgotten_counts(c, as_of=AS_OF, scope=s),
    "customer_trend": lambda c, s: metrics.customer_trend(c, period=PERIOD, as_of=AS_OF, scope=s),
    "customer_portrait": lambda c, s: metrics.customer_portrait(c, dimension="province",
                                                                period=PERIOD, as_of=AS_OF),
    "product_sales": lambda c, s: metrics.product_sales(c, period=PERIOD, scope=s),
    "followup_activity": lambda c, s: metrics.followup_activity(c, period=PERIOD, scope=s),
}


@pytest.fixture(scope="module")
def both(pg_url):
    from helpers import fresh_pg

    frames = generate(lines=1500, seed=5)
    duck = ibis.duckdb.connect()
    pg = fresh_pg(pg_url)
    for con in (duck, pg):
        for name, df in frames.items():
            store.upsert(con, name, df)
    return crmlib.connect(duck), crmlib.connect(pg)


@pytest.mark.parametrize("name", list(CALLS))
def test_same_numbers_on_both_engines(both, name):
    duck, pg = both
    scope = resolve_scope(duck, team="east")
    a, b = CALLS[name](duck, scope), CALLS[name](pg, scope)
    assert len(a) > 0
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    cols = [c for c in a.columns if a[c].dtype != object or c in ("metric", "stage", "team")]
    key = [c for c in a.columns if a[c].dtype == object and a[c].notna().all()]
    if key:
        a, b = a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[cols], b[cols], check_dtype=False, rtol=1e-9, obj=name)
