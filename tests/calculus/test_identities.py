"""Identities of matrix calculus (the Matrix Cookbook's among them), each proven independently.

Every case is a block at symbolic sizes and the same function built here directly in SymPy. The
block's result, written out by ``Result.at_sizes`` at random sizes of 5 to 7 (a different one for
each size name), must equal SymPy's own entry-by-entry derivative at random points spread over the
real line, inside the function's domain. Where users expect the textbook form, the TeX is asserted
too, in a separate test.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
import sympy as sp

from mdjacobian import evaluate

from . import reference as ref


def _sigmoid(t: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-t))


def _softmax(z: sp.Matrix) -> sp.Matrix:
    e = z.applyfunc(sp.exp)
    return e / sum(e)


def _relu(v: sp.Matrix) -> sp.Matrix:
    return v.applyfunc(lambda t: sp.Max(0, t))


def _det(a: sp.Matrix) -> sp.Expr:
    return a.det(method="berkowitz")


def _ratio(p: ref.Polynomials, numerator: Callable) -> tuple:
    """A function of X⁻¹ = adj(X) / det(X) as (numerator(adj(X)), det(X))."""
    adj, det = p.space.X.adj_det()
    return numerator(adj), det


def _sq(v: sp.Matrix) -> sp.Expr:
    return sum(t**2 for t in v)


def _scalar(m: sp.Matrix) -> sp.Expr:
    (value,) = m
    return value


@dataclass(frozen=True)
class Case:
    """An identity: a block's function at symbolic sizes and the same function in SymPy."""

    name: str
    declare: str
    """The declarations, with ``;`` between lines: ``x in R^n; A in R^(n x n)``."""
    function: str
    wrt: str
    reference: Callable[[SimpleNamespace], sp.Expr | sp.Matrix] | None
    """The function built in SymPy from the declared names' values (or else ``ratio``)."""
    options: str = ""
    domains: Mapping[str, ref.Domain] = field(default_factory=dict)
    sizes: Mapping[str, int] | None = None
    """Fixed sizes where the identity needs them (a tall matrix); random ones otherwise."""
    form: str | None = None
    """The textbook form, as the block's TeX writes it, where users expect one."""
    ratio: Callable[[ref.Polynomials], tuple] | None = None
    """A scalar function of a determinant or an inverse, as (numerator, denominator) polynomials in
    the entries, which SymPy differentiates in seconds where its matrices of symbols take minutes."""

    @property
    def block(self) -> str:
        lines = [*self.declare.split(";"), f"f = {self.function}", f"wrt: {self.wrt}", *self.options.split(";")]
        return "\n".join(line.strip() for line in lines if line.strip())

    @property
    def declarations(self) -> str:
        return self.declare.replace(";", "\n")

    @property
    def layout(self) -> str:
        return "denominator" if "layout: denominator" in self.options else "numerator"

    @property
    def order(self) -> int:
        return 2 if "derivative: hessian" in self.options else 1


C = Case
POS = ref.positive
SQUARE_INVERSE = {"n": 5}
"""Result.at_sizes writes an inverse out in symbols, which takes SymPy seconds at 5 and minutes at 7."""

