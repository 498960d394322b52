"""Names as a page prints them: Greek letters, subscripts, and words of several letters upright."""

from __future__ import annotations

import re

import pytest
import sympy as sp
from sympy.printing.latex import greek_letters_set

from mdjacobian import evaluate
from mdjacobian.render.mathml import tex_to_mathml
from mdjacobian.render.names import bold, name_tex
from mdjacobian.render.tex import component_tex


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("x", "x"),
        ("x1", "x_{1}"),
        ("x_1", "x_{1}"),
        ("alpha", r"\alpha"),
        ("alpha1", r"\alpha_{1}"),
        ("Theta", r"\Theta"),
        ("eps", r"\varepsilon"),
        ("epsilon", r"\varepsilon"),
        ("eps_t", r"\varepsilon_{t}"),
        ("hn", r"\mathrm{hn}"),
        ("hn1", r"\mathrm{hn}_{1}"),
        ("loss", r"\mathrm{loss}"),
        ("xhat", r"\hat{x}"),
    ],
)
def test_name_tex(name, expected):
    assert name_tex(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("x", r"\mathbf{x}"), ("b1", r"\mathbf{b}_{1}"), ("hn", r"\mathbf{hn}"), ("alpha", r"\mathbf{\alpha}"), ("eps", r"\mathbf{\varepsilon}")],
)
def test_bold_names_are_upright_with_plain_subscripts(name, expected):
    assert bold(name) == expected


@pytest.mark.parametrize("letter", sorted(greek_letters_set - {"epsilon"}))
def test_greek_spellings_print_as_sympy_prints_them(letter):
    for name in (letter, letter.capitalize(), letter + "2"):
        assert name_tex(name) == sp.latex(sp.Symbol(name))


def _identifiers(tex: str) -> list[str]:
    return re.findall(r"<mi[^>]*>([^<]*)</mi>", tex_to_mathml(tex))


def test_a_word_is_one_identifier_not_a_product():
    assert "hn" in _identifiers(name_tex("hn"))
    assert "𝐡𝐧" in _identifiers(bold("hn"))
    assert _identifiers(name_tex("x1")) == ["x"]  # x with the subscript 1


def test_entries_and_forms_print_a_name_alike():
    result = evaluate("hn in R^2\nf = eps hn^T hn\nshow: full")
    assert r"2 \varepsilon \mathbf{hn}^{\top}" in result.tex
    assert r"\frac{\partial f}{\partial \mathrm{hn}_{1}}" in result.tex and r"2 \varepsilon \mathrm{hn}_{2}" in result.tex
    assert component_tex(sp.Symbol("eps") * sp.Symbol("x")) == r"\varepsilon x"
