"""The typed records that flow through the pipeline: a parsed block and its result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import BlockError
from .options import Options

if TYPE_CHECKING:  # SymPy is loaded lazily; these names are for annotations only.
    from sympy import Expr, ImmutableMatrix, Symbol

    from .chain import Chain
    from .check import Check


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
    written: Expr | None = None
    """The expression as written, in terms of intermediates, when ``expr`` had them substituted."""

    @property
    def as_written(self) -> Expr:
        """The expression in the names the author wrote, intermediates included."""
        return self.expr if self.written is None else self.written


@dataclass(frozen=True)
class Declaration:
    """``x, w in R^3``: the shape of a name. A scalar has ``shape == (1, 1)``."""

    name: str
    shape: tuple[int, int]
    line: int
    size: str | None = None
    """The symbolic size (``n`` in ``R^n``), when the block gave one; ``shape`` is then one instance."""

    @property
    def is_vector(self) -> bool:
        return self.shape[1] == 1 and (self.shape[0] > 1 or self.size is not None)


@dataclass(frozen=True)
class Block:
    """A parsed block: what to differentiate, with respect to what, and how to show it."""

    components: tuple[Component, ...]
    variables: tuple[Symbol, ...]
    options: Options
    point: tuple[tuple[Symbol, Expr], ...] | None = None
    """The ``at:`` point as (variable, exact value) pairs, when given."""
    declarations: tuple[Declaration, ...] = ()
    groups: tuple[tuple[str, tuple[Symbol, ...]], ...] = ()
    """The variables as the author named them, in column order: ``(("x", (x1, x2, x3)), ("b", (b,)))``."""
    intermediates: tuple[Component, ...] = ()
    """Definitions that later lines use (``u = x^2`` before ``y = sin(u)``), in order; like the
    functions, their ``expr`` is composed through earlier intermediates and ``as_written`` is not."""
    option_lines: tuple[tuple[str, int, str], ...] = ()
    """Options set by block lines: (key, line number, line text)."""
    sizes: tuple[tuple[str, int], ...] = ()
    """The values given to symbolic sizes in this instance (``(("n", 3),)``); empty when all are concrete."""


    def locate(self, error: BlockError, option: str) -> BlockError:
        """Place ``error`` on the line that set ``option``, when a block line set it."""
        for key, line, text in self.option_lines:
            if key == option:
                return error.at(line, text)
        return error


@dataclass(frozen=True)
class Result:
    """A computed Jacobian. ``matrix`` is in the block's layout (numerator: functions in rows)."""

    block: Block
    matrix: ImmutableMatrix
    value: ImmutableMatrix | None = None
    """The Jacobian at ``block.point``, in the same layout, when a point was given."""
    check: Check | None = None
    """The numerical check's verdict."""
    chain: Chain | None = None
    """The chain rule's steps, for ``show: chain``."""
    form: str | None = None
    """The Jacobian in vector notation (TeX: ``\\operatorname{diag}(\\mathbf{x})``), when it has one."""

    @property
    def symbolic(self) -> bool:
        """True for symbolic sizes (``R^n``): ``matrix`` is then one instance and ``form`` the result."""
        return bool(self.block.sizes)

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
    def output(self) -> str:
        """How the block asked to be written into a page: ``mathml`` or ``tex``."""
        return self.block.options.output

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
    def equations(self) -> tuple[str, ...]:
        """The result as display TeX equations, in the order a page shows them."""
        from .render import to_tex

        return tuple(to_tex(self))

    @property
    def tex(self) -> str:
        """The result as display TeX, one equation per line."""
        return "\n".join(self.equations)

    @property
    def caption(self) -> str:
        """The caption a page shows under the maths, without the check mark (see :attr:`check`)."""
        from .render import caption

        return caption(self)

    @property
    def mathml(self) -> str:
        """The result as MathML Core ``<math display="block">`` elements."""
        from .render import to_mathml

        return to_mathml(self)

    def to_html(self, **attrs: Any) -> str:
        """The result as the HTML a host puts in the page, in the block's output mode."""
        from .render import render_html

        return render_html(self, **attrs)

    # Jupyter's rich display: a Result that ends a notebook cell shows as its maths.

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_latex_(self) -> str:
        return "\n".join(f"$${equation}$$" for equation in self.equations)

    def _repr_markdown_(self) -> str:
        checked = " ✓ checked" if self.check is not None and self.check.checked else ""
        return "".join(f"$$\n{equation}\n$$\n\n" for equation in self.equations) + self.caption + checked + "\n"
