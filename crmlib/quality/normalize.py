"""Normalisation of the values duplicates are found by: phones, e-mails, company and person names.

Definitions (each a pure function of one value; ``None`` / NaN / blank give ``None``):

- **Phone.** Digits only (spaces, dashes, dots, brackets dropped); a China country code
  (``+86`` / ``0086``, or ``86`` before an 11-digit mobile) is removed, and a landline written
  with the country code gets its trunk ``0`` back: ``+86 138-0013-8000`` -> ``13800138000``,
  ``+86 21 5555 1234`` -> ``02155551234``. Another country code is kept, prefixed with ``00``
  (``+1 415 555 0100`` -> ``0014155550100``). **Valid** when the result is a mobile number
  (``1[3-9]`` and 11 digits), a landline with its area code (``0`` then 9-11 digits) or an
  international number (``00`` then 8-15 digits); anything else (a local number without area
  code, a short or long string of digits) is not a usable key.
- **E-mail.** Trimmed and lower-cased. **Valid** when it matches :data:`EMAIL_PATTERN` (one
  ``@``, a name of letters, digits and ``._%+-``, a dotted domain ending in 2+ letters).
- **Company name** (:func:`fold_company`): Unicode NFKC (full-width ``ＡＢＣ``, ``（）`` and
  ``，`` become ``ABC``, ``()`` and ``,``), case-folded, ``&`` read as ``and``; a bracketed part
  that is a place goes to the place key, one that is a legal form is dropped, any other
  keeps its text; punctuation becomes spaces; legal forms at the end (:data:`LEGAL_SUFFIXES`:
  有限公司, 股份有限公司, 集团, Co., Ltd., Inc., LLC, GmbH ...) are removed repeatedly; a leading
  province and/or city (:data:`PROVINCES`, with 省/市/自治区 or not, and their pinyin) and a
  trailing Latin city go to the place key. What is left, without spaces, is the **core**:
  ``杭州明达科技有限公司``, ``明达科技（杭州）有限公司`` and ``杭州明达科技`` all give place
  ``杭州`` and core ``明达科技``.
- **Name similarity** (:func:`name_similarity`): 1 for equal cores, else the Jaccard index of
  the cores' character bigrams, |A ∩ B| / |A ∪ B| (a one-character core is its own bigram).
  Two names **match** (:func:`match_names`) when their places do not conflict and their
  cores are equal, or both the cores' and the heads' similarity reach the threshold
  (``quality_name_threshold``, 0.8 by default); the **head** is the brand: the core's first
  Latin word, or its first two Chinese characters. Places conflict when both names have one and none is equal to, or the province of, the other's:
  北京华为 and 上海华为 never match, 浙江明达 and 杭州明达 may.
- **Person name** (:func:`fold_person`): NFKC, case-folded, spaces and punctuation removed
  (``Zhang Wei`` = ``zhang wei`` = ``ZHANG-WEI``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

__all__ = ["LEGAL_SUFFIXES", "PROVINCES", "PLACE_ALIASES", "EMAIL_PATTERN", "NameKey",
           "normalize_phone", "phone_is_valid", "normalize_email", "email_is_valid",
           "fold_company", "fold_person", "bigrams", "province_of", "places_conflict", "name_similarity",
           "keys_match", "match_names", "email_invalid_expr", "phone_invalid_expr"]

# Legal forms removed from the end of company names (compared after folding: case, full-width
# and punctuation do not matter, so "Co., Ltd." also removes "co ltd" and "CO.,LTD").
LEGAL_SUFFIXES: list[str] = [
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "集团", "公司",
    "company limited", "co ltd", "co limited", "company ltd", "limited", "ltd", "inc",
    "incorporated", "llc", "l l c", "corp", "corporation", "gmbh", "co", "company", "group",
    "plc", "pte", "ag", "bv", "s a", "sa", "s r l", "srl", "pty",
]

# province (short form) -> its main cities (short forms). Municipalities are their own city.
PROVINCES: dict[str, list[str]] = {
    "北京": ["北京"], "上海": ["上海"], "天津": ["天津"], "重庆": ["重庆"],
    "河北": ["石家庄", "唐山", "保定", "廊坊", "秦皇岛", "邯郸"],
    "山西": ["太原", "大同"], "辽宁": ["沈阳", "大连", "鞍山"], "吉林": ["长春", "吉林"],
    "黑龙江": ["哈尔滨", "大庆"], "江苏": ["南京", "苏州", "无锡", "常州", "南通", "扬州", "徐州",
                                      "镇江"],
    "浙江": ["杭州", "宁波", "温州", "绍兴", "嘉兴", "湖州", "金华", "台州"],
    "安徽": ["合肥", "芜湖"], "福建": ["福州", "厦门", "泉州"], "江西": ["南昌", "赣州"],
    "山东": ["济南", "青岛", "烟台", "潍坊", "淄博", "威海"], "河南": ["郑州", "洛阳"],
    "湖北": ["武汉", "宜昌", "襄阳"], "湖南": ["长沙", "株洲"],
    "广东": ["广州", "深圳", "东莞", "佛山", "珠海", "中山", "惠州", "汕头"], "海南": ["海口", "三亚"],
    "四川": ["成都", "绵阳"], "贵州": ["贵阳"], "云南": ["昆明", "曲靖"], "陕西": ["西安"],
    "甘肃": ["兰州"], "青海": ["西宁"], "台湾": ["台北"], "内蒙古": ["呼和浩特", "包头"],
    "广西": ["南宁", "柳州", "桂林"], "西藏": ["拉萨"], "宁夏": ["银川"], "新疆": ["乌鲁木齐"],
    "香港": ["香港"], "澳门": ["澳门"],
}
# Latin spellings of places -> the Chinese short form
PLACE_ALIASES: dict[str, str] = {
    "beijing": "北京", "peking": "北京", "shanghai": "上海", "tianjin": "天津",
    "chongqing": "重庆", "shenzhen": "深圳", "guangzhou": "广州", "canton": "广州",
    "suzhou": "苏州", "hangzhou": "杭州", "nanjing": "南京", "ningbo": "宁波", "wuxi": "无锡",
    "chengdu": "成都", "wuhan": "武汉", "xiamen": "厦门", "qingdao": "青岛", "dalian": "大连",
    "shenyang": "沈阳", "xian": "西安", "changsha": "长沙", "zhengzhou": "郑州",
    "dongguan": "东莞", "foshan": "佛山", "zhuhai": "珠海", "hefei": "合肥", "jinan": "济南",
    "fuzhou": "福州", "kunming": "昆明", "hong kong": "香港", "hongkong": "香港",
    "macau": "澳门", "macao": "澳门", "taipei": "台北",
    "guangdong": "广东", "jiangsu": "江苏", "zhejiang": "浙江", "shandong": "山东",
    "fujian": "福建", "sichuan": "四川", "hubei": "湖北", "hunan": "湖南", "hebei": "河北",
    "henan": "河南", "liaoning": "辽宁", "anhui": "安徽",
}
_CN_PLACE_SUFFIXES = ("特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市")

EMAIL_PATTERN = r"^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$"
_EMAIL_RE = re.compile(EMAIL_PATTERN)
_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE_RE = re.compile(r"^0[1-9][0-9]{8,10}$")
_INTL_RE = re.compile(r"^00[1-9][0-9]{7,14}$")
_BRACKET_RE = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]")
_NON_WORD_RE = re.compile(r"[\W_]+")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class NameKey:
    """A folded company name: ``place`` (a Chinese short place name, or None), ``core`` and
    ``head`` (the brand: the core's first Latin word, or its first two characters)."""

    place: str | None
    core: str
    head: str = ""


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or (
        isinstance(value, str) and not value.strip())


# -- phones and e-mails ------------------------------------------------------------------------
def normalize_phone(value) -> str | None:
    """The comparable form of a phone number (see the module docstring), or None when blank.

    >>> normalize_phone("+86 138-0013-8000"), normalize_phone("0086 13800138000")
    ('13800138000', '13800138000')
    >>> normalize_phone("+86 (21) 5555-1234"), normalize_phone("021 5555 1234")
    ('02155551234', '02155551234')
    """
    if _blank(value):
        return None
    s = unicodedata.normalize("NFKC", str(value)).strip()
    digits = re.sub(r"\D", "", s)
    if not digits:
        return None
    intl = s.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if intl:
        if not digits.startswith("86"):
            return "00" + digits
        digits = digits[2:]
        return digits if digits.startswith("1") or digits.startswith("0") else "0" + digits
    if len(digits) == 13 and digits.startswith("861"):
        return digits[2:]
    return digits


def phone_is_valid(value) -> bool:
    """Whether a phone number is a usable key: a mobile, a landline with area code or an
    international number once normalised (see the module docstring)."""
    p = normalize_phone(value)
    return p is not None and bool(_MOBILE_RE.match(p) or _LANDLINE_RE.match(p)
                                  or _INTL_RE.match(p))


def normalize_email(value) -> str | None:
    """Trimmed, lower-cased e-mail address (NFKC first: full-width ``＠`` is ``@``), or None."""
    if _blank(value):
        return None
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


def email_is_valid(value) -> bool:
    """Whether ``value`` is an e-mail address by :data:`EMAIL_PATTERN` (after normalising)."""
    e = normalize_email(value)
    return e is not None and bool(_EMAIL_RE.match(e))


# -- names -------------------------------------------------------------------------------------
def _fold_text(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold().replace("&", " and ")
    return " ".join(_NON_WORD_RE.sub(" ", s).split())


def _places() -> tuple[dict[str, str], dict[str, str]]:
    """Chinese place aliases (longest first) -> short form, and city -> province."""
    province_of = {}
    aliases = {}
    for prov, cities in PROVINCES.items():
        province_of[prov] = prov
        for city in cities:
            province_of.setdefault(city, prov)
        for name in [prov, *cities]:
            aliases[name] = name
            for suffix in _CN_PLACE_SUFFIXES:
                aliases[name + suffix] = name
    aliases = dict(sorted(aliases.items(), key=lambda kv: -len(kv[0])))
    return aliases, province_of


_CN_ALIASES, _PROVINCE_OF = _places()


def _place_of(text: str, latin: dict[str, str]) -> str | None:
    """The place a whole bracketed text names, else None."""
    t = _fold_text(text)
    if t in latin:
        return latin[t]
    return _CN_ALIASES.get(t.replace(" ", ""))


_CN_MAX = max(map(len, _CN_ALIASES))


def _leading_cn_place(s: str) -> tuple[str | None, str]:
    for k in range(min(_CN_MAX, len(s) - 1), 1, -1):
        short = _CN_ALIASES.get(s[:k])
        if short is not None:
            return short, s[k:].lstrip()
    return None, s


def _strip_legal(s: str, suffixes: re.Pattern) -> str:
    """Remove legal forms from the end, repeatedly (never the whole name)."""
    while True:
        m = suffixes.search(s)
        if not m or m.start() == 0:
            return s
        s = s[: m.start()].rstrip()


@functools.lru_cache(maxsize=8)
def _rules(legal_suffixes: tuple[str, ...] | None, place_aliases: tuple | None):
    folded = sorted({_fold_text(x) for x in (legal_suffixes or LEGAL_SUFFIXES)} - {""},
                    key=len, reverse=True)
    # a Chinese legal form may follow the name directly; a Latin one follows a space
    alts = [re.escape(x) if _CJK_RE.match(x) else r"(?<= )" + re.escape(x) for x in folded]
    latin = {_fold_text(k): v for k, v in (place_aliases or tuple(PLACE_ALIASES.items()))}
    return frozenset(folded), re.compile("(?:" + "|".join(alts) + ")$"), latin


def _latin_place(tokens: list[str], latin: dict[str, str], at_end: bool) -> tuple[str | None, int]:
    """A place named by the first (or last) one or two tokens: (place, tokens used)."""
    for k in (2, 1):
        if len(tokens) > k:
            part = " ".join(tokens[-k:] if at_end else tokens[:k])
            if part in latin:
                return latin[part], k
    return None, 0


def fold_company(name, *, legal_suffixes: list[str] | None = None,
                 place_aliases: dict[str, str] | None = None) -> NameKey | None:
    """Fold a company name into its place and core (see the module docstring); None if blank.

    Parameters
    ----------
    name : str
    legal_suffixes : list of str, optional
        Legal forms to remove from the end; default :data:`LEGAL_SUFFIXES`.
    place_aliases : dict, optional
        Latin place spellings -> Chinese short form; default :data:`PLACE_ALIASES`.

    Examples
    --------
    >>> fold_company("明达科技（杭州）有限公司")
    NameKey(place='杭州', core='明达科技', head='明达')
    >>> fold_company("ＡＣＭＥ Co., Ltd.") == fold_company("acme co ltd")
    True
    """
    if _blank(name):
        return None
    folded, suffixes, latin = _rules(tuple(legal_suffixes) if legal_suffixes else None,
                             tuple(place_aliases.items()) if place_aliases else None)
    places: list[str] = []

    def bracket(m):
        inner = m.group(1)
        place = _place_of(inner, latin)
        if place:
            places.append(place)
            return " "
        return " " if _fold_text(inner) in folded else f" {inner} "

    s = unicodedata.normalize("NFKC", str(name)).casefold()
    s = _strip_legal(_fold_text(_BRACKET_RE.sub(bracket, s)), suffixes)
    whole = s
    lead, s = _leading_cn_place(s)
    if lead in PROVINCES:  # a province, then maybe one of its cities
        city, rest = _leading_cn_place(s)
        if city is not None and _PROVINCE_OF.get(city) == lead:
            lead, s = city, rest
    tokens = s.split()
    if lead is None:
        lead, k = _latin_place(tokens, latin, at_end=False)
        tokens = tokens[k:]
    if lead:
        places.append(lead)
    tail, k = _latin_place(tokens, latin, at_end=True)
    if tail:
        places.append(tail)
        tokens = tokens[: len(tokens) - k]
    rest = _strip_legal(" ".join(tokens), suffixes) or whole
    core = rest.replace(" ", "")
    head = core[:2] if _CJK_RE.match(core) else rest.split(" ")[0]
    place = None  # the most specific place: a city over its province
    for p in places:
        if place is None or _PROVINCE_OF.get(p) == place:
            place = p
    return NameKey(place, core, head)


def fold_person(name) -> str | None:
    """A person's name folded for comparison: NFKC, case-folded, no spaces or punctuation."""
    if _blank(name):
        return None
    return _fold_text(str(name)).replace(" ", "") or None


def bigrams(core: str) -> frozenset[str]:
    """The set of character bigrams of ``core`` (a one-character core is its own set)."""
    if len(core) < 2:
        return frozenset([core])
    return frozenset(core[i:i + 2] for i in range(len(core) - 1))


def province_of(place: str | None) -> str | None:
    """The province of a place key (a province is its own), or None when unknown."""
    return _PROVINCE_OF.get(place) if place else None


def places_conflict(a: str | None, b: str | None) -> bool:
    """Whether two place keys name different places (a city and its province do not)."""
    if a is None or b is None or a == b:
        return False
    return _PROVINCE_OF.get(a) != b and _PROVINCE_OF.get(b) != a


def name_similarity(a: NameKey | str, b: NameKey | str) -> float:
    """Jaccard index of the cores' character bigrams (1.0 when the cores are equal)."""
    ca = a.core if isinstance(a, NameKey) else a
    cb = b.core if isinstance(b, NameKey) else b
    if ca == cb:
        return 1.0
    x, y = bigrams(ca), bigrams(cb)
    return len(x & y) / len(x | y)


def keys_match(a: NameKey, b: NameKey, threshold: float) -> bool:
    """Whether two folded names are one company: places that do not conflict, and equal
    cores, or cores and heads (brands) both at least ``threshold`` similar."""
    if places_conflict(a.place, b.place):
        return False
    if a.core == b.core:
        return True
    return (name_similarity(a, b) >= threshold
            and name_similarity(a.head, b.head) >= threshold)


def match_names(a, b, *, threshold: float = 0.8, legal_suffixes=None,
                place_aliases=None) -> tuple[bool, float]:
    """Whether two company names are the same company: ``(match, similarity)``.

    A match (:func:`keys_match`) needs places that do not conflict and equal cores, or a core
    similarity and a head (brand) similarity of at least ``threshold`` each: "Brightland
    Oriental Supply Chain" and "Brightlake Oriental Supply Chain" share 80 % of their
    bigrams but not their brand. A blank name matches nothing (similarity 0).

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


# -- the same rules as engine expressions (for checks over whole tables) -------------------------
def email_invalid_expr(col):
    """ibis: a non-blank e-mail that breaks :data:`EMAIL_PATTERN` (trimmed, lower-cased)."""
    e = col.strip().lower()
    return e.notnull() & (e != "") & ~e.re_search(EMAIL_PATTERN)


def phone_invalid_expr(col):
    """ibis: a non-blank phone that :func:`phone_is_valid` rejects (same rules, without NFKC:
    full-width digits count as invalid in the engine)."""
    raw = col.strip()
    d = raw.re_replace(r"[^0-9]", "")
    intl = raw.startswith("+") | d.startswith("00")
    mobile = d.re_search(r"^((00)?86)?1[3-9][0-9]{9}$")
    landline = (~intl & d.re_search(r"^0[1-9][0-9]{8,10}$")) | (
        intl & d.re_search(r"^(00)?86(0[1-9][0-9]{8,10}|[2-9][0-9]{8,10})$"))
    other = intl & ~d.re_search(r"^(00)?86") & d.re_search(r"^(00)?[1-9][0-9]{7,14}$")
    return raw.notnull() & (raw != "") & ~(mobile | landline | other)
