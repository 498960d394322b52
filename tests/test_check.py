"""The numerical check: a wrong derivative is caught loudly; its verdict is visible."""

from __future__ import annotations

import pytest
import sympy as sp

from mdjacobian import BlockError, calculus, evaluate
from mdjacobian.check import POINTS, check
from mdjacobian.parse import parse_block


def test_correct_results_are_checked():
    result = evaluate("f(x, y) = sin(x y) + ln(1 + x^2)\ng(x, y) = sqrt(x^2 + y^2) max(0, x - y)")
    assert result.check.checked and result.check.points == POINTS


@pytest.mark.parametrize(
    "wrong",
    [
        lambda j: j + sp.ones(*j.shape) / 1000,  # slightly off everywhere
        lambda j: j.applyfunc(lambda e: e.subs(sp.Symbol("x", real=True), 0) if e.has(sp.Symbol("x", real=True)) else e),
        lambda j: sp.zeros(*j.shape),  # the silent-zero failure of some symbolic differentiators
    ],
)
def test_a_planted_wrong_result_is_caught(monkeypatch, wrong):
    right = calculus.jacobian
    monkeypatch.setattr(calculus, "jacobian", lambda block: sp.ImmutableMatrix(wrong(right(block))))
    with pytest.raises(BlockError, match=r"numerical check failed: ∂f/∂x is .* by differentiation but .* by central differences at x = "):
        evaluate("f(x, y) = x^3 y + exp(x)")


def test_planted_error_is_caught_at_symbolic_n(monkeypatch):
    right = calculus.jacobian
    monkeypatch.setattr(calculus, "jacobian", lambda block: sp.ImmutableMatrix(2 * right(block)))
    with pytest.raises(BlockError, match="numerical check failed"):
        evaluate("x, w in R^n\ny = x .* w\nwrt: w")


def test_abstract_functions_are_not_checked_and_say_why():
    result = evaluate("h(x) = f(x^2) + x")
    assert not result.check.checked
    assert str(result.check) == "not checked numerically: abstract functions have no values"


def test_domains_are_respected():
    """log and sqrt need positive points; asin needs |x| < 1: the check finds such points."""
    assert evaluate("f(x, y) = ln(x) sqrt(y) + asin(x)").check.checked


def test_functions_with_no_real_values_are_reported_not_faked():
    result = evaluate("f(x) = sqrt(-1 - x^2)")
    assert not result.check.checked
    assert "no random point" in result.check.reason


def test_points_avoid_kinks():
    block = parse_block("f(x) = abs(x) + max(0, x - 1)")
    assert check(block, calculus.jacobian(block)).checked


def test_check_is_deterministic():
    source = "f(x, y) = x^2 y"
    block = parse_block(source)
    assert check(block, calculus.jacobian(block)) == check(block, calculus.jacobian(block))
