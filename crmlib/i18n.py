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
    # period presets
    "preset_today": {"en": "Today", "zh": "今天"},
    "preset_yesterday": {"en": "Yesterday", "zh": "昨天"},
    "preset_this_week": {"en": "This week", "zh": "本周"},
    "preset_last_week": {"en": "Last week", "zh": "上周"},
    "preset_this_month": {"en": "This month", "zh": "本月"},
    "preset_last_month": {"en": "Last month", "zh": "上月"},
    "preset_this_quarter": {"en": "This quarter", "zh": "本季度"},
    "preset_last_quarter": {"en": "Last quarter", "zh": "上季度"},
    "preset_this_year": {"en": "This year", "zh": "本年"},
    "preset_last_year": {"en": "Last year", "zh": "上年"},
    "preset_last_7_days": {"en": "Last 7 days", "zh": "近7天"},
    "preset_last_30_days": {"en": "Last 30 days", "zh": "近30天"},
    "preset_last_90_days": {"en": "Last 90 days", "zh": "近90天"},
    "preset_custom": {"en": "Custom range", "zh": "自定义"},
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
    # dashboard (10_dashboard)
    "dashboard_title": {"en": "Sales dashboard", "zh": "销售仪表盘"},
    "trend": {"en": "Trend", "zh": "趋势"},
    "data_summary": {"en": "Data summary", "zh": "数据汇总"},
    "new_customers_dealt": {"en": "New customers who dealt", "zh": "新增客户中已成交"},
    "pool_in": {"en": "Put into the public pool", "zh": "放入公海客户"},
    "pool_out": {"en": "Taken from the public pool", "zh": "公海领取客户"},
    "customers_followed_up": {"en": "Customers followed up", "zh": "跟进客户数"},
    "new_customers_not_followed_up": {"en": "New customers not yet followed up",
                                      "zh": "新增未跟进客户"},
    "contracts_expiring": {"en": "Contracts expiring within {days} days",
                           "zh": "{days}天内到期合同"},
    "contracts_expired": {"en": "Contracts expired in the period", "zh": "本期已到期合同"},
    "expected_payments": {"en": "Expected payments still due", "zh": "计划回款未收金额"},
    "note_sales_brief": {
        "en": "Records whose date falls in the period: customers, contacts and opportunities "
              "by creation date, contracts by signing date, payments by payment date, "
              "follow-ups by their date. Contracts and payments count when approved. Credit "
              "goes to the record's owner (follow-ups to their writer). Change = (this period "
              "- previous) / previous; — when the previous period is 0. Opportunities without "
              "an amount are counted but not summed.",
        "zh": "按日期统计本期记录：客户、联系人、商机按创建时间，合同按签约日期，回款按回款日期，"
              "跟进按跟进时间。合同与回款只计审核通过的记录。业绩归属负责人（跟进归属填写人）。"
              "环比 = (本期 - 上期) / 上期；上期为 0 时显示 —。没有金额的商机计入数量但不计入金额。"},
    "note_trend": {
        "en": "The same figures per day, week or month of the period; empty buckets show 0.",
        "zh": "本期各日、周或月的相同指标；没有数据的时间段显示为 0。"},
    "note_data_summary": {
        "en": "New customers who dealt: created in the period with an approved contract by the "
              "as-of date. Public pool moves come from the owner history. Expiring: approved "
              "contracts ending within the next {days} days after the as-of date. Expected "
              "payments: payment plans due in the period minus what was received on them.",
        "zh": "新增客户中已成交：本期创建且截至统计日已有审核通过合同的客户。公海进出来自负责人变更记录。"
              "即将到期：统计日后{days}天内结束的审核通过合同。计划回款未收：本期到期的回款计划减去已收金额。"},
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
