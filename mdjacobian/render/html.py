"""The HTML a host puts in a page: the maths, a caption with the proof's verdict, or an error box.

MathML Core draws no line breaks, so a display is not one ``<math>``: each piece no line breaks
inside (the left side, then every chunk of every right side, see :mod:`.displays` and
:mod:`.breaks`) is a ``<math>`` of its own, nested as equation, side, term and run, and the
stylesheet lets the browser wrap the pieces to the reader's screen: a side continues under the
``=``, a sum's ``+`` one em further in. Without the stylesheet the pieces flow as a line of text.
The whole result's TeX, as :attr:`Result.tex` holds it, is on the maths for the copy button
(``data-tex``), and each ``<math>`` keeps its own TeX in an ``<annotation>``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from .breaks import Run, standalone
from .displays import Chunk, Display, chunks, display_tex
from .equations import caption_lines, displays
from .errorbox import attributes as _attributes
from .errorbox import render_unchecked
from .mathml import piece_mathml, tex_to_mathml
from .notation import printer
from .size import check_printable

if TYPE_CHECKING:
    from ..calculus.engine import Derivation

LEFT_SIDE_MARGIN = 1.1
"""How much wider than measured the left sides' column is made, so that every left side fits it
and the ``=`` signs line up (:mod:`.measure` is within 3.5 % of Chromium's MathML; MathJax's
letters differ a little more)."""


MATHJAX_X_HEIGHT = 0.442
"""The x-height, in em, of the TeX font MathJax draws with, which it scales to the text's x-height."""

T = TypeVar("T", str, Sequence[str])


def check_mark(d: Derivation) -> str:
    """The caption's ``✓ checked`` mark; nothing for a result left unchecked, which gets its own badge."""
    proof = d.proof
    if not proof.checked:
        return ""
    sizes = proof.size_text()
    label = f"✓ checked at {sizes}" if sizes else "✓ checked"
    return f' <span class="jacobian-check jacobian-check-passed" title="{html.escape(str(proof))}">{html.escape(label)}</span>'


def to_mathml(d: Derivation, shown: Sequence[Display] | None = None) -> str:
    """The result as MathML Core, one ``<math display="block">`` per equation (long ones in aligned rows);
    of ``shown``, the displays already made, when they are."""
    return "\n".join(tex_to_mathml(display_tex(display)) for display in (displays(d) if shown is None else shown))


def _piece(tex: str, output: str) -> str:
    """One piece of a display: MathML in display style, or TeX for MathJax or KaTeX. A piece that
    begins with an operator is marked: the operator's own space replaces the gap between factors."""
    operator = tex.startswith("{}")
    if output == "tex":
        shown = html.escape(r"\displaystyle " + tex, quote=False)
        return f'<span class="arithmatex{" jacobian-op" if operator else ""}">\\({shown}\\)</span>'
    mathml = piece_mathml(tex)
    return mathml.replace("<math ", '<math class="jacobian-op" ', 1) if operator else mathml


def _run(run: str | Run, output: str) -> str:
    if isinstance(run, str):
        return _piece(standalone(run), output)
    return '<span class="jacobian-run">' + " ".join(_run(item, output) for item in run) + "</span>"


def _equation(display: Display, output: str) -> str:
    whole = display.narrow()  # then no chunk needs cutting: skip measuring each
    if not display.sides:  # a line that is no equation (a claim, a sum in index notation): one run
        body = _run(Chunk("", display.lhs).run(whole), output)
        return f'<div class="jacobian-eq jacobian-line">{body}</div>'
    sides = []
    for side in display.sides:
        terms = [
            '<span class="jacobian-term">' + " ".join(_run(chunk.run(whole), output) for chunk in term) + "</span>"
            for term in chunks(side)
        ]
        sides.append('<span class="jacobian-side">' + " ".join(terms) + "</span>")
    lhs = _piece(display.lhs, output) if display.lhs else ""  # empty: a step continuing the one above
    return (
        f'<div class="jacobian-eq"><span class="jacobian-lhs">{lhs}</span> '
        f'<span class="jacobian-rhs">{" ".join(sides)}</span></div>'
    )


def _left_column(shown: list[Display], output: str) -> str:
    """The style giving every left side one width, so that the ``=`` signs line up.

    MathML is drawn at the em of the display; MathJax draws TeX to match the x-height of the text
    round it, so there the width is in ex, from the x-height of its Computer Modern letters.
    """
    equations = [display for display in shown if display.sides]
    if len(equations) < 2:
        return ""
    from .measure import tex_width

    width = max(tex_width(display.lhs) for display in equations) * LEFT_SIDE_MARGIN
    if output == "tex":
        return f' style="--jacobian-lhs: {width / MATHJAX_X_HEIGHT:.2f}ex"'
    return f' style="--jacobian-lhs: {width:.2f}em"'


def render_html(
    d: Derivation, classes: list[str] | None = None, id_value: str = "", attrs: dict[str, str] | None = None
) -> str:
    """The wrapper ``<div class="jacobian">`` holding the maths and the shape caption."""
    return wrap_html(maths_html(d), classes, id_value, attrs, unchecked=d.proof.warning() is not None)


def maths_html(d: Derivation, shown: Sequence[Display] | None = None) -> str:
    """What the wrapper holds: the maths in the block's output mode, the caption, and the verdicts.

    ``shown`` is the displays already made, when they are.
    """
    shown = displays(d) if shown is None else list(shown)
    output = d.block.options.output
    maths = "\n".join(_equation(display, output) for display in shown)
    tex = "\n".join(display_tex(display) for display in shown)
    warning = d.proof.warning()
    badge = f"\n{render_unchecked(warning)}" if warning is not None else ""
    lines = [html.escape(line) for line in caption_lines(d)]
    lines[-1] += check_mark(d)
    return (
        f'<div class="jacobian-maths" data-tex="{html.escape(tex)}">'
        f'<div class="jacobian-display"{_left_column(shown, output)}>\n{maths}\n</div></div>\n'
        f'<p class="jacobian-shape">{"<br>".join(lines)}</p>{badge}\n{claim_html(d)}'
    )


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


def bounded_displays(d: Derivation, limit: int) -> list[Display]:
    """The display equations, refused with a LimitError once printing them passes ``limit`` characters."""
    check_printable(d, limit)
    shown = displays(d)
    check_output([display_tex(display) for display in shown], limit)
    return shown


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
