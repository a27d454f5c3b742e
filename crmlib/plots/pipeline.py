"""Charts of the pipeline forecast (:mod:`crmlib.metrics.pipeline`).

Charts take the metric's frame and return the matplotlib ``Figure``; text comes from the label
catalogue in ``lang`` and stage names go through :func:`crmlib.i18n.value_label`. A frame that
is empty or not available (:func:`crmlib.engine.is_available`) is drawn as a one-line message.
The tables are in :mod:`crmlib.plots.pipeline_tables`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, PercentFormatter

from crmlib.i18n import t, value_label
from crmlib.plots.style import (
    axes_or_new,
    draw_message,
    is_missing,
    short_number,
    unavailable_text,
)

__all__ = ["pipeline_forecast_chart", "calibration_chart", "forecast_vs_target_chart", "forecast_vs_target_figure"]

_CATEGORIES = ("commit", "best_case", "pipeline")
_CAT_COLOURS = {"commit": 2, "best_case": 0, "pipeline": 7}


def _key_label(v, lang: str) -> str:
    """Return a month (``%Y-%m``; no date when NaT), a team, or unknown."""
    if isinstance(v, pd.Timestamp) or v is pd.NaT:
        return t("no_expected_close", lang) if v is pd.NaT else f"{v:%Y-%m}"
    return t("unknown", lang) if is_missing(v) else str(v)


def pipeline_forecast_chart(df: pd.DataFrame, *, lang: str = "en", value: str = "amount",
                            ax=None):
    """Draw the open pipeline per expected close month (or team) as stacked bars by category.

    Each bar stacks the ``value`` (``amount`` or ``weighted``) of commit, best-case and
    pipeline deals; months with overdue deals are hatched, deals without a date come last.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.pipeline_forecast` frame (``expected_close_month`` or ``team``,
        ``category``, ``amount``, ``weighted``, ``overdue``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    value : str, default='amount'
        The column stacked: ``"amount"`` (open amount) or ``"weighted"`` (amount x stage
        probability).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The stacked bar chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    key = "month" if "month" in df else "team"
    d = df.assign(_k=df[key].astype(str))  # NaT / None kept as groups of their own
    g = d.groupby("_k", sort=False)
    wide = d.pivot_table(index="_k", columns="category", values=value, aggfunc="sum",
                         sort=False).reindex(index=list(dict.fromkeys(d["_k"])),
                                     columns=list(_CATEGORIES))
    wide = wide.fillna(0.0)
    overdue = g["overdue"].sum().reindex(wide.index)
    names = [_key_label(v, lang) for v in g[key].first().reindex(wide.index)]
    x = np.arange(len(wide))
    bottom = np.zeros(len(wide))
    pal = sns.color_palette()
    for cat in _CATEGORIES:
        bars = ax.bar(x, wide[cat], bottom=bottom, color=pal[_CAT_COLOURS[cat]], width=0.7,
                      label=t(f"pipeline_cat_{cat}", lang))
        for b, late in zip(bars, overdue.to_numpy() > 0, strict=True):
            if late:
                b.set_hatch("//")
        bottom += wide[cat].to_numpy()
    ax.set_xticks(x, names, rotation=45 if len(wide) > 8 else 0, fontsize="small")
    ax.yaxis.set_major_formatter(FuncFormatter(short_number))
    ax.set_ylabel(t("amount" if value == "amount" else "pipeline_weighted", lang))
    ax.set_xlabel(t("expected_close_month" if key == "month" else "team", lang))
    ax.legend(fontsize="small", title=t("pipeline_category", lang), title_fontsize="small")
    return ax.figure


def calibration_chart(df: pd.DataFrame, *, lang: str = "en", pipeline: str | None = None,
                      ax=None):
    """Draw configured vs learned win probability per open stage.

    The configured probability is a bar, the learned one a point with its Wilson interval,
    labelled with the number of closed deals behind it.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.stage_calibration` frame (``stage``, ``configured``,
        ``learned``, ``ci_low``, ``ci_high``, ``closed``, per pipeline).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    pipeline : str, optional
        The pipeline shown (None: the first).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    d = df[df["pipeline"] == (pipeline or df["pipeline"].iloc[0])].reset_index(drop=True)
    x = np.arange(len(d))
    pal = sns.color_palette()
    ax.bar(x, d["configured"].fillna(0.0), width=0.6, color=pal[0], alpha=0.35,
           label=t("pipeline_configured", lang))
    err = np.vstack([(d["learned"] - d["ci_low"]).to_numpy(float),
                     (d["ci_high"] - d["learned"]).to_numpy(float)])
    level = f"{df.attrs.get('confidence', 0.95):.0%}"
    ax.errorbar(x, d["learned"], yerr=err, fmt="o", color=pal[3], capsize=4,
                label=f"{t('pipeline_learned', lang)}, {t('pipeline_interval', lang, level=level)}")
    for xi, learned, n in zip(x, d["learned"], d["closed"], strict=True):
        y = 0.02 if is_missing(learned) else learned
        ax.annotate(f"n={n:,}", (xi, y), textcoords="offset points", xytext=(8, 0),
                    fontsize="small", va="center", color="#4a5568")
    ax.set_xticks(x, [value_label("stage_name_", s, lang) for s in d["stage"]])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(t("pipeline_probability", lang))
    ax.legend(fontsize="small", loc="upper left")
    return ax.figure


