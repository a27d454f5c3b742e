"""Customer value charts and tables: drawn in Chinese without missing glyphs; tables show the
frames' numbers."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from crmlib import metrics, plots


@pytest.fixture(scope="module")
def demo(demo_crm):
    """The test demo (conftest's ``demo_crm``)."""
    return demo_crm


def test_value_charts_in_chinese(demo, tmp_path):
    rfm = metrics.rfm(demo, as_of="2026-10-31")
    stages = metrics.lifecycle_summary(metrics.lifecycle(demo, as_of="2026-10-31"))
    moves = metrics.segment_migration(demo, from_as_of="2026-07-31", to_as_of="2026-10-31")
    plots.set_theme("zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a failure
        for draw in (lambda: plots.rfm_grid(rfm, lang="zh"),
                     lambda: plots.segment_bars(metrics.segment_summary(rfm, scheme="cn8"),
                                                 lang="zh"),
                     lambda: plots.pareto_curve(metrics.pareto(rfm), lang="zh"),
                     lambda: plots.crosstab_heatmap(moves, prefix="rfm_seg_", lang="zh"),
                     lambda: plots.lifecycle_bars(stages, lang="zh")):
            ax = draw()
            ax.figure.savefig(tmp_path / "chart.png")
            plt.close("all")


def test_value_tables_show_the_numbers(demo):
    rfm = metrics.rfm(demo, as_of="2026-10-31")
    s = metrics.segment_summary(rfm, scheme="rfm11")
    text = repr(plots.segment_table(s, "zh"))
    champions = s.set_index("segment").loc["champions"]
    assert f"冠军客户 | {int(champions.customers):,} | {champions.customer_share:.1%}" in text
    stages = metrics.lifecycle_summary(metrics.lifecycle(demo, as_of="2026-10-31"))
    text = repr(plots.lifecycle_table(stages, "en"))
    assert text.splitlines()[-1] == f"Total | {stages.customers.sum():,} | 100.0%"
    head = repr(plots.pareto_headline(metrics.pareto(rfm), "en"))
    assert head.startswith(f"{metrics.pareto(rfm).attrs['customer_share_for_target']:.1%} of")
    empty = metrics.pareto(rfm.iloc[0:0])
    assert repr(plots.pareto_headline(empty, "en")) == "No data for this period."
    assert plots.is_not_available_figure(plots.rfm_grid(pd.DataFrame(columns=rfm.columns)))
