"""Customer lifetime value: purchase summaries, BG/NBD, Gamma-Gamma, CLV and a holdout check.

The chain, each step one call::

    s = clv.crm_purchase_summary(crm, as_of="2026-10-31", unit_days=7)   # in the engine
    bg = clv.fit_bgnbd(s["frequency"], s["recency"], s["T"])             # purchases, P(alive)
    gg = clv.fit_gamma_gamma(s["frequency"], s["monetary_value"])        # spend per purchase
    v = clv.customer_lifetime_value(bg, gg, s, horizon=365, discount_rate=0.1)

and, to judge the purchase model, a summary with ``calibration_end`` and
:func:`holdout_check`. Definitions: :mod:`crmlib.clv.summary` (the summary),
:mod:`crmlib.clv.bgnbd`, :mod:`crmlib.clv.gamma_gamma`, :mod:`crmlib.clv.value` (CLV, holdout).
The aggregation runs in the database; the models run in Python on one row per customer.
"""

from crmlib.clv import bgnbd, gamma_gamma, report, summary, value
from crmlib.clv._fit import ConvergenceWarning, NotFittedError
from crmlib.clv.bgnbd import *  # noqa: F403
from crmlib.clv.gamma_gamma import *  # noqa: F403
from crmlib.clv.report import *  # noqa: F403
from crmlib.clv.summary import *  # noqa: F403
from crmlib.clv.value import *  # noqa: F403

__all__ = ["ConvergenceWarning", "NotFittedError", *summary.__all__, *bgnbd.__all__,
           *gamma_gamma.__all__, *value.__all__, *report.__all__]
