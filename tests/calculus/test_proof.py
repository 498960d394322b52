"""The numerical proof: a wrong derivative is never shown; a right one is not rejected.

Wrong answers are planted by replacing the engine's rules with wrong ones; the proof must stop
every one of them with a loud error, at concrete and at symbolic sizes, in components, in matrix
notation and in chain factors.
"""

from __future__ import annotations

import pytest
import sympy as sp

from mdjacobian import BlockError, evaluate
from mdjacobian.calculus import algebra as al
from mdjacobian.calculus import chain as chain_module
from mdjacobian.calculus import engine
from mdjacobian.calculus.proof import Mismatch, Prover

from ..inprocess import evaluate_here  # planted rules live in this process: the blocks that must catch them are computed here too


def test_correct_results_are_checked():
    result = evaluate("f(x, y) = sin(x y) + ln(1 + x^2)\ng(x, y) = sqrt(x^2 + y^2) max(0, x - y)")
    assert result.check.checked and result.check.points == 3
    symbolic = evaluate("x in R^n\nW in R^(m x n)\nf = norm(W x)^2\nwrt: W")
    assert symbolic.check.checked and len(symbolic.check.sizes) == 3


WRONG_FORMS = {
    "doubled": lambda right: al.mul(al.number(2), right),
    "slightly off": lambda right: al.mul(al.number(al.Fraction(10001, 10000)), right),
    "zero": lambda right: al.zero(right.shape),
    "negated": lambda right: al.neg(right),
    "plus one": lambda right: al.add(right, al.ones(right.shape)),
}


@pytest.mark.parametrize("wrong", WRONG_FORMS.values(), ids=WRONG_FORMS.keys())
@pytest.mark.parametrize(
    "source",
    [
        "x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x",
        "x in R^n\nW in R^(m x n)\ny in R^m\nf = norm(W x - y)^2\nwrt: W",
        "z in R^n\ns = softmax(z)\nwrt: z",
        "x, w in R^3\ny = w .* sin(x)\nwrt: x",
    ],
    ids=["quadratic", "least-squares", "softmax", "concrete"],
)
def test_a_planted_wrong_matrix_form_is_caught(monkeypatch, source, wrong):
    right = engine.matrix_derivative
    monkeypatch.setattr(engine, "matrix_derivative", lambda *args: wrong(right(*args)))
    with pytest.raises(Mismatch, match="numerical check failed: ∂/∂\\w+ in matrix notation disagrees"):
        evaluate_here(source)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda d: d + sp.Rational(1, 1000),
        lambda d: d * (1 + sp.Rational(1, 10**5)),
        lambda d: sp.Integer(0),
        lambda d: d.subs(sp.Symbol("x", real=True), 0),
    ],
    ids=["offset", "relative-1e-5", "zero", "x-dropped"],
)
def test_a_planted_wrong_component_is_caught(monkeypatch, wrong):
    right = engine.diff
    monkeypatch.setattr(engine, "diff", lambda expr, variable: wrong(right(expr, variable)))
    with pytest.raises(Mismatch, match="in components disagrees with central differences of the function"):
        evaluate_here("f(x, y) = x^3 y + exp(x)")


STEEP = "y1(x1, x2, x3) = 4 x1^2 x2 + sin(21 x3)\ny2(x1, x2, x3) = exp(x1 x2) - 30 x3^3\ny3(x1, x2, x3) = ln(1 + x1^2) + 4 x2 x3"
"""A block whose first step's truncation error leaves the floats unsure, so a smaller step decides."""


@pytest.mark.parametrize(
    "wrong", [lambda d: d * (1 + sp.Rational(1, 10**5)), lambda d: d + sp.Rational(1, 10**4)], ids=["relative-1e-5", "offset-1e-4"]
)
def test_a_small_error_is_caught_where_a_smaller_step_decides(monkeypatch, wrong):
    levels = []
    real_estimate = Prover._estimate

    def estimate(self, claim, values, sizes, u, w, level, *rest):  # noqa: ANN001, ANN202
        levels.append(level)
        return real_estimate(self, claim, values, sizes, u, w, level, *rest)

    monkeypatch.setattr(Prover, "_estimate", estimate)
    assert evaluate_here(STEEP).check.checked
    assert 1 in levels  # the right answer needed the smaller step, in floats
    right = engine.diff
    monkeypatch.setattr(engine, "diff", lambda expr, variable: wrong(right(expr, variable)))
    with pytest.raises(Mismatch, match="in components disagrees with central differences of the function"):
        evaluate_here(STEEP)


def test_a_planted_wrong_chain_factor_is_caught(monkeypatch):
    right = chain_module.matrix_derivative
    calls = {"n": 0}

    def wrong(expr, variable, *rest):
        calls["n"] += 1
        value = right(expr, variable, *rest)
        return al.mul(al.number(3), value) if calls["n"] == 1 else value

    monkeypatch.setattr(chain_module, "matrix_derivative", wrong)
    with pytest.raises(Mismatch, match="the factor|the chain.s product"):
        evaluate_here("x in R^n\nW in R^(m x n)\nz = W x\nL = norm(z)^2\nwrt: x\nshow: chain")


@pytest.mark.parametrize(
    "source",
    [
        "f(x) = x + 10^30",
        "f(x) = x + exp(80)",
        "f(x) = sin(10^15 x)",
        "f(x) = 10^-30 x^2",
        "f(x) = exp(1000 x)",
        "f(x) = x/log(1 + max(x, 0))",  # a point where it divides by zero is skipped, not fatal
        "f(x, y) = ln(x) sqrt(y) + asin(x)",  # domains: log and sqrt need positive points
        "f(x) = abs(x) + max(0, x - 1)",  # points next to a kink are skipped
        "x in R^n\nA in R^(n x n)\nf = logdet(A)\nwrt: A",  # only half of random matrices have det > 0
    ],
)
def test_no_false_alarm(source):
    assert evaluate(source).check.checked


def test_abstract_functions_are_not_checked_and_say_why():
    result = evaluate("h(x) = f(x^2) + x")
    assert not result.check.checked
    assert str(result.check) == "not checked numerically: abstract functions have no values"


def test_functions_with_no_real_values_are_reported_not_faked():
    result = evaluate("f(x) = sqrt(-1 - x^2)")
    assert not result.check.checked
    assert "no random point" in result.check.reason


def test_the_proof_is_deterministic():
    source = "x in R^n\nW in R^(m x n)\ny in R^m\nf = norm(W x - y)^2\nwrt: W"
    assert evaluate(source).check == evaluate(source).check


def test_a_mismatch_is_an_error_an_author_sees():
    assert issubclass(Mismatch, BlockError)
