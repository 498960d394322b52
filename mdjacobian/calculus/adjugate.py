"""The determinant and inverse of a matrix of SymPy expressions, written out fast at any size.

A determinant of symbols written out term by term has n! terms, and SymPy's own division-free
methods spend their time flattening ever larger sums. Here the characteristic polynomial comes
from Berkowitz's algorithm and the adjugate from the Cayley–Hamilton theorem,

    adj(A) = (−1)ⁿ⁺¹ (Aⁿ⁻¹ + c₁ Aⁿ⁻² + … + cₙ₋₁ I),    det(λI − A) = λⁿ + c₁ λⁿ⁻¹ + … + cₙ,

in O(n⁴) additions and multiplications, each an unevaluated SymPy node that shares its operands
(built by ``_from_args``, as ``evaluate=False`` builds them, without its checks: every entry is
commutative).
No division is taken before the last one, by det A, so the entries are right wherever A is
invertible. The expressions are large trees but small graphs: evaluate them with a walk that visits
each shared node once (SymPy's ``subs``, printing and ``lambdify`` visit every path).
"""

from __future__ import annotations

import functools

import sympy as sp

Rows = list[list[sp.Expr]]

_ZERO, _ONE, _MINUS_ONE = sp.Integer(0), sp.Integer(1), sp.Integer(-1)


def _sum(terms: list[sp.Expr]) -> sp.Expr:
    terms = [t for t in terms if t != _ZERO]
    if not terms:
        return _ZERO
    return terms[0] if len(terms) == 1 else sp.Add._from_args(terms, True)


def _times(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    if a == _ZERO or b == _ZERO:
        return _ZERO
    if a == _ONE:
        return b
    if b == _ONE:
        return a
    return sp.Mul._from_args((a, b), True)


def _neg(a: sp.Expr) -> sp.Expr:
    if a.is_Number:
        return -a
    return sp.Mul._from_args((_MINUS_ONE, a), True)


def _matvec(a: Rows, v: list[sp.Expr]) -> list[sp.Expr]:
    return [_sum([_times(x, y) for x, y in zip(row, v)]) for row in a]


def charpoly(a: Rows) -> list[sp.Expr]:
    """``[1, c₁, …, cₙ]``: the coefficients of det(λI − A), by Berkowitz's algorithm (no division)."""
    size = len(a)
    if size == 0:
        return [_ONE]
    if size == 1:
        return [_ONE, _neg(a[0][0])]
    top, row = a[0][0], a[0][1:]
    column = [r[0] for r in a[1:]]
    rest = [r[1:] for r in a[1:]]
    # The first column of the Toeplitz matrix: 1, −a, −R C, −R A C, −R A² C, …
    diagonals = [_ONE, _neg(top)]
    power = column
    for i in range(size - 1):
        if i:
            power = _matvec(rest, power)
        diagonals.append(_neg(_sum([_times(x, y) for x, y in zip(row, power)])))
    inner = charpoly(rest)
    return [_sum([_times(diagonals[i - j], inner[j]) for j in range(min(i + 1, size))]) for i in range(size + 1)]


def det_and_inverse(matrix: sp.MatrixBase) -> tuple[sp.Expr, sp.ImmutableMatrix]:
    """det(A) and A⁻¹ = adj(A) / det(A), as shared unevaluated expressions.

    The same matrix gets the very same expressions each time, the determinant included: SymPy's
    cache compares a new tree with an equal one it holds node by node, without sharing, which takes
    minutes on these graphs; the same objects compare at once.
    """
    return _det_and_inverse(sp.ImmutableMatrix(matrix))


@functools.lru_cache(maxsize=32)
def _det_and_inverse(matrix: sp.ImmutableMatrix) -> tuple[sp.Expr, sp.ImmutableMatrix]:
    size = matrix.rows
    a = [[matrix[i, j] for j in range(size)] for i in range(size)]
    coefficients = charpoly(a)
    last = coefficients[-1]
    det = last if size % 2 == 0 else _neg(last)
    # Horner: B₀ = I, Bₖ = A Bₖ₋₁ + cₖ I; then A⁻¹ = −Bₙ₋₁ / cₙ.
    b = [[_ONE if i == j else _ZERO for j in range(size)] for i in range(size)]
    for k in range(1, size):
        b = [
            [_sum([_times(a[i][m], b[m][j]) for m in range(size)] + ([coefficients[k]] if i == j else [])) for j in range(size)]
            for i in range(size)
        ]
    scale = sp.Pow(_neg(last), -1, evaluate=False)
    return det, sp.ImmutableMatrix(size, size, [_times(b[i][j], scale) for i in range(size) for j in range(size)])


__all__ = ["charpoly", "det_and_inverse"]
