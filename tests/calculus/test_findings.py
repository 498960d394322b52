"""Blocks the fuzzers found refused, failing inside the engine or printed in notation that does not
type-check; each is proven now, and compared with SymPy's derivative built here from the entries.

Chains are compared factor by factor: the factors' forms written out at concrete sizes, multiplied,
with each intermediate replaced by the value of its line, must equal SymPy's derivative of the
whole function.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import sympy as sp

from mdjacobian import BlockError, evaluate
from mdjacobian.calculus.components import Lowering
from mdjacobian.render.equations import displays
from mdjacobian.render.tex import TexPrinter
from mdjacobian.calculus import nodes as n

from . import reference as ref


def scalar(m: sp.Matrix) -> sp.Expr:
    (value,) = m
    return value


def agrees(block: str, function: Callable[[SimpleNamespace], sp.Expr | sp.Matrix], wrt: str, sizes: dict[str, int] | None = None):
    """The block is shown and proven, and its result equals SymPy's derivative at random points."""
    block = block.replace("; ", "\n")
    rng = random.Random(block)
    sizes = sizes if sizes is not None else ref.pick_sizes(ref.size_names(block), rng)
    result = evaluate(block)
    assert result.check.checked, str(result.check)
    space = ref.values_at(block, sizes)
    f = function(space)
    want = ref.expected(f, [getattr(space, wrt)])
    got = result.at_sizes(**{k: v for k, v in sizes.items() if k in result.block.sizes}) if result.form else result.matrix
    ref.assert_agree(got, want, [ref.point(space, rng, scale) for scale in ref.SCALES])
    return result


def chain_product(result, sizes: dict[str, int]) -> sp.Matrix:
    """The chain's factors as the page shows them, written out at ``sizes`` and multiplied, each
    intermediate replaced by its line's value: what the chain equation claims equals the derivative."""
    definitions = result.derivation.model.definitions
    lowering = Lowering(sizes, definitions)
    total = None
    for term in result.chain.terms:
        value = sp.Integer(1)
        for factor in term:
            assert factor.form is not None, f"∂{factor.top}/∂{factor.bottom} has no form"
            written = lowering(factor.form)
            value = value * (written if isinstance(written, sp.MatrixBase) else sp.ImmutableMatrix([[written]]))
        total = value if total is None else total + value
    return sp.ImmutableMatrix(total)


def one_line(result) -> str:  # noqa: ANN001
    """The result's first display as one line of TeX, as it reads before a page breaks it."""
    return displays(result.derivation)[0].tex()


def vec_row(m: sp.Matrix) -> sp.Matrix:
    return sp.Matrix([ref.vec(m)])


# -- internal errors and wrong refusals -----------------------------------------------------------------


def test_a_function_of_a_zero_vector_of_symbolic_size_is_derived():
    """sigmoid(v − v) is a constant of symbolic size: it failed with KeyError 'm' while being checked."""
    result = agrees("v in R^m; f = sigmoid(v - v)", lambda v: (v.v - v.v).applyfunc(lambda t: 1 / (1 + sp.exp(-t))), "v")
    assert result.form == "0"


def test_an_undefined_constant_vector_names_its_entry():
    with pytest.raises(BlockError, match=re.escape("log(0) has no finite value")):
        evaluate("x in R^n\nf = sum(log(x - x))")


def test_a_dot_product_written_as_a_product_scales_a_vector():
    """(yᵀx) w by w was refused with a ShapeError while dot(y, x) w was shown."""
    result = agrees("x, y in R^2; w in R^2; f = (y^T x) w; wrt: w", lambda v: scalar(v.y.T * v.x) * v.w, "w")
    assert result.form == r"(\mathbf{y}^{\top} \mathbf{x}) I"


@pytest.mark.parametrize("size", ["4", "N"])
def test_a_column_times_a_scalar_product_is_derived(size):
    """p = t xᵀ s: the differential dt (xᵀ s) was multiplied as dt, xᵀ, s, I in a row, and a chain
    through it failed with 'cannot multiply a 2 × 1 value by a 4 × 4 value', naming no line."""
    softmax = lambda w: w.applyfunc(sp.exp) / sum(w.applyfunc(sp.exp))  # noqa: E731
    p = lambda v: v.t * (v.x.T * softmax(v.w))  # noqa: E731
    block = f"x, w in R^2; t in R^{size}; p = t x^T softmax(w); f = sum(p .* p); wrt: t"
    sizes = {"N": 5} if size == "N" else {}
    agrees(block, lambda v: sum(e**2 for e in p(v)), "t", sizes)
    result = agrees(block + "; show: chain", lambda v: p(v).applyfunc(lambda e: e**2).T * sp.ones(len(v.t), 1), "t", sizes)
    assert result.chain is not None


