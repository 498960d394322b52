"""The NumPy code a result prints, run on random arrays against independent Jacobians.

Each hand-written case's code is compared with central finite differences of the same function
written in NumPy; each fuzzed block's code with SymPy's derivative of the fuzz's own translation of
the block, at the same random point.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, event, given

import mdjacobian
from mdjacobian import BlockError

from ..calculus import reference as ref
from ..calculus import fuzzing as fz
from . import codecheck
from .code_cases import PARAMS, Case


def values_for(case: Case, rng: np.random.Generator) -> dict:
    shapes = codecheck.shapes(case.block, case.sizes)
    return {name: codecheck.draw(shape, rng, case.domains.get(name, "any")) for name, shape in shapes.items()}


def numpy_reference(case: Case, values: dict, wrt: str) -> np.ndarray:
    """The derivative by finite differences of the hand-written function, laid out as documented."""

    def function(v: dict) -> np.ndarray:
        return np.asarray(case.function(np, **v), dtype=float)

    shape = np.shape(values[wrt]) or (1, 1)
    if case.hessian:
        def gradient(v: dict) -> np.ndarray:
            return codecheck.finite_differences(function, v, wrt, step=1e-5)

        jac = codecheck.finite_differences(gradient, values, wrt, step=1e-4)
        return jac.reshape(int(np.prod(shape)), int(np.prod(shape)))
    jac = codecheck.finite_differences(function, values, wrt)
    return codecheck.arrange(jac, np.shape(function(values)), shape, case.layout)


@pytest.mark.parametrize("case", PARAMS)
def test_numpy_code_agrees_with_finite_differences(case: Case):
    result = mdjacobian.evaluate(case.block)
    assert result.check.checked, str(result.check)
    derivative = codecheck.load(result.numpy)
    rng = np.random.default_rng(7)
    for _ in range(2):
        values = values_for(case, rng)
        got = derivative(**values)
        got = got if isinstance(got, tuple) else (got,)
        wrt = [case.wrt] if case.hessian else [[name] for name in case.wrt]
        wants = []
        for names in wrt:
            if case.hessian and len(names) > 1:
                wants.append(_scalar_hessian(case, values, names))
            else:
                wants.append(numpy_reference(case, values, names[0]))
        wants = case.expected(wants)
        assert len(got) == len(wants)
        for part, want in zip(got, wants):
            assert isinstance(part, np.ndarray) and part.ndim == 2
            codecheck.close(part, want, relative=1e-5)


def _scalar_hessian(case: Case, values: dict, names: list[str]) -> np.ndarray:
    """∂²f/∂a∂b over several scalars, by differences of differences."""
    h = 1e-4
    out = np.zeros((len(names), len(names)))
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            total = 0.0
            for sa, sb, weight in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)):
                moved = dict(values)
                moved[a] = moved[a] + sa * h
                moved[b] = moved[b] + sb * h
                total += weight * float(case.function(np, **moved))
            out[i, j] = total / (4 * h * h)
    return out


# -- what the code looked like when it was wrong --------------------------------------------------------


def test_a_minus_before_a_parenthesis_keeps_it():
    """I − (diag(s) − s sᵀ) was printed as eye - diagflat(s) - s @ s.T: the sign of s sᵀ flipped."""
    code = mdjacobian.evaluate("u in R^m\nf = u - softmax(u)\nwrt: u").numpy
    assert "return np.eye(u.shape[0]) - (np.diagflat(t1) - t1 @ t1.T)" in code and "t1 = _softmax(u, axis=0)" in code
    u = np.array([[0.3], [-1.2], [2.0]])
    s = np.exp(u) / np.sum(np.exp(u))
    codecheck.close(codecheck.load(code)(u), np.eye(3) - (np.diagflat(s) - s @ s.T), relative=1e-12)


def test_a_minus_before_a_sum_keeps_its_parentheses():
    """abs(x - (y + 3)) was printed as x - y + 3*ones: the 3 changed sign."""
    code = mdjacobian.evaluate("x, y in R^n\nf = abs(x - (y + 3))\nwrt: x").numpy
    x, y = np.array([[1.0], [-4.0]]), np.array([[-1.5], [0.0]])
    # x - (y + 3) is (-0.5, -7): both signs are -1; x - y + 3 would be (5.5, -1).
    codecheck.close(codecheck.load(code)(x, y), -np.eye(2), relative=0)


@pytest.mark.parametrize("fn", ["sin", "cos", "exp", "tanh", "sqrt", "sign", "log", "abs"])
def test_functions_at_concrete_sizes_are_numpy_functions(fn):
    """At concrete sizes the components' functions were printed without np. and failed to run."""
    result = mdjacobian.evaluate(f"x in R^3\nf = {fn}(x) + {fn}(x1 x2)\nwrt: x")
    x = np.array([[0.7], [1.3], [2.1]])
    step = 1e-6
    want = np.zeros((3, 3))
    fx = getattr(np, fn)
    for j in range(3):
        e = np.zeros((3, 1))
        e[j] = step
        plus, minus = x + e, x - e
        want[:, j] = ((fx(plus) + fx(plus[0] * plus[1])) - (fx(minus) + fx(minus[0] * minus[1]))).ravel() / (2 * step)
    codecheck.close(codecheck.load(result.numpy)(x), want, relative=1e-6)


