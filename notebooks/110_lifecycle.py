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
# # 110 Customer lifecycle: potential, new, active, dormant, churned
#
# Each customer's stage as of the report date, judged by their own purchase rhythm, and how customers moved between stages. Every figure comes from `crmlib.metrics` (`lifecycle`, `lifecycle_summary`, `lifecycle_transitions`). Analysts' notes; the report shows the cells' outputs only.

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
lifecycle_new_days: int = 90  # A first purchase less than this many days ago makes a customer new
lifecycle_dormant_factor: float = 2.0  # Dormant after this many usual gaps without a purchase
lifecycle_churned_factor: float = 4.0  # Churned after this many usual gaps without a purchase


# %%
import pandas as pd

import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
since = ctx.as_of - pd.Timedelta(days=value_compare_days)
display.title("lifecycle_title", ctx)

# %%
rules = {"new_days": lifecycle_new_days, "dormant_factor": lifecycle_dormant_factor,
         "churned_factor": lifecycle_churned_factor}

# %%
display.heading("value_lifecycle_stages", ctx)

# %%
stages = metrics.lifecycle(ctx.crm, as_of=ctx.as_of, scope=ctx.scope, lifecycle_config=rules)
summary = metrics.lifecycle_summary(stages)
ax = plots.lifecycle_bars(summary, lang=ctx.lang)

# %%
# NBVAL_CHECK_OUTPUT
plots.lifecycle_table(summary, ctx)

# %%
display.note("note_value_lifecycle", ctx, new_days=lifecycle_new_days,
             dormant=lifecycle_dormant_factor, churned=lifecycle_churned_factor)

# %%
display.heading("value_lifecycle_transitions", ctx, start=since.date(), end=ctx.as_of.date())

# %%
moves = metrics.lifecycle_transitions(ctx.crm, from_as_of=since, to_as_of=ctx.as_of,
                                      scope=ctx.scope, lifecycle_config=rules)
ax = plots.crosstab_heatmap(moves, prefix="lifecycle_stage_", lang=ctx.lang,
                             xlabel=ctx.t("lifecycle_to_stage"),
                             ylabel=ctx.t("lifecycle_from_stage"))

# %%
display.note("note_value_transitions", ctx)
