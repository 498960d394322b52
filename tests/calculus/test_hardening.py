"""Edge cases of the calculus and the renderers: each must give an honest value or a clear error."""

from __future__ import annotations

import pytest
import sympy as sp

import mdjacobian
from mdjacobian.errors import BlockError

from ..inprocess import evaluate_here  # planted mistakes live in this process: the blocks that must catch them are computed here too

# -- constants with no real value are rejected where they are written ---------------------------------


@pytest.mark.parametrize(
    ("source", "line", "shown"),
    [
        ("f(x) = max(x, log(-1))", 1, "log(-1)"),
        ("f(x) = max(x, cot(0))", 1, "cot(0)"),
        ("f(x) = Heaviside(asin(2)) x", 1, "asin(2)"),
        ("f(y) = cot(cosh(acos(67) y))\nat: y = 1", 1, "acos(67)"),
        ("f(x) = max(x, log(-pi))", 1, "log(-pi)"),
        ("f(x) = max(x, sqrt(pi - 4))", 1, "sqrt("),
        ("f(x) = Heaviside(asin(pi)) x", 1, "asin(pi)"),
        ("f(x) = max(x, cot(pi))", 1, "cot(pi)"),
        ("f(x) = log(cos(pi)) x", 1, "log(-1)"),
        ("f(x) = (-pi)^(1/2) x", 1, "(-pi)^(1/2)"),
        ("f(x) = x^2\ng(x) = max(x, tan(pi/2))", 2, "tan(pi/2)"),
        ("f(x) = x / sin(pi)", 1, "division by zero"),
    ],
)
def test_a_constant_with_no_real_value_is_an_error_on_its_line(source: str, line: int, shown: str) -> None:
    with pytest.raises(BlockError) as caught:
        mdjacobian.evaluate(source)
    assert caught.value.line == line
    assert shown in str(caught.value)
    assert "could not compute" not in str(caught.value)


def test_a_real_constant_is_kept() -> None:
    result = mdjacobian.evaluate("f(x) = x + exp(2) + sin(pi/7) + acos(1/3)")
    assert result.matrix[0, 0] == 1


# -- honest values at a point ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("f(x) = sqrt(x)\nat: x = -1", "not real at x = -1: sqrt(x) is defined for x ≥ 0"),
        ("f(x) = acos(x)\nat: x = 2", "not real at x = 2: acos(x) is defined for -1 ≤ x ≤ 1"),
        ("f(x) = x^(1/3)\nat: x = -1", "not real at x = -1: x^(1/3) is defined for x ≥ 0"),
        ("f(x) = log(x) + x\nat: x = -2", "log(x) is defined for x > 0"),
        ("f(x) = g(x^2)\nat: x = 1", "no numeric value at x = 1: it involves the abstract function g"),
        ("f(x, y) = step(x) y\nat: x = 0, y = 2", "no numeric value"),
    ],
)
def test_a_value_that_is_not_a_real_number_is_an_error(source: str, reason: str) -> None:
    with pytest.raises(BlockError) as caught:
        mdjacobian.evaluate(source)
    assert reason in str(caught.value)
    assert caught.value.line == 2


@pytest.mark.parametrize(
    ("source", "kink"),
    [
        ("f(x) = max(x, 2x)\nat: x = 0", "max(x, 2*x)"),
        ("f(x, y) = max(x, y)\nat: x = 1, y = 1", "max(x, y)"),
        ("f(a) = max(a^2, sqrt(a))\nat: a = 1", "max("),
        ("f(x) = abs(x)\nat: x = 0", "abs(x)"),
        ("f(x, y) = Heaviside(x) y\nat: x = 0, y = 2", "Heaviside(x)"),
        ("f(x) = min(x, 0) + 3x\nat: x = 0", "min("),
    ],
)
def test_a_point_on_a_kink_without_a_derivative_is_an_error(source: str, kink: str) -> None:
    with pytest.raises(BlockError, match="the derivative does not exist") as caught:
        mdjacobian.evaluate(source)
    assert kink in str(caught.value)
    assert caught.value.line == 2


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("f(x) = x abs(x)\nat: x = 0", [[0]]),  # a kink with a derivative across it
        ("f(x) = max(x, 0)^2\nat: x = 0", [[0]]),
        ("f(x, y) = Heaviside(x) y\nat: x = 1, y = 2", [[0, 1]]),
        ("f(x, y) = Heaviside(x) y\nat: x = -1, y = 2", [[0, 0]]),
        ("f(x) = sign(x) abs(x)^(1/3)\nat: x = -8", [[sp.Rational(1, 12)]]),  # the real cube root
        ("f(x) = x^(1/3)\nat: x = 8", [[sp.Rational(1, 12)]]),
    ],
)
def test_a_value_with_a_derivative_is_shown(source: str, expected: list) -> None:
    assert mdjacobian.evaluate(source).value == sp.Matrix(expected)


def test_heaviside_is_zero_at_zero_in_the_function_and_its_derivative() -> None:
    result = mdjacobian.evaluate("f(x, y) = Heaviside(x) y\nat: x = 0, y = 0")
    assert result.value == sp.Matrix([[0, 0]])  # f(0, y) = 0 for every y: ∂f/∂y = θ(0) = 0


