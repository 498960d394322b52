"""Blocks that cost a lot on purpose, shared by the tests of every host.

``SLOW`` is short text that keeps SymPy busy far past any time limit: a max of 29 sums is a
piecewise function whose pieces SymPy finds by comparing its arguments pair by pair, polynomials in
y of degrees up to 29. ``BIG_OUTPUT`` is 1.9 KB whose result would print as tens of megabytes: six
functions of two products of 40 factors, each factor holding a fraction of two 955-digit numbers,
so that each entry of the Jacobian holds 1,560 of them.
"""

from __future__ import annotations

SLOW = "f(x, y, z) = max(" + ", ".join(f"{i}x - y^{i} + z" for i in range(1, 30)) + ")"


def _product(variable: str) -> str:
    return "".join(f"({variable}+(9^1000+{k})/9^1000)" for k in range(1, 41))


BIG_OUTPUT = "\n".join(
    [
        f"u = {_product('x')}",
        f"v = {_product('y')}",
        *(f"f{i}(x, y) = {body}" for i, body in enumerate(["u v", "u + v", "u - v", "2u + v", "u + 3v", "u v + u"], 1)),
    ]
)
