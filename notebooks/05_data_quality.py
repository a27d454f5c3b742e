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
# # 05 Data quality: can we trust the data?
#
# Duplicate customers and contacts (same phone or e-mail after normalising, or company names that match once case, full-width characters, punctuation, legal forms and the city are folded), missing fields, invalid values (e-mail, phone, future dates, end before start), orphan references, stale records and the rows an import rejected, with a quality score per table and per owner. Problems are to be fixed at the source; duplicates are merged only by `crm merge` after review, never here. Phone numbers and e-mail addresses are masked unless `mask_pii` is false. Analysts' notes; the report shows the cells' outputs only.

# %% tags=["parameters"]
team: str = None  # Team id as in employees.team; None means the whole company
team_name: str = None  # Display name of the team in headers; None uses the team id
employees: list = None  # Employee ids to cover instead of the whole team
employee: str = None  # Id of one employee; their subordinates are included
lang: str = "en"  # Language of labels and charts: en or zh
as_of: str = None  # The report date, YYYY-MM-DD; None means the last event date in the data
source: str = None  # Data source URL; None means the embedded data/crm.duckdb
mask_pii: bool = True  # Mask customer phone numbers and e-mail addresses in the tables
top_n: int = 10  # Owners and duplicate pairs shown; the rest are in the CSVs of crm quality
quality_name_threshold: float = 0.8  # Company names match as duplicates at this similarity, 0..1
quality_stale_days: int = 180  # Days without any follow-up, activity or contract that make a customer stale


# %%
import crmlib
from crmlib import display, plots, quality

ctx = crmlib.open_report(globals())
display.title("quality_title", ctx)

# %%
display.heading("quality_scores_heading", ctx)

# %%
pairs = quality.all_duplicates(ctx.crm, threshold=quality_name_threshold)
scores = quality.quality_scores(ctx.crm, as_of=ctx.as_of, scope=ctx.scope, duplicates=pairs,
                                stale_days=quality_stale_days)
ax = plots.score_bars(scores, lang=ctx.lang, title=ctx.t("quality_scores_heading"))

# %%
# NBVAL_CHECK_OUTPUT
plots.scores_table(scores, ctx)

# %%
display.note("quality_note_scores", ctx, as_of=ctx.as_of.date())

# %%
display.heading("quality_owner_heading", ctx)

# %%
owners = quality.quality_scores(ctx.crm, by="owner", as_of=ctx.as_of, scope=ctx.scope,
                                duplicates=pairs, stale_days=quality_stale_days)
ax = plots.score_bars(owners, lang=ctx.lang, title=ctx.t("quality_owner_heading"), top=top_n)

# %%
plots.scores_table(owners, ctx, top=top_n)

# %%
display.note("quality_note_owner", ctx)

# %%
display.heading("quality_duplicates_heading", ctx)

# %%
shown = quality.all_duplicates(ctx.crm, scope=ctx.scope, threshold=quality_name_threshold)
plots.duplicates_table(shown, ctx, top=top_n, mask=mask_pii)

# %%
display.note("quality_note_duplicates", ctx, threshold=quality_name_threshold)

# %%
display.heading("quality_missing_heading", ctx)

# %%
missing = quality.missing_fields(ctx.crm, scope=ctx.scope)
ax = plots.issue_bars(missing, lang=ctx.lang, title=ctx.t("quality_missing_heading"))

# %%
plots.issues_table(missing, ctx)

# %%
display.note("quality_note_missing", ctx)

# %%
display.heading("quality_invalid_heading", ctx)

# %%
invalid = quality.invalid_values(ctx.crm, as_of=ctx.as_of, scope=ctx.scope)
ax = plots.issue_bars(invalid, lang=ctx.lang, title=ctx.t("quality_invalid_heading"))

# %%
plots.issues_table(invalid, ctx)

# %%
display.note("quality_note_invalid", ctx, as_of=ctx.as_of.date())

# %%
display.heading("quality_orphans_heading", ctx)

# %%
orphans = quality.orphans(ctx.crm, scope=ctx.scope)
ax = plots.issue_bars(orphans, lang=ctx.lang, title=ctx.t("quality_orphans_heading"))

# %%
plots.issues_table(orphans, ctx)

# %%
display.note("quality_note_orphans", ctx)

# %%
display.heading("quality_stale_heading", ctx)

# %%
stale = quality.stale_records(ctx.crm, as_of=ctx.as_of, scope=ctx.scope,
                              stale_days=quality_stale_days)
ax = plots.issue_bars(stale, lang=ctx.lang, title=ctx.t("quality_stale_heading"))

# %%
plots.issues_table(stale, ctx, days=quality_stale_days)

# %%
display.note("quality_note_stale", ctx, days=quality_stale_days, as_of=ctx.as_of.date())

# %%
display.heading("quality_rejects_heading", ctx)

# %%
rejects = quality.import_rejects(ctx.crm)
plots.issues_table(rejects, ctx)

# %%
plots.rejects_table(quality.reject_sample(ctx.crm, n=top_n), ctx, mask=mask_pii)

# %%
display.note("quality_note_rejects", ctx)
