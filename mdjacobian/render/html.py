"""The HTML a host puts in a page: the maths, a caption with the proof's verdict, or an error box."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from .equations import caption, equations
from .notation import printer
from .errorbox import attributes as _attributes
from .errorbox import render_unchecked
from .mathml import tex_to_mathml
from .size import check_printable

if TYPE_CHECKING:
    from ..calculus.engine import Derivation

T = TypeVar("T", str, Sequence[str])


def check_mark(d: Derivation) -> str:
    """The caption's ``✓ checked`` mark; nothing for a result left unchecked, which gets its own badge."""
    proof = d.proof
    if not proof.checked:
        return ""
    sizes = proof.size_text()
    label = f"✓ checked at {sizes}" if sizes else "✓ checked"
    return f' <span class="jacobian-check jacobian-check-passed" title="{html.escape(str(proof))}">{html.escape(label)}</span>'


def to_mathml(d: Derivation, tex: Sequence[str] | None = None) -> str:
    """The result as MathML Core, one ``<math>`` element per equation (of ``tex`` when already printed)."""
    return "\n".join(tex_to_mathml(equation) for equation in (equations(d) if tex is None else tex))


def render_html(
    d: Derivation, classes: list[str] | None = None, id_value: str = "", attrs: dict[str, str] | None = None
) -> str:
    """The wrapper ``<div class="jacobian">`` holding the maths and the shape caption."""
    return wrap_html(maths_html(d), classes, id_value, attrs, unchecked=d.proof.warning() is not None)


def maths_html(d: Derivation, tex: Sequence[str] | None = None, mathml: str | None = None) -> str:
    """What the wrapper holds: the maths in the block's output mode, the caption, and the verdicts.

    ``tex`` and ``mathml`` are the equations already printed, when they are.
    """
    tex = equations(d) if tex is None else tex
    if d.block.options.output == "tex":
        maths = "\n".join(f'<div class="arithmatex">\\[\n{html.escape(equation, quote=False)}\n\\]</div>' for equation in tex)
    else:
        maths = to_mathml(d, tex) if mathml is None else mathml
    warning = d.proof.warning()
    badge = f"\n{render_unchecked(warning)}" if warning is not None else ""
    return f'{maths}\n<p class="jacobian-shape">{html.escape(caption(d))}{check_mark(d)}</p>{badge}\n{claim_html(d)}'


def wrap_html(
    inside: str,
    classes: list[str] | None = None,
    id_value: str = "",
    attrs: dict[str, str] | None = None,
    unchecked: bool = False,
) -> str:
    """``inside`` (from :func:`maths_html`) in the block's ``<div class="jacobian">``, marked when unchecked."""
    marked = ["jacobian-unchecked"] if unchecked else []
    return f"<div{_attributes(['jacobian', *marked, *(classes or [])], id_value, attrs)}>\n{inside}</div>"


def bounded_equations(d: Derivation, limit: int) -> list[str]:
    """The display equations, refused with a LimitError once printing them passes ``limit`` characters."""
    check_printable(d, limit)
    tex = equations(d)
    check_output(tex, limit)
    return tex


def claim_html(d: Derivation) -> str:
    """The verdict on the author's ``claim:``: right, or where it differs and the slip it looks like."""
    verdict = d.verdict
    if verdict is None:
        return ""
    mark = {"proven": "✓", "refuted": "✗", "unchecked": "?"}[verdict.status]
    term = ""
    if verdict.term is not None:
        tex = printer(d).doprint(verdict.term)
        if d.block.options.output == "tex":
            term = rf' <span class="arithmatex">\({html.escape(tex)}\)</span>'
        else:
            term = " " + tex_to_mathml(tex).replace(' display="block"', "")
    warning = d.claim_warning()
    data = ""
    if warning is not None:  # read back by the Markdown hosts, from the cache too (errorbox.claim_in)
        line = "" if warning.line is None else str(warning.line)
        data = f' data-line="{line}" data-reason="{html.escape(warning.reason)}"'
    return (
        f'<p class="jacobian-claim jacobian-claim-{verdict.status}" role="note"{data}>'
        f"{mark} {html.escape(verdict.note)}{term}</p>\n"
    )


def check_output(page: T, limit: int) -> T:
    """``page`` (text, or several texts), when it is at most ``limit`` characters; a LimitError otherwise."""
    from ..errors import LimitError

    size = len(page) if isinstance(page, str) else sum(map(len, page))
    if size > limit:
        raise LimitError(
            f"the block's output would be {size} characters (limit {limit}); show less of it, "
            "for instance a point with 'at:' or smaller numbers",
            limit="max_output_chars",
        )
    return page
