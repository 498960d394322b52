"""A chain rule written out: the rule, the value of each factor, then the result."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from ..calculus import nodes as n
from .displays import Display, Side, atom, components_side, product, terms
from .notation import LABELS, function_name, left_side, overall_kind, printer, shows_vectors, variable_name
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


def _fraction(d: Derivation, f: Factor) -> str:
    mark = r"\partial " if f.partial else "d "
    bottom = _name(d, f.bottom)
    variable = d.model.symbols.get(f.bottom)
    if variable is not None and variable.is_matrix and f.expr is not None and not f.expr.is_scalar:
        bottom = rf"\operatorname{{vec}}({bottom})"
    return rf"\frac{{{mark}{_name(d, f.top)}}}{{{mark}{bottom}}}"


def _value(d: Derivation, f: Factor) -> str:
    """A factor's value: in matrix notation when that says more than the entries, else entry by entry."""
    if f.form is not None and (f.components is None or shows_vectors(f.form)):
        tex = printer(d).doprint(f.form)
        atomic = isinstance(f.form, (n.Var, n.Identity, n.Diag, n.Cases, n.Transpose, n.Ones, n.Zero, n.Stack)) or (
            isinstance(f.form, n.Number) and f.form.value >= 0
        )
        return tex if atomic else paren(tex)
    value = f.components
    if isinstance(value, sp.MatrixBase):
        return components_tex(value)
    tex = component_tex(value)
    return paren(tex) if isinstance(value, sp.Add) or tex.startswith("-") else tex


def chain_displays(d: Derivation) -> list[Display]:
    """The rule, the value of each factor, then the result; a line may break between factors."""
    chain = d.chain
    part = d.parts[0]
    lhs = left_side(d, part.kind, part.outputs, list(part.variables))
    if chain.rule == "single" and len(d.variables) == 1:
        lhs = rf"\frac{{d {function_name(d, part.outputs)}}}{{d {variable_name(d, list(part.variables))}}}"
    vec = part.kind == "matrix"
    if vec:
        lhs = rf"\frac{{\partial {function_name(d, part.outputs)}}}{{\partial \operatorname{{vec}}({variable_name(d, list(part.variables))})}}"
    joiner = r" \cdot " if chain.rule in ("single", "total") else " "
    rule = Side(tuple(product([_fraction(d, f) for f in term], "") for term in chain.terms))
    values = Side(tuple(product([_value(d, f) for f in term], joiner) for term in chain.terms))
    if vec:
        outcome = printer(d).doprint(n.Transpose((n.Vec((part.form,), (), part.form.shape),), (), part.form.shape))  # type: ignore[arg-type]
        result = left_side(d, part.kind, part.outputs, list(part.variables))
        return [Display(lhs, (rule, values, atom(outcome))), Display(result, (terms(printer(d).terms(part.form)),))]  # type: ignore[arg-type]
    return [Display(lhs, (rule, values, _outcome(d)))]


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
        shapes = "".join(f"({_dims(f.shape, f.components)})" for f in term)
        part = d.parts[0]
        if d.matrix is not None:
            result = f"{d.matrix.rows} × {d.matrix.cols}"
        else:
            result = _dims(part.shape, part.components)
        return f"vector chain rule: {shapes} = {result}, numerator layout"
    kind = overall_kind(d) if d.matrix is not None else d.parts[0].kind
    rows, cols = d.matrix.shape if d.matrix is not None else (None, None)
    rule = "single-variable" if chain.rule == "single" else "total-derivative"
    shape = f"{rows} × {cols} " if rows is not None else _dims(d.parts[0].shape, None) + " "
    text = f"{rule} chain rule, {shape}{LABELS[kind].format(var=d.parts[0].variable)}"
    if kind != "derivative":
        text += ", numerator layout"
    return text
