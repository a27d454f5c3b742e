"""Charts and tables of the leaderboards topic: the top N as horizontal bars, "my rank" marked.

The frames come from :func:`crmlib.metrics.leaderboard` and
:func:`crmlib.metrics.leaderboard_summary`; nothing here computes a figure. The table and
summary helpers return objects that Jupyter renders (HTML with a plain-text form) and say "not
available" when the data lacks the table a board needs.
"""

from __future__ import annotations

import html

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from crmlib.display import HTMLText, fmt_value, rows_table
from crmlib.i18n import t
from crmlib.plots.style import (
    currency_of,
    label_lang,
    not_available_note,
    nothing_to_draw,
    pct,
    short_number,
)

__all__ = ["LEADERBOARD_LABELS", "shown_rows", "leaderboard", "leaderboard_table",
           "LeaderboardSummary", "leaderboard_summary_view"]

# metric -> label key of its name and of its section heading
LEADERBOARD_LABELS = {
    "contract_amount": "contract_amount",
    "payments": "payments",
    "contracts": "contracts",
    "new_customers": "new_customers",
    "new_contacts": "new_contacts",
    "followups": "followups",
    "customers_followed_up": "customers_followed_up",
    "product_lines": "lb_product_lines",
}

HIGHLIGHT = "#dd6b20"


def shown_rows(board: pd.DataFrame, *, top: int = 10, highlight: str | None = None
               ) -> pd.DataFrame:
    """Pick the rows a board shows: the first ``top``, plus the ``highlight`` employee's row when lower.

    Parameters
    ----------
    board : pandas.DataFrame
        A :func:`crmlib.metrics.leaderboard` frame, in rank order.
    top : int, default=10
        How many rows to show from the top.
    highlight : str, optional
        An employee id whose row is added below the top rows when it is not among them.

    Returns
    -------
    pandas.DataFrame
        The selected rows of ``board`` (same columns).
    """
    head = board.head(top)
    if highlight is not None and highlight not in set(head["employee_id"]):
        head = pd.concat([head, board[board["employee_id"] == highlight]])
    return head


def leaderboard(board: pd.DataFrame, *, lang: str = "en", label: str, top: int = 10,
                highlight: str | None = None, amount: bool = False, ax=None, **kwargs):
    """Draw the top ``top`` employees of a board as horizontal bars, best on top, values written.

    ``highlight`` (an employee id) draws that employee's bar in another colour; when they are
    ranked below ``top`` their row is added at the bottom. Nothing to draw gives a "not available" figure.g. when the data lacks the table it needs.

    Parameters
    ----------
    board : pandas.DataFrame
        A :func:`crmlib.metrics.leaderboard` frame.
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    label : str
        Title of the chart (the metric's label).
    top : int, default=10
        How many employees to show from the top.
    highlight : str, optional
        An employee id to highlight (and add below the top rows).
    amount : bool, default=False
        Whether the values are amounts (short numbers on the axis).
    ax : matplotlib.axes.Axes, optional
        Where to draw (None: a new figure).
    **kwargs
        Passed on to matplotlib (e.g. ``color``).

    Returns
    -------
    matplotlib.figure.Figure
        The chart's figure (the figure of ``ax`` when given); a "not available"
        figure when there is nothing to draw.
    """
    rows = shown_rows(board, top=top, highlight=highlight)
    if rows.empty:
        return nothing_to_draw(board, lang, ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.42 * len(rows) + 1.1))
    base = kwargs.pop("color", sns.color_palette()[0])
    colors = [HIGHLIGHT if e == highlight else base for e in rows["employee_id"]]
    names = [f"{r}. {n}" for r, n in zip(rows["rank"], rows["name"], strict=True)]
    y = list(range(len(rows)))
    ax.barh(y, rows["value"], color=colors, **kwargs)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_title(label)
    ax.set_xlabel("")
    top_value = float(rows["value"].max()) or 1.0
    for yi, v in zip(y, rows["value"], strict=True):
        text = f"{v:,.0f}" if not amount or v < 1e4 else short_number(v)
        ax.text(v + top_value * 0.01, yi, text, va="center", fontsize="small")
    ax.set_xlim(0, top_value * 1.15)
    if amount:
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(short_number))
    return ax.figure


_HTMLText = HTMLText  # HTML for reports with a plain-text form (what nbval compares)


