"""Derivation -> output: TeX, MathML Core, HTML, text for the terminal and NumPy code.

One printer per format; renderers read what the calculus proved and never compute.
"""

from .equations import caption, equations, form_tex
from .html import check_mark, render_error, render_html, to_mathml

__all__ = ["caption", "check_mark", "equations", "form_tex", "render_error", "render_html", "to_mathml"]
