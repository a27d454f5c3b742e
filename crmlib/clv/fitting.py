"""The fitting machinery the CLV models share: input checks and a maximum-likelihood fit.

:mod:`crmlib.clv.bgnbd` and :mod:`crmlib.clv.gamma_gamma` check their inputs with
:func:`as_arrays` / :func:`check_rfm`, fit with :func:`maximize_log_likelihood` (on the log of
the parameters, so they stay positive) and refuse predictions before a fit with
:func:`check_fitted`.
"""

from __future__ import annotations

import inspect
import os
import warnings

import numpy as np
from scipy.optimize import minimize

from crmlib.exceptions import CRMDataError, CRMError

__all__ = ["GRADIENT_TOL", "LOG_BOUND", "ConvergenceWarning", "NotFittedError", "as_arrays",
           "check_rfm", "check_fitted", "maximize_log_likelihood", "user_stacklevel"]

# A fit counts as converged when the largest gradient of the mean log-likelihood (per customer)
# with respect to the log-parameters is below this: far below what moves a 4th significant digit.
GRADIENT_TOL = 1e-5
# Log-parameters beyond +-LOG_BOUND (about 1e-13 .. 3e13) mean the data do not pin the
# parameter down (e.g. no repeat purchase at all): the fit is reported, not trusted.
LOG_BOUND = 30.0


class ConvergenceWarning(UserWarning):
    """A maximum-likelihood fit stopped without meeting its convergence test."""


class NotFittedError(CRMError, ValueError, AttributeError):
    """A model was asked for predictions before ``fit()`` (as scikit-learn's of that name)."""


def user_stacklevel() -> int:
    """Return the ``stacklevel`` that points a warning at the first caller outside crmlib.clv.

    As pandas' ``find_stack_level``: however deep inside the package a warning is raised, it
    names the user's line.

    Returns
    -------
    int
        The ``stacklevel`` to pass to :func:`warnings.warn` from the calling function.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = inspect.currentframe(), 0
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(here):
        frame, level = frame.f_back, level + 1
    return level


def as_arrays(**columns) -> list[np.ndarray]:
    """Return the named array-likes as float arrays of one common length, finite and >= 0.

    Parameters
    ----------
    **columns : array-like
        Name -> values (the names appear in the messages), e.g. ``frequency=s["frequency"]``.

    Returns
    -------
    list of numpy.ndarray
        One flat float64 array per column, in the order given.

    Raises
    ------
    CRMDataError
        Lengths differ, a value is missing, infinite or negative, or there are no values.
    """
    arrays, n = [], None
    for name, values in columns.items():
        a = np.asarray(values, dtype="float64").ravel()
        if n is not None and len(a) != n:
            raise CRMDataError(f"`{name}` has {len(a)} values but the first input has {n}; pass "
                               "columns of the same summary.")
        n = len(a)
        bad = ~np.isfinite(a) | (a < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CRMDataError(f"`{name}` holds {bad.sum()} missing, infinite or negative "
                               f"values (first at position {i}: {a[i]}); the summary columns "
                               "must be finite and >= 0.")
        arrays.append(a)
    if not n:
        raise CRMDataError("the summary has no customers; a model needs at least one.")
    return arrays


def check_rfm(x, t_x, T) -> None:
    """Check BG/NBD inputs: whole x, t_x <= T, and t_x = 0 when x = 0.

    Parameters
    ----------
    x, t_x, T : numpy.ndarray
        Frequency, recency and T, as :func:`as_arrays` returns them.

    Returns
    -------
    None
        Returns when the inputs are consistent.

    Raises
    ------
    CRMDataError
        A rule is broken; the message names the first customer breaking it.
    """
    problems = [
        (x != np.round(x), "`frequency` must be whole numbers of repeat purchases"),
        (t_x > T * (1 + 1e-9) + 1e-12, "`recency` must not exceed `T`"),
        ((x == 0) & (t_x > 0), "`recency` must be 0 when `frequency` is 0"),
    ]
    for bad, what in problems:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CRMDataError(f"{what}: {bad.sum()} customers break it (first at position {i}:"
                               f" frequency {x[i]:g}, recency {t_x[i]:g}, T {T[i]:g}). Build the "
                               "columns with crmlib.clv.purchase_summary.")


def maximize_log_likelihood(fun, names: list[str], n: int, *, max_iter: int, what: str):
    """Maximise a log-likelihood over log-parameters from the origin (all parameters 1).

    BFGS with the analytic gradient. Warns with :class:`ConvergenceWarning` when the gradient
    test (:data:`GRADIENT_TOL`) fails or a log-parameter runs beyond :data:`LOG_BOUND`.

    Parameters
    ----------
    fun : callable
        ``fun(log_params)`` -> (mean negative log-likelihood per customer, its gradient).
    names : list of str
        The parameters' names, in the order of ``log_params``.
    n : int
        Number of customers (the mean times ``n`` is the total log-likelihood).
    max_iter : int
        BFGS iterations at most.
    what : str
        The model's name, for the warnings.

    Returns
    -------
    params : dict
        Name -> fitted value (positive).
    log_likelihood : float
        The total log-likelihood at ``params``.
    result : scipy.optimize.OptimizeResult
        The optimiser's result.
    """
    x0 = np.zeros(len(names))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        res = minimize(fun, x0, jac=True, method="BFGS",
                       options={"gtol": GRADIENT_TOL / 10, "maxiter": max_iter})
        value, grad = fun(res.x)
    grad_max = float(np.max(np.abs(grad))) if np.all(np.isfinite(grad)) else np.inf
    params = dict(zip(names, map(float, np.exp(res.x)), strict=True))
    shown = ", ".join(f"{k}={v:.4g}" for k, v in params.items())
    if not np.isfinite(value) or grad_max > GRADIENT_TOL:
        warnings.warn(f"{what} fit did not converge after {res.nit} iterations (largest "
                      f"gradient {grad_max:.2g}, {res.message}); the parameters ({shown}) may be "
                      "off. Check the summary (enough repeat buyers?) or raise max_iter.",
                      ConvergenceWarning, stacklevel=user_stacklevel())
    elif np.any(np.abs(res.x) > LOG_BOUND):
        warnings.warn(f"{what} fit ran a parameter to an extreme ({shown}): the data do not "
                      "identify the model (too few repeat purchases?). Do not rely on it.",
                      ConvergenceWarning, stacklevel=user_stacklevel())
    return params, -float(value) * n, res


def check_fitted(model) -> None:
    """Raise :class:`NotFittedError` unless ``model`` has been fitted (has ``params_``).

    Parameters
    ----------
    model : object
        A CLV model.

    Returns
    -------
    None
        Returns when the model is fitted.

    Raises
    ------
    NotFittedError
        ``fit()`` has not been called.
    """
    if not hasattr(model, "params_"):
        raise NotFittedError(f"this {type(model).__name__} has no parameters yet; call fit() "
                             "first (or use fit_bgnbd / fit_gamma_gamma).")
