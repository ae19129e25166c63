"""The ontology's classes and their relations as an SVG, laid out on the server from the ontology.

Layout (computed, nothing hard-coded): the sub-class hierarchy within the namespace is a forest;
each tree is drawn as an indented outline (a class under its parent, one step to the right,
joined by an elbow line), and the trees are packed into columns, tallest first into the
shortest column. Object properties whose domain and range are both classes of the namespace are
drawn as curves from the domain's box to the range's, each named on the curve (near its
middle, over a white halo) where the name finds room that covers no box and no other name, and
always in a tooltip and in the documentation below the diagram. Each box links to its term's
section of the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

COLUMNS = 5
COL_WIDTH = 190
BOX_HEIGHT = 24
#: Average advance of a character of the diagram's 12px sans-serif text, in px.
CHAR_WIDTH = 6.8
ROW = 32
INDENT = 14
PAD = 12


@dataclass(frozen=True)
class ClassBox:
    iri: str
    anchor: str
    label: str


@dataclass(frozen=True)
class Relation:
    domain: str
    range: str
    label: str


@dataclass
class Node:
    box: ClassBox
    children: list[Node] = field(default_factory=list)

    def size(self) -> int:
        return 1 + sum(c.size() for c in self.children)


def forest(classes: list[ClassBox], parents: dict[str, list[str]]) -> list[Node]:
    """Trees of the classes: each class under its first (sorted) parent within the set."""
    by_iri = {c.iri: Node(c) for c in classes}
    roots = []
    for box in sorted(classes, key=lambda c: c.label.lower()):
        inside = sorted(p for p in parents.get(box.iri, []) if p in by_iri and p != box.iri)
        node = by_iri[box.iri]
        if inside and not reaches(by_iri, parents, inside[0], box.iri):
            by_iri[inside[0]].children.append(node)
        else:
            roots.append(node)
    return roots


def reaches(by_iri: dict[str, Node], parents: dict[str, list[str]], start: str, goal: str) -> bool:
    """Whether ``goal`` is an ancestor of ``start`` (guards against sub-class cycles)."""
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current == goal:
            return True
        if current in seen:
            continue
        seen.add(current)
        todo += [p for p in parents.get(current, []) if p in by_iri]
    return False


def place(roots: list[Node]) -> dict[str, tuple[float, float, float, int]]:
    """Boxes per class: x, y, width, depth (trees packed into columns)."""
    heights = [0] * COLUMNS
    boxes: dict[str, tuple[float, float, float, int]] = {}

    def walk(node: Node, column: int, depth: int) -> None:
        x = PAD + column * COL_WIDTH + depth * INDENT
        y = PAD + heights[column] * ROW
        boxes[node.box.iri] = (x, y, COL_WIDTH - 16 - depth * INDENT, depth)
        heights[column] += 1
        for child in node.children:
            walk(child, column, depth + 1)

    for root in sorted(roots, key=lambda r: (-r.size(), r.box.label.lower())):
        column = heights.index(min(heights))
        walk(root, column, 0)
        heights[column] += 0.5  # a gap between trees
    return boxes


#: Average advance of a character of the 10px relation names, in px.
LABEL_CHAR_WIDTH = 5.6
LABEL_HEIGHT = 12


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_spot(
    x: float,
    y: float,
    label: str,
    taken: list[tuple[float, float, float, float]],
    size: tuple[float, float],
) -> tuple[float, float] | None:
    """Where a relation's name goes: at the curve's middle or a line above or below it, the
    first place inside the drawing (``size``) that covers no box and no name already placed
    (that place is then taken); None when there is none (the name stays in the tooltip and
    the list)."""
    half = len(label) * LABEL_CHAR_WIDTH / 2 + 2
    for shift in (0, -LABEL_HEIGHT, LABEL_HEIGHT, -2 * LABEL_HEIGHT, 2 * LABEL_HEIGHT):
        base = y + shift + 3
        rect = (x - half, base - LABEL_HEIGHT + 2, x + half, base + 2)
        inside = rect[0] >= 0 and rect[1] >= 0 and rect[2] <= size[0] and rect[3] <= size[1]
        if inside and not any(overlaps(rect, other) for other in taken):
            taken.append(rect)
            return x, base
    return None


def render(
    classes: list[ClassBox],
    parents: dict[str, list[str]],
    relations: list[Relation],
    caption: str,
) -> Markup:
    """The class diagram as inline SVG (empty when there are no classes)."""
    if not classes:
        return Markup("")
    roots = forest(classes, parents)
    boxes = place(roots)
    height = max(y for _, y, _, _ in boxes.values()) + BOX_HEIGHT + PAD
    width = PAD * 2 + COLUMNS * COL_WIDTH
    parts = [
        '<svg class="diagram" xmlns="http://www.w3.org/2000/svg"'
        f' viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}"'
        f' role="group" aria-label="{escape(caption)}">',
        f"<title>{escape(caption)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="tip"/>'
        "</marker></defs>",
    ]

    def edges(node: Node) -> None:
        px, py, _, _ = boxes[node.box.iri]
        for child in node.children:
            cx, cy, _, _ = boxes[child.box.iri]
            parts.append(
                f'<path class="sub" d="M{px + 6:.1f},{py + BOX_HEIGHT:.1f}'
                f' V{cy + BOX_HEIGHT / 2:.1f} H{cx:.1f}"/>'
            )
            edges(child)

    for root in roots:
        edges(root)
    labels: list[str] = []
    taken = [(x, y, x + w, y + BOX_HEIGHT) for x, y, w, _ in boxes.values()]
    for relation in sorted(relations, key=lambda r: (r.domain, r.range, r.label)):
        if relation.domain not in boxes or relation.range not in boxes:
            continue
        dx, dy, dw, _ = boxes[relation.domain]
        rx, ry, rw, _ = boxes[relation.range]
        x1, y1 = dx + dw, dy + BOX_HEIGHT / 2
        x2, y2 = (rx + rw, ry + BOX_HEIGHT / 2) if rx < dx + dw else (rx, ry + BOX_HEIGHT / 2)
        bend = 40 if x2 >= x1 else -40
        c1, c2 = (x1 + 40, y1), (x2 + bend, y2)
        # The curve's middle (a cubic Bézier at t = 1/2) carries its name.
        mx = (x1 + 3 * c1[0] + 3 * c2[0] + x2) / 8
        my = (y1 + 3 * c1[1] + 3 * c2[1] + y2) / 8
        spot = label_spot(mx, my, relation.label, taken, (width, height))
        if spot is not None:
            labels.append(
                f'<text class="rel-label" x="{spot[0]:.1f}" y="{spot[1]:.1f}"'
                f' text-anchor="middle">{escape(relation.label)}</text>'
            )
        parts.append(
            f'<path class="rel" marker-end="url(#arrow)" d="M{x1:.1f},{y1:.1f}'
            f' C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {x2:.1f},{y2:.1f}">'
            f"<title>{escape(relation.label)}</title>"
            "</path>"
        )
    for box in classes:
        x, y, w, _ = boxes[box.iri]
        room = w - 12
        # A label too long for its box is squeezed to fit rather than spill into the next one.
        fit = (
            f' textLength="{room:.1f}" lengthAdjust="spacingAndGlyphs"'
            if len(box.label) * CHAR_WIDTH > room
            else ""
        )
        parts.append(
            f'<a href="#{escape(box.anchor)}"><title>{escape(box.iri)}</title>'
            f'<rect class="box" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{BOX_HEIGHT}"'
            ' rx="4"/>'
            f'<text x="{x + 6:.1f}" y="{y + 16:.1f}"{fit}>{escape(box.label)}</text></a>'
        )
    parts += labels  # last: names are drawn over the boxes and curves
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every data piece went through escape()
