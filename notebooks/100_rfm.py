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
# # 100 Customer value: RFM segments and Pareto
#
# Recency, frequency and monetary value per customer as of the report date, quintile scores, the 11-segment scheme and the Chinese 8-type value scheme (重要价值 ... 一般挽留), the share of customers that makes 80 % of revenue, and how customers moved between segments. Every figure comes from `crmlib.metrics` (`rfm`, `segment_summary`, `pareto`, `segment_migration`). Analysts' notes; the report shows the cells' outputs only.

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
currency: str = "CNY"  # Currency code shown with amounts (not converted)
top_n: int = 10  # Rows shown in top lists
value_compare_days: int = 90  # Days back for segment migration and lifecycle transitions
rfm_threshold: str = "mean"  # What the 8-type scheme compares R, F and M with: mean or median
rfm_window_days: int = None  # Count only purchases of the last N days; None means all history
rfm_segments: dict = None  # Segment rules replacing or adding schemes; None keeps the built-in ones


# %%
import pandas as pd

import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
since = ctx.as_of - pd.Timedelta(days=value_compare_days)
display.title("rfm_title", ctx)

# %%
display.heading("value_overview", ctx)

# %%
display.note("note_value_base", ctx, as_of=ctx.as_of.date())

# %%
rfm = metrics.rfm(ctx.crm, as_of=ctx.as_of, scope=ctx.scope, window_days=rfm_window_days,
                  threshold=rfm_threshold, segments_config=rfm_segments)

# %%
display.heading("value_rfm_grid", ctx)

# %%
ax = plots.rfm_grid(rfm, lang=ctx.lang)

# %%
display.note("note_value_grid", ctx)

# %%
display.heading("value_segments_rfm11", ctx)

# %%
seg11 = metrics.segment_summary(rfm, scheme="rfm11")
ax = plots.segment_bars(seg11, lang=ctx.lang)

# %%
# NBVAL_CHECK_OUTPUT
plots.segment_table(seg11, ctx)

# %%
display.note("note_value_rfm11", ctx)

# %%
display.heading("value_segments_cn8" if rfm_threshold == "mean" else "value_segments_cn8_median", ctx)

# %%
seg8 = metrics.segment_summary(rfm, scheme="cn8")
ax = plots.segment_bars(seg8, lang=ctx.lang)

# %%
plots.segment_table(seg8, ctx)

# %%
display.note("note_value_cn8", ctx, threshold=ctx.t(f"value_threshold_{rfm_threshold}"))

# %%
display.heading("value_pareto", ctx)

# %%
curve = metrics.pareto(rfm)
plots.pareto_headline(curve, ctx)

# %%
ax = plots.pareto_curve(curve, lang=ctx.lang)

# %%
display.note("note_value_pareto", ctx)

# %%
display.heading("value_migration", ctx, start=since.date(), end=ctx.as_of.date())

# %%
moves = metrics.segment_migration(ctx.crm, from_as_of=since, to_as_of=ctx.as_of, scope=ctx.scope,
                                  window_days=rfm_window_days, threshold=rfm_threshold,
                                  segments_config=rfm_segments)
ax = plots.crosstab_heatmap(moves, prefix="rfm_seg_", lang=ctx.lang,
                             xlabel=ctx.t("rfm_to_segment"), ylabel=ctx.t("rfm_from_segment"))

# %%
display.note("note_value_migration", ctx)
