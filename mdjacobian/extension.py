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
from .limits import Limits
from .options import CHOICES, Options, parse_option


def _superfences_formatter(src: str = "", language: str = "", options: Any = None, md: Any = None, **kwargs: Any) -> str:
    # SuperFences calls registered formatters with keywords, src= first.
    return fence_format(src, language, NAME, options, md, **kwargs)


def _superfences_reset(md: Markdown) -> None:
    """Nothing to reset: blocks keep no per-document state."""


class _WireFence(Preprocessor):
    """Add the ``jacobian`` fence to the SuperFences instance that will run, unless it has one."""

    def run(self, lines: list[str]) -> list[str]:
        if "fenced_code_block" in self.md.preprocessors:
            superfences = getattr(self.md.preprocessors["fenced_code_block"], "extension", None)
            entries = getattr(superfences, "superfences", None)
            if entries is not None and not any(entry["name"] == NAME for entry in entries):
                superfences.extend_super_fences(NAME, _superfences_formatter, fence_validator, _superfences_reset)
        return lines


class JacobianExtension(Extension):
    """Render ``jacobian`` fences as computed Jacobians."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "output": [CHOICES["output"][0], "How maths is written: 'mathml' (no JavaScript) or 'tex' (for MathJax/KaTeX)"],
            "layout": [CHOICES["layout"][0], "Default layout: 'numerator' (functions in rows) or 'denominator'"],
            "show": [CHOICES["show"][0], "Default display: 'result', or 'full' to show the matrix of partials first"],
            "timeout": [Limits.timeout, "Seconds one block may take; 0 for no limit"],
            "fail_fast": [False, "Stop the build at the first bad block instead of showing an error box"],
        }
        super().__init__(**kwargs)

    @property
    def mdjacobian_settings(self) -> Settings:
        """The configuration as typed settings; a bad value raises ValueError naming the setting."""
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
        if "fenced_code_block" not in md.preprocessors:
            md.registerExtensions(["pymdownx.superfences"], {})
        # Runs before any fence preprocessor (SuperFences registers at 25).
        md.preprocessors.register(_WireFence(md), "mdjacobian_fence", 40)


def makeExtension(**kwargs: Any) -> JacobianExtension:  # noqa: N802 - the name Python-Markdown looks for
    """Return the extension; Python-Markdown calls this for ``extensions=["mdjacobian.extension"]``."""
    return JacobianExtension(**kwargs)
