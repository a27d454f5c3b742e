"""Data layer: the data contract, connections and the importer (the demo generator is crmlib.demo).

The only part of crmlib that reads sources. Everything above it receives ibis tables from
:func:`connect` and returns pandas frames.
"""

from crmlib.data.connect import CRM, connect, from_frames, stage_outcome
from crmlib.data.schema import TABLES, table_spec

__all__ = ["CRM", "connect", "from_frames", "stage_outcome", "TABLES", "table_spec"]
