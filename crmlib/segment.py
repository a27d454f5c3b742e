"""Customer segments, churn risk and value classes: models on per-customer tables.

- **Segments.** k-means on scaled RFM (+ CLV) features (:class:`CustomerSegments`): each feature
  is ``log1p``-transformed (recency, frequency and money are all right-skewed) and standardised;
  k is chosen from ``k_range`` by the highest mean silhouette (the smaller k on a tie), and the
  whole selection table (k, inertia, silhouette) is kept so a report can show why. Segments are
  numbered 1..k by mean monetary value, highest first, so numbers are stable across runs.
- **Churn risk from P(alive).** ``churn_risk = 1 - p_alive`` (BG/NBD), in bands
  (:data:`CHURN_RISK_BANDS`).
- **Churn classifier.** The data's own history gives the labels: with ``cutoff = as_of -
  horizon_days``, a customer who bought on or before the cutoff *churned* when they made no
  purchase in (cutoff, as_of]. Features are known at the cutoff (:func:`churn_dataset`). The
  model (:class:`ChurnModel`) is scored on a held-out, stratified test split it never saw:
  ROC AUC, average precision, Brier score, a calibration table by decile, permutation importance,
  and the AUC of ``1 - p_alive`` on the same split as the baseline to beat.
- **Value classes.** high / medium / low by CLV rank among buyers, potential for customers who
  have not bought yet or are new (:data:`VALUE_CLASSES`), each with an action for the team.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from crmlib.exceptions import ParamsError

__all__ = ["SEGMENT_FEATURES", "CHURN_FEATURES", "CHURN_RISK_BANDS", "VALUE_CLASSES",
           "CustomerSegments", "churn_risk", "churn_dataset", "evaluate_churn", "scoring_features", "ChurnModel",
           "value_classes", "value_class_summary"]

SEGMENT_FEATURES = ("recency_days", "frequency", "monetary")
# Known at the scoring date; units: days (recency, T, days_since_last), purchases, currency.
CHURN_FEATURES = ("frequency", "recency", "T", "days_since_last", "monetary_value")
# churn_risk = 1 - P(alive): a band is the first whose upper bound the risk is below.
CHURN_RISK_BANDS = {"low": 0.3, "medium": 0.7, "high": 1.0 + 1e-9}
# Buyers ranked by CLV (highest first): the top `high` share is high, the next `medium` share is
# medium, the rest low; customers without a purchase, and new ones outside high, are potential.
VALUE_CLASSES = {"high": 0.2, "medium": 0.3, "potential_stages": ("potential", "new")}
VALUE_CLASS_ORDER = ("high", "medium", "low", "potential")


def _design(frame: pd.DataFrame, features, log: bool) -> np.ndarray:
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise ParamsError(f"feature columns {missing} are not in the frame (columns: "
                          f"{list(frame.columns)}); pass `features=` or add them.")
    x = frame[list(features)].astype("float64").to_numpy()
    if np.isnan(x).any():
        raise ParamsError(f"features {list(features)} contain missing values; fill or drop "
                          "those customers first.")
    return np.log1p(np.clip(x, 0, None)) if log else x


class CustomerSegments:
    """k-means segments of customers on scaled features, with k chosen by silhouette.

    Parameters
    ----------
    k : int, optional
        Number of segments; ``None`` chooses it from ``k_range`` by mean silhouette.
    k_range : (int, int), default=(2, 8)
        Smallest and largest k tried (both included).
    features : sequence of str, default=SEGMENT_FEATURES
        Columns of the fitted frame (e.g. add ``clv``).
    log : bool, default=True
        ``log1p`` each feature before standardising (negative values are clipped to 0).
    sample_size : int, default=5000
        Silhouettes are computed on a seeded sample of at most this many customers.
    random_state : int, default=0

    Attributes
    ----------
    k_ : int
    selection_ : DataFrame
        ``k``, ``inertia`` (within-cluster sum of squares on the scaled features),
        ``silhouette`` (mean, -1..1), ``chosen`` (bool).
    labels_ : ndarray of int
        Segment 1..k of each fitted row, 1 = highest mean monetary value.
    profile_ : DataFrame
        :meth:`profile` of the fitted frame.
    """

    def __init__(self, k: int | None = None, *, k_range=(2, 8), features=SEGMENT_FEATURES,
                 log: bool = True, sample_size: int = 5000, random_state: int = 0):
        self.k, self.k_range, self.features = k, k_range, tuple(features)
        self.log, self.sample_size, self.random_state = log, sample_size, random_state

    def fit(self, frame: pd.DataFrame) -> CustomerSegments:
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score
        from sklearn.preprocessing import StandardScaler

        x = _design(frame, self.features, self.log)
        n = len(x)
        lo, hi = (self.k, self.k) if self.k else self.k_range
        hi = min(hi, n - 1)
        if n < 3 or hi < 2:
            raise ParamsError(f"{n} customers are too few for segments (k-means needs at least "
                              "3 and more customers than segments).")
        lo = min(max(lo, 2), hi)
        self.scaler_ = StandardScaler().fit(x)
        z = self.scaler_.transform(x)
        rng = np.random.default_rng(self.random_state)
        sample = rng.choice(n, size=min(n, self.sample_size), replace=False)
        rows, models = [], {}
        for k in range(lo, hi + 1):
            km = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit(z)
            labels = km.labels_[sample]
            sil = (silhouette_score(z[sample], labels) if len(set(labels)) > 1 else np.nan)
            rows.append({"k": k, "inertia": float(km.inertia_), "silhouette": float(sil)})
            models[k] = km
        sel = pd.DataFrame(rows)
        best = (int(self.k) if self.k else
                int(sel.sort_values(["silhouette", "k"], ascending=[False, True]).iloc[0]["k"]))
        sel["chosen"] = sel["k"] == best
        self.k_, self.selection_, self.model_ = best, sel, models[best]
        # renumber clusters 1..k by mean monetary value (or the first feature), highest first
        key = "monetary" if "monetary" in self.features else self.features[0]
        means = pd.Series(frame[key].to_numpy(dtype="float64")).groupby(self.model_.labels_).mean()
        order = means.sort_values(ascending=False, kind="stable").index
        self._number = {int(c): i + 1 for i, c in enumerate(order)}
        self.labels_ = np.array([self._number[int(c)] for c in self.model_.labels_])
        self.profile_ = self.profile(frame, self.labels_)
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Segment 1..k of each row of ``frame`` (nearest fitted centre)."""
        z = self.scaler_.transform(_design(frame, self.features, self.log))
        return np.array([self._number[int(c)] for c in self.model_.predict(z)])

    def profile(self, frame: pd.DataFrame, labels) -> pd.DataFrame:
        """Per segment: ``segment``, ``customers``, ``share`` (of customers), the mean and median
        of each feature (``<feature>_mean``, ``<feature>_median``) and, when ``monetary`` is a
        feature, ``revenue`` (its sum) and ``revenue_share``."""
        df = frame[list(self.features)].astype("float64").assign(segment=np.asarray(labels))
        g = df.groupby("segment")
        out = g.size().rename("customers").to_frame()
        out["share"] = out["customers"] / len(df)
        for f in self.features:
            out[f"{f}_mean"] = g[f].mean()
            out[f"{f}_median"] = g[f].median()
        if "monetary" in self.features:
            out["revenue"] = g["monetary"].sum()
            total = out["revenue"].sum()
            out["revenue_share"] = out["revenue"] / total if total else np.nan
        return out.reset_index()