# -- fuzzed blocks --------------------------------------------------------------------------------------


def check_fuzzed(drawn: fz.Drawn, runs: dict[str, Callable]) -> bool:
    """Run a fuzzed block's code for each library at a random point (``runs[library](source, arrays)``)
    against SymPy's derivative of the fuzz's function; returns whether there was a checked result."""
    try:
        result = mdjacobian.evaluate(drawn.block)
    except BlockError:
        return False
    if not result.check.checked:
        return False
    if any(part.form is None and part.components is None for part in result.parts):
        with pytest.raises(BlockError, match="index notation, which has no"):
            result.code(next(iter(runs)))
        return False  # shown in index notation: no code yet
    env, function = fz.space_of(drawn)
    at = ref.point(env.v, random.Random(1), 1.0)
    for value in env.kinks:
        _, entries = ref.numbers(value, at)
        assume(all(abs(e) > 1e-6 for e in entries))
    want_matrix = ref.expected(function, [getattr(env.v, drawn.wrt)], drawn.layout, drawn.order)
    shape, entries = ref.numbers(want_matrix, at)
    want = np.array([e.real for e in entries]).reshape(shape)
    arrays = {}
    for name, value in vars(env.v).items():
        if isinstance(value, ref.sp.MatrixBase):
            arrays[name] = np.array([[float(at[value[i, j]]) for j in range(value.cols)] for i in range(value.rows)])
        else:
            arrays[name] = float(at[value])
    for library, run in runs.items():
        codecheck.close(run(result.code(library), arrays), want, relative=1e-7)
    return True


def run_numpy(source: str, arrays: dict) -> np.ndarray:
    derivative = codecheck.load(source)
    return derivative(**{name: arrays[name] for name in derivative.__code__.co_varnames[: derivative.__code__.co_argcount]})


@fz.fuzz_settings(150)
@given(fz.blocks())
def test_fuzzed_blocks_numpy_code_agrees_with_sympy(drawn):
    event("compared" if check_fuzzed(drawn, {"numpy": run_numpy}) else "refused or unchecked")


@fz.fuzz_settings(60)
@given(fz.blocks(concrete=True))
def test_fuzzed_blocks_at_concrete_sizes_numpy_code_agrees_with_sympy(drawn):
    event("compared" if check_fuzzed(drawn, {"numpy": run_numpy}) else "refused or unchecked")


# -- Python's precedence, on random expression trees ------------------------------------------------------

from mdjacobian.calculus import nodes as n  # noqa: E402
from mdjacobian.calculus.numeric import Arr, Evaluator  # noqa: E402
from mdjacobian.render.code import TARGETS  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

N = n.Dim(1, ("n",))
SHAPES = {"s": n.SCALAR, "v": (N, n.ONE), "A": (N, N)}
LEAVES = {
    "s": [n.Var("c"), n.Var("d"), n.Number(2), n.Number(-3), n.Number(Fraction(1, 3)), n.Number(Fraction(-5, 2))],
    "v": [n.Var("x", SHAPES["v"]), n.Var("y", SHAPES["v"])],
    "A": [n.Var("A", SHAPES["A"])],
}


