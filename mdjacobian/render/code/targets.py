"""One printer per array library: NumPy, JAX (``jax.numpy``) and PyTorch.

Each fills in the tables of :class:`~.printer.ArrayPrinter`: the module, the element-wise functions,
the constants, and the small helpers the code defines where the library has no function of its own.
Adding a node type to the calculus means adding its ``_print_<Node>`` to the base printer, and here
only where a library writes it differently.
"""

from __future__ import annotations

from ...calculus import nodes as n
from .printer import ATOM, ArrayPrinter, rows_code

_SAME = ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "abs", "sign")
_NUMPY_NAMES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2", "max": "maximum", "min": "minimum"}
_TORCH_NAMES = {"asin": "asin", "acos": "acos", "atan": "atan", "atan2": "atan2", "max": "maximum", "min": "minimum"}
_RECIPROCALS = {"cot": "tan", "sec": "cos", "csc": "sin"}


def _functions(module: str, names: dict[str, str]) -> dict[str, str]:
    """Call templates for the element-wise functions every library has under some name."""
    table = {fn: f"{module}.{fn}({{}})" for fn in _SAME}
    table.update({fn: f"{module}.{name}({{}}{', {}' if fn in ('atan2', 'max', 'min') else ''})" for fn, name in names.items()})
    table.update({fn: f"(1 / {module}.{base}({{}}))" for fn, base in _RECIPROCALS.items()})
    return table


class NumPyPrinter(ArrayPrinter):
    """NumPy code: ``np.sin``, ``@``, ``np.linalg.inv``."""

    library = "NumPy"
    module = "np"
    imports = ("import numpy as np",)
    reserved = frozenset({"np", "numpy"})
    functions = {
        **_functions("np", _NUMPY_NAMES),
        "step": "np.heaviside({}, 0.0)",
        "sigmoid": "_sigmoid({})",
        "softmax": "_softmax({}, axis=AXIS)",
    }
    constants = {"pi": "np.pi", "e": "np.e"}
    helpers = {
        "_sigmoid": "def _sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n",
        "_softmax": (
            "def _softmax(z, axis):\n"
            "    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n"
            "    return e / np.sum(e, axis=axis, keepdims=True)\n"
        ),
    }


class JaxPrinter(ArrayPrinter):
    """JAX code: ``jnp.sin``, ``jax.nn.softmax``; differentiable and traceable by ``jax.jit``."""

    library = "JAX"
    module = "jnp"
    imports = ("import jax.numpy as jnp",)
    reserved = frozenset({"jax", "jnp"})
    functions = {
        **_functions("jnp", _NUMPY_NAMES),
        "step": "jnp.heaviside({}, 0.0)",
        "sigmoid": "jax.nn.sigmoid({})",
        "softmax": "jax.nn.softmax({}, axis=AXIS)",
    }
    constants = {"pi": "jnp.pi", "e": "jnp.e"}

    def import_lines(self, code: str) -> list[str]:
        return (["import jax"] if "jax.nn." in code else []) + list(self.imports)


class TorchPrinter(ArrayPrinter):
    """PyTorch code: ``torch.sin``, ``torch.linalg.inv``; new tensors take the arguments' dtype.

    PyTorch's functions take tensors, not plain numbers, so a constant argument (``sin(2)``) is made
    a tensor first.
    """

    library = "PyTorch"
    module = "torch"
    imports = ("import torch",)
    reserved = frozenset({"torch"})
    scalar = "a 0-d tensor"
    functions = {
        **_functions("torch", _TORCH_NAMES),
        "step": "torch.where({} > 0, 1.0, 0.0)",
        "sigmoid": "torch.sigmoid({})",
        "softmax": "torch.softmax({}, dim=AXIS)",
    }
    constants = {"pi": "torch.pi", "e": "torch.e"}
    helpers = {
        "_matrix": (
            "def _matrix(rows, like):\n"
            '    """A tensor from rows of entries, some of them plain numbers."""\n'
            "    return torch.stack([torch.stack([torch.as_tensor(e, dtype=like.dtype) for e in row]) for row in rows])\n"
        ),
    }

    def new(self, fn: str, *args: str) -> str:
        return self.call(fn, *args, f"dtype={self.like}.dtype")

    def number(self, code: str) -> str:
        return f"torch.as_tensor({code}, dtype={self.like}.dtype)"

    def argument(self, node: n.Node, level: int = 0, strict: bool = False) -> str:
        if node.has((n.Var, n.Entry, n.Identity, n.Zero, n.Ones)):
            return self._print(node, level, strict)
        return self.number(self._print(node))

    def matrix(self, rows: list[list[str]]) -> str:
        self.used.add("_matrix")
        return f"_matrix({rows_code(rows)}, {self.like})"

    def one_by_one(self, code: str) -> str:
        return f"{self.number(code)}.reshape(1, 1)"

    def _print_Kron(self, node: n.Kron) -> tuple[str, int]:
        # torch.kron of a transposed tensor fails ("view size is not compatible with input tensor's
        # size and stride"): each factor is made contiguous first, which copies only a view.
        factors = (f"{self._print(factor, ATOM)}.contiguous()" for factor in node.args)
        return self.call("kron", *factors), ATOM


TARGETS: dict[str, type[ArrayPrinter]] = {"numpy": NumPyPrinter, "jax": JaxPrinter, "torch": TorchPrinter}
"""Each target's printer, by the name ``--format`` and :class:`~mdjacobian.Result` use."""