def churn_risk(p_alive, *, bands: dict | None = None) -> pd.DataFrame:
    """Churn risk from the BG/NBD probability of being alive.

    ``p_alive`` is a Series indexed by customer id (or a frame with ``customer_id`` and
    ``p_alive``). Returns ``customer_id``, ``p_alive``, ``churn_risk`` = 1 - p_alive (0..1) and
    ``risk_band``: the first band of ``bands`` (default :data:`CHURN_RISK_BANDS`, ordered
    name -> upper bound, exclusive) whose bound the risk is below.
    """
    bands = dict(bands or CHURN_RISK_BANDS)
    if isinstance(p_alive, pd.DataFrame):
        s = p_alive.set_index("customer_id")["p_alive"]
    else:
        s = pd.Series(p_alive)
    bounds = list(bands.values())
    if any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:], strict=False)) or bounds[-1] <= 1:
        raise ParamsError(f"churn risk bands {bands} must have increasing upper bounds, the "
                          "last above 1.")
    risk = 1.0 - s.astype("float64")
    band = pd.cut(risk, [-np.inf, *bounds], right=False, labels=list(bands))
    return pd.DataFrame({"customer_id": s.index, "p_alive": s.to_numpy(),
                         "churn_risk": risk.to_numpy(), "risk_band": band.astype(str).to_numpy()})


