"""Derivation -> source code of a function computing the derivative, for NumPy, JAX or PyTorch.

:mod:`.printer` holds the printer of matrix expressions that every library's printer builds on,
:mod:`.targets` one printer per library, :mod:`.entries` the printer of component entries and
:mod:`.function` the function around them. mdjacobian writes this code for readers and never runs it.
"""

from __future__ import annotations

from .function import code_source
from .targets import TARGETS

__all__ = ["TARGETS", "code_source"]
