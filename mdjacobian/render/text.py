"""A derivation as plain text for a terminal: the caption, SymPy's pretty matrices, the forms as TeX."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from .equations import caption, form_tex, printer
from .errorbox import unchecked_text

if TYPE_CHECKING:
    from ..calculus.engine import Derivation


def _pretty(matrix: sp.MatrixBase) -> str:
    return sp.pretty(matrix if matrix.shape != (1, 1) else matrix[0, 0], use_unicode=True)


def to_text(d: Derivation) -> str:
    proof = d.proof
    verdict = f"✓ checked at {proof.size_text()}" if proof.checked and proof.sizes else "✓ checked" if proof.checked else unchecked_text(proof.reason)
    if d.matrix is not None:
        functions = ", ".join(d.names)
        variables = ", ".join(v.name for v in d.variables)
        rows, columns = (functions, variables) if d.layout == "numerator" else (variables, functions)
        lines = [f"{caption(d)} (rows: {rows}; columns: {columns})", _pretty(d.matrix)]
        form = form_tex(d)
        if form is not None:
            lines.append(f"matrix form (TeX): {form}")
    else:
        lines = [caption(d)]
        tex = printer(d)
        for part in d.parts:
            lines.append(f"\nwith respect to {part.variable}:")
            if part.components is not None:
                lines.append(_pretty(part.components))
            if part.form is not None:
                lines.append(f"matrix form (TeX): {tex.doprint(part.form)}")
    if d.value is not None:
        point = ", ".join(f"{name} = {_value(expr)}" for name, expr in d.block.point or ())
        lines.append(f"\nat {point}:")
        lines.append(_pretty(d.value))
    lines.append(verdict)
    return "\n".join(lines)


def _value(expr) -> str:  # noqa: ANN001
    from ..language.syntax import Num

    return str(expr.value) if isinstance(expr, Num) else "…"
