"""Block -> Result: the Jacobian in the chosen layout and, when asked, its value at a point."""

from __future__ import annotations

import sympy as sp

from .check import check as numerical_check
from .errors import BlockError, LimitError
from .guard import check_expr, substitute
from .limits import Limits
from .model import Block, Result


def _step(argument: sp.Expr, *_: sp.Expr) -> sp.Expr:
    return sp.Heaviside(argument, 0)


def derivative(expr: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    """∂expr/∂variable. The derivative of max(0, z) is a step that is 0 for z ≤ 0 and 1 for z > 0, as
    in the paper (not SymPy's default of 1/2 at zero)."""
    return sp.diff(expr, variable).replace(sp.Heaviside, _step)


def jacobian(block: Block) -> sp.ImmutableMatrix:
    """The numerator-layout Jacobian: row i holds the partials of component i."""
    return sp.ImmutableMatrix([[derivative(c.expr, v) for v in block.variables] for c in block.components])


def value_at(matrix: sp.ImmutableMatrix, block: Block, limits: Limits) -> sp.ImmutableMatrix:
    """Substitute the block's point into ``matrix`` exactly, within the size limits."""
    mapping = dict(block.point or ())
    entries = []
    for entry in matrix:
        try:
            value = substitute(entry, mapping, limits)
        except LimitError:
            raise
        except BlockError:
            raise BlockError("the Jacobian is undefined at this point (division by zero)") from None
        entries.append(value)
    return sp.ImmutableMatrix(matrix.rows, matrix.cols, entries)


def vector_form(block: Block, matrix: sp.ImmutableMatrix) -> str | None:
    """The numerator-layout ``matrix`` in vector notation, for blocks that declare vectors."""
    if not block.declarations:
        return None
    from .forms import Forms

    form = Forms(block).form(matrix)
    if form is not None and block.options.layout == "denominator" and matrix != matrix.T:
        form = rf"\left({form}\right)^{{\top}}"
    return form


def compute(block: Block, limits: Limits | None = None) -> Result:
    """Differentiate every component with respect to every variable, and check the result numerically."""
    limits = limits or Limits()
    matrix = jacobian(block)
    for entry in matrix:
        check_expr(entry, limits)
    verdict = numerical_check(block, matrix)
    form = vector_form(block, matrix)
    if block.options.layout == "denominator":
        matrix = matrix.T
    try:
        value = value_at(matrix, block, limits) if block.point else None
    except BlockError as exc:
        raise block.locate(exc, "at") from None
    steps = None
    if block.options.show == "chain":
        from .chain import chain

        steps = chain(block)
    return Result(block=block, matrix=matrix, value=value, check=verdict, form=form, chain=steps)