CASES = [
    # -- a scalar function of a vector: the gradient, a row in numerator layout --------------------
    C("a^T x", "a, x in R^n", "a^T x", "x", lambda v: _scalar(v.a.T * v.x), form=r"\mathbf{a}^{\top}"),
    C("x^T a", "a, x in R^n", "x^T a", "x", lambda v: _scalar(v.x.T * v.a), form=r"\mathbf{a}^{\top}"),
    C("x^T A x", "x in R^n; A in R^(n x n)", "x^T A x", "x", lambda v: _scalar(v.x.T * v.A * v.x),
      form=r"\mathbf{x}^{\top} (A + A^{\top})"),
    C("x^T x, denominator", "x in R^n", "x^T x", "x", lambda v: _scalar(v.x.T * v.x), "layout: denominator",
      form=r"2 \mathbf{x}"),
    C("norm(x)", "x in R^n", "norm(x)", "x", lambda v: sp.sqrt(_sq(v.x))),
    C("norm(x)^2", "x in R^n", "norm(x)^2", "x", lambda v: _sq(v.x), form=r"2 \mathbf{x}^{\top}"),
    C("norm1(x)", "x in R^n", "norm1(x)", "x", lambda v: sum(abs(t) for t in v.x),
      form=r"\operatorname{sign}(\mathbf{x})^{\top}"),
    C("norm(x - a)", "x, a in R^n", "norm(x - a)", "x", lambda v: sp.sqrt(_sq(v.x - v.a))),
    C("sqrt(x^T x)", "x in R^n", "sqrt(x^T x)", "x", lambda v: sp.sqrt(_scalar(v.x.T * v.x))),
    C("(x^T a)^2", "x, a in R^n", "(x^T a)^2", "x", lambda v: _scalar(v.x.T * v.a) ** 2),
    C("(a·x)(b·x)", "x, a, b in R^n", "dot(a, x) dot(b, x)", "x", lambda v: v.a.dot(v.x) * v.b.dot(v.x)),
    C("sum(x)", "x in R^n", "sum(x)", "x", lambda v: sum(v.x), form=r"\mathbf{1}^{\top}"),
    C("sum(x ./ exp(w)) by w", "x, w in R^n", "sum(x ./ exp(w))", "w",
      lambda v: sum(a * sp.exp(-b) for a, b in zip(v.x, v.w))),
    C("log(sum(exp(x)))", "x in R^n", "log(sum(exp(x)))", "x", lambda v: sp.log(sum(sp.exp(t) for t in v.x)),
      form=r"\operatorname{softmax}(\mathbf{x})^{\top}"),
    C("cross-entropy of a softmax", "z, y in R^n", "-y^T log(softmax(z))", "z",
      lambda v: -sum(a * sp.log(s) for a, s in zip(v.y, _softmax(v.z)))),
    C("cross-entropy of a softmax, sum(y) = 1", "z, y in R^n", "-y^T log(softmax(z))", "z",
      lambda v: -sum(a * sp.log(s) for a, s in zip(v.y, _softmax(v.z))), "assume: sum(y) = 1",
      domains={"y": ref.probabilities}, form=r"(\operatorname{softmax}(\mathbf{z}) - \mathbf{y})^{\top}"),
    C("logistic regression", "x, w in R^n; b, y in R",
      "-y log(sigmoid(w^T x + b)) - (1 - y) log(1 - sigmoid(w^T x + b))", "w, b",
      lambda v: -v.y * sp.log(_sigmoid(v.w.dot(v.x) + v.b)) - (1 - v.y) * sp.log(1 - _sigmoid(v.w.dot(v.x) + v.b)),
      form=r"\left[\begin{matrix}(\sigma(\mathbf{w}^{\top} \mathbf{x} + b) - y) \mathbf{x}^{\top} & "
      r"\sigma(\mathbf{w}^{\top} \mathbf{x} + b) - y\end{matrix}\right]"),
    C("logistic regression, denominator", "x, w in R^n; b, y in R",
      "-y log(sigmoid(w^T x + b)) - (1 - y) log(1 - sigmoid(w^T x + b))", "w, b",
      lambda v: -v.y * sp.log(_sigmoid(v.w.dot(v.x) + v.b)) - (1 - v.y) * sp.log(1 - _sigmoid(v.w.dot(v.x) + v.b)),
      "layout: denominator"),
    C("sigmoid(w^T x + b) by w", "x, w in R^n; b in R", "sigmoid(w^T x + b)", "w",
      lambda v: _sigmoid(v.w.dot(v.x) + v.b)),
    # -- a vector function of a vector: the Jacobian ------------------------------------------------
    C("W x + b by x", "x in R^n; W in R^(m x n); b in R^m", "W x + b", "x", lambda v: v.W * v.x + v.b, form="W"),
    C("W x + b by b", "x in R^n; W in R^(m x n); b in R^m", "W x + b", "b", lambda v: v.W * v.x + v.b, form="I"),
    C("A x", "x in R^n; A in R^(m x n)", "A x", "x", lambda v: v.A * v.x, form="A"),
    C("W x, denominator", "x in R^n; W in R^(m x n)", "W x", "x", lambda v: v.W * v.x, "layout: denominator",
      form=r"W^{\top}"),
    C("softmax(z)", "z in R^n", "softmax(z)", "z", lambda v: _softmax(v.z),
      form=r"\operatorname{diag}(\operatorname{softmax}(\mathbf{z})) - \operatorname{softmax}(\mathbf{z}) "
      r"\operatorname{softmax}(\mathbf{z})^{\top}"),
    C("sigmoid(x)", "x in R^n", "sigmoid(x)", "x", lambda v: v.x.applyfunc(_sigmoid),
      form=r"\operatorname{diag}(\sigma(\mathbf{x}) \odot (\mathbf{1} - \sigma(\mathbf{x})))"),
    C("exp(x)", "x in R^n", "exp(x)", "x", lambda v: v.x.applyfunc(sp.exp),
      form=r"\operatorname{diag}(\exp(\mathbf{x}))"),
    C("log(x)", "x in R^n", "log(x)", "x", lambda v: v.x.applyfunc(sp.log), domains={"x": POS}),
    C("tanh(W v + b) by v", "v in R^n; W in R^(m x n); b in R^m", "tanh(W v + b)", "v",
      lambda v: (v.W * v.v + v.b).applyfunc(sp.tanh)),
    C("max(0, x)", "x in R^n", "max(0, x)", "x", lambda v: _relu(v.x)),
    C("abs(x)", "x in R^n", "abs(x)", "x", lambda v: v.x.applyfunc(sp.Abs),
      form=r"\operatorname{diag}(\operatorname{sign}(\mathbf{x}))"),
    # element-wise products and quotients, by each operand
    C("x .* w by x", "x, w in R^n", "x .* w", "x", lambda v: v.x.multiply_elementwise(v.w),
      form=r"\operatorname{diag}(\mathbf{w})"),
    C("x .* w by w", "x, w in R^n", "x .* w", "w", lambda v: v.x.multiply_elementwise(v.w),
      form=r"\operatorname{diag}(\mathbf{x})"),
    C("x .* w by x, denominator", "x, w in R^n", "x .* w", "x", lambda v: v.x.multiply_elementwise(v.w),
      "layout: denominator"),
    C("x .* x", "x in R^n", "x .* x", "x", lambda v: v.x.multiply_elementwise(v.x),
      form=r"2 \operatorname{diag}(\mathbf{x})"),
    C("x ./ w by x", "x, w in R^n", "x ./ w", "x", lambda v: sp.Matrix([a / b for a, b in zip(v.x, v.w)]),
      domains={"w": POS}),
    C("x ./ w by w", "x, w in R^n", "x ./ w", "w", lambda v: sp.Matrix([a / b for a, b in zip(v.x, v.w)]),
      domains={"w": POS}),
    C("1 ./ (1 + x .* x)", "x in R^n", "1 ./ (1 + x .* x)", "x", lambda v: v.x.applyfunc(lambda t: 1 / (1 + t**2))),
    C("sin(x) .* cos(w) by w", "x, w in R^n", "sin(x) .* cos(w)", "w",
      lambda v: v.x.applyfunc(sp.sin).multiply_elementwise(v.w.applyfunc(sp.cos))),
    # scalar expansion
    C("x + z by z", "x in R^n; z in R", "x + z", "z", lambda v: v.x + v.z * sp.ones(len(v.x), 1), form=r"\mathbf{1}"),
    C("x + z by x", "x in R^n; z in R", "x + z", "x", lambda v: v.x + v.z * sp.ones(len(v.x), 1), form="I"),
    C("z x by z and x", "x in R^n; z in R", "z x", "z, x", lambda v: v.z * v.x),
    C("z x by z and x, denominator", "x in R^n; z in R", "z x", "z, x", lambda v: v.z * v.x, "layout: denominator"),
    C("x / z by z", "x in R^n; z in R", "x / z", "z", lambda v: v.x / v.z, domains={"z": POS}),
    C("sum(x z) by z", "x in R^n; z in R", "sum(x z)", "z", lambda v: v.z * sum(v.x)),
    # -- a scalar function of a matrix: the gradient, shaped like the matrix ---------------------------
    C("norm(W x - y)^2 by W", "x in R^n; W in R^(m x n); y in R^m", "norm(W x - y)^2", "W",
      lambda v: _sq(v.W * v.x - v.y), form=r"2 (W \mathbf{x} - \mathbf{y}) \mathbf{x}^{\top}"),
    C("norm(W x - y)^2 by W, denominator", "x in R^n; W in R^(m x n); y in R^m", "norm(W x - y)^2", "W",
      lambda v: _sq(v.W * v.x - v.y), "layout: denominator"),
    C("tr(A X)", "A in R^(m x n); X in R^(n x m)", "tr(A X)", "X", lambda v: (v.A * v.X).trace(), form=r"A^{\top}"),
    C("tr(X^T X)", "X in R^(m x n)", "tr(X^T X)", "X", lambda v: (v.X.T * v.X).trace(), form="2 X"),
    C("tr(X^T A X)", "X in R^(n x m); A in R^(n x n)", "tr(X^T A X)", "X", lambda v: (v.X.T * v.A * v.X).trace(),
      form=r"(A + A^{\top}) X"),
    C("tr(A X B)", "X in R^(n x m); A in R^(p x n); B in R^(m x p)", "tr(A X B)", "X",
      lambda v: (v.A * v.X * v.B).trace(), form=r"A^{\top} B^{\top}"),
    C("tr(X)", "X in R^(n x n)", "tr(X)", "X", lambda v: v.X.trace(), form="I"),
    C("tr(X X)", "X in R^(n x n)", "tr(X X)", "X", lambda v: (v.X * v.X).trace(), form=r"2 X^{\top}"),
    C("tr(X^T B X C)", "X in R^(n x m); B in R^(n x n); C in R^(m x m)", "tr(X^T B X C)", "X",
      lambda v: (v.X.T * v.B * v.X * v.C).trace(), form=r"B X C + B^{\top} X C^{\top}"),
    C("a^T X b", "X in R^(m x n); a in R^m; b in R^n", "a^T X b", "X", lambda v: _scalar(v.a.T * v.X * v.b),
      form=r"\mathbf{a} \mathbf{b}^{\top}"),
    C("a^T X^T b", "X in R^(m x n); a in R^n; b in R^m", "a^T X^T b", "X", lambda v: _scalar(v.a.T * v.X.T * v.b),
      form=r"\mathbf{b} \mathbf{a}^{\top}"),
    C("b^T X^T X c", "X in R^(n x m); b, c in R^m", "b^T X^T X c", "X", lambda v: _scalar(v.b.T * v.X.T * v.X * v.c)),
    C("(X b + c)^T D (X b + c)", "X in R^(n x m); b in R^m; c in R^n; D in R^(n x n)", "(X b + c)^T D (X b + c)", "X",
      lambda v: _scalar((v.X * v.b + v.c).T * v.D * (v.X * v.b + v.c)),
      form=r"(D + D^{\top}) (X \mathbf{b} + \mathbf{c}) \mathbf{b}^{\top}"),
    C("norm(X)^2", "X in R^(m x n)", "norm(X)^2", "X", lambda v: _sq(v.X), form="2 X"),
    C("norm(X)", "X in R^(m x n)", "norm(X)", "X", lambda v: sp.sqrt(_sq(v.X))),
    C("sum(W)", "W in R^(m x n)", "sum(W)", "W", lambda v: sum(v.W)),
    C("det(X)", "X in R^(n x n)", "det(X)", "X", None, ratio=lambda p: (p.space.X.det(), p.domain.one),
      sizes=SQUARE_INVERSE, domains={"X": ref.invertible},
      form=r"\det(X) X^{-\top}"),
    C("logdet(X)", "X in R^(n x n)", "logdet(X)", "X", lambda v: sp.log(_det(v.X)), sizes=SQUARE_INVERSE, domains={"X": ref.spd},
      form=r"X^{-\top}"),
    C("tr(inv(X) A)", "X, A in R^(n x n)", "tr(inv(X) A)", "X", None,
      ratio=lambda p: _ratio(p, lambda adj: p.trace(adj.matmul(p.space.A))), sizes=SQUARE_INVERSE, domains={"X": ref.invertible}, form=r"-X^{-\top} A^{\top} X^{-\top}"),
    C("a^T inv(X) b", "X in R^(n x n); a, b in R^n", "a^T inv(X) b", "X", None,
      ratio=lambda p: _ratio(p, lambda adj: p.scalar(p.space.a.transpose().matmul(adj).matmul(p.space.b))),
      sizes=SQUARE_INVERSE, domains={"X": ref.invertible}, form=r"-X^{-\top} \mathbf{a} \mathbf{b}^{\top} X^{-\top}"),
    # -- a vector function of a matrix: the Jacobian of vec(W) -------------------------------------------
    C("W x by W", "x in R^n; W in R^(m x n)", "W x", "W", lambda v: v.W * v.x, form=r"\mathbf{x}^{\top} \otimes I_{m}"),
    C("W x by W, denominator", "x in R^n; W in R^(m x n)", "W x", "W", lambda v: v.W * v.x, "layout: denominator",
      form=r"\mathbf{x} \otimes I_{m}"),
    C("X^T a by X", "X in R^(m x n); a in R^m", "X^T a", "X", lambda v: v.X.T * v.a,
      form=r"I_{n} \otimes \mathbf{a}^{\top}"),
    C("softmax(W x) by W", "x in R^n; W in R^(m x n)", "softmax(W x)", "W", lambda v: _softmax(v.W * v.x)),
    C("max(0, W x) by W", "x in R^n; W in R^(m x n)", "max(0, W x)", "W", lambda v: _relu(v.W * v.x)),
    C("sin(A x) by A", "x in R^n; A in R^(n x n)", "sin(A x)", "A", lambda v: (v.A * v.x).applyfunc(sp.sin)),
    # -- Hessians -----------------------------------------------------------------------------------------
    C("hessian of x^T A x", "x in R^n; A in R^(n x n)", "x^T A x", "x", lambda v: _scalar(v.x.T * v.A * v.x),
      "derivative: hessian", form=r"A + A^{\top}"),
    C("hessian of x^T A x, denominator", "x in R^n; A in R^(n x n)", "x^T A x", "x",
      lambda v: _scalar(v.x.T * v.A * v.x), "derivative: hessian; layout: denominator", form=r"A + A^{\top}"),
    C("hessian of sum(exp(x))", "x in R^n", "sum(exp(x))", "x", lambda v: sum(sp.exp(t) for t in v.x),
      "derivative: hessian", form=r"\operatorname{diag}(\exp(\mathbf{x}))"),
    C("hessian of norm(A x - b)^2", "x in R^n; A in R^(m x n); b in R^m", "norm(A x - b)^2", "x",
      lambda v: _sq(v.A * v.x - v.b), "derivative: hessian", form=r"2 A^{\top} A"),
    C("hessian of norm(x)^2", "x in R^n", "norm(x)^2", "x", lambda v: _sq(v.x), "derivative: hessian", form="2 I"),
    C("hessian of log(sum(exp(x)))", "x in R^n", "log(sum(exp(x)))", "x", lambda v: sp.log(sum(sp.exp(t) for t in v.x)),
      "derivative: hessian"),
    C("hessian of sum(log(x))", "x in R^n", "sum(log(x))", "x", lambda v: sum(sp.log(t) for t in v.x),
      "derivative: hessian", domains={"x": POS}),
    # -- a two-layer network's loss, by every parameter ------------------------------------------------------
    C("two-layer network", "x in R^n; V in R^(h x n); b1 in R^h; W in R^(m x h); b2, y in R^m",
      "norm(W max(0, V x + b1) + b2 - y)^2", "W, b2, V, b1",
      lambda v: _sq(v.W * _relu(v.V * v.x + v.b1) + v.b2 - v.y)),
]

