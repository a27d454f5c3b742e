"""Data quality: duplicates, missing / invalid / orphan / stale records, import rejects, scores.

Pure functions (tables in, pandas out; counting in the engine, name folding in Python); the
``crm quality`` command writes their frames as CSV files and ``crm merge``
(:mod:`crmlib.data.merge`) applies reviewed merges. Notebooks read ``quality.duplicate_pairs(...)``.
"""

from crmlib.quality import (
    checks,
    clusters,
    duplicates,
    normalize,
    overview,
    phones_emails,
    rejects,
    score,
    similarity,
)
from crmlib.quality.checks import *  # noqa: F403
from crmlib.quality.clusters import *  # noqa: F403
from crmlib.quality.duplicates import *  # noqa: F403
from crmlib.quality.normalize import *  # noqa: F403
from crmlib.quality.overview import *  # noqa: F403
from crmlib.quality.phones_emails import *  # noqa: F403
from crmlib.quality.rejects import *  # noqa: F403
from crmlib.quality.score import *  # noqa: F403
from crmlib.quality.similarity import *  # noqa: F403

__all__ = [*checks.__all__, *clusters.__all__, *duplicates.__all__, *normalize.__all__,
           *overview.__all__, *phones_emails.__all__, *rejects.__all__, *score.__all__,
           *similarity.__all__]
