"""Display equations with the places a long one may break, as a textbook breaks them.

A :class:`Display` is a left side equal to one or more right sides, each side a sum of terms and each
term a product of factors. A line may end before an ``=``, before a ``+`` or ``−`` of a side's sum, or
between the factors of a product the display spells out (a chain rule's); never inside a factor, so
never inside a matrix. :func:`display_tex` writes a display on one line, or when that is wider than
:data:`TEX_WIDTH`, as an ``aligned`` environment whose lines continue at the ``=``. The HTML pages
break the same places, where the reader's screen needs it (see :mod:`~mdjacobian.render.html`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .breaks import Run, affix, leaves, split, standalone
from .tex import component_terms, components_tex

if TYPE_CHECKING:
    import sympy as sp

TEX_WIDTH = 34.0
"""The widest line, in em of the maths font, that TeX output puts in one line: the text width of a
LaTeX article at 10 pt (34.5 em). The browser tests measure that Material's content column at
1280 px holds it at the size blocks are drawn."""

QUAD = 1.0
"""How far, in em, a side's continued sum or product is indented beyond the ``=``."""

NARROWEST = 15.0
"""The narrowest line, in em of the maths, a page may have to fill: a 320 px phone's content column
(288 px) at the 18.4 px block maths of Material's 16 px text."""

SPLIT_WIDTH = NARROWEST - 3 * QUAD
"""A chunk wider than this, in em, is cut into pieces at the places :mod:`.breaks` finds, so that
with three levels of indentation it still fits the narrowest line."""


@dataclass(frozen=True)
class Term:
    """One term of a side's sum: its factors, which a line may break between, and its sign."""

    factors: tuple[str, ...]
    sign: str = "+"
    joiner: str = " "

    def tex(self) -> str:
        return self.joiner.join(self.factors)


@dataclass(frozen=True)
class Side:
    """A right-hand side: a sum of terms (one term for anything else)."""

    terms: tuple[Term, ...]

    def tex(self) -> str:
        first, *rest = self.terms
        out = ("-" if first.sign == "-" else "") + first.tex()
        return out + "".join(f" {t.sign} {t.tex()}" for t in rest)


@dataclass(frozen=True)
class Display:
    """``lhs = sides[0] = sides[1] = …``."""

    lhs: str
    sides: tuple[Side, ...]

    def tex(self) -> str:
        return " = ".join([self.lhs, *(side.tex() for side in self.sides)]).lstrip()

    def narrow(self) -> bool:
        """Whether the whole display is narrower than a piece that would be cut (see :data:`SPLIT_WIDTH`)."""
        return _width(self.tex()) <= SPLIT_WIDTH


def atom(tex: str) -> Side:
    """A side no line breaks inside (a matrix, a fraction)."""
    return Side((Term((tex,)),))


def terms(pairs: list[tuple[str, str]]) -> Side:
    """A side from a sum's ``(sign, TeX)`` terms, as a printer's ``terms`` gives them."""
    return Side(tuple(Term((tex,), sign) for sign, tex in pairs))


def components_side(matrix: sp.MatrixBase) -> Side:
    """A component matrix as a side: a 1 × 1 one is a sum a line may break in, a matrix is whole."""
    if matrix.shape == (1, 1):
        return terms(component_terms(matrix[0, 0]))
    return atom(components_tex(matrix))


def product(factors: list[str], joiner: str = " ") -> Term:
    """One term written as a product of factors (a chain rule's)."""
    return Term(tuple(factors), joiner=joiner)


@dataclass(frozen=True)
class Chunk:
    """A factor of a side, with the operator it begins with (``=``, ``+``, ``−``, ``\\cdot`` or none)."""

    operator: str
    tex: str

    def run(self, whole: bool = False) -> str | Run:
        """The chunk as pieces a narrow line may break between (see :mod:`.breaks`), its operator on
        the first; the chunk itself when it is narrow enough for any screen, or ``whole``."""
        body = self.tex if whole else split(self.tex, _too_wide)
        return affix(body, f"{self.operator} " if self.operator else "", "")


