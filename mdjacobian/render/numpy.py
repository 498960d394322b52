"""NumPy code for a derivation: a Python function that computes the derivative it shows.

A second printer over the same nodes as :mod:`mdjacobian.render.tex`: matrix notation becomes array
operations (``2 * (W @ x - y) @ x.T``) at symbolic sizes; at concrete sizes the components are
printed by SymPy's NumPy printer. Vectors are columns, arrays of shape (n, 1). The code is for
readers to run; mdjacobian never runs it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

import sympy as sp
from sympy.printing.numpy import NumPyPrinter as SymPyNumPyPrinter

from ..calculus import nodes as n

if TYPE_CHECKING:
    from ..calculus.engine import Derivation

_FUNCTIONS = {
    "sin": "np.sin", "cos": "np.cos", "tan": "np.tan", "asin": "np.arcsin", "acos": "np.arccos",
    "atan": "np.arctan", "sinh": "np.sinh", "cosh": "np.cosh", "tanh": "np.tanh", "exp": "np.exp",
    "log": "np.log", "sqrt": "np.sqrt", "abs": "np.abs", "sign": "np.sign", "max": "np.maximum",
    "min": "np.minimum", "atan2": "np.arctan2",
}
_HELPERS = {
    "softmax": "def _softmax(z):\n    e = np.exp(z - np.max(z))\n    return e / np.sum(e)\n",
    "sigmoid": "def _sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n",
}


class NumPyPrinter:
    """Matrix expressions as NumPy expressions."""

    def __init__(self, sizes: dict[str, str]) -> None:
        self.sizes = sizes  # size name -> code that reads it off an argument, e.g. "x.shape[0]"
        self.helpers: set[str] = set()

    def doprint(self, node: n.Node) -> str:
        return self._print(node)

    def _print(self, node: n.Node) -> str:
        return getattr(self, f"_print_{type(node).__name__}")(node)

    def dim(self, dim: n.Dim) -> str:
        parts = [str(dim.coeff)] if dim.coeff != 1 or not dim.names else []
        parts += [self.sizes[name] for name in dim.names]
        return " * ".join(parts)

    def shape(self, node: n.Node) -> str:
        return f"({self.dim(node.rows)}, {self.dim(node.cols)})"

    def _print_Number(self, node: n.Number) -> str:
        v: Fraction = node.value
        return str(v.numerator) if v.denominator == 1 else f"({v.numerator} / {v.denominator})"

    def _print_Constant(self, node: n.Constant) -> str:
        return "np.pi"

    def _print_Var(self, node: n.Var) -> str:
        return node.name

    def _print_Entry(self, node: n.Entry) -> str:
        name, i, j, _ = node.data
        return f"{name}[{i - 1}, {j - 1}]"

    def _print_SizeValue(self, node: n.SizeValue) -> str:
        return self.dim(node.dim)

    def _print_Identity(self, node: n.Identity) -> str:
        return f"np.eye({self.dim(node.rows)})"

    def _print_Zero(self, node: n.Zero) -> str:
        return f"np.zeros({self.shape(node)})"

    def _print_Ones(self, node: n.Ones) -> str:
        return f"np.ones({self.shape(node)})"

    def factor(self, node: n.Node) -> str:
        """A factor of a product: in parentheses unless it is a name, a number or a call."""
        text = self._print(node)
        if isinstance(node, (n.Add, n.Mul, n.Hadamard, n.Power, n.Cases)) or text.startswith("-"):
            return f"({text})"
        return text

    def _print_Add(self, node: n.Add) -> str:
        from ..calculus.algebra import coefficient, neg

        out = []
        for i, term in enumerate(node.args):
            c, _ = coefficient(term)
            if c < 0 and i > 0:
                out.append(" - " + self._print(neg(term)))
            else:
                out.append((" + " if i else "") + self._print(term))
        return "".join(out)

    def _print_Mul(self, node: n.Mul) -> str:
        args = list(node.args)
        sign = ""
        if isinstance(args[0], n.Number) and args[0].value == -1:
            sign, args = "-", args[1:]
        scalars = [self.factor(a) for a in args if a.is_scalar]
        matrices = [self.factor(a) for a in args if not a.is_scalar]
        product = " @ ".join(matrices)
        if len(matrices) > 1 and scalars:
            product = f"({product})"
        return sign + " * ".join(scalars + ([product] if product else []))

    def _print_Hadamard(self, node: n.Hadamard) -> str:
        return " * ".join(self.factor(a) for a in node.args)

    def _print_Power(self, node: n.Power) -> str:
        return f"{self.factor(node.base)} ** {self.factor(node.exponent)}"

    def _print_Apply(self, node: n.Apply) -> str:
        args = ", ".join(self._print(a) for a in node.args)
        if node.fn == "step":
            return f"np.heaviside({args}, 0.0)"
        if node.fn in ("cot", "sec", "csc"):
            base = {"cot": "np.tan", "sec": "np.cos", "csc": "np.sin"}[node.fn]
            return f"(1 / {base}({args}))"
        if node.fn == "sigmoid":
            self.helpers.add("sigmoid")
            return f"_sigmoid({args})"
        return f"{_FUNCTIONS[node.fn]}({args})"

    def _print_Cases(self, node: n.Cases) -> str:
        return f"({self._print(node.active)} * ({self._print(node.condition)} > 0))"

    def _print_Transpose(self, node: n.Transpose) -> str:
        return f"{self.factor(node.args[0])}.T"

    def _print_Inverse(self, node: n.Inverse) -> str:
        return f"np.linalg.inv({self._print(node.args[0])})"

    def _print_Det(self, node: n.Det) -> str:
        return f"np.linalg.det({self._print(node.args[0])})"

    def _print_LogDet(self, node: n.LogDet) -> str:
        return f"np.log(np.linalg.det({self._print(node.args[0])}))"

    def _print_Trace(self, node: n.Trace) -> str:
        return f"np.trace({self._print(node.args[0])})"

    def _print_Diag(self, node: n.Diag) -> str:
        return f"np.diagflat({self._print(node.args[0])})"

    def _print_DiagPart(self, node: n.DiagPart) -> str:
        return f"np.diag({self._print(node.args[0])}).reshape(-1, 1)"

    def _print_Sum(self, node: n.Sum) -> str:
        return f"np.sum({self._print(node.args[0])})"

    def _print_Norm(self, node: n.Norm) -> str:
        inner = self._print(node.args[0])
        return f"np.sum(np.abs({inner}))" if node.p == 1 else f"np.linalg.norm({inner})"

    def _print_Softmax(self, node: n.Softmax) -> str:
        self.helpers.add("softmax")
        return f"_softmax({self._print(node.args[0])})"

    def _print_Inner(self, node: n.Inner) -> str:
        a, b = node.args
        return f"{self.factor(a)}.T @ {self.factor(b)}"

    def _print_Kron(self, node: n.Kron) -> str:
        a, b = node.args
        return f"np.kron({self._print(a)}, {self._print(b)})"

    def _print_Vec(self, node: n.Vec) -> str:
        return f"{self.factor(node.args[0])}.reshape(-1, 1, order='F')"

    def _print_Stack(self, node: n.Stack) -> str:
        join = "np.vstack" if node.axis == "rows" else "np.hstack"
        return f"{join}([" + ", ".join(f"np.atleast_2d({self._print(a)})" for a in node.args) + "])"

    def _print_Undefined(self, node: n.Undefined) -> str:
        raise ValueError(f"{node.name}() is an abstract function: it has no NumPy code")

    def _print_Differential(self, node: n.Differential) -> str:
        return "d" + node.name


class _Components(SymPyNumPyPrinter):
    """SymPy's NumPy printer, reading x1 as x[0, 0] and W12 as W[0, 1]."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": False})
        self.names = names

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self.names.get(expr.name, expr.name)

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        return f"np.heaviside({self._print(expr.args[0])}, 0.0)"


