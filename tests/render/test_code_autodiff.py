"""The JAX and PyTorch code a result prints, against each library's own automatic differentiation.

Each hand-written case's function is written once for an array module and differentiated by
``jax.jacobian`` and ``torch.autograd.functional.jacobian``; each fuzzed block's function, the
fuzz's own SymPy translation, is evaluated with the library's operations (by :func:`evaluate`, not by
any mdjacobian printer) and differentiated the same way. Both libraries are optional (the
``export-tests`` extra): these tests skip without them, and fail in CI, which installs them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, event, given
from hypothesis import strategies as st

import mdjacobian

from ..calculus import reference as ref
from ..calculus import fuzzing as fz
from ..calculus import grammar as g
from ..needs import need
from . import codecheck
from .code_cases import PARAMS, Case
from .test_code_numpy import check_fuzzed, values_for

INSTALL = "pip install -e '.[export-tests]' 'torch==2.13.0' (see the README)"


class Library:
    """What the tests need of one library: arrays from NumPy's, a Jacobian by autodiff, its functions."""

    def __init__(self, name: str) -> None:
        need(importlib.util.find_spec(name) is not None, f"{name} is not installed: {INSTALL}")
        self.name = name
        if name == "jax":
            import jax

            jax.config.update("jax_enable_x64", True)  # compare in float64, as NumPy does
            import jax.numpy as jnp

            self.xp, self._jax = jnp, jax
        else:
            import torch

            self.xp, self._torch = torch, torch

    def array(self, value: np.ndarray | float):  # noqa: ANN201
        if self.name == "jax":
            return self.xp.asarray(value, dtype=self.xp.float64)
        return self._torch.tensor(value, dtype=self._torch.float64)

    def scalar(self, value):  # noqa: ANN001, ANN201
        """A number or a 0-d array as a 0-d array of the library, keeping its graph."""
        if self.name == "jax":
            return self.xp.asarray(value, dtype=self.xp.float64)
        return self._torch.as_tensor(value, dtype=self._torch.float64)

    def numpy(self, value) -> np.ndarray:  # noqa: ANN001
        if self.name == "torch":
            value = value.detach()
        return np.asarray(value, dtype=float)

    # Never jax.jit: a fuzzed function is traced entry by entry, and XLA compiling such a graph
    # took gigabytes; run eagerly, each operation is compiled once and cached by its shapes.
    def jacobian(self, function: Callable, at):  # noqa: ANN001, ANN201
        """∂function/∂at: an array of shape function's shape + at's shape."""
        if self.name == "jax":
            return self.numpy(self._jax.jacobian(function)(at))
        return self.numpy(self._torch.autograd.functional.jacobian(function, at))

    def hessian(self, function: Callable, at):  # noqa: ANN001, ANN201
        if self.name == "jax":
            return self.numpy(self._jax.hessian(function)(at))
        return self.numpy(self._torch.autograd.functional.hessian(function, at))


@pytest.fixture(scope="module", params=["jax", "torch"])
def library(request) -> Library:  # noqa: ANN001
    return Library(request.param)


@pytest.fixture(scope="module", autouse=True)
def float64():  # noqa: ANN201
    """PyTorch's new tensors in float64 while these tests run, as NumPy's and (with x64) JAX's are."""
    if importlib.util.find_spec("torch") is None:
        yield
        return
    import torch

    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def reference(case: Case, lib: Library, values: dict, wrt: list[str]) -> np.ndarray:
    """The part of the derivative by ``wrt``, by the library's autodiff of the hand-written function."""
    def at(name: str) -> Callable:
        return lambda v: case.function(lib.xp, **{**values, name: v})

    if case.hessian:
        if len(wrt) == 1:
            size = int(np.prod(np.shape(values[wrt[0]]) or (1,)))
            return lib.hessian(lambda v: at(wrt[0])(v).reshape(()), values[wrt[0]]).reshape(size, size)
        stacked = lib.xp.stack([values[name] for name in wrt])

        def of_stack(s):  # noqa: ANN001, ANN202
            return case.function(lib.xp, **{**values, **{name: s[i] for i, name in enumerate(wrt)}}).reshape(())

        return lib.hessian(of_stack, stacked)
    (name,) = wrt
    f_shape = tuple(case.function(lib.xp, **values).shape)
    shape = tuple(values[name].shape) or (1, 1)
    return codecheck.arrange(lib.jacobian(at(name), values[name]), f_shape, shape, case.layout)


