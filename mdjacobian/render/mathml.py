"""TeX -> MathML Core with the math-core converter, for blocks and for a page's Arithmatex maths."""

from __future__ import annotations

import bisect
import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import BlockError

_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


@functools.lru_cache(maxsize=None)
def _converter():  # noqa: ANN202 - math_core's type is private
    from math_core import LatexToMathML

    return LatexToMathML(annotation=True, fancy_error=False)


def _numeric_entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name in _XML_ENTITIES:
        return m.group(0)
    char = html.unescape(m.group(0))
    return "".join(f"&#x{ord(c):X};" for c in char) if char != m.group(0) else m.group(0)


_TAG = re.compile(r"<(/?)([a-z]+)([^<>]*?)(/?)>")
_OPENERS = frozenset("([{|\u2016\u2063")  # \u2063 is what ``\left.`` becomes
_CLOSERS = frozenset(")]}|\u2016\u2063")
_TALL = frozenset({"mfrac", "mtable", "msqrt", "mroot", "munder", "mover", "munderover"})
_SCRIPTED = frozenset({"msub", "msup", "msubsup", "munder", "mover", "munderover", "mroot"})
"""Elements whose children after the first are scripts (or a root's index), drawn smaller."""


@dataclass
class _Element:
    """One element met while walking the markup: where its start tag is and what it holds."""

    name: str
    attrs: str
    tag_start: int
    tag_end: int
    children: list[_Element] = field(default_factory=list)
    text: str = ""
    tall: bool = False
    has_fraction: bool = False


def _fence(e: _Element, chars: frozenset[str]) -> bool:
    return e.name == "mo" and "stretchy" not in e.attrs and "size" not in e.attrs and e.text.strip() in chars


def _in_script(stack: list[_Element]) -> bool:
    """Whether the element about to open on top of ``stack`` lies in a script or a root's index."""
    return any(parent.name in _SCRIPTED and len(parent.children) >= 1 for parent in stack)


def _tighten(mathml: str, display: bool) -> str:
    """Draw ``\\left( x \\right)`` as tightly as MathJax does, and a block's fractions at display size.

    Chromium stretches a fence round content no taller than a letter into a glyph with a wide box,
    which leaves visible gaps, as in ``cos ( x )``: such fences are made non-stretchy, keeping the
    base glyph TeX would use. Fences round a fraction, a matrix or a root still stretch. With
    ``display`` (a block's maths), a matrix holding a fraction is set in display style, as textbooks
    print a Jacobian's partials, instead of the text style math-core gives every table; and every
    fraction outside a script is in display style, as ``\\dfrac``, so that a fraction inside a
    fraction or a table keeps the size of the text instead of shrinking to a script's.
    """
    edits: list[tuple[int, int, str]] = []
    stack = [_Element("", "", 0, 0)]
    for m in _TAG.finditer(mathml):
        closing, name, attrs, empty = m.groups()
        if not closing:
            element = _Element(name, attrs, m.start(), m.end(), tall=name in _TALL, has_fraction=name == "mfrac")
            if display and name == "mfrac" and "displaystyle" not in attrs and not _in_script(stack):
                edits.append((m.end() - 1, m.end() - 1, ' displaystyle="true"'))
            if empty:
                stack[-1].children.append(element)
            else:
                stack.append(element)
            continue
        element = stack.pop()
        if element.name == "mo" or element.name == "mi":
            element.text = mathml[element.tag_end : m.start()]
        kids = element.children
        if (
            element.name == "mrow"
            and len(kids) >= 2
            and _fence(kids[0], _OPENERS)
            and _fence(kids[-1], _CLOSERS)
            and not any(k.tall for k in kids[1:-1])
        ):
            for fence in (kids[0], kids[-1]):
                edits.append((fence.tag_end - 1, fence.tag_end - 1, ' stretchy="false"'))
        if element.name == "mtable" and display and element.has_fraction and 'displaystyle="false"' in element.attrs:
            at = mathml.index('displaystyle="false"', element.tag_start, element.tag_end)
            edits.append((at, at + len('displaystyle="false"'), 'displaystyle="true"'))
        parent = stack[-1]
        parent.children.append(element)
        parent.tall = parent.tall or element.tall
        parent.has_fraction = parent.has_fraction or element.has_fraction
    for start, end, text in sorted(edits, reverse=True):
        mathml = mathml[:start] + text + mathml[end:]
    return mathml


