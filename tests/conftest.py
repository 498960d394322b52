"""Shared fixtures: SymPy symbols as the block language builds them, and a Markdown renderer."""

from __future__ import annotations

import os
import tempfile

import markdown
import pytest
import sympy as sp


# The cache's signing key lives in the user's configuration directory: the tests, and every process
# they start, use one of their own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="mdjacobian-config-")
os.environ["APPDATA"] = os.environ["XDG_CONFIG_HOME"]
os.environ.pop("MDJACOBIAN_CACHE_KEY", None)


def sym(*names: str) -> tuple[sp.Symbol, ...]:
    """Real symbols, as the block language makes them."""
    return tuple(sp.Symbol(n, real=True) for n in names)


def same(a: sp.Basic, b: sp.Basic) -> bool:
    """Mathematical equality of two expressions or matrices."""
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        a, b = sp.Matrix(a), sp.Matrix(b)
        return a.shape == b.shape and all(sp.simplify(x - y) == 0 for x, y in zip(a, b))
    return sp.simplify(a - b) == 0


@pytest.fixture
def md():
    """A Markdown renderer with only the mdjacobian extension."""
    return markdown.Markdown(extensions=["mdjacobian"])