def forecast_vs_target_chart(df: pd.DataFrame, *, lang: str = "en", span: str = "this_quarter",
                             basis: str = "pipeline", ax=None):
    """Draw the expected completion of the target per team (or for the scope) as stacked bars.

    Each bar is the actual to date with the expected remaining stacked on it, the target a
    line across the bar (no line and "no target" when there is none), labelled with the
    expected completion.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.forecast_vs_target` frame (``team``, ``span``, ``basis``,
        ``actual``, ``expected_remaining``, ``expected_total``, ``target``, ``has_target``,
        ``expected_completion``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    span : str, default='this_quarter'
        The span drawn: ``"this_quarter"`` or ``"this_year"``.
    basis : str, default='pipeline'
        The forecast basis drawn: ``"pipeline"`` or ``"statistical"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart's figure (the figure of ``ax`` when given); a "not available" figure when
        there is nothing to draw.
    """
    ax = axes_or_new(ax)
    msg = unavailable_text(df, lang)
    if msg:
        return draw_message(ax, msg).figure
    d = df[(df["span"] == span) & (df["basis"] == basis)].reset_index(drop=True)
    if d.empty:
        return draw_message(ax, t("no_data", lang)).figure
    names = ([_key_label(v, lang) for v in d["team"]] if "team" in d
             else [t(f"preset_{span}", lang)])
    x = np.arange(len(d))
    pal = sns.color_palette()
    ax.bar(x, d["actual"], width=0.6, color=pal[0], label=t("pipeline_actual", lang))
    ax.bar(x, d["expected_remaining"].fillna(0.0), bottom=d["actual"], width=0.6,
           color=pal[0], alpha=0.4, label=t("pipeline_expected_remaining", lang))
    first = True
    for xi, r in zip(x, d.itertuples(index=False), strict=True):
        total = r.expected_total if not is_missing(r.expected_total) else r.actual
        if r.has_target:
            ax.hlines(r.target, xi - 0.4, xi + 0.4, color=pal[3], linewidth=2.5,
                      label=t("pipeline_target", lang) if first else None)
            first = False
            text = f"{r.expected_completion:.0%}"
        else:
            text = t("no_target", lang)
        ax.annotate(text, (xi, max(total, 0.0)), textcoords="offset points", xytext=(0, 4),
                    ha="center", fontsize="small")
    top = np.nanmax(np.r_[d["expected_total"].to_numpy(float), d["actual"].to_numpy(float),
                          d["target"].where(d["has_target"]).to_numpy(float), 0.0])
    ax.set_ylim(0, top * 1.2 if top > 0 else 1)
    ax.set_xticks(x, names)
    ax.yaxis.set_major_formatter(FuncFormatter(short_number))
    ax.set_title(f"{t(f'preset_{span}', lang)} · {t(f'pipeline_basis_{basis}', lang)}",
                 fontsize="medium")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax.figure


def forecast_vs_target_figure(df: pd.DataFrame, *, lang: str = "en"):
    """Draw :func:`forecast_vs_target_chart` for every span and basis in one figure.

    Spans are the rows and bases the columns of the grid.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.forecast_vs_target` frame with every span and basis.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure with one chart per (span, basis); a "not available" figure when there is
        nothing to draw.
    """
    import matplotlib.pyplot as plt

    msg = unavailable_text(df, lang)
    bases = list(dict.fromkeys(df["basis"])) if not msg and len(df) else ["pipeline"]
    spans = list(dict.fromkeys(df["span"])) if not msg and len(df) else ["this_quarter"]
    fig, axes = plt.subplots(len(spans), len(bases), figsize=(6.0 * len(bases), 3.2 * len(spans)),
                             squeeze=False)
    for i, span in enumerate(spans):
        for j, basis in enumerate(bases):
            forecast_vs_target_chart(df, lang=lang, span=span, basis=basis, ax=axes[i, j])
    fig.tight_layout()
    return fig
