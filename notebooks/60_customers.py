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
# # 60 Customers: new, dealt, the public pool, deal cycle and satisfaction
#
# Customers created in the period and how many of them have dealt (cohort conversion), per bucket and per employee; customers moved into and out of the public pool, and how long the pool's customers have sat there; the deal cycle by employee, province, city and product; satisfaction from return visits by employee and product (Wukong BI 员工客户分析). Deleted customers are left out. Analysts' notes; the report shows the cells' outputs only.

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
top_n: int = 10  # Provinces, cities and products shown; the rest are pooled as other


# %%
import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
display.title("cust_title", ctx)

# %%
display.heading("cust_summary", ctx)

# %%
# NBVAL_CHECK_OUTPUT
summary = metrics.customer_summary(ctx.crm, period=ctx.period, as_of=ctx.as_of, scope=ctx.scope)
plots.customer_summary_view(summary, ctx)

# %%
display.note("note_cust_summary", ctx)

# %%
display.heading("cust_new_dealt", ctx)

# %%
trend = metrics.customer_trend(ctx.crm, period=ctx.period, as_of=ctx.as_of, scope=ctx.scope)
ax = plots.customer_trend(trend, labels={"new_customers": ctx.t("new_customers"),
                                         "dealt": ctx.t("cust_dealt_count"),
                                         "conversion": ctx.t("cust_conversion")})

# %%
display.note("note_cust_trend", ctx)

# %%
display.heading("cust_by_employee", ctx)

# %%
by_employee = metrics.customers_by_employee(ctx.crm, period=ctx.period, as_of=ctx.as_of,
                                            scope=ctx.scope)
plots.customer_table(by_employee, ctx, by="employee", columns={
    "team": ("team", "text"), "new_customers": ("new_customers", "count"),
    "dealt": ("cust_dealt_count", "count"), "conversion": ("cust_conversion", "ratio")})

# %%
display.note("note_cust_by_employee", ctx)

# %%
display.heading("cust_pool_moves", ctx)

# %%
pool = metrics.pool_trend(ctx.crm, period=ctx.period, scope=ctx.scope)
ax = plots.pool_trend(pool, labels={"pool_in": ctx.t("pool_in"), "pool_out": ctx.t("pool_out")})

# %%
pool_employees = metrics.pool_by_employee(ctx.crm, period=ctx.period, scope=ctx.scope)
plots.customer_table(pool_employees, ctx, by="employee", columns={
    "team": ("team", "text"), "pool_in": ("pool_in", "count"),
    "pool_out": ("pool_out", "count")})

# %%
display.note("note_cust_pool_moves", ctx)

# %%
display.heading("cust_pool_now", ctx)

# %%
ages = metrics.pool_age(ctx.crm, as_of=ctx.as_of)
ax = plots.pool_age(ages, label=ctx.t("cust_pool_customers"), xlabel=ctx.t("cust_pool_days_axis"))

# %%
plots.customer_table(ages, ctx, by="age", columns={"customers": ("cust_pool_size", "count")})

# %%
display.note("note_cust_pool_now", ctx)

# %%
display.heading("cust_cycle_trend", ctx)

# %%
cycle = metrics.deal_cycle(ctx.crm, period=ctx.period, by="bucket", as_of=ctx.as_of, scope=ctx.scope)
ax = plots.deal_cycle(cycle, by="bucket", label=ctx.t("cust_cycle_trend"), lang=ctx.lang,
                      labels={"mean_days": ctx.t("cust_mean_days"), "median_days": ctx.t("cust_median_days")})

# %%
display.note("note_cust_cycle", ctx, top_n=top_n)

# %%
display.heading("cust_cycle_by_employee", ctx)

# %%
cycle = metrics.deal_cycle(ctx.crm, period=ctx.period, by="employee", as_of=ctx.as_of,
                           scope=ctx.scope)
