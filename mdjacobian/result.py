"""What :func:`mdjacobian.evaluate` returns: a computed, proven derivative and its renderings.

A Result is made where the block was computed, in a worker process, with every rendering a host
shows already printed there, within the block's time limit and ``max_output_chars``: the process
that asks for a Result only copies strings. :attr:`Result.numpy`, printed on request, goes back to
a worker under the same limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .limits import Limits

if TYPE_CHECKING:
    import sympy as sp

    from .calculus.engine import Derivation, Part
    from .calculus.proof import Proof
    from .errors import Unchecked
    from .model import Block


@dataclass(frozen=True)
class Shown:
    """A result's renderings, printed where it was computed."""

    equations: tuple[str, ...]
    caption: str
    form: str | None
    mathml: str
    inside: str
    """The maths, caption and verdicts in the block's output mode, as :meth:`Result.to_html` wraps them."""
    unchecked: bool
    """Whether the result is shown without its numerical proof (its wrapper is marked so)."""
    claim_note: str
    summary: str
    """What ``repr()`` shows after the caption."""


@dataclass(frozen=True)
class Result:
    """A computed derivative. At concrete sizes ``matrix`` holds it entry by entry, in the block's
    layout (numerator: functions in rows); ``form`` holds it in matrix notation, as TeX, where it has
    one. At symbolic sizes (``R^n``) there are no entries: ``form`` is the result, and
    :meth:`at_sizes` writes it out at any sizes you choose."""

    derivation: Derivation
    shown: Shown
    limits: Limits

    @classmethod
    def made(cls, derivation: Derivation, limits: Limits) -> Result:
        """The Result of ``derivation`` with its renderings, each at most ``limits.max_output_chars``
        characters (a LimitError otherwise); called where the block is computed."""
        from .render.displays import display_tex
        from .render.equations import caption, form_tex
        from .render.html import bounded_displays, check_output, maths_html, to_mathml

        limit = limits.max_output_chars
        shown_displays = bounded_displays(derivation, limit)
        tex = [display_tex(display) for display in shown_displays]
        mathml = check_output(to_mathml(derivation, shown_displays), limit)
        inside = check_output(maths_html(derivation, shown_displays), limit)
        form = form_tex(derivation)
        summary = form if derivation.matrix is None else repr(derivation.matrix)
        note = _claim_note(derivation)
        check_output([form or "", summary or "", note], limit)
        unchecked = derivation.proof.warning() is not None
        shown = Shown(tuple(tex), caption(derivation), form, mathml, inside, unchecked, note, summary or "")
        return cls(derivation, shown, limits)

    def __repr__(self) -> str:
        return f"<Result {self.caption}: {self.shown.summary}>"

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
        return self.shown.claim_note

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
        return self.shown.form

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
        return self.shown.equations

    @property
    def tex(self) -> str:
        """The result as display TeX, one equation per line."""
        return "\n".join(self.equations)

    @property
    def caption(self) -> str:
        """The caption a page shows under the maths, without the check mark (see :attr:`check`)."""
        return self.shown.caption

    @property
    def mathml(self) -> str:
        """The result as MathML Core ``<math display="block">`` elements."""
        return self.shown.mathml

    def to_html(self, **attrs: Any) -> str:
        """The result as the HTML a host puts in the page, in the block's output mode (``classes``,
        ``id_value`` and ``attrs`` go on its ``<div class="jacobian">``)."""
        from .render.html import wrap_html

        return wrap_html(self.shown.inside, **attrs, unchecked=self.shown.unchecked)

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
        from . import workers
        from .render.code import TARGETS

        if library not in TARGETS:
            raise ValueError(f"no code printer for {library!r}: choose one of {', '.join(TARGETS)}")
        return workers.run(f"{__name__}:code_here", (self.derivation, library, self.limits), self.limits)

    def at_sizes(self, **sizes: int) -> Any:
        """The derivative as shown, written out at concrete sizes, entry by entry (a SymPy matrix).

        Entries are named as a block of that size names them: x1 … xn, W11 … For a block of
        concrete size, ``at_sizes()`` writes out the matrix form it shows, so it equals
        :attr:`matrix` when the form is right. Several parts are joined as the page joins them.
        Unlike everything else here, it is computed in the calling process, at the sizes the caller
        chose, without the block's limits.
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


def code_here(derivation: Derivation, library: str, limits: Limits) -> str:
    """:meth:`Result.code`'s work, done in a worker."""
    from .render.code import code_source
    from .render.html import check_output
    from .render.size import check_printable

    check_printable(derivation, limits.max_output_chars)
    return check_output(code_source(derivation, library), limits.max_output_chars)


def _claim_note(derivation: Derivation) -> str:
    verdict = derivation.verdict
    if verdict is None:
        return ""
    if verdict.term is None:
        return verdict.note
    from .render.notation import printer

    return f"{verdict.note} {printer(derivation).doprint(verdict.term)}"
