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
from ..options import Options, parse_option

if TYPE_CHECKING:
    from markdown import Markdown

NAME = "jacobian"

current_page: ContextVar[str | None] = ContextVar("mdjacobian_page", default=None)
"""The page being converted, when a host (the MkDocs plugin) says which; named in warnings."""


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
            parse_option(key, value)
    except BlockError as exc:
        options["error"] = exc
    options["given"] = dict(inputs)
    return True


def report(error: BlockError, settings: Settings, classes: list[str] | None = None, id_value: str = "") -> str:
    """Log a block's error and return its error box, or raise FailFast when configured to."""
    from ..render import render_error

    page = current_page.get()
    where = f"{page}: " if page else ""
    try:
        logger().warning("mdjacobian: %sjacobian block: %s", where, error)
    except Exception as exc:
        # A host that makes warnings fatal (Pelican's --fatal warnings) raises here; SuperFences would
        # swallow that and print the block as code, so it leaves as the one exception it lets through.
        raise FailFast(f"{where}jacobian block: {error}") from exc
    if settings.fail_fast:
        raise FailFast(f"{where}jacobian block: {error}") from error
    return render_error(error, classes, id_value)


def fence_format(
    source: str,
    language: str = NAME,
    class_name: str = NAME,
    options: dict[str, Any] | None = None,
    md: Markdown | None = None,
    **kwargs: Any,
) -> str:
    """Render a ``jacobian`` fence to HTML: the Jacobian, or an error box naming the line."""
    options = options or {}
    settings = settings_for(md)
    classes = [c for c in [class_name, *(kwargs.get("classes") or [])] if c and c != NAME]
    id_value = kwargs.get("id_value") or ""
    try:
        if "error" in options:
            raise options["error"]
        return render(source, options.get("given", {}), settings, classes, id_value)
    except BlockError as error:
        return report(error, settings, classes, id_value)


def render(source: str, given: dict[str, Any], settings: Settings, classes: list[str], id_value: str) -> str:
    """A block's HTML, from the cache when it holds this very block; raises BlockError like a computation."""
    from ..api import render_block

    def compute() -> str:
        return render_block(source, given, settings.defaults, settings.limits, classes, id_value)

    if not settings.cache:
        return compute()
    from ..cache import block_key, cache_for

    key = block_key(
        host="html", source=source, given=given, defaults=settings.defaults, limits=settings.limits, classes=classes, id=id_value
    )
    return cache_for(settings.cache_dir).compute(key, compute)
