"""Normalisation of the names duplicates are found by: company and person names.

Definitions (each a pure function of one value; ``None`` / NaN / blank give ``None``;
phones and e-mails: :mod:`crmlib.quality.phones_emails`):

- **Company name** (:func:`fold_company`): Unicode NFKC (full-width ``ＡＢＣ``, ``（）`` and
  ``，`` become ``ABC``, ``()`` and ``,``), case-folded, ``&`` read as ``and``; a bracketed part
  that is a place goes to the place key, one that is a legal form is dropped, any other
  keeps its text; punctuation becomes spaces; legal forms at the end (:data:`LEGAL_SUFFIXES`:
  有限公司, 股份有限公司, 集团, Co., Ltd., Inc., LLC, GmbH ...) are removed repeatedly; a leading
  province and/or city (:data:`PROVINCES`, with 省/市/自治区 or not, and their pinyin) and a
  trailing Latin city go to the place key. What is left, without spaces, is the **core**:
  ``杭州明达科技有限公司``, ``明达科技（杭州）有限公司`` and ``杭州明达科技`` all give place
  ``杭州`` and core ``明达科技``.
- **Name similarity** and **match**: :mod:`crmlib.quality.similarity`.
- **Person name** (:func:`fold_person`): NFKC, case-folded, spaces and punctuation removed
  (``Zhang Wei`` = ``zhang wei`` = ``ZHANG-WEI``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

__all__ = ["LEGAL_SUFFIXES", "PROVINCES", "PLACE_ALIASES", "NameKey", "is_blank",
           "fold_company", "fold_person", "province_of", "places_conflict"]

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

_BRACKET_RE = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]")
_NON_WORD_RE = re.compile(r"[\W_]+")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class NameKey:
    """A folded company name.

    Parameters
    ----------
    place : str or None
        A Chinese short place name.
    core : str
        The name without place and legal form.
    head : str, default=""
        The brand: the core's first Latin word, or its first two characters.
    """

    place: str | None
    core: str
    head: str = ""


def is_blank(value) -> bool:
    """Return whether ``value`` is missing: None, NaN or blank text.

    Parameters
    ----------
    value : object
        Any value.

    Returns
    -------
    bool
        True for None, NaN and empty or whitespace-only text.
    """
    return value is None or (not isinstance(value, str) and pd.isna(value)) or (
        isinstance(value, str) and not value.strip())


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
    """Return the place a whole bracketed text names, else None."""
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
    """Return a place named by the first (or last) one or two tokens: (place, tokens used)."""
    for k in (2, 1):
        if len(tokens) > k:
            part = " ".join(tokens[-k:] if at_end else tokens[:k])
            if part in latin:
                return latin[part], k
    return None, 0


def fold_company(name, *, legal_suffixes: list[str] | None = None,
                 place_aliases: dict[str, str] | None = None) -> NameKey | None:
    """Fold a company name into its place and core (see the module docstring).

    Parameters
    ----------
    name : str
        A company name.
    legal_suffixes : list of str, optional
        Legal forms to remove from the end; default :data:`LEGAL_SUFFIXES`.
    place_aliases : dict, optional
        Latin place spellings -> Chinese short form; default :data:`PLACE_ALIASES`.

    Returns
    -------
    NameKey or None
        None when the name is blank.

    Examples
    --------
    >>> fold_company("明达科技（杭州）有限公司")
    NameKey(place='杭州', core='明达科技', head='明达')
    >>> fold_company("ＡＣＭＥ Co., Ltd.") == fold_company("acme co ltd")
    True
    """
    if is_blank(name):
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
    """Fold a person's name for comparison: NFKC, case-folded, no spaces or punctuation.

    Parameters
    ----------
    name : str
        A person's name.

    Returns
    -------
    str or None
        None when blank.
    """
    if is_blank(name):
        return None
    return _fold_text(str(name)).replace(" ", "") or None


def province_of(place: str | None) -> str | None:
    """Look up the province of a place key (a province is its own), or None when unknown.

    Parameters
    ----------
    place : str or None
        A place key.

    Returns
    -------
    str or None
        The province's key, or None.
    """
    return _PROVINCE_OF.get(place) if place else None


def places_conflict(a: str | None, b: str | None) -> bool:
    """Return whether two place keys name different places (a city and its province do not).

    Parameters
    ----------
    a, b : str or None
        Place keys; a missing one conflicts with nothing.

    Returns
    -------
    bool
        True when both are known and neither contains the other.
    """
    if a is None or b is None or a == b:
        return False
    return _PROVINCE_OF.get(a) != b and _PROVINCE_OF.get(b) != a
