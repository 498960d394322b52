"""``jacobian`` fences in pages without SuperFences, found by the extension; every other fence left alone.

Python-Markdown's ``fenced_code`` (with ``codehilite`` and ``attr_list``, or whatever the page
uses, or nothing) keeps every other fence, so a page without a ``jacobian`` fence comes out byte for
byte as it would without mdjacobian.

:class:`FenceFinder` reads the page's lines as SuperFences does: fences at any indentation and in
blockquotes, so that fences in lists, admonitions and content tabs are found, and each fence of
any other language skipped whole, so that a ``jacobian`` fence shown inside a longer
````` ````markdown ````` fence stays source (:mod:`mdjacobian.hosts.reading`). A ``jacobian`` fence
is replaced by HTML placeholders. At the top level it is one placeholder set apart by blank lines,
a block of its own as ``fenced_code`` makes it. Nested, it is one placeholder per run of non-blank
lines, at the fence's indentation, with the fence's blank lines kept: the block parser then splits
and indents the page exactly as it would have without mdjacobian, and puts the first placeholder
where the fence was.

The block parser then decides. :class:`Placeholders` gives a fence that turned out to sit in an
indented code block its lines back, for the code processor to show as it would have, and drops the
later placeholders of a fence that did not. :class:`RenderBlocks` computes the fences that are left
and puts their HTML in their first placeholder's place, so a fence shown as code is never computed.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markdown.blockprocessors import BlockProcessor
from markdown.postprocessors import Postprocessor
from markdown.util import HTML_PLACEHOLDER, HTML_PLACEHOLDER_RE

from .fence import NAME, fence_at, fence_format, fence_validator
from .reading import FenceLine, fence_line, fences

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from markdown import Markdown
    from markdown.blockparser import BlockParser

# A placeholder on a line of its own, after what is left of the fence's prefix at that point.
_PLACEHOLDER_LINE = re.compile(r"(?P<lead>[ >]*)" + HTML_PLACEHOLDER % r"(?P<index>[0-9]+)")


@dataclass
class Pending:
    """A ``jacobian`` fence replaced by placeholders, to be computed once the page is parsed."""

    source: str
    line: FenceLine
    options: dict[str, Any]  # what fence_validator made of the fence line
    opens: int  # the 1-based line of the Markdown the fence opens on, for warnings


@dataclass(frozen=True)
class Stand:
    """What one placeholder stands for: a run of a fence's lines, as they were."""

    fence: int  # the stash index of the fence's first placeholder, which will hold its HTML
    lines: list[str]
    prefix: str  # what precedes the placeholder on its line: the fence's prefix


