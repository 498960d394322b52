"""The TeX printer for matrix expressions: the notation of matrix-calculus texts, node by node."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mdjacobian.calculus import algebra as al
from mdjacobian.calculus.nodes import Dim, Identity, Var
from mdjacobian.render.tex import TexPrinter, bold

n, m = Dim.of("n"), Dim.of("m")
x, w, y = Var("x", (n, Dim(1))), Var("w", (n, Dim(1))), Var("y", (m, Dim(1)))
W, A = Var("W", (m, n)), Var("A", (n, n))
a, b = Var("a"), Var("b")
tex = TexPrinter().doprint


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (al.mul(W, x), r"W \mathbf{x}"),
        (al.sub(al.mul(W, x), y), r"W \mathbf{x} - \mathbf{y}"),
        (al.add(al.neg(y), al.mul(W, x)), r"W \mathbf{x} - \mathbf{y}"),  # a positive term first
        (al.mul(al.number(2), al.sub(al.mul(W, x), y), al.transpose(x)), r"2 (W \mathbf{x} - \mathbf{y}) \mathbf{x}^{\top}"),
        (al.transpose(al.sub(al.mul(W, x), y)), r"(W \mathbf{x} - \mathbf{y})^{\top}"),
        (al.transpose(al.inverse(A)), r"A^{-\top}"),
        (al.inverse(al.add(A, Identity(n))), r"(A + I)^{-1}"),
        (al.power(al.inner(w, x), al.number(2)), r"(\mathbf{w} \cdot \mathbf{x})^{2}"),
        (al.mul(al.inner(w, x), al.transpose(x)), r"(\mathbf{w} \cdot \mathbf{x}) \mathbf{x}^{\top}"),
        (al.hadamard(x, w), r"\mathbf{x} \odot \mathbf{w}"),
        (al.divide(x, w), r"\mathbf{x} \oslash \mathbf{w}"),
        (al.diag(al.apply("exp", x)), r"\operatorname{diag}(\exp(\mathbf{x}))"),
        (al.kron(al.transpose(x), Identity(m)), r"\mathbf{x}^{\top} \otimes I_{m}"),
        (al.mul(al.kron(al.transpose(x), Identity(m)), al.transpose(al.kron(al.transpose(x), Identity(m)))), r"(\mathbf{x}^{\top} \otimes I_{m}) (\mathbf{x} \otimes I_{m})"),
        (al.norm(x), r"\lVert \mathbf{x} \rVert"),
        (al.norm(W), r"\lVert W \rVert_{F}"),
        (al.norm(x, 1), r"\lVert \mathbf{x} \rVert_{1}"),
        (al.logdet(A), r"\log\det(A)"),
        (al.trace(al.mul(al.transpose(W), W)), r"\operatorname{tr}(W^{\top} W)"),
        (al.mul(al.number(Fraction(1, 2)), a), r"\frac{a}{2}"),
        (al.mul(a, al.power(b, al.MINUS_ONE)), r"\frac{a}{b}"),
        (al.mul(al.power(al.norm(x), al.MINUS_ONE), al.transpose(x)), r"\frac{1}{\lVert \mathbf{x} \rVert} \mathbf{x}^{\top}"),
        (al.apply("sqrt", a), r"\sqrt{a}"),
        (al.apply("sin", a), r"\sin(a)"),
        (al.apply("exp", a), r"e^{a}"),
        (al.apply("step", x), r"\mathbb{1}\left[\mathbf{x} > 0\right]"),
        (al.cases(a, al.transpose(x)), r"\begin{cases} \mathbf{0}^{\top} & a \le 0 \\ \mathbf{x}^{\top} & a > 0 \end{cases}"),
        (al.mul(al.number(2), al.hadamard(al.apply("step", x), w)), r"2 (\mathbb{1}\left[\mathbf{x} > 0\right] \odot \mathbf{w})"),
        (al.softmax(x), r"\operatorname{softmax}(\mathbf{x})"),
    ],
)
def test_notation(node, expected):
    assert tex(node) == expected


@pytest.mark.parametrize(("name", "expected"), [("x", r"\mathbf{x}"), ("alpha", r"\mathbf{\alpha}"), ("b1", r"\mathbf{b}_{1}"), ("x_1", r"\mathbf{x}_{1}")])
def test_bold_names_keep_subscripts_upright(name, expected):
    assert bold(name) == expected
