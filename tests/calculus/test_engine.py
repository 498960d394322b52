"""Derivatives at concrete and symbolic sizes, in both layouts, compared with SymPy computed here.

Component matrices are compared with SymPy's own Jacobian of the functions built directly in this
file; matrix forms are written out with ``at_sizes`` and compared the same way, at sizes of 5 and
more; values at a point are compared with exact substitution.
"""

from __future__ import annotations

import random

import pytest
import sympy as sp

from mdjacobian import BlockError, evaluate

from ..conftest import same, sym

x, y, z, b = sym("x", "y", "z", "b")


def vector(name: str, n: int) -> sp.Matrix:
    return sp.Matrix([sp.Symbol(f"{name}{i}", real=True) for i in range(1, n + 1)])


def matrix(name: str, m: int, n: int) -> sp.Matrix:
    return sp.Matrix(m, n, lambda i, j: sp.Symbol(f"{name}{i + 1}{j + 1}", real=True))


def _step(z: float, at_zero: float = 0.0) -> float:
    return 1.0 if z > 0 else at_zero if z == 0 else 0.0


def numerically_equal(a: sp.MatrixBase, b: sp.MatrixBase, trials: int = 3, seed: int = 0) -> bool:
    """Equal entry by entry at random points spread over the real line (no symbolic simplification).

    The test's own numbers come from SymPy's lambdify of the two matrices, nothing of the package's.
    """
    a, b = sp.Matrix(a), sp.Matrix(b)
    if a.shape != b.shape:
        return False
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    modules = [{"Heaviside": _step, "DiracDelta": lambda z: 0.0}, "math"]
    fa, fb = sp.lambdify(symbols, list(a), modules), sp.lambdify(symbols, list(b), modules)
    rng = random.Random(seed)
    for _ in range(trials):
        point = [rng.choice((-1, 1)) * 10 ** rng.uniform(-1, 1) for _ in symbols]
        for p, q in zip(fa(*point), fb(*point)):
            if abs(p - q) > 1e-9 * max(1, abs(p)):
                return False
    return True


# -- concrete sizes: components --------------------------------------------------------------------


def test_gradient_of_10x2y2():
    result = evaluate("f(x, y) = 10x^2 y^2")
    assert same(result.matrix, sp.Matrix([[20 * x * y**2, 20 * x**2 * y]]))
    assert (result.kind, result.shape) == ("gradient", (1, 2))


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_walkthrough_jacobian_in_both_layouts(layout):
    result = evaluate("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8", layout=layout)
    independent = sp.Matrix([3 * x**2 * y, 2 * x + y**8]).jacobian([x, y])
    assert same(result.matrix, independent if layout == "numerator" else independent.T)
    assert result.layout == layout


@pytest.mark.parametrize(
    ("source", "kind", "shape", "expected"),
    [
        ("f(x) = x^3 + 5x^2", "derivative", (1, 1), sp.Matrix([[3 * x**2 + 10 * x]])),
        ("f = [x^2, sin(x), exp(2x)]", "column", (3, 1), sp.Matrix([2 * x, sp.cos(x), 2 * sp.exp(2 * x)])),
    ],
)
def test_shape_cases(source, kind, shape, expected):
    result = evaluate(source)
    assert (result.kind, result.shape) == (kind, shape)
    assert same(result.matrix, expected)


def test_result_exposes_functions_and_variables():
    result = evaluate("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8")
    assert result.functions == (3 * x**2 * y, 2 * x + y**8)
    assert result.names == ("f", "g")
    assert result.variables == (x, y)


def test_value_at_a_point_is_exact():
    result = evaluate("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8\nat: x = 1/2, y = 2")
    assert result.value == sp.Matrix([[6, sp.Rational(3, 4)], [2, 1024]])
    assert evaluate("f(x) = sin(x)\nat: x = pi/3").value[0, 0] == sp.Rational(1, 2)
    assert evaluate("f(x) = sqrt(x)\nat: x = 2").value[0, 0] == 1 / (2 * sp.sqrt(2))
    transposed = evaluate("f(x, y) = x y^2\ng(x, y) = x + y\nat: x = 3, y = 5", layout="denominator")
    assert transposed.value == sp.Matrix([[25, 1], [30, 1]])


def test_undefined_point():
    with pytest.raises(BlockError, match="undefined at x = 0"):
        evaluate("f(x) = 1/x\nat: x = 0")


