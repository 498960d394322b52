"""Textbook forms: the shortest equal expression found for a derivative, in the notation a course uses.

The rules of differentiation leave results expanded term by term, such as (1 − y) σ xᵀ − y (1 − σ) xᵀ
for logistic regression. Here the terms that share their vectors and matrices are collected and
their scalar (or element-wise) coefficients simplified, with σ recognised in its exponential
spellings: (σ(wᵀx + b) − y) xᵀ. Scalars and element-wise expressions obey the algebra of numbers,
so that part is done by SymPy, exactly: every vector or matrix expression the algebra cannot see
into becomes an opaque symbol, SymPy's exact rewrites (expand, factor, cancel) are tried, and a
candidate is kept only where it is shorter. Every form is proven numerically afterwards in any case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction

import sympy as sp

from . import algebra as al
from .build import rebuild
from .extract import substitute
from .nodes import SCALAR, Add, Apply, Constant, Diag, Hadamard, Mul, Node, Number, Ones, Power, Shape, Sum, Var

_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "sqrt": sp.sqrt,
}
_BACK = {sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.exp: "exp", sp.log: "log", sp.sinh: "sinh",
         sp.cosh: "cosh", sp.tanh: "tanh"}
_MAX_OPS = 400
"""Expressions larger than this (in SymPy operations) are left as they are: the rewrites grow fast."""


class _Sigmoid(sp.Function):
    """σ, kept whole while SymPy rewrites the expression around it."""

    nargs = 1


def size(node: Node) -> int:
    """How long a form reads: the number of its parts as printed (a part used twice counts twice),
    a minus before a sum counted as two more. Computed once per distinct part, children first."""
    memo: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, ready = stack.pop()
        if id(current) in memo:
            continue
        if not ready:  # its parts first, then the part itself
            stack.append((current, True))
            stack.extend((a, False) for a in current.args if id(a) not in memo)
            continue
        own = 1
        if isinstance(current, Mul) and al.is_number(current.args[0], -1) and any(isinstance(a, Add) for a in current.args):
            own += 2
        memo[id(current)] = own + sum(memo[id(a)] for a in current.args)
    return memo[id(node)]


class _Translation:
    """Engine nodes of one shape to SymPy and back; any node the scalar algebra cannot see into is a symbol."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.atoms: dict[Node, sp.Symbol] = {}
        self.back: dict[sp.Symbol, Node] = {}

    def atom(self, node: Node) -> sp.Symbol:
        if node not in self.atoms:
            symbol = sp.Symbol(f"a{len(self.atoms)}", real=True)
            self.atoms[node] = symbol
            self.back[symbol] = node
        return self.atoms[node]

    def to(self, node: Node) -> sp.Expr:
        """``node`` (a scalar, or an array of this translation's shape read entry by entry) in SymPy."""
        if isinstance(node, Number):
            return sp.Rational(node.value.numerator, node.value.denominator)
        if isinstance(node, Ones) and node.shape == self.shape:
            return sp.Integer(1)
        if isinstance(node, Constant):
            return sp.E if node.name == "e" else sp.pi
        if node.is_scalar and self.shape != SCALAR:
            return self.atom(node)  # a scalar inside an element-wise expression stays whole
        same = node.is_scalar or node.shape == self.shape
        if isinstance(node, Add) and same:
            return sp.Add(*(self.to(a) for a in node.args))
        if isinstance(node, Hadamard) and node.shape == self.shape:
            return sp.Mul(*(self.to(a) for a in node.args))
        if isinstance(node, Mul) and same and all(a.is_scalar for a in node.args[:-1]):
            if node.is_scalar and node.matrices:
                return self.atom(node)  # xᵀy: a scalar made of vectors
            return sp.Mul(*(self.to(a) for a in node.args))
        if isinstance(node, Power) and same and node.exponent.is_scalar:
            return sp.Pow(self.to(node.base), self.to(node.exponent))
        if isinstance(node, Apply) and same and len(node.args) == 1 and node.args[0].shape == node.shape:
            inner = self.to(node.args[0])
            if node.fn == "sigmoid":
                return _Sigmoid(inner)
            if node.fn in _FUNCTIONS:
                return _FUNCTIONS[node.fn](inner)
        return self.atom(node)

    def back_to(self, expr: sp.Expr) -> Node:
        """A SymPy expression of this translation's atoms as an engine node of this shape."""
        node = self._back(expr)
        return _spread(node, self.shape) if node.is_scalar else node

    def _back(self, expr: sp.Expr) -> Node:
        shape = self.shape
        if expr in self.back:
            return self.back[expr]
        if expr.is_Rational:
            value = al.number(Fraction(int(expr.p), int(expr.q)))
            return value if shape == SCALAR else al.mul(value, al.ones(shape))
        if expr is sp.E:
            return _spread(Constant("e"), shape)
        if expr is sp.pi:
            return _spread(Constant("pi"), shape)
        if expr.is_Add:
            return al.add(*(self.back_to(a) for a in expr.args))
        if expr.is_Mul:
            factors = [self.back_to(a) for a in expr.args]
            return al.hadamard(*factors) if shape != SCALAR else al.mul(*factors)
        if expr.is_Pow:
            base, exponent = expr.args
            exponent_node = _scalar_back(self, exponent)
            if base is sp.E:
                return al.apply("exp", _scalar_back(self, exponent) if shape == SCALAR else self.back_to(exponent))
            return al.power(self.back_to(base), exponent_node)
        if isinstance(expr, _Sigmoid):
            return al.apply("sigmoid", self.back_to(expr.args[0]))
        if expr.func in _BACK:
            return al.apply(_BACK[expr.func], self.back_to(expr.args[0]))
        raise ValueError(f"no way back for {expr.func}")


