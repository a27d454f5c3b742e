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
# # 90 Leads and channels
#
# Pre-sale: leads created per period and how many became customers; conversion by source and owner with Wilson intervals (ranked by the lower bound, so a small source is not ranked above a big one by noise); days to convert; campaign cost per lead and per converted customer; a lead-scoring model (logistic regression) evaluated once on leads set aside before fitting: held-out ROC AUC, calibration by decile and permutation importance (Wukong BI 线索分析, 渠道分析). Analysts' notes; the report shows the cells' outputs only.

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
top_n: int = 10  # Sources and owners shown by name; the rest are summed as other
leads_confidence: float = 0.95  # Confidence level of the conversion intervals
leads_min_age_days: int = None  # Leads younger than this are left out of the model; None means the 95th percentile of days to convert


# %%
import crmlib
from crmlib import display, lead_scoring, metrics, plots

ctx = crmlib.open_report(globals())
display.title("leads_title", ctx)

# %%
display.heading("leads_trend_heading", ctx)

# %%
trend = metrics.leads_by_period(ctx.crm, period=ctx.period, as_of=ctx.as_of, scope=ctx.scope)
ax = plots.leads_trend(trend, lang=ctx.lang)
plots.leads_not_available(trend, ctx)

# %%
display.note("leads_note_trend", ctx)

# %%
display.heading("leads_conversion_heading", ctx)

# %%
config = {"confidence": leads_confidence}
by_source = metrics.lead_conversion(ctx.crm, period=ctx.period, as_of=ctx.as_of, scope=ctx.scope,
                                    by="source", top=top_n, conversion_config=config)
ax = plots.lead_conversion_bars(by_source, lang=ctx.lang, title=ctx.t(
    "leads_chart_conversion", level=round(100 * leads_confidence)))

# %%
# NBVAL_CHECK_OUTPUT
plots.lead_conversion_table(by_source, ctx)

# %%
display.note("leads_note_conversion", ctx, level=round(100 * leads_confidence),
             dated="" if by_source.attrs.get("dated", True) else ctx.t("leads_note_undated_cohort"))

# %%
display.heading("leads_owner_heading", ctx)

# %%
by_owner = metrics.lead_conversion(ctx.crm, period=ctx.period, as_of=ctx.as_of, scope=ctx.scope,
                                   by="owner", top=top_n, conversion_config=config)
names = ctx.crm.table("employees").to_pandas().set_index("employee_id")["name"].to_dict()
plots.lead_conversion_table(by_owner, ctx, names=names)

# %%
display.heading("leads_days_heading", ctx)

# %%
days = metrics.days_to_convert(ctx.crm, period=ctx.period, as_of=ctx.as_of, scope=ctx.scope,
                               top=top_n)
plots.days_to_convert_table(days, ctx)

# %%
display.note("leads_note_days", ctx)

# %%
display.heading("leads_cost_heading", ctx)

# %%
costs = metrics.lead_costs(ctx.crm, period=ctx.period, as_of=ctx.as_of)
plots.lead_cost_table(costs, ctx)

# %%
display.note("leads_note_cost", ctx)

# %%
display.heading("leads_score_heading", ctx)

# %%
scorer = lead_scoring.fit_lead_scorer(ctx.crm, as_of=ctx.as_of, scope=ctx.scope,
                                 min_age_days=leads_min_age_days)
plots.score_summary(scorer, ctx)

# %%
display.note("leads_note_score", ctx, min_age=getattr(scorer, "min_age_days_", 0))

# %%
display.heading("leads_calibration_heading", ctx)

# %%
ax = plots.lead_calibration_plot(scorer.calibration_, lang=ctx.lang)

# %%
plots.lead_calibration_table(scorer, ctx)

# %%
display.note("leads_note_calibration", ctx)

# %%
display.heading("leads_importance_heading", ctx)

# %%
ax = plots.lead_importance_bars(scorer.importance_, lang=ctx.lang)

# %%
display.note("leads_note_importance", ctx, n=lead_scoring.SCORER_CONFIG["n_repeats"])
