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
# # 10 Dashboard: sales brief and data summary
#
# What happened in the period, against the previous period and a year ago: new customers, contacts and opportunities, contracts, payments and follow-ups (Wukong BI 销售简报 and 数据汇总). Analysts' notes; the report shows the cells' outputs only.

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
expiring_days: int = 30  # Contracts ending within this many days count as expiring

# %%
import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
display.title("dashboard_title", ctx)

# %%
display.heading("sales_brief", ctx)

# %%
# NBVAL_CHECK_OUTPUT
brief = metrics.sales_brief(ctx.crm, period=ctx.period, scope=ctx.scope)
display.kpi_cards(brief, ctx)

# %%
display.note("note_sales_brief", ctx)

# %%
display.heading("trend", ctx)

# %%
shown = ["new_customers", "new_opportunities", "contract_amount", "payments", "followups", "contracts"]
series = {m: metrics.brief_trend(ctx.crm, m, period=ctx.period, scope=ctx.scope) for m in shown}
fig = plots.trends(series, labels={m: ctx.t(m) for m in shown},
                   amounts=("contract_amount", "payments"))

# %%
display.note("note_trend", ctx)

# %%
display.heading("data_summary", ctx)

# %%
summary = metrics.data_summary(ctx.crm, period=ctx.period, as_of=ctx.as_of, scope=ctx.scope,
                               expiring_days=expiring_days)
display.summary_table(summary, ctx, kinds={"expected_payments": "amount"},
                      fmt={"contracts_expiring": {"days": expiring_days}})

# %%
display.note("note_data_summary", ctx, days=expiring_days)
