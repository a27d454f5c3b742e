"""Charts: Chinese labels render as glyphs (a missing-glyph warning fails the test)."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pytest

from crmlib import plots
from crmlib.i18n import t


def test_chinese_labels_render_without_missing_glyphs(tmp_path):
    assert plots.cjk_font_available(), "fonts-noto-cjk is not installed: run make system-deps"
    plots.set_theme("zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" becomes a failure
        fig, ax = plt.subplots()
        ax.bar([t("new_customers", "zh"), t("contract_amount", "zh")], [3, -1])
        ax.set_title(t("sales_brief", "zh") + " 华东大区")
        fig.savefig(tmp_path / "zh.png")
    assert (tmp_path / "zh.png").stat().st_size > 1000


def test_without_cjk_font_the_glyph_warning_is_caught(tmp_path):
    """The check above can fail: DejaVu alone draws boxes and warns."""
    plots.set_theme("en")
    plt.rcParams["font.sans-serif"] = ["DejaVu Sans"]
    fig, ax = plt.subplots()
    ax.set_title("销售简报")
    with pytest.warns(UserWarning, match="missing from font"):
        fig.savefig(tmp_path / "boxes.png")
