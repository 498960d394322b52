"""Blocks that cost a lot on purpose, shared by the tests of every host.

``SLOW`` is short text that keeps SymPy busy far past any time limit: a max of 29 sums is a
piecewise function whose pieces SymPy finds by comparing its arguments pair by pair, polynomials in
y of degrees up to 29.
"""

from __future__ import annotations

SLOW = "f(x, y, z) = max(" + ", ".join(f"{i}x - y^{i} + z" for i in range(1, 30)) + ")"

