"""Normalisation of phones and e-mails, the keys duplicates are found by, and their validity.

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
"""

from __future__ import annotations

import re
import unicodedata

from crmlib.quality.normalize import is_blank

__all__ = ["EMAIL_PATTERN", "normalize_phone", "phone_is_valid", "normalize_email",
           "email_is_valid", "email_invalid_expr", "phone_invalid_expr"]

EMAIL_PATTERN = r"^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$"
_EMAIL_RE = re.compile(EMAIL_PATTERN)
_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE_RE = re.compile(r"^0[1-9][0-9]{8,10}$")
_INTL_RE = re.compile(r"^00[1-9][0-9]{7,14}$")


# -- phones and e-mails ------------------------------------------------------------------------
def normalize_phone(value) -> str | None:
    """Return the comparable form of a phone number (see the module docstring).

    Parameters
    ----------
    value : str or None
        A phone number as entered.

    Returns
    -------
    str or None
        Digits; None when blank.

    Examples
    --------
    >>> normalize_phone("+86 138-0013-8000"), normalize_phone("0086 13800138000")
    ('13800138000', '13800138000')
    >>> normalize_phone("+86 (21) 5555-1234"), normalize_phone("021 5555 1234")
    ('02155551234', '02155551234')
    """
    if is_blank(value):
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
    """Return whether a phone number is a usable key once normalised.

    A mobile, a landline with area code or an international number (see the module docstring).

    Parameters
    ----------
    value : str or None
        A phone number as entered.

    Returns
    -------
    bool
        True for a mobile, landline or international number after normalising.
    """
    p = normalize_phone(value)
    return p is not None and bool(_MOBILE_RE.match(p) or _LANDLINE_RE.match(p)
                                  or _INTL_RE.match(p))


def normalize_email(value) -> str | None:
    """Return the e-mail address trimmed and lower-cased (NFKC first: full-width ``＠`` is ``@``).

    Parameters
    ----------
    value : str or None
        An e-mail address as entered.

    Returns
    -------
    str or None
        None when blank.
    """
    if is_blank(value):
        return None
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


def email_is_valid(value) -> bool:
    """Return whether ``value`` is an e-mail address by :data:`EMAIL_PATTERN` (after normalising).

    Parameters
    ----------
    value : str or None
        An e-mail address as entered.

    Returns
    -------
    bool
        True when the normalised value matches :data:`EMAIL_PATTERN`.
    """
    e = normalize_email(value)
    return e is not None and bool(_EMAIL_RE.match(e))


# -- the same rules as engine expressions (for checks over whole tables) -------------------------
def email_invalid_expr(col):
    """Return an ibis test for a non-blank e-mail that breaks :data:`EMAIL_PATTERN`.

    Parameters
    ----------
    col : ibis string column
        E-mail addresses (trimmed and lower-cased in the engine).

    Returns
    -------
    ibis boolean column
        True where the e-mail is present and invalid.
    """
    e = col.strip().lower()
    return e.notnull() & (e != "") & ~e.re_search(EMAIL_PATTERN)


def phone_invalid_expr(col):
    """Return an ibis test for a non-blank phone that :func:`phone_is_valid` rejects.

    The same rules, without NFKC: full-width digits count as invalid in the engine.

    Parameters
    ----------
    col : ibis string column
        Phone numbers.

    Returns
    -------
    ibis boolean column
        True where the phone is present and invalid.
    """
    raw = col.strip()
    d = raw.re_replace(r"[^0-9]", "")
    intl = raw.startswith("+") | d.startswith("00")
    mobile = d.re_search(r"^((00)?86)?1[3-9][0-9]{9}$")
    landline = (~intl & d.re_search(r"^0[1-9][0-9]{8,10}$")) | (
        intl & d.re_search(r"^(00)?86(0[1-9][0-9]{8,10}|[2-9][0-9]{8,10})$"))
    other = intl & ~d.re_search(r"^(00)?86") & d.re_search(r"^(00)?[1-9][0-9]{7,14}$")
    return raw.notnull() & (raw != "") & ~(mobile | landline | other)