def test_abstract_functions_differentiate_by_the_chain_rule():
    f = sp.Function("f")
    result = evaluate("h(x) = f(x^2)")
    assert same(result.matrix[0, 0], sp.diff(f(x**2), x))
    assert not result.check.checked


def test_relu_and_abs_differentiate_on_real_variables():
    assert same(evaluate("f(x) = max(0, x)").matrix[0, 0], sp.Heaviside(x, 0))
    assert same(evaluate("f(x) = abs(x)").matrix[0, 0], sp.sign(x))


X3, W3 = vector("x", 3), vector("w", 3)

ELEMENTWISE = [
    ("x + w", "w", X3 + W3, sp.eye(3)),
    ("x - w", "w", X3 - W3, -sp.eye(3)),
    ("w .* x", "w", W3.multiply_elementwise(X3), sp.diag(*X3)),
    ("w ⊘ x", "x", W3.multiply_elementwise(X3.applyfunc(lambda e: 1 / e)), sp.diag(*[-w / v**2 for w, v in zip(W3, X3)])),
    ("x + z", "z", X3 + z * sp.ones(3, 1), sp.ones(3, 1)),
    ("x z", "x", X3 * z, z * sp.eye(3)),
    ("sum(x z)", "z", sp.Matrix([z * sum(X3)]), sp.Matrix([[sum(X3)]])),
    ("w · x", "x", sp.Matrix([W3.dot(X3)]), W3.T),
    ("w^T x", "w", sp.Matrix([W3.dot(X3)]), X3.T),
    ("sin(x)", "x", X3.applyfunc(sp.sin), sp.diag(*X3.applyfunc(sp.cos))),
]


@pytest.mark.parametrize(("expression", "wrt", "function", "paper"), ELEMENTWISE)
def test_vector_operators_at_size_3(expression, wrt, function, paper):
    result = evaluate(f"x, w in R^3\nz in R\ny = {expression}\nwrt: {wrt}")
    variables = {"x": X3, "w": W3, "z": sp.Matrix([z])}[wrt]
    independent = sp.Matrix(function).jacobian(variables)
    assert same(result.matrix, independent)
    assert same(result.matrix, paper)  # the paper's identity
    assert same(result.at_sizes(), result.matrix)  # the matrix form shown agrees entry by entry
    assert result.check.checked


def test_matrix_vector_product():
    result = evaluate("W in R^(2x3)\nx in R^3\ny = W x\nwrt: x")
    assert result.shape == (2, 3) and result.form == "W"
    assert result.matrix == matrix("W", 2, 3)


def test_gradient_with_respect_to_a_matrix_is_shaped_like_it():
    result = evaluate("W in R^(2x3)\nx in R^3\nf = sum(W x)\nwrt: W")
    (part,) = result.parts
    assert part.kind == "matrix" and part.components.shape == (2, 3)
    W, X = matrix("W", 2, 3), vector("x", 3)
    f = sum(W * X)
    assert same(part.components, sp.Matrix(2, 3, lambda i, j: sp.diff(f, W[i, j])))
    assert same(result.at_sizes(), part.components)


def test_no_matrix_form_is_not_invented():
    result = evaluate("x in R^3\ny = [x1 x2, x2 x3, x3 x1]\nwrt: x")
    assert result.form is None
    with pytest.raises(BlockError, match=r"no matrix form for ∂/∂x at a symbolic size \(g\(\) is an abstract function\)"):
        evaluate("x in R^n\ny = g(sum(x))\nwrt: x")


# -- symbolic sizes: matrix forms, written out at sizes of 5 and more ---------------------------------


def at(result, **sizes):
    return result.at_sizes(**sizes)


def test_affine_layer():
    result = evaluate("x in R^n\nW in R^(m x n)\nb in R^m\ny = W x + b\nwrt: x, b")
    assert result.symbolic and [p.kind for p in result.parts] == ["jacobian", "jacobian"]
    n, m = 6, 5
    X, W, B = vector("x", n), matrix("W", m, n), vector("b", m)
    Y = W * X + B
    by_x, by_b = at(result, n=n, m=m)[:, :n], at(result, n=n, m=m)[:, n:]
    assert by_x == Y.jacobian(X) and by_b == Y.jacobian(B)


