"""The expression language: what each construct builds, and how mistakes are reported."""

from __future__ import annotations

import pytest
import sympy as sp

from mdjacobian import BlockError, LimitError, Limits
from mdjacobian.grammar import parse_expression, tokenize

from .conftest import same, sym

x, y, z, x1, x_1, alpha = sym("x", "y", "z", "x1", "x_1", "alpha")
LIMITS = Limits()


def parse(text: str, variables: tuple[str, ...] = ()) -> sp.Expr:
    return parse_expression(text, LIMITS, variables)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3x^2 y", 3 * x**2 * y),
        ("3x**2 y", 3 * x**2 * y),
        ("x^2*y", x**2 * y),  # ^ is a power, not XOR: x^(2*y) would be wrong
        ("2x + y^8", 2 * x + y**8),
        ("2 x y", 2 * x * y),
        ("-x^2", -(x**2)),
        ("x^-1", 1 / x),
        ("2^3^2", sp.Integer(512)),  # right-associative
        ("1/2", sp.Rational(1, 2)),
        ("1/2x", x / 2),  # implicit multiplication binds like *
        ("0.25 x", x / 4),
        ("1.5", sp.Rational(3, 2)),
        (".5", sp.Rational(1, 2)),
        ("(x + 1)(x - 1)", (x + 1) * (x - 1)),
        ("2(x + y)", 2 * (x + y)),
        ("sin(x)cos(y)", sp.sin(x) * sp.cos(y)),
        ("exp(x) + ln(x) + log(x, 2)", sp.exp(x) + sp.log(x) + sp.log(x, 2)),
        ("sqrt(x) abs(y)", sp.sqrt(x) * sp.Abs(y)),
        ("max(0, x) + min(x, y, z)", sp.Max(0, x) + sp.Min(x, y, z)),
        ("sinh(x) + cosh(x) + tanh(x)", sp.sinh(x) + sp.cosh(x) + sp.tanh(x)),
        ("asin(x) + acos(x) + atan(x)", sp.asin(x) + sp.acos(x) + sp.atan(x)),
        ("Heaviside(x)", sp.Heaviside(x)),
        ("pi x", sp.pi * x),
        ("alpha x1 + x_1", alpha * x1 + x_1),
    ],
)
def test_expressions(text, expected):
    assert same(parse(text), expected)


def test_unknown_call_is_an_abstract_function():
    f, g1 = sp.Function("f"), sp.Function("g1")
    assert parse("f(x) + g1(x1, y)") == f(x) + g1(x1, y)


def test_a_variable_followed_by_parentheses_multiplies():
    assert parse("x(y + 1)", variables=("x",)) == x * (y + 1)
    assert parse("x(y + 1)") == sp.Function("x")(y + 1)


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("x + * y", "unexpected '*' after '+'", 5),
        ("* x", "unexpected '*' at the start of the expression", 1),
        ("x +", "expression ends after '+'", 4),
        ("", "expected an expression", 1),
        ("(x + 1", "missing ')' for the '(' at column 1", 7),
        ("x)", "unexpected ')' after 'x'", 2),
        ("x.real", "unexpected character '.'", 2),
        ("'x'", "unexpected character", 1),
        ("2 3", "missing operator between '2' and '3'", 3),
        ("sin x", "'sin' is a function: write sin(...)", 1),
        ("sin(x, y)", "sin() takes 1 argument, got 2", 1),
        ("max(x)", "max() takes at least 2 arguments, got 1", 1),
        ("f()", "f() needs at least one argument", 1),
        ("__import__(x)", "not a valid name", 1),
        ("x/0", "division by zero", 2),
        ("0^-1", "division by zero", 2),
    ],
)
def test_errors_name_the_column(text, message, column):
    with pytest.raises(BlockError) as info:
        parse(text)
    assert message in str(info.value)
    assert info.value.column == column


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("9" * 41, "max_literal_digits"),
        ("x^1001", "max_exponent"),
        ("9^9^9", "max_exponent"),
        ("(x^1000)^1000", "max_exponent"),
        ("10^999 * 10^999 * 10", "max_number_digits"),
        ("(" * 60 + "x" + ")" * 60, "max_depth"),
        ("-" * 60 + "x", "max_depth"),
    ],
)
def test_limits(text, limit):
    with pytest.raises(LimitError) as info:
        parse(text)
    assert info.value.limit == limit


def test_tokens_carry_columns_from_their_line():
    tokens = tokenize("3x", column=5)
    assert [(t.text, t.column) for t in tokens[:2]] == [("3", 5), ("x", 6)]