def leaderboard_table(board: pd.DataFrame, ctx, *, top: int = 10,
                      highlight: str | None = None):
    """Tabulate the rows :func:`leaderboard` draws: rank, employee, team and value.

    Target and completion columns are added when anyone on the board has a target ("no target"
    for the others); the ``highlight`` employee's row is shaded. Says "not available" when the
    data lacks the board's table and "no data" when it is empty.

    Parameters
    ----------
    board : pandas.DataFrame
        A :func:`crmlib.metrics.leaderboard` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    top : int, default=10
        How many rows to show from the top.
    highlight : str, optional
        An employee id to highlight (and add below the top rows).

    Returns
    -------
    crmlib.display.HTMLText
        The table as HTML with a plain-text form, or the "not available" / "no data" note.
    """
    lang = label_lang(ctx)
    na = not_available_note(board, lang)
    if na is not None:
        return na
    rows = shown_rows(board, top=top, highlight=highlight)
    if rows.empty:
        msg = t("no_data", lang)
        return _HTMLText(f"<p><i>{html.escape(msg)}</i></p>", msg)
    kind = board.attrs.get("kind", "count")
    currency = (getattr(ctx, "params", {}) or {}).get("currency")
    with_target = board["target"].notna().any()
    head = [t("lb_rank", lang), t("employee", lang), t("team", lang), t("value", lang)]
    if with_target:
        head += [t("lb_target", lang), t("lb_completion", lang)]
    body, styles = [], {}
    for r in rows.itertuples(index=False):
        cells = [str(r.rank), str(r.name), "" if pd.isna(r.team) else str(r.team),
                 fmt_value(r.value, kind, currency)]
        if with_target:
            no = pd.isna(r.target)
            cells += [t("no_target", lang) if no else fmt_value(r.target, kind, currency),
                      t("no_target", lang) if no else pct(r.completion)]
        if r.employee_id == highlight:
            styles[len(body)] = "font-weight:600;background:#fdebd8"
        body.append(cells)
    return rows_table(head, body, css_class="crm-leaderboard", right=range(3, len(head)),
                      row_styles=styles)


class LeaderboardSummary:
    """Every board's leader (and one employee's rank) as a small table, for the report's head.

    Renders as HTML in reports and as plain text (``repr``), which nbval compares.

    Parameters
    ----------
    summary : pandas.DataFrame
        A :func:`crmlib.metrics.leaderboard_summary` frame (one row per board).
    lang : str, default='en'
        Language of the labels, ``"en"`` or ``"zh"``.
    currency : str, optional
        Currency code printed after amounts (values are not converted).
    employee_name : str, optional
        Name shown in the "my rank" heading (default: the word "employee").
    """

    def __init__(self, summary: pd.DataFrame, lang: str = "en", currency: str | None = None,
                 employee_name: str | None = None):
        self.summary, self.lang, self.currency = summary, lang, currency
        self.employee_name = employee_name

    def _header(self) -> list[str]:
        h = [t("metric", self.lang), t("lb_leader", self.lang), t("value", self.lang)]
        if "my_rank" in self.summary.columns:
            who = self.employee_name or t("employee", self.lang)
            h += [t("lb_my_rank", self.lang, name=who), t("lb_my_value", self.lang),
                  t("lb_completion", self.lang)]
        return h

    def _rows(self) -> list[list[str]]:
        out = []
        for r in self.summary.itertuples(index=False):
            label = t(LEADERBOARD_LABELS.get(r.metric, r.metric), self.lang)
            if not r.available:
                cells = [label, t("lb_not_available_short", self.lang), "—"]
                if "my_rank" in self.summary.columns:
                    cells += ["—", "—", "—"]
                out.append(cells)
                continue
            cells = [label, r.leader if isinstance(r.leader, str) else "—",
                     fmt_value(r.leader_value, r.kind, self.currency)]
            if "my_rank" in self.summary.columns:
                cells += [t("lb_rank_of", self.lang, rank=int(r.my_rank), n=int(r.ranked)),
                          fmt_value(r.my_value, r.kind, self.currency),
                          pct(r.my_completion)]
            out.append(cells)
        return out

    def __repr__(self) -> str:
        """Return the plain-text form (what nbval compares and a console shows)."""
        return "\n".join(" | ".join(row) for row in [self._header(), *self._rows()])

    def _repr_html_(self) -> str:
        """Return the HTML form."""
        return rows_table(self._header(), self._rows(), css_class="crm-leaderboard-summary",
                          right=())._repr_html_()


def leaderboard_summary_view(summary: pd.DataFrame, ctx, *,
                             employee_name: str | None = None) -> LeaderboardSummary:
    """Show a :func:`crmlib.metrics.leaderboard_summary` frame as a table for a report.

    Parameters
    ----------
    summary : pandas.DataFrame
        A :func:`crmlib.metrics.leaderboard_summary` frame.
    ctx : ReportContext or str
        The report context (its language and currency), or a language.
    employee_name : str, optional
        Name in the "my rank" heading (default ``summary.attrs["employee_name"]``).

    Returns
    -------
    LeaderboardSummary
        Per board: metric, leader and value, plus the employee's rank, value and completion
        when the frame has them.
    """
    return LeaderboardSummary(summary, label_lang(ctx), currency_of(ctx), employee_name or summary.attrs.get("employee_name"))