def _arguments(d: Derivation) -> list[n.Var]:
    return [v for v in d.model.free() if v.name not in d.model.definitions]


def numpy_source(d: Derivation) -> str:
    """The source of ``def derivative(...)`` returning what the page shows, in the block's layout."""
    arguments = _arguments(d)
    sizes: dict[str, str] = {}
    for var in arguments:
        for axis, dim in enumerate(var.shape):
            for name in dim.names:
                if len(dim.names) == 1 and dim.coeff == 1:
                    sizes.setdefault(name, f"{var.name}.shape[{axis}]")
    header = ["import numpy as np", ""]
    body: list[str] = []
    printer = NumPyPrinter(sizes)
    names: dict[str, str] = {}
    for var in arguments:
        rows, cols = var.rows.value, var.cols.value
        if rows is None or cols is None or (rows, cols) == (1, 1):
            continue
        for i in range(rows):
            for j in range(cols):
                name = f"{var.name}{i + 1}" if cols == 1 else f"{var.name}{i + 1}{j + 1}"
                names[name] = f"{var.name}[{i}, {j}]"
    returns = []
    for part in d.parts:
        if part.components is not None and (part.form is None or not d.block.sizes):
            printer_c = _Components(names)
            rows = [[printer_c.doprint(part.components[i, j]) for j in range(part.components.cols)] for i in range(part.components.rows)]
            returns.append("np.array([" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "], dtype=float)")
        elif part.form is not None:
            returns.append(printer.doprint(part.form))
        else:
            raise ValueError(f"∂/∂{part.variable} has neither a matrix form nor components")
    for helper in sorted(printer.helpers):
        header += [_HELPERS[helper]]
    args = ", ".join(v.name for v in arguments)
    doc = "The derivative this block shows" + ("; vectors are columns of shape (n, 1)." if d.block.sizes else ".")
    body.append(f"def derivative({args}):")
    body.append(f'    """{doc}"""')
    result = returns[0] if len(returns) == 1 else "(" + ", ".join(returns) + ")"
    body.append(f"    return {result}")
    return "\n".join(header + body) + "\n"