def test_least_squares_gradient_by_w():
    result = evaluate("x in R^n\nW in R^(m x n)\ny in R^m\nf = norm(W x - y)^2\nwrt: W")
    n, m = 5, 7
    X, W, Y = vector("x", n), matrix("W", m, n), vector("y", m)
    f = ((W * X - Y).T * (W * X - Y))[0, 0]
    expected = sp.Matrix(m, n, lambda i, j: sp.diff(f, W[i, j]))
    assert numerically_equal(at(result, n=n, m=m), expected)
    assert result.form == r"2 (W \mathbf{x} - \mathbf{y}) \mathbf{x}^{\top}"


def test_quadratic_form_and_its_hessian():
    n = 5
    X, A = vector("x", n), matrix("A", n, n)
    f = (X.T * A * X)[0, 0]
    gradient = evaluate("x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x")
    assert numerically_equal(at(gradient, n=n), sp.Matrix([f]).jacobian(X))
    assert gradient.form == r"\mathbf{x}^{\top} (A + A^{\top})"
    hessian = evaluate("x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x\nderivative: hessian")
    assert at(hessian, n=n) == sp.hessian(f, X)
    assert hessian.form == r"A + A^{\top}"


def test_denominator_layout_transposes_vector_results_only():
    by_x = evaluate("x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x\nlayout: denominator")
    assert at(by_x, n=5).shape == (5, 1)
    by_w = evaluate("x in R^n\nW in R^(m x n)\ny in R^m\nf = norm(W x - y)^2\nwrt: W\nlayout: denominator")
    assert at(by_w, n=5, m=6).shape == (6, 5)  # shaped like W in both layouts


def test_softmax_and_cross_entropy():
    n = 5
    Z, Y = vector("z", n), vector("y", n)
    exps = Z.applyfunc(sp.exp)
    s = exps / sum(exps)
    jacobian = evaluate("z in R^n\ns = softmax(z)\nwrt: z")
    assert numerically_equal(at(jacobian, n=n), s.jacobian(Z))
    assert jacobian.form == r"\operatorname{diag}(\operatorname{softmax}(\mathbf{z})) - \operatorname{softmax}(\mathbf{z}) \operatorname{softmax}(\mathbf{z})^{\top}"
    loss = -sum(y * sp.log(e) for y, e in zip(Y, s))
    general = evaluate("z, y in R^n\nL = -y^T log(softmax(z))\nwrt: z")
    assert numerically_equal(at(general, n=n), sp.Matrix([loss]).jacobian(Z))
    assumed = evaluate("z, y in R^n\nL = -y^T log(softmax(z))\nwrt: z\nassume: sum(y) = 1")
    assert assumed.form == r"(\operatorname{softmax}(\mathbf{z}) - \mathbf{y})^{\top}"
    on_simplex = {Y[-1]: 1 - sum(Y[:-1])}
    assert numerically_equal(at(assumed, n=n).subs(on_simplex), sp.Matrix([loss]).jacobian(Z).subs(on_simplex))


def test_log_det_and_inverse():
    n = 5
    A = matrix("A", n, n)
    result = evaluate("A in R^(n x n)\nf = logdet(A)\nwrt: A")
    assert result.form == r"A^{-\top}"
    point = dict(zip(A, sp.Matrix(n, n, lambda i, j: sp.Rational(i * j + 1, 7)) + 2 * sp.eye(n)))
    shown = at(result, n=n).xreplace(point)
    expected = sp.Matrix(n, n, lambda i, j: sp.diff(sp.log(A.det(method="berkowitz")), A[i, j])).xreplace(point)
    assert shown == expected  # exact rationals at this point


def test_neuron_gradients_are_cases():
    by_w = evaluate("x, w in R^n\nb in R\na = max(0, w · x + b)\nwrt: w")
    assert by_w.form == (
        r"\begin{cases} \mathbf{0}^{\top} & \mathbf{w} \cdot \mathbf{x} + b \le 0 \\ "
        r"\mathbf{x}^{\top} & \mathbf{w} \cdot \mathbf{x} + b > 0 \end{cases}"
    )
    n = 5
    X, W = vector("x", n), vector("w", n)
    expected = sp.Matrix([sp.Max(0, W.dot(X) + b)]).jacobian(W).applyfunc(lambda e: e.replace(sp.Heaviside, lambda a, *_: sp.Heaviside(a, 0)))
    assert numerically_equal(at(by_w, n=n), expected)


