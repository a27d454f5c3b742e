"""The metric functions give the same numbers on Apache Spark (local mode) as on DuckDB.

The test demo (``.test-data/crm.duckdb``) is copied into a local Spark session as temporary
views; one session serves the module (its JVM start-up is most of the cost).
"""

from __future__ import annotations

import pandas as pd
import pytest

import crmlib
from crmlib import metrics
from crmlib.data import spark as crm_spark
from crmlib.data.spark_load import load_tables
from crmlib.scope import resolve_scope

PERIOD = ("2026-07-01", "2026-09-30")
AS_OF = "2026-10-31"

CALLS = {
    "sales_brief": lambda c, s: metrics.sales_brief(c, period=PERIOD, scope=s),
    "data_summary": lambda c, s: metrics.data_summary(c, period=PERIOD, as_of=AS_OF, scope=s),
    "ordered_funnel": lambda c, s: metrics.ordered_funnel(c, period=PERIOD, scope=s),
    "win_rate": lambda c, s: metrics.win_rate(c, period=PERIOD, by="team"),
    "leaderboard": lambda c, s: metrics.leaderboard(c, metric="contract_amount", period=PERIOD),
    "target_vs_actual": lambda c, s: metrics.target_vs_actual(c, period=PERIOD, scope=s),
    "monthly_performance": lambda c, s: metrics.monthly_performance(c, period=PERIOD, scope=s),
    "forgotten_counts": lambda c, s: metrics.forgotten_counts(c, as_of=AS_OF, scope=s),
    "customer_portrait": lambda c, s: metrics.customer_portrait(c, dimension="province",
                                                                period=PERIOD, as_of=AS_OF),
    "product_sales": lambda c, s: metrics.product_sales(c, period=PERIOD, scope=s),
    "rfm": lambda c, s: metrics.rfm(c, as_of=AS_OF),
}


@pytest.fixture(scope="module")
def engines():
    """(DuckDB CRM, Spark CRM) over the same test demo."""
    if not crm_spark.java_available():
        pytest.fail("Java is missing: Spark needs Java 17+ (Debian: apt-get install "
                    "openjdk-17-jre-headless). CI has it; this is a setup problem.")
    spark = crm_spark.session("local[2]", conf={"spark.sql.shuffle.partitions": "2"})
    duck = crmlib.connect()
    load_tables(spark, duck)
    yield duck, crmlib.connect(spark)
    spark.stop()


@pytest.mark.parametrize("name", list(CALLS))
def test_same_numbers_on_spark(engines, name):
    duck, sp = engines
    a = CALLS[name](duck, resolve_scope(duck, team="east")).reset_index(drop=True)
    b = CALLS[name](sp, resolve_scope(sp, team="east")).reset_index(drop=True)
    assert len(a) > 0
    key = [c for c in a.columns if a[c].dtype == object and a[c].notna().all()]
    if key:
        a, b = a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9, obj=name)


def test_spark_url_reuses_the_session(engines):
    duck, _ = engines
    crm = crmlib.connect("spark://local[2]")  # the running session: its views are the tables
    assert crm.description == "Spark local[2]"
    n = crm.table("contracts").count().execute()
    assert n == duck.table("contracts").count().execute() > 0


def test_spark_url_errors():
    with pytest.raises(crmlib.CRMError, match="unknown option"):
        crmlib.connect("spark://local[2]?warehouse=x")
    with pytest.raises(crmlib.CRMError, match="name a master"):
        crmlib.connect("spark://")
