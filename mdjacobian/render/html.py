"""The HTML a host puts in a page: the maths, a caption with the proof's verdict, or an error box."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .equations import caption, equations
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
        f'<p class="jacobian-shape">{html.escape(caption(d))}{check_mark(d)}</p>{badge}\n</div>'
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
