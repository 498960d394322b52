"""TeX to MathML Core: a page's Arithmatex maths, converted at build time."""

from __future__ import annotations

import re

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdjacobian.errors import BlockError
from mdjacobian.render.mathml import arithmatex_to_mathml, tex_to_mathml

from ..growth import assert_linear


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


def test_fences_round_a_letter_do_not_stretch():
    # Chromium draws a stretchy fence round a short argument with gaps: cos ( x ).
    mathml = tex_to_mathml(r"\cos{\left(x \right)} + \left[ y^{2} \right]")
    assert '<mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo>' in mathml
    assert '<mo stretchy="false">[</mo>' in mathml and 'stretchy="false">]</mo>' in mathml
    assert "<mo>&#x2061;</mo>" in mathml  # still a function application


def test_fences_round_tall_content_still_stretch():
    mathml = tex_to_mathml(r"\left(\frac{x}{2}\right) \left(1 + \left(\frac{a}{b}\right)\right)")
    assert 'stretchy="false"' not in mathml
    matrix = tex_to_mathml(r"\left[\begin{matrix}x & y\end{matrix}\right]")
    assert "<mo>[</mo>" in matrix and "<mo>]</mo>" in matrix


def test_nested_short_fences_all_stop_stretching():
    mathml = tex_to_mathml(r"\left(\sin{\left(x \right)} + 1\right)")
    assert mathml.count('stretchy="false"') == 4


def test_evaluation_bar_closes_what_it_evaluates():
    tall = tex_to_mathml(r"\left.\frac{\partial f}{\partial x}\right|_{x = 1}")
    assert "<mo>|</mo></mrow>" in tall  # stretches to the fraction
    short = tex_to_mathml(r"\left.\nabla f\right|_{x = 1}")
    assert '<mo stretchy="false">|</mo>' in short


def test_matrices_of_fractions_are_display_style_in_blocks_only():
    tex = r"\left[\begin{matrix}\frac{x_{6}}{x_{1}^{2} + 1} & 1\end{matrix}\right]"
    assert '<mtable displaystyle="true"' in tex_to_mathml(tex)
    assert '<mtable displaystyle="false"' in tex_to_mathml(r"\left[\begin{matrix}x & 1\end{matrix}\right]")
    prose = arithmatex_to_mathml(arithmatex(f"$$\n{tex}\n$$\n"))
    assert '<mtable displaystyle="false"' in prose


def test_block_mathml_stays_well_formed_xml():
    import xml.etree.ElementTree as ET

    mathml = tex_to_mathml(r"\left.\left[\begin{matrix}\cos{\left(x \right)} & \frac{1}{2}\end{matrix}\right]\right|_{x = 1}")
    ET.fromstring(mathml)


# -- where formulas start and end ---------------------------------------------------------------

# The pattern pages were once read with: a formula ends at the first "\)" or "\]" followed by its own
# closing tag. Run on short pages only, since it searches to the end of the page for every opening.
ONE_PATTERN = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*(?P<open>\\\(|\\\[)(?P<tex>.*?)(?:\\\)|\\\])\s*</(?P=tag)>', re.S
)
PIECES = ['<span class="arithmatex">', '<div class="arithmatex">', "\\(", "\\[", "\\)", "\\]", "</span>", "</div>", " ", "\n", "x", "\\"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=16).map("".join))
def test_formulas_are_found_where_one_pattern_finds_them(page):
    # Each formula the pattern finds, converted alone, is what the page gets in its place.
    assert arithmatex_to_mathml(page) == ONE_PATTERN.sub(lambda m: arithmatex_to_mathml(m.group(0)), page)


@pytest.mark.parametrize(
    "unit",
    ['<span class="arithmatex">\\(x', '<div class="arithmatex">\\[x\\)</span>', '<span class="arithmatex">\\(x\\)</span> '],
)
def test_a_page_is_read_in_linear_time(unit):
    assert_linear(arithmatex_to_mathml, lambda size: unit * size, 200)
