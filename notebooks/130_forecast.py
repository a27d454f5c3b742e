# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove_cell"]
# # 130 Sales forecast: what sales to expect in the next periods, and how far to trust it
#
# Contract amount (or payments) per month or week, built in the database from effective records, complete periods only. Seven models (naive, seasonal naive, Theta, ETS, ARIMA, gradient boosting on lags, and their ensemble) are compared in a rolling-origin back-test; per series the one with the lowest MASE forecasts the next periods, with intervals whose back-test coverage is shown beside them. Then the same per team and per product category. Analysts' notes; the report shows the cells' outputs only.

# %% tags=["parameters"]
team: str = None  # Team id as in employees.team; None means the whole company
team_name: str = None  # Display name of the team in headers; None uses the team id
employees: list = None  # Employee ids to cover instead of the whole team
employee: str = None  # Id of one employee; their subordinates are included
lang: str = "en"  # Language of labels and charts: en or zh
as_of: str = None  # The report date, YYYY-MM-DD; None means the last event date in the data
week_start: int = 0  # First day of the week: 0 Monday ... 6 Sunday
source: str = None  # Data source URL; None means the embedded data/crm.duckdb
forecast_metric: str = "contract_amount"  # What is forecast: contract_amount or payments
forecast_freq: str = "month"  # Period of the series: month or week
forecast_horizon: int = 3  # Periods forecast ahead, and predicted in each back-test window
forecast_windows: int = 6  # Back-test cut-offs (rolling origins), one period apart
forecast_models: list = None  # Models compared; None means all seven
forecast_levels: list = [80, 95]  # Prediction-interval levels in percent
forecast_history: int = 24  # Periods of history drawn before the forecast
pipeline_commit_probability: int = 70  # Stage win probability in percent from which an open deal is commit
pipeline_best_case_probability: int = 40  # Stage win probability in percent from which an open deal is best case


# %%
import crmlib
from crmlib import display, forecast, metrics, plots

ctx = crmlib.open_report(globals())
display.title("forecast_title", ctx)

# %%
display.heading("forecast_series_heading", ctx)

# %%
series = forecast.sales_series(ctx.crm, metric=forecast_metric, freq=forecast_freq,
                               as_of=ctx.as_of, scope=ctx.scope, week_start=week_start)
fig = plots.forecast_plot(series, lang=ctx.lang, title=ctx.t(f"forecast_metric_{forecast_metric}"))

# %%
display.note("forecast_note_series", ctx, metric=ctx.t(f"forecast_metric_{forecast_metric}"),
             freq=ctx.t(f"forecast_freq_{forecast_freq}"), as_of=ctx.as_of.date())

# %%
display.heading("forecast_backtest_heading", ctx)

# %%
errors = forecast.backtest(series, horizon=forecast_horizon, windows=forecast_windows,
                        models=forecast_models, levels=forecast_levels, progress=False)
chosen = forecast.choose_model(errors)
ax = plots.backtest_bars(errors, chosen=chosen, lang=ctx.lang)

# %%
plots.backtest_table(errors, ctx, chosen=chosen)

# %%
display.note("forecast_note_backtest", ctx, windows=forecast_windows, horizon=forecast_horizon)

# %%
display.heading("forecast_chosen_heading", ctx)

# %%
# NBVAL_CHECK_OUTPUT
plots.chosen_table(chosen, ctx)

# %%
display.note("forecast_note_chosen", ctx, metric="MASE")

# %%
display.heading("forecast_forecast_heading", ctx)

# %%
fc = forecast.forecast(series, horizon=forecast_horizon, errors=errors, levels=forecast_levels)
fig = plots.forecast_plot(series, fc, lang=ctx.lang, history=forecast_history)

# %%
plots.forecast_table(fc, ctx, chosen=chosen)

# %%
display.note("forecast_note_forecast", ctx, as_of=ctx.as_of.date(), horizon=forecast_horizon)

# %%
display.heading("forecast_by_team_heading", ctx)

# %%
team_series = forecast.sales_series(ctx.crm, metric=forecast_metric, freq=forecast_freq, by="team",
                                    as_of=ctx.as_of, scope=ctx.scope, week_start=week_start)
team_errors = forecast.backtest(team_series, horizon=forecast_horizon, windows=forecast_windows,
                        models=forecast_models, levels=forecast_levels, progress=False)
team_fc = forecast.forecast(team_series, horizon=forecast_horizon, errors=team_errors,
                        levels=forecast_levels)
fig = plots.forecast_plot(team_series, team_fc, lang=ctx.lang, history=forecast_history)

# %%
plots.chosen_table(forecast.choose_model(team_errors), ctx)

# %%
display.note("forecast_note_by_team", ctx)

# %%
display.heading("forecast_by_category_heading", ctx)

# %%
category_series = forecast.sales_series(ctx.crm, metric="contract_amount", freq=forecast_freq, by="category",
                                    as_of=ctx.as_of, scope=ctx.scope, week_start=week_start)
category_errors = forecast.backtest(category_series, horizon=forecast_horizon, windows=forecast_windows,
                        models=forecast_models, levels=forecast_levels, progress=False)
category_fc = forecast.forecast(category_series, horizon=forecast_horizon, errors=category_errors,
                        levels=forecast_levels)
fig = plots.forecast_plot(category_series, category_fc, lang=ctx.lang, history=forecast_history)

# %%
plots.chosen_table(forecast.choose_model(category_errors), ctx)

# %%
display.note("forecast_note_by_category", ctx)

# %%
display.heading("pipeline_calibration", ctx)

# %%
calibration = metrics.stage_calibration(ctx.crm, as_of=ctx.as_of, scope=ctx.scope)
ax = plots.calibration_chart(calibration, lang=ctx.lang)

# %%
plots.stage_calibration_table(calibration, ctx)

# %%
display.note("pipeline_note_calibration", ctx, level="95%", source=ctx.t(
    "funnel_source_history" if calibration.attrs.get("history") else "funnel_source_current"))

# %%
display.heading("pipeline_forecast_by_month", ctx)

# %%
categories = metrics.categories_from_params(ctx.params)
pipeline = metrics.pipeline_forecast(ctx.crm, as_of=ctx.as_of, scope=ctx.scope,
                                     categories_config=categories)
ax = plots.pipeline_forecast_chart(pipeline, lang=ctx.lang)

# %%
display.heading("pipeline_forecast_totals", ctx)

# %%
totals = metrics.forecast_totals(pipeline)
plots.forecast_totals_table(totals, ctx)

# %%
display.note("pipeline_note_forecast", ctx, commit=f"{categories['commit']:.0%}",
             best_case=f"{categories['best_case']:.0%}",
             missing=int(totals["missing_amount"].iloc[0]) if len(totals) else 0)

# %%
display.heading("pipeline_forecast_vs_target", ctx)

# %%
# the statistical basis needs a contract-amount forecast per team (the by-team section)
statistical = team_fc if forecast_metric == "contract_amount" else None
vs_target = metrics.forecast_vs_target(ctx.crm, as_of=ctx.as_of, scope=ctx.scope, by="team",
                                       statistical=statistical)
fig = plots.forecast_vs_target_figure(vs_target, lang=ctx.lang)

# %%
plots.forecast_vs_target_table(vs_target, ctx)

# %%
display.note("pipeline_note_vs_target", ctx)
