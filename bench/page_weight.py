"""Page weight and first render of every page type, measured in a real browser (issue 13).

Starts ``ictkg serve`` on the real data (``data/``), opens each page type in headless Debian
Chromium (through Playwright, as ``tests/pages/test_e2e_browser.py`` does) in English at a
desktop and a phone width, each time in a fresh browser context (an empty cache: a first
visit), and records the bytes transferred (HTML, CSS, JavaScript, images and the rest, from the
network responses, encoded as sent), the number of requests, the first contentful paint and
DOMContentLoaded (from the page's own Performance API). The figures are set against the budgets
below, a verdict each (met / MISSED, computed here, never written by hand), printed as a
Markdown table and written into ``BENCHMARKS.md`` between the two markers of its section "Page
weight and first render". Not part of ``make test``: timings belong here, never in assertions.

    python -m bench.page_weight                 # 3 rounds, the median times
    python -m bench.page_weight --rounds 1 --no-write
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from server.config import PROJECT_ROOT

#: The budgets: what a page may weigh (bytes transferred on a first visit) and how soon its
#: first content may be painted on this machine. The query page carries the editor
#: (CodeMirror, bundled once: server/pages/static/vendor/), hence its own, larger budget.
WEIGHT_BUDGET = 150 * 1024
WEIGHT_BUDGET_EDITOR = 600 * 1024
PAINT_BUDGET_MS = 1000.0
#: The page types that carry the query editor.
EDITOR_PAGES = {"query"}

#: One page of each type (the error page: a resource that does not exist, answered 404).
PAGES = {
    "home": "",
    "list": "list?class=https%3A%2F%2Fw3id.org%2Fbelarus-ict%2Fontology%23State",
    "resource": "doc/event/connect-cis-summit-2009.html",
    "search": "search?q=Minsk+2009",
    "ontology": "ontology.html",
    "query": "query?example=events-by-date",
    "dataset": ".well-known/void.html",
    "error": "doc/state/atlantis.html",
}
WIDTHS = {"desktop": 1280, "phone": 375}
LANG = "en"

#: Playwright's resource types, grouped into the columns of the table.
KINDS = {"document": "HTML", "stylesheet": "CSS", "script": "JS", "image": "images"}

START = "<!-- page-weight:start (written by bench/page_weight.py) -->"
END = "<!-- page-weight:end -->"
HEADING = "## Page weight and first render"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Figures:
    """One page type at one width: bytes per kind, requests, and the times of each round."""

    page: str
    width: str
    status: int
    bytes_by_kind: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    paint_ms: list[float] = field(default_factory=list)
    loaded_ms: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.bytes_by_kind.values())


def weight_budget(page: str) -> int:
    """The bytes a page type may weigh: the editor's pages have the larger budget."""
    return WEIGHT_BUDGET_EDITOR if page in EDITOR_PAGES else WEIGHT_BUDGET


def verdict(value: float | None, budget: float) -> str:
    """``met`` when the figure is within its budget; ``MISSED`` when over it or not measured
    (a page that painted nothing has not met a paint budget)."""
    return "met" if value is not None and value <= budget else "MISSED"


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def kilobytes(size: float) -> str:
    return f"{size / 1024:.1f}"


