"""The HTML a host puts in a page: the maths, a caption with the proof's verdict, or an error box."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .equations import caption, equations
from .notation import printer
from .errorbox import attributes as _attributes
from .errorbox import render_unchecked
from .mathml import tex_to_mathml

if TYPE_CHECKING:
    from ..calculus.engine import Derivation


def check_mark(d: Derivation) -> str:
    """The caption's ``✓ checked`` mark; nothing for a result left unchecked, which gets its own badge."""
    proof = d.proof
    if not proof.checked:
        return ""
    sizes = proof.size_text()
    label = f"✓ checked at {sizes}" if sizes else "✓ checked"
    return f' <span class="jacobian-check jacobian-check-passed" title="{html.escape(str(proof))}">{html.escape(label)}</span>'


def to_mathml(d: Derivation) -> str:
    """The result as MathML Core, one ``<math>`` element per equation."""
    return "\n".join(tex_to_mathml(tex) for tex in equations(d))


def render_html(
    d: Derivation, classes: list[str] | None = None, id_value: str = "", attrs: dict[str, str] | None = None
) -> str:
    """The wrapper ``<div class="jacobian">`` holding the maths and the shape caption."""
    if d.block.options.output == "tex":
        maths = "\n".join(
            f'<div class="arithmatex">\\[\n{html.escape(tex, quote=False)}\n\\]</div>' for tex in equations(d)
        )
    else:
        maths = to_mathml(d)
    warning = d.proof.warning()
    unchecked = ["jacobian-unchecked"] if warning is not None else []
    badge = f"\n{render_unchecked(warning)}" if warning is not None else ""
    wrapper = _attributes(["jacobian", *unchecked, *(classes or [])], id_value, attrs)
    return (
        f"<div{wrapper}>\n{maths}\n"
        f'<p class="jacobian-shape">{html.escape(caption(d))}{check_mark(d)}</p>{badge}\n{claim_html(d)}</div>'
    )


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


def check_output(page: str, limit: int) -> str:
    """``page``, when it is at most ``limit`` characters; a LimitError otherwise."""
    from ..errors import LimitError

    if len(page) > limit:
        raise LimitError(
            f"the block's output would be {len(page)} characters (limit {limit}); show less of it, "
            "for instance a point with 'at:' or smaller numbers",
            limit="max_output_chars",
        )
    return page