# Identities the engine does not yet get right: each case is expected to fail until it is fixed.
OPEN: dict[str, str] = {}
CASES += [
    C("hessian of log(1 + exp(w·x))", "x, w in R^n", "log(1 + exp(dot(w, x)))", "w",
      lambda v: sp.log(1 + sp.exp(v.w.dot(v.x))), "derivative: hessian"),
    C("hessian of (a·x)(b·x)", "x, a, b in R^n", "dot(a, x) dot(b, x)", "x", lambda v: v.a.dot(v.x) * v.b.dot(v.x),
      "derivative: hessian"),
    C("(a^T x) * (b^T x)", "x, a, b in R^n", "(a^T x) * (b^T x)", "x", lambda v: v.a.dot(v.x) * v.b.dot(v.x)),
    C("hessian by a scalar", "x in R^n; z in R", "sin(z dot(x, x))", "z", lambda v: sp.sin(v.z * v.x.dot(v.x)),
      "derivative: hessian"),
    C("x / norm(x)", "x in R^n", "x / norm(x)", "x", lambda v: v.x / sp.sqrt(_sq(v.x))),
    C("norm(x) x", "x in R^n", "norm(x) x", "x", lambda v: sp.sqrt(_sq(v.x)) * v.x),
]

# Results that are right but not in the form a textbook gives.
FORMS: dict[str, tuple[str, str]] = {}


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=OPEN[case.name])] if case.name in OPEN else []
    return pytest.param(case, id=case.name, marks=marks)


