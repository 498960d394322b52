"""Wrong answers a component-pattern recogniser once showed as checked; each is right now.

Every case is compared with SymPy's Jacobian of the same function built here, at random points
over the whole real line, and the matrix form (where there is one) is written out and compared too.
"""

from __future__ import annotations

import pytest
import sympy as sp

from mdjacobian import BlockError, evaluate

from .test_engine import numerically_equal, vector


@pytest.mark.parametrize(
    ("source", "function", "variables"),
    [
        ("x in R^2\ny = [x1, max(0, x2)]\nwrt: x", lambda x: sp.Matrix([x[0], sp.Max(0, x[1])]), 2),
        ("x in R^3\nf = x1 + abs(x2) + abs(x3)\nwrt: x", lambda x: sp.Matrix([x[0] + abs(x[1]) + abs(x[2])]), 3),
        ("x in R^2\ny = [x1^2/2, min(x2, 1)^2/2]\nwrt: x", lambda x: sp.Matrix([x[0] ** 2 / 2, sp.Min(x[1], 1) ** 2 / 2]), 2),
    ],
)
def test_entrywise_functions_are_shown_in_components_only(source, function, variables):
    result = evaluate(source)
    assert result.form is None  # no pattern is read into these
    x = vector("x", variables)
    expected = function(x).jacobian(x).applyfunc(lambda e: e.replace(sp.Heaviside, lambda z, *_: sp.Heaviside(z, 0)))
    assert numerically_equal(result.matrix, expected)


def test_a_scaled_identity_keeps_each_scale():
    result = evaluate("x in R^2\nb in R\ny = [abs(b) x1, b x2]\nwrt: x")
    b = sp.Symbol("b", real=True)
    assert result.form is None
    assert result.matrix == sp.diag(abs(b), b)


def test_an_entry_of_a_symbolic_vector_is_refused():
    with pytest.raises(BlockError, match="'x5' would be an entry of 'x', whose size is symbolic"):
        evaluate("x in R^n\ny = x .* x5\nwrt: x")


@pytest.mark.parametrize(
    ("source", "tex", "function"),
    [
        ("x, w in R^n\nf = (w · x)^3\nwrt: w", r"3 (\mathbf{w} \cdot \mathbf{x})^{2} \mathbf{x}^{\top}", lambda w, x: w.dot(x) ** 3),
        ("x, w in R^n\nf = 1/(w · x)\nwrt: w", r"-\frac{1}{(\mathbf{w} \cdot \mathbf{x})^{2}} \mathbf{x}^{\top}", lambda w, x: 1 / w.dot(x)),
    ],
)
def test_powers_of_dot_products_keep_their_parentheses(source, tex, function):
    result = evaluate(source)
    assert result.form == tex
    n = 5
    w, x = vector("w", n), vector("x", n)
    assert numerically_equal(result.at_sizes(n=n), sp.Matrix([function(w, x)]).jacobian(w))


@pytest.mark.parametrize(
    ("source", "factor", "n"),
    [
        ("x, w in R^n\nu = x + w\ny = max(0, u)\nwrt: x\nshow: chain", r"\operatorname{diag}(\mathbb{1}\left[\mathbf{u} > 0\right])", 5),
        ("x, w in R^n\nu = x + w\ny = abs(u)\nwrt: x\nshow: chain", r"\operatorname{diag}(\operatorname{sign}(\mathbf{u}))", 6),
    ],
)
def test_an_elementwise_chain_factor_is_a_whole_diagonal(source, factor, n):
    result = evaluate(source)
    (term,) = result.chain.terms
    assert f"= {factor} I = " in result.tex  # never the first entry's factor times I
    u = vector("u", n)
    fn = (lambda e: sp.Max(0, e)) if "max" in source else abs
    expected = u.applyfunc(fn).jacobian(u).applyfunc(lambda e: e.replace(sp.Heaviside, lambda z, *_: sp.Heaviside(z, 0)))
    from mdjacobian.calculus.components import Lowering

    shown = Lowering({"n": n}, {})(term[0].form)
    assert numerically_equal(shown, expected)


def test_a_layer_chain_multiplies_the_whole_diagonal_by_w():
    result = evaluate("x in R^n\nW in R^(m x n)\nb in R^m\nz = W x + b\na = max(0, z)\nwrt: x\nshow: chain")
    assert r"\operatorname{diag}(\mathbb{1}\left[\mathbf{z} > 0\right]) W" in result.tex
    n, m = 5, 6
    x, b = vector("x", n), vector("b", m)
    W = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"W{i + 1}{j + 1}", real=True))
    a = (W * x + b).applyfunc(lambda e: sp.Max(0, e))
    expected = a.jacobian(x).applyfunc(lambda e: e.replace(sp.Heaviside, lambda z, *_: sp.Heaviside(z, 0)))
    assert numerically_equal(result.at_sizes(n=n, m=m), expected)


def test_a_scalar_that_depends_on_the_variables_expands_over_a_vector():
    """d(x + ‖x‖) = dx + 1 xᵀdx/‖x‖ and d(‖x‖ x): the scalar's differential times the column it multiplies."""
    x = sp.Matrix(sp.symbols("x1:6", real=True))
    norm = sp.sqrt(sum(v**2 for v in x))
    for block, function in (("f = x + norm(x)", x + norm * sp.ones(5, 1)), ("f = norm(x) x", norm * x)):
        result = evaluate(f"x in R^n\n{block}\nwrt: x")
        assert result.check.checked and len(result.check.sizes) == 3
        expected = function.jacobian(x)
        point = dict(zip(x, (sp.Rational(3, 2), -2, sp.Rational(1, 3), 5, -1)))
        got = result.at_sizes(n=5).subs(point)
        assert all(abs(sp.N(g - e.subs(point), 30)) < 1e-25 for g, e in zip(got, expected))


@pytest.mark.parametrize(
    ("given", "value"),
    [({"wrt": "y, z", "at": "x = 1, y = 2"}, [[3, 0]]), ({"wrt": "z", "at": "x = 1, y = 2"}, [[0]])],
)
def test_a_variable_no_function_uses_has_a_value_at_the_point(given, value):
    """wrt: z for a function of x and y, with a point: the value's proof gave z no value (KeyError)."""
    result = evaluate("f(x, y) = 3x^2 y", **given)
    assert result.check.checked
    assert result.value == sp.Matrix(value)
