"""The typed records that flow through the pipeline: a parsed block and its result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .options import Options

if TYPE_CHECKING:  # SymPy is loaded lazily; these names are for annotations only.
    from sympy import Expr, ImmutableMatrix, Symbol


@dataclass(frozen=True)
class Component:
    """One scalar function of the block, such as ``f(x, y) = 3x^2 y`` or the 2nd entry of ``f = [...]``."""

    name: str
    """The component's own name: ``f``, or ``f2`` for the second entry of a vector ``f``."""
    expr: Expr
    line: int
    params: tuple[str, ...] | None = None
    """The declared parameter list, when the line had one."""
    vector: str | None = None
    """The name of the vector this component belongs to (``f`` for ``f2``)."""


@dataclass(frozen=True)
class Block:
    """A parsed block: what to differentiate, with respect to what, and how to show it."""

    components: tuple[Component, ...]
    variables: tuple[Symbol, ...]
    options: Options
    point: tuple[tuple[Symbol, Expr], ...] | None = None
    """The ``at:`` point as (variable, exact value) pairs, when given."""


@dataclass(frozen=True)
class Result:
    """A computed Jacobian. ``matrix`` is in the block's layout (numerator: functions in rows)."""

    block: Block
    matrix: ImmutableMatrix
    value: ImmutableMatrix | None = None
    """The Jacobian at ``block.point``, in the same layout, when a point was given."""

    @property
    def functions(self) -> tuple[Expr, ...]:
        """The component expressions, in row order of the numerator layout."""
        return tuple(c.expr for c in self.block.components)

    @property
    def names(self) -> tuple[str, ...]:
        """The component names, in the same order as :attr:`functions`."""
        return tuple(c.name for c in self.block.components)

    @property
    def variables(self) -> tuple[Symbol, ...]:
        """The variables, in column order of the numerator layout."""
        return self.block.variables

    @property
    def layout(self) -> str:
        return self.block.options.layout

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns of :attr:`matrix` (so the transpose in denominator layout)."""
        return tuple(self.matrix.shape)  # type: ignore[return-value]

    @property
    def kind(self) -> str:
        """Which of the four shape cases: ``derivative``, ``gradient``, ``column`` or ``jacobian``."""
        m, n = len(self.block.components), len(self.block.variables)
        if m == 1:
            return "derivative" if n == 1 else "gradient"
        return "column" if n == 1 else "jacobian"

    @property
    def tex(self) -> str:
        """The result as display TeX, one equation per line."""
        from .render import to_tex

        return "\n".join(to_tex(self))

    @property
    def mathml(self) -> str:
        """The result as MathML Core ``<math display="block">`` elements."""
        from .render import to_mathml

        return to_mathml(self)

    def to_html(self, **attrs: Any) -> str:
        """The result as the HTML a host puts in the page, in the block's output mode."""
        from .render import render_html

        return render_html(self, **attrs)
