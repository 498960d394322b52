"""Index notation as TeX: ∂Fᵢⱼ/∂Xₖₗ = Σₚ Aᵢₚ Bₚₖ δⱼₗ, for a derivative without a matrix form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..calculus import nodes as n
from .tex import MUL, TexPrinter, name_tex, paren

if TYPE_CHECKING:
    from ..calculus.indices import Factor, IndexForm, Term


def _subscript(*indices: str | None) -> str:
    shown = [x for x in indices if x]
    return f"_{{{''.join(shown)}}}" if shown else ""


def _entry(printer: TexPrinter, factor: Factor) -> str:
    """Entry (row, col) of an expression: W_{ik}, x_{k} for a named vector, (W x)_{i} otherwise."""
    node = factor.node
    rows, cols = factor.row, factor.col
    if isinstance(node, n.Transpose) and isinstance(node.args[0], n.Var):
        node, rows, cols = node.args[0], cols, rows
    if isinstance(node, n.Var):
        return name_tex(node.name) + _subscript(rows, cols)
    return paren(printer.doprint(node)) + _subscript(rows, cols)


def _term(printer: TexPrinter, term: Term) -> tuple[str, bool]:
    """A term's TeX without its sign, and whether it is negative."""
    from ..calculus.algebra import coefficient

    value, rest = coefficient(term.coeff)
    negative = value < 0
    pieces = []
    number = abs(value)
    if rest is not None:
        shown = printer._print(rest, MUL)  # noqa: SLF001 - the printer's own precedence-aware entry point
        pieces.append(shown if number == 1 else f"{_fraction(number)} {shown}")
    elif number != 1 or not (term.factors or term.deltas):
        pieces.append(_fraction(number))
    pieces += [_entry(printer, f) for f in term.factors]
    pieces += [rf"\delta_{{{a}{b}}}" for a, b in term.deltas]
    body = " ".join(pieces) or "1"
    if term.summed:
        body = rf"\sum_{{{','.join(term.summed)}}} {body}"
    return body, negative


def _fraction(value) -> str:  # noqa: ANN001 - a Fraction
    return str(value.numerator) if value.denominator == 1 else rf"\frac{{{value.numerator}}}{{{value.denominator}}}"


def index_tex(printer: TexPrinter, form: IndexForm, top: str, bottom: str) -> str:
    """``∂F_{ij}/∂X_{kl} = …``: the left side from the function's and the variable's names."""
    lhs = rf"\frac{{\partial {top}{_subscript(*form.function)}}}{{\partial {bottom}{_subscript(*form.variable)}}}"
    if not form.terms:
        return f"{lhs} = 0"
    out = ""
    for number, term in enumerate(form.terms):
        body, negative = _term(printer, term)
        if number == 0:
            out = f"-{body}" if negative else body
        else:
            out += f" - {body}" if negative else f" + {body}"
    return f"{lhs} = {out}"


__all__ = ["index_tex"]