def raw_mathml(tex: str, display: bool = True) -> str:
    """Display TeX as math-core converts it, with numeric entities only; raises math_core.LatexError."""
    return _ENTITY.sub(_numeric_entity, _converter().convert_with_local_state(tex, displaystyle=display))


def _convert(tex: str, display: bool, block: bool = False) -> str:
    return _tighten(raw_mathml(tex, display), block)


def tex_to_mathml(tex: str) -> str:
    """Convert display TeX to one ``<math display="block">`` element of MathML Core.

    math-core writes a few characters as HTML named entities (``&ApplyFunction;``); MathML in XML
    and some HTML parsers know only numeric ones, so those are rewritten.
    """
    from math_core import LatexError

    try:
        return _convert(tex, display=True, block=True)
    except LatexError as exc:
        raise BlockError(f"could not render the result as MathML: {exc}") from None


def piece_mathml(tex: str) -> str:
    """Convert one piece of a block's display to a ``<math>`` in display style that lines may wrap round."""
    return tex_to_mathml(tex).replace('<math display="block">', '<math displaystyle="true">', 1)


# Arithmatex's generic markup: <span class="arithmatex">\(...\)</span> or <div ...>\[...\]</div>. A formula
# ends at the first "\)" or "\]" followed by its own closing tag; the ends are found once for the whole
# page, so a page of formulas that never close is read in one pass.
_ARITHMATEX_OPEN = re.compile(r'<(?P<tag>span|div) class="arithmatex">\s*(?P<open>\\\(|\\\[)')
_ARITHMATEX_CLOSE = re.compile(r"\\[)\]]\s*</(?P<tag>span|div)>")


MAX_PROSE_TEX_CHARS = 50_000
"""Characters of one formula of the page's prose that is converted to MathML."""
MAX_PROSE_TEX_DEPTH = 200
"""Nesting of braces in one formula of the page's prose: the converter recurses on it, and a few
thousand levels overflow its stack, which no exception can catch."""


def _check_prose(tex: str) -> None:
    """Raise BlockError when a formula of the prose is too long or too deeply nested to convert."""
    if len(tex) > MAX_PROSE_TEX_CHARS:
        raise BlockError(f"the formula has {len(tex)} characters, more than the {MAX_PROSE_TEX_CHARS} converted to MathML")
    depth = deepest = 0
    escaped = False
    for char in tex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}":
            depth -= 1
    if deepest > MAX_PROSE_TEX_DEPTH:
        raise BlockError(f"the formula nests braces {deepest} deep, more than the {MAX_PROSE_TEX_DEPTH} converted to MathML")


def arithmatex_to_mathml(page: str, on_error: Callable[[str, BlockError], None] | None = None) -> str:
    """Replace Arithmatex generic markup (``\\(…\\)`` spans, ``\\[…\\]`` divs) with MathML Core.

    A formula math-core cannot convert, or one too long or too deeply nested to hand it, is left
    as TeX and reported through ``on_error``.
    """

    def convert(tag: str, opening: str, written: str, whole: str) -> str:
        tex = html.unescape(written).strip()
        try:
            mathml = prose_to_mathml(tex, display=opening == "\\[")
        except BlockError as exc:
            if on_error:
                on_error(tex if len(tex) <= 80 else tex[:77] + "...", exc)
            return whole
        return f'<{tag} class="arithmatex">{mathml}</{tag}>'

    ends: dict[str, list[re.Match[str]]] = {"span": [], "div": []}
    for end in _ARITHMATEX_CLOSE.finditer(page):
        ends[end["tag"]].append(end)
    starts = {tag: [end.start() for end in found] for tag, found in ends.items()}
    out, done, at = [], 0, 0
    while (opening := _ARITHMATEX_OPEN.search(page, at)) is not None:
        tag = opening["tag"]
        index = bisect.bisect_left(starts[tag], opening.end())
        if index == len(starts[tag]):
            at = opening.start() + 1  # never closed: the text stays as it is
            continue
        end = ends[tag][index]
        out += [page[done : opening.start()], convert(tag, opening["open"], page[opening.end() : end.start()], page[opening.start() : end.end()])]
        done = at = end.end()
    return "".join([*out, page[done:]])


def prose_to_mathml(tex: str, display: bool) -> str:
    """One formula of a page's prose as a ``<math>`` element; BlockError when it cannot be converted."""
    from math_core import LatexError

    _check_prose(tex)
    try:
        return _convert(tex, display)
    except LatexError as exc:
        raise BlockError(str(exc).strip()) from None
