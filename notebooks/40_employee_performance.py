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
# # 40 Employee performance: contracts, payments and invoices
#
# How many contracts were signed and paid each month, against the month before and the same month a year earlier; what the contracts of the period have received and still lack; where invoices and payments disagree per contract (Wukong BI 员工业绩分析). Analysts' notes; the report shows the cells' outputs only.

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
display.title("perf_title", ctx)

# %%
display.heading("perf_monthly", ctx)

# %%
# NBVAL_CHECK_OUTPUT
monthly = metrics.monthly_performance(ctx.crm, period=ctx.period, scope=ctx.scope, as_of=ctx.as_of)
plots.performance_monthly_table(monthly, ctx)

# %%
fig = plots.performance_months(
    monthly, labels={m: ctx.t(m) for m in metrics.MONTHLY_METRICS},
    year_ago_label=ctx.t("perf_year_ago_line"),
)

# %%
display.note("note_perf_monthly", ctx)

# %%
display.heading("perf_contract_summary", ctx)

# %%
summary = metrics.contract_summary(ctx.crm, period=ctx.period, as_of=ctx.as_of, scope=ctx.scope)
plots.contract_summary_table(summary, ctx)

# %%
display.note("note_perf_summary", ctx)

# %%
display.heading("perf_invoice_gaps", ctx)

# %%
gaps = metrics.invoice_payment_gaps(ctx.crm, period=ctx.period, as_of=ctx.as_of, scope=ctx.scope,
                                   by="owner_id")
plots.invoice_gaps_table(gaps, ctx)

# %%
display.note("note_perf_invoice_gaps", ctx)
