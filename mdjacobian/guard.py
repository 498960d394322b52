"""Size guards: every number, exponent and expression a block builds is checked before SymPy
computes it, since one power of two large numbers is a single C call that no time limit can stop."""

from __future__ import annotations

import math
from collections.abc import Mapping

import sympy as sp

from . import vectors as vec
from .errors import BlockError, LimitError
from .limits import Limits
from .vectors import Value


def _digits(n: int) -> int:
    return 1 if n == 0 else int(abs(n).bit_length() * math.log10(2)) + 1


def check_number(value: sp.Expr, limits: Limits) -> None:
    """Reject a rational whose numerator or denominator has more digits than allowed."""
    if isinstance(value, sp.Rational):
        size = max(_digits(int(value.p)), _digits(int(value.q)))
        if size > limits.max_number_digits:
            raise LimitError(
                f"a number here would have about {size} digits (limit {limits.max_number_digits})",
                limit="max_number_digits",
            )


def power(base: sp.Expr, exponent: sp.Expr, limits: Limits) -> sp.Expr:
    """Build ``base ** exponent`` after checking that SymPy will not compute a huge number."""
    if isinstance(exponent, sp.Rational):
        if abs(exponent) > limits.max_exponent:
            raise LimitError(
                f"exponent {exponent} is larger than the limit of {limits.max_exponent}", limit="max_exponent"
            )
        if isinstance(base, sp.Rational) and base != 0:
            size = math.log10(max(abs(int(base.p)), int(base.q), 2)) * float(abs(exponent)) + 1
            if size > limits.max_number_digits:
                shown = str(base) if len(str(base)) <= 20 else f"({_digits(int(base.p))}-digit number)"
                raise LimitError(
                    f"{shown}^{exponent} would have about {int(size)} digits (limit {limits.max_number_digits})",
                    limit="max_number_digits",
                )
        if base == 0 and exponent < 0:
            raise BlockError("division by zero (0 to a negative power)")
    return sp.Pow(base, exponent)


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


def substitute(expr: sp.Expr, mapping: Mapping[sp.Basic, sp.Expr], limits: Limits) -> sp.Expr:
    """``expr`` with ``mapping`` substituted, evaluated under the same size checks as parsing.

    SymPy's own substitution evaluates as it goes, and one power of two large numbers is a single C
    call no time limit can interrupt; here nothing is evaluated before its size is known.
    """
    with sp.evaluate(False):
        unevaluated = expr.subs(dict(mapping))
    result = _rebuild(unevaluated, limits)
    check_expr(result, limits)
    return result


def check_expr(expr: Value, limits: Limits) -> None:
    """Check a built expression: its size, every number in it, and every numeric exponent."""
    if vec.is_array(expr):
        for entry in expr:
            check_expr(entry, limits)
        return
    count = 0
    for node in sp.preorder_traversal(expr):
        count += 1
        if count > limits.max_nodes:
            raise LimitError(f"expression has more than {limits.max_nodes} parts", limit="max_nodes")
        if isinstance(node, sp.Rational):
            check_number(node, limits)
        elif isinstance(node, sp.Pow) and isinstance(node.exp, sp.Rational):
            if abs(node.exp) > limits.max_exponent:
                raise LimitError(
                    f"exponent {node.exp} is larger than the limit of {limits.max_exponent}", limit="max_exponent"
                )
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or any(d.args[0] == 0 for d in expr.atoms(sp.DiracDelta)):
        raise BlockError("the expression is undefined here (division by zero)")