def churn_dataset(crm, *, as_of, horizon_days: int = 180, scope=None) -> pd.DataFrame:
    """Churn labels from history, with the features known at the cut-off.

    ``cutoff = as_of - horizon_days``. One row per live customer whose first effective purchase
    is on or before the cut-off, from :func:`crmlib.clv.crm_purchase_summary` in days:
    ``frequency`` (repeat purchase days), ``recency`` (first to last purchase, days), ``T``
    (first purchase to cut-off, days), ``days_since_last`` = T - recency, ``monetary_value``
    (mean repeat purchase), and the label ``churned`` (True when no purchase in
    (cutoff, as_of]). ``attrs`` holds ``cutoff``, ``as_of`` and ``horizon_days``.
    """
    from crmlib.clv import crm_purchase_summary

    as_of = pd.Timestamp(as_of).normalize()
    cutoff = as_of - pd.Timedelta(days=int(horizon_days))
    s = crm_purchase_summary(crm, as_of=as_of, calibration_end=cutoff, scope=scope)
    s["days_since_last"] = s["T"] - s["recency"]
    s["churned"] = s["frequency_holdout"] == 0
    if (s["frequency"] > 0).any():  # the BG/NBD baseline, fit on pre-cutoff data only
        from crmlib.clv import fit_bgnbd

        bg = fit_bgnbd(s["frequency"], s["recency"], s["T"])
        s["p_alive"] = bg.p_alive(s["frequency"], s["recency"], s["T"])
    s.attrs.update(cutoff=cutoff, as_of=as_of, horizon_days=int(horizon_days))
    return s


def evaluate_churn(crm, *, as_of, horizon_days: int = 180, scope=None):
    """:class:`ChurnModel` fitted and scored on :func:`churn_dataset`, or ``None`` with a
    warning when the history holds too few churned or retained customers to judge a model."""
    data = churn_dataset(crm, as_of=as_of, horizon_days=horizon_days, scope=scope)
    try:
        return ChurnModel().fit(data)
    except ParamsError as e:
        warnings.warn(f"no churn model: {e}", stacklevel=2)
        return None


def scoring_features(crm, *, as_of, scope=None) -> pd.DataFrame:
    """The :data:`CHURN_FEATURES` of every buyer at ``as_of`` (for :meth:`ChurnModel.predict_proba`)."""
    from crmlib.clv import crm_purchase_summary

    s = crm_purchase_summary(crm, as_of=as_of, scope=scope)
    s["days_since_last"] = s["T"] - s["recency"]
    return s


