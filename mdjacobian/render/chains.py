"""A chain rule written out: the rule, the value of each factor, then the result."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from ..calculus import nodes as n
from .displays import Display, Side, atom, components_side, product, terms
from .notation import function_name, left_side, overall_kind, printer, shows_vectors, variable_name
from .notation import label as part_label
from .tex import bold, component_tex, components_tex, name_tex, paren

if TYPE_CHECKING:
    from ..calculus.chain import Factor
    from ..calculus.engine import Derivation


def _name(d: Derivation, name: str) -> str:
    """An intermediate or variable as the chain writes it: bold for a vector, g for stacked ones."""
    if "/" in name:
        return _stacked(d, name.split("/"))
    symbol = d.model.symbols.get(name)
    if symbol is not None and symbol.is_column:
        return bold(name)
    return name_tex(name)


def _stacked(d: Derivation, names: list[str]) -> str:
    if all(name in d.block.outputs for name in names):
        return function_name(d, tuple(names))
    if all(name in d.model.symbols and name not in d.model.definitions for name in names):
        return variable_name(d, names)
    return "(" + ", ".join(_name(d, x) for x in names) + ")"


def _vec_of(d: Derivation, name: str, tex: str) -> str:
    """vec(W) for a matrix, which a chain reads as the column of its entries; other names as they are."""
    symbol = d.model.symbols.get(name)
    if symbol is not None and not symbol.cols.is_one:
        return rf"\operatorname{{vec}}({tex})"
    return tex


def _fraction(d: Derivation, f: Factor) -> str:
    mark = r"\partial " if f.partial else "d "
    top, bottom = _name(d, f.top), _name(d, f.bottom)
    if "/" not in f.top:
        top = _vec_of(d, f.top, top)
    if "/" not in f.bottom:
        bottom = _vec_of(d, f.bottom, bottom)
    return rf"\frac{{{mark}{top}}}{{{mark}{bottom}}}"


def _scalar(f: Factor) -> bool:
    if f.shape is not None:
        return f.shape == (n.ONE, n.ONE)
    return not isinstance(f.components, sp.MatrixBase) or f.components.shape == (1, 1)


def _value(d: Derivation, f: Factor) -> str:
    """A factor's value: in matrix notation when that says more than the entries, else entry by entry."""
    if f.form is not None and (f.components is None or shows_vectors(f.form)):
        tex = printer(d).doprint(f.form)
        atomic = isinstance(f.form, (n.Var, n.Identity, n.Diag, n.Cases, n.Transpose, n.Ones, n.Zero, n.Stack, n.Vec)) or (
            isinstance(f.form, n.Number) and f.form.value >= 0
        )
        return tex if atomic else paren(tex)
    value = f.components
    if isinstance(value, sp.MatrixBase):
        return components_tex(value)
    tex = component_tex(value)
    return paren(tex) if isinstance(value, sp.Add) or tex.startswith("-") else tex


def _reshaped(d: Derivation) -> bool:
    """The chain multiplies out to vec(G)ᵀ or vec(dF/dt), which the page then shows shaped like W or F."""
    part = d.parts[0]
    matrix_function = any(not d.model.symbols[o].cols.is_one for o in part.outputs)
    return part.kind == "matrix" or (part.kind == "derivative" and matrix_function)


def _left_side(d: Derivation) -> str:
    """What the chain computes: d for the single-variable and total-derivative rules (whose terms
    hold partial derivatives of the same names), ∂ or ∇ for the vector rule; vec(·) of a matrix."""
    chain, part = d.chain, d.parts[0]
    outputs, variables = part.outputs, list(part.variables)
    if part.kind == "gradient" and chain.rule != "single":
        return left_side(d, part.kind, outputs, variables)
    top, bottom = function_name(d, outputs), variable_name(d, variables)
    if len(outputs) == 1:
        top = _vec_of(d, outputs[0], top)
    if len(variables) == 1:
        bottom = _vec_of(d, variables[0], bottom)
    mark = "d " if chain.rule in ("single", "total") else r"\partial "
    return rf"\frac{{{mark}{top}}}{{{mark}{bottom}}}"


