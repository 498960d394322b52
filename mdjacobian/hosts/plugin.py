"""The MkDocs plugin: ``plugins: [mdjacobian]``. Wiring only; every block goes through the extension.

It adds the ``mdjacobian`` extension with the plugin's settings, ships the stylesheet and the math
font, names the page in block warnings, and turns the page's Arithmatex TeX into MathML so prose
formulas and blocks look the same. Under ``mkdocs serve`` a bad block never stops the server: its
error box is in the page and its warning in the terminal, and only ``mkdocs build`` fails on it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.utils import CountHandler, get_relative_url

from .fence import current_page, logger, page_errors_url, page_line_offset
from ..limits import check_timeout
from ..options import CHOICES, PRESENTATION_CHOICES

ASSETS = Path(__file__).parent.parent / "assets"
ASSET_DIR = "assets/mdjacobian"
ASSET_FILES = ("mdjacobian.css", "mdjacobian.js", "latinmodern-math.otf", "GUST-FONT-LICENSE.txt")
SETTINGS = ("output", "layout", "show", "timeout", "fail_fast", "source", "errors_url")
"""The plugin options handed to the Markdown extension."""


class _Seconds(c.BaseConfigOption[float]):
    """A time limit: 0 or a finite number of seconds in range, checked as the site's config is loaded."""

    def __init__(self, default: float) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> float:
        try:
            return check_timeout(value)
        except ValueError as exc:
            raise PluginError(f"mdjacobian: {exc}") from None


class _Jobs(c.BaseConfigOption[int]):
    """How many workers: 0 (one per core) or a positive whole number, checked as the config is loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.default = 0

    def run_validation(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1024:
            raise PluginError(f"mdjacobian: jobs must be 0 (one per core) or a whole number from 1 to 1024, not {value!r}")
        return value


class _Uncounted(logging.Filter):
    """Keeps mdjacobian's page warnings out of ``strict``'s count while serving, and counts them itself."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.logger_name = name
        self.seen = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == self.logger_name:
            self.seen += 1
            return False
        return True


class JacobianConfig(base.Config):
    """The plugin's options."""

    enabled = c.Type(bool, default=True)
    """Set to false to leave pages untouched (e.g. ``enabled: !ENV [MDJACOBIAN, true]``)."""
    output = c.Choice(CHOICES["output"], default=CHOICES["output"][0])
    """``mathml`` (native, no JavaScript) or ``tex`` (Arithmatex markup for MathJax/KaTeX)."""
    layout = c.Choice(CHOICES["layout"], default=CHOICES["layout"][0])
    """Default layout of blocks that do not choose one."""
    show = c.Choice(CHOICES["show"], default=CHOICES["show"][0])
    """Default display: ``result``, or ``full`` to show the matrix of partials first."""
    timeout = _Seconds(default=10.0)
    """Seconds one block may take; 0 turns the limit off."""
    fail_fast = c.Type(bool, default=False)
    """Stop the build at the first bad block (e.g. ``fail_fast: !ENV [CI, false]``); ``mkdocs serve`` never stops."""
    cache = c.Type(bool, default=True)
    """Keep rendered blocks, so that a block already built with the same text and settings is not computed again."""
    jobs = _Jobs()
    """How many blocks are computed at once, each in a worker process; 0 for one per core."""
    cache_dir = c.Type(str, default=".cache/mdjacobian")
    """Where rendered blocks are kept between builds, relative to the directory of ``mkdocs.yml``."""
    source = c.Choice(PRESENTATION_CHOICES["source"], default=PRESENTATION_CHOICES["source"][0])
    """Where blocks that do not say show their source: ``none``, ``above``, ``below``, ``tabbed-left``, ..."""
    errors_url = c.Type(str, default="")
    """The error reference error boxes link to: an address, or a page of this site (``reference/errors.md``)."""


