"""Vector blocks: every operator with respect to each operand, at n = 3 and at symbolic n.

Each component matrix is compared with a Jacobian SymPy computes independently from expressions
built here, and each vector form with the paper's identity.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from mdjacobian import BlockError, evaluate
from mdjacobian.vectors import describe

from .conftest import same

X = sp.Matrix(sp.symbols("x1:4", real=True))
W = sp.Matrix(sp.symbols("w1:4", real=True))
z, b = sp.symbols("z b", real=True)
ONES = sp.ones(3, 1)

DECLARE = "x, w in R^3\nz, b in R\n"

# (expression, wrt, independent SymPy function of the components, vector form of the paper)
IDENTITIES = [
    ("x + w", "w", X + W, "I"),
    ("x + w", "x", X + W, "I"),
    ("x - w", "x", X - W, "I"),
    ("x - w", "w", X - W, "-I"),
    ("w .* x", "w", W.multiply_elementwise(X), r"\operatorname{diag}(\mathbf{x})"),
    ("w ⊗ x", "x", W.multiply_elementwise(X), r"\operatorname{diag}(\mathbf{w})"),
    ("w ./ x", "w", W.multiply_elementwise(X.applyfunc(lambda e: 1 / e)), r"\operatorname{diag}(\ldots, \frac{1}{x_{i}}, \ldots)"),
    ("w ⊘ x", "x", W.multiply_elementwise(X.applyfunc(lambda e: 1 / e)), r"\operatorname{diag}(\ldots, - \frac{w_{i}}{x_{i}^{2}}, \ldots)"),
    ("x + z", "x", X + z * ONES, "I"),
    ("x + z", "z", X + z * ONES, r"\mathbf{1}"),
    ("x z", "x", X * z, r"z\, I"),
    ("x z", "z", X * z, r"\mathbf{x}"),
    ("sum(x)", "x", sp.Matrix([sum(X)]), r"\mathbf{1}^{\top}"),
    ("sum(x z)", "x", sp.Matrix([z * sum(X)]), r"z\,\mathbf{1}^{\top}"),
    ("sum(x z)", "z", sp.Matrix([z * sum(X)]), r"\operatorname{sum}(\mathbf{x})"),
    ("w · x", "x", sp.Matrix([W.dot(X)]), r"\mathbf{w}^{\top}"),
    ("dot(w, x)", "w", sp.Matrix([W.dot(X)]), r"\mathbf{x}^{\top}"),
    ("w^T x", "x", sp.Matrix([W.dot(X)]), r"\mathbf{w}^{\top}"),
    ("w · x + b", "b", sp.Matrix([W.dot(X) + b]), "1"),
    ("x", "x", X, "I"),
]


@pytest.mark.parametrize(("expression", "wrt", "function", "form"), IDENTITIES)
def test_identity_at_n_3(expression, wrt, function, form):
    result = evaluate(f"{DECLARE}y = {expression}\nwrt: {wrt}")
    variables = {"x": X, "w": W, "z": sp.Matrix([z]), "b": sp.Matrix([b])}[wrt]
    assert same(result.matrix, sp.Matrix(function).jacobian(variables))
    assert result.form == form
    assert result.check.checked


SYMBOLIC = [(e, w, f) for e, w, _, f in IDENTITIES if e not in ("w · x + b",)]


@pytest.mark.parametrize(("expression", "wrt", "form"), SYMBOLIC)
def test_identity_at_symbolic_n(expression, wrt, form):
    result = evaluate(f"x, w in R^n\nz, b in R\ny = {expression}\nwrt: {wrt}")
    assert result.symbolic
    assert result.form == form
    assert result.tex.endswith(f" = {form}")
    assert "x_{1}" not in result.tex  # vector notation only


def test_neuron_gradients_are_cases():
    source = "x, w in R^3\nb in R\na = max(0, w · x + b)\nwrt: {}"
    by_w = evaluate(source.format("w"))
    assert by_w.form == (
        r"\begin{cases} \mathbf{0}^{\top} & \mathbf{w} \cdot \mathbf{x} + b \le 0 \\ "
        r"\mathbf{x}^{\top} & \mathbf{w} \cdot \mathbf{x} + b > 0 \end{cases}"
    )
    by_b = evaluate(source.format("b"))
    assert by_b.form.startswith(r"\begin{cases} 0 & ") and r"\\ 1 & " in by_b.form
    # 0 on the boundary, as the cases say (not SymPy's 1/2).
    at_kink = evaluate(source.format("b") + "\nat: x1 = 1, x2 = 0, x3 = 0, w1 = 1, w2 = 0, w3 = 0, b = -1")
    assert at_kink.value[0, 0] == 0


def test_neuron_at_symbolic_n():
    result = evaluate("x, w in R^n\nb in R\na = max(0, w · x + b)\nwrt: w")
    assert result.symbolic and r"\mathbf{x}^{\top} & \mathbf{w} \cdot \mathbf{x} + b > 0" in result.form


def test_matrix_vector_product():
    result = evaluate("W in R^(2x3)\nx in R^3\ny = W x\nwrt: x")
    assert result.shape == (2, 3) and result.form == "W"
    assert result.matrix == sp.Matrix(2, 3, sp.symbols("W11 W12 W13 W21 W22 W23", real=True))


def test_elementwise_functions_give_diagonals():
    result = evaluate("x in R^3\ny = sin(x)\nwrt: x")
    assert result.matrix == sp.diag(*[sp.cos(e) for e in X])
    assert result.form == r"\operatorname{diag}(\ldots, \cos{\left(x_{i} \right)}, \ldots)"


def test_no_vector_form_is_not_invented():
    result = evaluate("x in R^3\ny = [x1 x2, x2 x3, x3 x1]\nwrt: x")
    assert result.form is None
    with pytest.raises(BlockError, match="no vector form of this Jacobian was found at every size"):
        evaluate("x in R^n\ny = x .* x ./ sum(x)\nwrt: x")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x, w in R^3\ny = x * w", "'*' between a 3-vector and a 3-vector: write .* for the element-wise product or · for the dot product"),
        ("x in R^3\nw in R^2\ny = x + w", "'+' needs equal shapes: a 3-vector and a 2-vector"),
        ("x in R^3\ny = x / x", "'/' by a 3-vector: write ./ for element-wise division"),
        ("x in R^3\ny = x^2", "write x^T to transpose or x .* x for an element-wise square"),
        ("x in R^3\ny = x^T", "a function must be a scalar or a column vector, not a transposed 3-vector"),
        ("W in R^(2x3)\ny = sum(W)\nwrt: W", "'W' is a matrix; differentiate with respect to vectors and scalars"),
        ("x in R^3\nx in R^2\ny = x", "'x' is already declared on line 1"),
        ("x in R^3\ny = f(x)", "f() is not a built-in function, so it takes scalars"),
        ("x in Z^3\ny = x", "expected 'name = expression'"),
        ("x in R^(a b)\ny = x", "unknown space 'R^(a b)'"),
        ("x in R^30\ny = sum(x)", "R^30 has 30 entries; the limit is 24"),
    ],
)
def test_vector_errors(source, message):
    with pytest.raises(BlockError, match=re.escape(message)):
        evaluate(source)


def test_describe():
    assert describe(sp.Integer(1)) == "a scalar"
    assert describe(sp.ImmutableMatrix(sp.zeros(2, 3))) == "a 2×3 matrix"


def test_dot_product_is_found_after_sympy_distributes_a_coefficient():
    """d/db (w·x + b)² = 2b + 2w₁x₁ + … once SymPy distributes the 2; it is still 2w·x + 2b."""
    result = evaluate("x, w in R^n\nb in R\nC = (w · x + b)^2\nwrt: b")
    assert result.form == r"2 \mathbf{w} \cdot \mathbf{x} + 2 b"


def test_scaled_vectors_and_the_active_branch():
    v = evaluate("x, w in R^n\nb, y in R\nv = y - max(0, w · x + b)\nwrt: w")
    assert r"-\mathbf{x}^{\top} & \mathbf{w} \cdot \mathbf{x} + b > 0" in v.form
    relu = evaluate("x in R^3\ny = max(0, x)\nwrt: x")
    assert relu.form == r"\operatorname{diag}(\ldots, \begin{cases} 0 & x_{i} \le 0 \\ 1 & x_{i} > 0 \end{cases}, \ldots)"


def test_different_symbolic_sizes_are_not_assumed_equal():
    with pytest.raises(BlockError, match="the dot product needs two vectors of one length"):
        evaluate("x in R^n\ny in R^m\nf = x · y\nwrt: x")
    result = evaluate("x in R^n\ny in R^m\nf = sum(x) sum(y)\nwrt: x")
    assert result.form == r"\operatorname{sum}(\mathbf{y})\,\mathbf{1}^{\top}"


def test_placeholders_cannot_capture_the_authors_names():
    result = evaluate("x in R^3\nsum_x, dot_w_x, x_i in R\nf = sum_x x + dot_w_x x + x_i x\nwrt: x")
    assert result.form == r"\left(dot_{w x} + sum_{x} + x_{i}\right)\, I"


def test_greek_vectors_are_bold_greek():
    assert evaluate("alpha, x in R^3\ny = alpha .* x\nwrt: x").form == r"\operatorname{diag}(\mathbf{\alpha})"