def _kinds(case: Case, space: SimpleNamespace, f: sp.Expr | sp.Matrix) -> list[str]:
    variables = [getattr(space, name.strip()) for name in case.wrt.split(",")]
    if case.order == 2:
        return ["derivative" if not isinstance(variables[0], sp.MatrixBase) else "hessian"]
    return [ref.kind(f, v) for v in variables]


def prove(case: Case) -> None:
    """The case's block, written out at random sizes, equals SymPy's derivative at random points."""
    rng = random.Random(case.name)
    sizes = dict(case.sizes) if case.sizes else ref.pick_sizes(ref.size_names(case.declarations), rng)
    result = evaluate(case.block)
    assert result.check.checked, str(result.check)
    space = ref.values_at(case.declarations, sizes)
    variables = [getattr(space, name.strip()) for name in case.wrt.split(",")]
    f = case.reference(space) if case.reference is not None else sp.Symbol("f")  # a ratio is a scalar function
    assert [p.kind for p in result.parts] == _kinds(case, space, f)
    got = result.at_sizes(**sizes)
    samples = [ref.point(space, rng, scale, case.domains) for scale in ref.SCALES]
    if case.ratio is not None:
        polynomials = ref.Polynomials(space)
        ratio = case.ratio(polynomials)
        (v,) = variables
        ref.assert_agree_at(got, lambda at: polynomials.gradient_at(ratio, v, at, case.layout), samples)
    else:
        ref.assert_agree(got, ref.expected(f, variables, case.layout, case.order), samples)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_identity_holds_at_random_sizes_and_points(case):
    prove(case)


