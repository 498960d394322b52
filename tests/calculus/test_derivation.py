"""The derivation as a course teaches it: textbook forms, results in the author's names, ``claim:``,
``show: backprop`` and ``show: steps``, each checked against an independent computation."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from mdjacobian import BlockError, evaluate
from mdjacobian.calculus import nodes as n
from mdjacobian.calculus.components import Lowering
from mdjacobian.calculus.numeric import Compiler, Numbers, flat
from mdjacobian.calculus.proof import Claim, Mismatch, Prover

from . import reference as ref

TWO_LAYER = """x in R^n
V in R^(h x n)
b1 in R^h
W in R^(m x h)
b2, y in R^m
z = V x + b1
a = max(0, z)
r = W a + b2 - y
L = norm(r)^2
wrt: W, b2, V, b1"""

BATCH = """X in R^(N x k)
W in R^(k x m)
b in R^m
Y in R^(N x m)
Z = X W + b
L = norm(Z - Y)^2 / N
wrt: W, b, X"""

LOGISTIC = """x, w in R^n
b, y in R
z = w^T x + b
s = sigmoid(z)
L = -y log(s) - (1 - y) log(1 - s)
wrt: w"""


# -- textbook forms ---------------------------------------------------------------------------------------

TEXTBOOK = [
    ("logistic regression", LOGISTIC, r"\nabla_{\mathbf{w}} L = (s - y) \mathbf{x}^{\top}"),
    ("logistic regression, expanded", LOGISTIC + "\nnames: expand", r"(\sigma(\mathbf{w}^{\top} \mathbf{x} + b) - y) \mathbf{x}^{\top}"),
    ("logistic Hessian", "x, w in R^n\nb in R\nf = log(1 + exp(-(w^T x + b)))\nwrt: w\nderivative: hessian",
     r"\sigma(\mathbf{w}^{\top} \mathbf{x} + b) (1 - \sigma(\mathbf{w}^{\top} \mathbf{x} + b)) \mathbf{x} \mathbf{x}^{\top}"),
    ("softmax classifier", "W in R^(k x n)\nx in R^n\nb, y in R^k\nf = -y^T log(softmax(W x + b))\nassume: sum(y) = 1\nwrt: W",
     r"(\operatorname{softmax}(W \mathbf{x} + \mathbf{b}) - \mathbf{y}) \mathbf{x}^{\top}"),
    ("leaky ReLU", "z in R^n\nf = max(z/100, z)\nwrt: z",
     r"\operatorname{diag}\left(\frac{1}{100} \mathbb{1}\left[\mathbf{z} < 0\right] + \mathbb{1}\left[\mathbf{z} > 0\right]\right)"),
    ("a batch layer", BATCH, r"\frac{\partial L}{\partial W} = \frac{2}{N} X^{\top} (Z - Y)"),
    ("a two-layer network", TWO_LAYER, r"\frac{\partial L}{\partial W} = 2 \mathbf{r} \mathbf{a}^{\top}"),
    ("layer norm", "x, g, b in R^n\nepsilon in R\nu = x - mean(x)\ns = sqrt(mean(u.^2) + epsilon)\ny = g .* u / s + b\nwrt: x",
     r"\frac{1}{s} \left(\operatorname{diag}(\mathbf{g}) - \frac{1}{s^{2} n} (\mathbf{g} \odot \mathbf{u}) \mathbf{u}^{\top} - \frac{1}{n} \mathbf{g} \mathbf{1}^{\top}\right)"),
    ("mean and variance", "x in R^n\nf = mean(x)^2 + var(x)", r"\frac{2}{n} \mathbf{x}^{\top}"),
    ("batch least squares", "X in R^(N x k)\nw in R^k\nb in R\ny in R^N\nL = norm(X w + b - y)^2 / N\nwrt: w",
     r"\frac{2}{N} (X \mathbf{w} + b \mathbf{1} - \mathbf{y})^{\top} X"),
]


@pytest.mark.parametrize(("source", "form"), [pytest.param(s, f, id=i) for i, s, f in TEXTBOOK])
def test_results_read_as_a_textbook_prints_them(source, form):
    result = evaluate(source)
    assert result.check.checked
    assert form in result.tex


@pytest.mark.parametrize(("source", "form"), [pytest.param(s, f, id=i) for i, s, f in TEXTBOOK])
def test_textbook_forms_are_no_longer_than_the_expanded_ones(source, form):
    kept = evaluate(source)
    expanded = evaluate(source + "\nnames: expand") if "names:" not in source else kept
    assert len(kept.tex) <= len(expanded.tex) + 200  # the where-lines add the definitions, once


def test_names_keep_shows_each_intermediate_it_uses():
    result = evaluate(BATCH)
    assert result.tex.splitlines()[0] == r"Z = X W + \mathbf{1} \mathbf{b}^{\top}"
    assert result.derivation.where == (("Z", result.derivation.model.definitions["Z"]),)


def test_names_keep_and_expand_are_the_same_derivative():
    sizes = {"N": 5, "k": 6, "m": 7}
    kept, expanded = evaluate(BATCH), evaluate(BATCH + "\nnames: expand")
    space = ref.values_at(BATCH, sizes)
    rng = random.Random(1)
    ref.assert_agree(kept.at_sizes(**sizes), expanded.at_sizes(**sizes), [ref.point(space, rng, 1.0)])


# -- claim: ---------------------------------------------------------------------------------------------


def test_a_right_claim_is_proven():
    result = evaluate(LOGISTIC + "\nclaim: (s - y) x^T")
    assert result.claim == "proven"
    assert result.claim_note.startswith("your answer is right")
    assert "your answer" in result.tex and "jacobian-claim-proven" in result.to_html()


@pytest.mark.parametrize(
    ("source", "claim", "slip"),
    [
        ("x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x", "(A + A^T) x", "the transpose of the derivative"),
        ("W in R^(m x n)\nx in R^n\ny in R^m\nf = norm(W x - y)^2\nwrt: W", "-2 (W x - y) x^T", "the sign is wrong"),
        ("W in R^(m x n)\nx in R^n\ny in R^m\nf = norm(W x - y)^2\nwrt: W", "(W x - y) x^T", "1/2 times the derivative"),
        ("A in R^(n x n)\nx in R^n\nf = x^T A x\nwrt: A", "A x x^T", "entry ("),
        ("x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x", "2 x^T A", "holds only where A is symmetric"),
        ("S in Sym(n)\nx in R^n\nf = x^T S x\nwrt: S", "2 x x^T - diag(x .* x)", "counts Sᵢⱼ and Sⱼᵢ as one entry"),
        ("x, w in R^n\nb in R\nz = w^T x + b\nL = sin(z) + z^2\nwrt: w", "cos(z) x^T", "a term is missing"),
        ("f(x, y) = 3x^2 y", "[6 x y, 3 x^2]", "the transpose of the derivative"),
    ],
)
def test_a_wrong_claim_is_refuted_with_its_slip(source, claim, slip):
    result = evaluate(f"{source}\nclaim: {claim}")
    assert result.claim == "refuted"
    assert slip in result.claim_note
    assert "jacobian-claim-refuted" in result.to_html()


def test_a_refutation_gives_a_counterexample():
    result = evaluate("W in R^(m x n)\nx in R^n\ny in R^m\nf = norm(W x - y)^2\nwrt: W\nclaim: (W x - y) x^T")
    assert "and a random point, entry (" in result.claim_note
    assert "in your answer and" in result.claim_note


def test_a_claim_needs_one_derivative():
    with pytest.raises(BlockError, match="claim: compares your answer with one derivative"):
        evaluate("x in R^n\nA in R^(n x n)\nf = x^T A x\nclaim: 2 x^T A")


def test_a_claim_of_the_hessian_is_judged_as_one():
    assert evaluate("x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x\nderivative: hessian\nclaim: A + A^T").claim == "proven"
    assert evaluate("x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x\nderivative: hessian\nclaim: 2 A").claim == "refuted"


# -- show: backprop -------------------------------------------------------------------------------------


def _line_values(source: str, sizes: dict[str, int]):
    """Each backprop line written out at ``sizes`` (in SymPy), with the gradients before it substituted."""
    result = evaluate(source)
    d = result.derivation
    (loss,) = d.block.outputs
    gradients = {f"∂{loss}/∂{line.name}": line.form for line in d.backprop}
    return result, d, {line.name: Lowering(sizes, {**d.model.definitions, **gradients})(line.form) for line in d.backprop}


def test_backprop_lines_are_what_a_course_writes():
    result = evaluate(TWO_LAYER + "\nshow: backprop")
    lines = result.tex.splitlines()
    assert r"\frac{\partial L}{\partial \mathbf{a}} = W^{\top} \frac{\partial L}{\partial \mathbf{r}}" in lines
    assert r"\frac{\partial L}{\partial \mathbf{z}} = \mathbb{1}\left[\mathbf{z} > 0\right] \odot \frac{\partial L}{\partial \mathbf{a}}" in lines
    assert r"\frac{\partial L}{\partial W} = \frac{\partial L}{\partial \mathbf{r}} \mathbf{a}^{\top}" in lines
    assert [line.name for line in result.derivation.backprop] == ["r", "a", "z", "W", "b2", "V", "b1"]
    assert "each shaped like its quantity" in result.caption


def test_backprop_parameter_lines_agree_with_sympy():
    sizes = {"N": 3, "k": 4, "m": 2}
    source = BATCH + "\nshow: backprop"
    _, d, values = _line_values(source, sizes)
    space = ref.values_at(source, sizes)
    L = sum(t**2 for t in (space.X * space.W + sp.ones(3, 1) * space.b.T - space.Y)) / 3
    rng = random.Random(4)
    samples = [ref.point(space, rng, scale) for scale in ref.SCALES]
    ref.assert_agree(sp.ImmutableMatrix(values["W"]), sp.Matrix(4, 2, lambda i, j: sp.diff(L, space.W[i, j])), samples)
    ref.assert_agree(sp.ImmutableMatrix(values["b"]), sp.Matrix([sp.diff(L, t) for t in space.b]), samples)
    ref.assert_agree(sp.ImmutableMatrix(values["X"]), sp.Matrix(3, 4, lambda i, j: sp.diff(L, space.X[i, j])), samples)


def test_backprop_needs_a_scalar_loss_through_intermediates():
    with pytest.raises(BlockError, match="show: backprop needs one scalar loss defined through named intermediates"):
        evaluate("x in R^n\nf = norm(x)^2\nshow: backprop")


def test_a_wrong_backprop_line_would_be_caught():
    result = evaluate(TWO_LAYER + "\nshow: backprop")
    d = result.derivation
    from mdjacobian.calculus.backprop import Line, claims

    lines = [Line(line.name, n.Var("W", d.model.symbols["W"].shape) if line.name == "W" else line.form, line.parameter) for line in d.backprop]
    wrong = [c for c in claims(d.model, "L", lines) if c.label.endswith("∂W")]
    free = d.model.free() + [d.model.symbols[u] for u in d.block.intermediates]
    with pytest.raises(Mismatch):
        Prover(wrong, free, d.model.sizes, 7).run()


# -- show: steps ------------------------------------------------------------------------------------------


def test_steps_name_their_rules_and_end_in_the_gradient():
    source = "W in R^(m x n)\nx in R^n\ny in R^m\nr = W x - y\nL = norm(r)^2\nwrt: W\nshow: steps"
    result = evaluate(source)
    rules = [step.rule for step in result.derivation.steps]
    assert rules[0] == ""
    assert "the definition of r" in rules and "the trace's cyclic property: df = tr(Gᵀ dX)" == rules[-1]
    assert result.tex.splitlines()[-1] == r"\frac{\partial L}{\partial W} = 2 \mathbf{r} \mathbf{x}^{\top}"
    assert r"\operatorname{tr}(2 \mathbf{x} \mathbf{r}^{\top} \mathrm{d}W)" in result.tex


def test_every_step_is_the_same_differential():
    source = "X in R^(n x n)\na, b in R^n\nf = a^T inv(X) b + logdet(X)\nwrt: X\nshow: steps"
    result = evaluate(source)
    d = result.derivation
    X = d.model.symbols["X"]
    sizes = {"n": 5}
    compiler = Compiler(sizes, d.model.definitions)
    rng = random.Random(3)
    point = {name: _random(var, sizes, rng) for name, var in d.model.symbols.items() if name not in d.model.definitions}
    point["X"] = _plus_identity(point["X"], 6.0)
    point["dX"] = _random(X, sizes, rng)
    values = [flat(compiler(step.form)(point, Numbers(), [], {})) for step in d.steps]
    first = values[0]
    for value in values[1:]:
        assert value == pytest.approx(first, rel=1e-9, abs=1e-12)


def test_a_wrong_step_would_be_caught():
    result = evaluate("x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x\nshow: steps")
    d = result.derivation
    x = d.model.symbols["x"]
    wrong = Claim("a wrong step", d.model.output("f"), (x,), n.Differential("x", x.shape), "differential")
    with pytest.raises(Mismatch):
        Prover([wrong], d.model.free(), d.model.sizes, 5).run()


def _random(var, sizes, rng):  # noqa: ANN001, ANN202
    from mdjacobian.calculus.arrays import Arr

    rows, cols = var.rows.at(sizes), var.cols.at(sizes)
    values = [rng.uniform(-1, 1) for _ in range(rows * cols)]
    return values[0] if rows == cols == 1 else Arr(rows, cols, values)


def _plus_identity(a, c):  # noqa: ANN001, ANN202
    from mdjacobian.calculus.arrays import Arr

    return Arr(a.rows, a.cols, [x + (c if i // a.cols == i % a.cols else 0) for i, x in enumerate(a.data)])


def test_a_part_used_twice_counts_twice_in_a_forms_size():
    """The measure that picks the shortest form counts what is printed: a part two terms share
    is printed in each, and is measured before anything that holds it."""
    from mdjacobian.calculus import algebra as al
    from mdjacobian.calculus.nodes import Var
    from mdjacobian.calculus.textbook import size

    shared = al.apply("tanh", al.add(Var("a"), Var("b")))
    first, second = al.mul(Var("c"), shared), al.mul(Var("d"), al.apply("sin", shared))
    whole = al.add(first, second)
    assert size(shared) == 4
    assert size(whole) == 1 + size(first) + size(second)
    assert size(whole) == 1 + (1 + 1 + 4) + (1 + 1 + (1 + 4))
