"""Tables of the targets topic (20_targets): target vs actual per period and owner.

The table renders as HTML in reports and as plain text (``repr``, what nbval compares).
"""

from __future__ import annotations

import html

import pandas as pd

from crmlib.i18n import t
from crmlib.plots.style import is_missing
from crmlib.plots.targets import (
    TARGET_METRIC_LABELS,
    bucket_label,
    fmt_completion,
    missing_tables_text,
)

__all__ = ["TargetTable", "targets_table"]


class TargetTable:
    """Target, actual and completion rows as a table (HTML, with a plain-text form for nbval).

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.completion` or :func:`crmlib.metrics.target_vs_actual` frame
        (``metric``, ``owner_type``, ``owner_id``, ``by``, ``bucket``, ``target``, ``actual``,
        ``completion``, ``missing_targets``, ``available``).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    currency : str, optional
        Currency code printed after amounts (values are not converted).
    owner : bool, default=True
        Whether to show the owner column.
    """

    def __init__(self, df: pd.DataFrame, lang: str = "en", currency: str | None = None,
                 owner: bool = True):
        self.df, self.lang, self.currency, self.owner = df, lang, currency, owner

    def frame(self) -> pd.DataFrame:
        """Format the rows for display: months, then their quarter, then the year, per metric and owner.

        Returns
        -------
        pandas.DataFrame
            Text columns with translated headings: metric, owner (unless ``owner=False``), bucket,
            target, actual (counts or amounts with the currency), completion (%, or "no target")
            and the number of months missing a target.
        """
        lang, df = self.lang, self.df
        span = {"month": 1, "quarter": 3, "year": 12}
        df = df.assign(_end=[b + pd.DateOffset(months=span.get(k, 1200)) for b, k in
                             zip(df["bucket"], df["by"], strict=True)],
                       _m=df["metric"].map({m: i for i, m in enumerate(
                           dict.fromkeys(df["metric"]))}),
                       _k=df["by"].map({"month": 0, "quarter": 1, "year": 2, "period": 3}))
        df = df.sort_values(["_m", "owner_id", "_end", "_k"], kind="stable")
        no_target = t("no_target", lang)
        out = pd.DataFrame({
            t("metric", lang): [t(TARGET_METRIC_LABELS[m], lang) for m in df["metric"]],
            t("targets_owner", lang): [self._owner(r) for r in df.itertuples()],
            t("targets_bucket", lang): [bucket_label(k, b, n) for k, b, n in zip(
                df["by"], df["bucket"], df["months"], strict=True)],
            t("targets_target", lang): [self._fmt(v, m) for v, m in zip(
                df["target"], df["metric"], strict=True)],
            t("targets_actual", lang): [self._fmt(v, m) for v, m in zip(
                df["actual"], df["metric"], strict=True)],
            t("targets_completion", lang): [fmt_completion(v, no_target)
                                            for v in df["completion"]],
            t("targets_missing", lang): df["missing_targets"].astype(int).to_list(),
        })
        if not self.owner:
            out = out.drop(columns=[t("targets_owner", lang)])
        return out

    def _owner(self, r) -> str:
        if r.owner_type == "company":
            return t("company", self.lang)
        if r.owner_type == "employees":
            return t("targets_employees_scope", self.lang)
        return str(r.name if isinstance(r.name, str) else r.owner_id)

    def _fmt(self, v, metric) -> str:
        if is_missing(v):
            return "—"
        if metric == "new_customers":
            return f"{v:,.0f}"
        return f"{v:,.2f}" + (f" {self.currency}" if self.currency else "")

    @property
    def available(self) -> bool:
        """Tell whether every table the rows need was present in the data.

        Returns
        -------
        bool
            True when all rows are ``available`` (or there are no rows).
        """
        return bool(self.df["available"].all()) if len(self.df) else True

    def _banner(self) -> str:
        return missing_tables_text(self.df, self.lang) or ""

    def __repr__(self) -> str:
        """Return the plain-text form (what nbval compares and a console shows)."""
        body = self.frame().to_string(index=False) if len(self.df) else t("no_data", self.lang)
        return "\n".join(x for x in (self._banner(), body) if x)

    def _repr_html_(self) -> str:
        """Return the HTML form."""
        banner = (f'<p><b>{html.escape(self._banner())}</b></p>' if self._banner() else "")
        if not len(self.df):
            return banner + f"<p>{html.escape(t('no_data', self.lang))}</p>"
        return banner + self.frame().to_html(index=False, border=0, justify="left")


def targets_table(df: pd.DataFrame, ctx, *, owner: bool = True) -> TargetTable:
    """Tabulate targets against actuals in the report's language and currency.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`crmlib.metrics.completion` or :func:`crmlib.metrics.target_vs_actual` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    owner : bool, default=True
        Whether to show the owner column (False when the rows are all one owner's).

    Returns
    -------
    TargetTable
        Per metric and owner, the target, actual and completion of each month, quarter and
        year (HTML, with a plain-text form).
    """
    lang = getattr(ctx, "lang", ctx) or "en"
    currency = (getattr(ctx, "params", {}) or {}).get("currency")
    return TargetTable(df, lang, currency, owner=owner)
