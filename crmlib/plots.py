"""Charts for reports and dashboards (seaborn), with Chinese text rendered as glyphs.

Every plotting function takes a pandas frame from a metric function and returns the matplotlib
``Axes``; nothing here computes a figure or shows a plot. :func:`set_theme` configures fonts once
for both languages: Noto Sans CJK SC (Debian's ``fonts-noto-cjk``) carries Latin and Chinese.
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import font_manager  # noqa: E402

__all__ = ["CJK_FONT", "set_theme", "cjk_font_available"]

CJK_FONT = "Noto Sans CJK SC"


def cjk_font_available() -> bool:
    """Whether matplotlib finds the CJK font (rebuilding its font cache once if needed)."""
    def found():
        return any(f.name == CJK_FONT for f in font_manager.fontManager.ttflist)

    if found():
        return True
    # matplotlib caches its font list: a font installed after the cache was built is unseen.
    font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
    return found()


def set_theme(lang: str = "en") -> None:
    """Seaborn theme for reports; CJK-capable fonts for ``lang="zh"`` (and for ``en``, harmlessly).

    Warns when the CJK font is missing: Chinese text would then be drawn as boxes. Install it
    with ``make system-deps`` (Debian package ``fonts-noto-cjk``).
    """
    has_cjk = cjk_font_available()
    if lang == "zh" and not has_cjk:
        warnings.warn(f"font `{CJK_FONT}` not found: Chinese labels will render as boxes; "
                      "run `make system-deps` (fonts-noto-cjk).", stacklevel=2)
    sns.set_theme(style="whitegrid", context="notebook")
    fonts = [CJK_FONT, "DejaVu Sans"] if has_cjk else ["DejaVu Sans"]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = fonts
    plt.rcParams["axes.unicode_minus"] = False  # CJK fonts lack the Unicode minus glyph
    plt.rcParams["figure.dpi"] = 100
    plt.rcParams["savefig.bbox"] = "tight"
