"""Charts and tables of the forecast topic (130_forecast).

History with the forecast and its intervals per series, back-test error by model, and the back-test / choice / forecast tables.

The frames come from :mod:`crmlib.forecast` (``sales_series``, ``backtest``, ``choose_model``,
``forecast``); nothing here computes a figure. Tables have an HTML form for reports and a
plain-text form that nbval compares.
"""

from __future__ import annotations

import html
import math

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd
import seaborn as sns

from crmlib.display import HTMLText, rows_table
from crmlib.i18n import CATALOGUE, t
from crmlib.plots.style import label_lang, nothing_to_draw, number, pct, short_number

__all__ = ["series_label", "model_label", "forecast_plot", "backtest_bars", "backtest_table",
           "chosen_table", "forecast_table"]

_MODEL_ORDER = ("naive", "seasonal_naive", "theta", "ets", "arima", "gbm", "ensemble")


def series_label(unique_id, lang: str = "en") -> str:
    """Name a forecast series: "Total" / "合计", "unknown" / "未知", else its id (team, category).

    Parameters
    ----------
    unique_id : str
        The series' ``unique_id``.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        The series' label in ``lang``.
    """
    if unique_id == "total":
        return t("forecast_series_total", lang)
    if unique_id == "unknown":
        return t("unknown", lang)
    return str(unique_id)


def model_label(model: str, lang: str = "en") -> str:
    """Return a model's display name from the catalogue (a custom model's name as it is).

    Parameters
    ----------
    model : str
        A forecast model's name (e.g. ``"theta"``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        The model's label in ``lang``.
    """
    entry = CATALOGUE.get(f"forecast_model_{model}")
    return entry[lang] if entry else str(model)


def _ids(series: pd.DataFrame) -> list[str]:
    ids = sorted(series["unique_id"].astype(str).unique())
    return sorted(ids, key=lambda u: (u != "total", u == "unknown"))  # total first, unknown last