@st.composite
def trees(draw: st.DrawFn, kind: str, depth: int = 3) -> n.Node:
    """A random expression of ``kind`` (scalar, column, square matrix), built with the node types' own
    constructors (no simplification), so that every nesting Python could misread is tried."""
    if depth == 0 or draw(st.integers(0, 4)) == 4:  # hypothesis favours small integers: mostly deeper
        return draw(st.sampled_from(LEAVES[kind]))
    shape = SHAPES[kind]
    sub = lambda k: trees(k, depth - 1)  # noqa: E731
    rule = draw(st.sampled_from(["difference", "add", "minus", "scale", "hadamard", "power", "apply"] + (["inner"] if kind == "s" else ["matvec"])))
    if rule == "difference":
        return n.Add((draw(sub(kind)), n.Mul((n.Number(-1), draw(sub(kind))), shape)), (), shape)
    if rule == "add":
        return n.Add((draw(sub(kind)), draw(sub(kind))), (), shape)
    if rule == "minus":
        return n.Mul((draw(st.sampled_from([n.Number(-1), n.Number(-2), n.Number(Fraction(-1, 2))])), draw(sub(kind))), shape)
    if rule == "scale":
        return n.Mul((draw(sub("s")), draw(sub(kind))), shape) if kind != "s" else n.Mul((draw(sub("s")), draw(sub("s"))), shape)
    if rule == "hadamard":
        return n.Hadamard((draw(sub(kind)), draw(sub(kind))), (), shape)
    if rule == "power":
        return n.Power((draw(sub(kind)), draw(st.sampled_from([n.Number(2), n.Number(3), n.Number(-1)]))), (), shape)
    if rule == "apply":
        return n.Apply((draw(sub(kind)),), (draw(st.sampled_from(["sin", "tanh", "atan"])),), shape)
    if rule == "inner":
        return n.Inner((draw(sub("v")), draw(sub("v"))), (), shape)
    a = draw(sub("A"))
    if kind == "A":
        return n.Mul((a, draw(sub("A"))), shape)
    if draw(st.booleans()):
        return n.Mul((a, draw(sub("v"))), shape)
    row = n.Transpose((draw(sub("v")),), (), (n.ONE, N))
    return n.Transpose((n.Mul((row, a), (n.ONE, N)),), (), shape)


@fz.fuzz_settings(150)
@given(st.sampled_from(["s", "v", "A"]).flatmap(trees))
def test_printed_expressions_compute_what_the_nodes_mean(node):
    """The NumPy code of a random tree computes what mdjacobian's own evaluator computes from the tree."""
    rng = np.random.default_rng(5)
    values = {"x": rng.uniform(0.5, 1.5, (3, 1)), "y": rng.uniform(-1.5, -0.5, (3, 1)), "A": rng.standard_normal((3, 3))}
    values |= {"c": 0.7, "d": -1.3}
    printer = TARGETS["numpy"]({k: k for k in values}, {"n": "x.shape[0]"}, like="x")
    code = printer.doprint(node)
    arrays = {k: Arr(*v.shape, list(v.ravel())) if isinstance(v, np.ndarray) else v for k, v in values.items()}
    try:
        with np.errstate(all="ignore"):
            got = np.asarray(eval(code, {"np": np, **values}), dtype=float)  # noqa: S307 - a test runs printed code
        want = Evaluator(arrays, {"n": 3})(node)
    except (ZeroDivisionError, OverflowError, ValueError):
        return  # a random tree may divide by zero (c - c) ** -1 or overflow: nothing to compare
    want = np.array(want.data, dtype=float).reshape(want.rows, want.cols) if isinstance(want, Arr) else float(want)
    assume(np.all(np.isfinite(want)) and np.max(np.abs(want), initial=0) < 1e8)
    if np.ndim(want) == 0:  # a scalar may be computed as a (1, 1) array, as x.T @ y is
        assert got.size == 1
        got = got.reshape(())
    codecheck.close(got, want, relative=1e-9)
