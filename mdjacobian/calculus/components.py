"""Matrix expressions at concrete sizes, written out entry by entry as SymPy objects.

A vector ``x`` of size 3 becomes the symbols x1, x2, x3, a matrix ``W`` of size 2 × 3 the symbols
W11 … W23 (``W10_11`` where an index has two digits). Every symbol is real. SymPy evaluates as it
builds, so numbers are checked before SymPy may compute them: exp(k log n) is n^k to SymPy.

:func:`compile_sympy` turns a SymPy expression into a function of numbers for the proof, by walking
its tree; nothing is generated or executed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from . import nodes as n
from .guard import build
from .numeric import Invalid, Numbers, Unevaluable, constant
from .operators import operator

Value = Any  # a SymPy scalar or ImmutableMatrix


def symbol(name: str) -> sp.Symbol:
    """The block's symbol for ``name``: every variable is real, so |x| and max differentiate cleanly."""
    return sp.Symbol(name, real=True)


def entry_name(name: str, i: int, j: int | None = None) -> str:
    """x3 for a vector's third entry; W12 for a matrix, W10_11 when an index has two digits."""
    if j is None:
        return f"{name}{i}"
    return f"{name}{i}{j}" if i < 10 and j < 10 else f"{name}{i}_{j}"


def variable_value(name: str, rows: int, cols: int, symmetric: bool = False) -> Value:
    """The SymPy value of a variable of concrete size; a symmetric one has one symbol per pair (S12 = S21)."""
    if rows == cols == 1:
        return symbol(name)
    if cols == 1:
        return sp.ImmutableMatrix([symbol(entry_name(name, i)) for i in range(1, rows + 1)])
    if symmetric:
        return sp.ImmutableMatrix(rows, cols, lambda i, j: symbol(entry_name(name, min(i, j) + 1, max(i, j) + 1)))
    return sp.ImmutableMatrix(
        rows, cols, [symbol(entry_name(name, i, j)) for i in range(1, rows + 1) for j in range(1, cols + 1)]
    )


def _scalar_function(fn: str, digits: int) -> Callable[..., sp.Expr]:
    def exp(x: sp.Expr) -> sp.Expr:
        return build(sp.exp, [x], digits)

    table: dict[str, Callable[..., sp.Expr]] = {
        "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "cot": sp.cot, "sec": sp.sec, "csc": sp.csc,
        "asin": sp.asin, "acos": sp.acos, "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
        "exp": exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "sign": sp.sign,
        "step": lambda x: sp.Heaviside(x, 0), "sigmoid": lambda x: 1 / (1 + exp(-x)),
        "max": sp.Max, "min": sp.Min, "atan2": sp.atan2,
    }
    return table[fn]


