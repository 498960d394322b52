"""The Sphinx extension: ``extensions = ["mdjacobian.sphinx"]`` adds a ``jacobian`` directive.

It works in reStructuredText (``.. jacobian::``) and in MyST Markdown (```` ```{jacobian} ````, or
```` ```jacobian ```` with ``myst_fence_as_directive = ["jacobian"]``). In HTML a block is the
package's MathML, which needs no script and no network; every other builder (LaTeX and PDF among
them) gets Sphinx's own ``math_block`` nodes, as do HTML builders with ``output: tex``. Unless the
site chose another, the extension is also Sphinx's HTML maths renderer: prose ``:math:`` and
``.. math::`` become MathML at build time instead of waiting for MathJax from a CDN. A bad block is a
Sphinx warning at the document line it is on (so ``-W`` fails the build) and an error box in the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StateMachine
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.fileutil import copy_asset_file

from ..errors import BlockError
from ..limits import Limits, check_timeout
from ..options import CHOICES, OPTION_NAMES, Options, parse_option, suggest
from .common import caption_line, checked_options, unchecked_line

logger = logging.getLogger(__name__)

ASSETS = Path(__file__).parent.parent / "assets"
ASSET_FILES = ("mdjacobian.css", "latinmodern-math.otf", "GUST-FONT-LICENSE.txt")
STATIC_DIR = "mdjacobian"
"""Where the stylesheet and the math font go under ``_static`` in HTML output."""

DEFAULT_OUTPUT = "mathml"
"""The package's MathML in HTML, Sphinx's math nodes elsewhere, unless a site or block asks for ``tex``."""

RENDERER = "mdjacobian"
"""The name of the HTML maths renderer the extension registers (``html_math_renderer``)."""

_FENCE_OPTION = re.compile(r"""\s*([A-Za-z_][\w-]*)=(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")


def fence_options(text: str) -> dict[str, str]:
    """Options written after the directive name, as on a Markdown fence line: ``layout="denominator"``."""
    options: dict[str, str] = {}
    position, text = 0, text.strip()
    while position < len(text):
        match = _FENCE_OPTION.match(text, position)
        if match is None:
            rest = text[position:].strip()
            raise BlockError(f"expected options such as layout=\"denominator\" after 'jacobian', not {rest!r}")
        key = match.group(1)
        if key in options:
            raise BlockError(f"option '{key}' is set twice after 'jacobian'")
        options[key] = next(value for value in match.groups()[1:] if value is not None)
        position = match.end()
    return options


def settings(config: Config) -> tuple[Options, Limits]:
    """The site's defaults and limits from ``conf.py``; a bad value raises ConfigError naming it."""
    raw = config.mdjacobian_defaults
    if not isinstance(raw, Mapping):
        raise ConfigError(f"mdjacobian_defaults must be a dict such as {{'layout': 'denominator'}}, not {raw!r}")
    values: dict[str, Any] = {"output": DEFAULT_OUTPUT}
    for key, value in raw.items():
        if key not in CHOICES:
            valid = ", ".join(CHOICES)
            raise ConfigError(f"mdjacobian_defaults: unknown setting {key!r}{suggest(str(key), CHOICES)}; valid settings: {valid}")
        try:
            values[key] = parse_option(key, value)
        except BlockError as error:
            raise ConfigError(f"mdjacobian_defaults: {error}") from None
    try:
        limits = Limits(timeout=check_timeout(config.mdjacobian_timeout, "mdjacobian_timeout"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return Options(**values), limits


class JacobianDirective(SphinxDirective):
    """``.. jacobian::`` with the block as content and the block's options as directive options."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {
        **{name: directives.unchanged for name in OPTION_NAMES},
        "name": directives.unchanged,
        "class": directives.class_option,
    }

    def run(self) -> list[nodes.Node]:
        from ..api import evaluate

        defaults, limits = settings(self.config)
        try:
            result = evaluate("\n".join(self.content), limits=limits, defaults=defaults, **self._given())
        except BlockError as error:
            return self._report(error)
        if result.warning is not None:
            self._warn(result.warning)
        classes = self.options.get("class", [])
        if result.output == "mathml":
            # HTML builders get the package's HTML, which is a <div class="jacobian"> of its own;
            # the other builders get the maths.
            html = addnodes.only(expr="format_html")
            html += nodes.raw("", result.to_html(), format="html")
            other = addnodes.only(expr="not format_html")
            other += self._maths(result)
            container = nodes.container("", html, other, classes=classes)
        else:
            unchecked = ["jacobian-unchecked"] if result.warning is not None else []
            container = nodes.container("", *self._maths(result), classes=["jacobian", *unchecked, *classes])
        self.set_source_info(container)
        self.add_name(container)
        return [container]

    def _given(self) -> dict[str, str]:
        """The block's options from the fence line and the directive options; setting one twice is an error."""
        given = checked_options(fence_options(self.arguments[0])) if self.arguments else {}
        for key in OPTION_NAMES:
            if key in self.options:
                if key in given:
                    raise BlockError(f"option '{key}' is set both after 'jacobian' and as :{key}:")
                given[key] = self.options[key] or ""
        return given

    def _maths(self, result: Any) -> list[nodes.Node]:
        maths: list[nodes.Node] = []
        for tex in result.equations:
            node = nodes.math_block(tex, tex, docname=self.env.docname, number=None, label=None, nowrap=False)
            self.set_source_info(node)
            maths.append(node)
        maths.append(nodes.paragraph("", caption_line(result), classes=["jacobian-shape"]))
        unchecked = unchecked_line(result)
        if unchecked is not None:
            maths.append(nodes.paragraph("", unchecked, classes=["jacobian-check", "jacobian-check-skipped"]))
        return maths

    def _source_line(self, line: int | None) -> tuple[str, int]:
        """The file and line of a block line (1-based), or of the directive when ``line`` is None."""
        if line is None or not 0 < line <= len(self.content):
            return self.get_source_info()
        if isinstance(self.state_machine, StateMachine):
            # docutils: each content line carries its own source and 0-based offset, includes too.
            source, offset = self.content.info(line - 1)
            return source, offset + 1
        # MyST: the content starts below the opening line and content_offset lines of options.
        source, _ = self.get_source_info()
        return source, self.lineno + self.content_offset + line

    def _warn(self, error: BlockError) -> None:
        """One Sphinx warning at the document line the block line is on: an error, or a result left unchecked."""
        source, line = self._source_line(error.line)
        logger.warning("jacobian block: %s", error, location=f"{source}:{line}", type="mdjacobian", subtype="block")

    def _report(self, error: BlockError) -> list[nodes.Node]:
        from ..render import render_error

        self._warn(error)
        html = addnodes.only(expr="format_html")
        html += nodes.raw("", render_error(error, self.options.get("class")), format="html")
        other = addnodes.only(expr="not format_html")
        other += nodes.paragraph("", f"jacobian: {error}", classes=["jacobian-error"])
        return [html, other]


def _check_config(app: Sphinx, config: Config) -> None:
    settings(config)
    # Become the HTML maths renderer where the site left the choice to Sphinx and no other extension
    # offers one (Sphinx picks the one renderer besides MathJax), or where the site names it.
    offered = set(app.registry.html_inline_math_renderers) - {"mathjax"}
    if config.html_math_renderer == RENDERER or (config.html_math_renderer is None and not offered):
        app.add_html_math_renderer(RENDERER, (_visit_math, None), (_visit_math_block, None))


def _mathml(translator: Any, node: nodes.Element, tex: str, display: bool) -> str:
    """A formula as MathML, or, when it cannot be converted, its TeX and a warning at its line."""
    from ..render.mathml import prose_to_mathml

    try:
        return prose_to_mathml(tex, display)
    except BlockError as first:
        if display and "\\\\" in tex and "\\begin" not in tex:  # several lines: align them, as MathJax would
            try:
                return prose_to_mathml(f"\\begin{{aligned}}{tex}\\end{{aligned}}", display)
            except BlockError:
                pass
        logger.warning("could not convert the formula %r to MathML: %s", tex, first, location=node, type="mdjacobian", subtype="math")
        return translator.encode(tex)


def _visit_math(self: Any, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_mathml(self, node, node.astext(), display=False) + "</span>")
    raise nodes.SkipNode


def _visit_math_block(self: Any, node: nodes.math_block) -> None:
    from sphinx.locale import _
    from sphinx.util.math import get_node_equation_number

    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    self.body.append("".join(_mathml(self, node, part.strip(), display=True) for part in parts) + "</div>\n")
    raise nodes.SkipNode


def _add_stylesheet(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.add_css_file(f"{STATIC_DIR}/mdjacobian.css")


def _copy_assets(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / STATIC_DIR
        target.mkdir(parents=True, exist_ok=True)
        for name in ASSET_FILES:
            copy_asset_file(ASSETS / name, target, force=True)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive, its configuration values and the stylesheet."""
    app.add_config_value(
        "mdjacobian_defaults", {}, "env", types=frozenset({dict}), description="Default block options"
    )
    app.add_config_value(
        "mdjacobian_timeout", Limits.timeout, "env", types=frozenset({int, float}), description="Seconds per block"
    )
    app.add_directive("jacobian", JacobianDirective)
    app.connect("config-inited", _check_config)
    app.connect("builder-inited", _add_stylesheet)
    app.connect("build-finished", _copy_assets)
    return {"version": version("mdjacobian"), "parallel_read_safe": True, "parallel_write_safe": True}