def test_every_identity_has_its_own_name():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)) and set(OPEN) <= set(names) and set(FORMS) <= set(names)


def _form_params() -> list[object]:
    params = []
    for case in CASES:
        if case.form is not None:
            params.append(pytest.param(case.block, case.form, id=case.name))
        if case.name in FORMS:
            form, reason = FORMS[case.name]
            params.append(pytest.param(case.block, form, id=case.name, marks=pytest.mark.xfail(strict=True, reason=reason)))
    return params


@pytest.mark.parametrize(("block", "form"), _form_params())
def test_textbook_form(block, form):
    assert evaluate(block).form == form


def test_a_wrong_derivative_is_caught():
    """The comparison itself: a result that differs from SymPy's by a transpose is rejected."""
    case = next(c for c in CASES if c.name == "tr(X^T A X)")
    rng = random.Random(0)
    sizes = {"n": 6, "m": 5}
    space = ref.values_at(case.declarations, sizes)
    right = evaluate(case.block).at_sizes(**sizes)
    wrong = (space.A * space.X).T
    samples = [ref.point(space, rng, 1.0)]
    ref.assert_agree(right, ref.expected(case.reference(space), [space.X]), samples)
    with pytest.raises(AssertionError, match="shape"):
        ref.assert_agree(wrong, ref.expected(case.reference(space), [space.X]), samples)
    with pytest.raises(AssertionError, match="entry"):
        ref.assert_agree(space.A * space.X, ref.expected(case.reference(space), [space.X]), samples)


REPEATED = [
    pytest.param(C("inv(X) b by X", "X in R^(n x n); b in R^n", "inv(X) b", "X",
                   lambda v: v.X.adjugate(method="berkowitz") / v.X.det(method="berkowitz") * v.b,
                   sizes={"n": 3}, domains={"X": ref.invertible}), id="inv(X) b by X"),
    pytest.param(C("inv(X^T X) b by X", "X in R^(n x n); b in R^n", "inv(X^T X) b", "X",
                   lambda v: (v.X.T * v.X).adjugate(method="berkowitz") / (v.X.T * v.X).det(method="berkowitz") * v.b,
                   sizes={"n": 3}, domains={"X": ref.invertible}), id="inv(X^T X) b by X"),
]
"""Vector functions of a matrix under an inverse, evaluated again and again at the small size 3 (the
inverse of XᵀX written out in symbols is slow to differentiate at 5)."""


@pytest.mark.parametrize("case", REPEATED)
def test_a_block_gives_the_same_proven_result_every_time(case):
    forms = set()
    for _ in range(5):
        prove(case)
        forms.add(evaluate(case.block).form)
    assert len(forms) == 1, forms
