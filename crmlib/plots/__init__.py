"""Charts and report tables, one module per topic; ``from crmlib import plots`` gives them all.

One convention for every module: a chart takes the metric's frame first and keyword-only
options (``lang=``, ``title=``, ``ax=``) and returns a matplotlib ``Figure`` (the figure of the
given ``ax``, when one is given); a frame that is empty or not available
(:func:`crmlib.engine.is_available`) gives a figure saying so (:func:`not_available_figure`),
never None. A table takes the frame and the report context (or a language) and returns HTML with
a plain-text form (:class:`crmlib.display.HTMLText`) built by :func:`crmlib.display.rows_table`.
Shared helpers are in :mod:`crmlib.plots.style`; :func:`set_theme` configures fonts once for
both languages. Public names are unique across the modules.
"""

from crmlib.plots import (
    after_sales,
    after_sales_tables,
    base,
    clv_churn,
    customer_tables,
    customers,
    followups,
    forecast_charts,
    funnel,
    funnel_tables,
    lead_tables,
    leaderboards,
    leads,
    performance,
    pipeline,
    pipeline_tables,
    portrait,
    products,
    quality,
    rfm_lifecycle,
    style,
    target_tables,
    targets,
)
from crmlib.plots.after_sales import *  # noqa: F403
from crmlib.plots.after_sales_tables import *  # noqa: F403
from crmlib.plots.base import *  # noqa: F403
from crmlib.plots.clv_churn import *  # noqa: F403
from crmlib.plots.customer_tables import *  # noqa: F403
from crmlib.plots.customers import *  # noqa: F403
from crmlib.plots.followups import *  # noqa: F403
from crmlib.plots.forecast_charts import *  # noqa: F403
from crmlib.plots.funnel import *  # noqa: F403
from crmlib.plots.funnel_tables import *  # noqa: F403
from crmlib.plots.lead_tables import *  # noqa: F403
from crmlib.plots.leaderboards import *  # noqa: F403
from crmlib.plots.leads import *  # noqa: F403
from crmlib.plots.performance import *  # noqa: F403
from crmlib.plots.pipeline import *  # noqa: F403
from crmlib.plots.pipeline_tables import *  # noqa: F403
from crmlib.plots.portrait import *  # noqa: F403
from crmlib.plots.products import *  # noqa: F403
from crmlib.plots.quality import *  # noqa: F403
from crmlib.plots.rfm_lifecycle import *  # noqa: F403
from crmlib.plots.style import *  # noqa: F403
from crmlib.plots.target_tables import *  # noqa: F403
from crmlib.plots.targets import *  # noqa: F403

MODULES = (after_sales, after_sales_tables, base, clv_churn, customer_tables, customers,
           followups, forecast_charts, funnel, funnel_tables, lead_tables, leaderboards, leads,
           performance, pipeline, pipeline_tables, portrait, products, quality, rfm_lifecycle,
           style, target_tables, targets)

__all__ = [name for module in MODULES for name in module.__all__]
