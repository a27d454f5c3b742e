"""Metrics: each figure of a report, as one tested function over the engine's tables.

Functions take a :class:`crmlib.CRM` first and keyword-only period, scope and options; they build
their aggregation as ibis expressions, run it in the database, and return pandas frames. They do
no I/O beyond the query and never print. One module per topic (the shared query machinery is in
:mod:`crmlib.engine`); every topic's names are re-exported here, so notebooks read
``metrics.win_rate(...)``. Definitions of the figures are in ``docs/metrics.md``.
"""

from crmlib.metrics import (
    after_sales,
    brief,
    calibration,
    contract_money,
    customer_cycle,
    customer_pool,
    customers,
    followup_counts,
    followups,
    funnel,
    lead_campaigns,
    leaderboards,
    leads,
    lifecycle_stages,
    open_pipeline,
    opportunities,
    performance,
    pipeline,
    portrait,
    products,
    rfm_scores,
    rfm_segments,
    target_outlook,
    targets,
    unusual_returns,
    visit_scores,
)
from crmlib.metrics.after_sales import *  # noqa: F403
from crmlib.metrics.brief import *  # noqa: F403
from crmlib.metrics.calibration import *  # noqa: F403
from crmlib.metrics.contract_money import *  # noqa: F403
from crmlib.metrics.customer_cycle import *  # noqa: F403
from crmlib.metrics.customer_pool import *  # noqa: F403
from crmlib.metrics.customers import *  # noqa: F403
from crmlib.metrics.followup_counts import *  # noqa: F403
from crmlib.metrics.followups import *  # noqa: F403
from crmlib.metrics.funnel import *  # noqa: F403
from crmlib.metrics.lead_campaigns import *  # noqa: F403
from crmlib.metrics.leaderboards import *  # noqa: F403
from crmlib.metrics.leads import *  # noqa: F403
from crmlib.metrics.lifecycle_stages import *  # noqa: F403
from crmlib.metrics.open_pipeline import *  # noqa: F403
from crmlib.metrics.opportunities import *  # noqa: F403
from crmlib.metrics.performance import *  # noqa: F403
from crmlib.metrics.pipeline import *  # noqa: F403
from crmlib.metrics.portrait import *  # noqa: F403
from crmlib.metrics.products import *  # noqa: F403
from crmlib.metrics.rfm_scores import *  # noqa: F403
from crmlib.metrics.rfm_segments import *  # noqa: F403
from crmlib.metrics.target_outlook import *  # noqa: F403
from crmlib.metrics.targets import *  # noqa: F403
from crmlib.metrics.unusual_returns import *  # noqa: F403
from crmlib.metrics.visit_scores import *  # noqa: F403

# the topics' names; customer_groups and product_lines are building blocks of their topics
__all__ = list(dict.fromkeys(name for module in (
    after_sales, brief, calibration, contract_money, customer_cycle, customer_pool, customers,
    followup_counts, followups, funnel, lead_campaigns, leaderboards, leads, lifecycle_stages,
    open_pipeline, opportunities, performance, pipeline, portrait, products, rfm_scores,
    rfm_segments, target_outlook, targets, unusual_returns, visit_scores,
) for name in module.__all__))
