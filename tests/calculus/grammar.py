"""Random matrix expressions, written twice: as block text, and as the same function in SymPy.

The fuzzers (``test_fuzz*.py``) draw expressions of a shape from this grammar, give the text to the
block language and compare what it shows with SymPy's entry-by-entry derivative of the translation,
which is built here independently of the package. The grammar speaks the deep-learning vocabulary:
batches (an N × n matrix X meeting an n-vector by broadcasting), the identity I, size names as numbers
(1/N, sqrt(n)), element-wise powers, mean and var, softmax, log-softmax and logsumexp of vectors and of
each row of a matrix, matrix-valued expressions and a symmetric matrix S in Sym(n).

Every denominator is safe (exp(·), 1 + u ⊙ u), every logarithm's argument positive and every
inverse's matrix positive definite, so each function is defined everywhere; the values where
max(0, ·) or a norm sits at its kink are recorded, so that a point on one can be skipped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

import sympy as sp
from hypothesis import strategies as st

SIZE_NAMES = ("n", "m", "N")
DECLARE = "\n".join(
    [
        "x, w in R^n",
        "A in R^(n x n)",
        "S in Sym(n)",
        "W in R^(m x n)",
        "y in R^m",
        "X in R^(N x n)",
        "t in R^N",
        "c in R",
    ]
)
VARIABLES = ("x", "w", "A", "S", "W", "y", "X", "t", "c")
SHAPES = {"s": ("1", "1"), "n": ("n", "1"), "m": ("m", "1"), "N": ("N", "1"), "A": ("n", "n"), "M": ("m", "n"), "X": ("N", "n")}
"""Each shape by its sizes: a scalar, three vectors, and n × n, m × n and N × n matrices."""
VECTORS = ("n", "m", "N")
MATRICES = ("A", "M", "X")
DIAGONAL = "diag(M)"
"""Marks an expression that takes a matrix's diagonal (its derivative by the matrix is in index notation)."""


CARRIERS = {"size n": "x", "size m": "y", "size N": "t"}
"""A declared name of each size, for a block that uses the size as a number but no name of it."""


def declared(names: frozenset[str]) -> frozenset[str]:
    """The declared names a block needs: those it uses, and one of each size it uses as a number."""
    return frozenset(names & set(VARIABLES)) | {CARRIERS[s] for s in names if s in CARRIERS}


def declarations(sizes: Mapping[str, int] | None = None, names: frozenset[str] | None = None) -> str:
    """The declarations of ``names`` (all by default), at symbolic sizes, or with ``sizes`` written in
    as numbers (a concrete block)."""
    lines = []
    for line in DECLARE.splitlines():
        declared, _, space = line.partition(" in ")
        kept = [name for name in declared.split(", ") if names is None or name in names]
        if kept:
            lines.append(f"{', '.join(kept)} in {space}")
    text = "\n".join(lines)
    if not sizes:
        return text
    return re.sub(r"\b(n|m|N)\b", lambda m: str(sizes[m.group(1)]), text)


@dataclass(frozen=True)
class Env:
    """What a translation is built from: the declared names' SymPy values, the sizes, and the list
    that collects every value whose entries must not be zero (max(0, ·)'s arguments, norms')."""

    v: SimpleNamespace
    sizes: Mapping[str, int]
    kinks: list = field(default_factory=list)


@dataclass(frozen=True)
class Expr:
    """One expression: block text, its SymPy translation, its shape and the names it uses."""

    text: str
    build: Callable[[Env], sp.Expr | sp.Matrix]
    shape: str
    names: frozenset[str] = field(default_factory=frozenset)

    def __call__(self, env: Env) -> sp.Expr | sp.Matrix:
        return self.build(env)


def _names(*parts: Expr) -> frozenset[str]:
    return frozenset().union(*(p.names for p in parts))


def _map(fn: Callable[[sp.Expr], sp.Expr], value: sp.Expr | sp.Matrix) -> sp.Expr | sp.Matrix:
    return value.applyfunc(fn) if isinstance(value, sp.MatrixBase) else fn(value)


def sigmoid(t: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-t))