@pytest.mark.parametrize("sizes", ["R^4; v in R^3; C in R^(3x3)", "R^n; v in R^m; C in R^(m x m)"])
def test_a_vector_minus_a_quadratic_form_is_derived_at_either_size(sizes):
    """x − vᵀCv by v was refused at a concrete size, where its components always exist."""
    agrees(f"x in {sizes}; f = x - v^T C v; wrt: v", lambda v: v.x - scalar(v.v.T * v.C * v.v) * sp.ones(len(v.x), 1), "v")


@pytest.mark.parametrize("size", ["n", "2"])
def test_a_chain_through_a_vector_and_straight_to_a_matrix(size):
    """z = B y; L = zᵀB z by B with show: chain: 'cannot add a n × n and a 1 × nn value'."""
    block = f"y in R^{size}; B in R^({size} x {size}); z = B y; L = z^T B z; wrt: B; show: chain"
    sizes = {"n": 5} if size == "n" else {}
    result = agrees(block, lambda v: scalar((v.B * v.y).T * v.B * (v.B * v.y)), "B", sizes)
    assert one_line(result).startswith(r"\frac{d L}{d \operatorname{vec}(B)} = \frac{\partial L}{\partial \operatorname{vec}(B)} + ")
    # the chain's product is written in the variables, as the block's result is with names: expand
    assert result.form == evaluate(block.replace("show: chain", "names: expand").replace("; ", "\n")).form
    space = ref.values_at(block.replace("; ", "\n"), sizes or {})
    rng = random.Random(0)
    want = vec_row(ref.derivative(scalar((space.B * space.y).T * space.B * (space.B * space.y)), space.B))
    ref.assert_agree(chain_product(result, sizes), want, [ref.point(space, rng, 1.0)])


MATRIX_CHAINS = [
    # (block, the function from the entries, wrt, sizes, a piece of the chain's TeX)
    ("W in R^(2x3); x in R^3; z = W x; L = sum(z .* z); wrt: W; show: chain",
     lambda v: sum(t**2 for t in v.W * v.x), "W", {}, r"\frac{\partial \mathbf{z}}{\partial \operatorname{vec}(W)}"),
    ("W in R^(m x n); u = sum(W); L = sin(u); wrt: W; show: chain",
     lambda v: sp.sin(sum(v.W)), "W", {"m": 5, "n": 6}, r"\frac{\partial u}{\partial \operatorname{vec}(W)}"),
    ("W in R^(m x n); U = W .* W; L = sum(U); wrt: W; show: chain",
     lambda v: sum(t**2 for t in v.W), "W", {"m": 5, "n": 6},
     r"\frac{\partial L}{\partial \operatorname{vec}(U)}\frac{\partial \operatorname{vec}(U)}{\partial \operatorname{vec}(W)}"),
    ("x in R^n; W in R^(m x n); u = W x; F = u x^T; wrt: x; show: chain",
     lambda v: v.W * v.x * v.x.T, "x", {"m": 5, "n": 6}, r"\frac{d \operatorname{vec}(F)}{d \mathbf{x}}"),
    ("t in R; A in R^(m x n); U = t A; F = exp(U); wrt: t; show: chain",
     lambda v: (v.t * v.A).applyfunc(sp.exp), "t", {"m": 5, "n": 6}, r"\frac{\partial \operatorname{vec}(U)}{\partial t}"),
    ("A in R^(m x n); U = 2 A; F = U^T U; wrt: A; show: chain",
     lambda v: 4 * v.A.T * v.A, "A", {"m": 5, "n": 6}, r"\frac{\partial \operatorname{vec}(F)}{\partial \operatorname{vec}(U)}"),
    ("X in R^(N x k); W in R^(k x m); b in R^m; Z = X W + b; L = sum(Z .* Z); wrt: W; show: chain",
     lambda v: sum(t**2 for t in v.X * v.W + sp.ones(v.X.rows, 1) * v.b.T), "W", {"N": 5, "k": 6, "m": 7},
     r"\frac{\partial L}{\partial \operatorname{vec}(Z)}"),
]


