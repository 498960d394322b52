"""The Jacobian at an ``at:`` point: exact, real, and proven by the function's own differences.

The value is the exact Jacobian with the point substituted. It is shown only when it is a real,
finite number (or an expression in the block's remaining parameters) and when differences of the
function on both sides of the point agree with it. On a kink of abs, max, min, sign or Heaviside
the two sides usually disagree: then no derivative exists there, and the block is an error rather
than a number taken from one branch. A function with a derivative across its kink (x·|x| at 0)
passes, since both sides agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from ..errors import BlockError
from .components import compile_sympy
from .guard import substitute, unreal, written
from .numeric import Invalid, Numbers, Unevaluable

TOLERANCE = 1e-8
LEVELS = ((60, 15), (140, 45))
"""(digits, step exponent) for the differences at the point: the second redoes an unclear first."""


def describe_point(mapping: Mapping[sp.Symbol, sp.Basic]) -> str:
    """``x = -1, y = 1/2``."""
    return ", ".join(f"{s.name} = {written(v)}" for s, v in mapping.items())


def check_value(
    value: sp.Basic, functions: Sequence[sp.Expr], mapping: Mapping[sp.Symbol, sp.Basic], limit: int
) -> None:
    """Raise a BlockError when one entry of the Jacobian at the point is not a real, finite number."""
    where = describe_point(mapping)
    abstract(value, where)
    why = unreal(value)
    if why == "has no finite value":
        raise BlockError(f"the Jacobian is undefined at {where} (division by zero)")
    if why is not None or value.is_extended_real is False:
        reason = domain_reason(functions, mapping, limit)
        raise BlockError(f"the Jacobian is not real at {where}" + (f": {reason}" if reason else ""))


def abstract(entry: sp.Basic, where: str) -> None:
    """Raise a BlockError when an entry involves an abstract function: it has no number at a point."""
    if entry.has(sp.Subs, sp.Derivative, AppliedUndef):
        names = sorted({type(f).__name__ for f in entry.atoms(AppliedUndef)})
        raise BlockError(
            f"the Jacobian has no numeric value at {where}: it involves the abstract function "
            f"{', '.join(names) or 'of the block'}, whose derivative is unknown"
        )


def check_function(functions: Sequence[sp.Expr], mapping: Mapping[sp.Symbol, sp.Basic], limit: int) -> None:
    """Raise a BlockError when the function itself has no real value at the point (log(x) + x at -2)."""
    for f in functions:
        if f.has(AppliedUndef):
            continue
        if unreal(substitute(f, mapping, limit)) is not None:
            reason = domain_reason(functions, mapping, limit)
            where = describe_point(mapping)
            raise BlockError(f"the function is not real at {where}" + (f": {reason}" if reason else ""))


def _sign(value: sp.Basic) -> int | None:
    """-1, 0 or 1 for a constant, exactly when SymPy can tell, else from 30 digits; None otherwise."""
    if value.free_symbols:
        return None
    if value.is_zero:
        return 0
    if value.is_extended_positive:
        return 1
    if value.is_extended_negative:
        return -1
    approx = value.evalf(30)
    if not approx.is_Number:
        return None
    return (approx > 0) - (approx < 0)


def domain_reason(functions: Sequence[sp.Expr], mapping: Mapping[sp.Symbol, sp.Basic], limit: int) -> str:
    """Which part of the function leaves its real domain at the point: ``sqrt(x) is defined for x ≥ 0``."""
    for f in functions:
        for sub in sp.postorder_traversal(f):
            if isinstance(sub, sp.Pow) and sub.exp.is_Rational and not sub.exp.is_Integer:
                s = _sign(substitute(sub.base, mapping, limit))
                if s is not None and s < 0:
                    base = written(sub.base)
                    hint = ""
                    if sub.exp.q % 2 == 1:
                        hint = f" (for the real root of a negative number, write sign({base}) abs({base})^({written(sub.exp)}))"
                    return f"{written(sub)} is defined for {base} ≥ 0{hint}"
            elif isinstance(sub, (sp.log, sp.asin, sp.acos)):
                arg = sub.args[0]
                v = substitute(arg, mapping, limit)
                if isinstance(sub, sp.log):
                    s = _sign(v)
                    if s is not None and s <= 0:
                        return f"{written(sub)} is defined for {written(arg)} > 0"
                else:
                    s_high, s_low = _sign(v - 1), _sign(v + 1)
                    if (s_high is not None and s_high > 0) or (s_low is not None and s_low < 0):
                        return f"{written(sub)} is defined for -1 ≤ {written(arg)} ≤ 1"
    return ""


def kinks_at(functions: Sequence[sp.Expr], mapping: Mapping[sp.Symbol, sp.Basic], limit: int) -> list[str]:
    """The parts of the function that sit on their kink at the point: abs(x) at 0, max(x, y) at a tie."""
    found: list[str] = []
    for f in functions:
        for sub in sp.preorder_traversal(f):
            if isinstance(sub, (sp.Abs, sp.sign, sp.Heaviside)):
                arguments = [sub.args[0]]
            elif isinstance(sub, (sp.Max, sp.Min)):
                arguments = [a - b for i, a in enumerate(sub.args) for b in sub.args[i + 1 :]]
            else:
                continue
            for a in arguments:
                if _sign(substitute(a, mapping, limit)) == 0:
                    shown = written(sub.func(*sub.args[:1])) if isinstance(sub, sp.Heaviside) else written(sub)
                    if shown not in found:
                        found.append(shown)
                    break
    return found


# -- the numerical proof at the point -------------------------------------------------------------------


def prove_at(
    functions: Sequence[sp.Expr],
    variables: Sequence[sp.Symbol],
    value: sp.MatrixBase,
    point: Mapping[sp.Symbol, sp.Basic],
    where: str,
    kinks: Sequence[str],
) -> None:
    """Compare ``value`` (entry i, j is ∂functions[i]/∂variables[j]) with differences of the functions
    on both sides of the point, in mpmath; escalate to more digits and a smaller step when unclear.

    A disagreement raises a BlockError: at a kink, that no derivative exists there; elsewhere, that
    the value is wrong. A point where the function cannot be evaluated leaves the exact value alone.
    """
    compiled = [compile_sympy(f) for f in functions]
    entries = [[compile_sympy(value[i, j]) for j in range(value.cols)] for i in range(value.rows)]
    exact = {s.name: compile_sympy(v) for s, v in point.items()}
    # A variable may appear in no function (wrt: z, for functions of x and y): it needs a value too.
    others = sorted(({s.name for f in functions for s in f.free_symbols} | {v.name for v in variables}) - set(exact))
    verdict = "pass"
    for digits, step in LEVELS:
        numbers = Numbers(digits=digits)
        values = {name: c({}, numbers, []) for name, c in exact.items()}
        for k, name in enumerate(others):  # parameters the point leaves free: fixed, unremarkable values
            values[name] = numbers.number(Fraction(7 + 3 * k, 10))
        try:
            verdict = _compare(compiled, entries, [v.name for v in variables], values, numbers, step)
        except (Invalid, Unevaluable, ZeroDivisionError, OverflowError, ValueError):
            return
        if verdict == "pass":
            return
    if verdict == "unsure" and not kinks:
        return
    if kinks:
        raise BlockError(
            f"the derivative does not exist at {where}: {', '.join(kinks)} "
            f"{'has a kink or a jump' if len(kinks) == 1 else 'have kinks or jumps'} there, "
            "and the function's differences on either side disagree; choose another point"
        )
    raise BlockError(
        f"numerical check failed: the Jacobian at {where} disagrees with differences of the function there; "
        "this is a bug in mdjacobian, please report the block"
    )


def _norm(values: list) -> Any:
    return max((abs(v) for v in values), default=0)


def _compare(compiled, entries, names, values, numbers: Numbers, step: int) -> str:  # noqa: ANN001
    """``pass``, ``mismatch`` or ``unsure``, for every variable, from both sides of the point."""
    base = [f(values, numbers, []) for f in compiled]
    fscale = max([numbers.number(1)] + [abs(x) for x in base])
    verdict = "pass"
    for j, name in enumerate(names):
        h = numbers.number(10) ** (-step) * max(1, abs(values[name]))
        target = [row[j](values, numbers, []) for row in entries]
        for side in (1, -1):
            def quotient(t):  # noqa: ANN001, ANN202
                moved = dict(values)
                moved[name] = values[name] + side * t
                return [side * (f(moved, numbers, []) - b) / t for f, b in zip(compiled, base)]

            d1, d2, d4 = quotient(h), quotient(h / 2), quotient(h / 4)
            r1 = [2 * b - a for a, b in zip(d1, d2)]
            r2 = [2 * b - a for a, b in zip(d2, d4)]
            noise = _norm([a - b for a, b in zip(r1, r2)]) + numbers.eps * fscale * 16 / h
            error = _norm([a - b for a, b in zip(r2, target)])
            size = max(_norm(target), _norm(r2))
            if error <= TOLERANCE * size + 4 * noise and noise <= TOLERANCE * max(size, fscale * h):
                continue
            if error > 100 * noise + TOLERANCE * size:
                return "mismatch"
            verdict = "unsure"
    return verdict
