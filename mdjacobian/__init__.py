"""Jacobians computed by SymPy and rendered as matrices in Python-Markdown pages.

Importing this package is cheap: SymPy is loaded when the first block is computed.
"""

from __future__ import annotations

from .api import evaluate, render_block
from .errors import BlockError, LimitError
from .limits import Limits
from .model import Block, Component, Result
from .options import Options

__all__ = [
    "Block",
    "BlockError",
    "Component",
    "LimitError",
    "Limits",
    "Options",
    "Result",
    "evaluate",
    "fence_format",
    "fence_validator",
    "makeExtension",
    "render_block",
]


def makeExtension(**kwargs: object):  # noqa: N802 - the name Python-Markdown looks for
    """Return the Python-Markdown extension, so ``extensions=["mdjacobian"]`` works."""
    from .hosts.extension import JacobianExtension

    return JacobianExtension(**kwargs)


def load_ipython_extension(ipython: object) -> None:
    """Add the ``%%jacobian`` cell magic, so ``%load_ext mdjacobian`` works in IPython and Jupyter."""
    from .hosts.jupyter import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str) -> object:
    # The SuperFences adapter imports pymdownx, which costs more than the rest of the package:
    # load it when a host asks for it.
    if name in ("fence_format", "fence_validator"):
        from .hosts import fence

        return getattr(fence, name)
    raise AttributeError(f"module 'mdjacobian' has no attribute {name!r}")
