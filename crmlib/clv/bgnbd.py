"""BG/NBD (beta-geometric / negative binomial) purchase model, fit by maximum likelihood.

Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way". While alive, a customer buys
as a Poisson process of rate lambda ~ Gamma(r, alpha) (shape r, rate alpha); after every repeat
purchase they drop out for good with probability p ~ Beta(a, b). A customer is summarised by
x (repeat purchases), t_x (time of the last one since the first purchase) and T (time since
the first purchase); see :mod:`crmlib.clv.summary`. Times are in the summary's unit
(``unit_days``), and so are the ``alpha`` parameter (a rate per unit) and ``t`` of predictions.

Log-likelihood of one customer (eq. 6 of the paper, written on the log scale)::

    ln L = ln G(r+x) - ln G(r) + r ln(alpha) + ln B(a, b+x) - ln B(a, b)
           + ln[ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ]

with the last term by ``logaddexp``. The fit maximises the sum over customers on the log of the
four parameters (all positive) with BFGS and the analytic gradient, starting from r = alpha =
a = b = 1, and warns (:class:`~crmlib.clv.ConvergenceWarning`) when the gradient test fails.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, psi

from crmlib.clv.fitting import (
    as_arrays,
    check_fitted,
    check_rfm,
    maximize_log_likelihood,
    user_stacklevel,
)
from crmlib.exceptions import CRMDataError

__all__ = ["BetaGeoModel", "fit_bgnbd", "bgnbd_log_likelihood"]

PARAMS = ["r", "alpha", "a", "b"]


def _loglik(params, x, t_x, T, *, gradient: bool = False):
    r, alpha, a, b = params
    pos = x > 0
    bx1 = np.where(pos, b + x - 1, 1.0)  # only used where x > 0
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(pos, np.log(a) - np.log(bx1) - (r + x) * np.log(alpha + t_x), -np.inf)
    mix = np.logaddexp(a3, a4)
    ll = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
          + betaln(a, b + x) - betaln(a, b) + mix)
    if not gradient:
        return ll
    w = np.exp(a4 - mix)  # share of the "dropped out at t_x" branch; 0 when x = 0
    d_r = psi(r + x) - psi(r) + np.log(alpha) - (1 - w) * np.log(alpha + T) - w * np.log(
        alpha + t_x)
    d_alpha = r / alpha - (r + x) * ((1 - w) / (alpha + T) + w / (alpha + t_x))
    d_a = psi(a + b) - psi(a + b + x) + w / a
    d_b = psi(b + x) - psi(a + b + x) - psi(b) + psi(a + b) - w / bx1
    return ll, np.stack([d_r, d_alpha, d_a, d_b])


def bgnbd_log_likelihood(params: dict, frequency, recency, T) -> np.ndarray:
    """Return the per-customer BG/NBD log-likelihood at ``params``.

    Parameters
    ----------
    params : dict
        ``r``, ``alpha``, ``a``, ``b``.
    frequency, recency, T : array-like
        x, t_x and T per customer (:func:`~crmlib.clv.purchase_summary`).

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.

    Raises
    ------
    CRMDataError
        Columns of different lengths or missing / negative values.
    """
    x, t_x, T = as_arrays(frequency=frequency, recency=recency, T=T)
    return _loglik([params[k] for k in PARAMS], x, t_x, T)


def _shape(out, *inputs):
    return float(out) if all(np.ndim(v) == 0 for v in inputs) else out


class BetaGeoModel:
    """The BG/NBD model with scikit-learn's contract (``fit`` returns self).

    Parameters
    ----------
    max_iter : int, default=1000
        Iteration limit of the BFGS optimiser.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (purchase rate ~ Gamma(r, alpha), alpha per time unit), ``a``, ``b``
        (dropout probability ~ Beta(a, b)), as floats.
    log_likelihood_ : float
        The maximised log-likelihood (sum over customers).
    n_customers_ : int
        Customers in the fit.
    n_iter_ : int
        Optimiser iterations.

    Examples
    --------
    >>> m = BetaGeoModel().fit([2, 1, 0, 0], [30.43, 1.71, 0, 0], [38.86, 38.86, 38.86, 38.86])
    >>> sorted(m.params_)
    ['a', 'alpha', 'b', 'r']
    >>> m.p_alive(0, 0, 38.86)
    1.0
    """

    def __init__(self, *, max_iter: int = 1000):
        self.max_iter = max_iter

    def fit(self, frequency, recency, T) -> BetaGeoModel:
        """Fit by maximum likelihood on per-customer ``frequency`` (x), ``recency`` (t_x), ``T``.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases x per customer (whole numbers).
        recency : array-like
            t_x: time of the last purchase since the first, in the summary's time unit.
        T : array-like
            Time since the first purchase (the customer's age), same unit.

        Returns
        -------
        BetaGeoModel
            ``self``, with ``params_``, ``log_likelihood_``, ``n_customers_``, ``n_iter_``.

        Raises
        ------
        CRMDataError
            Columns of different lengths, missing or negative values, fractional x,
            t_x > T, t_x > 0 with x = 0, or no customer with a repeat purchase.
        """
        x, t_x, T = as_arrays(frequency=frequency, recency=recency, T=T)
        check_rfm(x, t_x, T)
        if not (x > 0).any():
            raise CRMDataError(f"none of the {len(x)} customers has a repeat purchase, so the "
                               "dropout process (a, b) cannot be estimated; use a longer "
                               "observation period or more customers.")
        n = len(x)

        def fun(log_params):
            p = np.exp(log_params)
            ll, grad = _loglik(p, x, t_x, T, gradient=True)
            return -ll.sum() / n, -(grad.sum(axis=1) / n) * p

        self.params_, self.log_likelihood_, res = maximize_log_likelihood(
            fun, PARAMS, n, max_iter=self.max_iter, what="BG/NBD")
        self.n_customers_, self.n_iter_ = n, int(res.nit)
        return self

    def _p(self):
        check_fitted(self)
        return [self.params_[k] for k in PARAMS]

    def log_likelihood(self, frequency, recency, T) -> np.ndarray:
        """Return the per-customer log-likelihood at the fitted parameters.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases x per customer (whole numbers).
        recency : array-like
            t_x: time of the last purchase since the first, in the summary's time unit.
        T : array-like
            Time since the first purchase (the customer's age), same unit.

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
        return bgnbd_log_likelihood(self.params_, frequency, recency, T)

    def p_alive(self, frequency, recency, T):
        """Return P(alive at T | x, t_x, T), the probability that a customer is still active.

        ``1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))``: 1 for customers without a
        repeat purchase (in BG/NBD they can only drop out right after one).

        Parameters
        ----------
        frequency : array-like
            Repeat purchases x per customer (whole numbers).
        recency : array-like
            t_x: time of the last purchase since the first, in the summary's time unit.
        T : array-like
            Time since the first purchase (the customer's age), same unit.

        Returns
        -------
        numpy.ndarray or float
            Probabilities; a float for scalar inputs.

        Raises
        ------
        NotFittedError
            The model is not fitted.
        """
        r, alpha, a, b = self._p()
        x, t_x, T_ = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
        pos = x > 0
        with np.errstate(divide="ignore"):
            log_odds = np.where(pos, np.log(a) - np.log(np.where(pos, b + x - 1, 1.0))
                                + (r + x) * (np.log(alpha + T_) - np.log(alpha + t_x)), -np.inf)
        return _shape(expit(-log_odds), frequency, recency, T)

    def expected_purchases(self, t, frequency, recency, T):
        """Return E[purchases in (T, T+t] | x, t_x, T], eq. 10 of Fader, Hardie & Lee (2005).

        ``p_alive * (a+b+x-1)/(a-1) * [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]`` with
        ``z = t/(alpha+T+t)``. Where that product is 0 x inf (very frequent buyers: the power
        underflows while 2F1 overflows), Euler's transformation gives the same bracket as
        ``1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)``, whose parameters do not grow with x;
        each form is used where it is finite (they agree to 1e-12 where both are, e.g. on
        CDNOW). NaN, with a warning, where neither is finite.

        Parameters
        ----------
        t : float or array-like
            The horizon after T, in the summary's time unit; broadcasts.
        frequency : array-like
            Repeat purchases x per customer (whole numbers).
        recency : array-like
            t_x: time of the last purchase since the first, in the summary's time unit.
        T : array-like
            Time since the first purchase (the customer's age), same unit.

        Returns
        -------
        numpy.ndarray or float
            Expected purchases; a float for scalar inputs.

        Raises
        ------
        NotFittedError
            The model is not fitted.
        """
        r, alpha, a, b = self._p()
        t_, x, T_ = np.broadcast_arrays(*(np.asarray(v, dtype="float64")
                                          for v in (t, frequency, T)))
        z = t_ / (alpha + T_ + t_)
        c = a + b + x - 1
        with np.errstate(all="ignore"):
            bracket = 1 - (1 - z) ** (r + x) * hyp2f1(r + x, b + x, c, z)
            bad = ~np.isfinite(bracket)
            if bad.any():  # Euler: 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z)
                bracket = np.where(bad, 1 - (1 - z) ** (a - 1) * hyp2f1(
                    a + b - 1 - r, a - 1, c, z), bracket)
            out = self.p_alive(frequency, recency, T) * c / (a - 1) * bracket
        out = np.asarray(out, dtype="float64")
        if not np.isfinite(out).all():
            warnings.warn(f"expected purchases could not be computed for "
                          f"{int((~np.isfinite(out)).sum())} customers (hypergeometric "
                          f"overflow at {self!r}); they are NaN.", RuntimeWarning,
                          stacklevel=user_stacklevel())
        return _shape(out, t, frequency, recency, T)

    def expected_purchases_new(self, t):
        """Return E[X(t)]: expected purchases in (0, t] of a new customer (eq. 9).

        Repeat purchases after a first one at 0.

        Parameters
        ----------
        t : float or array-like
            The horizon, in the summary's time unit.

        Returns
        -------
        numpy.ndarray or float
            Expected purchases; a float for a scalar ``t``.

        Raises
        ------
        NotFittedError
            The model is not fitted.
        """
        zero = np.zeros_like(np.asarray(t, dtype="float64"))
        return _shape(self.expected_purchases(t, zero, zero, zero), t)

    def __repr__(self) -> str:
        """Return the model with its fitted parameters, e.g. ``BetaGeoModel(r=0.243, ...)``."""
        if not hasattr(self, "params_"):
            return "BetaGeoModel()"
        return "BetaGeoModel(" + ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items()) + ")"


def fit_bgnbd(frequency, recency, T, *, max_iter: int = 1000) -> BetaGeoModel:
    """Fit a :class:`BetaGeoModel` to per-customer x, t_x, T (array-likes of one length).

    Parameters
    ----------
    frequency, recency, T : array-like
        x, t_x and T per customer (:func:`~crmlib.clv.purchase_summary`).
    max_iter : int, default=1000
        Iteration limit of the BFGS optimiser.

    Returns
    -------
    BetaGeoModel
        The fitted model.

    Raises
    ------
    CRMDataError
        As :meth:`BetaGeoModel.fit`.

    Examples
    --------
    >>> m = fit_bgnbd([2, 1, 0, 0, 3], [30.43, 1.71, 0, 0, 20.0], [38.86] * 5)
    >>> m.n_customers_
    5
    """
    return BetaGeoModel(max_iter=max_iter).fit(frequency, recency, T)
