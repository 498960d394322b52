"""Derivation -> output: TeX, MathML Core, HTML, terminal text, and NumPy, JAX and PyTorch code.

One printer per format; renderers read what the calculus proved and never compute. The names are
loaded when first used, so that the error box and the source display do not load SymPy. (The
function ``equations`` is imported from :mod:`.equations`, whose name it shares.)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "caption": ".equations",
    "form_tex": ".equations",
    "check_mark": ".html",
    "render_html": ".html",
    "to_mathml": ".html",
    "render_error": ".errorbox",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