def softmax(z: sp.Matrix) -> sp.Matrix:
    """Of a vector, or of each row of a matrix."""
    e = z.applyfunc(sp.exp)
    if z.cols == 1:
        return e / sum(e)
    return sp.Matrix(z.rows, z.cols, lambda i, j: e[i, j] / sum(e.row(i)))


def logsumexp(z: sp.Matrix) -> sp.Expr | sp.Matrix:
    """Of a vector, a scalar; of a matrix, the column of its rows' values."""
    if z.cols == 1:
        return sp.log(sum(sp.exp(t) for t in z))
    return sp.Matrix([sp.log(sum(sp.exp(t) for t in z.row(i))) for i in range(z.rows)])


def logsoftmax(z: sp.Matrix) -> sp.Matrix:
    if z.cols == 1:
        return z - logsumexp(z) * sp.ones(z.rows, 1)
    lse = logsumexp(z)
    return sp.Matrix(z.rows, z.cols, lambda i, j: z[i, j] - lse[i])


def mean(a: sp.Matrix) -> sp.Expr:
    return sum(a) / len(a)


def variance(a: sp.Matrix) -> sp.Expr:
    mu = mean(a)
    return sum((t - mu) ** 2 for t in a) / len(a)


def relu(value: sp.Expr | sp.Matrix, kinks: list) -> sp.Expr | sp.Matrix:
    kinks.append(value)
    return _map(lambda t: sp.Max(0, t), value)


def norm(value: sp.Matrix, kinks: list) -> sp.Expr:
    kinks.append(value)
    return sp.sqrt(sum(t**2 for t in value))


