"""Report parameters: documented defaults plus one YAML file of overrides per team.

``params/defaults.yaml`` declares every key (type, allowed values, default, help);
``params/teams/<slug>.yaml`` overrides some of them for one team. The slug (the file name) is what
report paths use, so a team's display name can be anything (Chinese included) without ever
reaching the file system.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from pathlib import Path

import yaml

from crmlib import config
from crmlib.exceptions import ParamsError

__all__ = ["SLUG", "load_specs", "team_slugs", "load_params", "validate_params"]

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # team file names: safe as a path component


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ParamsError(f"{path}: no such parameters file.") from None
    except (yaml.YAMLError, ValueError) as e:  # ValueError: a date like 2026-13-01
        raise ParamsError(f"{path}: not valid YAML ({e}).") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected `key: value` lines, got {type(data).__name__}.")
    return data


def load_specs(path: Path | None = None) -> dict[str, dict]:
    """Return the parameter declarations of ``params/defaults.yaml``: key -> {type, default, ...}.

    Parameters
    ----------
    path : pathlib.Path, optional
        Another declarations file; default ``params/defaults.yaml``.

    Returns
    -------
    dict of str to dict
        Parameter key -> its declaration (``type``, ``default``, ...), in file order.
    """
    path = path or config.PARAMS_DIR / "defaults.yaml"
    specs = _read_yaml(path)
    for key, spec in specs.items():
        if not isinstance(spec, dict) or not {"type", "default", "help"} <= set(spec):
            raise ParamsError(f"{path}: `{key}` needs type, default and help.")
    return specs


def team_slugs(params_dir: Path | None = None) -> list[str]:
    """Return the slugs of every team with a file under ``params/teams/``, sorted.

    Parameters
    ----------
    params_dir : pathlib.Path, optional
        The parameters folder; default ``params/``.

    Returns
    -------
    list of str
        The file names without ``.yaml``.
    """
    folder = (params_dir or config.PARAMS_DIR) / "teams"
    return sorted(p.stem for p in folder.glob("*.yaml"))


def _coerce(value, typ: str, where: str, key: str):
    def bad(what):
        return ParamsError(f"{where}: `{key}` is {value!r}; expected {what}.")

    if value is None:
        return None
    if typ == "str":
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
        raise bad("text")
    if typ == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad("a whole number")
    if typ == "dict":  # e.g. segment rules; the function that takes it validates the content
        if isinstance(value, dict):
            return value
        raise bad("a mapping of keys to values")
    if typ == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise bad("a number")
    if typ == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad("true or false")
    if typ == "date":
        if isinstance(value, _dt.datetime):
            value = value.date()
        if isinstance(value, _dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        raise bad("a date YYYY-MM-DD")
    if typ.startswith("list[") and typ.endswith("]"):
        if not isinstance(value, list):
            raise bad(f"a list ({typ})")
        return [_coerce(v, typ[5:-1], where, key) for v in value]
    raise ParamsError(f"defaults.yaml: `{key}` has unknown type {typ!r}.")


def validate_params(values: dict, *, where: str, specs: dict | None = None) -> dict:
    """Check keys, types and allowed values; return the values coerced (dates as ISO text).

    Parameters
    ----------
    values : dict
        Parameter key -> value.
    where : str
        Where the values come from (a file, "command line"), for messages.
    specs : dict, optional
        The declarations; default :func:`load_specs`.

    Returns
    -------
    dict
        The values, coerced to their declared types.

    Raises
    ------
    ParamsError
        Names ``where`` (the file) and the key, with a did-you-mean for unknown keys.
    """
    specs = specs if specs is not None else load_specs()
    out = {}
    for key, value in values.items():
        if key not in specs:
            hint = difflib.get_close_matches(str(key), specs, n=1)
            raise ParamsError(f"{where}: unknown key `{key}`"
                              + (f"; did you mean `{hint[0]}`?" if hint else "")
                              + " See params/defaults.yaml for every key.")
        spec = specs[key]
        v = _coerce(value, spec["type"], where, key)
        allowed = spec.get("allowed")
        if allowed is not None and v is not None:
            for item in v if isinstance(v, list) else [v]:
                if item not in allowed:
                    hint = difflib.get_close_matches(str(item), [str(a) for a in allowed], n=1)
                    raise ParamsError(f"{where}: `{key}` is {item!r}; allowed: "
                                      f"{', '.join(map(str, allowed))}"
                                      + (f". Did you mean `{hint[0]}`?" if hint else "."))
        out[key] = v
    return out


def load_params(team: str | None = None, *, overrides: dict | None = None,
                params_dir: Path | None = None) -> dict:
    """Return the defaults, then ``params/teams/<team>.yaml``, then ``overrides``, all validated.

    Parameters
    ----------
    team : str, optional
        The slug of a team file (lowercase letters, digits, ``-`` and ``_``).
    overrides : dict, optional
        Values that win over the team file's.
    params_dir : pathlib.Path, optional
        The parameters folder; default ``params/``.

    Returns
    -------
    dict
        Every parameter key -> value.

    Raises
    ------
    ParamsError
        A bad team slug, a team without a file, or a bad value.
    """
    params_dir = params_dir or config.PARAMS_DIR
    specs = load_specs(params_dir / "defaults.yaml")
    values = {k: s["default"] for k, s in specs.items()}
    if team is not None:
        if not SLUG.match(str(team)):
            raise ParamsError(f"team `{team}` is not a valid team file name: use lowercase "
                              "letters, digits, - and _ (the display name goes in `team_name`).")
        path = params_dir / "teams" / f"{team}.yaml"
        if not path.exists():
            known = team_slugs(params_dir)
            hint = difflib.get_close_matches(team, known, n=1)
            raise ParamsError(f"no parameters for team `{team}` ({path})"
                              + (f"; did you mean `{hint[0]}`?" if hint else "")
                              + f" Teams: {', '.join(known) or 'none'}.")
        values |= validate_params(_read_yaml(path), where=str(path), specs=specs)
    if overrides:
        values |= validate_params(overrides, where="command line", specs=specs)
    return values
