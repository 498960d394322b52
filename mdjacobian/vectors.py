"""Vector and matrix values of the block language, and the operators between them.

A value is a SymPy scalar or an ``ImmutableMatrix``: a column vector is n×1, a transposed vector 1×n,
a matrix m×n. Operators follow the paper's conventions: ``+ -`` and the element-wise ``.*`` (⊗) and
``./`` (⊘) need equal shapes or a scalar on one side (scalar expansion); ``*`` scales, or multiplies
matrices when the shapes chain (``W x``, ``w^T x``); ``·`` and ``dot`` are the dot product.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from .errors import BlockError

Value = sp.Expr | sp.ImmutableMatrix


def is_array(value: object) -> bool:
    return isinstance(value, sp.MatrixBase)


def describe(value: Value) -> str:
    """How a value is named in messages: "a scalar", "a 3-vector", "a 2×3 matrix"."""
    if not is_array(value):
        return "a scalar"
    rows, cols = value.shape
    if cols == 1:
        return f"a {rows}-vector"
    if rows == 1:
        return f"a transposed {cols}-vector"
    return f"a {rows}×{cols} matrix"


def scalar(value: Value) -> Value:
    """A 1×1 result of a product (``w^T x``) is a scalar."""
    if is_array(value) and value.shape == (1, 1):
        return value[0, 0]
    return value


def elementwise(op: Callable[[sp.Expr, sp.Expr], sp.Expr], a: Value, b: Value, symbol: str) -> Value:
    """Apply ``op`` entry by entry, expanding a scalar on either side."""
    if not is_array(a) and not is_array(b):
        return op(a, b)
    if not is_array(a):
        return b.applyfunc(lambda entry: op(a, entry))
    if not is_array(b):
        return a.applyfunc(lambda entry: op(entry, b))
    if a.shape != b.shape:
        raise BlockError(f"'{symbol}' needs equal shapes: {describe(a)} and {describe(b)}")
    return sp.ImmutableMatrix(a.rows, a.cols, [op(x, y) for x, y in zip(a, b)])


def add(a: Value, b: Value) -> Value:
    return elementwise(lambda x, y: x + y, a, b, "+")


def subtract(a: Value, b: Value) -> Value:
    return elementwise(lambda x, y: x - y, a, b, "-")


def negate(a: Value) -> Value:
    return -a


def hadamard(a: Value, b: Value) -> Value:
    return elementwise(lambda x, y: x * y, a, b, ".*")


def divide_elementwise(a: Value, b: Value, zero_check: Callable[[sp.Expr], None]) -> Value:
    def op(x: sp.Expr, y: sp.Expr) -> sp.Expr:
        zero_check(y)
        return x / y

    return elementwise(op, a, b, "./")


def multiply(a: Value, b: Value) -> Value:
    """``*`` and implicit multiplication: scaling, or a matrix product when the shapes chain."""
    if not is_array(a) or not is_array(b):
        return a * b
    if a.cols == b.rows:
        return scalar(sp.ImmutableMatrix(a * b))
    if a.cols == 1 and b.cols == 1:
        raise BlockError(
            f"'*' between {describe(a)} and {describe(b)}: write .* for the element-wise product or · for the dot product"
        )
    raise BlockError(f"cannot multiply {describe(a)} by {describe(b)}: the shapes do not chain")


def divide(a: Value, b: Value, zero_check: Callable[[sp.Expr], None]) -> Value:
    if is_array(b):
        raise BlockError(f"'/' by {describe(b)}: write ./ for element-wise division")
    zero_check(b)
    return a / b if not is_array(a) else a.applyfunc(lambda entry: entry / b)


def dot(a: Value, b: Value) -> Value:
    if not (is_array(a) and is_array(b)) or 1 not in a.shape or 1 not in b.shape or len(a) != len(b):
        raise BlockError(f"the dot product needs two vectors of one length, not {describe(a)} and {describe(b)}")
    return sp.Add(*[x * y for x, y in zip(a, b)])


def transpose(a: Value) -> Value:
    if not is_array(a):
        raise BlockError("^T transposes a vector or matrix, not a scalar")
    return sp.ImmutableMatrix(a.T)


def total(a: Value) -> Value:
    """``sum(x)``: the sum of a vector's (or matrix's) entries."""
    if not is_array(a):
        raise BlockError("sum() takes a vector")
    return sp.Add(*a)


def apply(function: Callable[..., sp.Expr], args: list[Value]) -> Value:
    """A scalar function of scalars applied element by element (``sin(x)``, ``max(0, x)``)."""
    arrays = [a for a in args if is_array(a)]
    if not arrays:
        return function(*args)
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):
        raise BlockError("the arguments of an element-wise function need equal shapes")
    entries = [
        function(*[a[k] if is_array(a) else a for a in args]) for k in range(shape[0] * shape[1])
    ]
    return sp.ImmutableMatrix(shape[0], shape[1], entries)
