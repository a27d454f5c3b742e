"""Metrics: each figure of a report, as one tested function over the engine's tables.

Functions take a :class:`crmlib.CRM` (or tables) first and keyword-only period, scope and
options; they build their aggregation as ibis expressions, run it in the database, and return
pandas frames. They do no I/O beyond the query and never print.
"""

from crmlib.metrics.brief import BRIEF_METRICS, brief_trend, data_summary, sales_brief

__all__ = ["BRIEF_METRICS", "sales_brief", "brief_trend", "data_summary"]
