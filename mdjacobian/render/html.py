"""The HTML a host puts in a page: the maths, a caption with the proof's verdict, or an error box."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .equations import caption, equations
from .mathml import tex_to_mathml

if TYPE_CHECKING:
    from ..calculus.engine import Derivation
    from ..errors import BlockError


def check_mark(d: Derivation) -> str:
    proof = d.proof
    title = html.escape(str(proof))
    if proof.checked:
        sizes = proof.size_text()
        label = f"✓ checked at {sizes}" if sizes else "✓ checked"
        state = "passed"
    else:
        label, state = "not checked", "skipped"
    return f' <span class="jacobian-check jacobian-check-{state}" title="{title}">{html.escape(label)}</span>'


def to_mathml(d: Derivation) -> str:
    """The result as MathML Core, one ``<math>`` element per equation."""
    return "\n".join(tex_to_mathml(tex) for tex in equations(d))


def _attributes(classes: list[str], id_value: str = "", attrs: dict[str, str] | None = None) -> str:
    parts = []
    if id_value:
        parts.append(f' id="{html.escape(id_value)}"')
    parts.append(' class="{}"'.format(html.escape(" ".join(classes))))
    for key, value in (attrs or {}).items():
        parts.append(f' {html.escape(key)}="{html.escape(str(value))}"')
    return "".join(parts)


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
    wrapper = _attributes(["jacobian", *(classes or [])], id_value, attrs)
    return (
        f"<div{wrapper}>\n{maths}\n"
        f'<p class="jacobian-shape">{html.escape(caption(d))}{check_mark(d)}</p>\n</div>'
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


def error_link(error: BlockError, errors_url: str) -> str:
    """A link to the error's section of the error reference at ``errors_url``, or nothing without a URL."""
    if not errors_url:
        return ""
    href = f"{errors_url}#{error.kind}" if error.kind else errors_url
    return f'\n<p class="jacobian-error-help"><a href="{html.escape(href)}">About this error</a></p>'


def render_error(error: BlockError, classes: list[str] | None = None, id_value: str = "", errors_url: str = "") -> str:
    """The error box: the message and, when known, the offending line with a caret under the column.

    With ``errors_url`` (the address of the error reference page), the box links to the section
    for the error's kind.
    """
    message = f'<p class="jacobian-error-message"><strong>jacobian:</strong> {html.escape(str(error), quote=False)}</p>'
    listing = ""
    if error.source_line is not None and error.line is not None:
        gutter = f"{error.line} | "
        text = gutter + error.source_line
        if error.column:
            text += "\n" + " " * (len(gutter) + error.column - 1) + "^"
        listing = f"\n<pre><code>{html.escape(text)}</code></pre>"
    wrapper = _attributes(["jacobian-error", *(classes or [])], id_value)
    return f'<div{wrapper} role="alert">\n{message}{listing}{error_link(error, errors_url)}\n</div>'
