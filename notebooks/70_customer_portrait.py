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
# # 70 Customer portrait: who our customers are
#
# Customers and dealt customers by province, city, industry, level and source (Wukong BI 客户画像分析: 城市分布, 行业, 级别, 来源). By default the whole customer base as of the report date; with `portrait_created_in_period` only the customers created in the period, as Wukong counts them. Many values are shown as the top N plus one "other" row; empty values show as unknown / 未知 and are never dropped. Analysts' notes; the report shows the cells' outputs only.

# %% tags=["parameters"]
team: str = None  # Team id as in employees.team; None means the whole company
team_name: str = None  # Display name of the team in headers; None uses the team id
employees: list = None  # Employee ids to cover instead of the whole team
employee: str = None  # Id of one employee; their subordinates are included
lang: str = "en"  # Language of labels and charts: en or zh
period: str = "last_month"  # Period preset (this_month, last_week, ..., custom)
period_start: str = None  # First day of a custom period, YYYY-MM-DD
period_end: str = None  # Last day of a custom period (included), YYYY-MM-DD
as_of: str = None  # The report date, YYYY-MM-DD; None means the last event date in the data
week_start: int = 0  # First day of the week: 0 Monday ... 6 Sunday
source: str = None  # Data source URL; None means the embedded data/crm.duckdb
top_n: int = 10  # Values shown on each chart; the rest are summed as other
portrait_created_in_period: bool = False  # Count only customers created in the period, not the whole base


# %%
import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
display.title("portrait_title", ctx)

# %%
display.heading("portrait_overview", ctx)

# %%
display.note("note_portrait_new" if portrait_created_in_period else "note_portrait_base", ctx,
             as_of=ctx.as_of.date(), period=ctx.period)

# %%
display.heading("portrait_by_province", ctx)

# %%
df = metrics.customer_portrait(ctx.crm, dimension="province", period=ctx.period, as_of=ctx.as_of,
                                scope=ctx.scope, top=top_n,
                                created_in_period=portrait_created_in_period)
ax = plots.portrait_bars(df, lang=ctx.lang, title=ctx.t("portrait_by_province"))

# %%
plots.portrait_table(df, ctx)

# %%
display.note("note_portrait_province", ctx, top=top_n)

# %%
display.heading("portrait_by_city", ctx)

# %%
df = metrics.customer_portrait(ctx.crm, dimension="city", period=ctx.period, as_of=ctx.as_of,
                                scope=ctx.scope, top=top_n,
                                created_in_period=portrait_created_in_period)
ax = plots.portrait_bars(df, lang=ctx.lang, title=ctx.t("portrait_by_city"))

# %%
plots.portrait_table(df, ctx)

# %%
display.note("note_portrait_city", ctx, top=top_n)

# %%
display.heading("portrait_by_industry", ctx)

# %%
df = metrics.customer_portrait(ctx.crm, dimension="industry", period=ctx.period, as_of=ctx.as_of,
                                scope=ctx.scope, top=top_n,
                                created_in_period=portrait_created_in_period)
ax = plots.portrait_bars(df, lang=ctx.lang, title=ctx.t("portrait_by_industry"))

# %%
plots.portrait_table(df, ctx)

# %%
display.note("note_portrait_industry", ctx, top=top_n)

# %%
display.heading("portrait_by_level", ctx)

# %%
df = metrics.customer_portrait(ctx.crm, dimension="level", period=ctx.period, as_of=ctx.as_of,
                                scope=ctx.scope, top=top_n,
                                created_in_period=portrait_created_in_period)
ax = plots.portrait_bars(df, lang=ctx.lang, title=ctx.t("portrait_by_level"))

# %%
# NBVAL_CHECK_OUTPUT
plots.portrait_table(df, ctx)

# %%
display.note("note_portrait_level", ctx, top=top_n)

# %%
display.heading("portrait_by_source", ctx)

# %%
df = metrics.customer_portrait(ctx.crm, dimension="source", period=ctx.period, as_of=ctx.as_of,
                                scope=ctx.scope, top=top_n,
                                created_in_period=portrait_created_in_period)
ax = plots.portrait_bars(df, lang=ctx.lang, title=ctx.t("portrait_by_source"))

# %%
plots.portrait_table(df, ctx)

# %%
display.note("note_portrait_source", ctx, top=top_n)