class FenceFinder:
    """Replace each ``jacobian`` fence of a page by placeholders, and keep what is needed to render it."""

    def __init__(self, md: Markdown) -> None:
        self.md = md
        self.pending: dict[int, Pending] = {}  # by the stash index of the fence's first placeholder
        self.stands: dict[int, Stand] = {}  # by stash index, every placeholder of a pending fence
        self.openings: dict[str, deque[int]] = {}  # under SuperFences: the lines each source's fences open on

    def clear(self) -> None:
        self.pending.clear()
        self.stands.clear()
        self.openings.clear()

    def note_openings(self, lines: list[str]) -> None:
        """Under SuperFences, which renders the fences: note the line each ``jacobian`` fence opens on."""
        self.clear()
        for fence in fences(lines):
            line = fence_line(fence.header)
            if line is not None and line.language == NAME:
                self.openings.setdefault("\n".join(fence.body), deque()).append(fence.start + 1)

    def opening_of(self, source: str) -> int | None:
        """The line the next fence with this source opens on (SuperFences renders them in page order)."""
        found = self.openings.get(source)
        return found.popleft() if found else None

    def run(self, lines: list[str]) -> list[str]:
        self.clear()
        out: list[str] = []
        done = 0
        for fence in fences(lines):
            line = fence_line(fence.header)
            if line is None or line.language != NAME:
                continue  # another language's fence: left exactly as it is, for whatever handles it
            options: dict[str, Any] = {}
            fence_validator(NAME, line.inputs, options, {}, self.md)
            first, placed = self._stash(lines[fence.start : fence.end + 1], fence.prefix)
            self.pending[first] = Pending("\n".join(fence.body), line, options, fence.start + 1)
            out += lines[done : fence.start] + placed
            done = fence.end + 1
        return out + lines[done:] if self.pending else lines

    def _stash(self, original: list[str], prefix: str) -> tuple[int, list[str]]:
        """The stash index of the fence's first placeholder, and the lines that stand for its ``original`` lines."""
        first = self.md.htmlStash.html_counter
        if not prefix:
            # At the top level the fence is a block of its own, as fenced_code makes it.
            self.stands[first] = Stand(first, original, prefix)
            return first, ["", self.md.htmlStash.store(""), ""]
        # Nested: one placeholder per run of lines, the blank lines between runs kept, so that the
        # parser splits the page into the same blocks, which matters if the fence turns out to be code.
        out: list[str] = []
        run: list[str] = []
        for text in [*original, ""]:
            if text.strip():
                run.append(text)
                continue
            if run:
                index = self.md.htmlStash.html_counter
                self.stands[index] = Stand(first, run, prefix)
                out.append(prefix + self.md.htmlStash.store(""))
                run = []
            out.append(text)
        return first, out[:-1]

    def holds(self, block: str) -> bool:
        """Whether ``block`` holds one of the placeholders."""
        return any(int(m.group(1)) in self.stands for m in HTML_PLACEHOLDER_RE.finditer(block))

    def give_back(self, block: str) -> str:
        """``block`` with each placeholder replaced by the lines it stands for; their fences will not be computed."""
        lines = []
        for text in block.split("\n"):
            match = _PLACEHOLDER_LINE.fullmatch(text)
            stand = self.stands.pop(int(match["index"]), None) if match else None
            if stand is None:
                lines.append(text)
                continue
            self.pending.pop(stand.fence, None)
            # The block parser has taken off part of the fence's prefix (a list item's indentation, a
            # blockquote's marker): take the same off each line the placeholder stands for.
            cut = len(stand.prefix) - len(match["lead"])
            lines += [original[cut:] for original in stand.lines]
        return "\n".join(lines)

    def continued(self, block: str) -> Stand | None:
        """What ``block``'s first line stands for, if it is a placeholder for a fence's second or later run."""
        match = _PLACEHOLDER_LINE.fullmatch(block.partition("\n")[0])
        if match is None:
            return None
        stand = self.stands.get(int(match["index"]))
        return stand if stand is not None and stand.fence != int(match["index"]) else None

    def live(self, stand: Stand) -> bool:
        """Whether the fence ``stand`` belongs to will be computed: it has not turned out to be code."""
        return stand.fence in self.pending

    def render(self) -> None:
        """Compute every fence still pending and put its HTML in its first placeholder's place in the stash."""
        pending, self.pending = self.pending, {}
        self.stands.clear()
        for index, block in pending.items():
            classes, id_value = block.line.classes, block.line.id_value
            token = fence_at.set(block.opens)
            try:
                html = fence_format(block.source, NAME, NAME, block.options, self.md, classes=classes, id_value=id_value)
            finally:
                fence_at.reset(token)
            self.md.htmlStash.rawHtmlBlocks[index] = html


class Placeholders(BlockProcessor):
    """Put a fence shown in an indented code block back, and take the extra placeholders of a fence out."""

    def __init__(self, parser: BlockParser, finder: FenceFinder) -> None:
        super().__init__(parser)
        self.finder = finder

    def test(self, parent: Element, block: str) -> bool:
        return bool(self.finder.stands) and (self._code(block) or self.finder.continued(block) is not None)

    def _code(self, block: str) -> bool:
        # Python-Markdown's CodeBlockProcessor (or the one that replaced it under its name) takes a
        # block that starts indented once it reaches it; the processors before it (lists,
        # admonitions, tabs, definitions) take off their own indentation first.
        indented = block.startswith(" " * self.tab_length)
        return indented and "code" in self.parser.blockprocessors and self.finder.holds(block)

    def run(self, parent: Element, blocks: list[str]) -> bool:
        stand = self.finder.continued(blocks[0])
        if stand is not None and self.finder.live(stand):
            # The fence's first placeholder holds its HTML; this one stands for lines already in it.
            blocks[0] = blocks[0].partition("\n")[2]
            if blocks[0]:
                return False
            blocks.pop(0)
            return True
        # Code, or the rest of a fence whose start was code: as it was written, for the processors after this one.
        blocks[0] = self.finder.give_back(blocks[0])
        return False


class RenderBlocks(Postprocessor):
    """Compute the pending ``jacobian`` fences, before raw HTML goes back into the page."""

    def __init__(self, md: Markdown, finder: FenceFinder) -> None:
        super().__init__(md)
        self.finder = finder

    def run(self, text: str) -> str:
        self.finder.render()
        return text