@pytest.mark.parametrize(("block", "function", "wrt", "sizes", "tex"), MATRIX_CHAINS, ids=[c[0] for c in MATRIX_CHAINS])
def test_a_chain_through_matrices_multiplies_under_the_vec_convention(block, function, wrt, sizes, tex):
    """Matrices in a chain (variable, intermediate or function) were refused, or failed the proof:
    each factor is now read under vec, so that the factors multiply."""
    result = agrees(block, function, wrt, sizes)
    assert tex in result.tex
    space = ref.values_at(block.replace("; ", "\n"), sizes)
    f, v = function(space), getattr(space, wrt)
    want = ref.derivative(f, v)
    if ref.kind(f, v) == "matrix":
        want = vec_row(want)
    elif ref.kind(f, v) == "derivative" and isinstance(f, sp.MatrixBase):
        want = sp.Matrix(ref.vec(want))
    ref.assert_agree(chain_product(result, sizes), want, [ref.point(space, random.Random(1), 1.0)])


# -- notation that type-checks ----------------------------------------------------------------------------


def test_a_matrix_of_ones_is_one_column_times_one_row():
    """∂sum(W)/∂W was printed 𝟏, which the notation table calls a column."""
    result = agrees("W in R^(m x n); f = sum(W); wrt: W", lambda v: sum(v.W), "W", {"m": 5, "n": 6})
    assert result.form == r"\mathbf{1} \mathbf{1}^{\top}"
    result = agrees("A in R^(n x n); f = sum(A A); wrt: A", lambda v: sum(v.A * v.A), "A", {"n": 5})
    assert result.form == r"\mathbf{1} \mathbf{1}^{\top} A^{\top} + A^{\top} \mathbf{1} \mathbf{1}^{\top}"


def test_ones_and_zeros_print_by_shape():
    m, k = n.Dim(1, ("m",)), n.Dim(1, ("k",))
    one, printer = n.ONE, TexPrinter()
    assert printer.doprint(n.Ones((m, one))) == r"\mathbf{1}"
    assert printer.doprint(n.Ones((one, m))) == r"\mathbf{1}^{\top}"
    assert printer.doprint(n.Ones((m, k))) == r"\mathbf{1} \mathbf{1}^{\top}"
    assert printer.doprint(n.Zero((m, one))) == r"\mathbf{0}"
    assert printer.doprint(n.Zero((m, k))) == "0"
    kron = n.Kron((n.Ones((m, k)), n.Identity(k)), (), (m * k, k * k))
    assert printer.doprint(kron) == r"(\mathbf{1}_{m} \mathbf{1}_{k}^{\top}) \otimes I_{k}"


def test_a_zero_matrix_result_is_0():
    result = agrees("A in R^(n x n); f = sum(A - A); wrt: A", lambda v: sum(v.A - v.A), "A", {"n": 5})
    assert result.form == "0"


def test_the_reciprocal_of_a_vector_stays_where_it_stands_in_a_product():
    """A fraction bar for w^∘−1 moved it before the matrix it followed: right only for a symmetric one."""
    a, w = n.Var("A", (n.Dim(1, ("n",)), n.Dim(1, ("n",)))), n.Var("w", (n.Dim(1, ("n",)), n.ONE))
    inverse = n.Power((w, n.Number(-1)), (), w.shape)
    assert TexPrinter().doprint(n.Mul((a, inverse), w.shape)) == r"A \mathbf{w}^{\circ -1}"
    result = agrees("W in R^(m x n); f = sum(1 ./ W); wrt: W", lambda v: sum(1 / t for t in v.W), "W", {"m": 5, "n": 6})
    assert result.form == r"-W^{\circ -2}"


def test_a_size_that_repeats_a_name_is_a_power():
    result = evaluate("A in R^(m x n)\nF = A^T A\nwrt: A")
    assert result.caption.startswith("n² × mn Jacobian under the vec convention")
    assert str(n.Dim(2, ("n", "m", "n"))) == "2mn²"


def test_a_matrix_function_of_a_vector_is_written_as_its_vec():
    result = agrees("W in R^(m x n); x in R^n; F = W + x^T; wrt: x", lambda v: v.W + sp.ones(v.W.rows, 1) * v.x.T, "x", {"m": 5, "n": 6})
    assert result.tex.startswith(r"\frac{\partial \operatorname{vec}(F)}{\partial \mathbf{x}} = I_{n} \otimes \mathbf{1}_{m}")
    assert "rows follow vec(F)" in result.caption


