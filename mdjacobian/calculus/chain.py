"""The chain rules, step by step, for blocks that name intermediates and ask for ``show: chain``.

Three rules, as in the paper: a path x → u₁ → … → y multiplies one derivative per step (the
single-variable rule for scalars, the vector rule as soon as a step is a vector or a matrix); the
total-derivative rule adds the direct path and one path through each intermediate; and the vector
rule ∂y/∂x = (∂y/∂g)(∂g/∂x) stacks several intermediates into one vector g.

Each factor ∂ is the derivative of one definition *as written* (its intermediates held fixed); in the
total-derivative rule, each du/dx is the total derivative of an intermediate, through the ones it uses.
Factors are in matrix notation where they have one and, at concrete sizes, entry by entry, under the
vec convention wherever a matrix is involved, so that they multiply. Every factor, the product of the
factors, and the product of their values where the intermediates take theirs join the numerical proof.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import sympy as sp

from ..errors import BlockError
from . import algebra as al
from . import nodes as n
from .components import Lowering, diff, variable_value
from .differential import NoMatrixForm
from .extract import derivative as matrix_derivative
from .numeric import Invalid, matmul
from .numeric import _map as elementwise
from .tidy import tidy

if TYPE_CHECKING:
    from .engine import Engine


@dataclass(frozen=True)
class Factor:
    """One derivative in a chain: d top / d bottom (∂ when ``partial``)."""

    top: str
    bottom: str
    partial: bool
    form: n.Node | None
    """The factor in matrix notation (numerator layout), where it has one."""
    components: Any = None
    """At concrete sizes: the factor entry by entry (a SymPy scalar or matrix)."""
    shape: tuple[n.Dim, n.Dim] | None = None
    expr: n.Node | None = None
    """What the factor differentiates (its intermediates as variables): for the proof."""
    variables: tuple[n.Var, ...] = ()


@dataclass(frozen=True)
class Chain:
    """A chain rule applied to a block: a sum (``terms``) of products of factors."""

    rule: str
    """``single``, ``vector`` or ``total``."""
    terms: tuple[tuple[Factor, ...], ...]
    through: tuple[str, ...] = ()
    """For the vector rule over several intermediates: their names, stacked into one vector."""


def _references(node: n.Node, names: set[str]) -> list[str]:
    """The names among ``names`` that ``node`` uses, whole or entry by entry, in a stable order."""
    found: dict[str, None] = {}
    for x in node.walk():
        if isinstance(x, (n.Var, n.Entry)) and x.name in names:
            found.setdefault(x.name)
    return sorted(found)


class ChainBuilder:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.model = engine.model
        self.block = engine.block
        self.intermediates = set(self.block.intermediates)
        self.concrete = not self.block.sizes

    # -- one factor ---------------------------------------------------------------------------------
    def factor(self, top: str, expr: n.Node, bottom: n.Var, partial: bool) -> Factor:
        """∂expr/∂bottom, with every intermediate but ``bottom`` held fixed.

        Factors multiply, so each is an ordinary matrix: a matrix ``expr`` is read as vec(expr) and a
        matrix ``bottom`` as vec(bottom) (∂L/∂vec(W) is a row, ∂vec(U)/∂t a column)."""
        form = None
        try:
            with al.number_limit(self.engine.limits.max_number_digits, self.engine.limits.max_exponent):
                form = _in_vec_convention(tidy(matrix_derivative(expr, bottom), expr), expr, bottom)
        except NoMatrixForm:
            pass
        expr = al.vec(expr)
        components = None
        if self.concrete:
            components = self.components(expr, bottom)
        elif form is None:
            raise self.where(
                BlockError(
                    f"show: chain writes each factor in matrix notation, and ∂{top}/∂{bottom.name} has none at a "
                    "symbolic size: declare a concrete size, or leave out show: chain to see the derivative in index notation"
                ),
                top,
            )
        shape = form.shape if form is not None else None
        return Factor(top, bottom.name, partial, form, components, shape, expr, (bottom,))

    def components(self, expr: n.Node, bottom: n.Var) -> Any:
        written = Lowering({}, {}, self.engine.limits.max_number_digits)(expr)
        variables = variable_value(bottom.name, bottom.rows.value, bottom.cols.value)  # type: ignore[arg-type]
        entries = _vec_entries(variables) if isinstance(variables, sp.MatrixBase) else [variables]
        functions = list(written) if isinstance(written, sp.MatrixBase) else [written]
        if len(functions) == 1 and len(entries) == 1:
            return diff(functions[0], entries[0])
        return sp.ImmutableMatrix([[diff(f, v) for v in entries] for f in functions])

    def where(self, error: BlockError, name: str) -> BlockError:
        """``error`` on the line that defines ``name``, else on the ``show:`` line, else where the block places it."""
        self.block.locate_name(error, name)
        if error.line is None:
            self.block.locate(error, "show")
        return self.block.place(error) if error.line is None else error

    # -- the rules ----------------------------------------------------------------------------------
    def build(self) -> Chain:
        if self.block.options.layout != "numerator":
            raise self.block.locate(BlockError("show: chain is written in numerator layout; remove 'layout: denominator'"), "layout")
        if not self.intermediates:
            raise self.block.locate(
                BlockError(
                    "show: chain needs intermediates: name a subexpression on its own line (u = x^2), then use it (y = sin(u))"
                ),
                "show",
            )
        if self.block.options.derivative == "hessian":
            raise self.block.locate(BlockError("show: chain writes out first derivatives, not a Hessian"), "show")
        outputs, wrt = self.block.outputs, self.model.wrt
        if len(outputs) == 1 and len(wrt) == 1:
            return self.path_or_total(outputs[0], wrt[0])
        return self.vector(outputs, wrt)

    def path_or_total(self, output: str, variable: n.Var) -> Chain:
        definitions = self.model.definitions
        path: list[Factor] = []
        top, expr = output, definitions[output]
        scalar = True
        while True:  # follow a single path back to the variable while there is one
            parents = _references(expr, self.intermediates)
            explicit = bool(_references(expr, {variable.name}))
            if len(parents) == 1 and not explicit:
                parent = self.model.symbols[parents[0]]
                path.append(self.factor(top, expr, parent, not (parent.is_scalar and definitions[top].is_scalar)))
                scalar = scalar and parent.is_scalar and expr.is_scalar
                top, expr = parent.name, definitions[parent.name]
                continue
            if not parents:
                scalar = scalar and variable.is_scalar and expr.is_scalar
                path.append(self.factor(top, expr, variable, not scalar))
                if not scalar:
                    path = [replace(f, partial=True) for f in path]
                return Chain("single" if scalar else "vector", terms=(tuple(path),))
            break
        # Not a simple path: the total-derivative rule, one level deep from the output.
        written = definitions[output]
        terms: list[tuple[Factor, ...]] = []
        if _references(written, {variable.name}):
            terms.append((self.factor(output, written, variable, True),))
        for name in _references(written, self.intermediates):
            parent = self.model.symbols[name]
            composed = self.model.expand(parent)
            # du/dx: the total derivative of the intermediate, through every intermediate it uses
            terms.append((self.factor(output, written, parent, True), self.factor(name, composed, variable, False)))
        return Chain("total", terms=tuple(terms))

    def vector(self, outputs: tuple[str, ...], wrt: list[n.Var]) -> Chain:
        definitions = self.model.definitions
        through = list(self.block.intermediates)
        variables = {v.name for v in wrt}
        for output in outputs:
            if _references(definitions[output], variables):
                raise self.where(
                    BlockError(f"the vector chain rule needs '{output}' to use the variables only through intermediates"), output
                )
        for name in through:
            if _references(definitions[name], self.intermediates):
                raise self.where(BlockError(f"the vector chain rule takes one layer of intermediates; '{name}' uses another"), name)
        top = al.stack([definitions[o] for o in outputs], "rows") if len(outputs) > 1 else definitions[outputs[0]]
        outer = self.joined("/".join(outputs), top, [self.model.symbols[u] for u in through])
        middle = al.stack([definitions[u] for u in through], "rows") if len(through) > 1 else definitions[through[0]]
        inner = self.joined("/".join(through), middle, wrt)
        return Chain("vector", terms=((outer, inner),), through=tuple(through))

    def joined(self, top: str, expr: n.Node, bottoms: list[n.Var]) -> Factor:
        """∂expr/∂(b₁, b₂, …): the factors for each bottom, side by side."""
        factors = [self.factor(top, expr, b, True) for b in bottoms]
        if len(factors) == 1:
            return factors[0]
        form = None
        if all(f.form is not None for f in factors):
            form = al.stack([f.form for f in factors], "cols")  # type: ignore[misc]
        components = None
        if self.concrete:
            blocks = [f.components if isinstance(f.components, sp.MatrixBase) else sp.ImmutableMatrix([[f.components]]) for f in factors]
            components = sp.ImmutableMatrix(sp.Matrix.hstack(*blocks))
        shape = form.shape if form is not None else None
        return Factor(top, "/".join(b.name for b in bottoms), True, form, components, shape, expr, tuple(bottoms))


def _in_vec_convention(form: n.Node, expr: n.Node, bottom: n.Var) -> n.Node:
    """A derivative as a factor of a chain: vec(G)ᵀ for a gradient shaped like a matrix, vec(dF/dt)
    for a derivative shaped like a matrix function (the other readings are under vec already)."""
    if expr.is_scalar and not bottom.cols.is_one:
        return al.transpose(al.vec(form))
    if bottom.is_scalar and not expr.cols.is_one:
        return al.vec(form)
    return form


def _vec_entries(value: sp.MatrixBase) -> list[sp.Expr]:
    """A matrix's entries column by column, as vec stacks them."""
    return [value[i, j] for j in range(value.cols) for i in range(value.rows)]


