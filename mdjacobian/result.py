"""What :func:`mdjacobian.evaluate` returns: a computed, proven derivative and its renderings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sympy as sp

    from .calculus.engine import Derivation, Part
    from .calculus.proof import Proof
    from .errors import Unchecked
    from .model import Block


@dataclass(frozen=True)
class Result:
    """A computed derivative. At concrete sizes ``matrix`` holds it entry by entry, in the block's
    layout (numerator: functions in rows); ``form`` holds it in matrix notation, as TeX, where it has
    one. At symbolic sizes (``R^n``) there are no entries: ``form`` is the result, and
    :meth:`at_sizes` writes it out at any sizes you choose."""

    derivation: Derivation

    def __repr__(self) -> str:
        shown = self.form if self.matrix is None else repr(self.matrix)
        return f"<Result {self.caption}: {shown}>"

    # -- what was computed ---------------------------------------------------------------------------
    @property
    def block(self) -> Block:
        return self.derivation.block

    @property
    def parts(self) -> tuple[Part, ...]:
        """One derivative per variable group, each with its matrix form and, at concrete sizes, components."""
        return self.derivation.parts

    @property
    def matrix(self) -> sp.ImmutableMatrix | None:
        """The whole Jacobian entry by entry, in the block's layout; ``None`` at symbolic sizes, and
        when a variable is a matrix (see :attr:`parts`)."""
        return self.derivation.matrix

    @property
    def value(self) -> sp.ImmutableMatrix | None:
        """The Jacobian at the ``at:`` point, in the same layout, when a point was given."""
        return self.derivation.value

    @property
    def check(self) -> Proof:
        """The numerical proof's verdict (``.checked``, and ``str()`` says what was tried)."""
        return self.derivation.proof

    @property
    def warning(self) -> Unchecked | None:
        """Why the result is shown without its numerical proof, placed on the block's line (an
        :class:`~mdjacobian.Unchecked`, which hosts report as a build warning); None when it was proven."""
        return self.derivation.proof.warning() or self.derivation.claim_warning()

    @property
    def claim(self) -> str | None:
        """What became of the block's ``claim:``: ``"proven"``, ``"refuted"`` (or ``"unchecked"``); None without one."""
        verdict = self.derivation.verdict
        return verdict.status if verdict is not None else None

    @property
    def claim_note(self) -> str:
        """Why: where a refuted claim differs from the derivative, and the slip it looks like (with the
        missing or extra term in TeX, where it names one)."""
        verdict = self.derivation.verdict
        if verdict is None:
            return ""
        if verdict.term is None:
            return verdict.note
        from .render.notation import printer

        return f"{verdict.note} {printer(self.derivation).doprint(verdict.term)}"

    @property
    def chain(self) -> Any:
        """The chain rule's factors, for ``show: chain``."""
        return self.derivation.chain

    @property
    def symbolic(self) -> bool:
        """True for symbolic sizes (``R^n``)."""
        return self.derivation.symbolic

    @property
    def form(self) -> str | None:
        """The derivative in matrix notation (TeX, such as ``\\operatorname{diag}(\\mathbf{x})``), when it has one."""
        from .render.equations import form_tex

        return form_tex(self.derivation)

    @property
    def functions(self) -> tuple[sp.Expr, ...]:
        """At concrete sizes: the component functions, in row order of the numerator layout."""
        return self.derivation.functions

    @property
    def names(self) -> tuple[str, ...]:
        """The component functions' names (``f``, ``g``; ``f1``, ``f2`` for a vector ``f``)."""
        return self.derivation.names

    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        """At concrete sizes: the variables' components, in column order of the numerator layout."""
        return self.derivation.variables

    @property
    def layout(self) -> str:
        return self.block.options.layout

    @property
    def output(self) -> str:
        """How the block asked to be written into a page: ``mathml`` or ``tex``."""
        return self.block.options.output

    @property
    def shape(self) -> tuple[int | str, int | str]:
        """Rows and columns of the result as shown (transposed in denominator layout); a symbolic
        size is its name (``(1, "n")``)."""
        if self.matrix is not None:
            return tuple(self.matrix.shape)  # type: ignore[return-value]
        part = self.parts[0]
        if part.form is not None:
            return tuple(d.value if d.value is not None else str(d) for d in part.form.shape)  # type: ignore[return-value]
        return tuple(part.components.shape)  # type: ignore[union-attr,return-value]

    @property
    def kind(self) -> str:
        """``derivative``, ``gradient``, ``column``, ``jacobian`` (by shape), or for one part ``matrix``,
        ``vec`` or ``hessian``."""
        from .render.notation import overall_kind

        if self.matrix is not None:
            return overall_kind(self.derivation)
        return self.parts[0].kind

    # -- renderings ------------------------------------------------------------------------------------
    @property
    def equations(self) -> tuple[str, ...]:
        """The result as display TeX equations, in the order a page shows them."""
        from .render.equations import equations

        return tuple(equations(self.derivation))

    @property
    def tex(self) -> str:
        """The result as display TeX, one equation per line."""
        return "\n".join(self.equations)

    @property
    def caption(self) -> str:
        """The caption a page shows under the maths, without the check mark (see :attr:`check`)."""
        from .render.equations import caption

        return caption(self.derivation)

    @property
    def mathml(self) -> str:
        """The result as MathML Core ``<math display="block">`` elements."""
        from .render.html import to_mathml

        return to_mathml(self.derivation)

    def to_html(self, **attrs: Any) -> str:
        """The result as the HTML a host puts in the page, in the block's output mode."""
        from .render.html import render_html

        return render_html(self.derivation, **attrs)

    @property
    def numpy(self) -> str:
        """Python source of ``derivative(...)``, a NumPy function returning the derivative shown (see :meth:`code`)."""
        return self.code("numpy")

    @property
    def jax(self) -> str:
        """Python source of ``derivative(...)`` in JAX (``jax.numpy``), returning the derivative shown."""
        return self.code("jax")

    @property
    def torch(self) -> str:
        """Python source of ``derivative(...)`` in PyTorch, returning the derivative shown."""
        return self.code("torch")

    def code(self, library: str) -> str:
        """Python source of a function computing the derivative shown, for ``library``: ``numpy``,
        ``jax`` or ``torch``.

        The function takes the block's variables (vectors as columns of shape (n, 1)) and returns
        the derivative in the block's layout, one array per part; its docstring says the shapes.
        mdjacobian writes the code and never runs it.
        """
        from .render.code import TARGETS, code_source

        if library not in TARGETS:
            raise ValueError(f"no code printer for {library!r}: choose one of {', '.join(TARGETS)}")
        return code_source(self.derivation, library)

    def at_sizes(self, **sizes: int) -> Any:
        """The derivative as shown, written out at concrete sizes, entry by entry (a SymPy matrix).

        Entries are named as a block of that size names them: x1 … xn, W11 … For a block of
        concrete size, ``at_sizes()`` writes out the matrix form it shows, so it equals
        :attr:`matrix` when the form is right. Several parts are joined as the page joins them.
        """
        from .calculus.instances import at_sizes

        return at_sizes(self.derivation, sizes)

    # -- Jupyter's rich display: a Result that ends a notebook cell shows as its maths ------------------

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_latex_(self) -> str:
        return "\n".join(f"$${equation}$$" for equation in self.equations)

    def _repr_markdown_(self) -> str:
        from .render.errorbox import unchecked_text

        checked = " ✓ checked" if self.check.checked else f"\n\n**{unchecked_text(self.check.reason)}**"
        return "".join(f"$$\n{equation}\n$$\n\n" for equation in self.equations) + self.caption + checked + "\n"
