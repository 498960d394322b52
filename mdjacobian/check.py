"""The numerical check: every Jacobian is compared with central differences before it is shown.

Values come from ``evalf`` on the block's own expressions (no generated code is executed), at a
few random points drawn from a generator seeded by the block, so a page builds the same each time.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from .errors import BlockError
from .model import Block

POINTS = 3
DIGITS = 50
STEP = sp.Float("1e-18", DIGITS)  # tiny, so steep functions (sin(10^9 x)) are differenced accurately
TOLERANCE = 1e-7
HUGE = sp.Float("1e50")  # beyond this a point says more about overflow than about the derivative
_KINKS = (sp.Heaviside, sp.Abs, sp.Max, sp.Min, sp.sign)


@dataclass(frozen=True)
class Check:
    """The verdict of the numerical check."""

    checked: bool
    points: int = 0
    reason: str = ""

    def __str__(self) -> str:
        if self.checked:
            return f"checked against central differences at {self.points} random points"
        return f"not checked numerically: {self.reason}"


def _value(expr: sp.Expr, point: dict[sp.Symbol, sp.Float]) -> sp.Float | None:
    value = expr.evalf(DIGITS, subs=point)  # numeric evaluation; no tree is rebuilt
    if not (value.is_real and value.is_finite and value.is_Number) or abs(value) > HUGE:
        return None
    return value


def _near_kink(exprs: list[sp.Expr], point: dict[sp.Symbol, sp.Float]) -> bool:
    """True when a point sits where max, abs or a step changes branch: no derivative there."""
    for expr in exprs:
        for node in expr.atoms(*_KINKS):
            args = node.args[:1] if isinstance(node, sp.Heaviside) else node.args
            values = [_value(a, point) for a in args]
            if any(v is None for v in values):
                return True
            if isinstance(node, (sp.Max, sp.Min)):
                values = sorted(values)
                if any(abs(b - a) < 1e-6 for a, b in zip(values, values[1:])):
                    return True
            elif any(abs(v) < 1e-6 for v in values):
                return True
    return False


def check(block: Block, jacobian: sp.MatrixBase) -> Check:
    """Compare the numerator-layout ``jacobian`` with central differences; raise BlockError on a mismatch."""
    functions = [c.expr for c in block.components]
    if any(f.atoms(AppliedUndef) for f in functions):
        return Check(False, reason="abstract functions have no values")
    symbols = sorted(set().union(*(f.free_symbols for f in functions)) | set(block.variables), key=lambda s: s.name)
    rng = random.Random(zlib.crc32(repr((functions, block.variables)).encode()))
    found = 0
    for attempt in range(30):
        low, high = (-2.0, 2.0) if attempt < 15 else (0.1, 0.9)  # then inside every usual domain
        point = {s: sp.Float(round(rng.uniform(low, high), 6), DIGITS) for s in symbols}
        if _near_kink(functions, point):
            continue
        exact = [[_value(e, point) for e in row] for row in jacobian.tolist()]
        if any(v is None for row in exact for v in row):
            continue
        differences = []
        for variable in block.variables:
            up = {**point, variable: point[variable] + STEP}
            down = {**point, variable: point[variable] - STEP}
            ups = [_value(f, up) for f in functions]
            downs = [_value(f, down) for f in functions]
            if None in ups or None in downs:
                break
            differences.append([(u - d) / (2 * STEP) for u, d in zip(ups, downs)])
        else:
            for j, variable in enumerate(block.variables):
                for i, component in enumerate(block.components):
                    numeric, formula = differences[j][i], exact[i][j]
                    if abs(numeric - formula) > TOLERANCE * max(1, abs(formula)):
                        at = ", ".join(f"{s} = {float(v):.6g}" for s, v in point.items())
                        raise BlockError(
                            f"numerical check failed: ∂{component.name}/∂{variable} is {float(formula):.10g} "
                            f"by differentiation but {float(numeric):.10g} by central differences at {at}"
                        )
            found += 1
            if found == POINTS:
                return Check(True, points=found)
    return Check(False, reason="no random point where every entry has a real, finite value")
