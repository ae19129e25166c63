"""The events on a time axis, drawn as SVG on the server (no script, no library).

Each event is a bar from its start to its end (a point when it has no end; a ``gYear`` covers
its year, a ``gYearMonth`` its month), labelled and linked to its page. Events are placed in
lanes greedily, in date order, so that neither bars nor labels overlap; a label that would run
past the right edge is written to the left of its bar. The axis runs from the first event's
year to the last event's end: it fits the events (no empty years up to today). A label is cut
to ``LABEL_CHARS`` characters (Russian and Belarusian names run longer than English ones) and
given whole in the bar's tooltip. Every piece of text and every attribute is escaped, and only
http(s) IRIs become links.
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
LABEL_CHARS = 48

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


@dataclass
class Placed:
    event: Event
    x0: float
    x1: float
    lane: int
    text_left: bool


def layout(events: list[Event], first: int, last: int) -> list[Placed]:
    """Bars in pixels and lanes: no two bars or labels overlap within a lane."""
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
        text = min(len(event.label), LABEL_CHARS) * CHAR + 8
        text_left = x1 + text > WIDTH - PAD
        left, right = (x0 - text, x1) if text_left else (x0, x1 + text)
        lane = next((i for i, edge in enumerate(lanes) if edge < left), None)
        if lane is None:
            lanes.append(right)
            lane = len(lanes) - 1
        else:
            lanes[lane] = right
        placed.append(Placed(event, x0, x1, lane, text_left))
    return placed


def short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


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
    lanes = max(p.lane for p in placed) + 1
    height = lanes * LANE + AXIS + 8
    scale = (WIDTH - 2 * PAD) / (last + 1 - first)
    step = 1 if last - first < 12 else 2 if last - first < 30 else 5
    parts = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' width="{WIDTH}" height="{height}" role="group" aria-label="{escape(caption)}">',
        f"<title>{escape(caption)}</title>",
    ]
    axis_y = lanes * LANE + 8
    for year in range(first, last + 1):
        x = PAD + (year - first) * scale
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{axis_y}"/>')
        if (year - first) % step == 0:
            parts.append(f'<text class="year" x="{x + 2:.1f}" y="{axis_y + 18}">{year}</text>')
    parts.append(f'<line class="axis" x1="{PAD}" y1="{axis_y}" x2="{WIDTH - PAD}" y2="{axis_y}"/>')
    for p in placed:
        y = p.lane * LANE + 6
        tip = escape(p.event.title or p.event.label)
        text_x = p.x0 - 4 if p.text_left else p.x1 + 4
        anchor = "end" if p.text_left else "start"
        body = (
            f"<title>{tip}</title>"
            f'<rect class="bar" x="{p.x0:.1f}" y="{y + 4}" width="{p.x1 - p.x0:.1f}" height="12"'
            ' rx="3"/>'
            f'<text x="{text_x:.1f}" y="{y + 14}" text-anchor="{anchor}">'
            f"{escape(short(p.event.label))}</text>"
        )
        if p.event.href:
            parts.append(f'<a href="{escape(p.event.href)}">{body}</a>')
        else:
            parts.append(f"<g>{body}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every data piece went through escape()
