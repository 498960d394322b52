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
from .arrays import Arr, vector
from .operators import operator


class Invalid(Exception):
    """The expression has no real, finite value at this point."""


class Unevaluable(Exception):
    """The expression cannot be evaluated at all (an abstract function)."""


def constant(value: Fraction) -> Callable[[Numbers], Any]:
    """An exact constant in whichever numbers a call uses; its float is worked out once, when it has one
    (a constant too large for a float fails in floats only, when evaluated, as any overflow does)."""
    try:
        as_float: float | None = value.numerator / value.denominator
    except OverflowError:
        as_float = None
    return lambda N: as_float if N.digits is None and as_float is not None else N.number(value)


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
        self.e = self.convert(math.e) if digits is None else self.ctx.e

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


Closure = Callable[[Mapping[str, Any], Numbers, list, dict], Any]
"""A compiled expression: (values, numbers, branches, scratch) -> value. ``scratch`` holds the
definitions computed during one call; ``branches`` collects the kinks' arguments."""


def _arith(op: str) -> Callable[[Any, Any], Any]:
    return {
        "+": lambda a, b: a + b,
        "*": lambda a, b: a * b,
    }[op]


class Compiler:
    """Turns matrix expressions into closures at fixed sizes, once; each call then only computes.

    Nothing is generated or executed as code: each node becomes a Python closure over its
    children's closures.
    """

    def __init__(self, sizes: Mapping[str, int], definitions: Mapping[str, n.Node] | None = None) -> None:
        self.sizes = sizes
        self.definitions = definitions or {}
        self.cache: dict[n.Node, Closure] = {}

    def __call__(self, node: n.Node) -> Closure:
        fn = self.cache.get(node)
        if fn is None:
            fn = self._compile(node)
            self.cache[node] = fn
        return fn

    def _compile(self, node: n.Node) -> Closure:  # noqa: C901 - one branch per node type
        sizes = self.sizes
        if isinstance(node, n.Number):
            number = constant(node.value)
            return lambda V, N, B, S: number(N)
        if isinstance(node, n.Var):
            name = node.name
            if name in self.definitions:
                inner = self(self.definitions[name])

                def defined(V, N, B, S):  # noqa: ANN001, ANN202 - a definition is computed, whatever value the name had
                    if name not in S:
                        S[name] = inner(V, N, B, S)
                    return S[name]

                return defined
            return lambda V, N, B, S: V[name]
        if isinstance(node, n.Pending):
            return self(node.whole)
        if isinstance(node, n.Gradient):
            key = node.key
            inner = self(self.definitions[key])

            def gradient(V, N, B, S):  # noqa: ANN001, ANN202 - computed once per call, like a definition
                if key not in S:
                    S[key] = inner(V, N, B, S)
                return S[key]

            return gradient
        if isinstance(node, n.Entry):
            name, i, j, _ = node.data
            whole = self(n.Var(name)) if name in self.definitions else None
            if whole is not None:
                return lambda V, N, B, S: whole(V, N, B, S).at(i - 1, j - 1)
            return lambda V, N, B, S: V[name].at(i - 1, j - 1)
        if isinstance(node, n.Constant):
            if node.name == "e":
                return lambda V, N, B, S: N.e
            return lambda V, N, B, S: N.pi
        if isinstance(node, n.SizeValue):
            size = node.dim.at(sizes)
            return lambda V, N, B, S: N.number(size)
        if isinstance(node, n.Identity):
            size = node.rows.at(sizes)
            return lambda V, N, B, S: Arr(size, size, [N.number(1 if i == j else 0) for i in range(size) for j in range(size)])
        if isinstance(node, (n.Zero, n.Ones)):
            rows, cols = _shape(node, sizes)
            fill = 0 if isinstance(node, n.Zero) else 1
            return lambda V, N, B, S: Arr(rows, cols, [N.number(fill)] * (rows * cols))
        if isinstance(node, n.Commutation):
            m, k = (side.at(sizes) for side in node.sides)
            size = m * k
            # column i + m j of vec(A) is entry (i, j); vec(Aᵀ) holds it at j + k i
            ones = {(j + k * i, i + m * j) for i in range(m) for j in range(k)}
            return lambda V, N, B, S: Arr(size, size, [N.number(1 if (r, c) in ones else 0) for r in range(size) for c in range(size)])
        if isinstance(node, n.Differential):
            key = "d" + node.name
            return lambda V, N, B, S: V[key]
        args = [self(a) for a in node.args]
        if node.is_scalar and all(a.is_scalar for a in node.args):
            scalar = _scalar_closure(node, args)
            if scalar is not None:
                return scalar
        if isinstance(node, (n.Add, n.Hadamard)):
            op = _PLUS if isinstance(node, n.Add) else _TIMES  # entry by entry, either way

            def fold(V, N, B, S):  # noqa: ANN001, ANN202
                value = args[0](V, N, B, S)
                for a in args[1:]:
                    value = _map(op, value, a(V, N, B, S))
                return value
            return fold
        if isinstance(node, n.Mul):
            split = node.split
            scalars, matrices = args[:split], args[split:]

            def mul(V, N, B, S):  # noqa: ANN001, ANN202
                coeff = None
                for a in scalars:
                    x = a(V, N, B, S)
                    coeff = x if coeff is None else coeff * x
                value = None
                for a in matrices:
                    x = a(V, N, B, S)
                    value = x if value is None else matmul(value, x)
                if value is None:
                    return N.finite(coeff)
                if coeff is None:
                    return value
                return _map(lambda x: N.finite(coeff * x), value)
            return mul
        if isinstance(node, n.Power):
            base, exponent = args
            return lambda V, N, B, S: _map(N.power, base(V, N, B, S), exponent(V, N, B, S))
        if isinstance(node, n.Apply):
            fn = node.fn
            if fn == "atan2":
                return lambda V, N, B, S: _map(N.atan2, *[a(V, N, B, S) for a in args])
            if fn in ("max", "min"):
                return lambda V, N, B, S: _map(lambda a, b: N.call(fn, [a, b], B), *[a(V, N, B, S) for a in args])
            (only,) = args
            return lambda V, N, B, S: _map(lambda x: N.call(fn, [x], B), only(V, N, B, S))
        if isinstance(node, n.Undefined):
            raise Unevaluable(node.name)
        (a, *rest) = args
        if isinstance(node, n.Transpose):
            return lambda V, N, B, S: transpose(a(V, N, B, S))
        if isinstance(node, n.Inverse):
            return lambda V, N, B, S: inverse(a(V, N, B, S), N)
        if isinstance(node, n.Det):
            return lambda V, N, B, S: det(a(V, N, B, S), N)
        if isinstance(node, n.LogDet):
            def logdet(V, N, B, S):  # noqa: ANN001, ANN202
                value = det(a(V, N, B, S), N)
                if value <= 0:
                    raise Invalid("logdet of a matrix whose determinant is not positive")
                return N.m.log(value)
            return logdet
        if isinstance(node, n.Trace):
            def trace(V, N, B, S):  # noqa: ANN001, ANN202
                m = a(V, N, B, S)
                return sum(m.at(i, i) for i in range(m.rows)) if isinstance(m, Arr) else m
            return trace
        if isinstance(node, n.Diag):
            def diag(V, N, B, S):  # noqa: ANN001, ANN202
                v = a(V, N, B, S).data
                size = len(v)
                zero = N.number(0)
                return Arr(size, size, [v[i] if i == j else zero for i in range(size) for j in range(size)])
            return diag
        if isinstance(node, n.DiagPart):
            def diag_part(V, N, B, S):  # noqa: ANN001, ANN202
                m = a(V, N, B, S)
                return Arr(m.rows, 1, [m.at(i, i) for i in range(m.rows)])
            return diag_part
        if isinstance(node, n.Sum):
            def total(V, N, B, S):  # noqa: ANN001, ANN202
                m = a(V, N, B, S)
                return sum(m.data, N.number(0)) if isinstance(m, Arr) else m
            return total
        if isinstance(node, n.Norm):
            p = node.p

            def norm(V, N, B, S):  # noqa: ANN001, ANN202
                m = a(V, N, B, S)
                data = m.data if isinstance(m, Arr) else [m]
                if p == 1:
                    B.extend(data)
                    return sum((abs(x) for x in data), N.number(0))
                return N.finite(N.m.sqrt(sum((x * x for x in data), N.number(0))))
            return norm
        if isinstance(node, n.Softmax):
            def softmax(V, N, B, S):  # noqa: ANN001, ANN202 - of a column, or of each row of a matrix
                z = a(V, N, B, S)
                width = 1 if z.cols == 1 else z.cols
                rows = [z.data] if z.cols == 1 else [z.data[i * width : (i + 1) * width] for i in range(z.rows)]
                out = []
                for row in rows:
                    top = max(row)
                    e = [N.m.exp(x - top) for x in row]
                    total = sum(e, N.number(0))
                    out.extend(x / total for x in e)
                return Arr(z.rows, z.cols, out)
            return softmax
        if isinstance(node, n.Inner):
            (b,) = rest
            return lambda V, N, B, S: sum((x * y for x, y in zip(a(V, N, B, S).data, b(V, N, B, S).data)), N.number(0))
        if isinstance(node, n.Kron):
            (b,) = rest

            def kron(V, N, B, S):  # noqa: ANN001, ANN202
                x, y = a(V, N, B, S), b(V, N, B, S)
                x = x if isinstance(x, Arr) else Arr(1, 1, [x])
                y = y if isinstance(y, Arr) else Arr(1, 1, [y])
                rows, cols = x.rows * y.rows, x.cols * y.cols
                return Arr(rows, cols, [x.at(i // y.rows, j // y.cols) * y.at(i % y.rows, j % y.cols) for i in range(rows) for j in range(cols)])
            return kron
        if isinstance(node, n.Vec):
            def vec(V, N, B, S):  # noqa: ANN001, ANN202
                m = a(V, N, B, S)
                return Arr(m.rows * m.cols, 1, [m.at(i, j) for j in range(m.cols) for i in range(m.rows)])
            return vec
        if isinstance(node, n.Op):
            op = operator(node)
            return lambda V, N, B, S: op.evaluate(node, [f(V, N, B, S) for f in args], N)
        if isinstance(node, n.Cases):
            (active,) = rest

            def cases(V, N, B, S):  # noqa: ANN001, ANN202
                z = a(V, N, B, S)
                B.append(z)
                value = active(V, N, B, S)
                return value if z > 0 else _map(lambda x: N.number(0), value)
            return cases
        if isinstance(node, n.Stack):
            axis = node.axis

            def stack(V, N, B, S):  # noqa: ANN001, ANN202
                blocks = [f(V, N, B, S) for f in args]
                blocks = [x if isinstance(x, Arr) else Arr(1, 1, [x]) for x in blocks]
                if axis == "rows":
                    value = Arr(sum(x.rows for x in blocks), blocks[0].cols, [e for x in blocks for e in x.data])
                else:
                    rows = blocks[0].rows
                    data = [e for i in range(rows) for x in blocks for e in x.data[i * x.cols : (i + 1) * x.cols]]
                    value = Arr(rows, sum(x.cols for x in blocks), data)
                return value.data[0] if value.rows == value.cols == 1 else value
            return stack
        raise Unevaluable(type(node).__name__)


_PLUS = _arith("+")
_TIMES = _arith("*")


def _scalar_closure(node: n.Node, args: list[Closure]) -> Closure | None:
    """The closure of a node whose value and arguments are all scalars, without the entry-by-entry
    machinery matrices need; None for the nodes that have no such shortcut."""
    if isinstance(node, (n.Add, n.Hadamard)):
        plus = isinstance(node, n.Add)
        if len(args) == 2:
            first, second = args
            if plus:
                return lambda V, N, B, S: first(V, N, B, S) + second(V, N, B, S)
            return lambda V, N, B, S: first(V, N, B, S) * second(V, N, B, S)

        def fold(V, N, B, S):  # noqa: ANN001, ANN202
            value = args[0](V, N, B, S)
            for a in args[1:]:
                value = value + a(V, N, B, S) if plus else value * a(V, N, B, S)
            return value
        return fold
    if isinstance(node, n.Mul):
        def product(V, N, B, S):  # noqa: ANN001, ANN202
            value = args[0](V, N, B, S)
            for a in args[1:]:
                value = value * a(V, N, B, S)
            return N.finite(value)
        return product
    if isinstance(node, n.Power):
        base, exponent = args
        power = node.exponent.value if isinstance(node.exponent, n.Number) else None
        if power is not None and power.denominator == 1 and 0 < power.numerator <= 64:
            k = power.numerator  # a whole positive power is defined for every base

            def whole_power(V, N, B, S):  # noqa: ANN001, ANN202
                try:
                    return N.finite(base(V, N, B, S) ** k)
                except OverflowError as exc:
                    raise Invalid(str(exc)) from None
            return whole_power
        return lambda V, N, B, S: N.power(base(V, N, B, S), exponent(V, N, B, S))
    if isinstance(node, n.Apply) and len(args) == 1:
        fn = node.fn
        (only,) = args
        if fn in _EVERYWHERE:  # defined on the whole line: no domain to check first
            def smooth(V, N, B, S):  # noqa: ANN001, ANN202
                try:
                    return N.finite(getattr(N.m, fn)(only(V, N, B, S)))
                except (OverflowError, ValueError) as exc:
                    raise Invalid(str(exc)) from None
            return smooth
        return lambda V, N, B, S: N.call(fn, [only(V, N, B, S)], B)
    return None


_EVERYWHERE = frozenset({"sin", "cos", "atan", "sinh", "cosh", "tanh", "exp"})
"""Functions with a real value at every real number, which Numbers.call evaluates with no special case."""


class Evaluator:
    """Evaluate matrix expressions at one point: ``values`` maps each variable's name to its value."""

    def __init__(
        self,
        values: Mapping[str, Any],
        sizes: Mapping[str, int],
        definitions: Mapping[str, n.Node] | None = None,
        numbers: Numbers | None = None,
        compiler: Compiler | None = None,
    ) -> None:
        self.values = values
        self.numbers = numbers or Numbers()
        self.compiler = compiler or Compiler(sizes, definitions)
        self.branches: list = []
        self.scratch: dict = {}

    def __call__(self, node: n.Node) -> Any:
        return self.compiler(node)(self.values, self.numbers, self.branches, self.scratch)

    def signature(self) -> tuple[int, ...]:
        """Which side of its kink each kinked function was on (−1, 0 or 1)."""
        return tuple((b > 0) - (b < 0) for b in self.branches)


def flat(value: Any) -> list:
    """The entries of a value, row by row (a scalar is one entry)."""
    return list(value.data) if isinstance(value, Arr) else [value]