def test_a_total_derivative_through_another_intermediate_is_written_with_d():
    """h = sin(z) with z = u − v: ∂h/∂u with z held fixed is 0; the factor shown is dh/du."""
    block = "u, v in R^n; z = u - v; h = sin(z); L = dot(u, h); wrt: u; show: chain"
    result = agrees(block, lambda v: sum(a * sp.sin(a - b) for a, b in zip(v.u, v.v)), "u", {"n": 5})
    tex = one_line(result)
    assert r"\frac{\partial L}{\partial \mathbf{h}}\frac{d \mathbf{h}}{d \mathbf{u}}" in tex
    assert r"\frac{\partial \mathbf{h}}{\partial \mathbf{u}}" not in tex
    # a centred dot is the dot product: matrices in a term are juxtaposed
    assert r"\mathbf{u}^{\top} \operatorname{diag}(\cos(\mathbf{u} - \mathbf{v}))" in tex


@pytest.mark.parametrize(
    "block",
    [
        "w in R; a in R^n; z = (w - w); h = a z; L = norm(h); wrt: w; show: chain",
        "w, a in R^n; z = (w - w); h = a .* z; L = norm(h); wrt: w; show: chain",
        "w in R; a in R^3; z = (w - w); h = a z; L = norm(h); wrt: w; show: chain",
    ],
)
def test_a_chain_through_a_factor_without_a_value_is_refused(block):
    """hᵀ/‖h‖ where h is identically 0 was shown as checked: the chain rule does not apply there."""
    source = block.replace("; ", "\n")
    with pytest.raises(BlockError, match=re.escape("show: chain does not apply here: the factor ∂L/∂h has no value")) as caught:
        evaluate(source)
    assert caught.value.line == source.splitlines().index("show: chain") + 1
    result = evaluate(source.replace("\nshow: chain", ""))
    assert result.check.checked and result.form in ("0", r"\mathbf{0}^{\top}", None)


# -- symmetric matrices at a concrete size ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "function"),
    [
        ("S in Sym(2); x in R^2; f = S x; wrt: S", lambda v: v.S * v.x),
        ("S in Sym(3); x in R^3; f = tanh(S x); wrt: S", lambda v: (v.S * v.x).applyfunc(sp.tanh)),
        ("S in Sym(2); x in R^2; f = x^T S S x; wrt: S; derivative: hessian", lambda v: scalar(v.x.T * v.S * v.S * v.x)),
        ("S in Sym(3); f = tr(S S S); wrt: S; derivative: hessian", lambda v: (v.S * v.S * v.S).trace()),
    ],
)
def test_a_symmetric_matrix_at_a_concrete_size_shares_each_derivative_between_its_two_entries(block, function):
    """Components by S12 counted S12 and S21 once each (the proof failed): each holds half, J (I + K)/2
    and P H P, the matrices the forms beside them are."""
    block = block.replace("; ", "\n")
    result = evaluate(block)
    assert result.check.checked, str(result.check)
    space = ref.values_at(block, {})
    order = 2 if "hessian" in block else 1
    want = ref.expected(function(space), [space.S], order=order)
    (got,) = [p.components for p in result.parts]
    points = [ref.point(space, random.Random(2), scale) for scale in ref.SCALES]
    ref.assert_agree(got, want, points)
    ref.assert_agree(result.at_sizes(), want, points)


@pytest.mark.parametrize(
    "block",
    [
        "x, w in R^n; X in R^(N x n); p = exp(x); F = (X + p) + (w - p); wrt: w; show: chain",
        "x, w in R^n; X in R^(N x n); p = exp(x); q = max(0, X) + (X - X); F = (q + p) + (w - p); wrt: w; show: chain",
    ],
)
def test_a_factor_that_is_exactly_zero_where_terms_cancel_is_proven(block):
    """∂F/∂p = 0 for F = X + 𝟏pᵀ + 𝟏(w − p)ᵀ: the differences are only rounding, at every precision,
    and the block was left unchecked ('no random point')."""
    result = agrees(block, lambda v: v.X + sp.ones(v.X.rows, 1) * v.w.T, "w", {"n": 5, "N": 6})
    assert "0 0" in result.tex and "columns follow" not in result.caption


def test_a_one_by_one_identity_is_the_number_one():
    """The Jacobian of a matrix function of a 2-vector held I₁ as a scalar factor, which the proof
    could not multiply (TypeError inside the engine)."""
    block = "y in R^2; W in R^(2 x 3); X in R^(4 x 3); F = X + (1 + (W^T y) .* (W^T y)).^0.5; wrt: y"
    agrees(block, lambda v: v.X + sp.ones(4, 1) * (v.W.T * v.y).applyfunc(lambda t: sp.sqrt(1 + t**2)).T, "y", {})


