"""The label catalogue: complete in both languages, Chinese really Chinese."""

import re

import pytest

from crmlib.i18n import CATALOGUE, missing, t

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_catalogue_complete():
    assert missing() == []
    for key, v in CATALOGUE.items():
        assert HAN.search(v["zh"]), f"{key}: zh label has no Chinese characters"
        assert not HAN.search(v["en"]), f"{key}: en label has Chinese characters"


def test_lookup():
    assert t("new_customers", "zh") == "新增客户"
    assert t("not_available", "en", table="payments") == \
        "Not available: the data has no `payments` table."
    with pytest.raises(KeyError, match="did you mean `new_customers`"):
        t("new_customer", "en")
    with pytest.raises(ValueError, match="unknown language `fr`"):
        t("team", "fr")


def test_duplicate_key_across_files_is_an_error(tmp_path):
    from crmlib.i18n import load_catalogue

    (tmp_path / "a.yaml").write_text("x: {en: A, zh: 甲}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("x: {en: B, zh: 乙}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="`x` is defined in both a.yaml and b.yaml"):
        load_catalogue(tmp_path)


def test_value_label():
    from crmlib.i18n import value_label

    assert value_label("stage_name_", "qualify", "zh") == "验证客户"
    assert value_label("stage_name_", "Prospecting", "zh") == "Prospecting"  # a source's own name
    assert value_label("stage_name_", None, "zh") == "未知"
