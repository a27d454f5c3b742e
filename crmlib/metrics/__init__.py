"""Metrics: each figure of a report, as one tested function over the engine's tables.

Functions take a :class:`crmlib.CRM` first and keyword-only period, scope and options; they build
their aggregation as ibis expressions, run it in the database, and return pandas frames. They do
no I/O beyond the query and never print. One module per topic; everything is re-exported here, so
notebooks read ``metrics.win_rate(...)``.
"""

from crmlib.metrics import (
    after_sales,
    brief,
    customers,
    followups,
    funnel,
    leaderboards,
    leads,
    lifecycle_stages,
    opportunities,
    performance,
    pipeline,
    portrait,
    products,
    rfm_scores,
    targets,
    value,
)
from crmlib.metrics.after_sales import *  # noqa: F403
from crmlib.metrics.brief import *  # noqa: F403
from crmlib.metrics.customers import *  # noqa: F403
from crmlib.metrics.followups import *  # noqa: F403
from crmlib.metrics.funnel import *  # noqa: F403
from crmlib.metrics.leaderboards import *  # noqa: F403
from crmlib.metrics.leads import *  # noqa: F403
from crmlib.metrics.lifecycle_stages import *  # noqa: F403
from crmlib.metrics.opportunities import *  # noqa: F403
from crmlib.metrics.performance import *  # noqa: F403
from crmlib.metrics.pipeline import *  # noqa: F403
from crmlib.metrics.portrait import *  # noqa: F403
from crmlib.metrics.products import *  # noqa: F403
from crmlib.metrics.rfm_scores import *  # noqa: F403
from crmlib.metrics.targets import *  # noqa: F403
from crmlib.metrics.value import *  # noqa: F403

__all__ = [*brief.__all__, *customers.__all__, *followups.__all__, *funnel.__all__,
           *leaderboards.__all__, *opportunities.__all__, *performance.__all__, *portrait.__all__, *products.__all__,
           *rfm_scores.__all__, *lifecycle_stages.__all__, *targets.__all__, *value.__all__, *pipeline.__all__,
           *leads.__all__, *after_sales.__all__]
