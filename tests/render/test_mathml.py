"""TeX to MathML Core: a page's Arithmatex maths, converted at build time."""

from __future__ import annotations

import markdown

from mdjacobian.errors import BlockError
from mdjacobian.render.mathml import arithmatex_to_mathml, tex_to_mathml


def arithmatex(text: str) -> str:
    return markdown.markdown(text, extensions=["pymdownx.arithmatex"], extension_configs={"pymdownx.arithmatex": {"generic": True}})


def test_inline_and_display_maths_become_mathml():
    html = arithmatex_to_mathml(arithmatex("Inline $a < b$.\n\n$$\nJ = \\begin{bmatrix} a & b \\end{bmatrix}\n$$\n"))
    assert '<span class="arithmatex"><math><semantics>' in html
    assert '<div class="arithmatex"><math display="block">' in html
    assert "<annotation encoding=\"application/x-tex\">a &lt; b</annotation>" in html
    assert "\\(" not in html and "\\[" not in html


def test_formula_that_cannot_be_converted_is_kept_and_reported():
    reported = []
    html = arithmatex_to_mathml(arithmatex("Bad $\\nosuchcommand{x}$."), lambda tex, error: reported.append((tex, error)))
    assert '<span class="arithmatex">\\(\\nosuchcommand{x}\\)</span>' in html
    ((tex, error),) = reported
    assert tex == "\\nosuchcommand{x}" and isinstance(error, BlockError)


def test_no_named_html_entities_reach_the_page():
    mathml = tex_to_mathml(r"\sin x")  # math-core writes &ApplyFunction; here
    assert "&ApplyFunction;" not in mathml and "&#x2061;" in mathml
