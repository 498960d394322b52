"""Running the code mdjacobian writes, and the independent Jacobians it is compared with.

The product never runs its generated code; the tests do, on random arrays. What a generated function
returns is compared with a Jacobian computed without mdjacobian: central finite differences of the
function written by hand in NumPy, automatic differentiation of the function written in JAX or
PyTorch, or SymPy's derivative of the fuzz's own translation. :func:`arrange` lays out such a
Jacobian as the docstrings promise: numerator layout has the function's entries in rows, a scalar
function of a matrix gives a gradient shaped like the matrix, a vector function of a matrix W the
Jacobian of vec(W) (W's entries column by column), and denominator layout transposes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ..calculus import reference as ref


def load(source: str) -> Callable:
    """The ``derivative`` function a generated source defines (the tests run what mdjacobian printed)."""
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # noqa: S102 - generated code, run by a test
    return namespace["derivative"]


def shapes(block: str, sizes: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    """Each declared name's shape at ``sizes``, read off the block's declarations."""
    out = {}
    for d in ref.declarations(block):
        rows, cols = (int(s) if s.isdigit() else sizes[s] for s in d.shape)
        for name in d.names:
            out[name] = (rows, cols)
    return out


def draw(shape: tuple[int, int], rng: np.random.Generator, kind: str = "any") -> np.ndarray | float:
    """A random value: a float for a scalar, a column or a matrix otherwise.

    ``kind`` is ``any`` (standard normal), ``positive`` (in [0.5, 2]), ``sym`` (a symmetric matrix) or
    ``spd`` (a well-conditioned symmetric positive definite matrix)."""
    if kind == "positive":
        value = rng.uniform(0.5, 2.0, size=shape)
    elif kind == "sym":
        b = rng.standard_normal(shape)
        value = (b + b.T) / 2
    elif kind == "spd":
        b = rng.standard_normal(shape)
        value = b @ b.T + shape[0] * np.eye(shape[0])
    else:
        value = rng.standard_normal(shape)
    return float(value[0, 0]) if shape == (1, 1) else value


def arrange(jac: np.ndarray, f_shape: tuple[int, ...], v_shape: tuple[int, int], layout: str) -> np.ndarray:
    """A Jacobian of shape ``f_shape + v_shape`` (``f_shape`` is () or (1, 1) for a scalar function,
    (k, 1) for a vector) laid out as a generated function's docstring says."""
    k = int(np.prod(f_shape))
    rows, cols = v_shape
    if rows > 1 and cols > 1:
        if k == 1:
            return jac.reshape(rows, cols)  # a gradient shaped like the matrix, in either layout
        by_vec = jac.reshape(k, rows, cols).transpose(0, 2, 1).reshape(k, rows * cols)
        return by_vec.T if layout == "denominator" else by_vec
    flat = jac.reshape(k, rows * cols)
    return flat.T if layout == "denominator" else flat


def finite_differences(
    function: Callable[[Mapping[str, np.ndarray | float]], np.ndarray | float],
    values: Mapping[str, np.ndarray | float],
    wrt: str,
    step: float = 1e-6,
) -> np.ndarray:
    """∂function/∂wrt by central differences: an array of shape f_shape + wrt's shape."""
    base = np.asarray(values[wrt], dtype=float)
    f_shape = np.shape(function(values))
    out = np.zeros(f_shape + (base.shape or (1, 1)))
    flat = out.reshape(f_shape + (-1,))
    for index in range(base.size):
        moved = []
        for sign in (1, -1):
            x = base.copy().reshape(-1)
            x[index] += sign * step
            value = x.reshape(base.shape) if base.shape else float(x[0])
            moved.append(np.asarray(function({**values, wrt: value}), dtype=float))
        flat[..., index] = (moved[0] - moved[1]) / (2 * step)
    return out


def close(got: np.ndarray, want: np.ndarray, relative: float) -> None:
    """Equal shapes and entries equal up to ``relative`` times the largest entry."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"shape {got.shape}, expected {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    worst = float(np.max(np.abs(got - want), initial=0.0))
    assert worst <= relative * scale, f"entries differ by {worst:.3g} (scale {scale:.3g}):\n{got}\nexpected\n{want}"
