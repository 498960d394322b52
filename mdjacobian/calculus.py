"""Block -> Result: the Jacobian in the chosen layout and, when asked, its value at a point."""

from __future__ import annotations

import sympy as sp

from .errors import BlockError, LimitError
from .grammar import check_expr, check_number, power
from .limits import Limits
from .model import Block, Result


def jacobian(block: Block) -> sp.ImmutableMatrix:
    """The numerator-layout Jacobian: row i holds the partials of component i."""
    return sp.ImmutableMatrix(
        [[sp.diff(c.expr, v) for v in block.variables] for c in block.components]
    )


def _rebuild(expr: sp.Basic, limits: Limits) -> sp.Basic:
    """Evaluate an unevaluated tree bottom-up, checking every power before SymPy computes it."""
    if not expr.args:
        return expr
    args = [_rebuild(arg, limits) for arg in expr.args]
    if isinstance(expr, sp.Pow):
        return power(args[0], args[1], limits)
    result = expr.func(*args)
    check_number(result, limits)
    return result


def value_at(matrix: sp.ImmutableMatrix, block: Block, limits: Limits) -> sp.ImmutableMatrix:
    """Substitute the block's point into ``matrix`` exactly, within the size limits."""
    mapping = dict(block.point or ())
    entries = []
    for entry in matrix:
        with sp.evaluate(False):
            substituted = entry.subs(mapping)
        try:
            value = _rebuild(substituted, limits)
            check_expr(value, limits)
        except LimitError:
            raise
        except BlockError:
            raise BlockError("the Jacobian is undefined at this point (division by zero)") from None
        entries.append(value)
    return sp.ImmutableMatrix(matrix.rows, matrix.cols, entries)


def compute(block: Block, limits: Limits | None = None) -> Result:
    """Differentiate every component with respect to every variable."""
    limits = limits or Limits()
    matrix = jacobian(block)
    for entry in matrix:
        check_expr(entry, limits)
    if block.options.layout == "denominator":
        matrix = matrix.T
    value = value_at(matrix, block, limits) if block.point else None
    return Result(block=block, matrix=matrix, value=value)
