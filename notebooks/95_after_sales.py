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
# # 95 After-sale: what comes back, why, how soon, and from whom
#
# Orders (effective contracts signed in the period), returns and the refund rate (returned amount / sold amount) per bucket of the period, against the previous period; each reason's part of the refund rate; returns and return rate by product; the days from sale to return (buckets, mean and median); and the customers and products whose return rate is unusually high by a funnel-plot rule (rate above the overall rate plus z standard errors for their number of orders, with a minimum of orders). Analysts' notes; the report shows the cells' outputs only.

# %% tags=["parameters"]
team: str = None  # Team id as in employees.team; None means the whole company
team_name: str = None  # Display name of the team in headers; None uses the team id
employees: list = None  # Employee ids to cover instead of the whole team
employee: str = None  # Id of one employee; their subordinates are included
lang: str = "en"  # Language of labels and charts: en or zh
currency: str = "CNY"  # Currency code shown with amounts
period: str = "last_month"  # Period preset (this_month, last_week, ..., custom)
period_start: str = None  # First day of a custom period, YYYY-MM-DD
period_end: str = None  # Last day of a custom period (included), YYYY-MM-DD
as_of: str = None  # The report date, YYYY-MM-DD; None means the last event date in the data
week_start: int = 0  # First day of the week: 0 Monday ... 6 Sunday
source: str = None  # Data source URL; None means the embedded data/crm.duckdb
top_n: int = 10  # Reasons, products and unusual rows shown by name; other reasons are summed
after_unusual_z: float = 3.0  # Standard errors above the overall return rate that flag a row
after_unusual_min_orders: int = 5  # Orders a customer or product needs before it can be flagged


# %%
import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
rule = {"z": after_unusual_z, "min_orders": after_unusual_min_orders}
display.title("after_title", ctx)

# %%
display.heading("after_headline", ctx)

# %%
# NBVAL_CHECK_OUTPUT
orders = metrics.orders_and_returns(ctx.crm, period=ctx.period, scope=ctx.scope)
previous = metrics.orders_and_returns(ctx.crm, period=ctx.period.previous(), scope=ctx.scope)
plots.after_headline_table(orders, ctx, previous)

# %%
display.note("after_note_headline", ctx)

# %%
display.heading("after_by_period", ctx)

# %%
ax = plots.after_orders_chart(orders, lang=ctx.lang, title=ctx.t("after_chart_period"))

# %%
display.heading("after_by_reason", ctx)

# %%
reasons = metrics.returns_by_reason(ctx.crm, period=ctx.period, scope=ctx.scope, top=top_n)
ax = plots.after_reason_bars(reasons, lang=ctx.lang, title=ctx.t("after_chart_reason"))

# %%
plots.after_reason_table(reasons, ctx)

# %%
display.note("after_note_reason", ctx, n=top_n)

# %%
display.heading("after_by_product", ctx)

# %%
by_product = metrics.product_returns(ctx.crm, period=ctx.period, scope=ctx.scope, top=top_n)
ax = plots.return_rate_bars(by_product, lang=ctx.lang, title=ctx.t("prod_chart_return_rate"))

# %%
plots.returns_table(by_product, ctx)

# %%
display.note("after_note_product", ctx)

# %%
display.heading("after_delays", ctx)

# %%
delays = metrics.return_delays(ctx.crm, period=ctx.period, scope=ctx.scope)
ax = plots.after_delay_bars(delays, lang=ctx.lang, title=ctx.t("after_chart_delays"))

# %%
plots.after_delay_table(delays, ctx)

# %%
display.note("after_note_delays", ctx)

# %%
display.heading("after_unusual_customers", ctx)

# %%
customers = metrics.unusual_return_rates(ctx.crm, period=ctx.period, as_of=ctx.as_of,
                                         scope=ctx.scope, by="customer", rule_config=rule)
ax = plots.after_funnel_plot(customers, lang=ctx.lang,
                             title=ctx.t("after_chart_funnel_customers"))

# %%
plots.after_unusual_table(customers, ctx, top=top_n)

# %%
display.heading("after_unusual_products", ctx)

# %%
products = metrics.unusual_return_rates(ctx.crm, period=ctx.period, as_of=ctx.as_of,
                                        scope=ctx.scope, by="product", rule_config=rule)
ax = plots.after_funnel_plot(products, lang=ctx.lang,
                             title=ctx.t("after_chart_funnel_products"))

# %%
plots.after_unusual_table(products, ctx, top=top_n)

# %%
display.note("after_note_unusual", ctx, n=after_unusual_min_orders, z=f"{after_unusual_z:g}")
