"""Numbers for the proof: matrix expressions evaluated at a point, in floats or in mpmath.

Nothing here runs generated code: an expression is walked node by node. Scalars are Python floats
(or ``mpmath.mpf``); vectors and matrices are :class:`Arr`. A value outside a function's domain, an
overflow or a singular matrix raises :class:`Invalid`: the point is skipped, never reported.

Functions with kinks (``abs``, ``sign``, ``step``, ``max``, ``min``) record which branch each entry
took, so the proof can tell when a step of a finite difference crosses a kink.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from . import nodes as n


class Invalid(Exception):
    """The expression has no real, finite value at this point."""


class Unevaluable(Exception):
    """The expression cannot be evaluated at all (an abstract function)."""


class Arr:
    """A dense matrix: ``rows`` × ``cols`` values, row by row in ``data``."""

    __slots__ = ("rows", "cols", "data")

    def __init__(self, rows: int, cols: int, data: list) -> None:
        self.rows, self.cols, self.data = rows, cols, data

    def __repr__(self) -> str:
        return f"Arr({self.rows}x{self.cols}, {self.data})"

    def at(self, i: int, j: int):  # noqa: ANN201
        return self.data[i * self.cols + j]

    def column(self) -> list:
        return self.data


def vector(values: list) -> Arr:
    return Arr(len(values), 1, list(values))


class Numbers:
    """Arithmetic in one number system: ``Numbers()`` for floats, ``Numbers(digits)`` for mpmath."""

    def __init__(self, digits: int | None = None) -> None:
        self.digits = digits
        if digits is None:
            self.m: Any = math
            self.convert: Callable[[Any], Any] = float
            self.eps = 2.2e-16
        else:
            import mpmath

            self.ctx = mpmath.MPContext()
            self.ctx.dps = digits
            self.m = self.ctx
            self.convert = self.ctx.mpf
            self.eps = self.ctx.mpf(10) ** (-digits)
        self.pi = self.convert(math.pi) if digits is None else self.ctx.pi

    def number(self, value: Fraction | int | float) -> Any:
        if isinstance(value, Fraction):
            if self.digits is None:
                return value.numerator / value.denominator
            return self.ctx.mpf(value.numerator) / value.denominator
        return self.convert(value)

    def finite(self, x: Any) -> Any:
        if self.digits is None:
            if not math.isfinite(x):
                raise Invalid("not finite")
        elif not self.ctx.isfinite(x):
            raise Invalid("not finite")
        return x

    # -- scalar functions, each raising Invalid outside its domain ------------------------------
    def call(self, fn: str, args: list, branches: list) -> Any:
        m = self.m
        try:
            if fn in ("max", "min"):
                a, b = args
                branches.append(a - b)
                return (a if a >= b else b) if fn == "max" else (a if a <= b else b)
            (x,) = args
            if fn in ("abs", "sign", "step"):
                branches.append(x)
                if fn == "abs":
                    return abs(x)
                if fn == "sign":
                    return self.number((x > 0) - (x < 0))
                return self.number(1 if x > 0 else 0)
            if fn == "log":
                if x <= 0:
                    raise Invalid("log of a number ≤ 0")
                return m.log(x)
            if fn == "sqrt":
                if x < 0:
                    raise Invalid("sqrt of a negative number")
                return m.sqrt(x)
            if fn in ("asin", "acos") and abs(x) > 1:
                raise Invalid(f"{fn} outside [-1, 1]")
            if fn == "sigmoid":
                if x >= 0:
                    return 1 / (1 + m.exp(-x))
                e = m.exp(x)
                return e / (1 + e)
            if fn == "cot":
                return self.finite(1 / m.tan(x))
            if fn == "sec":
                return self.finite(1 / m.cos(x))
            if fn == "csc":
                return self.finite(1 / m.sin(x))
            if fn == "atan2":
                raise Invalid("atan2 takes two arguments")
            return self.finite(getattr(m, fn)(x))
        except (ValueError, OverflowError, ZeroDivisionError) as exc:
            raise Invalid(str(exc)) from None

    def atan2(self, y: Any, x: Any) -> Any:
        if x == 0 and y == 0:
            raise Invalid("atan2(0, 0)")
        return self.m.atan2(y, x)

    def power(self, base: Any, exponent: Any) -> Any:
        try:
            if base == 0 and exponent < 0:
                raise Invalid("0 to a negative power")
            if base < 0:
                e = float(exponent)
                if e != int(e):
                    raise Invalid("a negative number to a fractional power")
                return self.finite(base ** int(e))
            return self.finite(base**exponent)
        except (OverflowError, ZeroDivisionError) as exc:
            raise Invalid(str(exc)) from None


def _shape(node: n.Node, sizes: Mapping[str, int]) -> tuple[int, int]:
    return node.rows.at(sizes), node.cols.at(sizes)


def _map(fn: Callable[..., Any], *values: Any) -> Any:
    arrays = [v for v in values if isinstance(v, Arr)]
    if not arrays:
        return fn(*values)
    shape = arrays[0]
    count = len(shape.data)
    columns = [v.data if isinstance(v, Arr) else [v] * count for v in values]
    return Arr(shape.rows, shape.cols, [fn(*items) for items in zip(*columns)])


def matmul(a: Any, b: Any) -> Any:
    if not isinstance(a, Arr) or not isinstance(b, Arr):
        return _map(lambda x, y: x * y, a, b)
    if a.cols != b.rows:
        raise ValueError("shapes do not chain")
    rows, inner, cols = a.rows, a.cols, b.cols
    ad, bd = a.data, b.data
    out = []
    for i in range(rows):
        row = ad[i * inner : (i + 1) * inner]
        for j in range(cols):
            total = 0
            for k in range(inner):
                total += row[k] * bd[k * cols + j]
            out.append(total)
    if rows == 1 and cols == 1:
        return out[0]
    return Arr(rows, cols, out)


def transpose(a: Any) -> Any:
    if not isinstance(a, Arr):
        return a
    return Arr(a.cols, a.rows, [a.data[i * a.cols + j] for j in range(a.cols) for i in range(a.rows)])


def _lu(a: Arr, numbers: Numbers) -> tuple[list[list], int, bool]:
    """Gaussian elimination with partial pivoting: (rows of U with multipliers, swaps, singular)."""
    size = a.rows
    m = [list(a.data[i * size : (i + 1) * size]) for i in range(size)]
    swaps = 0
    for k in range(size):
        pivot = max(range(k, size), key=lambda i: abs(m[i][k]))
        if m[pivot][k] == 0:
            return m, swaps, True
        if pivot != k:
            m[k], m[pivot] = m[pivot], m[k]
            swaps += 1
        for i in range(k + 1, size):
            factor = m[i][k] / m[k][k]
            row_i, row_k = m[i], m[k]
            for j in range(k, size):
                row_i[j] -= factor * row_k[j]
    return m, swaps, False


def det(a: Any, numbers: Numbers) -> Any:
    if not isinstance(a, Arr):
        return a
    m, swaps, singular = _lu(a, numbers)
    if singular:
        return numbers.number(0)
    value = numbers.number(-1 if swaps % 2 else 1)
    for k in range(a.rows):
        value *= m[k][k]
    return numbers.finite(value)


def inverse(a: Any, numbers: Numbers) -> Any:
    if not isinstance(a, Arr):
        if a == 0:
            raise Invalid("division by zero")
        return 1 / a
    size = a.rows
    m = [list(a.data[i * size : (i + 1) * size]) + [numbers.number(1 if i == j else 0) for j in range(size)] for i in range(size)]
    scale = max((abs(x) for x in a.data), default=0) or 1
    for k in range(size):
        pivot = max(range(k, size), key=lambda i: abs(m[i][k]))
        if abs(m[pivot][k]) <= scale * numbers.eps * size * 16:
            raise Invalid("the matrix is singular")
        m[k], m[pivot] = m[pivot], m[k]
        p = m[k][k]
        m[k] = [x / p for x in m[k]]
        for i in range(size):
            if i != k and m[i][k] != 0:
                f = m[i][k]
                row_k = m[k]
                m[i] = [x - f * y for x, y in zip(m[i], row_k)]
    return Arr(size, size, [m[i][size + j] for i in range(size) for j in range(size)])


class Evaluator:
    """Evaluate matrix expressions at one point: ``values`` maps each variable's name to its value."""

    def __init__(
        self,
        values: Mapping[str, Any],
        sizes: Mapping[str, int],
        definitions: Mapping[str, n.Node] | None = None,
        numbers: Numbers | None = None,
    ) -> None:
        self.values = values
        self.sizes = sizes
        self.definitions = definitions or {}
        self.numbers = numbers or Numbers()
        self.memo: dict[int, Any] = {}
        self.branches: list = []
        self._keep: list[n.Node] = []  # keeps memo keys alive

    def __call__(self, node: n.Node) -> Any:
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        value = self._eval(node)
        self.memo[key] = value
        self._keep.append(node)
        return value

    def signature(self) -> tuple[int, ...]:
        """Which side of its kink each kinked function was on (−1, 0 or 1)."""
        return tuple((b > 0) - (b < 0) for b in self.branches)

    def _eval(self, node: n.Node) -> Any:  # noqa: C901 - one branch per node type
        N = self.numbers
        ev = self
        if isinstance(node, n.Number):
            return N.number(node.value)
        if isinstance(node, n.Var):
            if node.name in self.definitions:  # a definition is computed, whatever value the name had
                return ev(self.definitions[node.name])
            return self.values[node.name]
        if isinstance(node, n.Entry):
            name, i, j, _ = node.data
            whole = ev(self.definitions[name]) if name in self.definitions else self.values[name]
            return whole.at(i - 1, j - 1)
        if isinstance(node, n.Constant):
            return N.pi
        if isinstance(node, n.SizeValue):
            return N.number(node.dim.at(self.sizes))
        if isinstance(node, n.Identity):
            size = node.rows.at(self.sizes)
            return Arr(size, size, [N.number(1 if i == j else 0) for i in range(size) for j in range(size)])
        if isinstance(node, (n.Zero, n.Ones)):
            rows, cols = _shape(node, self.sizes)
            return Arr(rows, cols, [N.number(0 if isinstance(node, n.Zero) else 1)] * (rows * cols))
        if isinstance(node, n.Differential):
            return self.values["d" + node.name]
        args = node.args
        if isinstance(node, n.Add):
            total = ev(args[0])
            for a in args[1:]:
                total = _map(lambda x, y: x + y, total, ev(a))
            return total
        if isinstance(node, n.Mul):
            scalars = [ev(a) for a in node.scalars]
            value: Any = None
            for a in node.matrices:
                value = ev(a) if value is None else matmul(value, ev(a))
            coeff = N.number(1)
            for s in scalars:
                coeff = coeff * s
            if value is None:
                return N.finite(coeff)
            return _map(lambda x: N.finite(coeff * x), value)
        if isinstance(node, n.Hadamard):
            value = ev(args[0])
            for a in args[1:]:
                value = _map(lambda x, y: x * y, value, ev(a))
            return value
        if isinstance(node, n.Power):
            return _map(N.power, ev(args[0]), ev(args[1]))
        if isinstance(node, n.Apply):
            values = [ev(a) for a in args]
            if node.fn == "atan2":
                return _map(N.atan2, *values)
            if node.fn in ("max", "min"):
                return _map(lambda a, b: N.call(node.fn, [a, b], self.branches), *values)
            return _map(lambda x: N.call(node.fn, [x], self.branches), *values)
        if isinstance(node, n.Undefined):
            raise Unevaluable(node.name)
        if isinstance(node, n.Transpose):
            return transpose(ev(args[0]))
        if isinstance(node, n.Inverse):
            return inverse(ev(args[0]), N)
        if isinstance(node, n.Det):
            return det(ev(args[0]), N)
        if isinstance(node, n.LogDet):
            value = det(ev(args[0]), N)
            if value <= 0:
                raise Invalid("logdet of a matrix whose determinant is not positive")
            return N.m.log(value)
        if isinstance(node, n.Trace):
            a = ev(args[0])
            return sum(a.at(i, i) for i in range(a.rows)) if isinstance(a, Arr) else a
        if isinstance(node, n.Diag):
            v = ev(args[0]).data
            size = len(v)
            zero = N.number(0)
            return Arr(size, size, [v[i] if i == j else zero for i in range(size) for j in range(size)])
        if isinstance(node, n.DiagPart):
            a = ev(args[0])
            return Arr(a.rows, 1, [a.at(i, i) for i in range(a.rows)])
        if isinstance(node, n.Sum):
            a = ev(args[0])
            return sum(a.data, N.number(0)) if isinstance(a, Arr) else a
        if isinstance(node, n.Norm):
            a = ev(args[0])
            data = a.data if isinstance(a, Arr) else [a]
            if node.p == 1:
                for x in data:
                    self.branches.append(x)
                return sum((abs(x) for x in data), N.number(0))
            return N.finite(N.m.sqrt(sum((x * x for x in data), N.number(0))))
        if isinstance(node, n.Softmax):
            z = ev(args[0]).data
            top = max(z)
            e = [N.m.exp(x - top) for x in z]
            s = sum(e, N.number(0))
            return Arr(len(z), 1, [x / s for x in e])
        if isinstance(node, n.Inner):
            a, b = ev(args[0]), ev(args[1])
            return sum((x * y for x, y in zip(a.data, b.data)), N.number(0))
        if isinstance(node, n.Kron):
            a, b = ev(args[0]), ev(args[1])
            a = a if isinstance(a, Arr) else Arr(1, 1, [a])
            b = b if isinstance(b, Arr) else Arr(1, 1, [b])
            rows, cols = a.rows * b.rows, a.cols * b.cols
            data = [
                a.at(i // b.rows, j // b.cols) * b.at(i % b.rows, j % b.cols) for i in range(rows) for j in range(cols)
            ]
            return Arr(rows, cols, data)
        if isinstance(node, n.Vec):
            a = ev(args[0])
            return Arr(a.rows * a.cols, 1, [a.at(i, j) for j in range(a.cols) for i in range(a.rows)])
        if isinstance(node, n.Cases):
            z = ev(args[0])
            self.branches.append(z)
            active = ev(args[1])
            return active if z > 0 else _map(lambda x: N.number(0), active)
        if isinstance(node, n.Stack):
            blocks = [ev(a) for a in args]
            blocks = [b if isinstance(b, Arr) else Arr(1, 1, [b]) for b in blocks]
            if node.axis == "rows":
                data = [x for b in blocks for x in b.data]
                value = Arr(sum(b.rows for b in blocks), blocks[0].cols, data)
            else:
                rows = blocks[0].rows
                data = [x for i in range(rows) for b in blocks for x in b.data[i * b.cols : (i + 1) * b.cols]]
                value = Arr(rows, sum(b.cols for b in blocks), data)
            return value.data[0] if value.rows == value.cols == 1 else value
        raise Unevaluable(type(node).__name__)


def flat(value: Any) -> list:
    """The entries of a value, row by row (a scalar is one entry)."""
    return list(value.data) if isinstance(value, Arr) else [value]
