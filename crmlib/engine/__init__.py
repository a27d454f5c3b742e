"""The engine room: query machinery that every topic shares.

Metrics, customer value, forecasts, data quality, lead scoring and dashboards build their
figures from these pieces instead of each writing its own:

- :mod:`crmlib.engine.dates` -- report days, period arguments, windows in the engine;
- :mod:`crmlib.engine.records` -- which rows count (effective contracts, live customers);
- :mod:`crmlib.engine.grouping` -- buckets, window aggregates, cross tables;
- :mod:`crmlib.engine.frames` -- the one "not available" frame and how to read it;
- :mod:`crmlib.engine.options` -- parameter checks with messages that name the parameter;
- :mod:`crmlib.engine.measures` -- amounts (missing ones counted, never summed as 0), ratios, days;
- :mod:`crmlib.engine.opportunities` -- opportunities with their outcome, open at a day, stages;
- :mod:`crmlib.engine.targets` -- the one lookup of a scope's target for a period and metric.

Everything here is public and documented; ``from crmlib import engine`` gives all of it.
Definitions of the figures themselves are in ``docs/metrics.md``.
"""

from crmlib.engine import (  # noqa: I001
    dates, frames, grouping, measures, opportunities, options, records, targets)
from crmlib.engine.dates import *  # noqa: F403
from crmlib.engine.frames import *  # noqa: F403
from crmlib.engine.grouping import *  # noqa: F403
from crmlib.engine.measures import *  # noqa: F403
from crmlib.engine.opportunities import *  # noqa: F403
from crmlib.engine.options import *  # noqa: F403
from crmlib.engine.records import *  # noqa: F403
from crmlib.engine.targets import *  # noqa: F403

__all__ = [*dates.__all__, *frames.__all__, *grouping.__all__, *measures.__all__,
           *opportunities.__all__, *options.__all__, *records.__all__, *targets.__all__]
