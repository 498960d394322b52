"""Fences read from a page's lines as SuperFences reads them: where they are, what their fence line says.

Pure functions over lines of text, for :mod:`mdjacobian.hosts.plain`, which finds ``jacobian`` fences
in pages without SuperFences. A fence may be indented or in a blockquote; it is closed by its own
marker at its own indentation; a fence of any language holds everything up to its closing line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

try:
    from markdown.extensions.attr_list import get_attrs_and_remainder
except ImportError:  # Python-Markdown < 3.6: the same parser, without the remainder
    from markdown.extensions.attr_list import get_attrs

    def get_attrs_and_remainder(attrs_string: str) -> tuple[list[tuple[str, str | None]], str]:
        return get_attrs(attrs_string), ""


# A fence's opening line: what precedes it (indentation, blockquote markers), the fence, its header.
_OPENING = re.compile(r"(?P<prefix>(?:[ ]*>)*[ ]*)(?P<fence>`{3,}|~{3,})(?P<header>.*)")

# The header grammar of SuperFences (pymdownx.superfences.RE_NESTED_FENCE_START, after the fence):
# a language, then an attribute list in braces, or key="value" options, or anything else, which
# SuperFences does not take for a fence line.
_HEADER = re.compile(
    r"""(?x)
    (?:[ \t]*\.?(?P<lang>[\w#.+-]+)(?=[\t ]|$))?
    (?:
        [ \t]*(\{(?P<attrs>[^\n]*)\}) |
        (?P<options>(?:(?:[ \t]*[a-zA-Z][a-zA-Z0-9_]*(?:=(?P<quot>"|').*?(?P=quot))?)(?=[\t ]|$))+) |
        (?P<unrecognized>(?:([ \t]*[^\s]+)(?=[\t ]|$))+)
    )?[ \t]*
    """
)
_OPTION = re.compile(r"""(?P<key>[a-zA-Z][a-zA-Z0-9_]*)(?:=(?P<quot>"|')(?P<value>.*?)(?P=quot))?""")


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


def fences(lines: list[str]) -> Iterator[Fence]:
    """Every outermost fence of ``lines``, in order, whatever its language and indentation."""
    # Where the last unclosed opening of each prefix and marker stopped looking: a later opening of
    # the same kind before that line cannot be closed either. This keeps pages of unclosed fences linear.
    unclosed_until: dict[tuple[str, str], int] = {}
    i = 0
    while i < len(lines):
        opening = _OPENING.fullmatch(lines[i])
        # A backtick fence's header holds no backtick: "```a``` b" is code in a paragraph.
        if opening and not (opening["fence"][0] == "`" and "`" in opening["header"]):
            key = (opening["prefix"], opening["fence"])
            if i >= unclosed_until.get(key, -1):
                fence = _closed(lines, i, *key, opening["header"])
                if isinstance(fence, Fence):
                    yield fence
                    i = fence.end + 1
                    continue
                unclosed_until[key] = fence
        i += 1


def _closed(lines: list[str], start: int, prefix: str, marker: str, header: str) -> Fence | int:
    """The fence opened at ``start``, if its marker closes it at its indentation before a line outside it.

    Otherwise the index of that line outside it, or of the end of the page.
    """
    closing = re.compile(re.escape(marker) + r"[ \t]*")
    body = []
    for end in range(start + 1, len(lines)):
        line = lines[end]
        if line.startswith(prefix):
            inner = line[len(prefix) :]
        elif not line.strip() or (prefix.strip() and line.rstrip() == prefix.rstrip()):
            inner = ""  # a blank line, or a blank line of the blockquote
        else:
            return end  # less indented, or out of the blockquote: the fence never closes
        if closing.fullmatch(inner):
            return Fence(start, end, prefix, header, body)
        body.append(inner)
    return len(lines)


def fence_line(header: str) -> FenceLine | None:
    """The parts of a fence line, or None when SuperFences would not take ``header`` for one."""
    match = _HEADER.fullmatch(header)
    if match is None or match["unrecognized"]:
        return None
    if match["attrs"] is not None:
        classes: list[str] = []
        id_value, inputs = "", {}
        for key, value in get_attrs_and_remainder(match["attrs"])[0]:
            if key == "id":
                id_value = value or ""
            elif key == ".":
                classes.append(value)
            else:
                inputs[key] = value
        language = match["lang"] or (classes.pop(0) if classes else "")
        return FenceLine(language, inputs, classes, id_value)
    options = _OPTION.finditer(match["options"] or "")
    return FenceLine(match["lang"] or "", {m["key"]: m["key"] if m["value"] is None else m["value"] for m in options})