def table(rows: list[Figures]) -> list[str]:
    """The Markdown table: weight by kind, requests, times (medians), and the two verdicts."""
    head = ["page", "width", "status", *KINDS.values(), "other", "total KB", "requests"]
    head += ["budget KB", "weight", "FCP ms", "DCL ms", "FCP ≤ 1 s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        other = row.total - sum(row.bytes_by_kind.get(kind, 0) for kind in KINDS)
        paint, loaded = median(row.paint_ms), median(row.loaded_ms)
        cells = [row.page, row.width, str(row.status)]
        cells += [kilobytes(row.bytes_by_kind.get(kind, 0)) for kind in KINDS]
        cells += [kilobytes(other), kilobytes(row.total), str(row.requests)]
        cells += [str(weight_budget(row.page) // 1024), verdict(row.total, weight_budget(row.page))]
        cells += ["—" if paint is None else f"{paint:.0f}"]
        cells += ["—" if loaded is None else f"{loaded:.0f}"]
        cells += [verdict(paint, PAINT_BUDGET_MS)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def replace_section(text: str, body: list[str]) -> str:
    """``text`` with the lines between the markers replaced by ``body``; the section (heading
    and markers) appended at the end when the file has none yet."""
    block = "\n".join([START, *body, END])
    if START in text and END in text:
        before, rest = text.split(START, 1)
        return before + block + rest.split(END, 1)[1]
    return text.rstrip("\n") + f"\n\n{HEADING}\n\n{block}\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving() -> Iterator[str]:
    """``ictkg serve`` (granian, one worker) on the real data: its root URL once it answers;
    stopped afterwards."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "ictkg"), "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1", "--no-access-log"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=PROJECT_ROOT,
            env={**os.environ, "ICTKG_VALIDATE_ON_START": "false"},
        )
        try:
            root = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 120
            while not answers(root + "health"):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")
                    raise RuntimeError(f"ictkg serve did not start:\n{output}")
                time.sleep(0.1)
            yield root
        finally:
            stop(process)


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


#: The times of the page's own Performance API, in ms since navigation started.
TIMES = """() => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    const nav = performance.getEntriesByType("navigation")[0];
    return {paint: paint ? paint.startTime : null,
            loaded: nav ? nav.domContentLoadedEventEnd : null};
}"""


def visit(browser, root: str, page_type: str, width: str, figures: Figures | None) -> Figures:
    """One first visit (a fresh context, so an empty cache): every response counted, then the
    times read once the first contentful paint is there (or the page is idle without one)."""
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 900})
    try:
        page = context.new_page()
        finished = []
        page.on("requestfinished", lambda request: finished.append(request))
        path = PAGES[page_type]
        url = root + path + ("&" if "?" in path else "?") + f"lang={LANG}"
        response = page.goto(url, wait_until="networkidle")
        with suppress(PlaywrightTimeout):  # a page that paints nothing: no paint figure
            page.wait_for_function(
                "performance.getEntriesByName('first-contentful-paint').length > 0", timeout=10000
            )
        times = page.evaluate(TIMES)
        if figures is None:
            figures = Figures(page_type, width, response.status if response else 0)
            for request in finished:
                kind = request.resource_type
                size = request.sizes()
                sent = size["responseBodySize"] + size["responseHeadersSize"]
                figures.bytes_by_kind[kind] = figures.bytes_by_kind.get(kind, 0) + sent
            figures.requests = len(finished)
        if times["paint"] is not None:
            figures.paint_ms.append(times["paint"])
        if times["loaded"] is not None:
            figures.loaded_ms.append(times["loaded"])
        return figures
    finally:
        context.close()


def measure(rounds: int) -> list[Figures]:
    with serving() as root, sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            # One visit first, not counted: the server's caches (and the OS's) warm, as for any
            # reader but the very first.
            visit(browser, root, "home", "desktop", None)
            rows = []
            for width in WIDTHS:
                for page_type in PAGES:
                    figures = None
                    for _ in range(rounds):
                        figures = visit(browser, root, page_type, width, figures)
                    rows.append(figures)
                    print(table([figures])[-1], file=sys.stderr, flush=True)
            return rows
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="visits per page; median times")
    parser.add_argument("--no-write", action="store_true", help="print only, keep BENCHMARKS.md")
    args = parser.parse_args(argv)
    rows = measure(args.rounds)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    body = [
        f"`python -m bench.page_weight --rounds {args.rounds}` ({when} UTC, language {LANG}, "
        f"a first visit each: empty cache; times are medians of {args.rounds}). Budgets: "
        f"{WEIGHT_BUDGET // 1024} KB a page, {WEIGHT_BUDGET_EDITOR // 1024} KB with the query "
        f"editor; first contentful paint within {PAINT_BUDGET_MS:.0f} ms.",
        "",
        *table(rows),
    ]
    print("\n".join(body))
    if not args.no_write:
        target = PROJECT_ROOT / "BENCHMARKS.md"
        target.write_text(replace_section(target.read_text(encoding="utf-8"), body), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
