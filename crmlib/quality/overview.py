"""Every data-quality frame at once (what ``crm quality`` writes) and its printed summary.

:func:`quality_overview` returns frames only; the command writes them as CSV files.
"""

from __future__ import annotations

import pandas as pd

from crmlib.engine import report_day
from crmlib.privacy import mask_pii
from crmlib.quality.checks import all_issues
from crmlib.quality.clusters import duplicate_clusters, suggested_merges
from crmlib.quality.duplicates import all_duplicates
from crmlib.quality.rejects import import_rejects
from crmlib.quality.score import quality_scores

__all__ = ["OVERVIEW_FILES", "quality_overview", "summary_text"]

# frame name -> CSV file name, in the order they are written
OVERVIEW_FILES: dict[str, str] = {
    "scores_by_table": "scores_by_table.csv",
    "scores_by_owner": "scores_by_owner.csv",
    "duplicates": "duplicates.csv",
    "duplicate_clusters": "duplicate_clusters.csv",
    "suggested_merges": "suggested_merges.csv",
    "missing": "issues_missing.csv",
    "invalid": "issues_invalid.csv",
    "orphan": "issues_orphans.csv",
    "stale": "issues_stale.csv",
    "rejects": "issues_rejects.csv",
}


def quality_overview(crm, *, as_of=None, threshold: float | None = None,
                     stale_days: int | None = None, sample: int = 5,
                     mask: bool = True) -> dict[str, pd.DataFrame]:
    """Return all data-quality results for the whole company, keyed as :data:`OVERVIEW_FILES`.

    ``duplicates`` holds the customer and contact pairs (phone and e-mail masked unless
    ``mask`` is False: the files are for review, the ids lead back to the records);
    ``suggested_merges`` is the file ``crm merge`` reads; ``missing`` ... ``rejects`` are the
    checks' tidy frames (:data:`crmlib.quality.checks.ISSUE_COLUMNS`).

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        The report day; default the data's last event date.
    threshold : float, optional
        Company-name similarity for duplicates (default 0.8).
    stale_days : int, optional
        Days without a touch that make a customer stale (default 180).
    sample : int, default=5
        Ids listed per rule.
    mask : bool, default=True
        Mask phones and e-mails in the duplicates.

    Returns
    -------
    dict of str to pandas.DataFrame
        Every frame's ``attrs`` holds ``as_of``.
    """
    day = report_day(crm, as_of)
    pairs = all_duplicates(crm, threshold=threshold)
    issues = all_issues(crm, as_of=day, sample=sample, stale_days=stale_days)
    out = {
        "scores_by_table": quality_scores(crm, as_of=day, duplicates=pairs,
                                          stale_days=stale_days),
        "scores_by_owner": quality_scores(crm, by="owner", as_of=day, duplicates=pairs,
                                          stale_days=stale_days),
        "duplicates": mask_pii(pairs) if mask else pairs,
        "duplicate_clusters": duplicate_clusters(pairs),
        "suggested_merges": suggested_merges(crm, pairs),
    }
    for check in ("missing", "invalid", "orphan", "stale"):
        out[check] = issues[issues["check"] == check].reset_index(drop=True)
    out["rejects"] = import_rejects(crm, sample=sample)
    for df in out.values():
        df.attrs["as_of"] = day
    return out


def summary_text(frames: dict[str, pd.DataFrame], *, top: int = 15) -> str:
    """Return a plain-text summary of :func:`quality_overview`.

    Scores per table, the ``top`` issues with most rows, and the duplicates found.

    Parameters
    ----------
    frames : dict of str to pandas.DataFrame
        As :func:`quality_overview` returns.
    top : int, default=15
        Issues listed.

    Returns
    -------
    str
        One line per table and figure of the overview.
    """
    lines = []
    s = frames["scores_by_table"].copy()
    s["score"] = s["score"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}")
    lines += ["Quality score per table (100 = every row passes every check):",
              s.to_string(index=False), ""]
    issues = pd.concat([frames[k] for k in ("missing", "invalid", "orphan", "stale",
                                            "rejects")], ignore_index=True)
    found = issues[issues["rows"] > 0].sort_values("rows", ascending=False, kind="stable")
    lines.append(f"Issues: {len(found)} of {len(issues)} checks found rows"
                 + (f"; the {min(top, len(found))} largest:" if len(found) else "."))
    if len(found):
        f = found.head(top)[["check", "table", "column", "rule", "rows", "share"]].copy()
        f["share"] = f["share"].map(lambda v: f"{v:.1%}")
        lines.append(f.to_string(index=False))
    d, c, m = frames["duplicates"], frames["duplicate_clusters"], frames["suggested_merges"]
    lines += ["", "Duplicates: " + ", ".join(
        f"{(d['table'] == t).sum():,} {t[:-1]} pairs in {c.loc[c['table'] == t, 'cluster_id'].nunique():,}"
        " clusters" for t in ("customers", "contacts"))
        + f"; {len(m):,} suggested customer merges (review, then `crm merge`)."]
    return "\n".join(lines)