@pytest.mark.parametrize("size", ["m", "3"])
def test_the_hessian_of_a_variance(size):
    """sum of a row differential was read back as itself, forever: 'too deeply nested to compute'."""
    block = f"y in R^{size}; f = var(y); wrt: y; derivative: hessian"
    result = evaluate(block.replace("; ", "\n"))
    assert result.check.checked
    sizes = {"m": 5} if size == "m" else {}
    space = ref.values_at(block.replace("; ", "\n"), sizes)
    y = space.y
    mu = sum(y) / len(y)
    want = ref.hessian(sum((t - mu) ** 2 for t in y) / len(y), y)
    got = result.at_sizes(**sizes) if sizes else result.matrix
    ref.assert_agree(got, want, [ref.point(space, random.Random(3), 1.0)])
    assert result.form == (r"\frac{2}{m} I - \frac{2}{m^{2}} \mathbf{1} \mathbf{1}^{\top}" if sizes else result.form)


def test_sums_of_ones_and_products_of_sizes_simplify():
    """var(X) by X: the sum of the centred entries is 0, and N n in a denominator is a product of sizes."""
    result = agrees("X in R^(N x n); f = var(X); wrt: X", lambda v: g_variance(v.X), "X", {"N": 5, "n": 6})
    assert result.form == r"\frac{2}{N n} X - \frac{2 \operatorname{sum}(X)}{N^{2} n^{2}} \mathbf{1} \mathbf{1}^{\top}"


def g_variance(m: sp.Matrix) -> sp.Expr:
    mu = sum(m) / len(m)
    return sum((t - mu) ** 2 for t in m) / len(m)


def test_a_chain_factor_without_a_matrix_form_is_refused_on_its_line():
    """It was refused without a line; the block without show: chain is shown in index notation."""
    source = "A in R^(n x n)\np = log(1 + diag(A) .* diag(A))\nf = p ./ exp(diag(A))\nwrt: A\nshow: chain"
    with pytest.raises(BlockError, match=re.escape("show: chain writes each factor in matrix notation, and ∂f/∂A has none")) as caught:
        evaluate(source)
    assert caught.value.line == 3
    assert evaluate(source.replace("\nshow: chain", "")).parts[0].index is not None


@pytest.mark.parametrize("size", ["R^(4 x 2); x in R^2", "R^(N x n); x in R^n"])
def test_max_of_zero_and_a_zero_matrix_is_the_zero_matrix(size):
    """max(0, X ⊙ 𝟏(x − x)ᵀ) sat on its kink at every point, and was left unchecked: it is 𝟎."""
    result = evaluate(f"X in {size}\nF = max(0, X .* (x - x))\nwrt: X".replace("; ", "\n"))
    assert result.check.checked and result.form == "0"


def test_a_function_whose_terms_cancel_to_zero_is_proven():
    """logsumexp of a log-softmax is 0 in every row: its gradient, written as terms that cancel, was
    only rounding against rounding, and the block was left unchecked."""
    result = evaluate("X in R^(N x n)\nf = sum(logsumexp(logsoftmax(X)))\nwrt: X")
    assert result.check.checked, str(result.check)


@pytest.mark.parametrize("size", ["2", "n"])
def test_max_of_zero_and_a_diagonal_matrix_has_no_kink_off_the_diagonal(size):
    """max(0, diag(x)) is diag(max(0, x)): its zeros off the diagonal were kinks at every point."""
    result = evaluate(f"x in R^{size}\nF = max(0, diag(x)) + abs(diag(x))\nwrt: x")
    assert result.check.checked, str(result.check)
    space = ref.values_at(f"x in R^{size}", {"n": 5})
    x = space.x
    want = ref.derivative(sp.diag(*[sp.Max(0, t) + abs(t) for t in x]), x)
    want = want.applyfunc(lambda e: e.replace(sp.Heaviside, lambda z, *_: sp.Heaviside(z, 0)))
    got = result.at_sizes(n=5) if size == "n" else result.parts[0].components
    ref.assert_agree(got, want, [ref.point(space, random.Random(4), 1.0)])


@pytest.mark.parametrize(
    ("block", "caption"),
    [
        ("x in R^n\nW in R^(m x n)\ny = W x\nwrt: W", "(columns follow vec(W)), numerator layout"),
        ("x in R^n\nW in R^(m x n)\ny = W x\nwrt: W\nlayout: denominator", "(rows follow vec(W)), denominator layout"),
        ("x in R^n\nF = x x^T\nwrt: x", "(rows follow vec(F)), numerator layout"),
        ("x in R^n\nF = x x^T\nwrt: x\nlayout: denominator", "(columns follow vec(F)), denominator layout"),
    ],
)
def test_the_caption_says_which_side_follows_vec_in_either_layout(block, caption):
    assert evaluate(block).caption.endswith(caption)
