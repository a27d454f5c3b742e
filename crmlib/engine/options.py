"""Checks of a function's options, with messages that name the parameter and what to pass."""

from __future__ import annotations

import difflib

import numpy as np

from crmlib.exceptions import ParamsError

__all__ = ["check_choice", "check_known", "with_defaults", "is_whole_number"]


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` when it is one of ``choices``, else raise naming the parameter.

    Parameters
    ----------
    value : object
        The value passed.
    name : str
        The parameter's name.
    choices : sequence
        The allowed values.

    Returns
    -------
    object
        ``value`` unchanged.

    Raises
    ------
    ParamsError
        ``value`` is not allowed.
    """
    if value not in choices:
        raise ParamsError(f"`{name}` {value!r} is not one of {', '.join(map(repr, choices))}; "
                          "pass one of those.")
    return value


def check_known(value, known, what: str):
    """Return ``value`` when it is a key of (or in) ``known``, else raise with a did-you-mean.

    Parameters
    ----------
    value : object
        The value passed.
    known : collection
        The known values (a dict's keys count).
    what : str
        What the value names, e.g. ``"metric"``.

    Returns
    -------
    object
        ``value`` unchanged.

    Raises
    ------
    ParamsError
        "unknown {what} `x`; did you mean `y`? Choose one of: ...".
    """
    if value in known:
        return value
    names = [str(k) for k in known]
    hint = difflib.get_close_matches(str(value), names, n=1)
    raise ParamsError(f"unknown {what} `{value}`" + (f"; did you mean `{hint[0]}`?" if hint else "")
                      + f" Choose one of: {', '.join(names)}.")


def with_defaults(defaults: dict, overrides, name: str) -> dict:
    """Return ``defaults`` updated with ``overrides`` (a team's settings).

    Parameters
    ----------
    defaults : dict
        Every allowed key with its default.
    overrides : dict or None
        The keys to change.
    name : str
        The parameter's name, for the error message.

    Returns
    -------
    dict
        A new dict.

    Raises
    ------
    ParamsError
        An override key is not one of the defaults'.
    """
    unknown = sorted(set(overrides or {}) - set(defaults))
    if unknown:
        raise ParamsError(f"`{name}` has unknown key(s) {unknown}; use {', '.join(defaults)}.")
    return {**defaults, **(overrides or {})}


def is_whole_number(value) -> bool:
    """Return whether ``value`` is a whole number (an int, not a bool).

    Parameters
    ----------
    value : object
        The value passed.

    Returns
    -------
    bool
        True for Python and numpy integers; False for bools, floats and anything else.
    """
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