class JacobianPlugin(BasePlugin[JacobianConfig]):
    """Compute ``jacobian`` blocks in an MkDocs site."""

    def load_config(self, options: dict[str, Any], config_file_path: str | None = None) -> Any:
        self.given = set(options)  # the options the site set, as opposed to defaults
        return super().load_config(options, config_file_path)

    def on_config(self, config: Any) -> Any:
        if not self.config.enabled:
            return config
        listed = [e for e in config.markdown_extensions if e in ("mdjacobian", "mdjacobian.extension")]
        name = listed[0] if listed else "mdjacobian"
        if not listed:
            config.markdown_extensions.append(name)
        # Options set on the plugin win; the extension's own configuration keeps the rest.
        settings = {key: self.config[key] for key in SETTINGS if key in getattr(self, "given", ())}
        if self.config.errors_url.endswith(".md"):
            settings.pop("errors_url")  # a page of this site: linked from each page in on_page_markdown
        caching = self._caching(config)
        if {"cache", "cache_dir"} & getattr(self, "given", set()):
            settings.update(caching)
        config.mdx_configs[name] = {**caching, **config.mdx_configs.get(name, {}), **settings}
        final = config.mdx_configs[name]
        if self._serving:
            final["fail_fast"] = False  # the server shows the bad block in its page and keeps serving
        # The directory this build's blocks go to, whichever configuration named it; pruned after the build.
        self._cache = (final.get("cache_dir") or None) if final.get("cache", True) else None
        config.extra_css.insert(0, f"{ASSET_DIR}/mdjacobian.css")
        config.extra_javascript.insert(0, f"{ASSET_DIR}/mdjacobian.js")  # the copy button
        return config

    def _caching(self, config: Any) -> dict[str, Any]:
        """The extension's cache settings: the cache directory resolved next to ``mkdocs.yml``."""
        if not self.config.cache:
            return {"cache": False, "cache_dir": ""}
        base = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        directory = (base / Path(self.config.cache_dir).expanduser()).resolve()
        for setting in ("docs_dir", "site_dir"):
            inside = Path(config[setting]).resolve()
            if directory == inside or inside in directory.parents:
                raise PluginError(f"mdjacobian: cache_dir {self.config.cache_dir!r} must not be inside {setting} ({inside})")
        return {"cache": True, "cache_dir": str(directory)}

    @property
    def _serving(self) -> bool:
        """Whether this process is ``mkdocs serve`` (not ``serve --clean``, which MkDocs runs as a build)."""
        return getattr(self, "_command", None) == "serve"

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._command = command
        self._dirty = dirty  # a dirty build renders only some pages: it must not prune the others' entries

    def on_pre_build(self, *, config: Any) -> None:
        if self.config.enabled and self._serving:
            self._uncount()
        if self.config.enabled and getattr(self, "_cache", None) is not None:
            from ..cache import cache_for

            cache_for(self._cache).start_build()

    def _uncount(self) -> None:
        """Under ``serve``, keep block warnings out of ``strict``'s count, so a bad block does not stop the server.

        MkDocs counts warnings for ``strict`` with a handler it adds to the ``mkdocs`` logger for
        each build; the warnings still reach the terminal through MkDocs' other handlers.
        """
        self._uncounted = _Uncounted(logger().name)
        for handler in logging.getLogger("mkdocs").handlers:
            if isinstance(handler, CountHandler):
                handler.addFilter(self._uncounted)

    def on_post_build(self, *, config: Any) -> None:
        uncounted = getattr(self, "_uncounted", None)
        if self.config.enabled and uncounted is not None and uncounted.seen:
            logger().info(
                "mdjacobian: %d warning(s) above show in the pages; the server keeps serving, and 'mkdocs build --strict' fails on them",
                uncounted.seen,
            )
        # Remove the entries no page of this build used, so the directory holds one site's blocks.
        if self.config.enabled and getattr(self, "_cache", None) is not None and not getattr(self, "_dirty", False):
            from ..cache import cache_for
            from .prefill import save_index

            if save_index():
                cache_for(self._cache).prune()

    def on_build_error(self, *, error: Exception) -> None:
        # A page stopped the build (fail_fast, an interrupt): the blocks of the pages after it are not needed.
        from .prefill import cancel

        _forget_page()
        cancel()

    def on_shutdown(self) -> None:
        from .prefill import cancel

        _forget_page()
        cancel()

    def on_files(self, files: Files, *, config: Any) -> Files:
        if self.config.enabled:
            self._prefill(files, config)
            for name in ASSET_FILES:
                files.append(File.generated(config, f"{ASSET_DIR}/{name}", abs_src_path=str(ASSETS / name)))
        return files

    def _prefill(self, files: Files, config: Any) -> None:
        """Compute every page's blocks into the cache, in parallel, before MkDocs renders the pages in turn."""
        from .. import workers
        from .extension import JacobianExtension
        from .prefill import prefill

        name = next(e for e in config.markdown_extensions if e in ("mdjacobian", "mdjacobian.extension"))
        settings = JacobianExtension(**config.mdx_configs.get(name, {})).mdjacobian_settings
        jobs = self.config.jobs or workers.DEFAULT_JOBS
        pages = []
        for file in files.documentation_pages():
            try:
                pages.append(file.content_string)
            except (OSError, UnicodeDecodeError):
                continue  # MkDocs reports an unreadable page itself
        prefill(pages, settings, jobs)

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Files) -> str:
        # Blocks are computed while this page's Markdown is converted, between this hook and the next.
        current_page.set(page.file.src_uri)
        page_line_offset.set(_lines_before(page, markdown))
        if self.config.enabled and self.config.errors_url.endswith(".md"):
            target = files.get_file_from_path(self.config.errors_url)
            if target is None:
                raise PluginError(f"mdjacobian: 'errors_url': there is no page {self.config.errors_url!r} in the site")
            page_errors_url.set(get_relative_url(target.url, page.url))
        return markdown

    def on_page_content(self, html: str, *, page: Any, config: Any, files: Files) -> str:
        _forget_page()
        if not self.config.enabled or self.config.output != "mathml":
            return html
        from ..render.mathml import arithmatex_to_mathml

        def report(tex: str, error: Exception) -> None:
            logger().warning("mdjacobian: %s: could not convert the formula %r to MathML: %s", page.file.src_uri, tex, error)

        return arithmatex_to_mathml(html, on_error=report)


def _forget_page() -> None:
    """No page is being converted: warnings of a later conversion in this process name none."""
    current_page.set(None)
    page_errors_url.set(None)
    page_line_offset.set(0)


def _lines_before(page: Any, markdown: str) -> int | None:
    """How many lines of the page's file precede ``markdown`` (its front matter, which MkDocs takes
    off); None when ``markdown`` is not the end of the file (another plugin changed it), since its
    lines then say nothing of the file's."""
    try:
        source = page.file.content_string
    except (OSError, UnicodeDecodeError):
        return None
    if not source.endswith(markdown):
        return None
    return source.count("\n", 0, len(source) - len(markdown))
