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
# # 50 Leaderboards: who leads on each figure
#
# Employees ranked by contract amount, payments received, contracts signed, new customers, new contacts, follow-ups, customers followed up and product lines sold, with each one's completion against target (Wukong BI 排行榜 and the dashboard ranking card). Ties share a rank (1, 2, 2, 4). With `employee` set, the boards rank the whole company and mark that employee ("my rank"). Analysts' notes; the report shows the cells' outputs only.

# %% tags=["parameters"]
team: str = None  # Team id as in employees.team; None means the whole company
team_name: str = None  # Display name of the team in headers; None uses the team id
employees: list = None  # Employee ids to cover instead of the whole team
employee: str = None  # Id of one employee for my rank; boards then rank the whole company
lang: str = "en"  # Language of labels and charts: en or zh
currency: str = "CNY"  # Currency code shown with amounts
period: str = "last_month"  # Period preset (this_month, last_week, ..., custom)
period_start: str = None  # First day of a custom period, YYYY-MM-DD
period_end: str = None  # Last day of a custom period (included), YYYY-MM-DD
as_of: str = None  # The report date, YYYY-MM-DD; None means the last event date in the data
week_start: int = 0  # First day of the week: 0 Monday ... 6 Sunday
source: str = None  # Data source URL; None means the embedded data/crm.duckdb
top_n: int = 10  # Rows shown on each leaderboard


# %%
import crmlib
from crmlib import display, metrics, plots

ctx = crmlib.open_report(globals())
rank_scope = metrics.ranking_scope(ctx.crm, ctx.scope)  # one employee: the whole company
display.title("leaderboards_title", ctx)

# %%
display.heading("lb_summary", ctx)

# %%
# NBVAL_CHECK_OUTPUT
summary = metrics.leaderboard_summary(ctx.crm, period=ctx.period, scope=rank_scope,
                                      employee_id=employee)
plots.leaderboard_summary_view(summary, ctx)

# %%
display.note("note_lb_summary", ctx)

# %%
display.note("note_lb_target", ctx)

# %%
display.heading("lb_board_contract_amount", ctx)

# %%
board = metrics.leaderboard(ctx.crm, metric="contract_amount", period=ctx.period, scope=rank_scope)
ax = plots.leaderboard(board, label=ctx.t("contract_amount"), top=top_n, highlight=employee,
                       amount=True)

# %%
plots.leaderboard_table(board, ctx, top=top_n, highlight=employee)

# %%
display.note("note_lb_contract_amount", ctx)

# %%
display.heading("lb_board_payments", ctx)

# %%
board = metrics.leaderboard(ctx.crm, metric="payments", period=ctx.period, scope=rank_scope)
ax = plots.leaderboard(board, label=ctx.t("payments"), top=top_n, highlight=employee,
                       amount=True)

# %%
plots.leaderboard_table(board, ctx, top=top_n, highlight=employee)

# %%
display.note("note_lb_payments", ctx)

# %%
display.heading("lb_board_contracts", ctx)

# %%
board = metrics.leaderboard(ctx.crm, metric="contracts", period=ctx.period, scope=rank_scope)
ax = plots.leaderboard(board, label=ctx.t("contracts"), top=top_n, highlight=employee,
                       amount=False)

# %%
plots.leaderboard_table(board, ctx, top=top_n, highlight=employee)

# %%
display.note("note_lb_contracts", ctx)

# %%
display.heading("lb_board_new_customers", ctx)

# %%
board = metrics.leaderboard(ctx.crm, metric="new_customers", period=ctx.period, scope=rank_scope)
ax = plots.leaderboard(board, label=ctx.t("new_customers"), top=top_n, highlight=employee,
                       amount=False)

# %%
plots.leaderboard_table(board, ctx, top=top_n, highlight=employee)

# %%
display.note("note_lb_new_customers", ctx)

# %%
display.heading("lb_board_new_contacts", ctx)

# %%
board = metrics.leaderboard(ctx.crm, metric="new_contacts", period=ctx.period, scope=rank_scope)
ax = plots.leaderboard(board, label=ctx.t("new_contacts"), top=top_n, highlight=employee,
                       amount=False)

# %%
plots.leaderboard_table(board, ctx, top=top_n, highlight=employee)

# %%
display.note("note_lb_new_contacts", ctx)

# %%
display.heading("lb_board_followups", ctx)

# %%
board = metrics.leaderboard(ctx.crm, metric="followups", period=ctx.period, scope=rank_scope)
ax = plots.leaderboard(board, label=ctx.t("followups"), top=top_n, highlight=employee,
                       amount=False)

# %%
plots.leaderboard_table(board, ctx, top=top_n, highlight=employee)

# %%
display.note("note_lb_followups", ctx)

# %%
display.heading("lb_board_customers_followed_up", ctx)

# %%
board = metrics.leaderboard(ctx.crm, metric="customers_followed_up", period=ctx.period, scope=rank_scope)
ax = plots.leaderboard(board, label=ctx.t("customers_followed_up"), top=top_n, highlight=employee,
                       amount=False)

# %%
plots.leaderboard_table(board, ctx, top=top_n, highlight=employee)

# %%
display.note("note_lb_customers_followed_up", ctx)

# %%
display.heading("lb_board_product_lines", ctx)

# %%
board = metrics.leaderboard(ctx.crm, metric="product_lines", period=ctx.period, scope=rank_scope)
ax = plots.leaderboard(board, label=ctx.t("lb_product_lines"), top=top_n, highlight=employee,
                       amount=False)

# %%
plots.leaderboard_table(board, ctx, top=top_n, highlight=employee)

# %%
display.note("note_lb_product_lines", ctx)
