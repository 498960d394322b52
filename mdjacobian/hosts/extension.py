"""The Python-Markdown extension: ``markdown.markdown(text, extensions=["mdjacobian"])``.

With SuperFences in charge of fences (``pymdownx.superfences``, listed before or after
``mdjacobian``), the extension adds the ``jacobian`` custom fence to it, unless the page already
declares one. Without SuperFences it loads nothing: it finds ``jacobian`` fences itself
(:mod:`mdjacobian.hosts.plain`), at the top level and nested in lists, blockquotes, admonitions and
tabs, and leaves every other fence to ``fenced_code``, ``codehilite`` or whatever the page uses. A
page with no ``jacobian`` fence comes out exactly as it would without mdjacobian.
"""

from __future__ import annotations

import os
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from .fence import NAME, Settings, fence_format, fence_validator
from .plain import FenceFinder, Placeholders, RenderBlocks
from ..limits import Limits
from ..options import CHOICES, PRESENTATION_CHOICES, Options, Presentation, parse_option, parse_presentation


def _superfences_formatter(src: str = "", language: str = "", options: Any = None, md: Any = None, **kwargs: Any) -> str:
    # SuperFences calls registered formatters with keywords, src= first.
    return fence_format(src, language, NAME, options, md, **kwargs)


def _superfences_reset(md: Markdown) -> None:
    """Nothing to reset: blocks keep no per-document state."""


def _superfences(md: Markdown) -> Any:
    """The SuperFences extension in charge of fences, or None (no fences, or Python-Markdown's fenced_code)."""
    preprocessor = md.preprocessors["fenced_code_block"] if "fenced_code_block" in md.preprocessors else None
    extension = getattr(preprocessor, "extension", None)
    return extension if isinstance(getattr(extension, "superfences", None), list) else None


def _number(value: object) -> object:
    """A number written as text (``"5"``) as a float; any other value as it is, for Limits to check."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    return value


class _Fences(Preprocessor):
    """Add the ``jacobian`` fence to SuperFences when it will run; otherwise find the fences here."""

    def __init__(self, md: Markdown, finder: FenceFinder) -> None:
        super().__init__(md)
        self.finder = finder

    def run(self, lines: list[str]) -> list[str]:
        # Decided per document: the extensions listed after this one have registered by now.
        superfences = _superfences(self.md)
        if superfences is None:
            return self.finder.run(lines)
        self.finder.note_openings(lines)
        if not any(entry["name"] == NAME for entry in superfences.superfences):
            superfences.extend_super_fences(NAME, _superfences_formatter, fence_validator, _superfences_reset)
        return lines


class JacobianExtension(Extension):
    """Render ``jacobian`` fences as computed Jacobians, and leave every other part of the page as it was.

    Through SuperFences' custom fence when SuperFences handles the page's fences; otherwise by
    finding ``jacobian`` fences itself, loading no other extension.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "output": [CHOICES["output"][0], "How maths is written: 'mathml' (no JavaScript) or 'tex' (for MathJax/KaTeX)"],
            "layout": [CHOICES["layout"][0], "Default layout: 'numerator' (functions in rows) or 'denominator'"],
            "show": [CHOICES["show"][0], "Default display: 'result', 'full' (the matrix of partials first) or 'chain'"],
            "timeout": [Limits.timeout, "Seconds one block may take; 0 for no limit"],
            "fail_fast": [False, "Stop the build at the first bad block instead of showing an error box"],
            "cache": [True, "Reuse the HTML of blocks already rendered with the same text and settings"],
            "cache_dir": ["", "Directory to keep rendered blocks in between runs; empty for memory only"],
            "source": [
                PRESENTATION_CHOICES["source"][0],
                "Where blocks show their source: 'none', 'above', 'below', 'tabbed-left', 'tabbed-right' or 'material-block'",
            ],
            "errors_url": ["", "Address of the error reference page; error boxes link to their section of it"],
        }
        super().__init__(**kwargs)

    @property
    def mdjacobian_settings(self) -> Settings:
        """The configuration as typed settings, read once; a bad value raises ValueError naming it."""
        if getattr(self, "_settings", None) is None:
            self._settings = self._read_settings()
        return self._settings

    def _read_settings(self) -> Settings:
        config = self.getConfigs()
        defaults = Options(**{key: parse_option(key, config[key]) for key in ("output", "layout", "show")})
        try:
            limits = Limits(timeout=_number(config["timeout"]))
        except ValueError as exc:
            raise ValueError(f"mdjacobian: {exc}") from None
        cache_dir = config["cache_dir"]
        if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
            raise ValueError(f"mdjacobian: cache_dir must be a directory name, not {cache_dir!r}")
        presentation = Presentation(source=parse_presentation("source", config["source"]))
        return Settings(
            defaults=defaults,
            limits=limits,
            fail_fast=bool(config["fail_fast"]),
            cache=bool(config["cache"]),
            cache_dir=os.fspath(cache_dir) if cache_dir else None,
            presentation=presentation,
            errors_url=str(config["errors_url"] or ""),
        )

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's API
        md.registerExtension(self)
        self.mdjacobian_settings  # noqa: B018 - validate the configuration now, not at the first block
        self._finder = FenceFinder(md)
        # After normalize_whitespace (30), which would strip the stash markers of anything run earlier,
        # and before the fence preprocessor (25: fenced_code or SuperFences), so that a jacobian fence
        # is ours before fenced_code could take it for code.
        md.preprocessors.register(_Fences(md, self._finder), "mdjacobian_fence", 29)
        # Just before the indented-code processor (80), after those that take a block's indentation off
        # as theirs: lists (90), definition lists (85), pymdownx.blocks (89.99).
        md.parser.blockprocessors.register(Placeholders(md.parser, self._finder), "mdjacobian_placeholders", 80.5)
        # Before raw_html (30), which puts the stashed HTML into the page.
        md.postprocessors.register(RenderBlocks(md, self._finder), "mdjacobian_render", 35)

    def mdjacobian_fence_line(self, source: str) -> int | None:
        """The line of the Markdown the next ``jacobian`` fence with this source opens on, if noted."""
        finder = getattr(self, "_finder", None)
        return finder.opening_of(source) if finder is not None else None

    def reset(self) -> None:
        """Forget the previous document's fences."""
        finder = getattr(self, "_finder", None)
        if finder is not None:
            finder.clear()


def makeExtension(**kwargs: Any) -> JacobianExtension:  # noqa: N802 - the name Python-Markdown looks for
    """Return the extension; Python-Markdown calls this for ``extensions=["mdjacobian.extension"]``."""
    return JacobianExtension(**kwargs)
