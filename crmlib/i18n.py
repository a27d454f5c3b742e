"""Labels shown to people, in English and Simplified Chinese: one catalogue for the suite.

The catalogue is the union of the YAML files in ``crmlib/labels/`` (one per topic, so topics can
be added side by side); a key may appear in only one file. Notebooks, plots and dashboards never
hard-code a label: they call ``t(key, lang)``. A test checks that every key has both languages.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

__all__ = ["LANGS", "CATALOGUE", "t", "value_label", "missing", "load_catalogue"]

LANGS = ("en", "zh")
LABELS_DIR = Path(__file__).parent / "labels"


def load_catalogue(folder: Path = LABELS_DIR) -> dict[str, dict[str, str]]:
    """Read every ``*.yaml`` label file of ``folder``; a key defined twice is an error.

    Parameters
    ----------
    folder : pathlib.Path, default=LABELS_DIR
        The labels folder.

    Returns
    -------
    dict of str to dict
        Key -> {language: text}.
    """
    out: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        for key, value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if key in out:
                raise ValueError(f"label `{key}` is defined in both {where[key]} and {path.name}")
            out[key], where[key] = value, path.name
    return out


CATALOGUE: dict[str, dict[str, str]] = load_catalogue()


def t(key: str, lang: str = "en", **fmt) -> str:
    """Return the label ``key`` in ``lang`` (``en`` or ``zh``), formatted with ``fmt``.

    Parameters
    ----------
    key : str
        A catalogue key.
    lang : str, default="en"
        ``en`` or ``zh``.
    **fmt
        Values for the label's ``{placeholders}``.

    Returns
    -------
    str
        The catalogue text (formatted when ``fmt`` is given).

    Raises
    ------
    KeyError
        Unknown key (with a did-you-mean).
    ValueError
        A language other than en/zh.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language `{lang}`; use one of {', '.join(LANGS)}.")
    try:
        text = CATALOGUE[key][lang]
    except KeyError:
        hint = difflib.get_close_matches(key, CATALOGUE, n=1)
        raise KeyError(f"no label `{key}` in crmlib/labels/*.yaml"
                       + (f"; did you mean `{hint[0]}`?" if hint else "")) from None
    return text.format(**fmt) if fmt else text


def value_label(prefix: str, value, lang: str = "en") -> str:
    """Return a data value as shown to people.

    The catalogue's ``prefix + value`` label when there is one (e.g. the demo's stage ids
    ``stage_name_qualify`` -> 验证客户), else the value as it is.

    Parameters
    ----------
    prefix : str
        The catalogue key's prefix, e.g. ``stage_name_``.
    value : object
        The data value.
    lang : str, default="en"
        ``en`` or ``zh``.

    Returns
    -------
    str
        The catalogue text of ``prefix`` + value in ``lang``, "unknown" for a missing value,
        else the value as text.
    """
    if value is None or (isinstance(value, float) and value != value):
        return t("unknown", lang)
    entry = CATALOGUE.get(f"{prefix}{value}")
    return entry[lang] if entry else str(value)


def missing() -> list[str]:
    """Return the catalogue keys lacking a language (should be empty; a test checks).

    Returns
    -------
    list of str
        The keys missing a translation in ``en`` or ``zh``.
    """
    return [k for k, v in CATALOGUE.items() if any(not v.get(lang) for lang in LANGS)]
