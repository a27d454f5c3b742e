"""Labels shown to people, in English and Simplified Chinese: one catalogue for the suite.

Notebooks, plots and dashboards never hard-code a label: they call ``t(key, lang)``. A test
checks that every key has both languages.
"""

from __future__ import annotations

import difflib

__all__ = ["LANGS", "CATALOGUE", "t", "missing"]

LANGS = ("en", "zh")

CATALOGUE: dict[str, dict[str, str]] = {
    # report frame
    "report": {"en": "Report", "zh": "报告"},
    "team": {"en": "Team", "zh": "团队"},
    "company": {"en": "Company", "zh": "全公司"},
    "employee": {"en": "Employee", "zh": "员工"},
    "period": {"en": "Period", "zh": "期间"},
    "as_of": {"en": "As of", "zh": "截至"},
    "generated_at": {"en": "Generated", "zh": "生成时间"},
    "how_counted": {"en": "How this is counted", "zh": "统计口径"},
    "no_data": {"en": "No data for this period.", "zh": "本期无数据。"},
    "not_available": {"en": "Not available: the data has no `{table}` table.",
                      "zh": "无法统计：数据中没有 `{table}` 表。"},
    "unknown": {"en": "unknown", "zh": "未知"},
    "no_target": {"en": "no target", "zh": "无目标"},
    # comparisons
    "current": {"en": "This period", "zh": "本期"},
    "previous": {"en": "Previous period", "zh": "上期"},
    "year_ago": {"en": "Year ago", "zh": "去年同期"},
    "change_vs_previous": {"en": "vs previous", "zh": "环比"},
    "change_vs_year_ago": {"en": "vs year ago", "zh": "同比"},
    "value": {"en": "Value", "zh": "数值"},
    "metric": {"en": "Metric", "zh": "指标"},
    "date": {"en": "Date", "zh": "日期"},
    "count": {"en": "Count", "zh": "数量"},
    "amount": {"en": "Amount", "zh": "金额"},
    # sales brief (销售简报)
    "sales_brief": {"en": "Sales brief", "zh": "销售简报"},
    "new_customers": {"en": "New customers", "zh": "新增客户"},
    "new_contacts": {"en": "New contacts", "zh": "新增联系人"},
    "new_opportunities": {"en": "New opportunities", "zh": "新增商机"},
    "new_opportunity_amount": {"en": "New opportunity amount", "zh": "新增商机金额"},
    "contracts": {"en": "Contracts", "zh": "合同数"},
    "contract_amount": {"en": "Contract amount", "zh": "合同金额"},
    "payments": {"en": "Payments received", "zh": "回款金额"},
    "followups": {"en": "Follow-ups", "zh": "跟进记录"},
}


def t(key: str, lang: str = "en", **fmt) -> str:
    """The label ``key`` in ``lang`` (``en`` or ``zh``), formatted with ``fmt``.

    Raises ``KeyError`` naming the key (with a did-you-mean) or ``ValueError`` for a language
    other than en/zh.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language `{lang}`; use one of {', '.join(LANGS)}.")
    try:
        text = CATALOGUE[key][lang]
    except KeyError:
        hint = difflib.get_close_matches(key, CATALOGUE, n=1)
        raise KeyError(f"no label `{key}` in crmlib.i18n.CATALOGUE"
                       + (f"; did you mean `{hint[0]}`?" if hint else "")) from None
    return text.format(**fmt) if fmt else text


def missing() -> list[str]:
    """Catalogue keys lacking a language (should be empty; a test checks)."""
    return [k for k, v in CATALOGUE.items() if any(not v.get(lang) for lang in LANGS)]
