"""The differential of a matrix expression, by the rules of matrix calculus.

``differential(f, x)`` is the expression ``df``, linear in the leaf ``dx`` (a
:class:`~mdjacobian.calculus.nodes.Differential`), built rule by rule: the product rule
d(AB) = dA B + A dB, d(Aᵀ) = (dA)ᵀ, d(A⁻¹) = −A⁻¹ dA A⁻¹, d det A = det A tr(A⁻¹ dA),
d(f(A)) = f′(A) ⊙ dA for an element-wise f, d softmax(z) = (diag(s) − s sᵀ) dz, and so on.
:mod:`mdjacobian.calculus.extract` then reads the derivative off ``df``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from . import algebra as al
from .operators import operator
from .nodes import (
    LEAVES,
    ONE,
    Add,
    Apply,
    Cases,
    Det,
    Diag,
    DiagPart,
    Differential,
    Entry,
    Hadamard,
    Inner,
    Inverse,
    Kron,
    LogDet,
    Mul,
    Node,
    Norm,
    Ones,
    Op,
    Power,
    Softmax,
    Stack,
    Sum,
    Trace,
    Transpose,
    Undefined,
    Var,
    Vec,
)


class NoMatrixForm(Exception):
    """The expression has no derivative in matrix notation here (entries by index, abstract functions)."""


def _partials(fn: str, args: tuple[Node, ...]) -> list[Node | None]:
    """∂fn/∂arg for each argument of an element-wise function, None where the argument is constant."""
    x = args[0]
    one = al.ones(x.shape)
    square = lambda a: al.power(a, al.number(2))  # noqa: E731
    if fn in ("max", "min"):
        a, b = args
        first, second = (al.sub(a, b), al.sub(b, a)) if fn == "max" else (al.sub(b, a), al.sub(a, b))
        return [al.apply("step", first), al.apply("step", second)]
    if fn == "atan2":
        y, x2 = args
        r2 = al.add(square(y), square(x2))
        return [al.divide(x2, r2), al.neg(al.divide(y, r2))]
    table: dict[str, Callable[[], Node]] = {
        "sin": lambda: al.apply("cos", x),
        "cos": lambda: al.neg(al.apply("sin", x)),
        "tan": lambda: al.add(one, square(al.apply("tan", x))),
        "cot": lambda: al.neg(al.add(one, square(al.apply("cot", x)))),
        "sec": lambda: al.hadamard(al.apply("sec", x), al.apply("tan", x)),
        "csc": lambda: al.neg(al.hadamard(al.apply("csc", x), al.apply("cot", x))),
        "asin": lambda: al.power(al.sub(one, square(x)), al.number(al.Fraction(-1, 2))),
        "acos": lambda: al.neg(al.power(al.sub(one, square(x)), al.number(al.Fraction(-1, 2)))),
        "atan": lambda: al.power(al.add(one, square(x)), al.MINUS_ONE),
        "sinh": lambda: al.apply("cosh", x),
        "cosh": lambda: al.apply("sinh", x),
        "tanh": lambda: al.sub(one, square(al.apply("tanh", x))),
        "exp": lambda: al.apply("exp", x),
        "log": lambda: al.power(x, al.MINUS_ONE),
        "sqrt": lambda: al.mul(al.HALF, al.power(al.apply("sqrt", x), al.MINUS_ONE)),
        "abs": lambda: al.apply("sign", x),
        "sign": lambda: al.zero(x.shape),
        "step": lambda: al.zero(x.shape),
        "sigmoid": lambda: al.hadamard(al.apply("sigmoid", x), al.sub(one, al.apply("sigmoid", x))),
    }
    return [table[fn]()]


def _minus_row_means(s: Node, dz: Node) -> Node:
    """dZ − ((S ⊙ dZ) 𝟏) 𝟏ᵀ: each row of dZ less its mean weighted by the same row of S."""
    ones = Ones((s.cols, ONE))
    weighted = al.mul(al.hadamard(s, dz), ones)
    return al.sub(dz, al.mul(weighted, al.transpose(ones)))


def _inner_product(a: Node, b: Node) -> Node:
    """⟨a, b⟩ written as the product it is: aᵀb for vectors, tr(aᵀb) for matrices."""
    if a.is_scalar:
        return al.mul(a, b)
    if a.cols.is_one:
        return al.mul(al.transpose(a), b)
    return al.trace(al.mul(al.transpose(a), b))


class Differentiator:
    """Differentials with respect to one variable; definitions are followed into (chain rule)."""

    def __init__(self, name: str, shape, definitions: Mapping[str, Node] | None = None) -> None:
        self.name = name
        self.dx = Differential(name, shape)
        self.definitions = definitions or {}
        self.memo: dict[Node, Node] = {}

    def __call__(self, node: Node) -> Node:
        if node in self.memo:
            return self.memo[node]
        result = self._rule(node)
        self.memo[node] = result
        return result

    def _rule(self, node: Node) -> Node:
        d = self
        if isinstance(node, Var):
            if node.name == self.name:
                return self.dx
            if node.name in self.definitions:
                return d(self.definitions[node.name])
            return al.zero(node.shape)
        if isinstance(node, Entry):
            if node.name in self.definitions and node.name != self.name:
                whole = d(self.definitions[node.name])
                if al.is_zero(whole):
                    return al.Number(0)
                if isinstance(whole, Stack) and whole.axis == "rows":
                    return whole.args[node.data[1] - 1]
            if node.name == self.name or node.name in self.definitions:
                raise NoMatrixForm(f"{node.written} is an entry by index")
            return al.Number(0)
        if isinstance(node, LEAVES):
            return al.zero(node.shape)
        if isinstance(node, Undefined):
            if any(not al.is_zero(d(a)) for a in node.args):
                raise NoMatrixForm(f"{node.name}() is an abstract function")
            return al.Number(0)
        if isinstance(node, Add):
            return al.add(*(d(t) for t in node.args))
        if isinstance(node, Mul):
            terms = []
            for i, factor in enumerate(node.args):
                df = d(factor)
                if not al.is_zero(df):
                    terms.append(al.mul(*node.args[:i], df, *node.args[i + 1 :]))
            return al.add(*terms) if terms else al.zero(node.shape)
        if isinstance(node, Hadamard):
            terms = []
            for i, factor in enumerate(node.args):
                df = d(factor)
                if not al.is_zero(df):
                    terms.append(al.hadamard(*node.args[:i], df, *node.args[i + 1 :]))
            return al.add(*terms) if terms else al.zero(node.shape)
        if isinstance(node, Power):
            return self._power(node)
        if isinstance(node, Apply):
            return self._apply(node)
        if isinstance(node, Transpose):
            return al.transpose(d(node.args[0]))
        if isinstance(node, Inverse):
            (a,) = node.args
            return al.neg(al.mul(node, d(a), node))
        if isinstance(node, Det):
            (a,) = node.args
            return al.mul(node, al.trace(al.mul(al.inverse(a), d(a))))
        if isinstance(node, LogDet):
            (a,) = node.args
            return al.trace(al.mul(al.inverse(a), d(a)))
        if isinstance(node, Trace):
            return al.trace(d(node.args[0]))
        if isinstance(node, Diag):
            return al.diag(d(node.args[0]))
        if isinstance(node, DiagPart):
            return al.diag_part(d(node.args[0]))
        if isinstance(node, Sum):
            return al.total(d(node.args[0]))
        if isinstance(node, Vec):
            return al.vec(d(node.args[0]))
        if isinstance(node, Norm):
            return self._norm(node, al.MINUS_ONE)
        if isinstance(node, Softmax):
            (z,) = node.args
            if z.is_matrix:  # row by row: dS = S ⊙ (dZ − ((S ⊙ dZ) 𝟏) 𝟏ᵀ)
                dz = d(z)
                return al.hadamard(node, _minus_row_means(node, dz)) if not al.is_zero(dz) else al.zero(node.shape)
            jacobian = al.sub(al.diag(node), al.mul(node, al.transpose(node)))
            return al.mul(jacobian, d(z))
        if isinstance(node, Inner):
            a, b = node.args
            return al.add(al.mul(al.transpose(d(a)), b), al.mul(al.transpose(a), d(b)))
        if isinstance(node, Kron):
            a, b = node.args
            return al.add(al.kron(d(a), b), al.kron(a, d(b)))
        if isinstance(node, Stack):
            return al.stack([d(a) for a in node.args], node.axis)
        if isinstance(node, Cases):
            return al.cases(node.condition, d(node.active))
        if isinstance(node, Op):
            return operator(node).differential(node, d)
        raise NoMatrixForm(f"no rule for {type(node).__name__}")

    def _norm(self, node: Norm, exponent: Node) -> Node:
        """d‖a‖ᵏ: k ‖a‖ᵏ⁻² ⟨a, da⟩ for the 2-norm (k = 1 for ‖a‖ itself), sign(a)ᵀ da for the 1-norm."""
        (a,) = node.args
        da = self(a)
        if al.is_zero(da):
            return al.Number(0)
        if node.p == 1:
            return _inner_product(al.apply("sign", a), da)
        k = al.add(exponent, al.number(2))  # exponent is k − 2
        scale = al.mul(k, al.power(node, exponent)) if not al.is_number(exponent, 0) else k
        return al.mul(scale, _inner_product(a, da))

    def _power(self, node: Power) -> Node:
        base, exponent = node.base, node.exponent
        db, de = self(base), self(exponent)
        if al.is_zero(de):
            if al.is_zero(db):
                return al.zero(node.shape)
            if isinstance(base, Norm) and base.p == 2 and node.is_scalar:
                return self._norm(base, al.sub(exponent, al.number(2)))
            factor = al.mul(exponent, al.power(base, al.sub(exponent, al.ONE_N)))
            return al.hadamard(factor, db) if not node.is_scalar else al.mul(factor, db)
        if not node.is_scalar:
            raise NoMatrixForm("an exponent that varies, element by element")
        # d(b^e) = b^e (de log b + e db / b)
        log_b = al.apply("log", base)
        inside = al.add(al.mul(de, log_b), al.mul(exponent, db, al.power(base, al.MINUS_ONE)))
        return al.mul(node, inside)

    def _apply(self, node: Apply) -> Node:
        if node.fn == "log" and isinstance(node.args[0], Softmax):
            # d log softmax(z) = (I − 𝟏 softmax(z)ᵀ) dz; of a matrix, dZ − ((S ⊙ dZ) 𝟏) 𝟏ᵀ
            s = node.args[0]
            (z,) = s.args
            if z.is_matrix:
                dz = self(z)
                return _minus_row_means(s, dz) if not al.is_zero(dz) else al.zero(node.shape)
            jacobian = al.sub(al.identity(z.rows), al.mul(Ones(z.shape), al.transpose(s)))
            return al.mul(jacobian, self(z))
        terms = []
        expanded = tuple(a if a.shape == node.shape else al.mul(a, al.ones(node.shape)) for a in node.args)
        for arg, partial in zip(node.args, _partials(node.fn, expanded)):
            if partial is None:
                continue
            da = self(arg)
            if al.is_zero(da) or al.is_zero(partial):
                continue
            if arg.is_scalar and not node.is_scalar:
                partial_in = al.mul(da, partial)  # a scalar argument, expanded: max(z, x) by z
            elif node.is_scalar:
                partial_in = al.mul(partial, da)
            else:
                partial_in = al.hadamard(partial, da)
            terms.append(partial_in)
        return al.add(*terms) if terms else al.zero(node.shape)


def differential(node: Node, variable: Var, definitions: Mapping[str, Node] | None = None) -> Node:
    """d(node) with respect to ``variable``: linear in ``Differential(variable.name)``."""
    return Differentiator(variable.name, variable.shape, definitions)(node)
