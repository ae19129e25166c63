"""A bar chart of counts, drawn as SVG on the server (no script, no library).

The query page draws one when a result has a numeric column and a column that names its rows
(``?kind ?count``); dates are drawn by :mod:`server.pages.timeline` instead. Bars are
horizontal, one a row in the result's order, scaled to the largest value; each row's name is
written to the left of its bar (cut to ``LABEL_CHARS`` characters, whole in the tooltip) and
its value to the right. Every piece of text and every attribute is escaped, and only http(s)
IRIs become links.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
ROW = 22
LABEL_WIDTH = 260
LABEL_CHARS = 36  # at about 6.6 px a character, within LABEL_WIDTH
PAD = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the page writes it (digit groups of the page's language)
    href: str | None = None


def short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def render(bars: list[Bar], caption: str) -> Markup:
    """The SVG of the bars (an empty string when there is nothing to draw)."""
    if not bars or max(b.value for b in bars) <= 0:
        return Markup("")
    top = max(b.value for b in bars)
    room = WIDTH - LABEL_WIDTH - 70
    height = len(bars) * ROW + 2 * PAD
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' width="{WIDTH}" height="{height}" role="group" aria-label="{escape(caption)}">',
        f"<title>{escape(caption)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = PAD + i * ROW
        length = max(0.0, bar.value) / top * room
        body = (
            f"<title>{escape(bar.label)}: {escape(bar.text)}</title>"
            f'<text class="name" x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">'
            f"{escape(short(bar.label))}</text>"
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="14"'
            ' rx="2"/>'
            f'<text class="value" x="{LABEL_WIDTH + length + 4:.1f}" y="{y + 15}">'
            f"{escape(bar.text)}</text>"
        )
        if bar.href:
            parts.append(f'<a href="{escape(bar.href)}">{body}</a>')
        else:
            parts.append(f"<g>{body}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every data piece went through escape()
