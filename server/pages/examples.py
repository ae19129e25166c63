"""The example queries: ``queries/*.rq``, each titled by ``# title:`` comment lines.

A query file starts with its titles, ``# title: …`` in English and ``# title@ru: …`` (or any
language tag) in other languages; the rest is the query. They are kept as files so that they
can be read, diffed and run with any SPARQL client, and ``tests/knowledge_graph/test_queries.py``
runs each one against the data and expects rows. Files are read once per directory and
modification time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

TITLE = re.compile(r"#\s*title(?:@([A-Za-z-]+))?\s*:\s*(.+)")


@dataclass(frozen=True)
class Example:
    slug: str
    text: str
    titles: dict[str, str] = field(default_factory=dict)

    def title(self, chain: tuple[str, ...]) -> str:
        """The title in the first language of the chain that has one, else English."""
        for lang in chain:
            if lang in self.titles:
                return self.titles[lang]
        return self.titles.get("en") or self.slug


def parse(slug: str, text: str) -> Example:
    titles: dict[str, str] = {}
    for line in text.splitlines():
        match = TITLE.match(line.strip())
        if match:
            titles[(match.group(1) or "en").lower()] = match.group(2).strip()
    return Example(slug, text, titles)


@lru_cache(maxsize=8)
def _load(directory: str, stamp: tuple[tuple[str, float], ...]) -> tuple[Example, ...]:
    return tuple(
        parse(Path(name).stem, Path(name).read_text(encoding="utf-8")) for name, _ in stamp
    )


def load(directory: str | Path) -> tuple[Example, ...]:
    """The examples of a directory, sorted by file name (empty when it does not exist)."""
    root = Path(directory)
    files = sorted(root.glob("*.rq")) if root.is_dir() else []
    return _load(str(root), tuple((str(f), f.stat().st_mtime) for f in files))