def test_a_wrong_value_at_the_point_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    from mdjacobian.calculus import guard

    real = guard.substitute

    def off(expr, mapping, limit):  # noqa: ANN001, ANN202 - the value, one part in a million off
        return real(expr, mapping, limit) * (1 + sp.Rational(1, 10**6))

    monkeypatch.setattr(guard, "substitute", off)
    with pytest.raises(BlockError, match="numerical check failed: the Jacobian at x = 1/2"):
        evaluate_here("f(x) = sin(x) + x^3\nat: x = 1/2")


def test_the_value_at_a_point_of_a_steep_or_huge_function_passes() -> None:
    assert mdjacobian.evaluate("f(x) = x + 10^30\nat: x = 2").value[0, 0] == 1
    assert mdjacobian.evaluate("f(x) = sin(10^15 x)\nat: x = 1/3").value is not None
    assert mdjacobian.evaluate("f(x, y) = cot(cot(y)/x)\nat: x = 1/4, y = -1").value.shape == (1, 2)


# -- names that are also TeX commands -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("frac(x) = x^2", ["frac"]),
        ("f(re, im) = re im", ["re", "im"]),
        ("f(x, y) = frac(x, y)", ["frac"]),
        ("f(x) = re(x) + im(x) + root(x) + ln2(x)", ["re", "im", "root"]),
        ("f(left, over) = left^2 over", ["left", "over"]),
        ("x in R^2\nf(x) = frac(x1, x2) + re(x1)", ["frac", "re"]),
        ("f(int, root) = int root", ["int", "root"]),
    ],
)
def test_names_that_are_tex_commands_render_in_both_outputs(source: str, names: list[str]) -> None:
    from mdjacobian.api import render_block
    from mdjacobian.render.mathml import tex_to_mathml

    result = mdjacobian.evaluate(source)
    for name in names:
        assert f"\\partial \\{name}" not in result.tex and f"\\{name}{{\\left(" not in result.tex
    for tex in result.equations:
        mathml = tex_to_mathml(tex)  # raises on TeX the converter cannot parse
        assert "merror" not in mathml
    page = render_block(source, {"output": "mathml"})
    text = "".join(__import__("re").findall(r">([^<]*)<", page))
    for name in names:
        assert name in text
    assert "arithmatex" in render_block(source, {"output": "tex"})


# -- bounded output -------------------------------------------------------------------------------------


def test_the_default_output_limit() -> None:
    from mdjacobian.limits import Limits

    assert Limits().max_output_chars == 1_000_000


@pytest.mark.parametrize("output", ["mathml", "tex"])
def test_output_past_the_limit_is_a_limit_error(output: str) -> None:
    import time

    from mdjacobian.api import render_block
    from mdjacobian.errors import LimitError
    from mdjacobian.limits import Limits

    source = "\n".join(f"f{i}(x, y) = (12345678901234567890^{40 + i}) x y^{i + 1}" for i in range(3))
    page = render_block(source, {"output": output})
    assert len(page) > 6 * 700  # each of the six entries prints a number of about 800 digits
    start = time.monotonic()
    with pytest.raises(LimitError) as caught:
        render_block(source, {"output": output}, limits=Limits(max_output_chars=len(page) - 1))
    assert caught.value.limit == "max_output_chars"
    assert str(len(page)) in str(caught.value)
    assert time.monotonic() - start < 30


# -- the check: no false alarms, and wrong derivatives still fail ----------------------------------------

HUGE = ["f(x) = x + 10^30", "f(x) = x + exp(80)", "f(x) = sin(10^15 x)", "f(x, y) = exp(80) x y + y"]


@pytest.mark.parametrize("source", HUGE)
def test_huge_or_steep_functions_pass_the_check(source: str) -> None:
    assert mdjacobian.evaluate(source).check.checked


@pytest.mark.parametrize("source", HUGE)
@pytest.mark.parametrize("wrong", ["relative", "additive"])
def test_a_wrong_derivative_fails_the_check(monkeypatch: pytest.MonkeyPatch, source: str, wrong: str) -> None:
    from mdjacobian.calculus import engine

    real = engine._entries

    def spoiled(matrix):  # noqa: ANN001, ANN202 - the first entry, slightly wrong
        x = sp.Symbol("x", real=True)
        first = matrix[0] * (1 + sp.Rational(1, 10**4)) if wrong == "relative" else matrix[0] + x / 10**4 * max(1, abs(matrix[0].subs({s: 1 for s in matrix[0].free_symbols})).evalf())
        return real(sp.ImmutableMatrix(matrix.rows, matrix.cols, [first, *list(matrix)[1:]]))

    monkeypatch.setattr(engine, "_entries", spoiled)
    with pytest.raises(BlockError, match="numerical check failed"):
        evaluate_here(source)


def test_a_point_outside_the_domain_is_skipped() -> None:
    result = mdjacobian.evaluate("f(x) = x/log(1 + max(x, 0))")  # undefined for x ≤ 0
    assert result.check.checked


def test_a_negative_number_to_a_varying_power_is_an_error_naming_its_line() -> None:
    with pytest.raises(BlockError, match="line 1: a negative number \\(-12\\) to a power that varies is not real"):
        mdjacobian.evaluate("f(x, y) = (-12)^y + x")
    assert mdjacobian.evaluate("f(x) = (-2)^3 x").matrix == sp.Matrix([[-8]])