def chain_displays(d: Derivation) -> list[Display]:
    """The rule, the value of each factor, then the result; a line may break between factors."""
    chain = d.chain
    part = d.parts[0]
    lhs = _left_side(d)
    rule = Side(tuple(product([_fraction(d, f) for f in term], "") for term in chain.terms))
    values = Side(
        tuple(
            product([_value(d, f) for f in term], r" \cdot " if all(_scalar(f) for f in term) else " ")
            for term in chain.terms
        )
    )
    if _reshaped(d):
        result = left_side(d, part.kind, part.outputs, list(part.variables))
        shaped = terms(printer(d).terms(part.form)) if part.shows_form else components_side(part.components)  # type: ignore[arg-type]
        return [Display(lhs, (rule, values, _vec_outcome(d))), Display(result, (shaped,))]
    return [Display(lhs, (rule, values, _outcome(d)))]


def _vec_outcome(d: Derivation) -> Side:
    """The result as the chain's product gives it: vec(G)ᵀ, a row, or vec(dF/dt), a column."""
    part = d.parts[0]
    row = part.kind == "matrix"
    if part.shows_form:
        rows, cols = part.form.shape  # type: ignore[union-attr]
        form = n.Vec((part.form,), (), (rows * cols, n.ONE))  # type: ignore[arg-type]
        return atom(printer(d).doprint(n.Transpose((form,), (), (n.ONE, rows * cols)) if row else form))
    value = part.components
    entries = [value[i, j] for j in range(value.cols) for i in range(value.rows)]  # type: ignore[union-attr]
    return atom(components_tex(sp.ImmutableMatrix([entries]) if row else sp.ImmutableMatrix(entries)))


def _outcome(d: Derivation) -> Side:
    """The product written in the variables: the result in matrix notation, or its entries."""
    part = d.parts[0]
    forms = [p.form for p in d.parts]
    if all(p.shows_form for p in d.parts):
        tex = printer(d)
        if len(forms) == 1:
            return terms(tex.terms(forms[0]))  # type: ignore[arg-type]
        return atom(r"\left[\begin{matrix}" + " & ".join(tex.doprint(f) for f in forms) + r"\end{matrix}\right]")  # type: ignore[arg-type]
    if d.matrix is not None:
        return components_side(d.matrix)
    return components_side(part.components)  # type: ignore[arg-type]


def _dims(shape: tuple[n.Dim, n.Dim] | None, value: object) -> str:
    if shape is not None:
        return f"{shape[0]} × {shape[1]}"
    if isinstance(value, sp.MatrixBase):
        return f"{value.rows} × {value.cols}"
    return "1 × 1"


def chain_caption(d: Derivation) -> str:
    chain = d.chain
    if chain.rule == "vector":
        (term,) = chain.terms
        shapes = [_dims(f.shape, f.components) for f in term]
        part = d.parts[0]
        if d.matrix is not None:
            result = f"{d.matrix.rows} × {d.matrix.cols}"
        else:
            result = _dims(part.shape, part.components)
        text = f"vector chain rule: {''.join(f'({s})' for s in shapes)}"
        if _reshaped(d):  # the product is vec(G)ᵀ or vec(dF/dt), shown once more shaped like W or F
            product = f"{shapes[0].split(' × ')[0]} × {shapes[-1].split(' × ')[1]}"
            label = part_label(d, part.kind, part.outputs, part.variable)
            if part.kind == "derivative":
                label += f", shaped like {part.outputs[0]}"
            return f"{text} = {product}, numerator layout; the {result} {label}"
        return f"{text} = {result}, numerator layout"
    kind = overall_kind(d) if d.matrix is not None else d.parts[0].kind
    rows, cols = d.matrix.shape if d.matrix is not None else (None, None)
    rule = "single-variable" if chain.rule == "single" else "total-derivative"
    shape = f"{rows} × {cols} " if rows is not None else _dims(d.parts[0].shape, None) + " "
    text = f"{rule} chain rule, {shape}{part_label(d, kind, d.parts[0].outputs, d.parts[0].variable)}"
    if kind != "derivative":
        text += ", numerator layout"
    return text
