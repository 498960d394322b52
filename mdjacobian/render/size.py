"""How long a derivation's printing is bound to be, known before anything is printed.

A block of a few lines can describe entries whose printing runs to megabytes (products of many
factors, each with a thousand-digit fraction). Counting first what any printing of an entry must
write, and stopping as soon as the count passes the limit, refuses such a block in the time it
takes to look at the limit's worth of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import sympy as sp

from ..errors import LimitError

if TYPE_CHECKING:
    from ..calculus.engine import Derivation

_LOG10_2 = 0.30102999566398


def _digits(number: int) -> int:
    """Digits printing ``number`` certainly writes: all of them from 10 on (a 1 or a 2 may be left
    out, as in x^{-1} or a square root); a lower bound computed without converting the number."""
    size = abs(number)
    if size < 10:
        return 0
    return max(2, int((size.bit_length() - 1) * _LOG10_2) + 1)


def printed_at_least(exprs: Iterable[sp.Basic], limit: int) -> int:
    """A lower bound on the characters printing ``exprs`` takes, in any of the package's formats.

    Every symbol is written, every applied function's name, every sign between the terms of a sum,
    and every number from 10 on in full. Counting stops once it passes ``limit``.
    """
    total = 0
    stack = list(exprs)
    while stack:
        expr = stack.pop()
        if isinstance(expr, sp.MatrixBase):
            stack.extend(expr)
            continue
        if expr.is_Symbol or expr.is_Float:
            total += 1
        elif expr.is_Rational:
            total += _digits(expr.p) + _digits(expr.q)
        else:
            if expr.is_Add:
                total += len(expr.args) - 1
            elif isinstance(expr, sp.Function):
                total += 1
            stack.extend(expr.args)
        if total > limit:
            break
    return total


def _shown(d: Derivation) -> Iterator[sp.Basic]:
    """The component matrices a page shows: the whole Jacobian or each part's, and the value at a point."""
    if d.matrix is not None:
        yield d.matrix
    else:
        yield from (part.components for part in d.parts if part.components is not None)
    if d.value is not None:
        yield d.value


def check_printable(d: Derivation, limit: int) -> None:
    """Raise the output limit's LimitError when printing ``d`` would certainly pass ``limit`` characters."""
    if printed_at_least(_shown(d), limit) > limit:
        raise LimitError(
            f"the block's output would be more than {limit} characters; show less of it, "
            "for instance a point with 'at:' or smaller numbers",
            limit="max_output_chars",
        )
