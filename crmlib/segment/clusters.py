"""Customer segments: k-means on scaled RFM (+ CLV) features, k chosen by silhouette.

- **Segments.** k-means on scaled RFM (+ CLV) features (:class:`CustomerSegments`): each feature
  is ``log1p``-transformed (recency, frequency and money are all right-skewed) and standardised;
  k is chosen from ``k_range`` by the highest mean silhouette (the smaller k on a tie), and the
  whole selection table (k, inertia, silhouette) is kept so a report can show why. Segments are
  numbered 1..k by mean monetary value, highest first, so numbers are stable across runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.exceptions import ParamsError

__all__ = ["SEGMENT_FEATURES", "feature_matrix", "CustomerSegments"]

SEGMENT_FEATURES = ("recency_days", "frequency", "monetary")


def feature_matrix(frame: pd.DataFrame, features, log: bool) -> np.ndarray:
    """Return the feature columns of a per-customer frame as a float matrix.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer.
    features : sequence of str
        The columns, in order.
    log : bool
        ``log1p`` each value (negative values clipped to 0 first).

    Returns
    -------
    numpy.ndarray
        ``len(frame)`` rows, one column per feature.

    Raises
    ------
    ParamsError
        A feature column is missing or holds missing values.
    """
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
        Seed of the silhouette sample and of k-means.

    Attributes
    ----------
    k_ : int
        The number of segments chosen.
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
        """Fit k-means for each k of the range and keep the one with the best silhouette.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per customer with the ``features`` columns.

        Returns
        -------
        CustomerSegments
            ``self``, with ``k_``, ``selection_``, ``labels_`` and ``profile_``.

        Raises
        ------
        ParamsError
            Fewer than 3 customers (or not more customers than segments), or a feature column
            missing or with missing values.
        """
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score
        from sklearn.preprocessing import StandardScaler

        x = feature_matrix(frame, self.features, self.log)
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
        """Return the segment 1..k of each row of ``frame`` (the nearest fitted centre).

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per customer with the ``features`` columns.

        Returns
        -------
        numpy.ndarray
            Segment numbers (int).
        """
        z = self.scaler_.transform(feature_matrix(frame, self.features, self.log))
        return np.array([self._number[int(c)] for c in self.model_.predict(z)])

    def profile(self, frame: pd.DataFrame, labels) -> pd.DataFrame:
        """Describe each segment: size, share and the features' means and medians.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per customer with the ``features`` columns.
        labels : array-like
            The segment of each row.

        Returns
        -------
        pandas.DataFrame
            Per segment: ``segment``, ``customers``, ``share`` (of customers), the mean and
            median of each feature (``<feature>_mean``, ``<feature>_median``) and, when
            ``monetary`` is a feature, ``revenue`` (its sum) and ``revenue_share``.
        """
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
