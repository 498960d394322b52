"""The SuperFences custom fence: ``fence_validator`` and ``fence_format``.

Use them in ``custom_fences`` (MkDocs, Zensical, Pelican) or let the ``mdjacobian`` extension register
them. Every author mistake ends here: it is logged once, naming its line, and shown as an error box;
only ``fail_fast`` turns it into the one exception SuperFences lets through.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pymdownx.superfences import SuperFencesException

from ..errors import BlockError
from ..limits import Limits
from ..options import (
    PRESENTATION_CHOICES,
    Options,
    Presentation,
    parse_option,
    parse_presentation,
    read_presentation,
)

if TYPE_CHECKING:
    from markdown import Markdown

NAME = "jacobian"

current_page: ContextVar[str | None] = ContextVar("mdjacobian_page", default=None)
"""The page being converted, when a host (the MkDocs plugin) says which; named in warnings."""

page_errors_url: ContextVar[str | None] = ContextVar("mdjacobian_errors_url", default=None)
"""The error reference's address as seen from the page being converted, when a host works it out per page."""

page_line_offset: ContextVar[int | None] = ContextVar("mdjacobian_line_offset", default=0)
"""How many lines of the page's file precede the Markdown being converted (a front matter the host
took off), or None when the host cannot tell: then warnings name no line of the page."""

fence_at: ContextVar[int | None] = ContextVar("mdjacobian_fence_at", default=None)
"""The 1-based line of the Markdown that opens the fence being rendered, when the host knows it."""


class FailFast(SuperFencesException):
    """Raised instead of rendering an error box when ``fail_fast`` is on.

    It derives from SuperFences' exception because that is the only one SuperFences lets escape.
    """


@dataclass(frozen=True)
class Settings:
    """What a host configures: option defaults, limits, whether a bad block stops the build, and the cache.

    With ``cache`` on, rendered blocks are kept in memory for the process and, when ``cache_dir``
    is set, in files there for later builds (:mod:`mdjacobian.cache`).
    """

    defaults: Options = field(default_factory=Options)
    limits: Limits = field(default_factory=Limits)
    fail_fast: bool = False
    cache: bool = True
    cache_dir: str | None = None
    presentation: Presentation = field(default_factory=Presentation)
    """How blocks are shown where they do not say: ``source: none`` unless configured."""
    errors_url: str = ""
    """The address of the error reference; error boxes link to it when it is set."""


def logger() -> logging.Logger:
    """The logger for block warnings: under MkDocs, one whose warnings ``--strict`` counts."""
    return logging.getLogger("mkdocs.plugins.mdjacobian" if "mkdocs" in sys.modules else "mdjacobian")


def settings_for(md: Markdown | None) -> Settings:
    """The settings of the ``mdjacobian`` extension loaded into ``md``, or the defaults."""
    for extension in getattr(md, "registeredExtensions", ()):
        settings = getattr(extension, "mdjacobian_settings", None)
        if isinstance(settings, Settings):
            return settings
    return Settings()


def fence_validator(
    language: str, inputs: dict[str, str], options: dict[str, Any], attrs: dict[str, str], md: Markdown
) -> bool:
    """Accept a ``jacobian`` fence and keep its header options (``layout="denominator"``) for the formatter.

    A bad option is not rejected here, which would silently turn the block into plain code: it is
    kept and reported by the formatter in the page.
    """
    try:
        for key, value in inputs.items():
            if key in PRESENTATION_CHOICES:
                parse_presentation(key, value)
            else:
                parse_option(key, value)
    except BlockError as exc:
        options["error"] = exc.of("options")
    options["given"] = dict(inputs)
    return True


def page_line(error: BlockError) -> int | None:
    """The line of the page that ``error`` is on: the fence's line plus the line within the block
    (the fence's own line for an error of its options); None when the host does not know it."""
    fence, offset = fence_at.get(), page_line_offset.get()
    if fence is None or offset is None:
        return None
    return offset + fence + (error.line or 0)


def where_on_page(error: BlockError) -> str:
    """``norm.md:37: ``, as compilers name a place: the page and its line, as far as they are known."""
    page, line = current_page.get(), page_line(error)
    if page and line:
        return f"{page}:{line}: "
    if line:
        return f"line {line} of the Markdown: "  # no page named: the line of the text converted
    return f"{page}: " if page else ""


def report(error: BlockError, settings: Settings, classes: list[str] | None = None, id_value: str = "") -> str:
    """Log a block's error and return its error box, or raise FailFast when configured to."""
    from ..render import render_error

    warn(error)
    if settings.fail_fast:
        raise FailFast(f"{where_on_page(error)}jacobian block: {error}") from error
    return render_error(error, classes, id_value, errors_url(settings))


def warn(error: BlockError) -> None:
    """Log one warning for a block, naming the page and its line: an error, or a result shown unchecked."""
    where = where_on_page(error)
    try:
        logger().warning("mdjacobian: %sjacobian block: %s", where, error)
    except Exception as exc:
        # A host that makes warnings fatal (Pelican's --fatal warnings) raises here; SuperFences would
        # swallow that and print the block as code, so it leaves as the one exception it lets through.
        raise FailFast(f"{where}jacobian block: {error}") from exc


def warn_unchecked(html: str, expected: bool) -> None:
    """Warn about a result the page shows without its proof, unless the block says it expects that
    (``expect: unchecked``, which in turn warns when the result was proven after all)."""
    from ..render.errorbox import unchecked_in

    warning = unchecked_in(html)
    if warning is not None and not expected:
        warn(warning)
    elif warning is None and expected:
        warn(BlockError("expect: unchecked, but the result was checked; remove the line", kind="options"))