def test_loss_gradient_in_the_active_case():
    result = evaluate("x, w in R^n\nb, y in R\nC = (y - max(0, w · x + b))^2\nwrt: w")
    assert r"2 (\mathbf{w} \cdot \mathbf{x} + b - y) \mathbf{x}^{\top} & \mathbf{w} \cdot \mathbf{x} + b > 0" in result.form


def test_two_layer_network_by_every_parameter():
    source = "x in R^n\nV in R^(k x n)\nW in R^(m x k)\nb1 in R^k\nb2, y in R^m\nL = norm(W max(0, V x + b1) + b2 - y)^2\nwrt: W, b2, V, b1"
    result = evaluate(source)
    assert [p.kind for p in result.parts] == ["matrix", "gradient", "matrix", "gradient"]
    n, k, m = 5, 6, 5
    X, V, W, B1, B2, Y = vector("x", n), matrix("V", k, n), matrix("W", m, k), vector("b1", k), vector("b2", m), vector("y", m)
    r = W * (V * X + B1).applyfunc(lambda e: sp.Max(0, e)) + B2 - Y
    L = (r.T * r)[0, 0]
    by_W, by_b2, by_V, by_b1 = at(result, n=n, k=k, m=m)
    step = lambda e: e.replace(sp.Heaviside, lambda a, *_: sp.Heaviside(a, 0))  # noqa: E731
    assert numerically_equal(by_W, sp.Matrix(m, k, lambda i, j: sp.diff(L, W[i, j])).applyfunc(step))
    assert numerically_equal(by_b2, sp.Matrix([L]).jacobian(B2).applyfunc(step))
    assert numerically_equal(by_V, sp.Matrix(k, n, lambda i, j: sp.diff(L, V[i, j])).applyfunc(step))
    assert numerically_equal(by_b1, sp.Matrix([L]).jacobian(B1).applyfunc(step))


def test_vector_by_matrix_uses_the_vec_convention():
    result = evaluate("x in R^n\nW in R^(m x n)\nf = W x\nwrt: W")
    assert result.form == r"\mathbf{x}^{\top} \otimes I_{m}"
    n, m = 5, 6
    X, W = vector("x", n), matrix("W", m, n)
    vec_w = sp.Matrix([W[i, j] for j in range(n) for i in range(m)])
    assert at(result, n=n, m=m) == (W * X).jacobian(vec_w)


def test_the_check_names_the_sizes_it_tried():
    result = evaluate("x in R^n\nW in R^(m x n)\nf = W x\nwrt: x")
    assert result.check.checked and len(result.check.sizes) >= 3
    for sizes in result.check.sizes:
        values = dict(sizes)
        assert min(values.values()) >= 5 and values["m"] != values["n"]
    assert "n = " in result.check.size_text() and "m = " in result.check.size_text()


def test_at_sizes_checks_its_arguments():
    result = evaluate("x in R^n\nf = sum(x)\nwrt: x")
    with pytest.raises(ValueError, match="symbolic sizes"):
        result.at_sizes()
    with pytest.raises(ValueError, match="positive whole number"):
        result.at_sizes(n=0)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x, w in R^3\ny = x * w", "'*' between a 3-vector and a 3-vector: write .* for the element-wise product or · for the dot product"),
        ("x in R^3\nw in R^2\ny = x + w", "'+' needs equal shapes: a 3-vector and a 2-vector"),
        ("x in R^3\ny = x / x", "'/' by a 3-vector: write ./ for element-wise division"),
        ("x in R^3\ny = x^2", "write x.^2 for an element-wise power or x^T to transpose"),
        ("x in R^3\ny = f(x)", "f() is not a built-in function, so it takes scalars"),
        ("x in R^n\ny in R^m\nf = x · y", "the dot product needs two vectors of one length"),
        ("x in R^n\nf = x5\nwrt: x", "'x5' would be an entry of 'x', whose size is symbolic"),
        ("A in R^(m x n)\nf = det(A)", "det() takes a square matrix"),
        ("x in R^n\nf = x^T x\nderivative: hessian\nwrt: x, y", "one variable"),
        ("x in R^n\nf = x\nderivative: hessian", "needs a scalar function"),
    ],
)
def test_errors(source, message):
    with pytest.raises(BlockError, match=__import__("re").escape(message)):
        evaluate(source)
