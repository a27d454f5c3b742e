"""Masking of phone numbers and e-mail addresses (crmlib.privacy)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crmlib.privacy import mask_email, mask_phone, mask_pii


@pytest.mark.parametrize("raw, masked", [
    ("13812345678", "138****5678"),  # 11 digits: first 3 and last 4 kept
    ("+86 138-1234-5678", "+86 1**-****-5678"),  # 13 digits: 861 ... 5678 kept, signs kept
    ("010-1234", "***-**34"),  # 7 digits or fewer: only the last 2
    ("12", "12"),
])
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


@pytest.mark.parametrize("raw, masked", [
    ("zhang.wei@example.com", "z***@example.com"),
    ("a@b.cn", "a***@b.cn"),  # always 3 stars: the length of the name does not leak
    (" li@x.org ", "l***@x.org"),
    ("not-an-email", "***"),
    ("@x.com", "***"),
])
def test_mask_email(raw, masked):
    assert mask_email(raw) == masked


@pytest.mark.parametrize("empty", [None, "", "  "])
def test_empty_values_unchanged(empty):
    assert mask_phone(empty) == empty and mask_email(empty) == empty
    assert math.isnan(mask_phone(math.nan)) and math.isnan(mask_email(math.nan))


def test_mask_pii_copies():
    df = pd.DataFrame({"name": ["a", "b"], "phone": ["13812345678", None],
                       "email": ["zhang.wei@example.com", None]})
    out = mask_pii(df)
    assert out["phone"].tolist() == ["138****5678", None]
    assert out["email"].tolist() == ["z***@example.com", None]
    assert df.loc[0, "phone"] == "13812345678"  # the input is left as it is
    assert mask_pii(df[["name"]]).equals(df[["name"]])  # no such columns: nothing to do
