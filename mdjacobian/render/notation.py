"""Naming what a derivation differentiates: function and variable names, left-hand sides, labels.

Shared by the printers of plain results (:mod:`~mdjacobian.render.equations`) and of chain rules
(:mod:`~mdjacobian.render.chains`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..calculus import nodes as n
from .tex import TexPrinter, bold, name_tex

if TYPE_CHECKING:
    from ..calculus.engine import Derivation

LABELS = {
    "derivative": "derivative",
    "gradient": "gradient",
    "column": "Jacobian (column)",
    "jacobian": "Jacobian",
    "matrix": "gradient, shaped like {var}",
    "vec": "Jacobian under the vec convention (columns follow vec({var}))",
    "hessian": "Hessian",
}


def label(d: Derivation, kind: str, outputs: tuple[str, ...], variable: str) -> str:
    """What a part is called in a caption: "gradient, shaped like W", "Jacobian under the vec convention …"."""
    if kind == "vec":  # which side follows a vec: the function's rows, the variable's columns (numerator layout)
        function_side = d.model.symbols[variable].cols.is_one
        side = ("rows" if function_side else "columns") if d.layout == "numerator" else ("columns" if function_side else "rows")
        return f"Jacobian under the vec convention ({side} follow vec({outputs[0] if function_side else variable}))"
    return LABELS[kind].format(var=variable)


def printer(d: Derivation) -> TexPrinter:
    vectors = {name for name, var in d.model.symbols.items() if var.is_column}
    return TexPrinter(frozenset(vectors))


def _vector_stem(names: list[str]) -> str | None:
    """``x`` when ``names`` are exactly x1, x2, …, xn (n > 1), so the set can be written as a bold vector."""
    if len(names) < 2:
        return None
    m = re.fullmatch(r"([A-Za-z]+)_?1", names[0])
    if not m:
        return None
    stem = m.group(1)
    expected = {f"{stem}{i}" for i in range(1, len(names) + 1)} | {f"{stem}_{i}" for i in range(1, len(names) + 1)}
    return stem if set(names) <= expected else None


def function_name(d: Derivation, outputs: tuple[str, ...]) -> str:
    """What is differentiated: f, (f, g), or a bold vector name."""
    if len(outputs) == 1:
        name = outputs[0]
        return bold(name) if d.model.symbols[name].is_column else name_tex(name)
    return "(" + ", ".join(name_tex(o) for o in outputs) + ")"


def variable_name(d: Derivation, names: list[str]) -> str:
    symbols = d.model.symbols

    def one(name: str) -> str:
        return bold(name) if symbols[name].is_column else name_tex(name)

    if len(names) == 1:
        return one(names[0])
    if not d.block.declarations:
        stem = _vector_stem(names)
        if stem:
            return bold(stem)
    return "(" + ", ".join(one(x) for x in names) + ")"


def left_side(d: Derivation, kind: str, outputs: tuple[str, ...], variables: list[str]) -> str:
    """∂f/∂x, ∇f, ∂(f, g)/∂(x, y), ∇²f …, transposed in denominator layout where the layout matters."""
    top = function_name(d, outputs)
    bottom = variable_name(d, variables)
    if kind == "hessian":
        return rf"\nabla^{{2}}_{{{bottom}}} {top}" if bottom.startswith(r"\mathbf") else rf"\nabla^{{2}} {top}"
    if kind == "derivative" and d.block.options.derivative == "hessian":
        return rf"\frac{{\partial^{{2}} {top}}}{{\partial {bottom}^{{2}}}}"
    if kind == "gradient" and bottom.startswith(r"\mathbf"):
        lhs = rf"\nabla_{{{bottom}}} {top}"
    elif kind == "gradient":
        lhs = rf"\nabla {top}"
    elif kind == "vec":  # vec of whichever of the two is a matrix
        symbols = d.model.symbols
        if len(outputs) == 1 and not symbols[outputs[0]].cols.is_one:
            top = rf"\operatorname{{vec}}({top})"
        if len(variables) == 1 and not symbols[variables[0]].cols.is_one:
            bottom = rf"\operatorname{{vec}}({bottom})"
        lhs = rf"\frac{{\partial {top}}}{{\partial {bottom}}}"
    else:
        lhs = rf"\frac{{\partial {top}}}{{\partial {bottom}}}"
    if d.layout == "denominator" and kind not in ("derivative", "matrix"):
        lhs = rf"\left({lhs}\right)^{{\top}}"
    return lhs


def shows_vectors(node: n.Node) -> bool:
    """A form worth printing beside the components: it names a vector or matrix as a whole."""
    return n.names_arrays(node)


def overall_kind(d: Derivation) -> str:
    if d.block.options.derivative == "hessian":
        return "derivative" if len(d.variables) == 1 else "hessian"
    m = len(d.names)
    k = len(d.variables)
    if m == 1:
        return "derivative" if k == 1 else "gradient"
    return "column" if k == 1 else "jacobian"


