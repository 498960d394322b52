"""What a generated function returns, in words for its docstring: the shape and how it is laid out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...calculus import nodes as n

if TYPE_CHECKING:
    from ...calculus.engine import Derivation, Part


def describe_size(dim: n.Dim | int) -> str:
    """A size as the docstring writes it: 3, n, m*n."""
    if isinstance(dim, int):
        return str(dim)
    parts = [str(dim.coeff)] if dim.coeff != 1 or not dim.names else []
    return "*".join(parts + list(dim.names))


def part_shape(part: Part) -> tuple[str, str]:
    """The shape of a part's result, as size names and numbers (``("m", "m*n")``)."""
    if part.form is not None:
        rows, cols = part.form.shape
        return describe_size(rows), describe_size(cols)
    assert part.components is not None
    return str(part.components.rows), str(part.components.cols)


def describe_part(d: Derivation, part: Part) -> str:
    """``∂f/∂x: the Jacobian, of shape (m, n): …``, for the docstring."""
    f = part.outputs[0] if len(part.outputs) == 1 else "(" + ", ".join(part.outputs) + ")"
    v = part.variable if len(part.variables) == 1 else "(" + part.variable + ")"
    rows, cols = part_shape(part)
    shape = f"({rows}, {cols})"
    numerator = d.layout == "numerator"
    kind = part.kind
    if kind == "derivative":
        return f"∂{f}/∂{v}, an array of shape {shape}"
    if kind == "hessian":
        return f"the Hessian of {f} by {v}, of shape {shape}"
    if kind == "matrix":
        return f"the gradient of {f} by {v}, shaped like {v}: {shape}"
    if kind == "gradient":
        return f"the gradient of {f} by {v} as a {'row' if numerator else 'column'}, of shape {shape}"
    if kind == "column":
        return f"∂{f}/∂{v} as a {'column' if numerator else 'row'}, of shape {shape}"
    by = f"vec({v})" if kind == "vec" and not d.model.symbols[part.variables[0]].cols.is_one else v
    of = f"vec({f})" if len(part.outputs) == 1 and not d.model.symbols[part.outputs[0]].cols.is_one else f
    if numerator:
        return f"the Jacobian of {of} by {by}, of shape {shape}: row i holds entry i of {of}, column j entry j of {by}"
    return f"the transposed Jacobian of {of} by {by} (denominator layout), of shape {shape}: row i holds entry i of {by}"