def _spread(node: Node, shape: Shape) -> Node:
    return node if shape == SCALAR else al.mul(node, al.ones(shape))


def _scalar_back(translation: _Translation, expr: sp.Expr) -> Node:
    """An exponent, which is always a scalar, back from SymPy."""
    scalar = _Translation(SCALAR)
    scalar.atoms, scalar.back = translation.atoms, translation.back
    return scalar.back_to(expr)


def _sigmoid_spellings(expr: sp.Expr) -> list[sp.Expr]:
    """``expr`` with exp(c u), for whole numbers c, written through s = σ(u): exp(u) = s/(1 − s)."""
    out = []
    exps = sorted(expr.atoms(sp.exp), key=sp.default_sort_key)
    bases: dict[sp.Expr, None] = {}
    def split(argument: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        c, u = argument.as_content_primitive()  # −2 a − 2 b is 2 (−a − b)
        if u.is_Mul:
            k, u = u.as_coeff_Mul()
            c = c * k
        if u.could_extract_minus_sign():  # exp(−(a + b)) is exp(a + b) to the power −1
            c, u = -c, -u
        return c, u

    for e in exps:
        c, u = split(e.args[0])
        if c.is_Integer:
            bases.setdefault(u)
    for u in list(bases)[:4]:
        s = _Sigmoid(u)
        swap = {}
        for e in exps:
            c, v = split(e.args[0])
            if c.is_Integer and v == u:
                swap[e] = (s / (1 - s)) ** int(c)
        simplified = sp.factor(sp.cancel(expr.xreplace(swap)))
        out += [simplified, _sign_inside(simplified)]
    return out


def _candidates(expr: sp.Expr) -> list[sp.Expr]:
    """Exact rewrites of ``expr``, the original first."""
    found = [expr]
    if sp.count_ops(expr) > _MAX_OPS:
        return found
    expanded = _expand(expr)
    found += [expanded, sp.factor(expanded), sp.cancel(expr), sp.factor_terms(expanded)]
    if expr.has(sp.exp):
        found += _sigmoid_spellings(expanded)
    sigmoids = expr.atoms(_Sigmoid)
    if sigmoids:
        # σ(−u) = 1 − σ(u): write every σ with the sign its argument has most often
        flipped = expr.xreplace({s: 1 - _Sigmoid(-s.args[0]) for s in sigmoids if s.args[0].could_extract_minus_sign()})
        found += [_expand(flipped), sp.factor(_expand(flipped))]
    return found + [_sign_inside(c) for c in found]


def _expand(expr: sp.Expr) -> sp.Expr:
    """Products and powers of sums multiplied out; exp(a + b) and log(a b) left whole."""
    return sp.expand(expr, power_exp=False, power_base=False, log=False)


def _sign_inside(expr: sp.Expr) -> sp.Expr:
    """−s (s − 1) as s (1 − s): a leading minus taken into the product's one sum."""
    if not expr.is_Mul:
        return expr
    coeff, rest = expr.as_coeff_Mul()
    sums = [f for f in sp.Mul.make_args(rest) if f.is_Add]
    if coeff >= 0 or len(sums) != 1:
        return expr
    (total,) = sums
    others = [f for f in sp.Mul.make_args(rest) if f is not total]
    return sp.Mul(-coeff, *others, sp.Add(*(-t for t in total.args)), evaluate=False)


def shortest(node: Node) -> Node:
    """The shortest equal form of a scalar or element-wise expression found by exact rewrites."""
    translation = _Translation(node.shape)
    try:
        expr = translation.to(node)
    except (ValueError, TypeError):
        return node
    if not translation.back and expr.is_Atom:
        return node
    if not (expr.has(sp.Add) or expr.has(sp.exp) or expr.has(_Sigmoid)):
        return node  # a product of powers: SymPy has already written it in its shortest way
    best, best_size = node, size(node)
    for candidate in _candidates(expr)[1:]:
        try:
            built = translation.back_to(candidate)
        except (ValueError, TypeError, ZeroDivisionError):
            continue
        if built.shape != node.shape:
            continue
        if size(built) < best_size:
            best, best_size = built, size(built)
    return best


def _collect(node: Add) -> Node:
    """Terms that share their vectors and matrices, with their coefficients added and simplified:
    a xᵀ + b xᵀ = (a + b) xᵀ, diag(u) + diag(v) = diag(u + v)."""
    groups: dict[Node, list[Node]] = {}
    diagonal: list[Node] = []
    for term in node.args:
        scalar, rest = al.matrix_part(term)
        if isinstance(rest, Diag) and not node.is_scalar:
            diagonal.append(al.mul(scalar, rest.args[0]) if not al.is_number(scalar, 1) else rest.args[0])
            continue
        groups.setdefault(rest, []).append(scalar)
    if len(groups) + (1 if diagonal else 0) == len(node.args) and len(diagonal) < 2:
        return node
    terms = []
    for rest, scalars in groups.items():
        coefficient = shortest(al.add(*scalars)) if len(scalars) > 1 else scalars[0]
        terms.append(al.mul(coefficient, rest) if not al.is_number(rest, 1) else coefficient)
    if diagonal:
        terms.append(al.diag(shortest(al.add(*diagonal))))
    return al.add(*terms)


def _factored(node: Add) -> Node | None:
    """c a + c b as c (a + b): the scalar factor every term shares, taken out of the sum."""
    translation = _Translation(SCALAR)
    marks: list[tuple[sp.Symbol, Node]] = []
    coefficients = []
    for k, term in enumerate(node.args):
        scalar, rest = al.matrix_part(term)
        try:
            coefficients.append(translation.to(scalar))
        except (ValueError, TypeError):
            return None
        marks.append((sp.Dummy(f"t{k}"), rest))
    symbols = [mark for mark, _ in marks]
    expr = sp.factor_terms(sp.Add(*(c * mark for c, mark in zip(coefficients, symbols))))
    common, inner = expr.as_independent(*symbols, as_Add=False)
    if common == 1 or not inner.is_Add:
        return None
    terms = []
    for mark, rest in marks:
        coefficient = inner.coeff(mark)
        if coefficient == 0:
            return None
        try:
            terms.append(al.mul(translation.back_to(coefficient), rest))
        except (ValueError, TypeError, ZeroDivisionError):
            return None
    try:
        return al.mul(translation.back_to(common), al.add(*terms))
    except (ValueError, TypeError, ZeroDivisionError):
        return None


def _regrouped(node: Add) -> list[tuple[Node, bool]]:
    """A sum with its common scalar factor taken out; a sum of rows also as the transpose of one
    column, (c xᵀ + c yᵀ) = c (x + y)ᵀ, as a text writes a gradient's row (preferred where it takes
    a factor out and is no longer). Each with whether it is preferred on a tie."""
    out = [(f, False) for f in [_factored(node)] if f is not None]
    if node.is_row:
        column = al.add(*(al.transpose(t) for t in node.args))
        if isinstance(column, Add):
            factored = _factored(column)
            out.append((al.transpose(factored if factored is not None else column), factored is not None))
    return out


def in_names(node: Node, definitions: Mapping[str, Node]) -> Node:
    """``node`` with each intermediate's definition, where it appears whole, written as its name."""
    names = {d: Var(name, d.shape) for name, d in definitions.items() if d.args}
    return substitute(node, names) if names else node


def _unfold_sums(node: Node, definitions: Mapping[str, Node]) -> Node:
    """sum(u) with u's definition written out, where that is shorter: sum(x − mean(x) 𝟏) is 0."""
    memo: dict[int, Node] = {}

    def go(n: Node) -> Node:
        if not n.args:
            return n
        if id(n) not in memo:
            args = tuple(go(a) for a in n.args)
            out = n if all(a is b for a, b in zip(args, n.args)) else rebuild(n, args)
            if isinstance(out, Sum) and isinstance(out.args[0], Var) and out.args[0].name in definitions:
                unfolded = al.total(definitions[out.args[0].name])
                if size(unfolded) < size(out):
                    out = unfolded
            memo[id(n)] = out
        return memo[id(n)]

    return go(node)


def textbook(node: Node, definitions: Mapping[str, Node] | None = None) -> Node:
    """``node`` in the shortest equal form found, bottom up; in the block's names where ``definitions`` are given."""
    if definitions:
        node = _unfold_sums(in_names(node, definitions), definitions)
    memo: dict[tuple[Node, bool], Node] = {}

    def go(n: Node, inside: bool = False) -> Node:
        """``n`` tidied bottom up; ``inside`` an element-wise expression of its shape, whose own
        simplification will take ``n`` in, so that SymPy sees each whole expression once."""
        key = (n, inside)
        if key in memo:
            return memo[key]
        whole = _elementwise(n)
        args = tuple(go(a, whole and a.shape == n.shape) for a in n.args)
        out = n if not n.args else rebuild(n, args)
        if isinstance(out, Add):
            out = _collect(out)
        if isinstance(out, Add) and not out.is_scalar:
            for candidate, on_a_tie in _regrouped(out):
                if size(candidate) < size(out) or on_a_tie and size(candidate) == size(out):
                    out = candidate
        if not inside and _elementwise(out):
            simpler = shortest(out)
            out = simpler if size(simpler) < size(out) else out
        memo[key] = out
        return out

    result = go(node)
    return result if size(result) <= size(node) else node


def _elementwise(node: Node) -> bool:
    """A scalar expression, or an element-wise one over arrays of one shape, worth simplifying whole."""
    if node.is_scalar:
        return isinstance(node, (Add, Mul, Power, Apply)) and not (isinstance(node, Mul) and node.matrices)
    return isinstance(node, (Add, Hadamard, Power, Apply)) and any(
        isinstance(x, (Hadamard, Power, Apply)) and not x.is_scalar for x in node.walk()
    )


__all__ = ["shortest", "textbook"]
