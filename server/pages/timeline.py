"""The events on a time axis, drawn as SVG on the server (no script, no library).

Each event is a bar from its start to its end (a point when it has no end; a ``gYear`` covers
its year, a ``gYearMonth`` its month), labelled and linked to its page. Events are placed in
lanes greedily, in date order, so that neither bars nor labels overlap; a label that would run
past the right edge is written to the left of its bar. The axis runs from the first event's
year to the last event's end: it fits the events (no empty years up to today). A long label
(Russian and Belarusian names run longer than English ones) is wrapped at word boundaries on up
to ``MAX_LINES`` lines (``LINE_CHARS`` characters, ``WIDEST_CHARS`` when it needs them all),
balanced so that the block stays narrow; a lane grows as tall as its tallest label, so nothing
overlaps. Only a label longer than the lines can hold ends in "…"; every label is given whole
in the bar's tooltip. Every piece of text and every attribute is escaped, and only http(s)
IRIs become links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 960
PAD = 16
LANE = 28
AXIS = 34
CHAR = 6.6  # average width of a 12px label character, for lane packing
LINE_CHARS = 56  # the longest line of a label (the widest block the lanes pack)
MAX_LINES = 3
WIDEST_CHARS = 72  # the lines of a label that needs all MAX_LINES may be this long
LINE = 14  # px from one line of a label to the next

LEXICAL = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


@dataclass(frozen=True)
class Event:
    href: str | None
    label: str
    start: str
    end: str | None = None
    title: str = ""


def span(lexical: str) -> tuple[float, float] | None:
    """The interval (fractional years) a date, year-month or year covers."""
    match = LEXICAL.match(lexical.strip())
    if not match:
        return None
    year, month, day = match.groups()
    y = int(year)
    if month is None:
        return (y, y + 1)
    m = min(max(int(month), 1), 12)
    if day is None:
        return (y + (m - 1) / 12, y + m / 12)
    d = min(max(int(day), 1), 31)
    point = y + (m - 1) / 12 + (d - 1) / 365
    return (point, point + 1 / 365)


def greedy(words: list[str], width: int) -> list[str]:
    """Words filled into lines of at most ``width`` characters (a longer word is split)."""
    lines: list[str] = []
    line = ""
    for word in words:
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def wrap(label: str) -> list[str]:
    """The label's lines: as few as fit, balanced in length (two lines of 35 rather than 56 and
    14: a narrower block packs better). One or two lines are at most ``LINE_CHARS`` long; the
    last of ``MAX_LINES`` may run to ``WIDEST_CHARS`` so that the longest names in the data are
    whole; only past that does the last line end in "…" (the whole label is in the tooltip)."""
    words = label.split()
    if not words:
        return [""]
    for count in range(1, MAX_LINES + 1):
        widest = LINE_CHARS if count < MAX_LINES else WIDEST_CHARS
        for width in range(-(-len(label) // count), widest + 1):
            lines = greedy(words, width)
            if len(lines) <= count:
                return lines
    lines = greedy(words, WIDEST_CHARS)[:MAX_LINES]
    lines[-1] = lines[-1][: WIDEST_CHARS - 1] + "…"
    return lines


@dataclass
class Placed:
    event: Event
    x0: float
    x1: float
    lane: int
    text_left: bool
    lines: list[str]


def layout(events: list[Event], first: int, last: int) -> list[Placed]:
    """Bars in pixels and lanes: no two bars or labels overlap within a lane (a label's block
    is as wide as its longest line; lanes' heights follow from their labels, :func:`tops`)."""
    scale = (WIDTH - 2 * PAD) / max(1, last + 1 - first)
    lanes: list[float] = []
    placed: list[Placed] = []
    for event in sorted(events, key=lambda e: (span(e.start) or (0, 0))[0]):
        start = span(event.start)
        if start is None:
            continue
        end = span(event.end) if event.end else None
        x0 = PAD + (start[0] - first) * scale
        x1 = max(PAD + ((end or start)[1] - first) * scale, x0 + 6)
        lines = wrap(event.label)
        text = max(len(line) for line in lines) * CHAR + 8
        text_left = x1 + text > WIDTH - PAD
        left, right = (x0 - text, x1) if text_left else (x0, x1 + text)
        lane = next((i for i, edge in enumerate(lanes) if edge < left), None)
        if lane is None:
            lanes.append(right)
            lane = len(lanes) - 1
        else:
            lanes[lane] = right
        placed.append(Placed(event, x0, x1, lane, text_left, lines))
    return placed


def tops(placed: list[Placed]) -> list[float]:
    """The top of each lane, and after them the bottom of the last: a lane is ``LANE`` high,
    and ``LINE`` more for each line beyond the first of its tallest label."""
    count = max(p.lane for p in placed) + 1
    extra = [0] * count
    for p in placed:
        extra[p.lane] = max(extra[p.lane], len(p.lines) - 1)
    edges = [0.0]
    for lines in extra:
        edges.append(edges[-1] + LANE + lines * LINE)
    return edges


def render(events: list[Event], caption: str) -> Markup:
    """The SVG of the events (an empty string when none has a date)."""
    starts = [s for e in events if (s := span(e.start))]
    if not starts:
        return Markup("")
    ends = [s for e in events if e.end and (s := span(e.end))]
    first = int(min(s[0] for s in starts))
    # The year of the last moment any event covers (an event ending on 1 January is in it).
    last = int(max(s[1] for s in starts + ends) - 1e-9)
    placed = layout(events, first, last)
    edges = tops(placed)
    axis_y = round(edges[-1]) + 8
    height = axis_y + AXIS
    scale = (WIDTH - 2 * PAD) / (last + 1 - first)
    step = 1 if last - first < 12 else 2 if last - first < 30 else 5
    parts = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' width="{WIDTH}" height="{height}" role="group" aria-label="{escape(caption)}">',
        f"<title>{escape(caption)}</title>",
    ]
    for year in range(first, last + 1):
        x = PAD + (year - first) * scale
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{axis_y}"/>')
        if (year - first) % step == 0:
            parts.append(f'<text class="year" x="{x + 2:.1f}" y="{axis_y + 18}">{year}</text>')
    parts.append(f'<line class="axis" x1="{PAD}" y1="{axis_y}" x2="{WIDTH - PAD}" y2="{axis_y}"/>')
    for p in placed:
        y = round(edges[p.lane]) + 6
        tip = escape(p.event.title or p.event.label)
        text_x = p.x0 - 4 if p.text_left else p.x1 + 4
        anchor = "end" if p.text_left else "start"
        body = (
            f"<title>{tip}</title>"
            f'<rect class="bar" x="{p.x0:.1f}" y="{y + 4}" width="{p.x1 - p.x0:.1f}" height="12"'
            ' rx="3"/>'
            f'<text x="{text_x:.1f}" y="{y + 14}" text-anchor="{anchor}">'
            + "".join(
                f'<tspan x="{text_x:.1f}" y="{y + 14 + n * LINE}">{escape(line)}</tspan>'
                for n, line in enumerate(p.lines)
            )
            + "</text>"
        )
        if p.event.href:
            parts.append(f'<a href="{escape(p.event.href)}">{body}</a>')
        else:
            parts.append(f"<g>{body}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every data piece went through escape()