@pytest.mark.parametrize("case", PARAMS)
def test_code_agrees_with_autodiff(case: Case, library: Library):
    result = mdjacobian.evaluate(case.block)
    derivative = codecheck.load(result.code(library.name))
    rng = np.random.default_rng(11)
    for _ in range(2):
        values = {name: library.array(v) for name, v in values_for(case, rng).items()}
        got = derivative(**values)
        got = got if isinstance(got, tuple) else (got,)
        wrt = [case.wrt] if case.hessian else [[name] for name in case.wrt]
        wants = case.expected([reference(case, library, values, names) for names in wrt])
        assert len(got) == len(wants)
        for part, want in zip(got, wants):
            assert part.ndim == 2
            codecheck.close(library.numpy(part), want, relative=1e-10)


def test_torch_code_keeps_the_arguments_dtype():
    Library("torch")
    import torch

    code = mdjacobian.evaluate("x in R^n\nf = 2 x + sin(2) x\nwrt: x").torch
    assert "dtype=x.dtype" in code
    for dtype in (torch.float32, torch.float64):
        assert codecheck.load(code)(torch.ones((3, 1), dtype=dtype)).dtype == dtype


def test_torch_code_is_differentiable():
    """A reader may differentiate the derivative again: the code keeps PyTorch's graph."""
    Library("torch")
    import torch

    result = mdjacobian.evaluate("x in R^3\nf = [x1^2 x2, sin(x3)]\nwrt: x")
    x = torch.tensor([[0.5], [1.5], [-0.3]], dtype=torch.float64, requires_grad=True)
    jacobian = codecheck.load(result.torch)(x)
    (second,) = torch.autograd.grad(jacobian[0, 0], x)  # ∂(2 x1 x2)/∂x
    assert second.flatten().tolist() == pytest.approx([3.0, 1.0, 0.0])


# -- fuzzed blocks, against autodiff of the fuzz's own SymPy translation -------------------------------------


def evaluate(expr: sp.Expr, values: dict[sp.Basic, object], lib: Library) -> object:
    """A SymPy expression of the fuzz's translation, computed with the library's operations; ``values``
    holds the symbols' values and collects each subexpression's."""
    if expr in values:
        return values[expr]
    if expr.is_Number:
        return float(expr)
    args = [evaluate(a, values, lib) for a in expr.args]
    values[expr] = value = _apply(expr, args, lib)
    return value


def _apply(expr: sp.Expr, args: list, lib: Library) -> object:
    if isinstance(expr, sp.Add):
        return sum(args[1:], args[0])
    if isinstance(expr, sp.Mul):
        product = args[0]
        for a in args[1:]:
            product = product * a
        return product
    if isinstance(expr, sp.Pow):
        return args[0] ** args[1]
    if isinstance(expr, sp.Max):
        out = args[0]
        for a in args[1:]:
            out = lib.xp.maximum(lib.scalar(out), lib.scalar(a))
        return out
    return getattr(lib.xp, type(expr).__name__)(lib.scalar(args[0]))  # sin, cos, tanh, exp, log