ax = plots.deal_cycle(cycle, by="employee", label=ctx.t("cust_cycle_by_employee"), lang=ctx.lang,
                      labels={"mean_days": ctx.t("cust_mean_days"), "median_days": ctx.t("cust_median_days")})

# %%
plots.customer_table(cycle, ctx, by="employee", columns={"dealt": ("cust_dealt_count", "count"), "mean_days": ("cust_mean_days", "days"),
           "median_days": ("cust_median_days", "days")})

# %%
display.heading("cust_cycle_by_province", ctx)

# %%
cycle = metrics.deal_cycle(ctx.crm, period=ctx.period, by="province", as_of=ctx.as_of,
                           scope=ctx.scope, top_n=top_n)
ax = plots.deal_cycle(cycle, by="province", label=ctx.t("cust_cycle_by_province"), lang=ctx.lang,
                      labels={"mean_days": ctx.t("cust_mean_days"), "median_days": ctx.t("cust_median_days")})

# %%
plots.customer_table(cycle, ctx, by="province", columns={"dealt": ("cust_dealt_count", "count"), "mean_days": ("cust_mean_days", "days"),
           "median_days": ("cust_median_days", "days")})

# %%
display.heading("cust_cycle_by_city", ctx)

# %%
cycle = metrics.deal_cycle(ctx.crm, period=ctx.period, by="city", as_of=ctx.as_of,
                           scope=ctx.scope, top_n=top_n)
ax = plots.deal_cycle(cycle, by="city", label=ctx.t("cust_cycle_by_city"), lang=ctx.lang,
                      labels={"mean_days": ctx.t("cust_mean_days"), "median_days": ctx.t("cust_median_days")})

# %%
plots.customer_table(cycle, ctx, by="city", columns={"dealt": ("cust_dealt_count", "count"), "mean_days": ("cust_mean_days", "days"),
           "median_days": ("cust_median_days", "days")})

# %%
display.heading("cust_cycle_by_product", ctx)

# %%
cycle = metrics.deal_cycle(ctx.crm, period=ctx.period, by="product", as_of=ctx.as_of,
                           scope=ctx.scope, top_n=top_n)
ax = plots.deal_cycle(cycle, by="product", label=ctx.t("cust_cycle_by_product"), lang=ctx.lang,
                      labels={"mean_days": ctx.t("cust_mean_days"), "median_days": ctx.t("cust_median_days")})

# %%
plots.customer_table(cycle, ctx, by="product", columns={"dealt": ("cust_dealt_count", "count"), "mean_days": ("cust_mean_days", "days"),
           "median_days": ("cust_median_days", "days")})

# %%
display.note("note_cust_cycle_product", ctx)

# %%
display.heading("cust_sat_by_employee", ctx)

# %%
sat = metrics.satisfaction(ctx.crm, period=ctx.period, by="employee", scope=ctx.scope)
ax = plots.satisfaction(sat, by="employee", label=ctx.t("cust_sat_by_employee"), lang=ctx.lang,
                        score_labels=[ctx.t(f"cust_score_{s}") for s in range(1, 6)])

# %%
plots.customer_table(sat, ctx, by="employee", columns={"visits": ("cust_visits", "count"), "mean_score": ("cust_mean_score", "score"),
           "share_4_5": ("cust_share_4_5", "ratio")})

# %%
display.heading("cust_sat_by_product", ctx)

# %%
sat = metrics.satisfaction(ctx.crm, period=ctx.period, by="product", scope=ctx.scope, top_n=top_n)
ax = plots.satisfaction(sat, by="product", label=ctx.t("cust_sat_by_product"), lang=ctx.lang,
                        score_labels=[ctx.t(f"cust_score_{s}") for s in range(1, 6)])

# %%
plots.customer_table(sat, ctx, by="product", columns={"visits": ("cust_visits", "count"), "mean_score": ("cust_mean_score", "score"),
           "share_4_5": ("cust_share_4_5", "ratio")})

# %%
display.note("note_cust_satisfaction", ctx, top_n=top_n)
