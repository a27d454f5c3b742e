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
# # 80 Products: what sells, the category mix, and what comes back
#
# Per category and product: effective contracts holding it, quantity, line amount and share of the total; the category mix over the period's buckets; returns and the return rate (returned amount / sold amount) by product (Wukong BI 产品分析: 产品销售情况统计 and 产品分类销量分析). Long lists show the top N and one "other" row; unknown products and categories are kept apart. Analysts' notes; the report shows the cells' outputs only.

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
top_n: int = 10  # Products and categories shown by name; the rest are summed as other


# %%
import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
display.title("prod_title", ctx)

# %%
display.heading("prod_by_category", ctx)

# %%
# NBVAL_CHECK_OUTPUT
by_category = metrics.product_sales(ctx.crm, period=ctx.period, scope=ctx.scope, by="category",
                                    top=top_n)
plots.product_table(by_category, ctx)

# %%
ax = plots.product_bars(by_category, lang=ctx.lang, title=ctx.t("prod_chart_category"))

# %%
display.note("note_prod_sales", ctx)

# %%
display.heading("prod_by_product", ctx)

# %%
by_product = metrics.product_sales(ctx.crm, period=ctx.period, scope=ctx.scope, by="product",
                                   top=top_n)
ax = plots.product_bars(by_product, lang=ctx.lang, title=ctx.t("prod_chart_product"))

# %%
plots.product_table(by_product, ctx)

# %%
display.note("note_prod_top", ctx, n=top_n)

# %%
display.heading("prod_category_mix", ctx)

# %%
mix = metrics.category_mix(ctx.crm, period=ctx.period, scope=ctx.scope, top=top_n)
ax = plots.category_mix_bars(mix, lang=ctx.lang, title=ctx.t("prod_chart_mix"))
plots.not_available_note(mix, ctx)

# %%
display.note("note_prod_mix", ctx, n=top_n)

# %%
display.heading("prod_returns_heading", ctx)

# %%
returns = metrics.product_returns(ctx.crm, period=ctx.period, scope=ctx.scope, top=top_n)
ax = plots.return_rate_bars(returns, lang=ctx.lang, title=ctx.t("prod_chart_return_rate"))

# %%
plots.returns_table(returns, ctx)

# %%
display.note("note_prod_returns", ctx)
