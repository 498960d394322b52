"""Intermediates and the chain rules written out with show: chain.

Each factor is compared with SymPy's derivative of the definition it differentiates, and the
product of the factors with the derivative of the whole function, built here.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from mdjacobian import BlockError, evaluate

from ..conftest import same, sym

x, u, u1, u2, v, e, b, y = sym("x", "u", "u1", "u2", "v", "e", "b", "y")


def test_intermediates_are_substituted_before_differentiating():
    result = evaluate("u = x^2\ny = sin(u)")
    assert result.names == ("y",) and result.variables == (x,)
    assert same(result.matrix[0, 0], 2 * x * sp.cos(x**2))
    assert result.block.intermediates == ("u",)


def test_single_variable_chain_rule():
    result = evaluate("u = x^2\ny = sin(u)\nwrt: x\nshow: chain")
    assert result.chain.rule == "single"
    (term,) = result.chain.terms
    assert [(f.top, f.bottom) for f in term] == [("y", "u"), ("u", "x")]
    assert same(term[0].components, sp.cos(u)) and same(term[1].components, 2 * x)
    assert result.tex == (
        r"\frac{d y}{d x} = \frac{d y}{d u}\frac{d u}{d x} = \cos{\left(u \right)} \cdot 2 x = 2 x \cos{\left(x^{2} \right)}"
    )


def test_a_longer_chain_lists_every_link():
    result = evaluate("u1 = x^2\nu2 = sin(u1)\ny = exp(u2)\nshow: chain")
    (term,) = result.chain.terms
    assert [(f.top, f.bottom) for f in term] == [("y", "u2"), ("u2", "u1"), ("u1", "x")]
    product = sp.Mul(*[f.components for f in term]).subs({u2: sp.sin(x**2), u1: x**2})
    assert same(product, sp.diff(sp.exp(sp.sin(x**2)), x))


def test_total_derivative_rule():
    """y = x + x²: the naive chain rule gives 2x; the total derivative gives 1 + 2x."""
    result = evaluate("u = x^2\ny = x + u\nshow: chain")
    assert result.chain.rule == "total"
    assert same(result.matrix[0, 0], 1 + 2 * x)
    # dy/dx on the left, as the total of the partial ∂y/∂x on the right; du/dx, the total derivative of u
    assert result.tex.startswith(
        r"\frac{d y}{d x} = \frac{\partial y}{\partial x} + \frac{\partial y}{\partial u}\frac{d u}{d x} = 1 + 1 \cdot 2 x"
    )


def test_vector_chain_rule_states_the_shapes():
    result = evaluate("x in R^2\ng = [x1 x2, x1 + x2, x1]\ny = [g1^2, g1 g2 g3]\nwrt: x\nshow: chain")
    chain = result.chain
    ((outer, inner),) = chain.terms
    assert chain.rule == "vector" and outer.components.shape == (2, 3) and inner.components.shape == (3, 2)
    x1, x2, g1, g2, g3 = sym("x1", "x2", "g1", "g2", "g3")
    definitions = {g1: x1 * x2, g2: x1 + x2, g3: x1}
    assert same(outer.components.subs(definitions) * inner.components, result.matrix)
    assert "vector chain rule: (2 × 3)(3 × 2) = 2 × 2" in result.to_html()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("y = sin(x)\nshow: chain", "show: chain needs intermediates"),
        ("u = x^2\ny = sin(u)\nshow: chain\nlayout: denominator", "show: chain is written in numerator layout"),
        ("x in R^2\ng = [x1, x2]\nf = g1 + x1\nk = g2\nwrt: x\nshow: chain", "needs 'f' to use the variables only through intermediates"),
        ("x in R^2\ng = [x1, x2]\nh = [g1^2, g2]\nf = h1\nk = h2\nwrt: x\nshow: chain", "takes one layer of intermediates; 'h' uses another"),
    ],
)
def test_chain_errors(source, message):
    with pytest.raises(BlockError, match=re.escape(message)):
        evaluate(source)


def test_total_rule_with_vector_factors():
    result = evaluate("x in R^2\ng = [x1, x2]\ny = [g1 + x1, g2]\nwrt: x\nshow: chain")
    assert result.chain.rule == "total" and len(result.chain.terms) == 2
    assert same(result.matrix, sp.Matrix([[2, 0], [0, 1]]))


def test_chain_down_to_a_vector_reaches_the_papers_loss_gradient():
    """C = (y − max(0, w·x + b))², through u and v, by w: 2(w·x + b − y)xᵀ where the neuron is active."""
    result = evaluate("x, w in R^3\nb, y in R\nu = max(0, w · x + b)\nv = y - u\nC = v^2\nwrt: w\nshow: chain")
    (term,) = result.chain.terms
    assert [(f.top, f.bottom) for f in term] == [("C", "v"), ("v", "u"), ("u", "w")]
    assert same(term[0].components, 2 * v) and same(term[1].components, -1)
    assert r"2 (\mathbf{w} \cdot \mathbf{x} + b - y) \mathbf{x}^{\top} & \mathbf{w} \cdot \mathbf{x} + b > 0" in result.tex
    assert result.check.checked


def test_a_function_of_one_vector_intermediate_takes_the_vector_rule():
    """The paper's dot product: y = sum(u), u = w ⊗ x, so ∂y/∂x = 𝟏ᵀ diag(w) = wᵀ."""
    result = evaluate("w, x in R^3\nu = w .* x\ny = sum(u)\nwrt: x\nshow: chain")
    assert result.chain.rule == "vector"
    assert result.tex == (
        r"\nabla_{\mathbf{x}} y = \frac{\partial y}{\partial \mathbf{u}}\frac{\partial \mathbf{u}}{\partial \mathbf{x}}"
        r" = \mathbf{1}^{\top} \operatorname{diag}(\mathbf{w}) = \mathbf{w}^{\top}"
    )


def test_backpropagation_through_two_layers_at_symbolic_sizes():
    source = (
        "x in R^n\nV in R^(k x n)\nW in R^(m x k)\nb1 in R^k\nb2, y in R^m\n"
        "z = V x + b1\nh = max(0, z)\nr = W h + b2 - y\nL = norm(r)^2\nwrt: {}\nshow: chain"
    )
    by_b1 = evaluate(source.format("b1"))
    (term,) = by_b1.chain.terms
    assert [(f.top, f.bottom) for f in term] == [("L", "r"), ("r", "h"), ("h", "z"), ("z", "b1")]
    assert [f.shape for f in term] == [(term[0].shape[0], term[1].shape[0]), term[1].shape, term[2].shape, term[3].shape]
    assert by_b1.check.checked and by_b1.check.sizes
    by_v = evaluate(source.format("V"))
    assert r"\frac{\partial L}{\partial \operatorname{vec}(V)}" in by_v.tex
    assert r"\mathbf{x}^{\top} \otimes I_{k}" in by_v.tex  # the last factor, under the vec convention
    assert by_v.check.checked
