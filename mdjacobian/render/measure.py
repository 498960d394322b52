"""How wide a formula is drawn, in em, from the advance widths of the shipped math font.

A rough layout of MathML Core, enough to decide where a long display breaks: glyph advances from
Latin Modern Math (the font the stylesheet loads), the spacing of MathML Core's operator
dictionary, script sizes from the font's MATH table, and the padding Chromium gives table cells.
It leaves out kerning and italic corrections: on the displays of the docs it is within 2.5 % of
Chromium's layout, which the browser tests check.
"""

from __future__ import annotations

import functools
import re
import struct
import xml.etree.ElementTree as ET
from bisect import bisect_right
from pathlib import Path

FONT = Path(__file__).resolve().parent.parent / "assets" / "latinmodern-math.otf"

_RELATIONS = frozenset("=<>≤≥≠≈≡∼∈∉⊂⊆→←↦∝:")
_BINARY = frozenset("+−-±∓×⋅·∗⊙⊗⊘⊕∘∖∪∩")
_SEPARATORS = frozenset(",;")
_STRETCHED = {"(": 0.875, ")": 0.875, "[": 0.667, "]": 0.667, "{": 0.902, "}": 0.902}
"""The width in em of a parenthesis, bracket or brace Chromium stretches round a fraction or a table
with this font (measured: it draws them from the font's glyph assembly, whatever the height)."""
_LARGE = frozenset("∑∏∫∮⋃⋂")
_INVISIBLE = frozenset("\u2061\u2062\u2063\u2064")
_TALL = frozenset({"mfrac", "mtable", "msqrt", "mroot", "munderover"})
_CELL_PADDING = 0.4  # Chromium's mtd { padding-inline: 0.4em }
_FRACTION_PADDING = 0.1  # a fraction's bar overhangs its wider part a little


class _Font:
    """The advance widths and script sizes of an OpenType math font, read from its tables."""

    def __init__(self, data: bytes) -> None:
        count = struct.unpack_from(">H", data, 4)[0]
        tables = {}
        for i in range(count):
            tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            tables[tag.decode("latin-1")] = offset
        units = struct.unpack_from(">H", data, tables["head"] + 18)[0]
        metrics = struct.unpack_from(">H", data, tables["hhea"] + 34)[0]
        self.advances = [struct.unpack_from(">H", data, tables["hmtx"] + 4 * i)[0] / units for i in range(metrics)]
        self.starts, self.groups = self._cmap(data, tables["cmap"])
        constants = tables["MATH"] + struct.unpack_from(">H", data, tables["MATH"] + 4)[0]
        script, script_script = struct.unpack_from(">hh", data, constants)
        self.scales = (1.0, script / 100, script_script / 100)

    @staticmethod
    def _cmap(data: bytes, cmap: int) -> tuple[list[int], list[tuple[int, int, int]]]:
        """The character-to-glyph groups of the font's full-Unicode (format 12) cmap subtable."""
        for i in range(struct.unpack_from(">H", data, cmap + 2)[0]):
            platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
            table = cmap + offset
            if (platform, encoding) in ((3, 10), (0, 4), (0, 6)) and struct.unpack_from(">H", data, table)[0] == 12:
                groups = [struct.unpack_from(">III", data, table + 16 + 12 * k) for k in range(struct.unpack_from(">I", data, table + 12)[0])]
                return [g[0] for g in groups], groups
        raise ValueError("the math font has no format 12 cmap")

    def advance(self, char: str) -> float:
        """One character's advance width in em; 0.5 em for a character the font lacks."""
        if char in _INVISIBLE:
            return 0.0
        code = ord(char)
        k = bisect_right(self.starts, code) - 1
        if k < 0 or code > self.groups[k][1]:
            return 0.5
        glyph = self.groups[k][2] + code - self.groups[k][0]
        return self.advances[min(glyph, len(self.advances) - 1)]


@functools.lru_cache(maxsize=1)
def font() -> _Font:
    return _Font(FONT.read_bytes())


def _italic(char: str) -> str:
    """The mathematical italic letter Chromium draws for a single-letter ``<mi>``."""
    if "a" <= char <= "z":
        return "\u210e" if char == "h" else chr(0x1D44E + ord(char) - ord("a"))
    if "A" <= char <= "Z":
        return chr(0x1D434 + ord(char) - ord("A"))
    if "α" <= char <= "ω":
        return chr(0x1D6FC + ord(char) - ord("α"))
    return char


def _text(text: str, scale: float) -> float:
    return scale * sum(font().advance(c) for c in text)


def _em(value: str | None, default: float) -> float:
    if value is None:
        return default
    m = re.fullmatch(r"\s*(-?[0-9.]+)\s*(em)?\s*", value)
    return float(m.group(1)) if m and (m.group(2) or float(m.group(1)) == 0) else default


def _padding(style: str, side: str) -> float:
    m = re.search(rf"padding-{side}\s*:\s*([0-9.]+)(em)?", style)
    return float(m.group(1)) if m else _CELL_PADDING


