"""The matrix calculus of a deep-learning course, each derivative proven against SymPy independently.

Every case is a block as a lecturer writes it (batches, matrix-valued layers, softmax over rows,
normalisation, attention, symmetric matrices, Hessians by a matrix) and the same function built here
in SymPy from the declared names' entries. The block's result, written out by ``Result.at_sizes`` at
random sizes (5 to 8, a different one per size name), must equal SymPy's entry-by-entry derivative
at random points; the block must be shown in matrix notation, proven, and never refused.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
import sympy as sp

from mdjacobian import BlockError, evaluate

from . import reference as ref


def ones(rows: int, cols: int = 1) -> sp.Matrix:
    return sp.ones(rows, cols)


def sq(m: sp.Matrix) -> sp.Expr:
    return sum(t**2 for t in m)


def rows_softmax(z: sp.Matrix) -> sp.Matrix:
    e = z.applyfunc(sp.exp)
    return sp.Matrix(z.rows, z.cols, lambda i, j: e[i, j] / sum(e.row(i)))


def rows_logsoftmax(z: sp.Matrix) -> sp.Matrix:
    return sp.Matrix(z.rows, z.cols, lambda i, j: z[i, j] - sp.log(sum(sp.exp(t) for t in z.row(i))))


def scalar(m: sp.Matrix) -> sp.Expr:
    (value,) = m
    return value


def mean(v: sp.Matrix) -> sp.Expr:
    return sum(v) / len(v)


@dataclass(frozen=True)
class Lecture:
    """A block of course notes and the function it differentiates, built from the entries in SymPy."""

    name: str
    block: str
    reference: Callable[[SimpleNamespace, Mapping[str, int]], sp.Expr | sp.Matrix]
    """The function from the declared names' values and the sizes (``1/N`` is a number)."""
    wrt: str
    domains: Mapping[str, ref.Domain] = field(default_factory=dict)
    sizes: Mapping[str, int] | None = None
    """Small distinct sizes where SymPy takes minutes at 5 (inverses, softmax over a T × T matrix); the
    proof itself runs at sizes of at least 5 in any case."""
    form: str | None = None
    """A piece of TeX the shown form must contain, where the course's notation is the point."""

    @property
    def order(self) -> int:
        return 2 if "derivative: hessian" in self.block else 1


L = Lecture
BATCH = "X in R^(N x k); W in R^(k x m); b in R^m; Y in R^(N x m)"