def forecast_plot(series: pd.DataFrame, fc: pd.DataFrame | None = None, *, lang: str = "en",
                  history: int | None = None, ncols: int = 3, title: str | None = None):
    """Draw history (line) and forecast (dashed, with shaded intervals) per series, small multiples.

    ``series`` is a ``sales_series`` frame; ``fc`` a ``forecast`` frame (None draws the history
    only). ``history`` keeps the last N periods of each series. The wider interval is shaded
    lighter; each panel is titled with the series and the model used. Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    series : pandas.DataFrame
        A :func:`crmlib.forecast.sales_series` frame.
    fc : pandas.DataFrame, optional
        A :func:`crmlib.forecast.forecast` frame (None: history only).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    history : int, optional
        Keep the last N periods of each series (None: all).
    ncols : int, default=3
        Panels per row (at most the number of series).
    title : str, optional
        Title of the chart (None: no title).

    Returns
    -------
    matplotlib.figure.Figure
        A new figure with one panel per series; a "not available" figure when ``series`` is
        empty.
    """
    if series.empty:
        return nothing_to_draw(series, lang)
    ids = _ids(series)
    n = len(ids)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols if n > 1 else 9, 3.0 * nrows),
                             squeeze=False)
    pal = sns.color_palette()
    levels = sorted(_levels(fc, "lo_") if fc is not None else [], key=float, reverse=True)
    for ax, uid in zip(axes.flat, ids, strict=False):
        s = series[series["unique_id"].astype(str) == uid].sort_values("ds")
        if history:
            s = s.tail(history)
        ax.plot(s["ds"], s["y"], color=pal[0], linewidth=1.4, label=t("forecast_actual", lang))
        name = series_label(uid, lang)
        if fc is not None:
            f = fc[fc["unique_id"].astype(str) == uid].sort_values("ds")
            if len(f):
                # join the forecast to the last actual so the line is continuous
                xs = pd.concat([s["ds"].tail(1), f["ds"]])
                ys = pd.concat([s["y"].tail(1), f["yhat"]])
                for i, lv in enumerate(levels):
                    ax.fill_between(f["ds"], f[f"lo_{lv}"], f[f"hi_{lv}"], color=pal[1],
                                    alpha=0.15 + 0.15 * i, linewidth=0,
                                    label=t("forecast_interval", lang, level=lv))
                ax.plot(xs, ys, color=pal[1], linestyle="--", marker="o", markersize=3,
                        linewidth=1.4, label=t("forecast_yhat", lang))
                name = f"{name} · {model_label(f['model'].iloc[0], lang)}"
        ax.set_title(name, fontsize="medium")
        ax.set_xlabel("")
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=7))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        ax.tick_params(axis="x", labelsize="small")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(short_number))
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False,
               fontsize="small", bbox_to_anchor=(0.5, -0.02))
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def backtest_bars(errors: pd.DataFrame, *, unique_id: str | None = None,
                  chosen: pd.DataFrame | None = None, metric: str = "mase", lang: str = "en",
                  title: str | None = None, ax=None, **kwargs):
    """Draw back-test error (MASE by default) per model for one series as horizontal bars.

    ``unique_id`` picks the series (default: the only one, else the first). The model chosen
    in ``chosen`` (a ``choose_model`` frame) is drawn dark and labelled; for MASE a dashed
    line marks 1 (the in-sample seasonal naive error). A NaN error is written "—". Nothing to draw gives a "not available" figure.

    Parameters
    ----------
    errors : pandas.DataFrame
        A :func:`crmlib.forecast.backtest` frame.
    unique_id : str, optional
        The series drawn (None: the only one, else the first).
    chosen : pandas.DataFrame, optional
        A :func:`crmlib.forecast.choose_model` frame (its models are marked).
    metric : str, default='mase'
        The error column drawn, e.g. ``"mase"``, ``"smape"``.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        Title of the chart (None: no title).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).
    **kwargs
        Passed on to matplotlib (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    if errors.empty:
        return nothing_to_draw(errors, lang, ax=ax)
    uid = unique_id if unique_id is not None else _ids(errors)[0]
    e = errors[errors["unique_id"].astype(str) == str(uid)]
    e = e.iloc[sorted(range(len(e)), key=lambda i: _MODEL_ORDER.index(e["model"].iloc[i])
                      if e["model"].iloc[i] in _MODEL_ORDER else len(_MODEL_ORDER))]
    pick = None
    if chosen is not None and len(chosen[chosen["unique_id"].astype(str) == str(uid)]):
        pick = chosen.loc[chosen["unique_id"].astype(str) == str(uid), "model"].iloc[0]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.42 * len(e) + 1.2))
    pal = sns.color_palette()
    light = sns.light_palette(pal[0], 4)[1]
    values = e[metric].astype("float64")
    y = list(range(len(e)))
    ax.barh(y, values.fillna(0), color=[pal[0] if m == pick else light for m in e["model"]],
            **kwargs)
    names = [model_label(m, lang) + (t("forecast_chosen", lang) if m == pick else "")
             for m in e["model"]]
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    top = float(values.max()) if values.notna().any() else 1.0
    top = top if top > 0 else 1.0
    for yi, v in zip(y, values, strict=True):
        ax.text((0 if math.isnan(v) else v) + top * 0.01, yi,
                "—" if math.isnan(v) else f"{v:.2f}", va="center", fontsize="small")
    if metric == "mase":
        ax.axvline(1.0, color="0.4", linestyle="--", linewidth=1,
                   label=t("forecast_mase_one", lang))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), frameon=False,
                  fontsize="small")  # below the axes: never over a bar
    ax.set_xlim(0, max(top, 1.0 if metric == "mase" else 0) * 1.18)
    ax.set_xlabel("")
    ax.set_title(title if title is not None else
                 f"{series_label(uid, lang)} · {t(f'forecast_{metric}', lang)}")
    return ax.figure


# -- tables -------------------------------------------------------------------------------------
def _empty(lang: str) -> HTMLText:
    msg = t("forecast_no_series", lang)
    return HTMLText(f"<p><i>{html.escape(msg)}</i></p>", msg)


def _levels(frame: pd.DataFrame, prefix: str) -> list[str]:
    return [c[len(prefix):] for c in frame.columns if c.startswith(prefix)]


def backtest_table(errors: pd.DataFrame, ctx, *, chosen: pd.DataFrame | None = None) -> HTMLText:
    """Tabulate back-test errors per model (and series when there are several).

    Columns: MASE, MAE, RMSE, MAPE, sMAPE, interval coverage per level and windows; the chosen
    model's row is in bold.

    Parameters
    ----------
    errors : pandas.DataFrame
        A :func:`crmlib.forecast.backtest` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    chosen : pandas.DataFrame, optional
        A :func:`crmlib.forecast.choose_model` frame (its models are marked).

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    if errors.empty:
        return _empty(lang)
    levels = _levels(errors, "coverage_")
    several = errors["unique_id"].nunique() > 1
    picks = set() if chosen is None else set(zip(chosen["unique_id"].astype(str),
                                                 chosen["model"], strict=True))
    heads = ([t("forecast_series", lang)] if several else []) + [
        t(k, lang) for k in ("forecast_model", "forecast_mase", "forecast_mae", "forecast_rmse",
                             "forecast_mape", "forecast_smape")] + [
        t("forecast_coverage", lang, level=lv) for lv in levels] + [t("forecast_windows", lang)]
    rows, bold = [], []
    for uid in _ids(errors):
        e = errors[errors["unique_id"].astype(str) == uid]
        for r in e.itertuples(index=False):
            mark = (uid, r.model) in picks
            name = model_label(r.model, lang) + (t("forecast_chosen", lang) if mark
                                                 else "")
            rows.append(([series_label(uid, lang)] if several else []) + [
                name, number(r.mase, 2), number(r.mae, 0), number(r.rmse, 0), pct(r.mape, 0),
                pct(r.smape, 0)] + [pct(getattr(r, f"coverage_{lv}"), 0) for lv in levels]
                + [str(r.windows)])
            bold.append(mark)
    return rows_table(heads, rows, css_class="crm-forecast-backtest", bold=bold)


