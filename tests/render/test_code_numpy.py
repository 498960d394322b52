"""The NumPy code a result prints, run on random arrays against independent Jacobians.

Each hand-written case's code is compared with central finite differences of the same function
written in NumPy; each fuzzed block's code with SymPy's derivative of the fuzz's own translation of
the block, at the same random point.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import assume, event, given

import mdjacobian
from mdjacobian import BlockError

from ..calculus import reference as ref
from ..calculus import test_fuzz as fuzz
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
    assert "return np.eye(u.shape[0]) - (np.diagflat(t1) - t1 @ t1.T)" in code
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


def check_fuzzed(drawn: tuple, sizes: dict[str, int], runs: dict[str, Callable]) -> bool:
    """Run a fuzzed block's code for each library at a random point (``runs[library](source, arrays)``)
    against SymPy's derivative of the fuzz's function; returns whether there was a checked result."""
    block, f, wrt, layout, order = drawn
    try:
        result = mdjacobian.evaluate(block)
    except BlockError:
        return False
    if not result.check.checked:
        return False
    space = ref.values_at(fuzz.DECLARE, sizes)
    kinks: list = []
    function = f(space, kinks)
    at = ref.point(space, random.Random(1), 1.0)
    for value in kinks:
        _, entries = ref.numbers(value, at)
        assume(all(abs(e) > 1e-6 for e in entries))
    want_matrix = ref.expected(function, [getattr(space, wrt)], layout, order)
    shape, entries = ref.numbers(want_matrix, at)
    want = np.array([e.real for e in entries]).reshape(shape)
    arrays = {}
    for name, value in vars(space).items():
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


@fuzz.FUZZ
@given(fuzz.blocks(), fuzz.SIZES)
def test_fuzzed_blocks_numpy_code_agrees_with_sympy(drawn, sizes):
    event("compared" if check_fuzzed(drawn, sizes, {"numpy": run_numpy}) else "refused or unchecked")
