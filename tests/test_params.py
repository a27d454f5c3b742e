"""Parameters: defaults documented, team overrides validated with clear errors."""

from __future__ import annotations

import shutil

import pytest

from crmlib import config
from crmlib.exceptions import ParamsError
from crmlib.params import load_params, load_specs, team_slugs, validate_params
from crmlib.period import PRESETS


@pytest.fixture
def pdir(tmp_path):
    shutil.copy(config.PARAMS_DIR / "defaults.yaml", tmp_path / "defaults.yaml")
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "east.yaml").write_text(
        "team: 华东\nteam_name: 华东大区\nlang: zh\nas_of: 2026-10-31\nmask_pii: false\n",
        encoding="utf-8")
    return tmp_path


def test_every_key_documented():
    specs = load_specs()
    for key, spec in specs.items():
        assert spec["help"].strip(), key
        assert spec["default"] is None or validate_params({key: spec["default"]}, where="d")
    assert tuple(specs["period"]["allowed"]) == PRESETS


def test_team_overrides(pdir):
    p = load_params("east", params_dir=pdir)
    assert p["team"] == "华东" and p["lang"] == "zh" and p["mask_pii"] is False
    assert p["as_of"] == "2026-10-31"  # YAML date -> ISO text
    assert p["period"] == "last_month"  # default kept
    assert team_slugs(pdir) == ["east"]
    p = load_params("east", overrides={"period": "this_year", "lang": "en"}, params_dir=pdir)
    assert (p["period"], p["lang"]) == ("this_year", "en")


@pytest.mark.parametrize("text, message", [
    ("perod: this_month\n", r"east.yaml: unknown key `perod`; did you mean `period`\?"),
    ("lang: fr\n", r"east.yaml: `lang` is 'fr'; allowed: en, zh"),
    ("period: this_mnth\n", r"(?i)did you mean `this_month`\?"),
    ("top_n: ten\n", r"`top_n` is 'ten'; expected a whole number"),
    ("as_of: 2026-13-01\n", r"east.yaml: not valid YAML \(month must be in 1..12\)"),
    ("mask_pii: 3\n", r"expected true or false"),
    ("forgotten_days: 7\n", r"expected a list"),
    ("- a\n- b\n", r"expected `key: value` lines"),
])
def test_bad_team_file(pdir, text, message):
    (pdir / "teams" / "east.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError, match=message):
        load_params("east", params_dir=pdir)


@pytest.mark.parametrize("team", ["../etc/passwd", "/abs", "East", "a b", "华东", ""])
def test_team_slug_is_safe(pdir, team):
    with pytest.raises(ParamsError, match="not a valid team file name"):
        load_params(team, params_dir=pdir)


def test_unknown_team(pdir):
    with pytest.raises(ParamsError, match="did you mean `east`"):
        load_params("eats", params_dir=pdir)


def test_float_parameters():
    specs = {"share": {"type": "float", "default": 0.5, "help": "a share"}}
    assert validate_params({"share": 1}, where="t.yaml", specs=specs) == {"share": 1.0}
    assert validate_params({"share": 0.25}, where="t.yaml", specs=specs) == {"share": 0.25}
    for bad in ("0.5", True):
        with pytest.raises(ParamsError, match=r"t.yaml: `share` is .*; expected a number"):
            validate_params({"share": bad}, where="t.yaml", specs=specs)


def test_dict_parameters():
    specs = {"rules": {"type": "dict", "default": None, "help": "rules"}}
    rules = {"rfm11": {"everyone": {}}}
    assert validate_params({"rules": rules}, where="t.yaml", specs=specs) == {"rules": rules}
    with pytest.raises(ParamsError, match=r"`rules` is \[1\]; expected a mapping"):
        validate_params({"rules": [1]}, where="t.yaml", specs=specs)
