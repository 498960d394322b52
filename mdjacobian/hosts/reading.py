"""Fences read from a page's lines as SuperFences reads them: where they are, what their fence line says.

Pure functions over lines of text, for :mod:`mdjacobian.hosts.plain`, which finds ``jacobian`` fences
in pages without SuperFences. A fence may be indented or in a blockquote; it is closed by its own
marker at its own indentation; a fence of any language holds everything up to its closing line.
Both readers take time in proportion to the page: a fence's header is read by
:mod:`mdjacobian.hosts.header`, and :func:`fences` decides every opening line in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .header import attrs_of, options_of, read_header

# What may precede a fence on its line (indentation, blockquote markers), and the fence itself.
_PREFIX = re.compile(r"[ >]*")
_MARKER = re.compile(r"`+|~+")


@dataclass(frozen=True)
class Fence:
    """A fenced block of the page, of any language, as line numbers into the page's lines."""

    start: int  # the opening line
    end: int  # the closing line
    prefix: str  # what precedes the fence on its lines: indentation, blockquote markers
    header: str  # what follows the opening fence
    body: list[str]  # the lines between, without the prefix


@dataclass(frozen=True)
class FenceLine:
    """What a fence line says after the marker, split the way SuperFences splits it."""

    language: str  # jacobian, from "jacobian", ".jacobian" or "{.jacobian}"
    inputs: dict[str, str | None]  # the options: layout="denominator", or from {... layout="denominator"}
    classes: list[str] = field(default_factory=list)  # from {.jacobian .wide}
    id_value: str = ""  # from {#grad}


@dataclass(frozen=True)
class _Opening:
    """A line that opens a fence if a closing line follows: ``prefix`` + ``marker`` + ``header``."""

    prefix: str
    marker: str
    header: str


def _opening(line: str) -> _Opening | None:
    if "```" not in line and "~~~" not in line:
        return None
    prefix = _PREFIX.match(line).end()
    found = _MARKER.match(line, prefix)
    if found is None or found.end() - prefix < 3:
        return None
    marker = found.end()
    header = line[marker:]
    if line[prefix] == "`" and "`" in header:
        return None  # a backtick fence's header holds no backtick: "```a``` b" is code in a paragraph
    return _Opening(line[:prefix], line[prefix:marker], header)


def fences(lines: list[str]) -> Iterator[Fence]:
    """Every outermost fence of ``lines``, in order, whatever its language and indentation.

    A fence opened on line i closes on the first later line that is its prefix and marker alone,
    unless a line before that leaves its prefix (less indented, or out of the blockquote; blank
    lines stay in). Each opening line's first closing line and first line outside are found for
    all lines at once (:func:`_first_closing`, :func:`_first_outside`), so a page of openings that
    never close costs no more than a page of text.
    """
    openings = [_opening(line) for line in lines]
    closing = _first_closing(lines, openings)
    outside = _first_outside(lines, openings)
    i = 0
    while i < len(lines):
        found, end = openings[i], closing[i]
        if found is None or end is None or end > outside[i]:
            i += 1
            continue
        body = [line[len(found.prefix) :] if line.startswith(found.prefix) else "" for line in lines[i + 1 : end]]
        yield Fence(i, end, found.prefix, found.header, body)
        i = end + 1


def _first_closing(lines: list[str], openings: list[_Opening | None]) -> list[int | None]:
    """For each opening line, the first later line made of its prefix and marker, then blanks only."""
    found: list[int | None] = [None] * len(lines)
    later: dict[str, int] = {}  # prefix and marker -> the next line below that closes such a fence
    for i in range(len(lines) - 1, -1, -1):
        opening = openings[i]
        if opening is None:
            continue
        key = opening.prefix + opening.marker
        found[i] = later.get(key)
        if not opening.header.strip(" \t"):
            later[key] = i
    return found


def _first_outside(lines: list[str], openings: list[_Opening | None]) -> list[int]:
    """For each opening line, the first later line outside its fence: one that does not start with
    the fence's prefix, and is neither blank nor a blank line of the blockquote (``>`` alone).

    Whether a line keeps a prefix depends only on the line's leading run of spaces and ``>``; a
    blockquote's blank line keeps every prefix that is its text followed by spaces. So the
    openings still inside, at any line, have prefixes that all begin the last non-blank line's
    run: a chain, ordered by length. The next line keeps those that are no longer than what the
    two runs have in common, and ends the others, longest first.
    """
    outside = [len(lines)] * len(lines)
    inside: list[tuple[int, int]] = []  # (length of the prefix, opening line), shortest first
    last, last_run = "", None  # the last non-blank line, and its run once worked out
    for i, line in enumerate(lines):
        if not line or line.isspace():
            continue  # a blank line is inside every fence
        run = None
        if inside and inside[-1][0]:  # a fence with a prefix this line may leave
            run = _run(line)
            common = _common(last_run or _run(last), run)
            while inside and inside[-1][0] > common:
                outside[inside.pop()[1]] = i
        opening = openings[i]
        if opening is not None:
            inside.append((len(opening.prefix), i))
        last, last_run = line, run
    return outside


def _run(line: str) -> tuple[str, bool]:
    """The prefixes ``line`` keeps: those that begin its leading run of spaces and ``>`` — and, for
    a blank line of a blockquote (``> >``), the run followed by any number of spaces (True)."""
    text = line.rstrip()
    if text and not text.strip(" >"):
        return text, True
    return line[: _PREFIX.match(line).end()], False


def _common(a: tuple[str, bool], b: tuple[str, bool]) -> float:
    """How long a prefix both runs keep: the length of their common beginning (infinite when both
    are a blockquote's blank line of the same text, followed by spaces without end)."""
    (x, x_spaces), (y, y_spaces) = a, b
    if len(x) > len(y):
        (x, x_spaces), (y, y_spaces) = (y, y_spaces), (x, x_spaces)
    common = _common_length(x, y)
    if common < len(x) or not x_spaces:
        return common
    common += len(y) - common - len(y[common:].lstrip(" "))  # x goes on with spaces: as far as y does
    return float("inf") if common == len(y) and y_spaces else common


def _common_length(x: str, y: str) -> int:
    """The length of the common beginning of ``x`` and ``y``, by halves: time in proportion to the shorter."""
    high = min(len(x), len(y))
    if x[:high] == y[:high]:
        return high
    low = 0  # x[:low] == y[:low]; x[:high] != y[:high]
    while high - low > 1:
        middle = (low + high) // 2
        if x[low:middle] == y[low:middle]:
            low = middle
        else:
            high = middle
    return low


def fence_line(header: str) -> FenceLine | None:
    """The parts of a fence line, or None when SuperFences would not take ``header`` for one."""
    found = read_header(header)
    if found is None:
        return None
    if found.attrs is not None:
        return line_of_attrs(found.language, attrs_of(found.attrs))
    return FenceLine(found.language or "", options_of(found.options or ""))


def line_of_attrs(language: str | None, attrs: Iterable[Sequence[str | None]]) -> FenceLine:
    """A fence line from its language and attribute list: the first class is the language if none precedes the braces."""
    classes: list[str] = []
    id_value, inputs = "", {}
    for key, value in attrs:
        if key == "id":
            id_value = value or ""
        elif key == ".":
            classes.append(value or "")
        else:
            inputs[str(key)] = value
    return FenceLine(language or (classes.pop(0) if classes else ""), inputs, classes, id_value)