LECTURES = [
    # -- batches and broadcasting ---------------------------------------------------------------------
    L("a batch layer's squared error", f"{BATCH}; Z = X W + b; L = norm(Z - Y)^2 / N; wrt: W, b, X",
      lambda v, s: sq(v.X * v.W + ones(s["N"]) * v.b.T - v.Y) / s["N"], "W, b, X", form=r"\mathbf{1} \mathbf{b}^{\top}"),
    L("a batch layer by its bias, as a matrix", f"{BATCH}; Z = X W + b; wrt: b",
      lambda v, s: v.X * v.W + ones(s["N"]) * v.b.T, "b"),
    L("a batch layer by its weights, as a matrix", f"{BATCH}; Z = tanh(X W + b); wrt: W",
      lambda v, s: (v.X * v.W + ones(s["N"]) * v.b.T).applyfunc(sp.tanh), "W"),
    L("a row minus a vector, element-wise", "X in R^(N x k); mu, sigma in R^k; Z = (X - mu) ./ sigma; f = sum(Z .* Z); wrt: mu, sigma",
      lambda v, s: sq(sp.Matrix(v.X.rows, v.X.cols, lambda i, j: (v.X[i, j] - v.mu[j]) / v.sigma[j])), "mu, sigma",
      domains={"sigma": ref.positive}),
    # -- softmax over rows, cross-entropy over a batch -------------------------------------------------
    L("batch softmax cross-entropy", f"{BATCH}; L = -sum(Y .* logsoftmax(X W + b)) / N; wrt: W, b",
      lambda v, s: -sum(a * t for a, t in zip(v.Y, rows_logsoftmax(v.X * v.W + ones(s["N"]) * v.b.T))) / s["N"], "W, b"),
    L("softmax over rows", "Z in R^(N x C); S = softmax(Z); wrt: Z", lambda v, s: rows_softmax(v.Z), "Z"),
    L("log-softmax over rows", "Z in R^(N x C); S = logsoftmax(Z); wrt: Z", lambda v, s: rows_logsoftmax(v.Z), "Z"),
    L("logsumexp of a vector", "z in R^n; f = logsumexp(z); wrt: z", lambda v, s: sp.log(sum(sp.exp(t) for t in v.z)), "z",
      form=r"\operatorname{softmax}(\mathbf{z})^{\top}"),
    L("logsumexp of each row", "Z in R^(N x C); w in R^N; f = w^T logsumexp(Z); wrt: Z",
      lambda v, s: sum(v.w[i] * sp.log(sum(sp.exp(t) for t in v.Z.row(i))) for i in range(v.Z.rows)), "Z"),
    # -- attention -------------------------------------------------------------------------------------
    L("attention", "Q, K in R^(T x d); V, G in R^(T x e); O = softmax(Q K^T / sqrt(d)) V; L = sum(G .* O); wrt: Q, K, V",
      lambda v, s: sum(g * o for g, o in zip(v.G, rows_softmax(v.Q * v.K.T / sp.sqrt(s["d"])) * v.V)), "Q, K, V",
      sizes={"T": 3, "d": 2, "e": 4}),
    L("attention by a projection", "X in R^(T x p); Wq in R^(p x d); K in R^(T x d); V, G in R^(T x e); "
      "Q = X Wq; O = softmax(Q K^T / sqrt(d)) V; L = sum(G .* O); wrt: Wq",
      lambda v, s: sum(g * o for g, o in zip(v.G, rows_softmax(v.X * v.Wq * v.K.T / sp.sqrt(s["d"])) * v.V)), "Wq",
      sizes={"T": 3, "p": 4, "d": 2, "e": 5}),
    # -- normalisation ---------------------------------------------------------------------------------
    L("layer norm", "x, g, b in R^n; epsilon in R; u = x - mean(x); s = sqrt(mean(u.^2) + epsilon); y = g .* u / s + b; "
      "wrt: x, g, b",
      lambda v, s: sp.Matrix([gi * (xi - mean(v.x)) / sp.sqrt(mean((v.x - mean(v.x) * ones(len(v.x))).applyfunc(lambda t: t**2)) + v.epsilon) + bi
                              for gi, xi, bi in zip(v.g, v.x, v.b)]), "x, g, b", domains={"epsilon": ref.positive}),
    L("variance", "x in R^n; f = var(x); wrt: x", lambda v, s: mean((v.x - mean(v.x) * ones(len(v.x))).applyfunc(lambda t: t**2)), "x"),
    L("a unit vector", "x in R^n; f = x / norm(x); wrt: x", lambda v, s: v.x / sp.sqrt(sq(v.x)), "x"),
    L("the Rayleigh quotient", "x in R^n; A in R^(n x n); f = (x^T A x)/(x^T x); wrt: x",
      lambda v, s: scalar(v.x.T * v.A * v.x) / scalar(v.x.T * v.x), "x"),
    L("the mean squared error over a symbolic length", "y, t in R^n; f = sum((y - t).^2) / n; wrt: y",
      lambda v, s: sq(v.y - v.t) / s["n"], "y"),
    # -- recurrent step, ridge regression, Gaussians ---------------------------------------------------
    L("a recurrent step by its weights", "h0 in R^m; x in R^n; W in R^(m x m); U in R^(m x n); b in R^m; "
      "h = tanh(W h0 + U x + b); wrt: W",
      lambda v, s: (v.W * v.h0 + v.U * v.x + v.b).applyfunc(sp.tanh), "W"),
    L("ridge regression by its penalty", "X in R^(N x d); y in R^N; lambda in R; f = inv(X^T X + lambda I) X^T y; wrt: lambda",
      lambda v, s: (v.X.T * v.X + v.__dict__["lambda"] * sp.eye(v.X.cols)).inv(method="LU") * v.X.T * v.y, "lambda",
      domains={"lambda": ref.positive}, sizes={"N": 4, "d": 3}),
    L("a Gaussian's log-likelihood", "Sigma in Sym(n); x, mu in R^n; "
      "L = -logdet(Sigma)/2 - (x - mu)^T inv(Sigma) (x - mu)/2; wrt: Sigma, mu",
      lambda v, s: -sp.log(v.Sigma.det(method="berkowitz")) / 2 - scalar((v.x - v.mu).T * v.Sigma.inv(method="LU") * (v.x - v.mu)) / 2,
      "Sigma, mu", domains={"Sigma": ref.spd}, sizes={"n": 3}),
    L("a quadratic form by a symmetric matrix", "S in Sym(n); x in R^n; f = x^T S x + tr(S S); wrt: S",
      lambda v, s: scalar(v.x.T * v.S * v.x) + (v.S * v.S).trace(), "S"),
    # -- matrix-valued functions and Hessians by a matrix ----------------------------------------------
    L("a Gram matrix", "A in R^(m x n); F = A^T A; wrt: A", lambda v, s: v.A.T * v.A, "A"),
    L("an outer product by a vector", "W in R^(m x n); x in R^n; F = W x x^T; wrt: x", lambda v, s: v.W * v.x * v.x.T, "x"),
    L("a matrix by a scalar", "t in R; A in R^(m x n); F = exp(t A); wrt: t", lambda v, s: (v.t * v.A).applyfunc(sp.exp), "t"),
    L("the Hessian of least squares by a matrix", "W in R^(m x n); x in R^n; y in R^m; f = norm(W x - y)^2; wrt: W; derivative: hessian",
      lambda v, s: sq(v.W * v.x - v.y), "W", form=r"\otimes I_{m}"),
    L("the Hessian of a trace by a matrix", "A in R^(n x n); B in R^(n x n); f = tr(A B A); wrt: A; derivative: hessian",
      lambda v, s: (v.A * v.B * v.A).trace(), "A"),
    # -- the identity, e, element-wise powers --------------------------------------------------------------
    L("the identity with its size written", "x in R^n; A in R^(n x n); f = x^T (A + 2 I_n) x; wrt: x",
      lambda v, s: scalar(v.x.T * (v.A + 2 * sp.eye(len(v.x))) * v.x), "x"),
    L("e to a power", "x in R^n; f = sum(e .^ x) + e^(x^T x); wrt: x",
      lambda v, s: sum(sp.exp(t) for t in v.x) + sp.exp(scalar(v.x.T * v.x)), "x"),
    L("an element-wise power", "x in R^n; f = sum(x.^3); wrt: x", lambda v, s: sum(t**3 for t in v.x), "x"),
]


