"""Declarations: ``x, w in R^3``, ``z in R``, ``W in R^(2x3)``, ``x in R^n``, ``W in R^(m x n)`` and
``S in Sym(n)``, a symmetric n × n matrix."""

from __future__ import annotations

import re

from ..errors import BlockError, LimitError
from ..limits import Limits
from ..model import Declaration, Size
from ..options import check_name, parse_names
from .grammar import RESERVED

DECLARATION_LINE = re.compile(
    r"\s*([A-Za-z][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z][A-Za-z0-9_]*)*)\s+(?:in|∈)\s+"
    r"(?:(?:R|ℝ)\s*(?:\^(.*))?|Sym\s*\(([^()]*)\))\s*"
)
"""``names in R``, ``names in R^space`` or ``names in Sym(n)``; the space's text (group 2) is taken whole
and stripped by the reader, since a pattern that stops before trailing blanks retries at every blank."""
_DIM = r"(?:[0-9]+|[A-Za-z][A-Za-z0-9_]*)"
_SPACE = re.compile(rf"(?:\((.*)\)|\{{(.*)\}}|({_DIM}))")
_TIMES = re.compile(rf"\s*({_DIM})\s*[x×*]\s*({_DIM})\s*")
_GLUED = re.compile(r"([A-Za-z0-9])x([A-Za-z0-9])")  # R^(mxn), R^(2x3)
MAX_MATRIX_SIDE = 9
"""A matrix of concrete size names its entries W11 … W99, so each side is a single digit."""


def check_new_name(name: str, what: str) -> str:
    check_name(name, what)
    if name in RESERVED:
        raise BlockError(f"'{name}' is a built-in name and cannot be used as a {what}")
    return name


MAX_SIZE_DIGITS = 6
"""Digits in a concrete size: any larger size is past every limit on entries, and reading a long
run of digits as a number takes time in the square of its length."""


def _dimension(text: str, space: str) -> Size:
    if text.isdigit():
        if len(text.lstrip("0")) > MAX_SIZE_DIGITS:
            shown = text if len(text) <= 20 else text[:20] + "…"
            raise LimitError(f"the size {shown} is larger than any block may have", limit="max_variables")
        value = int(text)
        if value == 0:
            raise BlockError(f"R^{space} has no entries: sizes start at 1")
        return value
    return check_new_name(text, "size")


def parse_space(space: str) -> tuple[Size, Size]:
    """``3`` -> (3, 1); ``n`` -> ("n", 1); ``(2x3)`` or ``(m x n)`` -> (rows, columns)."""
    m = _SPACE.fullmatch(space.strip())
    if not m:
        raise BlockError(f"unknown space 'R^{space}': write R, R^3, R^n, R^(2x3) or R^(m x n)")
    inside = m.group(1) if m.group(1) is not None else m.group(2)
    if inside is None:
        return (_dimension(m.group(3), space), 1)
    inside = inside.strip()
    times = _TIMES.fullmatch(inside) or _TIMES.fullmatch(_GLUED.sub(r"\1 x \2", inside, count=1))
    if times:
        return (_dimension(times.group(1), space), _dimension(times.group(2), space))
    if re.fullmatch(_DIM, inside):
        return (_dimension(inside, space), 1)
    raise BlockError(f"unknown space 'R^{space}': write R, R^3, R^n, R^(2x3) or R^(m x n)")


def declaration_line(
    number: int, names: str, space: str | None, limits: Limits, symmetric: str | None = None
) -> list[Declaration]:
    """``x, w in R^3`` -> one Declaration per name; ``symmetric`` is the n of ``Sym(n)``."""
    if symmetric is not None:
        symmetric = symmetric.strip()
        if not re.fullmatch(_DIM, symmetric):
            raise BlockError(f"unknown space 'Sym({symmetric})': write Sym(3) or Sym(n), a symmetric n × n matrix")
        side = _dimension(symmetric, f"Sym({symmetric})")
        if side == 1:
            raise BlockError("Sym(1) is a scalar: declare it as 'in R'")
        rows, cols = side, side
    else:
        space = space.strip() if space is not None else None
        rows, cols = parse_space(space) if space else (1, 1)
    if isinstance(rows, int) and isinstance(cols, int):
        if cols > 1 and max(rows, cols) > MAX_MATRIX_SIDE:
            raise LimitError(
                f"a matrix of concrete size may have at most {MAX_MATRIX_SIDE} rows and columns; "
                "declare R^(m x n) for any size",
                limit="max_variables",
            )
        if rows * cols > limits.max_variables:
            raise LimitError(
                f"R^{space} has {rows * cols} entries; the limit is {limits.max_variables} "
                "(declare a symbolic size such as R^n for any size)",
                limit="max_variables",
            )
    return [
        Declaration(name=check_new_name(name, "name"), rows=rows, cols=cols, line=number, symmetric=symmetric is not None)
        for name in parse_names(names, "name")
    ]


def component_names(declaration: Declaration) -> list[str]:
    """The names of a concrete declaration's entries: x1, x2, … for a vector, W11, W12, … for a matrix."""
    rows, cols = declaration.shape
    if not (isinstance(rows, int) and isinstance(cols, int)) or declaration.is_scalar:
        return []
    if cols == 1:
        return [f"{declaration.name}{i}" for i in range(1, rows + 1)]
    if declaration.symmetric:  # one entry per pair: S12 stands for S21 too
        return [f"{declaration.name}{i}{j}" for i in range(1, rows + 1) for j in range(i, cols + 1)]
    return [f"{declaration.name}{i}{j}" for i in range(1, rows + 1) for j in range(1, cols + 1)]


def check_components_are_free(declarations: list[Declaration], texts: dict[int, str]) -> None:
    """``x in R^3`` names x1, x2, x3: a later declaration may not take one of those names, or the reverse."""
    owners: dict[str, str] = {}  # every name taken so far -> the declaration that took it
    for declaration in declarations:
        names = [declaration.name, *component_names(declaration)]
        for name in names:
            other = owners.get(name)
            if other is None:
                continue
            if name == declaration.name:
                reason = f"'{name}' is a component of '{other}'; give it another name"
            elif name == other:
                reason = f"'{declaration.name}' would have a component {name}, which is declared already"
            else:
                reason = f"'{declaration.name}' and '{other}' would both have a component {name}; rename one"
            raise BlockError(reason).at(declaration.line, texts[declaration.line])
        owners.update(dict.fromkeys(names, declaration.name))
