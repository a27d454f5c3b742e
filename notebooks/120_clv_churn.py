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
# # 120 Customer lifetime value, segments and churn risk
#
# BG/NBD and Gamma-Gamma fit by maximum likelihood (`crmlib.clv`), their holdout check, the customers with the highest lifetime value, k-means segments on RFM and CLV, churn risk from P(alive) and a churn classifier evaluated on held-out customers (`crmlib.segment`), and the value classes the team acts on. Analysts' notes; the report shows the cells' outputs only.

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
clv_horizon_days: int = 365  # Lifetime value counts the expected purchases of this many days
clv_discount_rate: float = 0.1  # Yearly discount rate of lifetime value
clv_holdout_days: int = 180  # Holdout check: fit up to this many days before as_of, predict the rest
churn_horizon_days: int = 180  # No purchase for this many days counts as churned


# %%
import crmlib
from crmlib import clv, display, metrics, plots, segment

ctx = crmlib.open_report(globals())
display.title("clv_title", ctx)

# %%
display.heading("clv_models_heading", ctx)

# %%
value = clv.customer_value(ctx.crm, as_of=ctx.as_of, scope=ctx.scope,
                           horizon_days=clv_horizon_days, discount_rate=clv_discount_rate)
plots.model_table(value, ctx)

# %%
display.note("note_clv_models", ctx, as_of=ctx.as_of.date(), horizon=clv_horizon_days,
             rate=f"{clv_discount_rate:.0%}")

# %%
display.heading("clv_holdout_heading", ctx)

# %%
holdout = clv.crm_holdout_check(ctx.crm, as_of=ctx.as_of, holdout_days=clv_holdout_days)
ax = plots.holdout_chart(holdout, lang=ctx.lang)

# %%
display.table(holdout.round(3), ctx)

# %%
display.note("note_clv_holdout", ctx, days=clv_holdout_days)

# %%
display.heading("clv_top_heading", ctx)

# %%
# NBVAL_CHECK_OUTPUT
plots.clv_table(value, ctx, top=top_n)

# %%
display.heading("clv_segments_heading", ctx)

# %%
rfm = metrics.rfm(ctx.crm, as_of=ctx.as_of, scope=ctx.scope)
features = rfm.merge(value[["customer_id", "clv"]], on="customer_id")
segments = segment.CustomerSegments(features=(*segment.SEGMENT_FEATURES, "clv")).fit(features)
ax = plots.k_selection_chart(segments.selection_, lang=ctx.lang)

# %%
plots.profile_table(segments.profile_, ctx)

# %%
display.note("note_clv_segments", ctx)

# %%
display.heading("clv_risk_heading", ctx)

# %%
risk = segment.churn_risk(value[["customer_id", "p_alive"]])
plots.risk_table(risk, ctx)

# %%
display.note("note_clv_risk", ctx)

# %%
display.heading("clv_churn_heading", ctx)

# %%
churn = segment.evaluate_churn(ctx.crm, as_of=ctx.as_of, horizon_days=churn_horizon_days,
                               scope=ctx.scope)
plots.churn_metrics_table(churn, ctx) if churn else plots.not_enough_data_note(ctx)

# %%
ax = plots.churn_calibration_chart(churn.calibration_, lang=ctx.lang) if churn else None

# %%
ax = plots.churn_importance_bars(churn.importance_, lang=ctx.lang) if churn else None

# %%
display.note("note_clv_churn", ctx, horizon=churn_horizon_days,
             test=churn.metrics_["n_test"] if churn else 0)

# %%
display.heading("clv_classes_heading", ctx)

# %%
stages = metrics.lifecycle(ctx.crm, as_of=ctx.as_of, scope=ctx.scope)
classes = segment.value_classes(stages.merge(value[["customer_id", "clv"]], how="left"))
plots.value_class_table(segment.value_class_summary(classes, revenue=None), ctx)

# %%
display.note("note_clv_classes", ctx)
