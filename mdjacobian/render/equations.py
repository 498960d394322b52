"""A derivation as the display equations and the caption a page shows.

Renderers read what the calculus computed and never compute: every matrix, form and value printed
here is one the calculus has proven.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..calculus import nodes as n
from .indices import index_tex
from .notation import LABELS, function_name, left_side, overall_kind, printer
from .notation import label as part_label
from .tex import TexPrinter, component_tex, components_tex, matrix_tex, name_tex

if TYPE_CHECKING:
    from ..calculus.engine import Derivation, Part

def partials(d: Derivation) -> str:
    """The matrix of ∂fᵢ/∂xⱼ symbols, in the block's layout."""
    rows = [
        [rf"\frac{{\partial {name_tex(f)}}}{{\partial {component_tex(v)}}}" for v in d.variables] for f in d.names
    ]
    if d.layout == "denominator":
        rows = [list(column) for column in zip(*rows)]
    return matrix_tex(rows)


def _form_tex(d: Derivation, parts: tuple[Part, ...]) -> str | None:
    """The matrix form of the whole derivative: one part's, or the parts side by side."""
    if not all(p.shows_form for p in parts):
        return None
    tex = printer(d)
    forms = [tex.doprint(p.form) for p in parts]  # type: ignore[arg-type]
    if len(forms) == 1:
        return forms[0]
    if d.layout == "denominator":
        return matrix_tex([[f] for f in forms])
    return matrix_tex([forms])


def form_tex(d: Derivation) -> str | None:
    """The block's result in matrix notation as TeX (what ``Result.form`` holds)."""
    if d.symbolic:
        if len(d.parts) == 1:
            return printer(d).doprint(d.parts[0].form)  # type: ignore[arg-type]
        return _form_tex(d, d.parts)
    return _form_tex(d, d.parts)


def _point(d: Derivation) -> str:
    from ..language.syntax import Num

    pairs = []
    for name, expr in d.block.point or ():
        value = expr.value if isinstance(expr, Num) else None
        shown = component_tex(_sympy_number(value)) if value is not None else _expr_tex(expr)
        pairs.append(f"{name_tex(name)} = {shown}")
    return r",\, ".join(pairs)


def _sympy_number(value):  # noqa: ANN001, ANN202
    import sympy as sp

    return sp.Rational(value.numerator, value.denominator)


def _expr_tex(expr) -> str:  # noqa: ANN001
    from ..calculus.build import numeric_value
    from ..limits import Limits

    return TexPrinter().doprint(numeric_value(expr, Limits()))


def equations(d: Derivation) -> list[str]:
    """The derivation as display equations, in the order a page shows them."""
    if d.chain is not None:
        from .chains import chain_equations

        return chain_equations(d)
    if d.matrix is not None:
        return _classic(d)
    tex = printer(d)
    out = []
    for part in d.parts:
        if part.index is not None:
            top = ", ".join(name_tex(o) for o in part.outputs)
            bottom = ", ".join(name_tex(v) for v in part.variables)
            if d.block.options.derivative == "hessian":
                top = rf"(\nabla {top})"
            out.append(index_tex(tex, part.index, top, bottom))
            continue
        lhs = left_side(d, part.kind, part.outputs, list(part.variables))
        right = []
        if part.components is not None:
            right.append(components_tex(part.components))
        if part.shows_form:
            form = tex.doprint(part.form)
            if form not in right:
                right.append(form)
        if part.differential is not None:
            top = function_name(d, part.outputs)
            out.append(rf"\mathrm{{d}}{top} = {tex.doprint(part.differential)}")
        out.append(" = ".join([lhs, *right]))
    if d.value is not None:
        part = d.parts[0]
        out.append(_value_equation(d, left_side(d, part.kind, part.outputs, list(part.variables))))
    return out


def _classic(d: Derivation) -> list[str]:
    kind = overall_kind(d)
    lhs = left_side(d, kind, d.parts[0].outputs, [v for p in d.parts for v in p.variables])
    middle = ""
    if d.block.options.show == "full" and kind not in ("derivative", "hessian"):
        middle = f" = {partials(d)}"
    components = components_tex(d.matrix)  # type: ignore[arg-type]
    form = _form_tex(d, d.parts)
    tail = f" = {form}" if form and form != components else ""
    out = [f"{lhs}{middle} = {components}{tail}"]
    if d.value is not None:
        out.append(_value_equation(d, lhs))
    return out


def _value_equation(d: Derivation, lhs: str) -> str:
    # \left. … \right| makes the bar as tall as what it closes, in MathML as in MathJax.
    return rf"\left.{lhs}\right|_{{{_point(d)}}} = {components_tex(d.value)}"  # type: ignore[arg-type]


def _dims(shape: tuple[n.Dim, n.Dim]) -> str:
    return f"{shape[0]} × {shape[1]}"


def _symmetric(d: Derivation, part: Part) -> bool:
    return any(d.model.symbols[v].symmetric for v in part.variables)


def _symmetric_note(d: Derivation, part: Part) -> str:
    """By a symmetric S, each derivative by Sᵢⱼ is shared between Sᵢⱼ and Sⱼᵢ: J (I + K)/2, P H P."""
    if not _symmetric(d, part) or part.kind not in ("vec", "hessian"):
        return ""
    (name,) = [v for v in part.variables if d.model.symbols[v].symmetric]
    return f", for symmetric d{name} (each ∂/∂{name}ᵢⱼ shared by {name}ᵢⱼ and {name}ⱼᵢ)"


def constants_note(d: Derivation) -> str:
    """Which names the block reads as constants, e.g. ``; constants: a, λ``."""
    names = d.block.constants
    return f"; {'constant' if len(names) == 1 else 'constants'}: {', '.join(names)}" if names else ""


def caption(d: Derivation) -> str:
    """A short text stating the shape, e.g. ``2 × 2 Jacobian, numerator layout``, and the constants."""
    return _caption(d) + constants_note(d)


def _caption(d: Derivation) -> str:
    if d.chain is not None:
        from .chains import chain_caption

        return chain_caption(d)
    layout = d.layout
    if d.matrix is not None:
        kind = overall_kind(d)
        rows, cols = d.matrix.shape
        text = f"{rows} × {cols} {LABELS[kind]}" + _symmetric_note(d, d.parts[0])
        return text + ("" if kind in ("derivative", "hessian") else f", {layout} layout")
    pieces = []
    for part in d.parts:
        label = part_label(d, part.kind, part.outputs, part.variable)
        if part.kind == "matrix" and _symmetric(d, part):
            label = f"symmetric gradient (df = tr(Gᵀ d{part.variable}) for every symmetric d{part.variable})"
        elif part.kind != "matrix":
            label += _symmetric_note(d, part)
        shape = part.shape
        if shape is None and part.components is not None:
            shape = (n.Dim(part.components.rows), n.Dim(part.components.cols))
        if part.index is not None:
            label = f"{label}, in index notation (it has no matrix form)"
        pieces.append(f"{_dims(shape)} {label}" if shape is not None else label)
    text = "; ".join(pieces)
    if any(p.kind not in ("derivative", "matrix", "hessian") for p in d.parts):
        text += f", {layout} layout"
    elif any(p.kind == "matrix" for p in d.parts):
        text += " (in either layout)"
    return text