def warn_claim(html: str, expected: bool) -> None:
    """Warn about a block's ``claim:`` that the derivative refutes, unless the page shows the mistake on
    purpose (``expect: refuted``, which in turn warns when the claim is right, or when there is none)."""
    from ..render.errorbox import claim_in

    found = claim_in(html)
    if found is None:
        if expected:
            warn(BlockError("expect: refuted needs a 'claim:' line to refute", kind="options"))
        return
    status, warning = found
    if expected and status != "refuted":
        warn(BlockError("expect: refuted, but the claim was not refuted; remove the line or change the claim", kind="options"))
    elif warning is not None and not (expected and status == "refuted"):
        warn(warning)


def errors_url(settings: Settings) -> str:
    """Where error boxes link: the page's own way to the error reference, else the configured address."""
    return page_errors_url.get() or settings.errors_url


def fence_format(
    source: str,
    language: str = NAME,
    class_name: str = NAME,
    options: dict[str, Any] | None = None,
    md: Markdown | None = None,
    **kwargs: Any,
) -> str:
    """Render a ``jacobian`` fence to HTML: the Jacobian, or an error box naming the line.

    With ``source`` set (on the fence line, in the block or site-wide), the block's text is shown
    next to it; with ``expect: error``, the error box is the expected outcome and is not reported,
    while a block that computes is.
    """
    from ..render.errorbox import render_error

    options = options or {}
    settings = settings_for(md)
    if fence_at.get() is None:
        # Under SuperFences the formatter is not told where the fence is: the extension noted where
        # each jacobian fence of the page opens, and the source names it.
        line = fence_line_of(md, source)
        if line is not None:
            token = fence_at.set(line)
            try:
                return fence_format(source, language, class_name, options, md, **kwargs)
            finally:
                fence_at.reset(token)
    classes = [c for c in [class_name, *(kwargs.get("classes") or [])] if c and c != NAME]
    id_value = kwargs.get("id_value") or ""
    given = options.get("given", {})
    try:
        presentation = read_presentation(source, given, settings.presentation)
    except BlockError as error:
        return report(error.of("options"), settings, classes, id_value)
    given = {key: value for key, value in given.items() if key not in PRESENTATION_CHOICES}
    try:
        if "error" in options:
            raise options["error"]  # a bad option on the fence line, kept by fence_validator
        html = render(source, given, settings, classes, id_value)
    except BlockError as error:
        if presentation.expect != "error":
            html = report(error, settings, classes, id_value)
        else:
            html = render_error(error, classes, id_value, errors_url(settings))
    else:
        if presentation.expect == "error":
            expected = BlockError("expect: error, but the block computed; remove the line or fix the example", kind="options")
            html = report(expected, settings, classes, id_value)
        else:
            warn_unchecked(html, presentation.expect == "unchecked")
            warn_claim(html, presentation.expect == "refuted")
    if presentation.source == "none":
        return html
    from ..render.source import highlight_source, tabs_for, with_source

    return with_source(presentation.source, highlight_source(source, md), html, tabs_for(md))


def fence_line_of(md: Markdown | None, source: str) -> int | None:
    """The line the next fence of the page with this source opens on, as the extension noted it."""
    for extension in getattr(md, "registeredExtensions", ()):
        take = getattr(extension, "mdjacobian_fence_line", None)
        if callable(take):
            return take(source)
    return None


def render(source: str, given: dict[str, Any], settings: Settings, classes: list[str], id_value: str) -> str:
    """A block's HTML, from the cache when it holds this very block; raises BlockError like a computation."""
    from ..api import render_block

    def compute() -> str:
        return render_block(source, given, settings.defaults, settings.limits, classes, id_value)

    if not settings.cache:
        return compute()
    from ..cache import cache_for

    return cache_for(settings.cache_dir).compute(key_for(source, given, settings, classes, id_value), compute)


_KEYS: dict[tuple, str | None] = {}
_KEYS_KEPT = 8192


def key_for(source: str, given: dict[str, Any], settings: Settings, classes: list[str], id_value: str) -> str | None:
    """The cache key of a block as this host renders it; remembered, since a site build asks twice
    (once to fill the cache in parallel, once to render the page)."""
    from ..cache import block_key

    try:
        memo: tuple | None = _memo(source, given, settings, classes, id_value)
        found = _KEYS.get(memo)  # type: ignore[arg-type]
    except TypeError:  # an unhashable option value
        memo, found = None, None
    if found is not None:
        return found
    key = block_key(
        host="html", source=source, given=given, defaults=settings.defaults, limits=settings.limits, classes=classes, id=id_value
    )
    if memo is not None:
        _remember(memo, key)
    return key


def remember_key(source: str, given: dict[str, Any], settings: Settings, classes: list[str], id_value: str, key: str) -> None:
    """Note the key :func:`key_for` gave this block in an earlier build of the same settings and versions."""
    try:
        _remember(_memo(source, given, settings, classes, id_value), key)
    except TypeError:
        pass


def _memo(source: str, given: dict[str, Any], settings: Settings, classes: list[str], id_value: str) -> tuple:
    """What :func:`key_for` remembers a key under; hashing it raises TypeError for an unhashable option."""
    from ..cache import recipe

    memo = (source, tuple(sorted(given.items())), settings, tuple(classes), id_value, recipe())
    hash(memo)
    return memo


def _remember(memo: tuple, key: str | None) -> None:
    if len(_KEYS) >= _KEYS_KEPT:
        _KEYS.clear()
    _KEYS[memo] = key
