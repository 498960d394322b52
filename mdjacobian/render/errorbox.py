"""The error box a page shows in place of a block that cannot be computed, and the warning badge of a
result shown without its proof.

Free of SymPy, so that a page whose blocks come from the cache renders its error boxes without
loading it, and a host reads an unchecked result's warning back from its cached HTML.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from ..errors import BlockError, Unchecked

if TYPE_CHECKING:
    from ..errors import BlockError

UNCHECKED_MARK = "⚠"
_UNCHECKED = re.compile(r'<p class="jacobian-check jacobian-check-skipped" role="note" data-line="(\d*)" data-reason="([^"]*)">')


def attributes(classes: list[str], id_value: str = "", attrs: dict[str, str] | None = None) -> str:
    parts = []
    if id_value:
        parts.append(f' id="{html.escape(id_value)}"')
    parts.append(' class="{}"'.format(html.escape(" ".join(classes))))
    for key, value in (attrs or {}).items():
        parts.append(f' {html.escape(key)}="{html.escape(str(value))}"')
    return "".join(parts)


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
    wrapper = attributes(["jacobian-error", *(classes or [])], id_value)
    return f'<div{wrapper} role="alert">\n{message}{listing}{error_link(error, errors_url)}\n</div>'


def unchecked_text(reason: str) -> str:
    """``⚠ Not checked numerically: <reason>``: how every host shows a result left unchecked."""
    return f"{UNCHECKED_MARK} Not checked numerically: {reason}"


def render_unchecked(warning: Unchecked) -> str:
    """The badge under an unchecked result: the mark, the words and the reason, never only a colour.

    It carries the warning's line and reason, so that a host that gets the HTML from the cache
    reports the same warning (:func:`unchecked_in`).
    """
    reason = warning.reason.removeprefix("not checked numerically: ")
    line = "" if warning.line is None else str(warning.line)
    return (
        f'<p class="jacobian-check jacobian-check-skipped" role="note" data-line="{line}" data-reason="{html.escape(reason)}">'
        f'<span class="jacobian-check-mark" aria-hidden="true">{UNCHECKED_MARK}</span> '
        f"<strong>Not checked numerically:</strong> {html.escape(reason, quote=False)}</p>"
    )


_CLAIM = re.compile(r'<p class="jacobian-claim jacobian-claim-(\w+)" role="note"(?: data-line="(\d*)" data-reason="([^"]*)")?>')


def claim_in(page: str) -> tuple[str, BlockError | None] | None:
    """The verdict on a block's ``claim:`` in its HTML (as :func:`~mdjacobian.render.html.claim_html`
    wrote it), with the warning to report for it (None for a proven claim); None without a claim."""
    found = _CLAIM.search(page)
    if found is None:
        return None
    status, line, reason = found.groups()
    if reason is None:
        return status, None
    error = BlockError(html.unescape(reason), kind="expressions")
    return status, error.at(int(line), "") if line else error


def unchecked_in(page: str) -> Unchecked | None:
    """The warning of an unchecked result whose HTML is ``page`` (as :func:`render_unchecked` wrote it), or None."""
    found = _UNCHECKED.search(page)
    if found is None:
        return None
    warning = Unchecked(html.unescape(found.group(2)))
    line = found.group(1)
    return warning.at(int(line), "") if line else warning
