"""Customer lifetime value from BG/NBD x Gamma-Gamma, and a calibration / holdout check.

- **CLV** over a horizon of ``horizon`` days, cut into steps of ``step_days`` (the last one
  shorter when the horizon is not a multiple): for step k ending at day e_k,
  ``purchases_k = E[Y(e_k)] - E[Y(e_(k-1))]`` (BG/NBD conditional expected cumulative purchases
  after the customer's T, with days converted to the summary's unit), and
  ``clv = expected_spend * sum_k purchases_k / (1 + discount_rate) ** (e_k / 365)``:
  each step's purchases are discounted from the step's end at ``discount_rate`` *per year*
  (365 days). ``expected_spend`` is the Gamma-Gamma conditional mean spend per purchase. CLV is
  in the amount's unit (revenue, not margin: multiply by a margin for profit).
- **Holdout check**: fit on the calibration columns, predict the purchases of each customer in
  their holdout duration (``expected_purchases(duration_holdout, x, t_x, T)``) and compare with
  ``frequency_holdout``, per calibration frequency.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from crmlib.clv.bgnbd import BetaGeoModel, fit_bgnbd
from crmlib.clv.gamma_gamma import GammaGammaModel
from crmlib.exceptions import CRMDataError, ParamsError

__all__ = ["DAYS_PER_YEAR", "customer_lifetime_value", "holdout_check"]

DAYS_PER_YEAR = 365.0


def _need(summary: pd.DataFrame, columns, hint: str) -> None:
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise CRMDataError(f"the summary has no column {', '.join(f'`{c}`' for c in missing)}; "
                           f"{hint}")


def _positive(value, name: str, unit: str) -> float:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
            and math.isfinite(value)):
        raise ParamsError(f"`{name}` {value!r} must be a positive number of {unit}.")
    return float(value)


def customer_lifetime_value(bgnbd: BetaGeoModel, gamma_gamma: GammaGammaModel,
                            summary: pd.DataFrame, *, horizon: float, discount_rate: float,
                            unit_days: float | None = None, step_days: float = 30
                            ) -> pd.DataFrame:
    """Discounted expected revenue per customer over the next ``horizon`` days.

    Parameters
    ----------
    bgnbd : BetaGeoModel
        Fitted on a summary in the same time unit as ``summary``.
    gamma_gamma : GammaGammaModel
        Fitted.
    summary : pandas.DataFrame
        A purchase summary: ``frequency``, ``recency``, ``T``, ``monetary_value``.
    horizon : float
        Days ahead (e.g. 365).
    discount_rate : float
        Yearly discount rate (0.1 = 10 % a year); 0 for no discounting. Must be > -1.
    unit_days : float, optional
        Days per time unit of the summary (and of the BG/NBD fit); default
        ``summary.attrs["unit_days"]`` (set by :func:`~crmlib.clv.purchase_summary`).
    step_days : float, default=30
        Length of a discounting step in days.

    Returns
    -------
    pandas.DataFrame
        ``summary``'s columns plus ``p_alive`` (probability), ``expected_purchases`` (over the
        horizon), ``expected_spend`` (per purchase, amount unit) and ``clv`` (amount unit,
        discounted). ``attrs`` adds ``horizon_days``, ``step_days``, ``discount_rate``
        (per year), ``unit_days``.

    Raises
    ------
    CRMDataError
        A summary column is missing.
    ParamsError
        A non-positive horizon, step or unit, a discount rate <= -1, or no ``unit_days``.

    Examples
    --------
    >>> import crmlib
    >>> from crmlib import clv
    >>> s = clv.crm_purchase_summary(crmlib.connect(), as_of="2026-10-31", unit_days=7)
    >>> bg = clv.fit_bgnbd(s["frequency"], s["recency"], s["T"])
    >>> gg = clv.fit_gamma_gamma(s["frequency"], s["monetary_value"])
    >>> v = clv.customer_lifetime_value(bg, gg, s, horizon=365, discount_rate=0.1)
    >>> list(v.columns[-4:])
    ['p_alive', 'expected_purchases', 'expected_spend', 'clv']
    """
    _need(summary, ["frequency", "recency", "T", "monetary_value"],
          "build it with crmlib.clv.purchase_summary.")
    horizon = _positive(horizon, "horizon", "days")
    step = _positive(step_days, "step_days", "days")
    unit = summary.attrs.get("unit_days") if unit_days is None else unit_days
    if unit is None:
        raise ParamsError("the summary does not say its time unit; pass `unit_days` (the "
                          "days per unit of recency and T, 7 for weeks).")
    unit = _positive(unit, "unit_days", "days")
    if not (isinstance(discount_rate, (int, float)) and discount_rate > -1):
        raise ParamsError(f"`discount_rate` {discount_rate!r} must be a yearly rate above -1 "
                          "(0.1 for 10 % a year).")
    x, t_x, T = (summary[c].to_numpy("float64") for c in ("frequency", "recency", "T"))
    ends = np.minimum(np.arange(1, math.ceil(horizon / step - 1e-9) + 1) * step, horizon)
    clv = np.zeros(len(summary))
    before = np.zeros(len(summary))
    for end in ends:
        cum = bgnbd.expected_purchases(end / unit, x, t_x, T)
        clv += (cum - before) / (1.0 + discount_rate) ** (end / DAYS_PER_YEAR)
        before = cum
    out = summary.copy()
    out["p_alive"] = bgnbd.p_alive(x, t_x, T)
    out["expected_purchases"] = before
    out["expected_spend"] = gamma_gamma.expected_spend(x, summary["monetary_value"].to_numpy(
        "float64"))
    out["clv"] = out["expected_spend"] * clv
    out.attrs.update(horizon_days=horizon, step_days=step, discount_rate=float(discount_rate),
                     unit_days=unit)
    return out


def holdout_check(summary_with_holdout: pd.DataFrame, *, model: BetaGeoModel | None = None,
                  max_frequency: int = 7) -> pd.DataFrame:
    """Predicted vs actual holdout purchases per calibration frequency (Fader et al.'s check).

    Parameters
    ----------
    summary_with_holdout : pandas.DataFrame
        A summary built with ``calibration_end``: ``frequency``, ``recency``, ``T``,
        ``frequency_holdout``, ``duration_holdout``.
    model : BetaGeoModel, optional
        A model fitted on the calibration columns; by default one is fitted here.
    max_frequency : int, default=7
        Calibration frequencies from ``max_frequency`` up form one group ``"7+"``.

    Returns
    -------
    pandas.DataFrame
        One row per group ``"0"``, ``"1"``, ... ``"7+"`` (groups without customers left out)
        then ``"all"``, with columns ``group``, ``customers`` (int), ``actual`` (mean holdout
        purchases), ``predicted`` (mean predicted), ``error`` (predicted - actual). ``attrs``:
        ``mae`` (mean absolute error of the per-customer predictions, purchases), ``rmse``,
        ``total_actual``, ``total_predicted``, ``ratio`` (total predicted / total actual; NaN
        when there are no holdout purchases) and ``params`` (the BG/NBD parameters).

    Examples
    --------
    >>> import crmlib
    >>> from crmlib import clv
    >>> s = clv.crm_purchase_summary(crmlib.connect(), as_of="2026-10-31",
    ...                              calibration_end="2026-04-30", unit_days=7)
    >>> h = clv.holdout_check(s)
    >>> h["group"].iloc[-1]
    'all'
    """
    _need(summary_with_holdout,
          ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"],
          "build it with purchase_summary(..., calibration_end=...).")
    if not (isinstance(max_frequency, int) and not isinstance(max_frequency, bool)
            and max_frequency >= 1):
        raise ParamsError(f"`max_frequency` {max_frequency!r} must be a whole number >= 1.")
    s = summary_with_holdout
    x, t_x, T = (s[c].to_numpy("float64") for c in ("frequency", "recency", "T"))
    model = fit_bgnbd(x, t_x, T) if model is None else model
    predicted = model.expected_purchases(s["duration_holdout"].to_numpy("float64"), x, t_x, T)
    actual = s["frequency_holdout"].to_numpy("float64")
    group = np.where(x >= max_frequency, f"{max_frequency}+",
                     np.minimum(x, max_frequency).astype("int64").astype(str))
    df = pd.DataFrame({"group": group, "actual": actual, "predicted": predicted})
    order = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    g = df.groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                predicted=("predicted", "mean"))
    g = g.reindex([o for o in order if o in g.index]).reset_index()
    total = pd.DataFrame([{"group": "all", "customers": len(df), "actual": actual.mean(),
                           "predicted": predicted.mean()}])
    out = pd.concat([g, total], ignore_index=True)
    out["customers"] = out["customers"].astype("int64")
    out["error"] = out["predicted"] - out["actual"]
    err = predicted - actual
    out.attrs.update(mae=float(np.abs(err).mean()), rmse=float(np.sqrt((err ** 2).mean())),
                     total_actual=float(actual.sum()), total_predicted=float(predicted.sum()),
                     ratio=float(predicted.sum() / actual.sum()) if actual.sum() else math.nan,
                     params=dict(model.params_))
    return out
