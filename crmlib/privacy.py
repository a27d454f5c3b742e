"""Masking of personal data (customer and contact phone numbers, e-mail addresses) in reports.

Metric functions return the data as it is; reports mask it when they display it, unless the
team's parameters set ``mask_pii: false``. Masking keeps just enough to recognise a record:

- phone: every digit but the first 3 and the last 4 becomes ``*`` (``13812345678`` ->
  ``138****5678``); with 7 digits or fewer only the last 2 stay. Other characters (``+``,
  spaces, dashes) are kept.
- e-mail: the first character of the name, ``***``, then the domain (``zhang.wei@example.com``
  -> ``z***@example.com``); a value without ``@`` becomes ``***``.

Empty values (None, NaN, blank) are returned as they are.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["mask_phone", "mask_email", "mask_pii"]


def _empty(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or (
        isinstance(value, str) and not value.strip())


def mask_phone(value):
    """Mask a phone number: ``"13812345678"`` -> ``"138****5678"`` (see the module docstring).

    Parameters
    ----------
    value : str or None
        A phone number.

    Returns
    -------
    str or None
        The masked number; missing values unchanged.
    """
    if _empty(value):
        return value
    s = str(value)
    digits = [i for i, ch in enumerate(s) if ch.isdigit()]
    keep = set(digits[-2:]) if len(digits) <= 7 else set(digits[:3] + digits[-4:])
    return "".join("*" if i in set(digits) - keep else ch for i, ch in enumerate(s))


def mask_email(value):
    """Mask an e-mail address: ``"zhang.wei@example.com"`` -> ``"z***@example.com"``.

    See the module docstring.

    Parameters
    ----------
    value : str or None
        An e-mail address.

    Returns
    -------
    str or None
        The masked address; missing values unchanged.
    """
    if _empty(value):
        return value
    s = str(value).strip()
    name, at, domain = s.rpartition("@")
    if not at or not name:
        return "***"
    return f"{name[0]}***@{domain}"


def mask_pii(df: pd.DataFrame, *, phone=("phone",), email=("email",)) -> pd.DataFrame:
    """Return a copy of ``df`` with its ``phone`` and ``email`` columns (those present) masked.

    Parameters
    ----------
    df : pandas.DataFrame
        Any frame.
    phone : tuple of str, default=("phone",)
        Columns masked with :func:`mask_phone`.
    email : tuple of str, default=("email",)
        Columns masked with :func:`mask_email`.

    Returns
    -------
    pandas.DataFrame
        The copy; other columns unchanged.
    """
    out = df.copy()
    for col in phone:
        if col in out.columns:
            out[col] = out[col].map(mask_phone)
    for col in email:
        if col in out.columns:
            out[col] = out[col].map(mask_email)
    return out
