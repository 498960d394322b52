"""How wide a formula is drawn, in em, from the advance widths of the shipped math font.

A rough layout of MathML Core, enough to decide where a long display breaks: glyph advances from
Latin Modern Math (the font the stylesheet loads), the spacing of MathML Core's operator
dictionary, script sizes from the font's MATH table, and the padding Chromium gives table cells.
It leaves out kerning and italic corrections: on the displays of the docs it is within 3.5 % of
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


@functools.lru_cache(maxsize=4096)
def _advance(text: str) -> float:
    """The advance width in em of a run of characters at text size."""
    advance = font().advance
    return sum(advance(c) for c in text)


@functools.lru_cache(maxsize=256)
def _em(value: str | None, default: float) -> float:
    if value is None:
        return default
    m = re.fullmatch(r"\s*(-?[0-9.]+)\s*(em)?\s*", value)
    return float(m.group(1)) if m and (m.group(2) or float(m.group(1)) == 0) else default


@functools.lru_cache(maxsize=256)
def _padding(style: str) -> float:
    """A table cell's padding at its left and right, in em, from its style or Chromium's default."""
    total = 0.0
    for side in ("left", "right"):
        m = re.search(rf"padding-{side}\s*:\s*([0-9.]+)(em)?", style)
        total += float(m.group(1)) if m else _CELL_PADDING
    return total


_TRUTH = {"true": True, "false": False}


class _Layout:
    """Widths of MathML elements, each returned with whether it is tall (is or holds a fraction, a
    table or a root, round which a fence stretches). ``level`` is the script level (0 text, 1 script,
    2 script-script); ``display`` whether fractions there are in display style."""

    def __init__(self) -> None:
        self.scales = font().scales

    def width(self, e: ET.Element, level: int, display: bool) -> tuple[float, bool]:
        name = e.tag
        scale = self.scales[2 if level > 2 else level]
        if "displaystyle" in e.attrib:
            display = _TRUTH.get(e.attrib["displaystyle"], display)
        if name == "mi":
            text = e.text or ""
            if len(text) == 1 and e.get("mathvariant") != "normal":
                text = _italic(text)
            return scale * _advance(text), False
        if name in ("mn", "mtext", "ms"):
            return scale * _advance(e.text or ""), False
        if name == "mo":
            return self._operator(e, scale, "infix", False, display), False
        if name == "mspace":
            return scale * _em(e.get("width"), 0.0), False
        if name == "semantics":
            return self.width(e[0], level, display) if len(e) else (0.0, False)
        if name == "annotation":
            return 0.0, False
        if name == "mfrac":
            # A block's fraction outside a script is in display style (mathml.py), its parts unshrunk.
            inner = level if display or level == 0 else level + 1
            return max(self.width(k, inner, False)[0] for k in e) + _FRACTION_PADDING * scale, True
        if name in ("msub", "msup"):
            base, tall = self.width(e[0], level, display)
            return base + self.width(e[1], level + 1, False)[0], tall
        if name == "msubsup":
            base, tall = self.width(e[0], level, display)
            return base + max(self.width(e[1], level + 1, False)[0], self.width(e[2], level + 1, False)[0]), tall
        if name in ("munder", "mover", "munderover"):
            base, tall = self.width(e[0], level, display)
            return max([base] + [self.width(k, level + 1, False)[0] for k in e[1:]]), tall or name == "munderover"
        if name == "msqrt":
            return scale * _advance("\u221a") + self.row(list(e), level, display)[0], True
        if name == "mroot":
            index = self.width(e[1], level + 2, False)[0]
            return index + scale * _advance("\u221a") + self.width(e[0], level, display)[0], True
        if name == "mtable":
            return self._table(e, level, display), True
        return self.row(list(e), level, display)

    def row(self, children: list[ET.Element], level: int, display: bool) -> tuple[float, bool]:
        """Children side by side; an operator's space depends on its place, a fence's width on what it is beside."""
        measured = [None if k.tag == "mo" else self.width(k, level, display) for k in children]
        tall = any(m[1] for m in measured if m is not None)
        scale = self.scales[2 if level > 2 else level]
        last = len(children) - 1
        total = 0.0
        for i, (child, m) in enumerate(zip(children, measured)):
            if m is not None:
                total += m[0]
                continue
            form = "prefix" if last and i == 0 else "postfix" if last and i == last else "infix"
            total += self._operator(child, scale, form, tall, display)
        return total, tall

    @staticmethod
    def _operator(e: ET.Element, scale: float, form: str, stretch: bool, display: bool) -> float:
        text = (e.text or "").strip()
        glyphs = scale * _advance(text)
        if stretch and text in _STRETCHED and e.get("stretchy") != "false":
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
                width = self.row(list(cell), level, display)[0] + _padding(cell.get("style", ""))
                if j == len(columns):
                    columns.append(width)
                elif width > columns[j]:
                    columns[j] = width
        return sum(columns)


def mathml_width(mathml: str) -> float:
    """The width in em of one ``<math>`` element (as math-core writes it, without a namespace)."""
    root = ET.fromstring(mathml)
    display = root.get("display") == "block" or root.get("displaystyle") == "true"
    return _Layout().row(list(root), 0, display)[0]


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