def product(chain: Chain) -> n.Node | None:
    """The chain's sum of products in matrix notation, where every factor has a form."""
    terms = []
    for term in chain.terms:
        if any(f.form is None for f in term):
            return None
        terms.append(al.mul(*(f.form for f in term)))  # type: ignore[misc]
    return al.add(*terms)


def product_components(chain: Chain) -> Any:
    """The chain's sum of products entry by entry (in the intermediates' names)."""
    total = None
    for term in chain.terms:
        value: Any = sp.Integer(1)
        for f in term:
            value = value * f.components
        total = value if total is None else total + value
    if isinstance(total, sp.MatrixBase):
        total = sp.ImmutableMatrix(total)
        if total.shape == (1, 1):
            return total[0, 0]
    return total


FactorValue = Callable[[dict[str, Any], Any, Any], Any]
"""A factor's value at a point: (values, numbers, compiler) -> a number or an Arr."""


@dataclass(frozen=True)
class AtValues:
    """The chain equation as a page states it: the factors' values where the intermediates take the
    values their lines give them, multiplied out as numbers.

    The product of the forms may simplify away a factor that has no value there (hᵀ/‖h‖ times a zero
    matrix, where h is identically 0): evaluated this way such a factor leaves no point to check.
    ``undefined`` records the factors that had no value, for the message.
    """

    terms: tuple[tuple[FactorValue, ...], ...]
    labels: tuple[tuple[str, ...], ...]
    undefined: dict[str, None] = field(default_factory=dict, compare=False, hash=False)

    def at_point(self, point: dict[str, Any], numbers: Any, sizes: Any, compiler: Any) -> Any:
        total = None
        for term, labels in zip(self.terms, self.labels):
            value = None
            for factor, label in zip(term, labels):
                try:
                    x = factor(point, numbers, compiler)
                except (Invalid, ZeroDivisionError, OverflowError, ValueError):
                    self.undefined.setdefault(label)
                    raise
                value = x if value is None else matmul(value, x)
            total = value if total is None else elementwise(lambda a, b: a + b, total, value)
        return total


def build_chain(engine: Engine) -> Chain:
    return ChainBuilder(engine).build()
