"""Size guards for SymPy: every number SymPy would build from a block is sized before it is built.

One power of two large numbers is a single C call that no time limit can stop, and SymPy evaluates
as it builds: ``2^(1000 x)`` at x = 10^40 is a number of 10^43 digits, and ``exp(k log n)`` is the
integer n^k. So values are substituted bottom up, and each power, product and exponential of
numbers is checked before SymPy computes it. No global SymPy setting is changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import sympy as sp
from sympy.printing.str import StrPrinter

from ..errors import LimitError

ROOT_DIGITS = 100
"""A fractional power of a number with more digits than this is left unevaluated (SymPy would
search it for perfect powers)."""


def digits(value: sp.Rational) -> int:
    """Digits of the larger of a rational's numerator and denominator."""
    p, q = abs(int(value.p)), int(value.q)
    return max(1, int(max(p, q).bit_length() * math.log10(2)) + 1)


def _too_large(size: float, limit: int) -> LimitError:
    return LimitError(f"a number here would have about {int(size) + 1} digits (limit {limit})", limit="max_number_digits")


def _log10(value: sp.Rational) -> float:
    """log10 of a rational's size: its numerator or its denominator, whichever is longer."""
    return math.log10(max(abs(int(value.p)), int(value.q), 1))


def check_call(func: type, args: list[sp.Basic], limit: int) -> dict[str, bool]:
    """Raise LimitError when ``func(*args)`` would compute a number past ``limit`` digits.

    Returns keyword arguments for the call: ``{"evaluate": False}`` for a fractional power of a
    long number, which SymPy would otherwise try to factor.
    """
    if func is sp.Pow:
        base, exponent = args
        if base.is_Rational and exponent.is_Rational and base != 0:
            size = _log10(base) * abs(float(exponent))
            if exponent.is_Integer and size + 1 > limit:
                raise _too_large(size, limit)
            if not exponent.is_Integer and digits(base) > ROOT_DIGITS:
                return {"evaluate": False}
            if not exponent.is_Integer and size + 1 > limit:
                raise _too_large(size, limit)
    elif func is sp.exp:
        (argument,) = args
        coeff, rest = argument.as_coeff_Mul()
        if isinstance(rest, sp.log) and rest.args[0].is_Rational and coeff.is_Rational:
            base = rest.args[0]
            size = abs(float(coeff)) * _log10(base)
            if size + 1 > limit:
                raise _too_large(size, limit)
    elif func is sp.Mul:
        size = sum(_log10(a) for a in args if a.is_Rational)
        if size + 1 > limit:
            raise _too_large(size, limit)
    return {}


def build(func: type, args: list[sp.Basic], limit: int) -> sp.Basic:
    """``func(*args)``, after checking what SymPy would compute."""
    return func(*args, **check_call(func, args, limit))


def substitute(expr: sp.Basic, mapping: Mapping[sp.Basic, sp.Basic], limit: int) -> sp.Basic:
    """``expr`` with ``mapping`` substituted, rebuilt bottom up under the size checks."""
    memo: dict[sp.Basic, sp.Basic] = {}

    def go(e: sp.Basic) -> sp.Basic:
        if e in mapping:
            return mapping[e]
        if not e.args or e.is_Atom:
            return e
        if e in memo:
            return memo[e]
        args = [go(a) for a in e.args]
        out = e if all(a is b for a, b in zip(args, e.args)) else build(e.func, args, limit)
        memo[e] = out
        return out

    return go(expr)


class _Written(StrPrinter):
    """SymPy's plain printer with the block language's names: abs, max, min, ``^`` for powers."""

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Max(self, expr: sp.Max) -> str:
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr: sp.Min) -> str:
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        return f"Heaviside({self._print(expr.args[0])})"


def written(expr: sp.Basic) -> str:
    """An expression as a block would write it: ``sqrt(x)``, ``x^(1/3)``, ``max(x, 2*x)``."""
    return _Written().doprint(expr).replace("**", "^")


def unreal(value: sp.Basic) -> str | None:
    """Why a constant has no real, finite value (``"is not real"``), or None when it has one.

    Exact first, so sin(pi) is 0 and cot(pi) undefined; a value SymPy cannot decide is computed to
    30 digits and judged by its imaginary part.
    """
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return "has no finite value"
    if isinstance(value, sp.MatrixBase):
        return next((why for why in map(unreal, value) if why), None)
    if value.free_symbols or value.has(sp.core.function.AppliedUndef):
        return None
    real = value.is_extended_real
    if real is True:
        return None
    if real is None:
        approx = value.evalf(30)
        if not approx.is_number:
            return None
        re, im = approx.as_real_imag()
        if im == 0 or abs(im) <= 1e-25 * max(1, abs(re)):
            return None
    return "is not real"
