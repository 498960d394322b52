"""The component derivative is SymPy's own: ``derivative(e, x)`` must equal ``sp.diff(e, x)``.

``derivative`` applies SymPy's differentiation rules without wrapping every node in a
``Derivative``; the page then prints exactly what ``sp.diff`` would have given. Random expression
trees over the functions a block can use check that the two agree as expressions (not only in
value), at first and second order.
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdjacobian.calculus.components import compile_sympy, derivative, diff
from mdjacobian.calculus.numeric import Numbers

X, Y, Z = sp.symbols("x y z", real=True)

UNARY = (
    sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc, sp.asin, sp.acos, sp.atan, sp.sinh, sp.cosh,
    sp.tanh, sp.exp, sp.log, sp.sqrt, sp.Abs, sp.sign,
    lambda t: sp.Heaviside(t, 0),
    lambda t: 1 / (1 + sp.exp(-t)),
)
BINARY = (
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / b,
    lambda a, b: a**b,
    sp.Max,
    sp.Min,
    sp.atan2,
)

leaves = st.one_of(
    st.sampled_from([X, Y, Z, sp.pi, sp.E]),
    st.integers(-5, 5).map(sp.Integer),
    st.fractions(min_value=-3, max_value=3, max_denominator=4).map(lambda f: sp.Rational(f.numerator, f.denominator)),
)


def _apply(fn, *args):  # noqa: ANN001, ANN202
    """``fn(*args)``, or its first argument where SymPy refuses to build it (max of zoo, say)."""
    try:
        return fn(*args)
    except (ValueError, TypeError, ZeroDivisionError):
        return args[0]


def _trees(children: st.SearchStrategy) -> st.SearchStrategy:
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: _apply(t[0], t[1]))
    binary = st.tuples(st.sampled_from(BINARY), children, children).map(lambda t: _apply(t[0], t[1], t[2]))
    powers = st.tuples(children, st.sampled_from([2, 3, -1, -2, sp.Rational(1, 2), sp.Rational(-3, 2)])).map(
        lambda t: _apply(sp.Pow, t[0], t[1])
    )
    return st.one_of(unary, binary, powers)


expressions = st.recursive(leaves, _trees, max_leaves=8).filter(
    lambda e: isinstance(e, sp.Expr) and not e.has(sp.zoo, sp.nan, sp.oo, -sp.oo)
)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@SETTINGS
@given(expressions)
def test_first_derivatives_equal_sympys(expr):
    for variable in (X, Y):
        assert derivative(expr, variable) == sp.diff(expr, variable)


@SETTINGS
@given(expressions)
def test_second_derivatives_equal_sympys(expr):
    assert derivative(derivative(expr, X), Y) == sp.diff(sp.diff(expr, X), Y)


def test_the_blocks_conventions_hold_on_the_fast_path():
    # A step is 0 at 0 and its spike counts as 0, on whichever path the derivative was taken.
    assert diff(sp.Abs(X) * X, X) == X * sp.sign(X) + sp.Abs(X)
    assert diff(sp.Max(X, 0) * sp.sin(X), X) == sp.Heaviside(X, 0) * sp.sin(X) + sp.Max(X, 0) * sp.cos(X)
    assert not diff(diff(sp.Heaviside(X, 0) * X**2, X), X).has(sp.DiracDelta)


def test_shared_subtrees_and_other_variables():
    inner = sp.exp(X * Y) + sp.sin(X)
    expr = inner**2 + sp.log(1 + inner**2) + Z
    for variable in (X, Y, Z, sp.Symbol("w", real=True)):
        assert derivative(expr, variable) == sp.diff(expr, variable)


def test_a_variable_equal_to_the_expressions_symbol_but_not_the_same_object():
    # SymPy keeps one object per symbol only while its cache holds it: a block's variable may be an
    # equal symbol made later, and must still count as the expression's own.
    expr = 3 * X**2 * Y + Y**8
    sp.core.cache.clear_cache()  # the next symbols are new objects
    for variable in (sp.Symbol("x", real=True), sp.Symbol("y", real=True)):
        assert variable is not X and variable is not Y
        assert derivative(expr, variable) == sp.diff(expr, variable) != 0


def test_a_constant_too_large_for_a_float_compiles_and_fails_only_in_floats():
    huge = sp.Integer(12345678901234567890) ** 40
    value = compile_sympy(huge * X)  # building the closure does not turn the constant into a float
    with pytest.raises(OverflowError):
        value({"x": 2.0}, Numbers(), [])
    assert value({"x": 2}, Numbers(digits=900), []) == 2 * huge
