"""The typed records the language layer hands to the calculus: a block as its author wrote it.

Nothing here computes: expressions are syntax trees (:mod:`mdjacobian.language.syntax`), sizes are
numbers or the names of symbolic sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import BlockError
from .options import Options

if TYPE_CHECKING:
    from .language.syntax import Expr

Size = int | str
"""A dimension: a number, or the name of a symbolic size such as ``n``."""


@dataclass(frozen=True)
class Declaration:
    """``x, w in R^3``, ``W in R^(m x n)``: the shape of one name. A scalar has shape ``(1, 1)``."""

    name: str
    rows: Size
    cols: Size
    line: int
    symmetric: bool = False
    """Declared ``in Sym(n)``: a symmetric matrix, one free entry per pair (S12 = S21)."""

    @property
    def shape(self) -> tuple[Size, Size]:
        return (self.rows, self.cols)

    @property
    def is_scalar(self) -> bool:
        return self.shape == (1, 1)

    @property
    def is_vector(self) -> bool:
        return self.cols == 1 and self.rows != 1

    @property
    def is_matrix(self) -> bool:
        return self.cols != 1

    @property
    def sizes(self) -> tuple[str, ...]:
        """The symbolic sizes this declaration uses."""
        return tuple(dict.fromkeys(s for s in self.shape if isinstance(s, str)))


@dataclass(frozen=True)
class Definition:
    """``f(x, y) = 3x^2 y``: one named expression of the block."""

    name: str
    expr: Expr
    line: int
    text: str
    params: tuple[str, ...] | None = None
    """The declared parameter list, when the line had one."""


@dataclass(frozen=True)
class Fact:
    """An ``assume:`` fact about where the block is defined; the proof samples only where it holds.

    ``kind`` is ``sizes`` (``N > d``: ``left`` and ``right`` are sizes), ``positive`` (``b - A x > 0``,
    entry by entry: ``left`` and ``right`` are expressions, ``left > right``) or ``definite``
    (``A positive definite``: ``name``). ``text`` is the fact as written, for the caption.
    """

    kind: str
    text: str
    left: Expr | Size | None = None
    right: Expr | Size | None = None
    strict: bool = True
    name: str = ""


@dataclass(frozen=True)
class Block:
    """A parsed block: what to differentiate, with respect to what, and how to show it."""

    definitions: tuple[Definition, ...]
    """Every definition, in the order written."""
    outputs: tuple[str, ...]
    """The functions to differentiate: definitions no later line uses."""
    intermediates: tuple[str, ...]
    """Definitions that later lines use (``u = x^2`` before ``y = sin(u)``), in order."""
    wrt: tuple[str, ...]
    """The variables, in column order: declared names or scalar names."""
    options: Options
    declarations: tuple[Declaration, ...] = ()
    point: tuple[tuple[str, Expr], ...] | None = None
    """The ``at:`` point as (name, value) pairs, when given; values are numeric expressions."""
    assumptions: tuple[tuple[Expr, Expr], ...] = ()
    """``assume:`` equalities (``sum(y) = 1``) as (left, right) pairs of expressions."""
    facts: tuple[Fact, ...] = ()
    """``assume:`` facts about where the block is defined (``N > d``, ``b - A x > 0``, ``A positive definite``)."""
    option_lines: tuple[tuple[str, int, str], ...] = ()
    """Options set by block lines: (key, line number, line text)."""
    source: str = ""
    claim: Expr | None = None
    """``claim:``, the author's own answer for the derivative, parsed."""
    constants: tuple[str, ...] = ()
    """Names the block uses but does not differentiate by, read as constants (``a`` in ``f(x) = a x^2``)."""

    def definition(self, name: str) -> Definition:
        return next(d for d in self.definitions if d.name == name)

    def declaration(self, name: str) -> Declaration | None:
        return next((d for d in self.declarations if d.name == name), None)

    @property
    def sizes(self) -> tuple[str, ...]:
        """The symbolic sizes the block declares, in order of first use."""
        return tuple(dict.fromkeys(s for d in self.declarations for s in d.sizes))

    def locate(self, error: BlockError, option: str) -> BlockError:
        """Place ``error`` on the line that set ``option``, when a block line set it."""
        error.of({"at": "point", "wrt": "variables"}.get(option, "options"))
        for key, line, text in self.option_lines:
            if key == option:
                return error.at(line, text)
        return error

    def place(self, error: BlockError) -> BlockError:
        """Place an error of the derivative as a whole on a line: the ``derivative:`` or ``wrt:``
        line that asked for it, else the last function's definition."""
        for option in ("derivative", "wrt"):
            if error.line is None:
                for key, line, text in self.option_lines:
                    if key == option:
                        error.at(line, text)
                        break
        if error.line is None and self.outputs:
            self.locate_name(error, self.outputs[-1])
        return error

    def locate_name(self, error: BlockError, name: str) -> BlockError:
        """Place ``error`` on the line that defines or declares ``name``."""
        for definition in self.definitions:
            if definition.name == name:
                return error.at(definition.line, definition.text)
        return error
