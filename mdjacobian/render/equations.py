"""A derivation as the display equations and the caption a page shows.

Renderers read what the calculus computed and never compute: every matrix, form and value printed
here is one the calculus has proven.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..calculus import nodes as n
from .displays import Display, Side, atom, components_side, display_tex, parse_display, terms
from .indices import index_tex
from .notation import LABELS, function_name, left_side, overall_kind, printer
from .notation import label as part_label
from .tex import TexPrinter, component_tex, matrix_tex, name_tex

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
    if d.symbolic and len(d.parts) == 1:
        form = d.parts[0].form
        return None if form is None else printer(d).doprint(form)  # written out entry by entry when it has none
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


def displays(d: Derivation) -> list[Display]:
    """The derivation as display equations, in the order a page shows them."""
    return _results(d) + [parse_display(tex) for tex in claim_equations(d)]


def equations(d: Derivation) -> list[str]:
    """The derivation as display TeX equations, a long one broken into aligned lines."""
    return [display_tex(display) for display in displays(d)]


def claim_equations(d: Derivation) -> list[str]:
    """The author's own answer, as the block read it, when the block has a ``claim:``."""
    if d.verdict is None:
        return []
    return [rf"\text{{your answer:}}\quad {printer(d).doprint(d.verdict.claim)}"]


def backprop_equations(d: Derivation) -> list[str]:
    """The forward pass's definitions, then one line per gradient from the loss back."""
    from ..calculus.nodes import Gradient

    tex = printer(d)
    (loss,) = d.block.outputs
    out = _where(d)
    for line in d.backprop:
        var = d.model.symbols[line.name]
        lhs = tex.doprint(Gradient(loss, line.name, var.shape))
        out.append(f"{lhs} = {tex.doprint(line.form)}")
    return out


def steps_equations(d: Derivation) -> list[str]:
    """df worked out one rule per line, each labelled with its rule, then the derivative it names."""
    tex = printer(d)
    (part,) = d.parts
    top = function_name(d, part.outputs)
    out = []
    for number, step in enumerate(d.steps):
        rule = rf"\quad \text{{({step.rule})}}" if step.rule else ""
        head = rf"\mathrm{{d}}{top}" if number == 0 else ""
        out.append(rf"{head} = {tex.doprint(step.form)}{rule}".strip())
    lhs = left_side(d, part.kind, part.outputs, list(part.variables))
    out.append(f"{lhs} = {tex.doprint(part.form)}")  # type: ignore[arg-type]
    return out


def _results(d: Derivation) -> list[Display]:
    if d.backprop:
        return [parse_display(tex) for tex in backprop_equations(d)]
    if d.steps:
        return [parse_display(tex) for tex in _where(d) + steps_equations(d)]
    if d.chain is not None:
        from .chains import chain_displays

        return chain_displays(d)
    where = [parse_display(tex) for tex in _where(d)]
    if d.matrix is not None:
        return where + _classic(d)
    tex = printer(d)
    out = where
    for part in d.parts:
        if part.index is not None:
            top = ", ".join(name_tex(o) for o in part.outputs)
            bottom = ", ".join(name_tex(v) for v in part.variables)
            if d.block.options.derivative == "hessian":
                top = rf"(\nabla {top})"
            out.append(parse_display(index_tex(tex, part.index, top, bottom)))
            continue
        lhs = left_side(d, part.kind, part.outputs, list(part.variables))
        right: list[Side] = []
        if part.components is not None:
            right.append(components_side(part.components))
        if part.shows_form:
            form = terms(tex.terms(part.form))  # type: ignore[arg-type]
            if form.tex() not in [side.tex() for side in right]:
                right.append(form)
        if part.differential is not None:
            top = function_name(d, part.outputs)
            out.append(Display(rf"\mathrm{{d}}{top}", (terms(tex.terms(part.differential)),)))
        out.append(Display(lhs, tuple(right)))
    if d.value is not None:
        part = d.parts[0]
        out.append(_value_display(d, left_side(d, part.kind, part.outputs, list(part.variables))))
    return out


def _where(d: Derivation) -> list[str]:
    """The intermediates the results are written in, each with its definition as the block reads it."""
    tex = printer(d)
    out = []
    for name, definition in d.where:
        top = function_name(d, (name,))
        out.append(f"{top} = {tex.doprint(definition)}")
    return out


def _classic(d: Derivation) -> list[Display]:
    kind = overall_kind(d)
    lhs = left_side(d, kind, d.parts[0].outputs, [v for p in d.parts for v in p.variables])
    right = []
    if d.block.options.show == "full" and kind not in ("derivative", "hessian"):
        right.append(atom(partials(d)))
    components = components_side(d.matrix)  # type: ignore[arg-type]
    right.append(components)
    form = _form_tex(d, d.parts)
    if form and form != components.tex():
        if len(d.parts) == 1:
            right.append(terms(printer(d).terms(d.parts[0].form)))  # type: ignore[arg-type]
        else:
            right.append(atom(form))
    out = [Display(lhs, tuple(right))]
    if d.value is not None:
        out.append(_value_display(d, lhs))
    return out


def _value_display(d: Derivation, lhs: str) -> Display:
    # \left. … \right| makes the bar as tall as what it closes, in MathML as in MathJax.
    return Display(rf"\left.{lhs}\right|_{{{_point(d)}}}", (components_side(d.value),))  # type: ignore[arg-type]


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


def caption_lines(d: Derivation) -> list[str]:
    """The caption, one line per result (its shape and kind, the layout where that matters), the
    last line naming the constants and the block's ``assume:`` facts as written."""
    assume = d.block.options.assume
    assuming = f", assuming {' '.join(assume.split())}" if assume else ""
    lines = _caption_lines(d)
    lines[-1] += constants_note(d) + assuming
    return lines


def caption(d: Derivation) -> str:
    """A short text stating the shape, e.g. ``2 × 2 Jacobian, numerator layout``, the constants, and the
    block's ``assume:`` facts as written (``…, assuming N > d``); several results' lines joined by ``;``."""
    return "; ".join(caption_lines(d))


def _caption_lines(d: Derivation) -> list[str]:
    if d.backprop:
        names = ", ".join(line.name for line in d.backprop)
        return [f"backpropagation: the gradient of {d.block.outputs[0]} by {names}, each shaped like its quantity"]
    if d.chain is not None:
        from .chains import chain_caption

        return [chain_caption(d)]
    return _shape_lines(d)


def _shape_lines(d: Derivation) -> list[str]:
    layout = d.layout
    if d.matrix is not None:
        kind = overall_kind(d)
        rows, cols = d.matrix.shape
        text = f"{rows} × {cols} {LABELS[kind]}" + _symmetric_note(d, d.parts[0])
        return [text + ("" if kind in ("derivative", "hessian") else f", {layout} layout")]
    either = not any(p.kind not in ("derivative", "matrix", "hessian") for p in d.parts)
    lines = []
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
        text = f"{_dims(shape)} {label}" if shape is not None else label
        if part.kind not in ("derivative", "matrix", "hessian"):
            text += f", {layout} layout"
        elif part.kind == "matrix" and either:
            text += " (in either layout)"
        lines.append(text if len(d.parts) == 1 else f"{part.variable}: {text}")
    return lines