def diff(expr: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    """∂expr/∂variable, with the block's conventions: a step is 0 at 0, and its spike counts as 0."""
    result = derivative(expr, variable) if isinstance(variable, sp.Symbol) else sp.diff(expr, variable)
    if result.has(sp.Heaviside):
        result = result.replace(sp.Heaviside, lambda z, *_: sp.Heaviside(z, 0))
    if result.has(sp.DiracDelta):
        result = result.replace(sp.DiracDelta, lambda *args: sp.Integer(0))
    return result


_GENERIC_RULE = sp.Function._eval_derivative


def derivative(expr: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    """``sp.diff(expr, variable)``, the same expression, built with less of SymPy's machinery.

    ``sp.diff`` wraps every node of the tree in a ``Derivative`` whose constructor checks and
    normalises its arguments before calling the node's own rule. For sums, products, powers and the
    functions that use SymPy's generic chain rule, this applies the very rules SymPy's classes
    define (a product by Leibniz's rule, as ``Mul`` does for a symbol) to the parts directly; any
    other node is handed to ``sp.diff`` whole. The results are equal as expressions, which
    ``tests/calculus/test_components.py`` checks on random trees.
    """
    memo: dict[sp.Basic, sp.Expr] = {}
    depends: dict[sp.Basic, bool] = {}

    def is_variable(e: sp.Basic) -> bool:
        # Equal, not only the same object: SymPy may hold an equal symbol made at another time.
        return e is variable or (e.is_Symbol and e == variable)

    def has(e: sp.Basic) -> bool:
        found = depends.get(e)
        if found is None:
            if is_variable(e):
                found = True
            elif e.is_Atom:
                found = False
            elif type(e) in (sp.Add, sp.Mul, sp.Pow) or _plain_function(e):
                found = any(has(a) for a in e.args)
            else:
                found = variable in e.free_symbols
            depends[e] = found
        return found

    def d(e: sp.Expr) -> sp.Expr:
        found = memo.get(e)
        if found is not None:
            return found
        kind = type(e)
        if not has(e):
            result: sp.Expr = sp.S.Zero
        elif is_variable(e):
            result = sp.S.One
        elif kind is sp.Add:
            result = sp.Add(*[d(a) for a in e.args])
        elif kind is sp.Mul:
            args = e.args
            result = sp.Add(*[sp.Mul(*args[:i], d(args[i]), *args[i + 1 :]) for i in range(len(args))])
        elif kind is sp.Pow:
            base, exponent = e.args
            result = e * (d(exponent) * sp.log(base) + d(base) * exponent / base)
        elif _plain_function(e):
            terms = []
            for i, a in enumerate(e.args, 1):
                da = d(a)
                if da.is_zero:
                    continue
                try:
                    df = e.fdiff(i)
                except sp.ArgumentIndexError:
                    df = sp.Function.fdiff(e, i)
                terms.append(df * da)
            result = sp.Add(*terms)
        else:
            result = sp.diff(e, variable)
        if kind is not sp.Derivative and result.has(sp.Derivative):
            result = sp.diff(e, variable)  # an unevaluated part: let SymPy put it in its canonical form
        memo[e] = result
        return result

    return d(expr)


def _plain_function(e: sp.Basic) -> bool:
    """A function whose derivative is SymPy's generic chain rule (sin, exp, log, …; not abs or max)."""
    return isinstance(e, sp.Function) and type(e)._eval_derivative is _GENERIC_RULE


def _elementwise(fn: Callable[..., sp.Expr], values: list[Value]) -> Value:
    arrays = [v for v in values if isinstance(v, sp.MatrixBase)]
    if not arrays:
        return fn(*values)
    rows, cols = arrays[0].shape
    entries = [fn(*[v[k] if isinstance(v, sp.MatrixBase) else v for v in values]) for k in range(rows * cols)]
    return sp.ImmutableMatrix(rows, cols, entries)


class Lowering:
    """Write matrix expressions out at the sizes ``sizes``."""

    def __init__(self, sizes: Mapping[str, int], definitions: Mapping[str, n.Node], digits: int = 1000) -> None:
        self.sizes = sizes
        self.definitions = definitions
        self.digits = digits
        self.memo: dict[n.Node, Value] = {}

    def __call__(self, node: n.Node) -> Value:
        if node not in self.memo:
            self.memo[node] = self._lower(node)
        return self.memo[node]

    def dims(self, node: n.Node) -> tuple[int, int]:
        return node.rows.at(self.sizes), node.cols.at(self.sizes)

    def _lower(self, node: n.Node) -> Value:  # noqa: C901 - one branch per node type
        lo = self
        if isinstance(node, n.Number):
            return sp.Rational(node.value.numerator, node.value.denominator)
        if isinstance(node, n.Var):
            if node.name in self.definitions:
                return lo(self.definitions[node.name])
            return variable_value(node.name, *self.dims(node), node.symmetric)
        if isinstance(node, n.Entry):
            name, i, j, matrix = node.data
            if name in self.definitions:
                return lo(self.definitions[name])[i - 1, j - 1]
            return symbol(entry_name(name, i, j) if matrix else entry_name(name, i))
        if isinstance(node, n.Constant):
            return sp.E if node.name == "e" else sp.pi
        if isinstance(node, n.SizeValue):
            return sp.Integer(node.dim.at(self.sizes))
        if isinstance(node, n.Identity):
            return sp.ImmutableMatrix(sp.eye(self.dims(node)[0]))
        if isinstance(node, n.Zero):
            return sp.ImmutableMatrix(sp.zeros(*self.dims(node)))
        if isinstance(node, n.Ones):
            return sp.ImmutableMatrix(sp.ones(*self.dims(node)))
        if isinstance(node, n.Commutation):
            m, k = (side.at(self.sizes) for side in node.sides)
            ones = {(j + k * i, i + m * j) for i in range(m) for j in range(k)}
            return sp.ImmutableMatrix(m * k, m * k, lambda r, c: 1 if (r, c) in ones else 0)
        if isinstance(node, n.Gradient):
            return lo(self.definitions[node.key])
        if isinstance(node, n.Differential):
            raise Unevaluable("a differential")
        args = [lo(a) for a in node.args]
        if isinstance(node, n.Add):
            total = args[0]
            for a in args[1:]:
                total = total + a
            return total
        if isinstance(node, n.Mul):
            value = sp.Integer(1)
            for a in args:
                value = value * a
            if isinstance(value, sp.MatrixBase):
                value = sp.ImmutableMatrix(value)
                if value.shape == (1, 1):
                    return value[0, 0]
            return value
        if isinstance(node, n.Hadamard):
            value = args[0]
            for a in args[1:]:
                value = _elementwise(lambda x, y: x * y, [value, a])
            return value
        if isinstance(node, n.Power):
            return _elementwise(lambda b, e: build(sp.Pow, [b, e], self.digits), args)
        if isinstance(node, n.Apply):
            return _elementwise(_scalar_function(node.fn, self.digits), args)
        if isinstance(node, n.Undefined):
            return sp.Function(node.name)(*args)
        (a, *rest) = args
        if isinstance(node, n.Transpose):
            return a.T if isinstance(a, sp.MatrixBase) else a
        if isinstance(node, n.Inverse):
            return _inverse(sp.Matrix(a))
        if isinstance(node, n.Det):
            return sp.Matrix(a).det(method="berkowitz")
        if isinstance(node, n.LogDet):
            return sp.log(sp.Matrix(a).det(method="berkowitz"))
        if isinstance(node, n.Trace):
            return a.trace()
        if isinstance(node, n.Diag):
            return sp.ImmutableMatrix(sp.diag(*list(a)))
        if isinstance(node, n.DiagPart):
            return sp.ImmutableMatrix([a[i, i] for i in range(a.rows)])
        if isinstance(node, n.Sum):
            return sp.Add(*list(a))
        if isinstance(node, n.Norm):
            if node.p == 1:
                return sp.Add(*[sp.Abs(e) for e in a])
            return sp.sqrt(sp.Add(*[e**2 for e in a]))
        if isinstance(node, n.Softmax):
            rows = [list(a)] if a.cols == 1 else [list(a.row(i)) for i in range(a.rows)]
            entries = []
            for row in rows:
                exps = [sp.exp(e) for e in row]
                total = sp.Add(*exps)
                entries.extend(e / total for e in exps)
            return sp.ImmutableMatrix(a.rows, a.cols, entries)
        if isinstance(node, n.Inner):
            return sp.Add(*[x * y for x, y in zip(a, rest[0])])
        if isinstance(node, n.Kron):
            b = rest[0]
            a = a if isinstance(a, sp.MatrixBase) else sp.ImmutableMatrix([[a]])
            b = b if isinstance(b, sp.MatrixBase) else sp.ImmutableMatrix([[b]])
            return sp.ImmutableMatrix(sp.kronecker_product(sp.Matrix(a), sp.Matrix(b)))
        if isinstance(node, n.Vec):
            return sp.ImmutableMatrix([a[i, j] for j in range(a.cols) for i in range(a.rows)])
        if isinstance(node, n.Op):
            return operator(node).lower(node, args)
        if isinstance(node, n.Cases):
            step = sp.Heaviside(a, 0)
            active = rest[0]
            return active.applyfunc(lambda e: e * step) if isinstance(active, sp.MatrixBase) else active * step
        if isinstance(node, n.Stack):
            blocks = [b if isinstance(b, sp.MatrixBase) else sp.ImmutableMatrix([[b]]) for b in args]
            joined = sp.Matrix.vstack(*blocks) if node.axis == "rows" else sp.Matrix.hstack(*blocks)
            joined = sp.ImmutableMatrix(joined)
            return joined[0, 0] if joined.shape == (1, 1) else joined
        raise Unevaluable(type(node).__name__)


def _inverse(a: sp.Matrix) -> sp.ImmutableMatrix:
    """A⁻¹ as adj(A) / det(A), each cofactor a determinant: no simplification, so it stays fast."""
    size = a.rows
    det = a.det(method="berkowitz")
    if size == 1:
        return sp.ImmutableMatrix([[1 / det]])
    cofactors = [
        [(-1) ** (i + j) * a.minor_submatrix(i, j).det(method="berkowitz") for j in range(size)] for i in range(size)
    ]
    return sp.ImmutableMatrix(size, size, lambda i, j: cofactors[j][i] / det)


def lower(node: n.Node, sizes: Mapping[str, int], definitions: Mapping[str, n.Node], digits: int = 1000) -> Value:
    """``node`` at the concrete ``sizes``, entry by entry."""
    return Lowering(sizes, definitions, digits)(node)


# -- numbers from SymPy expressions, for the proof ----------------------------------------------------

_SYMPY_FUNCTIONS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "cot": "cot", "sec": "sec", "csc": "csc",
    "asin": "asin", "acos": "acos", "atan": "atan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "exp": "exp", "log": "log", "Abs": "abs", "sign": "sign",
}


def compile_sympy(expr: sp.Basic) -> Callable[[Mapping[str, Any], Numbers, list], Any]:
    """A function computing ``expr`` from the values of its symbols (by name), in the given numbers."""
    if isinstance(expr, sp.Symbol):
        name = expr.name
        return lambda values, N, branches: values[name]
    if isinstance(expr, sp.Rational):
        p, q = int(expr.p), int(expr.q)
        from fractions import Fraction

        number = constant(Fraction(p, q))
        return lambda values, N, branches: number(N)
    if isinstance(expr, sp.Float):
        text = str(expr)
        return lambda values, N, branches: N.convert(float(text) if N.digits is None else text)
    if expr is sp.pi:
        return lambda values, N, branches: N.pi
    if expr is sp.E:
        return lambda values, N, branches: N.m.e if N.digits is None else N.ctx.e
    args = [compile_sympy(a) for a in expr.args]
    if isinstance(expr, sp.Add):
        def add(values, N, branches):  # noqa: ANN001, ANN202
            total = args[0](values, N, branches)
            for a in args[1:]:
                total = total + a(values, N, branches)
            return total
        return add
    if isinstance(expr, sp.Mul):
        def mul(values, N, branches):  # noqa: ANN001, ANN202
            total = args[0](values, N, branches)
            for a in args[1:]:
                total = total * a(values, N, branches)
            return N.finite(total)
        return mul
    if isinstance(expr, sp.Pow):
        base, exponent = args
        return lambda values, N, branches: N.power(base(values, N, branches), exponent(values, N, branches))
    if isinstance(expr, sp.Heaviside):
        inner = args[0]
        if len(expr.args) > 1 and expr.args[1] != 0:
            raise Unevaluable("Heaviside with another value at zero")
        return lambda values, N, branches: N.call("step", [inner(values, N, branches)], branches)
    if isinstance(expr, sp.DiracDelta):
        inner = args[0]

        def delta(values, N, branches):  # noqa: ANN001, ANN202
            if inner(values, N, branches) == 0:
                raise Invalid("a delta at its spike")
            return N.number(0)
        return delta
    if isinstance(expr, (sp.Max, sp.Min)):
        fn = "max" if isinstance(expr, sp.Max) else "min"

        def extremum(values, N, branches):  # noqa: ANN001, ANN202
            value = args[0](values, N, branches)
            for a in args[1:]:
                value = N.call(fn, [value, a(values, N, branches)], branches)
            return value
        return extremum
    if isinstance(expr, sp.atan2):
        y, x = args
        return lambda values, N, branches: N.atan2(y(values, N, branches), x(values, N, branches))
    name = type(expr).__name__
    if name in _SYMPY_FUNCTIONS and len(args) == 1:
        fn = _SYMPY_FUNCTIONS[name]
        inner = args[0]
        return lambda values, N, branches: N.call(fn, [inner(values, N, branches)], branches)
    raise Unevaluable(name)
