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
# # 20 Targets: target vs actual and completion
#
# How far the team is from its targets: completion for the period, per team, month by month over the last 12 months, by month, quarter and year to date, and per employee (Wukong BI 业绩目标完成情况 and the dashboard target cards). A missing target means no target, never 100 %. Analysts' notes; the report shows the cells' outputs only.

# %% tags=["parameters"]
team: str = None  # Team id as in employees.team; None means the whole company
team_name: str = None  # Display name of the team in headers; None uses the team id
employees: list = None  # Employee ids to cover instead of the whole team
employee: str = None  # One employee's id ("my reports"); subordinates included
lang: str = "en"  # Language of labels and charts: en or zh
currency: str = "CNY"  # Currency code shown with amounts
period: str = "last_month"  # Period preset (this_month, last_week, ..., custom)
period_start: str = None  # First day of a custom period, YYYY-MM-DD
period_end: str = None  # Last day of a custom period (included), YYYY-MM-DD
as_of: str = None  # The report date, YYYY-MM-DD; None means the last event date in the data
week_start: int = 0  # First day of the week: 0 Monday ... 6 Sunday
source: str = None  # Data source URL; None means the embedded data/crm.duckdb

# %%
import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
display.title("targets_title", ctx)

# %%
display.heading("targets_heading_period", ctx)

# %%
shown = ["contract_amount", "payment_amount", "new_customers"]
done = metrics.completion(ctx.crm, metric=shown, period=ctx.period, scope=ctx.scope)
fig = plots.completion_gauges(done, lang=ctx.lang)

# %%
display.note("note_targets_period", ctx, window=str(metrics.target_window(ctx.period)))

# %%
display.heading("targets_heading_teams", ctx)

# %%
# NBVAL_CHECK_OUTPUT
teams = metrics.target_vs_actual(ctx.crm, metric=shown, period=ctx.period, by="period",
                                 level="team", scope=ctx.scope)
plots.targets_table(teams, ctx)

# %%
display.note("note_targets_teams", ctx, window=str(metrics.target_window(ctx.period)))

# %%
display.heading("targets_heading_monthly", ctx)

# %%
monthly = metrics.completion(ctx.crm, metric=["contract_amount", "payment_amount"],
                             period=ctx.period, scope=ctx.scope, by="month",
                             span="last_12_months")
fig = plots.monthly_targets(monthly, lang=ctx.lang)

# %%
display.note("note_targets_monthly", ctx)

# %%
display.heading("targets_heading_breakdown", ctx)

# %%
ytd = metrics.completion(ctx.crm, metric=["contract_amount", "payment_amount"],
                         period=ctx.period, scope=ctx.scope,
                         by=["month", "quarter", "year"], span="year_to_date")
plots.targets_table(ytd, ctx, owner=False)

# %%
display.note("note_targets_breakdown", ctx, window=str(metrics.target_window(ctx.period, span="year_to_date")))

# %%
display.heading("targets_heading_employees", ctx)

# %%
people = metrics.target_vs_actual(ctx.crm, metric=["contract_amount", "payment_amount"],
                                  period=ctx.period, by=["month", "year"],
                                  level="employee", scope=ctx.scope, span="year_to_date")
fig = plots.completion_heatmaps(people, lang=ctx.lang)

# %%
display.note("note_targets_employees", ctx, window=str(metrics.target_window(ctx.period, span="year_to_date")))
