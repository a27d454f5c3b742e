"""Customer lifetime value: purchase summaries, BG/NBD, Gamma-Gamma, CLV and a holdout check.

The chain, each step one call::

    s = clv.crm_purchase_summary(crm, as_of="2026-10-31", unit_days=7)   # in the engine
    bg = clv.fit_bgnbd(s["frequency"], s["recency"], s["T"])             # purchases, P(alive)
    gg = clv.fit_gamma_gamma(s["frequency"], s["monetary_value"])        # spend per purchase
    v = clv.customer_lifetime_value(bg, gg, s, horizon=365, discount_rate=0.1)

and, to judge the purchase model, a summary with ``calibration_end`` and
:func:`holdout_check`. Definitions: :mod:`crmlib.clv.summary` (the summary),
:mod:`crmlib.clv.bgnbd`, :mod:`crmlib.clv.gamma_gamma`, :mod:`crmlib.clv.lifetime` (CLV, and
:func:`customer_value` for a report scope), :mod:`crmlib.clv.holdout` (the holdout check);
:mod:`crmlib.clv.fitting` holds the fitting machinery the two models share. The aggregation
runs in the database; the models run in Python on one row per customer.
"""

from crmlib.clv.bgnbd import BetaGeoModel, bgnbd_log_likelihood, fit_bgnbd
from crmlib.clv.fitting import ConvergenceWarning, NotFittedError
from crmlib.clv.gamma_gamma import (
    GAMMA_GAMMA_CORRELATION_WARNING,
    GammaGammaModel,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
)
from crmlib.clv.holdout import crm_holdout_check, holdout_check
from crmlib.clv.lifetime import DAYS_PER_YEAR, customer_lifetime_value, customer_value
from crmlib.clv.summary import (
    HOLDOUT_COLUMNS,
    SUMMARY_COLUMNS,
    crm_purchase_summary,
    purchase_summary,
)

__all__ = ["ConvergenceWarning", "NotFittedError", "SUMMARY_COLUMNS", "HOLDOUT_COLUMNS",
           "purchase_summary", "crm_purchase_summary", "BetaGeoModel", "fit_bgnbd",
           "bgnbd_log_likelihood", "GAMMA_GAMMA_CORRELATION_WARNING", "GammaGammaModel",
           "fit_gamma_gamma", "gamma_gamma_log_likelihood", "DAYS_PER_YEAR",
           "customer_lifetime_value", "holdout_check", "customer_value", "crm_holdout_check"]
