"""MathML Core and TeX output: well-formed, browser-safe, faithful to the matrix, deterministic."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import mdjacobian
from mdjacobian import BlockError, Unchecked, evaluate
from mdjacobian.render import render_error
from mdjacobian.render.errorbox import unchecked_in
from mdjacobian.render.tex import component_tex

M = "{http://www.w3.org/1998/Math/MathML}"
WALKTHROUGH = "f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8"


def parse_math(markup: str) -> list[ET.Element]:
    """Parse every <math> element as XML: this fails on any named HTML entity."""
    return [
        ET.fromstring(m.replace("<math ", f'<math xmlns="{M[1:-1]}" ', 1))
        for m in re.findall(r"<math .*?</math>", markup, flags=re.S)
    ]


def tables(element: ET.Element) -> list[list[list[str]]]:
    """Every mtable as rows of cell texts."""
    return [
        [["".join(td.itertext()) for td in tr.iter(f"{M}mtd")] for tr in table.iter(f"{M}mtr")]
        for table in element.iter(f"{M}mtable")
    ]


def test_mathml_is_well_formed_and_holds_the_tex():
    result = evaluate(WALKTHROUGH + "\nat: x = 1, y = 2")
    (jacobian, value) = parse_math(result.mathml)
    assert jacobian.get("display") == "block"
    annotation = jacobian.find(f".//{M}annotation")
    assert annotation.get("encoding") == "application/x-tex"
    assert annotation.text == result.tex.splitlines()[0]
    # The value at the point is drawn cell by cell, in the matrix's order.
    assert tables(value) == [[["12", "3"], ["2", "1024"]]]


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_mathml_table_has_the_result_shape(layout):
    result = evaluate("y = [x1^2 + x2, 3 x2 x3]\nwrt: x1, x2, x3", layout=layout)
    (table,) = tables(parse_math(result.mathml)[0])
    assert (len(table), len(table[0])) == result.shape


def test_only_mathml_core():
    markup = evaluate(WALKTHROUGH + "\nshow: full\nat: x = 1, y = 2").mathml + evaluate("g(x) = sign(x) + f(x)").mathml
    for forbidden in ("<mfenced", "<menclose", "columnalign", "<mstyle", "<semantics>&"):
        assert forbidden not in markup
    assert not re.search(r"&(?!(amp|lt|gt|quot|apos|#x[0-9A-F]+);)", markup)


def test_tex_left_sides():
    assert evaluate("f(x) = x^2").tex.startswith(r"\frac{\partial f}{\partial x} = 2 x")
    assert evaluate("f(x, y) = x y").tex.startswith(r"\nabla f = ")
    assert evaluate("f = [x, x^2]").tex.startswith(r"\frac{\partial \mathbf{f}}{\partial x} = ")
    assert evaluate(WALKTHROUGH).tex.startswith(r"\frac{\partial (f, g)}{\partial (x, y)} = ")
    assert evaluate("y = [x1, x2]").tex.startswith(r"\frac{\partial \mathbf{y}}{\partial \mathbf{x}} = ")
    assert evaluate(WALKTHROUGH, layout="denominator").tex.startswith(r"\left(\frac{\partial")


def test_full_shows_the_partials_before_the_result():
    tex = evaluate(WALKTHROUGH, show="full").tex
    partials = r"\frac{\partial f}{\partial x} & \frac{\partial f}{\partial y} \\ \frac{\partial g}{\partial x} & \frac{\partial g}{\partial y}"
    assert partials in tex
    assert tex.index(partials) < tex.index("6 x y")


def test_entries_are_printed_by_sympy():
    result = evaluate("f(x) = alpha x_1 x + x_2^2 sin(x)")
    assert component_tex(result.matrix[0, 0]) in result.tex
    assert r"\alpha" in result.tex and "x_{1}" in result.tex


def test_abstract_derivatives_render_as_partials():
    tex = evaluate("h(x, y) = f(x, y) + g(x^2)").tex
    assert r"\frac{\partial f}{\partial x}" in tex
    assert r"\left.\frac{\partial g}{\partial \xi}\right|_{\xi = x^{2}}" in tex


def test_tex_output_is_arithmatex_markup_with_escaping():
    html = evaluate("f(x) = x\ng(x) = 1/x", output="tex").to_html()
    assert '<span class="arithmatex">\\(\\displaystyle \\frac{' in html
    assert "&amp;" not in html  # a column vector has no &
    matrix = evaluate(WALKTHROUGH, output="tex").to_html()
    assert " &amp; " in matrix and "<math" not in matrix


def test_wrapper_classes_id_and_caption():
    html = evaluate(WALKTHROUGH).to_html(classes=["wide"], id_value="j1")
    assert html.startswith('<div id="j1" class="jacobian wide">')
    assert (
        '<p class="jacobian-shape">2 × 2 Jacobian, numerator layout <span class="jacobian-check jacobian-check-passed" '
        'title="checked against central differences of the function at 3 random points">✓ checked</span></p>'
    ) in html


def test_unchecked_blocks_say_why_in_a_badge_not_in_the_caption():
    html = evaluate("x in R\nh(x) = f(x^2)").to_html()
    assert html.startswith('<div class="jacobian jacobian-unchecked">')
    assert '<p class="jacobian-shape">1 × 1 derivative</p>' in html  # no grey "checked" look-alike
    assert (
        '<p class="jacobian-check jacobian-check-skipped" role="note" data-line="2" '
        'data-reason="abstract functions have no values"><span class="jacobian-check-mark" aria-hidden="true">⚠</span> '
        "<strong>Not checked numerically:</strong> abstract functions have no values</p>"
    ) in html
    assert "✓" not in html


def test_the_badge_gives_back_the_warning_it_was_made_from():
    result = evaluate("x in R\nh(x) = f(x^2)")
    warning = unchecked_in(result.to_html())
    assert isinstance(warning, Unchecked) and str(warning) == str(result.warning)
    assert str(warning) == "line 2: not checked numerically: abstract functions have no values"
    assert unchecked_in(evaluate(WALKTHROUGH).to_html()) is None and evaluate(WALKTHROUGH).warning is None


def test_the_stylesheet_makes_the_badge_stand_out():
    css = (Path(mdjacobian.__file__).parent / "assets" / "mdjacobian.css").read_text(encoding="utf-8")
    rule = css[css.index(".jacobian .jacobian-check-skipped {") :]
    rule = rule[: rule.index("}")]
    assert "border:" in rule and "background:" in rule
    assert ".jacobian.jacobian-unchecked {" in css


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("f(x) = x^2", "1 × 1 derivative"),
        ("f(x, y, z) = x y z", "1 × 3 gradient, numerator layout"),
        ("f = [x, x^2, x^3]", "3 × 1 Jacobian (column), numerator layout"),
        ("f = [x y, y z]\nwrt: x, y, z\nlayout: denominator", "3 × 2 Jacobian, denominator layout"),
    ],
)
def test_caption_states_the_shape(source, text):
    assert evaluate(source).caption == text


def test_output_is_deterministic():
    source = WALKTHROUGH + "\nshow: full\nat: x = 1/3, y = 2"
    assert len({evaluate(source).to_html() for _ in range(3)}) == 1


def test_error_box_shows_the_line_and_a_caret():
    with pytest.raises(BlockError) as info:
        evaluate("f(x) = x\ng = x + * y  # <note>")
    html = render_error(info.value)
    assert html.startswith('<div class="jacobian-error" role="alert">')
    assert "line 2: unexpected '*' after '+'" in html
    assert "2 | g = x + * y  # &lt;note&gt;\n            ^" in html

