"""crmlib: CRM analytics on your sales data (reports, dashboards, models).

>>> import crmlib
>>> crm = crmlib.connect()            # the embedded demo database   # doctest: +SKIP
>>> crm.table("contracts").count().execute()                         # doctest: +SKIP
"""

from crmlib.context import ReportContext, open_report
from crmlib.data.connect import CRM, connect
from crmlib.exceptions import CRMDataError, CRMError, ParamsError

__version__ = "0.1.0"
__all__ = ["CRM", "connect", "open_report", "ReportContext", "CRMError", "CRMDataError", "ParamsError", "__version__"]
