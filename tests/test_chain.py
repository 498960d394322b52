"""Intermediates and the three chain rules written out with show: chain."""

from __future__ import annotations

import pytest
import sympy as sp

from mdjacobian import BlockError, evaluate

from .conftest import same, sym

(x,) = sym("x")


def test_intermediates_are_substituted_before_differentiating():
    result = evaluate("u = x^2\ny = sin(u)")
    assert result.names == ("y",) and result.variables == (x,)
    assert same(result.matrix[0, 0], 2 * x * sp.cos(x**2))
    assert [c.name for c in result.block.intermediates] == ["u"]


def test_single_variable_chain_rule():
    result = evaluate("u = x^2\ny = sin(u)\nwrt: x\nshow: chain")
    assert result.chain.rule == "single"
    assert result.tex == (
        r"\frac{d y}{d x} = \frac{d y}{d u}\frac{d u}{d x} = \cos{\left(u \right)} \cdot 2 x = 2 x \cos{\left(x^{2} \right)}"
    )


def test_a_longer_chain_lists_every_link():
    result = evaluate("u1 = x^2\nu2 = sin(u1)\ny = exp(u2)\nshow: chain")
    factors = result.chain.terms[0]
    assert [(f.top, f.bottom) for f in factors] == [("y", "u2"), ("u2", "u1"), ("u1", "x")]
    product = sp.Mul(*[f.value for f in factors]).subs({sp.Symbol("u2", real=True): sp.sin(x**2), sp.Symbol("u1", real=True): x**2})
    assert same(product, result.matrix[0, 0])


def test_total_derivative_rule():
    """y = x + x²: the naive chain rule gives 2x; the total derivative gives 1 + 2x."""
    result = evaluate("u = x^2\ny = x + u\nshow: chain")
    assert result.chain.rule == "total"
    assert same(result.matrix[0, 0], 1 + 2 * x)
    assert r"\frac{\partial y}{\partial x} + \frac{\partial y}{\partial u}\frac{d u}{d x} = 1 + 1 \cdot 2 x" in result.tex


def test_vector_chain_rule_states_the_shapes():
    result = evaluate("x in R^2\ng = [x1 x2, x1 + x2, x1]\ny = [g1^2, g1 g2 g3]\nwrt: x\nshow: chain")
    chain = result.chain
    assert chain.rule == "vector" and chain.outer.shape == (2, 3) and chain.inner.shape == (3, 2)
    substitution = {sp.Symbol(f"g{i}", real=True): result.block.intermediates[i - 1].expr for i in (1, 2, 3)}
    assert same(chain.outer.subs(substitution) * chain.inner, result.matrix)
    assert "vector chain rule: (2 × 3)(3 × 2) = 2 × 2" in result.to_html()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("y = sin(x)\nshow: chain", "show: chain needs intermediates"),
        ("u = x^2\ny = sin(u)\nshow: chain\nlayout: denominator", "show: chain is written in numerator layout"),
        ("x in R^2\ng = [x1, x2]\ny = [g1 + x1, g2]\nwrt: x\nshow: chain", "needs 'y1' to use the variables only through intermediates"),
    ],
)
def test_chain_errors(source, message):
    with pytest.raises(BlockError, match=message):
        evaluate(source)


def test_chain_down_to_a_vector_reaches_the_papers_loss_gradient():
    """C = (y − max(0, w·x + b))², through u and v, by w: 2(w·x + b − y)xᵀ where the neuron is active."""
    result = evaluate("x, w in R^3\nb, y in R\nu = max(0, w · x + b)\nv = y - u\nC = v^2\nwrt: w\nshow: chain")
    assert [(f.top, f.bottom) for f in result.chain.terms[0]] == [("C", "v"), ("v", "u"), ("u", "w")]
    assert r"\frac{d C}{d v}\frac{d v}{d u}\frac{\partial u}{\partial \mathbf{w}} = 2 v \cdot \left(-1\right) \cdot" in result.tex
    assert result.form.endswith(
        r"\left(2 \mathbf{w} \cdot \mathbf{x} + 2 b - 2 y\right)\mathbf{x}^{\top} & \mathbf{w} \cdot \mathbf{x} + b > 0 \end{cases}"
    )
    assert result.check.checked


def test_chain_needs_a_concrete_size():
    with pytest.raises(BlockError, match="show: chain is written out at a concrete size"):
        evaluate("x in R^n\nu = sum(x)\ny = u^2\nwrt: x\nshow: chain")


def test_a_function_of_one_vector_intermediate_takes_the_vector_rule():
    """The paper's dot product: y = sum(u), u = w ⊗ x, so ∂y/∂x = 𝟏ᵀ diag(w) = wᵀ."""
    result = evaluate("w, x in R^3\nu = w .* x\ny = sum(u)\nwrt: x\nshow: chain")
    assert result.chain.rule == "vector"
    assert result.tex == (
        r"\nabla_{\mathbf{x}} y = \frac{\partial y}{\partial \mathbf{u}}\frac{\partial \mathbf{u}}{\partial \mathbf{x}}"
        r" = \mathbf{1}^{\top}\operatorname{diag}(\mathbf{w}) = \mathbf{w}^{\top}"
    )
