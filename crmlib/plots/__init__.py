"""Charts for reports and dashboards (seaborn), one module per topic.

Every plotting function takes a pandas frame from a metric function and returns the matplotlib
``Axes`` (or a ``Figure`` for small multiples); nothing here computes a figure or shows a plot.
:func:`set_theme` configures fonts once for both languages.
"""

from crmlib.plots import (
    after_sales,
    base,
    customers,
    followups,
    funnel,
    leaderboards,
    performance,
    pipeline,
    portrait,
    products,
    targets,
    value,
)
from crmlib.plots.after_sales import *  # noqa: F403
from crmlib.plots.base import *  # noqa: F403
from crmlib.plots.customers import *  # noqa: F403
from crmlib.plots.followups import *  # noqa: F403
from crmlib.plots.funnel import *  # noqa: F403
from crmlib.plots.leaderboards import *  # noqa: F403
from crmlib.plots.performance import *  # noqa: F403
from crmlib.plots.pipeline import *  # noqa: F403
from crmlib.plots.portrait import *  # noqa: F403
from crmlib.plots.products import *  # noqa: F403
from crmlib.plots.targets import *  # noqa: F403
from crmlib.plots.value import *  # noqa: F403

__all__ = [*base.__all__, *customers.__all__, *followups.__all__, *funnel.__all__,
           *leaderboards.__all__, *performance.__all__, *portrait.__all__, *products.__all__,
           *targets.__all__, *pipeline.__all__, *value.__all__, *after_sales.__all__]
