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
# # 30 Sales funnel and opportunities
#
# Where the deals are and how they convert: the pipeline by stage today, the ordered funnel of the period's new opportunities, new opportunities per bucket, closed and cohort win rates per bucket, team and employee, deal size, cycle, time in stage, lost reasons, expected revenue and pipeline coverage of the remaining target (Wukong BI 销售漏斗, 新增商机分析, 商机转化率分析). Analysts' notes; the report shows the cells' outputs only.

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
top_n: int = 10  # Employees shown in the per-employee table

# %%
import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
display.title("funnel_title", ctx)

# %%
display.heading("funnel_headline", ctx)

# %%
# NBVAL_CHECK_OUTPUT
headline = metrics.sales_velocity(ctx.crm, period=ctx.period, as_of=ctx.as_of, scope=ctx.scope)
plots.funnel_kpis(headline, ctx)

# %%
display.note("note_funnel_headline", ctx)

# %%
display.heading("pipeline_snapshot", ctx)

# %%
snapshot = metrics.pipeline_snapshot(ctx.crm, period=ctx.period, as_of=ctx.as_of,
                                     scope=ctx.scope)
ax = plots.snapshot_chart(snapshot, lang=ctx.lang)

# %%
display.note("note_pipeline_snapshot", ctx, missing=int(snapshot["missing_amount"].sum()))

# %%
display.heading("ordered_funnel", ctx)

# %%
stages = metrics.ordered_funnel(ctx.crm, period=ctx.period, scope=ctx.scope)
ax = plots.funnel_chart(stages, lang=ctx.lang)

# %%
display.note("note_ordered_funnel", ctx, source=ctx.t(
    "funnel_source_history" if stages.attrs.get("history") else "funnel_source_current"))

# %%
display.heading("opportunity_trend", ctx)

# %%
new = metrics.new_opportunities(ctx.crm, period=ctx.period, scope=ctx.scope)
ax = plots.new_opportunities_chart(new, lang=ctx.lang)

# %%
display.note("note_opportunity_trend", ctx)

# %%
display.heading("win_rates", ctx)

# %%
rates = metrics.win_rate(ctx.crm, period=ctx.period, by="bucket", scope=ctx.scope)
ax = plots.win_rate_chart(rates, lang=ctx.lang)

# %%
display.note("note_win_rates", ctx)

# %%
display.heading("win_rate_by_team", ctx)

# %%
teams = metrics.sales_velocity(ctx.crm, period=ctx.period, as_of=ctx.as_of, by="team",
                               scope=ctx.scope)
plots.funnel_table(teams, ctx, columns=["team", "won", "won_amount", "closed_win_rate",
                                        "cohort_win_rate", "avg_deal_size", "avg_cycle_days",
                                        "open_count", "velocity"])

# %%
display.note("note_win_rate_by_team", ctx)

# %%
display.heading("win_rate_by_employee", ctx)

# %%
people = metrics.sales_velocity(ctx.crm, period=ctx.period, as_of=ctx.as_of, by="owner_id",
                                scope=ctx.scope)
names = ctx.crm.table("employees").to_pandas().set_index("employee_id")["name"].to_dict()
plots.funnel_table(people.sort_values("won_amount", ascending=False), ctx, names=names,
                   top=top_n, columns=["owner_id", "won", "won_amount", "closed_win_rate",
                                       "cohort_win_rate", "avg_deal_size", "open_count"])

# %%
display.note("note_win_rate_by_employee", ctx, n=top_n)

# %%
display.heading("opportunity_cycle", ctx)

# %%
cycle = metrics.opportunity_cycle(ctx.crm, period=ctx.period, by="team", scope=ctx.scope)
plots.funnel_table(cycle, ctx)

# %%
display.note("note_opportunity_cycle", ctx, missing=int(cycle["missing_dates"].sum()))

# %%
display.heading("time_in_stage", ctx)

# %%
stays = metrics.time_in_stage(ctx.crm, period=ctx.period, scope=ctx.scope)
plots.funnel_table(stays, ctx, columns=["stage", "count", "mean_days", "median_days"])

# %%
display.note("note_time_in_stage", ctx)

# %%
display.heading("lost_reasons", ctx)

# %%
lost = metrics.lost_reasons(ctx.crm, period=ctx.period, scope=ctx.scope)
ax = plots.lost_reasons_chart(lost, lang=ctx.lang)

# %%
display.note("note_lost_reasons", ctx)

# %%
display.heading("expected_revenue", ctx)

# %%
expected = metrics.expected_revenue(ctx.crm, as_of=ctx.as_of, scope=ctx.scope)
ax = plots.expected_revenue_chart(expected, lang=ctx.lang)

# %%
display.note("note_expected_revenue", ctx)

# %%
display.heading("pipeline_coverage", ctx)

# %%
coverage = metrics.pipeline_coverage(ctx.crm, period=ctx.period, as_of=ctx.as_of,
                                     scope=ctx.scope)
plots.coverage_table(coverage, ctx)

# %%
display.note("note_pipeline_coverage", ctx)
