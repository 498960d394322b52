"""The Python-Markdown extension: ``markdown.markdown(text, extensions=["mdjacobian"])``.

Fences are found by SuperFences, which handles fences in lists, admonitions and tabs. The extension
loads SuperFences when the page has not, and adds the ``jacobian`` fence to whichever SuperFences
instance ends up in charge, whatever order the extensions were listed in.
"""

from __future__ import annotations

from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from .fence import NAME, Settings, fence_format, fence_validator
from ..limits import Limits
from ..options import CHOICES, Options, parse_option


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


class _WireFence(Preprocessor):
    """Add the ``jacobian`` fence to the SuperFences instance that will run, unless it has one."""

    def run(self, lines: list[str]) -> list[str]:
        superfences = _superfences(self.md)
        restored = superfences is None
        if restored:
            # fenced_code was listed after us and replaced SuperFences; SuperFences does all it does.
            self.md.registerExtensions(["pymdownx.superfences"], {})
            superfences = _superfences(self.md)
        if not any(entry["name"] == NAME for entry in superfences.superfences):
            superfences.extend_super_fences(NAME, _superfences_formatter, fence_validator, _superfences_reset)
        if restored:
            # This pass iterates a snapshot that still holds fenced_code: run SuperFences now.
            return self.md.preprocessors["fenced_code_block"].run(lines)
        return lines


class JacobianExtension(Extension):
    """Render ``jacobian`` fences as computed Jacobians."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "output": [CHOICES["output"][0], "How maths is written: 'mathml' (no JavaScript) or 'tex' (for MathJax/KaTeX)"],
            "layout": [CHOICES["layout"][0], "Default layout: 'numerator' (functions in rows) or 'denominator'"],
            "show": [CHOICES["show"][0], "Default display: 'result', 'full' (the matrix of partials first) or 'chain'"],
            "timeout": [Limits.timeout, "Seconds one block may take; 0 for no limit"],
            "fail_fast": [False, "Stop the build at the first bad block instead of showing an error box"],
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
            timeout = float(config["timeout"])
        except (TypeError, ValueError):
            raise ValueError(f"mdjacobian: timeout must be a number of seconds, not {config['timeout']!r}") from None
        return Settings(defaults=defaults, limits=Limits(timeout=timeout), fail_fast=bool(config["fail_fast"]))

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's API
        md.registerExtension(self)
        self.mdjacobian_settings  # noqa: B018 - validate the configuration now, not at the first block
        if _superfences(md) is None:
            md.registerExtensions(["pymdownx.superfences"], {})
        # After normalize_whitespace (30), which would strip the stash markers of anything run earlier,
        # and before the fence preprocessor (25) that it wires.
        md.preprocessors.register(_WireFence(md), "mdjacobian_fence", 29)


def makeExtension(**kwargs: Any) -> JacobianExtension:  # noqa: N802 - the name Python-Markdown looks for
    """Return the extension; Python-Markdown calls this for ``extensions=["mdjacobian.extension"]``."""
    return JacobianExtension(**kwargs)
