"""Chart theme and the generic charts (trends), with Chinese text rendered as glyphs.

Every chart takes a pandas frame from a metric function and returns the matplotlib ``Figure``;
nothing here computes a figure or shows a plot. :func:`set_theme` configures fonts once
for both languages: Noto Sans CJK SC (Debian's ``fonts-noto-cjk``) carries Latin and Chinese.
"""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib import font_manager

from crmlib.plots.style import bar_width, short_number

__all__ = ["CJK_FONT", "set_theme", "cjk_font_available", "trend", "trends"]

CJK_FONT = "Noto Sans CJK SC"


def cjk_font_available() -> bool:
    """Return whether matplotlib finds the CJK font (rebuilding its font cache once if needed).

    Returns
    -------
    bool
        True when the CJK font (``CJK_FONT``) is installed and known to matplotlib.
    """
    def found():
        return any(f.name == CJK_FONT for f in font_manager.fontManager.ttflist)

    if found():
        return True
    # matplotlib caches its font list: a font installed after the cache was built is unseen.
    font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
    return found()


def set_theme(lang: str = "en") -> None:
    """Set the seaborn theme for reports, with CJK-capable fonts.

    The CJK font comes first for ``lang="zh"`` (and for ``en``, harmlessly). Warns when the CJK
    font is missing: Chinese text would then be drawn as boxes. Install it with ``make
    system-deps`` (Debian package ``fonts-noto-cjk``).

    Parameters
    ----------
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
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


def trend(df, *, label: str, ax=None, amount: bool = False, **kwargs):
    """Draw one series per bucket (columns ``bucket``, ``value``) as bars.

    Parameters
    ----------
    df : pandas.DataFrame
        A per-bucket frame with columns ``bucket`` (dates) and ``value``.
    label : str
        Title of the chart (the metric's label).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: the current axes).
    amount : bool, default=False
        Whether the values are amounts (short numbers on the axis).
    **kwargs
        Passed on to matplotlib (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax``: one bar per bucket, dates as ``YYYY-MM`` (monthly) or ``MM-DD``.
    """
    import matplotlib.dates as mdates

    ax = plt.gca() if ax is None else ax
    ax.bar(df["bucket"], df["value"], width=bar_width(df["bucket"]), color=kwargs.pop(
        "color", sns.color_palette()[0]), **kwargs)
    ax.set_title(label)
    ax.set_xlabel("")
    # numeric dates read the same in both languages: 03-05 (days), 2024-03 (months)
    monthly = len(df) > 1 and (df["bucket"].iloc[1] - df["bucket"].iloc[0]).days > 20
    # a "2024-03" label is twice as wide as "03-05": fewer of them, or they run together
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=5 if monthly else 7))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m" if monthly else "%m-%d"))
    ax.tick_params(axis="x", labelsize="small")
    if amount:
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(short_number))
    return ax.figure


def trends(frames: dict, *, labels: dict, amounts=(), ncols: int = 3):
    """Draw small multiples of :func:`trend`, one per entry of ``frames``.

    Parameters
    ----------
    frames : dict
        Per-bucket frames (``bucket``, ``value``) by key, one chart each, in order.
    labels : dict
        Chart title per key of ``frames``.
    amounts : sequence of str, default=()
        The keys whose values are amounts (short numbers on the axis).
    ncols : int, default=3
        Charts per row.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure with one bar chart per frame, ``ncols`` per row.
    """
    n = len(frames)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.8 * nrows), squeeze=False)
    for ax, (key, df) in zip(axes.flat, frames.items(), strict=False):
        trend(df, label=labels[key], ax=ax, amount=key in amounts)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