class ChurnModel:
    """A churn classifier with honest, held-out evaluation.

    Parameters
    ----------
    estimator : scikit-learn classifier, optional
        Default: ``HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
        random_state=0)``.
    features : sequence of str, default=CHURN_FEATURES
    test_size : float, default=0.25
        Share of customers held out (stratified by label); nothing is tuned on them.
    random_state : int, default=0

    Attributes
    ----------
    metrics_ : dict
        ``roc_auc``, ``average_precision``, ``brier``, ``base_rate`` (churned share of the test
        split), ``n_train``, ``n_test``, and ``p_alive_auc`` (AUC of 1 - p_alive on the same
        test split when the data has ``p_alive``; the baseline).
    calibration_ : DataFrame
        Test customers by decile of predicted probability: ``decile`` (1 = lowest),
        ``customers``, ``predicted`` (mean), ``realised`` (churned share).
    importance_ : DataFrame
        ``feature``, ``importance`` (mean drop of test ROC AUC when the feature is permuted),
        most important first.
    """

    def __init__(self, estimator=None, *, features=CHURN_FEATURES, test_size: float = 0.25,
                 random_state: int = 0):
        self.estimator, self.features = estimator, tuple(features)
        self.test_size, self.random_state = test_size, random_state

    def fit(self, data: pd.DataFrame, label: str = "churned") -> ChurnModel:
        from sklearn.base import clone
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.inspection import permutation_importance
        from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
        from sklearn.model_selection import train_test_split

        y = data[label].astype(bool).to_numpy()
        n_pos = int(y.sum())
        if n_pos < 5 or len(y) - n_pos < 5:
            raise ParamsError(f"churn labels have {n_pos} churned and {len(y) - n_pos} retained "
                              "customers; a classifier needs at least 5 of each (use a longer "
                              "history or another horizon).")
        x = _design(data, self.features, log=False)
        idx = np.arange(len(y))
        tr, te = train_test_split(idx, test_size=self.test_size, stratify=y,
                                  random_state=self.random_state)
        est = self.estimator if self.estimator is not None else HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, random_state=self.random_state)
        self.model_ = clone(est).fit(x[tr], y[tr])
        p = self.model_.predict_proba(x[te])[:, 1]
        m = {"roc_auc": roc_auc_score(y[te], p), "average_precision":
             average_precision_score(y[te], p), "brier": brier_score_loss(y[te], p),
             "base_rate": float(y[te].mean()), "n_train": len(tr), "n_test": len(te),
             "p_alive_auc": np.nan}
        if "p_alive" in data.columns:
            m["p_alive_auc"] = roc_auc_score(y[te], 1.0 - data["p_alive"].to_numpy()[te])
        self.metrics_ = {k: float(v) if k not in ("n_train", "n_test") else int(v)
                         for k, v in m.items()}
        dec = pd.qcut(pd.Series(p).rank(method="first"), 10, labels=False) + 1
        self.calibration_ = (pd.DataFrame({"decile": dec, "p": p, "y": y[te]})
                             .groupby("decile").agg(customers=("p", "size"),
                                                    predicted=("p", "mean"),
                                                    realised=("y", "mean")).reset_index())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            imp = permutation_importance(self.model_, x[te], y[te], scoring="roc_auc",
                                         n_repeats=5, random_state=self.random_state)
        self.importance_ = (pd.DataFrame({"feature": self.features,
                                          "importance": imp.importances_mean})
                            .sort_values("importance", ascending=False, kind="stable")
                            .reset_index(drop=True))
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of churn (no purchase within the horizon) for each row of ``frame``."""
        return self.model_.predict_proba(_design(frame, self.features, log=False))[:, 1]

    def metrics_table(self) -> pd.DataFrame:
        """:attr:`metrics_` as a ``metric`` / ``value`` frame."""
        return pd.DataFrame({"metric": list(self.metrics_), "value": list(self.metrics_.values())})


def value_classes(frame: pd.DataFrame, *, clv: str = "clv", stage: str | None = "stage",
                  config: dict | None = None) -> pd.DataFrame:
    """Value class of each customer: high, medium, low or potential.

    ``frame`` has ``customer_id``, the CLV column and optionally the lifecycle ``stage``.
    Customers whose stage is in ``config["potential_stages"]`` (default potential, new) or whose
    CLV is missing are *potential*, except new customers whose CLV ranks high. The others are
    ranked by CLV, highest first (ties keep the frame's order): the first ``ceil(high x n)`` are
    *high*, the next ``ceil(medium x n)`` *medium*, the rest *low*, where n counts the ranked
    customers (new ones included in the ranking). Returns ``frame`` with ``value_class``.
    """
    cfg = {**VALUE_CLASSES, **(config or {})}
    if not 0 <= cfg["high"] <= 1 or not 0 <= cfg["medium"] <= 1 - cfg["high"]:
        raise ParamsError(f"value class shares high={cfg['high']}, medium={cfg['medium']} must "
                          "be between 0 and 1 and sum to at most 1.")
    out = frame.copy()
    st = out[stage] if stage and stage in out.columns else pd.Series(None, index=out.index)
    ranked = out[clv].notna() & (st != "potential")
    order = out.loc[ranked, clv].sort_values(ascending=False, kind="stable").index
    n = len(order)
    n_high, n_med = int(np.ceil(cfg["high"] * n)), int(np.ceil(cfg["medium"] * n))
    cls = pd.Series("potential", index=out.index, dtype="object")
    cls[order[:n_high]] = "high"
    cls[order[n_high:n_high + n_med]] = "medium"
    cls[order[n_high + n_med:]] = "low"
    pot = st.isin(cfg["potential_stages"]) & (cls != "high")
    cls[pot | out[clv].isna()] = "potential"
    out["value_class"] = cls
    return out


def value_class_summary(frame: pd.DataFrame, *, clv: str = "clv",
                        revenue: str | None = "monetary") -> pd.DataFrame:
    """Per value class (fixed order high, medium, low, potential; empty ones with 0):
    ``customers``, ``share``, ``clv`` (sum), ``clv_share``, and ``revenue`` (sum of
    ``revenue`` so far) when that column is there."""
    g = frame.groupby("value_class")
    out = pd.DataFrame({"customers": g.size(), "clv": g[clv].sum()}).reindex(
        list(VALUE_CLASS_ORDER), fill_value=0)
    out["customers"] = out["customers"].astype("int64")
    out["share"] = out["customers"] / max(len(frame), 1)
    total = out["clv"].sum()
    out["clv_share"] = out["clv"] / total if total else np.nan
    if revenue and revenue in frame.columns:
        out["revenue"] = g[revenue].sum().reindex(out.index, fill_value=0)
    out.index.name = "value_class"
    return out.reset_index()
