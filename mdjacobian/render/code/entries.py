"""SymPy expressions, the entries of a component matrix, as code for one array library.

SymPy's own string printer writes the arithmetic (its output is Python: ``x**2``, ``1/3``, with
SymPy's parenthesisation); every function and constant goes through the target printer's tables, so
``sin`` is written the same way in a matrix form and in components. Only the kinds of expression the
calculus builds are accepted: anything else fails loudly, naming its type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.str import StrPrinter

from ...errors import BlockError
from .printer import ArrayPrinter

_FUNCTIONS: dict[type, str] = {
    sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.cot: "cot", sp.sec: "sec", sp.csc: "csc",
    sp.asin: "asin", sp.acos: "acos", sp.atan: "atan", sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh",
    sp.exp: "exp", sp.log: "log", sp.Abs: "abs", sp.sign: "sign", sp.atan2: "atan2",
}
"""SymPy's functions that components contain, by the block language's name for them."""
_ACCEPTED = (sp.Symbol, sp.Rational, sp.Float, sp.Add, sp.Mul, sp.Pow, sp.Max, sp.Min, sp.Heaviside)


class EntryPrinter(StrPrinter):
    """A component's SymPy expression as code for ``target``'s library.

    Args:
        target: the printer whose tables name the functions and constants.
        names: each SymPy symbol's code, by the symbol's name (``x2`` is ``x[1, 0]``).
    """

    def __init__(self, target: ArrayPrinter, names: Mapping[str, str]) -> None:
        super().__init__()
        self.target = target
        self.names = names

    def doprint(self, expr: Any) -> str:
        for undefined in sorted(expr.atoms(AppliedUndef), key=str):
            raise BlockError(
                f"{undefined.func}() is an abstract function: it has no {self.target.library} code", kind="computation"
            )
        return super().doprint(expr)

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Basic) and not (
            isinstance(expr, _ACCEPTED) or type(expr) in _FUNCTIONS or expr in (sp.pi, sp.E)
        ):
            raise NotImplementedError(f"{type(self.target).__name__} has no code for SymPy's {type(expr).__name__}")
        return super()._print(expr, **kwargs)

    def _argument(self, expr: sp.Expr) -> str:
        code = self._print(expr)
        return code if expr.free_symbols else self.target.number(code)

    def _call(self, fn: str, args: tuple[sp.Expr, ...]) -> str:
        return self.target.functions[fn].format(*(self._argument(a) for a in args))

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr.name not in self.names:
            raise NotImplementedError(f"no argument holds the symbol {expr.name}")
        return self.names[expr.name]

    def _print_Pi(self, expr: sp.Expr) -> str:
        return self.target.constants["pi"]

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return self.target.constants["e"]

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp is sp.S.Half:
            return self._call("sqrt", (expr.base,))
        if expr.exp == -sp.S.Half:
            return "1/" + self._call("sqrt", (expr.base,))
        return super()._print_Pow(expr, rational=True)

    def _print_Function(self, expr: sp.Function) -> str:
        return self._call(_FUNCTIONS[type(expr)], expr.args)

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        if len(expr.args) != 2 or expr.args[1] != 0:
            raise NotImplementedError("a step with another value than 0 at 0")
        return self._call("step", expr.args[:1])

    def _extremum(self, fn: str, args: tuple[sp.Expr, ...]) -> str:
        code = self._argument(args[0])
        for arg in args[1:]:
            code = self.target.functions[fn].format(code, self._argument(arg))
        return code

    def _print_Max(self, expr: sp.Max) -> str:
        return self._extremum("max", expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._extremum("min", expr.args)