class _Layout:
    """Widths of MathML elements. ``level`` is the script level (0 text, 1 script, 2 script-script);
    ``display`` whether fractions there are in display style, keeping their parts at ``level``."""

    def __init__(self, root: ET.Element) -> None:
        self.tall: set[int] = set()  # the elements that are, or hold, a fraction, table or root
        for e in _postorder(root):
            if e.tag in _TALL or any(id(k) in self.tall for k in e):
                self.tall.add(id(e))

    def width(self, e: ET.Element, level: int, display: bool, form: str = "infix", stretch: bool = False) -> float:
        name = e.tag
        scale = font().scales[min(level, 2)]
        display = {"true": True, "false": False}.get(e.get("displaystyle", ""), display)
        if name == "mi":
            text = e.text or ""
            return _text(_italic(text) if len(text) == 1 and e.get("mathvariant") != "normal" else text, scale)
        if name in ("mn", "mtext", "ms"):
            return _text(e.text or "", scale)
        if name == "mo":
            return self._operator(e, scale, form, stretch, display)
        if name == "mspace":
            return scale * _em(e.get("width"), 0.0)
        if name == "semantics":
            return self.width(e[0], level, display) if len(e) else 0.0
        if name == "annotation":
            return 0.0
        if name == "mfrac":
            # A block's fraction outside a script is in display style (mathml.py), its parts unshrunk.
            inner = level if display or level == 0 else level + 1
            return max(self.width(k, inner, False) for k in e) + _FRACTION_PADDING * scale
        if name in ("msub", "msup"):
            return self.width(e[0], level, display) + self.width(e[1], level + 1, False)
        if name == "msubsup":
            scripts = max(self.width(e[1], level + 1, False), self.width(e[2], level + 1, False))
            return self.width(e[0], level, display) + scripts
        if name in ("munder", "mover", "munderover"):
            return max([self.width(e[0], level, display)] + [self.width(k, level + 1, False) for k in e[1:]])
        if name == "msqrt":
            return _text("√", scale) + self.row(list(e), level, display)
        if name == "mroot":
            return self.width(e[1], level + 2, False) + _text("√", scale) + self.width(e[0], level, display)
        if name == "mtable":
            return self._table(e, level, display)
        return self.row(list(e), level, display)

    def row(self, children: list[ET.Element], level: int, display: bool) -> float:
        tall = any(id(k) in self.tall for k in children)
        total = 0.0
        for i, child in enumerate(children):
            form = "infix"
            if len(children) > 1 and i == 0:
                form = "prefix"
            elif len(children) > 1 and i == len(children) - 1:
                form = "postfix"
            total += self.width(child, level, display, form, tall)
        return total

    def _operator(self, e: ET.Element, scale: float, form: str, stretch: bool, display: bool) -> float:
        text = (e.text or "").strip()
        glyphs = _text(text, scale)
        if text in _STRETCHED and stretch and e.get("stretchy") != "false":
            glyphs = scale * _STRETCHED[text]
        form = e.get("form", form)
        left = right = 0.0
        if text in _LARGE:
            glyphs *= 1.4 if display else 1.0  # the display size variant
            left = right = 0.1667
        elif text in _RELATIONS:
            left = right = 0.2778
        elif text in _BINARY and form == "infix":
            left = right = 0.2222
        elif text in _SEPARATORS:
            right = 0.1667
        if scale < 1:
            left = right = 0.0  # Chromium spaces no operator in a script
        left = _em(e.get("lspace"), left)
        right = _em(e.get("rspace"), right)
        return glyphs + scale * (left + right)

    def _table(self, e: ET.Element, level: int, display: bool) -> float:
        columns: list[float] = []
        for row in e:
            for j, cell in enumerate(row):
                style = cell.get("style", "")
                width = self.row(list(cell), level, display) + _padding(style, "left") + _padding(style, "right")
                if j == len(columns):
                    columns.append(width)
                else:
                    columns[j] = max(columns[j], width)
        return sum(columns)


def _postorder(root: ET.Element) -> list[ET.Element]:
    out, stack = [], [(root, False)]
    while stack:
        e, done = stack.pop()
        if done:
            out.append(e)
        else:
            stack.append((e, True))
            stack.extend((k, False) for k in e)
    return out


def mathml_width(mathml: str) -> float:
    """The width in em of one ``<math>`` element (as math-core writes it, without a namespace)."""
    root = ET.fromstring(mathml)
    display = root.get("display") == "block" or root.get("displaystyle") == "true"
    return _Layout(root).row(list(root), 0, display)


@functools.lru_cache(maxsize=4096)
def tex_width(tex: str) -> float:
    """The width in em of display TeX, as the MathML it converts to is drawn in a block."""
    from math_core import LatexError

    from ..errors import BlockError
    from .mathml import raw_mathml

    try:
        return mathml_width(raw_mathml(tex))
    except LatexError as exc:
        raise BlockError(f"could not render the result as MathML: {exc}") from None
