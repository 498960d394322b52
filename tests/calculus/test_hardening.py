"""Edge cases of the calculus and the renderers: each must give an honest value or a clear error."""

from __future__ import annotations

import pytest

import mdjacobian
from mdjacobian.errors import BlockError

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