def chunks(side: Side) -> Iterator[list[Chunk]]:
    """The side's chunks, term by term."""
    for i, term in enumerate(side.terms):
        out = []
        for j, factor in enumerate(term.factors):
            if j:
                out.append(Chunk(term.joiner.strip(), factor))
            elif i:
                out.append(Chunk(term.sign, factor))
            else:
                out.append(Chunk("=", ("-" if term.sign == "-" else "") + factor))
        yield out


def _width(tex: str) -> float:
    from .measure import tex_width

    return tex_width(tex)


def _too_wide(tex: str) -> bool:
    return _width(tex) > SPLIT_WIDTH


def _side_lines(side: Side, first: float, rest: float) -> list[list[str]]:
    """The side's pieces filled into lines ``first`` then ``rest`` em wide: whole terms where they fit."""
    lines: list[list[str]] = [[]]
    used = 0.0

    def place(pieces: list[str], width: float) -> None:
        nonlocal used
        room = first if len(lines) == 1 else rest
        if lines[-1] and used + width > room:
            lines.append([])
            used = 0.0
        lines[-1].extend(pieces)
        used += width

    for term in chunks(side):
        pieces = [leaf for chunk in term for leaf in leaves(chunk.run())]
        widths = [_width(standalone(piece)) for piece in pieces]
        if sum(widths) <= rest:
            place(pieces, sum(widths))
        else:
            for piece, width in zip(pieces, widths):
                place([piece], width)
    return lines


def _line_tex(line: list[str], first: bool) -> str:
    """One line of a side after the alignment point: ``= …`` first, then ``\\quad {}+ …`` indented."""
    if first:
        return " ".join(line)
    return " ".join([r"\quad " + standalone(line[0]), *line[1:]])


ESTIMATE_ERROR = 0.035
"""How far :mod:`.measure` may be off, as a fraction of a line: within 3.5 % of Chromium's layout on
every display of the docs; lines are filled that much short of the width."""


ALIGNED_PADDING = 0.8
"""The padding, in em, an ``aligned`` environment's rows get in MathML (0.4 em at each end)."""


def display_tex(display: Display, width: float = TEX_WIDTH) -> str:
    """The display as TeX: on one line, or broken into an ``aligned`` environment where wider than ``width`` em."""
    one = display.tex()
    width *= 1 - ESTIMATE_ERROR
    if _width(one) <= width:
        return one
    width -= ALIGNED_PADDING
    lhs = _width(display.lhs)
    rows: list[str] = []
    used = width + 1.0  # the first side starts a row
    for side in display.sides:
        whole = _width("{}= " + side.tex())
        if rows and used + whole <= width:
            rows[-1] += " = " + side.tex()
            used += whole
            continue
        lines = _side_lines(side, width - lhs, width - lhs - QUAD)
        rows.extend(_line_tex(line, k == 0) for k, line in enumerate(lines))
        used = lhs + (whole if len(lines) == 1 else width)
    if len(rows) <= 1:
        return one  # one piece wider than the line, or no equation: no break helps
    body = r" \\ ".join(f"&{row}" for row in rows)
    return rf"\begin{{aligned}}{display.lhs} {body}\end{{aligned}}"


def parse_display(tex: str) -> Display:
    """A display written as TeX, ``lhs = a = b``, read back at its ``=`` signs outside every group;
    without one, the whole line is the left side."""
    from .breaks import _words

    words = _words(tex) or []
    cuts = [i for i, word in enumerate(words) if word == "="]
    if not cuts:
        return Display(tex, ())
    groups = [words[a + 1 : b] for a, b in zip(cuts, [*cuts[1:], len(words)])]
    return Display(" ".join(words[: cuts[0]]), tuple(atom(" ".join(group)) for group in groups))
