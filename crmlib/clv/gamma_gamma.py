"""Gamma-Gamma model of the spend per purchase, fit by maximum likelihood.

Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-value Curves for Customer Base Analysis",
and Fader & Hardie's note "The Gamma-Gamma Model of Monetary Value". A customer's purchases are
worth z ~ Gamma(p, nu) each, and nu ~ Gamma(q, v) across customers (v is the paper's gamma).
A customer is summarised by x (repeat purchases) and m = z-bar (their mean amount). The
log-likelihood of one customer with x > 0::

    ln f = ln G(px+q) - ln G(px) - ln G(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(xm+v)

The conditional expected spend per purchase is ``p (v + x m) / (p x + q - 1)``: a weighted mean
of the population mean ``p v / (q - 1)`` and the customer's own m, with weight px/(px+q-1) on m.
For x = 0 it is the population mean. The model assumes the spend per purchase independent of
the number of purchases; :meth:`GammaGammaModel.fit` warns when they are strongly correlated.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import gammaln, psi

from crmlib.clv.fitting import as_arrays, check_fitted, maximize_log_likelihood, user_stacklevel
from crmlib.exceptions import CRMDataError

__all__ = ["GAMMA_GAMMA_CORRELATION_WARNING", "GammaGammaModel", "fit_gamma_gamma",
           "gamma_gamma_log_likelihood"]

PARAMS = ["p", "q", "v"]
# |Pearson correlation| between frequency and monetary value (repeat buyers) above which the fit
# warns that the independence assumption looks broken (lifetimes' documentation checks this).
GAMMA_GAMMA_CORRELATION_WARNING = 0.3


def _loglik(params, x, m, *, gradient: bool = False):
    p, q, v = params
    px = p * x
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m)
          + px * np.log(x) - (px + q) * np.log(x * m + v))
    if not gradient:
        return ll
    d_p = x * (psi(px + q) - psi(px) + np.log(m) + np.log(x) - np.log(x * m + v))
    d_q = psi(px + q) - psi(q) + np.log(v) - np.log(x * m + v)
    d_v = q / v - (px + q) / (x * m + v)
    return ll, np.stack([d_p, d_q, d_v])


def gamma_gamma_log_likelihood(params: dict, frequency, monetary_value) -> np.ndarray:
    """Return the per-customer Gamma-Gamma log-likelihood at ``params``.

    Parameters
    ----------
    params : dict
        ``p``, ``q``, ``v``.
    frequency, monetary_value : array-like
        x and m per customer, both > 0.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.

    Raises
    ------
    CRMDataError
        Columns of different lengths or missing / negative values.
    """
    x, m = as_arrays(frequency=frequency, monetary_value=monetary_value)
    return _loglik([params[k] for k in PARAMS], x, m)


class GammaGammaModel:
    """The Gamma-Gamma spend model with scikit-learn's contract (``fit`` returns self).

    Parameters
    ----------
    max_iter : int, default=1000
        Iteration limit of the BFGS optimiser.
    correlation_warning : float, default=GAMMA_GAMMA_CORRELATION_WARNING (0.3)
        Warn when |Pearson correlation| of frequency and monetary value among the repeat
        buyers exceeds it.

    Attributes
    ----------
    params_ : dict
        ``p`` (shape of the spend per purchase), ``q`` and ``v`` (shape and rate of its
        Gamma-distributed rate across customers; ``v`` in the amount's unit).
    log_likelihood_ : float
        The maximised log-likelihood (sum over the customers used).
    n_customers_ : int
        Customers used: those with frequency > 0 and monetary value > 0.
    correlation_ : float
        Pearson correlation of frequency and monetary value among them (NaN for fewer than 2).

    Examples
    --------
    >>> import crmlib
    >>> from crmlib.clv import crm_purchase_summary
    >>> s = crm_purchase_summary(crmlib.connect(), as_of="2026-10-31")
    >>> gg = GammaGammaModel().fit(s["frequency"], s["monetary_value"])
    >>> sorted(gg.params_)
    ['p', 'q', 'v']
    """

    def __init__(self, *, max_iter: int = 1000,
                 correlation_warning: float = GAMMA_GAMMA_CORRELATION_WARNING):
        self.max_iter = max_iter
        self.correlation_warning = correlation_warning

    def fit(self, frequency, monetary_value) -> GammaGammaModel:
        """Fit on the customers with frequency > 0; the others are ignored.

        ``monetary_value`` is the mean amount of the repeat purchases (``purchase_summary``).
        Customers with frequency 0 carry no spend information beyond the first purchase, which
        the summary leaves out; repeat buyers whose mean is 0 (zero-amount purchases) cannot
        come from a Gamma distribution and are ignored too, with a warning.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases x per customer.
        monetary_value : array-like
            m: the mean amount of the repeat purchases (``purchase_summary``).

        Returns
        -------
        GammaGammaModel
            ``self``, with ``params_``, ``log_likelihood_``, ``correlation_``,
            ``n_customers_``, ``n_iter_``.

        Raises
        ------
        CRMDataError
            Columns of different lengths, missing or negative values, or no repeat buyer.
        """
        x, m = as_arrays(frequency=frequency, monetary_value=monetary_value)
        repeat = x > 0
        zero = repeat & (m == 0)
        if zero.any():
            warnings.warn(f"{int(zero.sum())} repeat buyers have a mean spend of 0 and are left "
                          "out of the Gamma-Gamma fit (a Gamma spend is positive).",
                          UserWarning, stacklevel=user_stacklevel())
        keep = repeat & ~zero
        x, m = x[keep], m[keep]
        n = len(x)
        if n == 0:
            raise CRMDataError("no customer has a repeat purchase with a positive amount; the "
                               "Gamma-Gamma model needs repeat buyers (frequency > 0).")
        self.correlation_ = float(np.corrcoef(x, m)[0, 1]) if n > 1 and np.ptp(x) and np.ptp(
            m) else float("nan")
        if abs(self.correlation_) > self.correlation_warning:
            warnings.warn(f"frequency and monetary value are correlated (Pearson "
                          f"{self.correlation_:.2f} over {n} repeat buyers): the Gamma-Gamma "
                          "model assumes they are independent, so its spends may be biased.",
                          UserWarning, stacklevel=user_stacklevel())

        def fun(log_params):
            p = np.exp(log_params)
            ll, grad = _loglik(p, x, m, gradient=True)
            return -ll.sum() / n, -(grad.sum(axis=1) / n) * p

        self.params_, self.log_likelihood_, res = maximize_log_likelihood(
            fun, PARAMS, n, max_iter=self.max_iter, what="Gamma-Gamma")
        self.n_customers_, self.n_iter_ = n, int(res.nit)
        if self.params_["q"] <= 1:
            warnings.warn(f"Gamma-Gamma q = {self.params_['q']:.3g} <= 1: the population mean "
                          "spend p v / (q - 1) is undefined, so spends of customers without a "
                          "repeat purchase are not meaningful.", UserWarning,
                          stacklevel=user_stacklevel())
        return self

    def log_likelihood(self, frequency, monetary_value) -> np.ndarray:
        """Return the per-customer log-likelihood at the fitted parameters.

        Parameters
        ----------
        frequency, monetary_value : array-like
            x and m per customer, both > 0.

        Returns
        -------
        numpy.ndarray
            One log-likelihood per customer.

        Raises
        ------
        NotFittedError
            The model is not fitted.
        """
        check_fitted(self)
        return gamma_gamma_log_likelihood(self.params_, frequency, monetary_value)

    def expected_spend(self, frequency, monetary_value):
        """Return the conditional expected spend per purchase, ``p (v + x m) / (p x + q - 1)``.

        For frequency 0 this is the population mean ``p v / (q - 1)``.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases x per customer.
        monetary_value : array-like
            m: the mean amount of the repeat purchases (``purchase_summary``).

        Returns
        -------
        numpy.ndarray or float
            Spend per purchase in the amount's unit; a float for scalar inputs.

        Raises
        ------
        NotFittedError
            The model is not fitted.
        """
        check_fitted(self)
        p, q, v = (self.params_[k] for k in PARAMS)
        x = np.asarray(frequency, dtype="float64")
        m = np.where(x > 0, np.asarray(monetary_value, dtype="float64"), 0.0)
        out = p * (v + x * m) / (p * x + q - 1)
        return float(out) if np.ndim(out) == 0 else out

    def __repr__(self) -> str:
        """Return the model with its fitted parameters, e.g. ``GammaGammaModel(p=6.25, ...)``."""
        if not hasattr(self, "params_"):
            return "GammaGammaModel()"
        return "GammaGammaModel(" + ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items()) + ")"


def fit_gamma_gamma(frequency, monetary_value, *, max_iter: int = 1000) -> GammaGammaModel:
    """Fit a :class:`GammaGammaModel` on the repeat buyers among the customers given.

    Parameters
    ----------
    frequency, monetary_value : array-like
        x and m per customer (:func:`~crmlib.clv.purchase_summary`).
    max_iter : int, default=1000
        Iteration limit of the BFGS optimiser.

    Returns
    -------
    GammaGammaModel
        The fitted model.

    Raises
    ------
    CRMDataError
        As :meth:`GammaGammaModel.fit`.

    Examples
    --------
    >>> import crmlib
    >>> from crmlib.clv import crm_purchase_summary
    >>> s = crm_purchase_summary(crmlib.connect(), as_of="2026-10-31")
    >>> gg = fit_gamma_gamma(s["frequency"], s["monetary_value"])
    >>> gg.n_customers_ == int((s["frequency"] > 0).sum())
    True
    """
    return GammaGammaModel(max_iter=max_iter).fit(frequency, monetary_value)
