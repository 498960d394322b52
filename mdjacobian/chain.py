"""The chain rules, step by step, for blocks that name intermediates and ask for ``show: chain``.

Three rules, as in the paper: the single-variable rule along a path x → u₁ → … → y; the
single-variable total-derivative rule when y (or an intermediate) also uses x or several
intermediates; and the vector rule ∂y/∂x = (∂y/∂g)(∂g/∂x) for several functions or variables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from .calculus import derivative
from .errors import BlockError
from .grammar import symbol
from .model import Block, Component


@dataclass(frozen=True)
class Factor:
    """One derivative in a chain: d top / d bottom (∂ when ``partial``), with its value as written."""

    top: str
    bottom: str
    partial: bool
    value: sp.Expr | sp.ImmutableMatrix
    form: str | None = None
    """The value in vector notation (TeX), when it is a vector or matrix that has one."""


@dataclass(frozen=True)
class Chain:
    """A chain rule applied to a block. ``terms`` is a sum of products (single-variable and total rules)."""

    rule: str  # "single", "total" or "vector"
    terms: tuple[tuple[Factor, ...], ...] = ()
    through: tuple[str, ...] = ()
    """The intermediates the vector rule goes through, in column order of ``outer``."""
    outer: sp.ImmutableMatrix | None = None  # ∂y/∂g, m×k
    inner: sp.ImmutableMatrix | None = None  # ∂g/∂x, k×n
    outer_form: str | None = None
    inner_form: str | None = None


def _uses(expr: sp.Expr, names: set[str]) -> list[str]:
    return sorted((s.name for s in expr.free_symbols if s.name in names), key=str)


def chain(block: Block) -> Chain:
    """Work out which chain rule applies and the derivatives it multiplies."""
    if block.options.layout != "numerator":
        raise BlockError("show: chain is written in numerator layout; remove 'layout: denominator'")
    by_name = {c.name: c for c in block.intermediates}
    names = set(by_name)
    variables = {v.name for v in block.variables}
    outputs = block.components
    if len(outputs) == 1 and len(block.groups) == 1 and not _through_one_vector(outputs[0], by_name, variables):
        return _with_forms(_scalar(outputs[0], block, by_name, names), block)
    return _with_forms(_vector(block, outputs, by_name, names, variables), block)


def _with_forms(chain: Chain, block: Block) -> Chain:
    """Add the vector forms of the chain's vector and matrix factors, for blocks that declare vectors."""
    if not block.declarations:
        return chain
    from .forms import Forms

    forms = Forms(block)

    def form(value: sp.Basic) -> str | None:
        if not isinstance(value, sp.MatrixBase):  # a scalar: only worth it when it names components
            if not value.free_symbols & forms.components():
                return None
            value = sp.ImmutableMatrix([[value]])
        return forms.form(value, output_vector=value.rows > 1, input_vector=value.cols > 1)

    if chain.rule == "vector":
        return replace(chain, outer_form=form(chain.outer), inner_form=form(chain.inner))
    terms = tuple(tuple(replace(f, form=form(f.value)) for f in term) for term in chain.terms)
    return replace(chain, terms=terms)


def _through_one_vector(output: Component, by_name: dict[str, Component], variables: set[str]) -> bool:
    """True when a function uses the variables only through the components of one vector intermediate
    (y = sum(u), u = w ⊗ x): the vector rule, (∂y/∂u)(∂u/∂x), rather than a sum of scalar chains."""
    written = output.as_written
    parents = _uses(written, set(by_name))
    vectors = {by_name[p].vector for p in parents}
    return len(parents) > 1 and len(vectors) == 1 and None not in vectors and not _uses(written, variables)


def _wrt(expr: sp.Expr, variables: tuple[sp.Symbol, ...]) -> sp.Expr | sp.ImmutableMatrix:
    """The derivative by one variable, or the row of derivatives by a vector's components."""
    if len(variables) == 1:
        return derivative(expr, variables[0])
    return sp.ImmutableMatrix([[derivative(expr, v) for v in variables]])


def _scalar(output: Component, block: Block, by_name: dict[str, Component], names: set[str]) -> Chain:
    """One function of one variable or one vector: the single-variable or total-derivative rule."""
    (group, variables), = block.groups
    by_vector = len(variables) > 1 or any(d.name == group and d.is_vector for d in block.declarations)
    written = output.as_written
    path: list[Factor] = []
    top, expr = output.name, written
    while True:  # follow a single path back to the variable while there is one
        parents = _uses(expr, names)
        explicit = bool(expr.free_symbols & set(variables))
        if len(parents) == 1 and not explicit:
            parent = parents[0]
            path.append(Factor(top, parent, False, derivative(expr, symbol(parent))))
            top, expr = parent, by_name[parent].as_written
            continue
        if not parents:
            path.append(Factor(top, group, by_vector, _wrt(expr, variables)))
            return Chain("single", terms=(tuple(path),))
        break
    # Not a simple path: the total-derivative rule, one level deep from the output.
    terms: list[tuple[Factor, ...]] = []
    if written.free_symbols & set(variables):
        terms.append((Factor(output.name, group, True, _wrt(written, variables)),))
    for parent in _uses(written, names):
        through = _wrt(by_name[parent].expr, variables)  # composed: the parent in the variables alone
        terms.append(
            (
                Factor(output.name, parent, True, derivative(written, symbol(parent))),
                Factor(parent, group, by_vector, through),
            )
        )
    return Chain("total", terms=tuple(terms))


def _vector(
    block: Block, outputs: tuple[Component, ...], by_name: dict[str, Component], names: set[str], variables: set[str]
) -> Chain:
    through = [c.name for c in block.intermediates]
    for output in outputs:
        written = output.as_written
        if _uses(written, variables):
            raise BlockError(
                f"the vector chain rule needs '{output.name}' to use the variables only through intermediates"
            )
    for name in through:
        if _uses(by_name[name].as_written, names):
            raise BlockError(f"the vector chain rule takes one layer of intermediates; '{name}' uses another")
    outer = sp.ImmutableMatrix(
        [[derivative(o.as_written, symbol(u)) for u in through] for o in outputs]
    )
    inner = sp.ImmutableMatrix([[derivative(by_name[u].expr, v) for v in block.variables] for u in through])
    return Chain("vector", through=tuple(through), outer=outer, inner=inner)
