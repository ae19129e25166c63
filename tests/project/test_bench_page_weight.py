"""The page-weight benchmark's verdicts are computed from its figures (issue 13, point 6): the
budget a page type has, met or MISSED, and the section of BENCHMARKS.md it rewrites. The
measuring itself (a browser, timings) runs in ``make bench``, never here."""

from __future__ import annotations

from bench import page_weight
from bench.page_weight import Figures


def test_the_query_editor_has_the_larger_budget_and_every_other_page_the_smaller():
    assert page_weight.weight_budget("query") == page_weight.WEIGHT_BUDGET_EDITOR
    for page in set(page_weight.PAGES) - page_weight.EDITOR_PAGES:
        assert page_weight.weight_budget(page) == page_weight.WEIGHT_BUDGET
    assert page_weight.WEIGHT_BUDGET < page_weight.WEIGHT_BUDGET_EDITOR


def test_a_figure_meets_its_budget_up_to_and_including_it():
    assert page_weight.verdict(1000, 1000) == "met"
    assert page_weight.verdict(999.9, 1000) == "met"
    assert page_weight.verdict(1000.1, 1000) == "MISSED"


def test_a_figure_not_measured_has_not_met_its_budget():
    """A page that painted nothing has no first contentful paint: not a pass."""
    assert page_weight.verdict(None, 1000) == "MISSED"


def test_the_table_gives_each_row_its_verdicts():
    light = Figures("home", "phone", 200, {"document": 10 * 1024, "stylesheet": 5 * 1024})
    light.requests, light.paint_ms, light.loaded_ms = 2, [300.0, 100.0, 200.0], [250.0]
    heavy = Figures("query", "desktop", 200, {"document": 100 * 1024, "script": 550 * 1024})
    heavy.requests, heavy.paint_ms = 5, [1500.0]
    unpainted = Figures("error", "desktop", 404, {"document": 1024})
    lines = page_weight.table([light, heavy, unpainted])
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    head = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [dict(zip(head, row, strict=True)) for row in cells]
    assert rows[0]["total KB"] == "15.0"
    assert rows[0]["FCP ms"] == "200"  # the median of the rounds
    assert (rows[0]["weight"], rows[0]["FCP ≤ 1 s"]) == ("met", "met")
    assert rows[1]["budget KB"] == "600"
    assert (rows[1]["weight"], rows[1]["FCP ≤ 1 s"]) == ("MISSED", "MISSED")
    assert (rows[2]["status"], rows[2]["FCP ms"], rows[2]["FCP ≤ 1 s"]) == ("404", "—", "MISSED")


def test_the_section_is_appended_once_then_rewritten_in_place():
    text = "# Benchmarks\n\nProse.\n"
    first = page_weight.replace_section(text, ["old figures"])
    assert first.startswith(text.rstrip("\n"))
    assert first.count(page_weight.HEADING) == 1
    second = page_weight.replace_section(first + "\n## Later\n\nKept.\n", ["new figures"])
    assert "old figures" not in second
    assert "new figures" in second
    assert second.count(page_weight.HEADING) == 1
    assert second.endswith("## Later\n\nKept.\n")
