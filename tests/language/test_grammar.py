"""The expression language: what each construct means, and how mistakes are reported.

Meanings are checked through the whole reading: a block ``f = <text>`` is read, built and written
out in components, and compared with the SymPy expression built directly here.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from mdjacobian import BlockError, LimitError, Limits, evaluate
from mdjacobian.language import parse_expression
from mdjacobian.language import syntax as ast
from mdjacobian.language.grammar import tokenize

from ..conftest import same, sym

x, y, z, x1, x_1, alpha = sym("x", "y", "z", "x1", "x_1", "alpha")
LIMITS = Limits()


def meaning(text: str) -> sp.Expr:
    """The function ``f = text`` means, entry by entry."""
    result = evaluate(f"f = {text}\nwrt: x")
    (function,) = result.functions
    return function


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3x^2 y", 3 * x**2 * y),
        ("3x**2 y", 3 * x**2 * y),
        ("x^2*y", x**2 * y),  # ^ is a power, not XOR
        ("2x + y^8", 2 * x + y**8),
        ("-x^2", -(x**2)),
        ("x^-1", 1 / x),
        ("2^3^2 x", 512 * x),  # right-associative
        ("1/2x", x / 2),  # implicit multiplication binds like *
        ("0.25 x", x / 4),
        (".5 x", x / 2),
        ("1e3 x", 1000 * x),
        ("2.5e-4 x", sp.Rational(1, 4000) * x),
        ("(x + 1)(x - 1)", (x + 1) * (x - 1)),
        ("2(x + y)", 2 * (x + y)),
        ("sin(x)cos(y)", sp.sin(x) * sp.cos(y)),
        ("exp(x) + ln(x) + log(x, 2)", sp.exp(x) + sp.log(x) + sp.log(x) / sp.log(2)),
        ("sqrt(x) abs(y)", sp.sqrt(x) * sp.Abs(y)),
        ("max(0, x) + min(x, y, z)", sp.Max(0, x) + sp.Min(x, y, z)),
        ("sinh(x) + cosh(x) + tanh(x)", sp.sinh(x) + sp.cosh(x) + sp.tanh(x)),
        ("asin(x) + acos(x) + atan(x)", sp.asin(x) + sp.acos(x) + sp.atan(x)),
        ("sigmoid(x)", 1 / (1 + sp.exp(-x))),
        ("Heaviside(x) + x", sp.Heaviside(x, 0) + x),
        ("pi x", sp.pi * x),
        ("alpha x1 + x", alpha * x1 + x),
    ],
)
def test_expressions_mean_what_they_say(text, expected):
    assert same(meaning(text), expected)


def test_unknown_call_is_an_abstract_function():
    g, h1 = sp.Function("g"), sp.Function("h1")
    assert meaning("g(x) + h1(x1, y)") == g(x) + h1(x1, y)


def test_a_variable_followed_by_parentheses_multiplies():
    assert same(evaluate("f(x, y) = x(y + 1)").functions[0], x * (y + 1))
    assert isinstance(parse_expression("x(y + 1)", LIMITS), ast.Call)


def test_numbers_are_exact():
    assert parse_expression("0.1", LIMITS) == ast.Num(Fraction(1, 10), "0.1", 1)
    assert parse_expression("1.5e2", LIMITS).value == 150


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
        ("x.5", "'x.5' is not a name or a number", 1),
        ("'x'", "unexpected character", 1),
        ("2 3", "missing operator between '2' and '3'", 3),
        ("sin x", "'sin' is a function: write sin(...)", 1),
        ("sin(x, y)", "sin() takes 1 argument, got 2", 1),
        ("max(x)", "max() takes at least 2 arguments, got 1", 1),
        ("f()", "f() needs at least one argument", 1),
        ("__import__(x)", "not a valid name", 1),
        ("x/0", "division by zero", 2),
        ("0^-1", "division by zero", 2),
        ("x[0]", "there is no indexing", 2),
        ("٣ x", "only the digits 0-9 are numbers", 1),
        ("３ x", "only the digits 0-9 are numbers", 1),
        ("x\u00a0+ y", "U+00A0", 2),
    ],
)
def test_errors_name_the_column(text, message, column):
    with pytest.raises(BlockError) as info:
        parse_expression(text, LIMITS)
    assert message in str(info.value)
    assert info.value.column == column


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("9" * 41, "max_literal_digits"),
        ("1e41", "max_literal_digits"),
        ("(" * 60 + "x" + ")" * 60, "max_depth"),
        ("-" * 60 + "x", "max_depth"),
    ],
)
def test_parser_limits(text, limit):
    with pytest.raises(LimitError) as info:
        parse_expression(text, LIMITS)
    assert info.value.limit == limit


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("x^1001", "max_exponent"),
        ("9^9^9 x", "max_exponent"),
        ("(x^1000)^1000", "max_exponent"),
        ("10^999 * 10^999 * 10 x", "max_number_digits"),
    ],
)
def test_size_limits_while_building(text, limit):
    with pytest.raises(LimitError) as info:
        evaluate(f"f = {text}\nwrt: x")
    assert info.value.limit == limit


def test_tokens_carry_columns_from_their_line():
    tokens = tokenize("3x", column=5)
    assert [(t.text, t.column) for t in tokens[:2]] == [("3", 5), ("x", 6)]


def test_unicode_operators_are_spellings():
    for text in ("x ⊗ y", "x ⊙ y"):
        assert parse_expression(text, LIMITS).op == ".*"
    assert parse_expression("x ⊘ y", LIMITS).op == "./"
    assert isinstance(parse_expression("xᵀ", LIMITS), ast.Transpose)