def prove(lecture: Lecture) -> None:
    rng = random.Random(lecture.name)
    block = lecture.block.replace("; ", "\n")
    names = ref.size_names(block)
    sizes = dict(lecture.sizes) if lecture.sizes else ref.pick_sizes(names, rng, choices=range(5, 5 + max(3, len(names))))
    result = evaluate(block)
    assert result.check.checked, str(result.check)
    assert result.check.sizes, "a symbolic block is proven at concrete sizes"
    assert all(p.form is not None for p in result.parts)
    space = ref.values_at(block, sizes)
    f = lecture.reference(space, sizes)
    variables = [getattr(space, name.strip()) for name in lecture.wrt.split(",")]
    if lecture.order == 2:
        want = ref.hessian(f, variables[0])
    else:
        kinds = [ref.kind(f, v) for v in variables]
        assert [p.kind for p in result.parts] == kinds
        want = ref.joined([ref.derivative(f, v) for v in variables], kinds, "numerator")
    got = result.at_sizes(**sizes)
    samples = [ref.point(space, rng, scale, lecture.domains) for scale in ref.SCALES]
    ref.assert_agree(got, want, samples)
    if lecture.form is not None:
        assert lecture.form in result.tex


@pytest.mark.parametrize("lecture", LECTURES, ids=[lecture.name for lecture in LECTURES])
def test_course_derivative_is_shown_in_matrix_notation_and_agrees_with_sympy(lecture):
    prove(lecture)


def test_every_lecture_has_its_own_name():
    assert len({lecture.name for lecture in LECTURES}) == len(LECTURES)


# -- reading the block as the author meant it -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("f(x, y) = 3xy", "'xy' is not a parameter of f(x, y); write x y for the product"),
        ("x, w in R^n\nf = xw + sum(x)", "'xw' is not a name of this block; write x w for the product"),
        ("f = I^2 R", "the size of I cannot be told from what is around it"),
        ("x in R^n\nf = x^T I_m x", "'I_m' would be the identity matrix of size m, but m is not a size of this block"),
        ("x in R^n\nf(x, n) = n sum(x)", "'n' is a size (line 1), so it cannot also be a variable"),
        ("A in R^(m x n)\nf = sum(A + I)", "'+' between the identity I and a m×n matrix, which is not square"),
        ("X in R^(N x k)\nc in R^N\nf = sum(X + c)", "a vector meets each row of a matrix when its length is the number of columns (k)"),
        ("S in Sym(n)\nf = S12", "entry of 'S', whose size is symbolic"),
        ("S in Sym(3)\nf = S21", "'S21' is 'S12': S is symmetric, so write its entries with i ≤ j"),
    ],
)
def test_a_misreading_is_an_error_naming_the_name(source, message):
    with pytest.raises(BlockError, match=__import__("re").escape(message)):
        evaluate(source)


def test_e_is_eulers_number_unless_the_block_makes_it_a_variable():
    assert evaluate("f(x) = e^x").tex == r"\frac{\partial f}{\partial x} = e^{x}"
    e, x = sp.symbols("e x", real=True)
    (derivative,) = evaluate("f(e, x) = e^x\nwrt: e").matrix
    assert sp.simplify(derivative - x * e ** (x - 1)) == 0


def test_i_is_a_scalar_where_the_block_makes_it_one():
    result = evaluate("f(I, R) = I^2 R")
    assert result.matrix.shape == (1, 2)


def test_constants_are_named_in_the_caption():
    result = evaluate("f(x) = a x^2 + b")
    assert result.caption.endswith("constants: a, b")
    assert "constant" not in evaluate("x in R^n\nf = sum(x)").caption


def test_a_size_is_a_number_where_a_scalar_is_expected():
    result = evaluate("x in R^n\nf = sum(x) / n")
    assert result.at_sizes(n=5) == sp.ImmutableMatrix([[sp.Rational(1, 5)] * 5])


def test_a_symmetric_matrix_at_a_concrete_size_has_one_entry_per_pair():
    result = evaluate("S in Sym(2)\nf = S11 S22 - S12^2")
    s11, s12, s22 = sp.symbols("S11 S12 S22", real=True)
    # ∂f/∂S12 = −2 S12 counts both S12 and S21: the symmetric gradient holds half of it off the diagonal.
    assert result.parts[0].components == sp.ImmutableMatrix([[s22, -s12], [-s12, s11]])
    assert "symmetric gradient" in result.caption
