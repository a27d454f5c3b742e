"""Similarity of company names folded by :func:`crmlib.quality.normalize.fold_company`.

- **Name similarity** (:func:`name_similarity`): 1 for equal cores, else the Jaccard index of
  the cores' character bigrams, |A ∩ B| / |A ∪ B| (a one-character core is its own bigram).
  Two names **match** (:func:`match_names`) when their places do not conflict and their
  cores are equal, or both the cores' and the heads' similarity reach the threshold
  (``quality_name_threshold``, 0.8 by default); the **head** is the brand: the core's first
  Latin word, or its first two Chinese characters. Places conflict when both names have one and none is equal to, or the province of, the other's:
  北京华为 and 上海华为 never match, 浙江明达 and 杭州明达 may.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from crmlib.quality.normalize import NameKey, fold_company, places_conflict

__all__ = ["bigrams", "bigram_matrix", "jaccard_pairs", "name_similarity", "keys_match",
           "match_names"]


def bigrams(core: str) -> frozenset[str]:
    """Return the set of character bigrams of ``core`` (a one-character core is its own set).

    Parameters
    ----------
    core : str
        A folded name's core.

    Returns
    -------
    frozenset of str
        The bigrams (``{core}`` for a one-character core).
    """
    if len(core) < 2:
        return frozenset([core])
    return frozenset(core[i:i + 2] for i in range(len(core) - 1))


def bigram_matrix(strings) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Return the records x bigrams incidence matrix (1 where a string has the bigram).

    Parameters
    ----------
    strings : list of str or None
        Cores (or heads); None has no bigrams.

    Returns
    -------
    tuple of (scipy.sparse.csr_matrix, numpy.ndarray)
        The matrix (float32), and each string's number of bigrams.
    """
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, s in enumerate(strings):
        if s is None:
            continue
        for g in bigrams(s):
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                          shape=(len(strings), max(len(vocab), 1)))
    return m, np.asarray(m.sum(axis=1)).ravel()


def jaccard_pairs(m, sizes, ia, ib, chunk: int = 200_000) -> np.ndarray:
    """Return the Jaccard index of the bigram sets of records ``ia`` and ``ib`` (vectorised).

    Parameters
    ----------
    m, sizes
        As :func:`bigram_matrix` returns.
    ia, ib : numpy.ndarray
        Row positions of the pairs' records.
    chunk : int, default=200_000
        Pairs computed at a time (bounds the memory).

    Returns
    -------
    numpy.ndarray
        One index per pair, 0 when both sets are empty.
    """
    out = np.zeros(len(ia))
    for s in range(0, len(ia), chunk):
        a, b = ia[s:s + chunk], ib[s:s + chunk]
        inter = np.asarray(m[a].multiply(m[b]).sum(axis=1)).ravel()
        union = sizes[a] + sizes[b] - inter
        out[s:s + chunk] = np.divide(inter, union, out=np.zeros(len(a)), where=union > 0)
    return out


def name_similarity(a: NameKey | str, b: NameKey | str) -> float:
    """Return the Jaccard index of the cores' character bigrams (1.0 when the cores are equal).

    Parameters
    ----------
    a, b : NameKey or str
        Folded names, or cores.

    Returns
    -------
    float
        0..1.
    """
    ca = a.core if isinstance(a, NameKey) else a
    cb = b.core if isinstance(b, NameKey) else b
    if ca == cb:
        return 1.0
    x, y = bigrams(ca), bigrams(cb)
    return len(x & y) / len(x | y)


def keys_match(a: NameKey, b: NameKey, threshold: float) -> bool:
    """Return whether two folded names are one company.

    Places that do not conflict, and equal cores, or cores and heads (brands) both at least
    ``threshold`` similar.

    Parameters
    ----------
    a, b : NameKey
        Folded names.
    threshold : float
        The least similarity of cores and of heads.

    Returns
    -------
    bool
        True when the names (and their head words) are at least ``threshold`` similar.
    """
    if places_conflict(a.place, b.place):
        return False
    if a.core == b.core:
        return True
    return (name_similarity(a, b) >= threshold
            and name_similarity(a.head, b.head) >= threshold)


def match_names(a, b, *, threshold: float = 0.8, legal_suffixes=None,
                place_aliases=None) -> tuple[bool, float]:
    """Return whether two company names are the same company: ``(match, similarity)``.

    A match (:func:`keys_match`) needs places that do not conflict and equal cores, or a core
    similarity and a head (brand) similarity of at least ``threshold`` each: "Brightland
    Oriental Supply Chain" and "Brightlake Oriental Supply Chain" share 80 % of their
    bigrams but not their brand. A blank name matches nothing (similarity 0).

    Parameters
    ----------
    a, b : str
        Company names.
    threshold : float, default=0.8
        The least similarity of cores and of heads.
    legal_suffixes, place_aliases : optional
        As for :func:`fold_company`.

    Returns
    -------
    tuple of (bool, float)
        Whether they match, and the cores' similarity.

    Examples
    --------
    >>> match_names("杭州明达科技有限公司", "杭州明达科技")
    (True, 1.0)
    >>> match_names("北京华为", "上海华为")[0], match_names("Acme Inc.", "Acme Labs Inc.")[0]
    (False, False)
    """
    ka = fold_company(a, legal_suffixes=legal_suffixes, place_aliases=place_aliases)
    kb = fold_company(b, legal_suffixes=legal_suffixes, place_aliases=place_aliases)
    if ka is None or kb is None:
        return False, 0.0
    return keys_match(ka, kb, threshold), name_similarity(ka, kb)
