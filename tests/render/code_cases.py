"""Blocks whose generated code the tests run, each with its function written by hand.

Every case names a block and the same function written for an array module ``xp`` (NumPy, JAX's
``jax.numpy`` or PyTorch, whose names agree for what is used here), so that its Jacobian can be
computed without mdjacobian: by finite differences in NumPy, by automatic differentiation in JAX and
PyTorch. Together the cases reach every node type a displayed matrix form contains, and component
matrices with every function the components use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True)
class Case:
    id: str
    block: str
    function: Callable
    """``function(xp, **values)``: the block's function, written by hand."""
    domains: dict[str, str] = field(default_factory=dict)
    """Variables drawn ``positive`` or ``spd`` rather than from a normal distribution."""
    sizes: dict[str, int] = field(default_factory=lambda: {"n": 3, "m": 2})

    @property
    def wrt(self) -> list[str]:
        line = next(line for line in self.block.splitlines() if line.startswith("wrt:"))
        return [name.strip() for name in line[4:].split(",")]

    @property
    def layout(self) -> str:
        return "denominator" if "layout: denominator" in self.block else "numerator"

    @property
    def hessian(self) -> bool:
        return "derivative: hessian" in self.block

    @property
    def joined(self) -> bool:
        """Whether the page shows one matrix for several variables (concrete sizes, no matrix
        variable), which the code returns as one array."""
        from ..calculus import reference as ref

        shapes = {name: d.shape for d in ref.declarations(self.block) for name in d.names}
        concrete = not ref.size_names(self.block)
        return concrete and not self.hessian and len(self.wrt) > 1 and all("1" in shapes[v] for v in self.wrt)

    def expected(self, parts: list) -> list:  # noqa: ANN001
        """Per-variable derivatives joined as the page joins them."""
        if not self.joined:
            return parts
        import numpy as np

        return [np.hstack(parts) if self.layout == "numerator" else np.vstack(parts)]


def softmax(xp, z):  # noqa: ANN001, ANN201
    e = xp.exp(z - xp.max(z))
    return e / xp.sum(e)


def sigmoid(xp, z):  # noqa: ANN001, ANN201
    return 1 / (1 + xp.exp(-z))


def rows_softmax(xp, z):  # noqa: ANN001, ANN201
    e = xp.exp(z)
    return e / xp.sum(e, 1).reshape(-1, 1)


def relu(xp, z):  # noqa: ANN001, ANN201
    return xp.where(z > 0, z, 0 * z)


