"""Jacobians, layouts, shapes and values at a point, checked against SymPy and finite differences."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from mdjacobian import BlockError, Result, evaluate

from .conftest import same, sym

x, y, z, x1, x2, x3 = sym("x", "y", "z", "x1", "x2", "x3")


def test_gradient_of_10x2y2():
    result = evaluate("f(x, y) = 10x^2 y^2")
    assert same(result.matrix, sp.Matrix([[20 * x * y**2, 20 * x**2 * y]]))
    assert (result.kind, result.shape) == ("gradient", (1, 2))


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("numerator", sp.Matrix([[6 * x * y, 3 * x**2], [2, 8 * y**7]])),
        ("denominator", sp.Matrix([[6 * x * y, 2], [3 * x**2, 8 * y**7]])),
    ],
)
def test_walkthrough_jacobian_in_both_layouts(layout, expected):
    result = evaluate("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8", layout=layout)
    assert same(result.matrix, expected)
    assert result.layout == layout
    f, g = 3 * x**2 * y, 2 * x + y**8
    independent = sp.Matrix([f, g]).jacobian([x, y])
    assert same(result.matrix, independent if layout == "numerator" else independent.T)


@pytest.mark.parametrize(
    ("source", "kind", "shape", "expected"),
    [
        ("f(x) = x^3 + 5x^2", "derivative", (1, 1), sp.Matrix([[3 * x**2 + 10 * x]])),
        ("f(x1, x2, x3) = x1 x2 x3", "gradient", (1, 3), sp.Matrix([[x2 * x3, x1 * x3, x1 * x2]])),
        ("f = [x^2, sin(x), exp(2x)]", "column", (3, 1), sp.Matrix([2 * x, sp.cos(x), 2 * sp.exp(2 * x)])),
        (
            "y = [x1^2 + x2, 3 x2 x3, sin(x1) + x3^2]",
            "jacobian",
            (3, 3),
            sp.Matrix([[2 * x1, 1, 0], [0, 3 * x3, 3 * x2], [sp.cos(x1), 0, 2 * x3]]),
        ),
    ],
)
def test_four_shape_cases_at_size_3(source, kind, shape, expected):
    result = evaluate(source)
    assert (result.kind, result.shape) == (kind, shape)
    assert same(result.matrix, expected)


def test_denominator_layout_transposes_the_shape():
    assert evaluate("f = [x, x^2, x^3]", layout="denominator").shape == (1, 3)
    assert evaluate("f(x1, x2, x3) = x1 + x2 + x3", layout="denominator").shape == (3, 1)


def test_identity():
    result = evaluate("y = [x1, x2, x3]")
    assert result.matrix == sp.eye(3)


def test_result_exposes_functions_and_variables():
    result = evaluate("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8")
    assert result.functions == (3 * x**2 * y, 2 * x + y**8)
    assert result.names == ("f", "g")
    assert result.variables == (x, y)
    assert isinstance(result, Result)


def test_value_at_a_point_is_exact():
    result = evaluate("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8\nat: x = 1/2, y = 2")
    assert result.value == sp.Matrix([[6, sp.Rational(3, 4)], [2, 1024]])
    assert all(isinstance(v, sp.Rational) for v in result.value)


def test_value_keeps_exact_irrationals():
    result = evaluate("f(x) = sin(x)\nat: x = pi/3")
    assert result.value[0, 0] == sp.Rational(1, 2)
    assert evaluate("f(x) = sqrt(x)\nat: x = 2").value[0, 0] == 1 / (2 * sp.sqrt(2))


def test_value_in_denominator_layout_is_transposed_too():
    result = evaluate("f(x, y) = x y^2\ng(x, y) = x + y\nat: x = 3, y = 5", layout="denominator")
    assert result.value == sp.Matrix([[25, 1], [30, 1]])


def test_undefined_point():
    with pytest.raises(BlockError, match="undefined at this point"):
        evaluate("f(x) = 1/x\nat: x = 0")


def test_abstract_functions_differentiate_by_the_chain_rule():
    f = sp.Function("f")
    result = evaluate("h(x) = f(x^2)")
    assert same(result.matrix[0, 0], sp.diff(f(x**2), x))


def test_relu_and_abs_differentiate_on_real_variables():
    assert same(evaluate("f(x) = max(0, x)").matrix[0, 0], sp.Heaviside(x, 0))
    assert evaluate("f(x) = max(0, x)\nat: x = 0").value[0, 0] == 0  # 0 for z <= 0, as in the paper
    assert same(evaluate("f(x) = abs(x)").matrix[0, 0], sp.sign(x))


def _central_difference(func, point, j, h=1e-6):
    up, down = list(point), list(point)
    up[j] += h
    down[j] -= h
    return (func(*up) - func(*down)) / (2 * h)


def test_matches_central_differences():
    """An independent check of SymPy's derivatives, numerically, at random points."""
    result = evaluate("f(x, y, z) = sin(x y) + z^3 / (1 + x^2)\ng(x, y, z) = exp(x - z) y + ln(1 + y^2)")
    functions = [sp.lambdify((x, y, z), e) for e in result.functions]
    partials = [[sp.lambdify((x, y, z), result.matrix[i, j]) for j in range(3)] for i in range(2)]
    rng = random.Random(1)
    for _ in range(5):
        point = [rng.uniform(-1.5, 1.5) for _ in range(3)]
        for i, func in enumerate(functions):
            for j in range(3):
                assert partials[i][j](*point) == pytest.approx(_central_difference(func, point, j), rel=1e-5, abs=1e-6)


def test_options_given_as_none_are_absent():
    assert evaluate("f(x, y) = x y", at=None, layout=None).value is None
