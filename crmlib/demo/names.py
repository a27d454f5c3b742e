"""Names of the demo's companies, their e-mail domains, and mobile numbers.

Chinese companies read like 杭州明达科技有限公司 (city, brand, trade, legal form); those of
the Global Accounts team like "Northwind Asia Pacific Logistics (Shanghai) Co., Ltd.".
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmlib.demo import vocab
from crmlib.demo.common import choose, join, pick, weighted

__all__ = ["CITIES", "CN_LEGAL_FORMS", "EN_LEGAL_FORMS", "company_names", "mobiles"]

CITIES = [city for r in vocab.REGIONS.values() for cs in r.values() for city in cs]
CN_LEGAL_FORMS = [x[0] for x in vocab.CN_LEGAL]  # 有限公司, ...
EN_LEGAL_FORMS = [x[0] for x in vocab.EN_LEGAL]  # Co., Ltd., ...
_CITY_EN = [en for _, _, en in vocab.GLOBAL_CITIES]
_EN_INDEX = np.array([next((i for i, g in enumerate(vocab.GLOBAL_CITIES) if g[1] == city), 0)
                      for city in CITIES])
_CN_WORDS = np.array([v[1] for v in vocab.INDUSTRIES.values()], dtype=object)
_EN_WORDS = np.array([v[2] for v in vocab.INDUSTRIES.values()], dtype=object)


def company_names(rng, c: SimpleNamespace, rows) -> None:
    """Draw company names (Chinese, or English for Global Accounts) and e-mail domains.

    Needs ``industry``, ``city_code`` and ``english``; sets ``name``, ``domain`` and ``legal``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    rows : numpy.ndarray
        Positions of the customers to name.
    """
    rows = np.asarray(rows)
    english = c.english[rows]
    for make, r in ((_english_names, rows[english]), (_chinese_names, rows[~english])):
        c.name[r], c.domain[r], c.legal[r] = make(rng, c.industry[r], c.city_code[r])


def _chinese_names(rng, industry, city):
    """Like 杭州明达科技有限公司: city, a two- or three-character brand, trade, legal form."""
    n = len(industry)
    b1, b2 = rng.integers(0, len(vocab.BRAND_1), n), rng.integers(0, len(vocab.BRAND_2), n)
    b3 = np.where(rng.random(n) < 0.3, rng.integers(0, len(vocab.BRAND_3), n), len(vocab.BRAND_3))
    parts = [(vocab.BRAND_1, b1), (vocab.BRAND_2, b2), (vocab.BRAND_3 + [("", "")], b3)]
    brand = join(*(pick([x[0] for x in v], i) for v, i in parts), arrow=True)
    pinyin = join(*(pick([x[1] for x in v], i) for v, i in parts), arrow=True)
    per = _CN_WORDS.shape[1]
    word = pick(_CN_WORDS.ravel(), industry * per + rng.integers(0, per, n))
    legal = weighted(rng, vocab.CN_LEGAL, n)
    name = join(pick([x[:-1] for x in CITIES], city), brand, word, pick(CN_LEGAL_FORMS, legal))
    domain = join(pinyin, pick([".com", ".com.cn", ".cn"], rng.choice(3, n, p=[.5, .35, .15])))
    return name, domain, choose(CN_LEGAL_FORMS, legal)


def _english_names(rng, industry, city):
    """Like "Northwind Asia Pacific Logistics (Shanghai) Co., Ltd."."""
    n = len(industry)
    brand = join(pick(vocab.EN_PREFIX, rng.integers(0, len(vocab.EN_PREFIX), n)),
                 pick(vocab.EN_SUFFIX, rng.integers(0, len(vocab.EN_SUFFIX), n)), arrow=True)
    middle = pick([f" {m}" if m else "" for m in vocab.EN_MIDDLE],
                  rng.integers(0, len(vocab.EN_MIDDLE), n))
    per = _EN_WORDS.shape[1]
    word = pick([f" {w}" for w in _EN_WORDS.ravel()], industry * per + rng.integers(0, per, n))
    where = pick([""] + [f" ({x})" for x in _CITY_EN],
                 np.where(rng.random(n) < 0.5, 1 + _EN_INDEX[city], 0))
    legal = weighted(rng, vocab.EN_LEGAL, n)
    name = join(brand, middle, word, where, pick([f" {x}" for x in EN_LEGAL_FORMS], legal))
    domain = join(pc.utf8_lower(brand), ".com")
    return name, domain, choose(EN_LEGAL_FORMS, legal)


def mobiles(rng, n: int) -> np.ndarray:
    """Draw ``n`` 11-digit Chinese mobile numbers (13x / 15x / 18x).

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    n : int
        How many numbers.

    Returns
    -------
    numpy.ndarray
        Object array of ``n`` str.
    """
    prefixes = np.array(vocab.MOBILE_PREFIXES, dtype=np.int64)
    prefix = prefixes[rng.integers(0, len(prefixes), n)]
    num = prefix * 100_000_000 + rng.integers(0, 100_000_000, n)
    return pa.array(num).cast(pa.string()).to_numpy(zero_copy_only=False)
