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
# # 65 Follow-ups and forgotten customers
#
# How much each team followed up its customers in the period (per day, week or month, per employee, per channel), which new customers nobody has contacted yet, and the customers that are being forgotten: counts at 7 / 15 / 30 / 90 / 180 days and overdue planned contacts, then each rep's list for the week (Wukong BI 客户跟进次数分析, 跟进方式分析, 数据汇总 and the dashboard's 遗忘提醒). Phone numbers and e-mail addresses are masked unless `mask_pii` is false. Analysts' notes; the report shows the cells' outputs only.

# %% tags=["parameters"]
team: str = None  # Team id as in employees.team; None means the whole company
team_name: str = None  # Display name of the team in headers; None uses the team id
employees: list = None  # Employee ids to cover instead of the whole team
employee: str = None  # One employee id (my reports); subordinates included
lang: str = "en"  # Language of labels and charts: en or zh
currency: str = "CNY"  # Currency code shown with amounts
period: str = "last_month"  # Period preset (this_month, last_week, ..., custom)
period_start: str = None  # First day of a custom period, YYYY-MM-DD
period_end: str = None  # Last day of a custom period (included), YYYY-MM-DD
as_of: str = None  # The report date, YYYY-MM-DD; None means the last event date in the data
week_start: int = 0  # First day of the week: 0 Monday ... 6 Sunday
source: str = None  # Data source URL; None means the embedded data/crm.duckdb
mask_pii: bool = True  # Mask customer phone numbers and e-mail addresses in the lists
forgotten_days: list = [7, 15, 30, 90, 180]  # Days without follow-up counted as forgotten; the list uses 30
top_n: int = 10  # Customers shown per rep in the lists


# %%
import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
todo_days = metrics.todo_threshold(forgotten_days)  # 30, or the smallest above 7
display.title("fu_title", ctx)

# %%
display.heading("fu_summary", ctx)

# %%
# NBVAL_CHECK_OUTPUT
summary = metrics.followup_summary(ctx.crm, period=ctx.period, as_of=ctx.as_of,
                                   scope=ctx.scope, days=todo_days)
plots.followup_summary_view(summary, ctx)

# %%
display.note("note_fu_summary", ctx)

# %%
display.heading("fu_trend", ctx)

# %%
activity = metrics.followup_activity(ctx.crm, period=ctx.period, scope=ctx.scope, by="bucket")
ax = plots.followup_trend(activity, labels={"count": ctx.t("followups"),
                                            "customers": ctx.t("customers_followed_up")})
plots.unavailable_note(activity, ctx)

# %%
display.note("note_fu_trend", ctx)

# %%
display.heading("fu_by_employee", ctx)

# %%
per_employee = metrics.followup_activity(ctx.crm, period=ctx.period, scope=ctx.scope,
                                         by="employee_id")
plots.followup_employee_table(per_employee, ctx)

# %%
display.note("note_fu_by_employee", ctx)

# %%
display.heading("fu_by_channel", ctx)

# %%
channels = metrics.followups_by_channel(ctx.crm, period=ctx.period, scope=ctx.scope)
ax = plots.channel_bars(channels, lang=ctx.lang, title=ctx.t("fu_by_channel"))
plots.unavailable_note(channels, ctx)

# %%
display.note("note_fu_by_channel", ctx)

# %%
display.heading("fu_new_heading", ctx)

# %%
waiting = metrics.new_not_followed_up(ctx.crm, period=ctx.period, as_of=ctx.as_of,
                                      scope=ctx.scope)
plots.new_customers_table(waiting, ctx, top=top_n, mask=mask_pii)

# %%
display.note("note_fu_new", ctx)

# %%
display.heading("fu_forgotten", ctx)

# %%
forgotten = metrics.forgotten_overview(ctx.crm, as_of=ctx.as_of, scope=ctx.scope,
                                      thresholds=forgotten_days)
ax = plots.forgotten_bars(forgotten, lang=ctx.lang, title=ctx.t("fu_forgotten"))
plots.unavailable_note(forgotten, ctx)

# %%
display.note("note_fu_forgotten", ctx)

# %%
display.heading("fu_todo", ctx)

# %%
todo = metrics.todo_list(ctx.crm, days=todo_days, as_of=ctx.as_of, scope=ctx.scope)
plots.todo_table(todo, ctx, top=top_n, mask=mask_pii)

# %%
display.note("note_fu_todo_masked" if mask_pii else "note_fu_todo", ctx, days=todo_days)
