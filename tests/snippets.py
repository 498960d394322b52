"""The configuration snippets of docs/guides/embedding.md, by title, so tests build exactly what the page shows."""

from __future__ import annotations

from .test_docs import DOCS, fences

EMBEDDING = DOCS / "guides" / "embedding.md"


def snippet(title: str) -> str:
    """The body of the one fence on the embedding page written ```lang title="..."``` with this title."""
    found = [f for f in fences(EMBEDDING) if f.info.endswith(f'title="{title}"')]
    assert len(found) == 1, f"{EMBEDDING.name}: expected one snippet titled {title!r}, found {len(found)}"
    return found[0].body + "\n"
