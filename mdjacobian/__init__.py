"""Jacobians, gradients and Hessians derived in matrix notation, proven numerically and rendered as
maths in Python-Markdown pages and other hosts.

Importing this package is cheap: SymPy is loaded when the first block is computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import BlockError, LimitError, Unchecked
from .limits import Limits
from .options import Options

if TYPE_CHECKING:
    from .api import evaluate, render_block
    from .model import Block
    from .result import Result

__all__ = [
    "Block",
    "BlockError",
    "LimitError",
    "Limits",
    "Options",
    "Result",
    "Unchecked",
    "evaluate",
    "fence_format",
    "fence_validator",
    "makeExtension",
    "render_block",
]

_LAZY = {
    "evaluate": ".api",
    "render_block": ".api",
    "Result": ".result",
    "Block": ".model",
    "fence_format": ".hosts.fence",  # the SuperFences adapter imports pymdownx: load it when asked
    "fence_validator": ".hosts.fence",
}


def makeExtension(**kwargs: object):  # noqa: N802 - the name Python-Markdown looks for
    """Return the Python-Markdown extension, so ``extensions=["mdjacobian"]`` works."""
    from .hosts.extension import JacobianExtension

    return JacobianExtension(**kwargs)


def load_ipython_extension(ipython: object) -> None:
    """Add the ``%%jacobian`` cell magic, so ``%load_ext mdjacobian`` works in IPython and Jupyter."""
    from .hosts.jupyter import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'mdjacobian' has no attribute {name!r}")