CASES = [
    # The examples of wrong or failing code that these tests were written for.
    Case("u - softmax(u)", "u in R^m\nf = u - softmax(u)\nwrt: u", lambda xp, u: u - softmax(xp, u)),
    Case("abs(x - (y + 3))", "x, y in R^n\nf = abs(x - (y + 3))\nwrt: x", lambda xp, x, y: xp.abs(x - (y + 3))),
    Case("sin(x) at R^3", "x in R^3\nf = sin(x)\nwrt: x", lambda xp, x: xp.sin(x)),
    Case("cos exp in components", "x, y in R\nf = cos(x) exp(y)\nwrt: x, y", lambda xp, x, y: xp.cos(x) * xp.exp(y)),
    # Matrix forms at symbolic sizes.
    Case(
        "least squares by W",
        "x in R^n\nW in R^(m x n)\ny in R^m\nf = norm(W x - y)^2\nwrt: W",
        lambda xp, x, W, y: xp.sum((W @ x - y) ** 2),
    ),
    Case("quadratic form", "x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x", lambda xp, x, A: xp.sum(x * (A @ x))),
    Case(
        "quadratic form, denominator",
        "x in R^n\nA in R^(n x n)\nf = x^T A x\nwrt: x, A\nlayout: denominator",
        lambda xp, x, A: xp.sum(x * (A @ x)),
    ),
    Case("Hessian", "x in R^n\nA in R^(n x n)\nf = x^T A x + sum(tanh(x))\nwrt: x\nderivative: hessian",
         lambda xp, x, A: xp.sum(x * (A @ x)) + xp.sum(xp.tanh(x))),
    Case("logdet", "A in R^(n x n)\nf = logdet(A)\nwrt: A", lambda xp, A: xp.log(xp.linalg.det(A)), {"A": "spd"}),
    Case("det", "A in R^(n x n)\nf = det(A)\nwrt: A", lambda xp, A: xp.linalg.det(A), {"A": "spd"}),
    Case("logdet times x", "A in R^(n x n)\nx in R^n\nf = logdet(A) x + tr(A) x\nwrt: A", lambda xp, A, x: (xp.log(xp.linalg.det(A)) + xp.trace(A)) * x, {"A": "spd"}),
    Case("inv(A) x by A", "A in R^(n x n)\nx in R^n\nf = inv(A) x\nwrt: A", lambda xp, A, x: xp.linalg.inv(A) @ x, {"A": "spd"}),
    Case("tanh(W x) by W", "W in R^(m x n)\nx in R^n\nf = tanh(W x)\nwrt: W", lambda xp, W, x: xp.tanh(W @ x)),
    Case(
        "tanh(W x) by W, denominator",
        "W in R^(m x n)\nx in R^n\nf = tanh(W x)\nwrt: W\nlayout: denominator",
        lambda xp, W, x: xp.tanh(W @ x),
    ),
    Case("sigmoid through a definition", "x in R^n\nW in R^(m x n)\nz = W x\nf = sigmoid(z)\nwrt: x", lambda xp, x, W: sigmoid(xp, W @ x)),
    Case("relu", "x in R^n\nW in R^(m x n)\nf = max(0, W x)\nwrt: x", lambda xp, x, W: relu(xp, W @ x)),
    Case("relu of a scalar", "c in R\nx in R^n\nf = max(0, c)^2 sum(x)\nwrt: c", lambda xp, c, x: relu(xp, c) ** 2 * xp.sum(x)),
    Case("norm1", "x in R^n\nf = norm1(x)\nwrt: x", lambda xp, x: xp.sum(xp.abs(x))),
    Case("norm cubed", "x in R^n\nc in R\nf = norm(x)^3 + c norm(x) \nwrt: x, c", lambda xp, x, c: xp.sqrt(xp.sum(x * x)) ** 3 + c * xp.sqrt(xp.sum(x * x))),
    Case("dot", "x, y in R^n\nc in R\nf = dot(x, y) c\nwrt: c", lambda xp, x, y, c: xp.sum(x * y) * c),
    Case("diag of a matrix", "x in R^n\nA in R^(n x n)\nf = diag(A) .* x\nwrt: x", lambda xp, x, A: xp.diagonal(A).reshape(-1, 1) * x),
    Case("size as a number", "x in R^n\nc in R\nf = c^2 sum(x + c)\nwrt: c", lambda xp, x, c: c**2 * xp.sum(x + c)),
    Case("size by itself", "x in R^n\nc in R\nf = sum(x + c)\nwrt: c", lambda xp, x, c: xp.sum(x + c)),
    Case("stack", "x in R^n\nc in R\nf = [c, c^2, sin(c)]\nwrt: c", lambda xp, c, x: xp.stack([c, c**2, xp.sin(c)]).reshape(-1, 1)),
    Case("pi and constants", "x in R^n\nf = pi x + sin(2) x - x/7 + sqrt(2) x\nwrt: x", lambda xp, x: (xp.pi + xp.sin(xp.asarray(2.0)) - 1 / 7 + xp.sqrt(xp.asarray(2.0))) * x),
    Case("zero", "x, y in R^n\nf = y\nwrt: x", lambda xp, x, y: y + 0 * x),
    Case("ones shaped like a matrix", "X in R^(m x n)\nf = sum(X)\nwrt: X", lambda xp, X: xp.sum(X)),
    Case("Kronecker products", "X in R^(n x n)\nx in R^n\nf = X X x\nwrt: X", lambda xp, X, x: X @ X @ x),
    Case("softmax inside a sum", "x in R^n\nf = sum(softmax(x) .* x)\nwrt: x", lambda xp, x: xp.sum(softmax(xp, x) * x)),
    Case("max and atan2", "x, y in R^n\nf = max(x, y) + atan2(y, x)\nwrt: x", lambda xp, x, y: xp.maximum(x, y) + xp.arctan2(y, x)),
    Case("reciprocal trig", "x in R^n\nf = cot(x) + sec(x) + csc(x) + atan(x)\nwrt: x",
         lambda xp, x: 1 / xp.tan(x) + 1 / xp.cos(x) + 1 / xp.sin(x) + xp.arctan(x)),
    Case("square root", "x in R^n\nf = sqrt(1 + x .* x)\nwrt: x", lambda xp, x: xp.sqrt(1 + x * x)),
    Case("a minus before a product", "x, y in R^n\nA in R^(n x n)\nf = x - A (y - x)\nwrt: x", lambda xp, x, y, A: x - A @ (y - x)),
    Case("powers", "x in R^n\nc in R\nf = (1 + c^2)^(c/2) x\nwrt: x, c", lambda xp, x, c: (1 + c**2) ** (c / 2) * x),
    Case("negative power", "x in R^n\nc in R\nf = c^(-2) x - (c - 1)^3 x\nwrt: c", lambda xp, x, c: c ** (-2) * x - (c - 1) ** 3 * x, {"c": "positive"}),
    # The deep-learning vocabulary: logsumexp, row-wise softmax, symmetric matrices.
    Case("logsumexp", "x in R^n\nf = logsumexp(x)\nwrt: x", lambda xp, x: xp.log(xp.sum(xp.exp(x)))),
    Case("logsumexp in a form", "x in R^n\nc in R\nf = logsumexp(x) c^2\nwrt: c", lambda xp, x, c: xp.log(xp.sum(xp.exp(x))) * c**2),
    Case("row-wise softmax", "X in R^(m x n)\nw in R^n\nf = softmax(X) w\nwrt: w", lambda xp, X, w: rows_softmax(xp, X) @ w),
    Case("logsumexp of each row", "X in R^(m x n)\nf = sum(logsumexp(X))\nwrt: X", lambda xp, X: xp.sum(xp.log(xp.sum(xp.exp(X), 1)))),
    Case("symmetric matrix", "S in Sym(n)\nx in R^n\nf = x^T S x\nwrt: x", lambda xp, S, x: xp.sum(x * (S @ x)), {"S": "sym"}),
    # Components at concrete sizes.
    Case("entries of a vector", "x in R^3\nf = [x1^2, x2 x3]\nwrt: x", lambda xp, x: xp.stack([x[0, 0] ** 2, x[1, 0] * x[2, 0]]).reshape(-1, 1)),
    Case("an entry in a form", "A in R^(3 x 3)\nx in R^3\nf = A11 x\nwrt: x, A", lambda xp, A, x: A[0, 0] * x),
    Case("Hessian of scalars", "x, y in R\nf = x^3 y + exp(x y)\nwrt: x, y\nderivative: hessian", lambda xp, x, y: x**3 * y + xp.exp(x * y)),
    Case(
        "functions in components",
        "x, y in R\nf = [max(x, y) + abs(x) + atan2(y, x), sign(y) x + log(1 + x^2), asin(x/9) + acos(y/9) + sqrt(2 + y^2)]\nwrt: x, y",
        lambda xp, x, y: xp.stack([
            xp.maximum(x, y) + xp.abs(x) + xp.arctan2(y, x),
            xp.sign(y) * x + xp.log(1 + x**2),
            xp.arcsin(x / 9) + xp.arccos(y / 9) + xp.sqrt(2 + y**2),
        ]).reshape(-1, 1),
    ),
    Case("constants in components", "c in R\nf = sin(2) c^2 + pi c + exp(1) c\nwrt: c", lambda xp, c: xp.sin(xp.asarray(2.0)) * c**2 + xp.pi * c + xp.exp(xp.asarray(1.0)) * c),
    Case("relu in components", "x in R^2\nf = max(0, x1 - x2) x\nwrt: x", lambda xp, x: relu(xp, x[0, 0] - x[1, 0]) * x),
    Case("a matrix in components", "W in R^(2 x 2)\nx in R^2\nf = [W11 x1 + W12^2, W21 W22 x2]\nwrt: W", lambda xp, W, x: xp.stack([W[0, 0] * x[0, 0] + W[0, 1] ** 2, W[1, 0] * W[1, 1] * x[1, 0]]).reshape(-1, 1)),
]

PARAMS = [pytest.param(case, id=case.id) for case in CASES]
