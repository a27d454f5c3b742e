"""Small vectorised helpers shared by the demo's builders: random streams, ids, strings, groups."""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["stream", "ids", "join", "pick", "as_arrow", "choose", "weighted", "group_starts",
           "rank_in_group",
           "cents", "money", "take", "stack"]


def stream(seed: int, name: str) -> np.random.Generator:
    """Return an independent random stream per builder: editing one leaves the others' data as is.

    Parameters
    ----------
    seed : int
        The demo's seed.
    name : str
        The builder's name.

    Returns
    -------
    numpy.random.Generator
        A generator seeded from ``seed`` and the builder's ``name``.
    """
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def ids(prefix: str, n: int, width: int | None = None) -> np.ndarray:
    """Return ``n`` ids ``prefix`` + zero-padded 1..n, e.g. ``HT000001``.

    Parameters
    ----------
    prefix : str
        The ids' prefix.
    n : int
        How many.
    width : int, optional
        Digits; default at least 6 and enough for ``n``.

    Returns
    -------
    numpy.ndarray
        Object array of str.
    """
    width = width or max(6, len(str(n)))
    digits = pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "").to_numpy(zero_copy_only=False)


def join(*parts, sep: str = "", arrow: bool = False):
    """Concatenate strings element-wise: scalars, object arrays or arrow arrays.

    None in any part gives None.

    Parameters
    ----------
    *parts
        Scalars or arrays of equal length.
    sep : str, default=""
        Put between parts.
    arrow : bool, default=False
        Return an arrow array (cheaper when the result is only a part of a longer string).

    Returns
    -------
    numpy.ndarray or pyarrow.Array
        The joined strings, an arrow string array when ``arrow`` is true, else an object array.
    """
    arrays = [p if isinstance(p, str | pa.Array) else as_arrow(p) for p in parts]
    out = pc.binary_join_element_wise(*arrays, sep)
    return out if arrow else out.to_numpy(zero_copy_only=False)


def pick(values, codes) -> pa.Array:
    """Return ``values[codes]`` as an arrow string array (a cheap part for :func:`join`).

    Parameters
    ----------
    values : sequence of str
        The vocabulary.
    codes : numpy.ndarray
        Positions in ``values``.

    Returns
    -------
    pyarrow.Array
        A string array, one value per code.
    """
    return pa.array(list(values), pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))


def as_arrow(x) -> pa.Array:
    """Return an object array of str as an arrow string array.

    Parameters
    ----------
    x : numpy.ndarray
        Object array of str (None allowed).

    Returns
    -------
    pyarrow.Array
        The same strings as an arrow string array (None stays null).
    """
    return x if isinstance(x, pa.Array) else pa.array(np.asarray(x, dtype=object), pa.string())


def choose(values, codes) -> np.ndarray:
    """Return ``values[codes]`` as an object array: rows share the vocabulary's str objects.

    Parameters
    ----------
    values : sequence of str
        The vocabulary.
    codes : numpy.ndarray
        Positions in ``values``.

    Returns
    -------
    numpy.ndarray
        Object array of str, one value per code.
    """
    return np.asarray(values, dtype=object)[codes]


def weighted(rng, pairs, n: int) -> np.ndarray:
    """Return ``n`` codes 0..k-1 drawn with the weights of ``pairs``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream.
    pairs : list of (object, float)
        (value, weight) pairs.
    n : int
        How many.

    Returns
    -------
    numpy.ndarray
        ``n`` int codes, code i drawn with the weight of ``pairs[i]``.
    """
    w = np.array([p[1] for p in pairs], dtype=float)
    return rng.choice(len(pairs), size=n, p=w / w.sum())


def group_starts(counts) -> np.ndarray:
    """Return the start offset of each group in rows laid out group after group.

    Parameters
    ----------
    counts : numpy.ndarray
        Rows per group.

    Returns
    -------
    numpy.ndarray
        int64 offset of each group's first row: 0, then the running totals of ``counts`` (one
        per group).
    """
    counts = np.asarray(counts, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(counts)[:-1]])


def rank_in_group(counts) -> np.ndarray:
    """Return the 0-based position of each row within its group of ``counts`` consecutive rows.

    Parameters
    ----------
    counts : numpy.ndarray
        Rows per group.

    Returns
    -------
    numpy.ndarray
        int64 positions 0..count-1, one per row (``counts.sum()`` rows).
    """
    counts = np.asarray(counts, dtype=np.int64)
    return np.arange(counts.sum()) - np.repeat(group_starts(counts), counts)


def cents(x) -> np.ndarray:
    """Return amounts rounded to whole cents, as int64 (sums of cents are exact).

    Parameters
    ----------
    x : numpy.ndarray
        Amounts.

    Returns
    -------
    numpy.ndarray
        int64 amounts in cents.
    """
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


def money(c) -> np.ndarray:
    """Return cents back as amounts (float, 2 decimals).

    Parameters
    ----------
    c : numpy.ndarray
        Cents.

    Returns
    -------
    numpy.ndarray
        float64 amounts with 2 decimals.
    """
    return np.asarray(c, dtype=np.int64) / 100.0


def take(ns, idx):
    """Return a copy of namespace ``ns`` with every per-row array indexed by ``idx``.

    Per-row arrays are the numpy arrays as long as ``ns.n``; other attributes are kept as they are.

    Parameters
    ----------
    ns : types.SimpleNamespace
        Rows as arrays, with ``n``.
    idx : numpy.ndarray
        Row positions (or a boolean mask).

    Returns
    -------
    types.SimpleNamespace
        The new namespace, its per-row arrays holding the rows ``idx`` (``n`` updated).
    """
    out = type(ns)(**vars(ns))
    for k, v in vars(ns).items():
        if isinstance(v, np.ndarray) and v.ndim == 1 and len(v) == ns.n and k != "n":
            setattr(out, k, v[idx])
    out.n = len(np.arange(ns.n)[idx])
    return out


def stack(a, b):
    """Return the rows of namespace ``a`` followed by those of ``b`` (same per-row arrays).

    Parameters
    ----------
    a, b : types.SimpleNamespace
        Rows as arrays, with ``n``.

    Returns
    -------
    types.SimpleNamespace
        A new namespace with each per-row array of ``a`` then ``b`` (``n`` the sum).
    """
    out = type(a)(**vars(a))
    for k, v in vars(a).items():
        if isinstance(v, np.ndarray) and v.ndim == 1 and len(v) == a.n:
            setattr(out, k, np.concatenate([v, getattr(b, k)]))
    out.n = a.n + b.n
    return out
