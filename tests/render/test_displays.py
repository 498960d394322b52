"""Long displays broken where a textbook breaks them, in TeX and in the page's pieces."""

from __future__ import annotations

import html
import re

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdjacobian import evaluate
from mdjacobian.calculus import algebra as al
from mdjacobian.calculus.nodes import Dim, Var
from mdjacobian.render.breaks import leaves, split
from mdjacobian.render.displays import TEX_WIDTH, Display, atom, display_tex, terms
from mdjacobian.render.mathml import tex_to_mathml
from mdjacobian.render.measure import tex_width
from mdjacobian.render.tex import TexPrinter, component_tex, component_terms

n = Dim.of("n")
x, w, y = Var("x", (n, Dim(1))), Var("w", (n, Dim(1))), Var("y", (n, Dim(1)))
A = Var("A", (n, n))
CHAIN = (
    "x in R^n\nV in R^(k x n)\nW in R^(m x k)\nb1 in R^k\nb2, y in R^m\n"
    "z = V x + b1\nh = max(0, z)\nr = W h + b2 - y\nL = norm(r)^2\nwrt: V\nshow: chain"
)


def _flat(tex: str) -> str:
    return " ".join(tex.split())


def _vectors() -> st.SearchStrategy:
    """Vector-valued matrix expressions, printed by the TeX printer as a page prints them."""
    leaves_ = st.sampled_from([x, w, y, al.apply("exp", x), al.apply("sigmoid", w)])

    def grow(inner: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(
            st.tuples(inner, inner).map(lambda p: al.add(*p)),
            st.tuples(inner, inner).map(lambda p: al.sub(*p)),
            st.tuples(inner, inner).map(lambda p: al.hadamard(*p)),
            inner.map(lambda v: al.mul(A, v)),
            inner.map(lambda v: al.mul(al.number(2), v)),
            inner.map(lambda v: al.mul(al.transpose(A), al.diag(v), v)),
            inner.map(lambda v: al.apply("tanh", v)),
        )

    return st.recursive(leaves_, grow, max_leaves=12)


def _balanced(tex: str) -> bool:
    braces = tex.count("{") - tex.count(r"\{") == tex.count("}") - tex.count(r"\}")
    return braces and tex.count(r"\left") == tex.count(r"\right") and tex.count(r"\begin") == tex.count(r"\end")


@settings(max_examples=60, deadline=None)
@given(_vectors())
def test_pieces_are_the_tex_cut_at_its_spaces_and_each_is_tex(node):
    tex = TexPrinter(frozenset({"x", "w", "y"})).doprint(node)
    pieces = leaves(split(tex, lambda _: True))
    joined = " ".join(pieces).replace(r"\Bigl(", r"\left(").replace(r"\Bigr)", r"\right)")
    assert _flat(joined.replace(r"\Bigl[", r"\left[").replace(r"\Bigr]", r"\right]")) == _flat(tex)
    for piece in pieces:
        assert _balanced(piece), piece
        tex_to_mathml("{}" + piece if piece.split()[0] in ("+", "-", r"\odot") else piece)


def test_a_matrix_is_never_cut():
    matrix = r"\left[\begin{matrix}a + b & c \\ d & e - f\end{matrix}\right]"
    pieces = leaves(split(rf"2 {matrix} \mathbf{{x}} + {matrix} - \mathbf{{y}}", lambda _: True))
    assert sum(matrix in piece for piece in pieces) == 2
    assert all(_balanced(piece) for piece in pieces)


def test_an_argument_list_is_not_opened():
    assert split(r"\max(0, V \mathbf{x} + \mathbf{b}_{1})", lambda _: True) == r"\max(0, V \mathbf{x} + \mathbf{b}_{1})"


def test_stretching_parentheses_break_as_fixed_large_ones():
    """\\left( … \\right) must close on its own line: broken, it becomes \\Bigl( … \\Bigr), each half TeX."""
    tex = r"\left(\frac{1}{\sqrt{d}} (A \odot B) - \frac{1}{\sqrt{d}} (A \odot C)\right) K"
    pieces = leaves(split(tex, lambda t: len(t) > 30))
    assert len(pieces) > 1
    assert pieces[0].startswith(r"\Bigl(") and r"\Bigr)" in pieces[-1]
    assert " ".join(pieces).replace(r"\Bigl(", r"\left(").replace(r"\Bigr)", r"\right)") == tex
    for piece in pieces:
        assert _balanced(piece), piece
        tex_to_mathml("{}" + piece if piece.split()[0] in ("+", "-") else piece)
    assert split(tex, lambda t: False) == tex  # narrow enough: the stretching pair stays


def test_a_note_in_words_breaks_between_its_words():
    note = r"\text{(the product rule: d(A B) = dA B + A dB)}"
    pieces = leaves(split(note, lambda t: len(t) > 20))
    assert pieces[0] == r"\text{(the}\ " and pieces[-1] == r"\text{dB)}"
    assert "".join(p.removeprefix(r"\text{").replace(r"}\ ", " ").removesuffix("}") for p in pieces) == note[6:-1]


def test_a_number_stays_with_what_it_multiplies():
    assert leaves(split(r"2 (\mathbf{x} + \mathbf{y}) W", lambda t: "W" in t)) == [r"2 (\mathbf{x} + \mathbf{y})", "W"]


def test_the_loosest_operator_breaks_first():
    run = split(r"\mathbf{a} \odot \mathbf{b} + \mathbf{c} \odot \mathbf{d}", lambda _: True)
    assert run == [[r"\mathbf{a}", r"\odot \mathbf{b}"], [r"+ \mathbf{c}", r"\odot \mathbf{d}"]]


def test_a_narrow_piece_is_not_cut():
    tex = r"2 (\mathbf{x} + \mathbf{y}) W"
    assert split(tex, lambda t: tex_width(t) > 12) == tex


def test_the_printers_terms_rejoin_into_their_sums():
    tex = TexPrinter(frozenset({"x", "y"}))
    node = al.add(al.neg(y), al.mul(A, x), al.mul(al.number(-3), x))
    (_, first), *rest = tex.terms(node)
    assert first + "".join(f" {sign} {t}" for sign, t in rest) == tex.doprint(node)
    a, b, c = sp.symbols("a b c")
    for expr in (a - 2 * b + c**2, sp.sin(a) - sp.cos(b) * c, (a + b) * c - 1):
        (_, first), *rest = component_terms(expr)
        assert first + "".join(f" {sign} {t}" for sign, t in rest) == component_tex(expr)


def test_a_short_display_stays_on_one_line():
    display = Display(r"\nabla f", (atom(r"2 \mathbf{x}^{\top}"),))
    assert display_tex(display) == r"\nabla f = 2 \mathbf{x}^{\top}"


def test_a_long_display_breaks_after_an_equals_sign_and_before_a_plus():
    term = r"\operatorname{diag}(\sigma(X \mathbf{w}) \odot (\mathbf{1} - \sigma(X \mathbf{w})))"
    long_sum = terms([("+", term), ("+", rf"X^{{\top}} {term} X"), ("-", rf"\lambda {term}"), ("+", term)])
    display = Display(r"\nabla^{2} L", (atom(rf"X^{{\top}} {term} X"), long_sum))
    tex = display_tex(display)
    assert tex.startswith(r"\begin{aligned}\nabla^{2} L &= X^{\top}") and tex.endswith(r"\end{aligned}")
    rows = tex[len(r"\begin{aligned}") : -len(r"\end{aligned}")].split(r" \\ ")
    assert rows[1].startswith("&= ") and any(row.startswith(r"&\quad {}") for row in rows[2:])
    # Nothing is lost or changed: the rows, joined, are the display on one line.
    joined = re.sub(r" \\\\ &(\\quad \{\})?", " ", tex[len(r"\begin{aligned}") : -len(r"\end{aligned}")]).replace("&", "")
    assert _flat(joined) == _flat(display.tex())
    assert tex_width(display.tex()) > TEX_WIDTH
    assert all(tex_width(row.replace("&", "").replace(r"\quad {}", "")) <= TEX_WIDTH for row in rows)


def test_a_chain_rule_breaks_in_tex_and_keeps_its_tex_in_the_page():
    result = evaluate(CHAIN)
    first, second = result.equations
    assert first.startswith(r"\begin{aligned}\frac{\partial L}{\partial \operatorname{vec}(V)} &= ")
    assert r" \\ &= \operatorname{vec}(" in first
    assert second.startswith(r"\frac{\partial L}{\partial V} = 2 (")
    page = result.to_html()
    (data,) = re.findall(r'data-tex="([^"]*)"', page)
    assert html.unescape(data) == result.tex
    # The page's pieces, in order, spell each equation out.
    for equation in re.findall(r'<div class="jacobian-eq">(.*?)</div>', page, re.S):
        notes = [html.unescape(t) for t in re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', equation)]
        spelled = " ".join(note.removeprefix("{}") for note in notes)
        assert _flat(spelled) in {_flat(re.sub(r"\\begin\{aligned\}|\\end\{aligned\}| \\\\ &(\\quad \{\})?|&", " ", e)) for e in result.equations}


@pytest.mark.parametrize("source", [CHAIN, "f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8\nat: x = 1, y = 2"])
def test_several_results_share_one_width_of_left_side(source):
    page = evaluate(source).to_html()
    (width,) = re.findall(r'style="--jacobian-lhs: ([0-9.]+)em"', page)
    lefts = [html.unescape(t) for t in re.findall(r'<span class="jacobian-lhs"><math[^>]*><semantics>.*?<annotation encoding="application/x-tex">(.*?)</annotation>', page, re.S)]
    assert len(lefts) == 2 and float(width) >= max(tex_width(tex) for tex in lefts)


def test_one_result_per_caption_line():
    page = evaluate(CHAIN.replace("wrt: V\nshow: chain", "wrt: W, b2, V, b1").replace("z = V x + b1\nh = max(0, z)\nr = W h + b2 - y\nL = norm(r)^2", "L = norm(W max(0, V x + b1) + b2 - y)^2")).to_html()
    (caption,) = re.findall(r'<p class="jacobian-shape">(.*?)</p>', page, re.S)
    lines = caption.split("<br>")
    assert [line.split(":")[0] for line in lines] == ["W", "b2", "V", "b1"]
    assert "✓ checked" in lines[-1] and "checked" not in "".join(lines[:-1])