def autodiff_run(lib: Library, drawn: fz.Drawn) -> Callable:
    """A runner that checks the generated code against autodiff of the drawn function at the point it is given."""
    env, function = fz.space_of(drawn)
    wrt = drawn.wrt

    def run(source: str, arrays: dict) -> np.ndarray:
        values = {name: lib.array(v) for name, v in arrays.items()}

        def of(v):  # noqa: ANN001, ANN202
            point = {}
            for name, value in vars(env.v).items():
                taken = v if name == wrt else values[name]
                if isinstance(value, sp.MatrixBase):
                    point.update({value[i, j]: taken[i, j] for i in range(value.rows) for j in range(value.cols)})
                else:
                    point[value] = taken
            if isinstance(function, sp.MatrixBase):  # vec(F): a matrix's entries column by column
                entries = ref.vec(function)
                return lib.xp.stack([lib.scalar(evaluate(e, point, lib)) for e in entries]).reshape(-1, 1)
            return lib.scalar(evaluate(function, point, lib))

        shape = tuple(values[wrt].shape) or (1, 1)
        if drawn.order == 2:
            size = int(np.prod(shape))
            want = lib.hessian(of, values[wrt]).reshape(size, size)
        else:
            jacobian = lib.jacobian(of, values[wrt])
            matrix = isinstance(function, sp.MatrixBase) and function.cols > 1
            if matrix and shape == (1, 1):  # dF/dt is shaped like F
                want = jacobian.reshape(function.cols, function.rows).T
            else:
                want = codecheck.arrange(jacobian, tuple(of(values[wrt]).shape), shape, drawn.layout)
        derivative = codecheck.load(source)
        names = derivative.__code__.co_varnames[: derivative.__code__.co_argcount]
        got = lib.numpy(derivative(**{name: values[name] for name in names}))
        codecheck.close(got, want, relative=1e-9)
        return got

    return run


def check_fuzzed_with(library: str, drawn: fz.Drawn) -> None:
    # Autodiff takes each entry of a matrix as its own variable; a symmetric one's two entries are
    # one (its derivative is checked against SymPy in test_code_numpy).
    assume(drawn.wrt not in SYMMETRIC)
    run = autodiff_run(Library(library), drawn)
    event("compared" if check_fuzzed(drawn, {library: run}) else "refused or unchecked")


SYMMETRIC = {name for line in g.DECLARE.splitlines() if "Sym(" in line for name in line.split(" in ")[0].split(", ")}


@fz.fuzz_settings(40)
@given(fz.blocks())
def test_fuzzed_blocks_torch_code_agrees_with_autodiff(drawn):
    check_fuzzed_with("torch", drawn)


@fz.fuzz_settings(40)
@given(fz.blocks())
def test_fuzzed_blocks_jax_code_agrees_with_autodiff(drawn):
    check_fuzzed_with("jax", drawn)


@fz.fuzz_settings(30)
@given(fz.blocks(concrete=True), st.sampled_from(["jax", "torch"]))
def test_fuzzed_blocks_at_concrete_sizes_code_agrees_with_autodiff(drawn, library):
    check_fuzzed_with(library, drawn)


def test_the_fuzz_reference_is_independent():
    """A wrong derivative is caught: the fuzz's reference differentiates the function itself."""
    lib = Library("torch")
    sizes = {"n": 3, "m": 2, "N": 4}
    f = g.Expr("tanh(W x)", lambda e: (e.v.W * e.v.x).applyfunc(sp.tanh), "m", frozenset({"W", "x"}))
    declare = g.declarations(None, frozenset({"W", "x"}))
    drawn = fz.Drawn(f"{declare}\nf = tanh(W x)\nwrt: x", f, "x", sizes, False)
    run = autodiff_run(lib, drawn)
    rng = np.random.default_rng(3)
    arrays = {name: codecheck.draw(shape, rng) for name, shape in codecheck.shapes(declare, sizes).items()}
    run(mdjacobian.evaluate(drawn.block).torch, arrays)
    with pytest.raises(AssertionError, match="differ"):
        run(mdjacobian.evaluate(f"{declare}\nf = sigmoid(W x)\nwrt: x").torch, arrays)