def dot(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    return sum(p * q for p, q in zip(a, b))


def hadamard(a: sp.Expr | sp.Matrix, b: sp.Expr | sp.Matrix) -> sp.Expr | sp.Matrix:
    return a.multiply_elementwise(b) if isinstance(a, sp.MatrixBase) else a * b


def rows(u: sp.Matrix, count: int) -> sp.Matrix:
    """𝟏uᵀ: the vector u in each of ``count`` rows, as broadcasting reads X + u."""
    return sp.ones(count, 1) * u.T


ELEMENTWISE = {"sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh, "exp": sp.exp, "sigmoid": sigmoid}


def leaf(name: str, shape: str) -> Expr:
    return Expr(name, lambda e: getattr(e.v, name), shape, frozenset({name}))


def size_leaf(name: str) -> Expr:
    """A size name where a number is expected: 1/N, sqrt(n)."""
    return Expr(name, lambda e: sp.Integer(e.sizes[name]), "s", frozenset({f"size {name}"}))


LEAVES = {
    "s": [leaf("c", "s")],
    "n": [leaf("x", "n"), leaf("w", "n")],
    "m": [leaf("y", "m")],
    "N": [leaf("t", "N")],
    "A": [leaf("A", "A"), leaf("S", "A")],
    "M": [leaf("W", "M")],
    "X": [leaf("X", "X")],
}
NUMBERS = [Expr("2", lambda e: sp.Integer(2), "s"), Expr("0.5", lambda e: sp.Rational(1, 2), "s")]


@dataclass(frozen=True)
class Options:
    """What a drawn expression may use.

    ``scaled``: an array times a scalar that depends on the variables (a dot product, a norm, a trace).
    ``plain``: no inverses or log-determinants (one inside another is too large to write out in SymPy).
    ``sizes``: size names as numbers (only at symbolic sizes: a concrete block has no size names).
    ``extra``: leaves besides the declared names, such as the intermediates of a chain.
    """

    scaled: bool = True
    plain: bool = False
    sizes: bool = True
    extra: tuple[Expr, ...] = ()


@st.composite
def expressions(draw: st.DrawFn, shape: str, depth: int, options: Options = Options()) -> Expr:
    """An expression of ``shape``, at most ``depth`` operators deep."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        choices = LEAVES[shape] + [e for e in options.extra if e.shape == shape]
        if shape == "s":
            choices = choices + NUMBERS + ([size_leaf(s) for s in SIZE_NAMES] if options.sizes else [])
        return draw(st.sampled_from(choices))
    sub = functools.partial(_sub, depth=depth - 1, options=options)
    rules = RULES[shape]
    names = sorted(name for name in rules if not (options.plain and name in NESTED) and (options.sizes or name != "by size"))
    return rules[draw(st.sampled_from(names))](draw, sub, options)


def _sub(shape: str, depth: int, options: Options, plain: bool = False):  # noqa: ANN202
    if plain and not options.plain:
        options = Options(options.scaled, True, options.sizes, options.extra)
    return expressions(shape, depth, options)


# -- rules: each draws its parts and returns an Expr -------------------------------------------------------


def _binary(op: str, fn: Callable) -> Callable:
    def rule(draw, sub, options, shape):  # noqa: ANN001, ANN202
        a, b = draw(sub(shape)), draw(sub(shape))
        return Expr(f"({a.text}) {op} ({b.text})", lambda e: fn(a(e), b(e)), shape, _names(a, b))

    return rule


def _elementwise(draw, sub, options, shape):  # noqa: ANN001, ANN202
    name = draw(st.sampled_from(sorted(ELEMENTWISE)))
    a = draw(sub(shape))
    fn = ELEMENTWISE[name]
    return Expr(f"{name}({a.text})", lambda e: _map(fn, a(e)), shape, a.names)


def _relu_rule(draw, sub, options, shape):  # noqa: ANN001, ANN202
    a = draw(sub(shape))
    return Expr(f"max(0, {a.text})", lambda e: relu(a(e), e.kinks), shape, a.names)


def _safe_quotient(draw, sub, options, shape):  # noqa: ANN001, ANN202
    """a ⊘ exp(b) or a ⊘ (1 + b ⊙ b): a denominator that is never zero."""
    a, b = draw(sub(shape)), draw(sub(shape))
    divide, times = (" / ", " * ") if shape == "s" else (" ./ ", " .* ")
    if draw(st.booleans()):
        text = f"({a.text}){divide}exp({b.text})"
        build = lambda e: hadamard(a(e), _map(lambda t: sp.exp(-t), b(e)))  # noqa: E731
    else:
        text = f"({a.text}){divide}(1 + ({b.text}){times}({b.text}))"
        build = lambda e: hadamard(a(e), _map(lambda t: 1 / (1 + t**2), b(e)))  # noqa: E731
    return Expr(text, build, shape, _names(a, b))


def _log_positive(draw, sub, options, shape):  # noqa: ANN001, ANN202
    a = draw(sub(shape))
    joiner = ".*" if shape != "s" else "*"
    return Expr(f"log(1 + ({a.text}) {joiner} ({a.text}))", lambda e: _map(lambda t: sp.log(1 + t**2), a(e)), shape, a.names)


def _elementwise_power(draw, sub, options, shape):  # noqa: ANN001, ANN202
    """a.^2, a.^3, or a power of a positive base: (1 + a ⊙ a).^p for p = 0.5, -1, 1.5."""
    a = draw(sub(shape))
    caret = "^" if shape == "s" else ".^"
    times = "*" if shape == "s" else ".*"
    if draw(st.booleans()):
        p = draw(st.sampled_from([2, 3]))
        return Expr(f"({a.text}){caret}{p}", lambda e: _map(lambda t: t**p, a(e)), shape, a.names)
    text, p = draw(st.sampled_from([("0.5", sp.Rational(1, 2)), ("(-1)", sp.Integer(-1)), ("1.5", sp.Rational(3, 2))]))
    return Expr(f"(1 + ({a.text}) {times} ({a.text})){caret}{text}", lambda e: _map(lambda t: (1 + t**2) ** p, a(e)), shape, a.names)


def _scale(draw, sub, options, shape):  # noqa: ANN001, ANN202
    """A scalar times an array, or an array plus a scalar (scalar expansion)."""
    s = draw(expressions("s", 1, options)) if options.scaled else draw(st.sampled_from(LEAVES["s"] + NUMBERS))
    a = draw(sub(shape))
    if draw(st.booleans()):
        return Expr(f"({s.text}) * ({a.text})", lambda e: s(e) * a(e), shape, _names(s, a))
    ones = lambda value: sp.ones(*value.shape)  # noqa: E731
    return Expr(f"({a.text}) + ({s.text})", lambda e: a(e) + s(e) * ones(a(e)), shape, _names(s, a))


def _by_size(draw, sub, options, shape):  # noqa: ANN001, ANN202
    """An array divided by a size or by its square root: the mean-squared error's 1/N, attention's 1/sqrt(d)."""
    size = draw(st.sampled_from(SIZE_NAMES))
    a = draw(sub(shape))
    if draw(st.booleans()):
        return Expr(f"({a.text}) / {size}", lambda e: a(e) / e.sizes[size], shape, a.names | {f"size {size}"})
    return Expr(f"({a.text}) / sqrt({size})", lambda e: a(e) / sp.sqrt(e.sizes[size]), shape, a.names | {f"size {size}"})


def _product(left: str, right: str, out: str, transpose_left: bool = False) -> Callable:
    """A matrix (transposed or not) times a vector or a matrix, where the shapes chain."""

    def rule(draw, sub, options):  # noqa: ANN001, ANN202
        a, b = draw(sub(left)), draw(sub(right))
        if transpose_left:
            return Expr(f"(({a.text})^T) ({b.text})", lambda e: a(e).T * b(e), out, _names(a, b))
        return Expr(f"({a.text}) ({b.text})", lambda e: a(e) * b(e), out, _names(a, b))

    return rule


def _outer(left: str, right: str, out: str) -> Callable:
    def rule(draw, sub, options):  # noqa: ANN001, ANN202
        a, b = draw(sub(left)), draw(sub(right))
        return Expr(f"({a.text}) ({b.text})^T", lambda e: a(e) * b(e).T, out, _names(a, b))

    return rule


def _vector_rule(fn: Callable, text: str, out: str | None = None) -> Callable:
    """softmax, logsoftmax, logsumexp of a vector (out ``s`` for logsumexp) or of each row of a matrix."""

    def rule(draw, sub, options, shape):  # noqa: ANN001, ANN202
        source = {"N": "X"}.get(shape, shape) if out == "rows" else shape
        u = draw(sub(source))
        return Expr(f"{text}({u.text})", lambda e: fn(u(e)), shape if out != "s" else "s", u.names)

    return rule


def _broadcast(op: str) -> Callable:
    """An m × n or N × n matrix and an n-vector: the vector meets each row (X + u is X + 𝟏uᵀ)."""

    def rule(draw, sub, options, shape):  # noqa: ANN001, ANN202
        a, u = draw(sub(shape)), draw(sub("n"))
        if op == "+":
            build = lambda e: a(e) + rows(u(e), a(e).rows)  # noqa: E731
        elif op == "-":
            build = lambda e: a(e) - rows(u(e), a(e).rows)  # noqa: E731
        else:
            build = lambda e: a(e).multiply_elementwise(rows(u(e), a(e).rows))  # noqa: E731
        return Expr(f"({a.text}) {op} ({u.text})", build, shape, _names(a, u))

    return rule


def _diag_part(draw, sub, options):  # noqa: ANN001, ANN202
    m = draw(sub("A"))
    return Expr(f"diag({m.text})", lambda e: m(e).diagonal().T, "n", m.names | {DIAGONAL})


def _reduction(vector: str) -> Callable:
    def rule(draw, sub, options):  # noqa: ANN001, ANN202
        u = draw(sub(vector))
        how = draw(st.sampled_from(["sum", "dot", "norm", "norm2", "lse", "logsumexp", "mean", "var"]))
        if how == "sum":
            return Expr(f"sum({u.text})", lambda e: sum(u(e)), "s", u.names)
        if how == "dot":
            b = draw(sub(vector))
            return Expr(f"dot({u.text}, {b.text})", lambda e: dot(u(e), b(e)), "s", _names(u, b))
        if how == "norm":
            return Expr(f"norm({u.text})", lambda e: norm(u(e), e.kinks), "s", u.names)
        if how == "norm2":
            return Expr(f"norm({u.text})^2", lambda e: sum(t**2 for t in u(e)), "s", u.names)
        if how == "lse":
            return Expr(f"log(sum(exp({u.text})))", lambda e: logsumexp(u(e)), "s", u.names)
        if how == "logsumexp":
            return Expr(f"logsumexp({u.text})", lambda e: logsumexp(u(e)), "s", u.names)
        if how == "mean":
            return Expr(f"mean({u.text})", lambda e: mean(u(e)), "s", u.names)
        return Expr(f"var({u.text})", lambda e: variance(u(e)), "s", u.names)

    return rule


def _matrix_reduction(shape: str) -> Callable:
    def rule(draw, sub, options):  # noqa: ANN001, ANN202
        a = draw(sub(shape))
        how = draw(st.sampled_from(["sum", "norm2", "mean", "var", "inner"]))
        if how == "sum":
            return Expr(f"sum({a.text})", lambda e: sum(a(e)), "s", a.names)
        if how == "norm2":
            return Expr(f"norm({a.text})^2", lambda e: sum(t**2 for t in a(e)), "s", a.names)
        if how == "mean":
            return Expr(f"mean({a.text})", lambda e: mean(a(e)), "s", a.names)
        if how == "var":
            return Expr(f"var({a.text})", lambda e: variance(a(e)), "s", a.names)
        b = draw(sub(shape))
        return Expr(f"sum(({a.text}) .* ({b.text}))", lambda e: sum(a(e).multiply_elementwise(b(e))), "s", _names(a, b))

    return rule


def _quadratic(draw, sub, options):  # noqa: ANN001, ANN202
    m, u = draw(sub("A")), draw(sub("n"))
    return Expr(f"dot({u.text}, ({m.text}) ({u.text}))", lambda e: dot(u(e), m(e) * u(e)), "s", _names(m, u))


def _trace(draw, sub, options):  # noqa: ANN001, ANN202
    m = draw(sub("A"))
    return Expr(f"tr({m.text})", lambda e: m(e).trace(), "s", m.names)


def _logdet(draw, sub, options):  # noqa: ANN001, ANN202
    """log det(diag(exp(u)) + MᵀM): positive definite."""
    u, m = draw(sub("n", plain=True)), draw(sub("A", plain=True))

    def build(e: Env) -> sp.Expr:
        mm = m(e)
        return sp.log((sp.diag(*[sp.exp(t) for t in u(e)]) + mm.T * mm).det(method="berkowitz"))

    return Expr(f"logdet(diag(exp({u.text})) + (({m.text})^T) ({m.text}))", build, "s", _names(u, m))


def _transpose(draw, sub, options):  # noqa: ANN001, ANN202
    m = draw(sub("A"))
    return Expr(f"(({m.text})^T)", lambda e: m(e).T, "A", m.names)


def _diag(draw, sub, options):  # noqa: ANN001, ANN202
    u = draw(sub("n"))
    return Expr(f"diag({u.text})", lambda e: sp.diag(*u(e)), "A", u.names)


def _identity(draw, sub, options):  # noqa: ANN001, ANN202
    """A + s I (I sized by its neighbour), or I_n with its size written (at symbolic sizes)."""
    a, s = draw(sub("A")), draw(sub("s"))
    if draw(st.booleans()) or not options.sizes:
        return Expr(f"({a.text}) + ({s.text}) I", lambda e: a(e) + s(e) * sp.eye(e.sizes["n"]), "A", _names(a, s))
    return Expr(f"I_n - ({a.text})", lambda e: sp.eye(e.sizes["n"]) - a(e), "A", a.names | {"size n"})


def _gram(shape: str) -> Callable:
    def rule(draw, sub, options):  # noqa: ANN001, ANN202
        m = draw(sub(shape))
        return Expr(f"(({m.text})^T) ({m.text})", lambda e: m(e).T * m(e), "A", m.names)

    return rule


def _inverse(draw, sub, options):  # noqa: ANN001, ANN202
    """inv(diag(exp(u))) or inv(diag(1 + u ⊙ u) + MᵀM): well-conditioned at the points tried."""
    u = draw(sub("n", plain=True))
    if draw(st.booleans()):
        return Expr(f"inv(diag(exp({u.text})))", lambda e: sp.diag(*[sp.exp(-t) for t in u(e)]), "A", u.names)
    m = draw(sub("A", plain=True))

    def build(e: Env) -> sp.Matrix:
        mm = m(e)
        inside = sp.diag(*[1 + t**2 for t in u(e)]) + mm.T * mm
        return inside.adjugate(method="berkowitz") / inside.det(method="berkowitz")

    return Expr(f"inv(diag(1 + ({u.text}) .* ({u.text})) + (({m.text})^T) ({m.text}))", build, "A", _names(u, m))


def _for(shape: str, rule: Callable) -> Callable:
    return lambda draw, sub, options: rule(draw, sub, options, shape)


def _common(shape: str) -> dict[str, Callable]:
    """The rules every array shape has: sums, element-wise products and functions, scaling, powers."""
    return {
        "add": _for(shape, _binary("+", lambda a, b: a + b)),
        "sub": _for(shape, _binary("-", lambda a, b: a - b)),
        "hadamard": _for(shape, _binary(".*", hadamard)),
        "fn": _for(shape, _elementwise),
        "relu": _for(shape, _relu_rule),
        "quotient": _for(shape, _safe_quotient),
        "log": _for(shape, _log_positive),
        "scale": _for(shape, _scale),
        ".^": _for(shape, _elementwise_power),
        "by size": _for(shape, _by_size),
    }


NESTED = frozenset({"inv", "logdet"})
"""The rules a ``plain`` expression leaves out."""
RULES: dict[str, dict[str, Callable]] = {
    "s": {
        "add": _for("s", _binary("+", lambda a, b: a + b)),
        "sub": _for("s", _binary("-", lambda a, b: a - b)),
        "mul": _for("s", _binary("*", lambda a, b: a * b)),
        "fn": _for("s", _elementwise),
        "quotient": _for("s", _safe_quotient),
        "log": _for("s", _log_positive),
        "^": _for("s", _elementwise_power),
        "reduce n": _reduction("n"),
        "reduce m": _reduction("m"),
        "reduce N": _reduction("N"),
        "reduce A": _matrix_reduction("A"),
        "reduce M": _matrix_reduction("M"),
        "reduce X": _matrix_reduction("X"),
        "quadratic": _quadratic,
        "trace": _trace,
        "logdet": _logdet,
    },
    "n": {
        **_common("n"),
        "A u": _product("A", "n", "n"),
        "M^T u": _product("M", "m", "n", transpose_left=True),
        "X^T t": _product("X", "N", "n", transpose_left=True),
        "softmax": _for("n", _vector_rule(softmax, "softmax")),
        "logsoftmax": _for("n", _vector_rule(logsoftmax, "logsoftmax")),
        "diag(A)": _diag_part,
    },
    "m": {
        **_common("m"),
        "M u": _product("M", "n", "m"),
        "softmax": _for("m", _vector_rule(softmax, "softmax")),
        "logsoftmax": _for("m", _vector_rule(logsoftmax, "logsoftmax")),
    },
    "N": {
        **_common("N"),
        "X u": _product("X", "n", "N"),
        "softmax": _for("N", _vector_rule(softmax, "softmax")),
        "logsumexp(X)": _for("N", _vector_rule(logsumexp, "logsumexp", "rows")),
    },
    "A": {
        **_common("A"),
        "transpose": _transpose,
        "matmul": _product("A", "A", "A"),
        "diag": _diag,
        "gram M": _gram("M"),
        "gram X": _gram("X"),
        "identity": _identity,
        "inv": _inverse,
        "outer": _outer("n", "n", "A"),
    },
    "M": {
        **_common("M"),
        "M A": _product("M", "A", "M"),
        "outer": _outer("m", "n", "M"),
        "M + u": _for("M", _broadcast("+")),
        "M .* u": _for("M", _broadcast(".*")),
        "softmax": _for("M", _vector_rule(softmax, "softmax")),
    },
    "X": {
        **_common("X"),
        "X A": _product("X", "A", "X"),
        "outer": _outer("N", "n", "X"),
        "X + u": _for("X", _broadcast("+")),
        "X - u": _for("X", _broadcast("-")),
        "X .* u": _for("X", _broadcast(".*")),
        "softmax": _for("X", _vector_rule(softmax, "softmax")),
        "logsoftmax": _for("X", _vector_rule(logsoftmax, "logsoftmax")),
    },
}