def chosen_table(chosen: pd.DataFrame, ctx) -> HTMLText:
    """Return the chosen model per series with its back-test errors.

    Per series: the chosen model, its back-test error beside the seasonal naive one, and
    the back-test coverage of its intervals.

    Parameters
    ----------
    chosen : pandas.DataFrame
        A :func:`crmlib.forecast.choose_model` frame (its models are marked).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.

    Returns
    -------
    crmlib.display.HTMLText
        One row per series as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    if chosen.empty:
        return _empty(lang)
    levels = _levels(chosen, "coverage_")
    metric = t(f"forecast_{chosen['metric'].iloc[0]}", lang)
    heads = [t("forecast_series", lang), t("forecast_model", lang),
             t("forecast_error", lang, metric=metric),
             t("forecast_baseline_error", lang, metric=metric)] + [
        t("forecast_coverage", lang, level=lv) for lv in levels]
    order = {u: i for i, u in enumerate(_ids(chosen))}
    rows = []
    for r in sorted(chosen.itertuples(index=False), key=lambda r: order[str(r.unique_id)]):
        digits = 2 if r.metric in ("mase",) else 0
        fmt = (lambda v: pct(v, 0)) if r.metric in ("mape", "smape") else (lambda v, d=digits: number(v, d))
        rows.append([series_label(str(r.unique_id), lang), model_label(r.model, lang),
                     fmt(r.error), fmt(r.seasonal_naive_error)]
                    + [pct(getattr(r, f"coverage_{lv}"), 0) for lv in levels])
    return rows_table(heads, rows, css_class="crm-forecast-chosen")


def forecast_table(fc: pd.DataFrame, ctx, *, chosen: pd.DataFrame | None = None) -> HTMLText:
    """Tabulate the forecast per series and period.

    Columns: model, forecast and interval per level, with the back-test coverage of each
    interval (from ``chosen``) when given.

    Parameters
    ----------
    fc : pandas.DataFrame
        A :func:`crmlib.forecast.forecast` frame (None: history only).
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    chosen : pandas.DataFrame, optional
        A :func:`crmlib.forecast.choose_model` frame (its models are marked).

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form (what nbval compares).
    """
    lang = label_lang(ctx)
    if fc.empty:
        return _empty(lang)
    levels = _levels(fc, "lo_")
    cov = {} if chosen is None else chosen.set_index(chosen["unique_id"].astype(str))
    heads = [t("forecast_series", lang), t("forecast_period", lang), t("forecast_model", lang),
             t("forecast_yhat", lang)]
    for lv in levels:
        heads.append(t("forecast_interval", lang, level=lv))
        if chosen is not None:
            heads.append(t("forecast_coverage", lang, level=lv))
    rows = []
    for uid in _ids(fc):
        for r in fc[fc["unique_id"].astype(str) == uid].itertuples(index=False):
            row = [series_label(uid, lang), f"{r.ds:%Y-%m-%d}", model_label(r.model, lang),
                   number(r.yhat, 0)]
            for lv in levels:
                row.append(f"{number(getattr(r, f'lo_{lv}'), 0)} – {number(getattr(r, f'hi_{lv}'), 0)}")
                if chosen is not None:
                    c = cov.loc[uid, f"coverage_{lv}"] if uid in cov.index else math.nan
                    row.append(pct(c, 0))
            rows.append(row)
    return rows_table(heads, rows, css_class="crm-forecast-table")
