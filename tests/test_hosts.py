"""Every host, built for real: Python-Markdown, MkDocs (+ plugin), Material, Zensical, Pelican, ProperDocs.

Each test writes a tiny site into ``tmp_path``, runs the host's own command from this interpreter's
venv and checks the HTML. A test skips only when its host package is not installed, and says how to
install it (``pip install -e '.[hosts]'``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html import escape
from pathlib import Path
from textwrap import dedent

import markdown
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
INSTALL = "pip install -e '.[hosts]'"

BLOCK = """\
```jacobian
f(x, y) = 3x^2 y
g(x, y) = 2x + y^8
```
"""
CELL = "<mn>6</mn><mi>x</mi><mi>y</mi>"  # d(3x^2 y)/dx
SHAPE = '<p class="jacobian-shape">2 × 2 Jacobian, numerator layout'
OPEN = '<div class="jacobian">'


def indent(text: str) -> str:
    return "".join(f"    {line}" if line.strip() else line for line in text.splitlines(keepends=True))


# One block at top level, one in an admonition, one in a content tab.
NESTED = f"""\
# Jacobians

{BLOCK}
!!! note "In an admonition"

{indent(BLOCK)}
=== "A"

{indent(BLOCK)}
=== "B"

    Nothing here.
"""

BROKEN = """\
# Broken

```jacobian
f(x, y) = 3x^2 y
f = x + * y
```
"""


# Two blocks that show their source: tabs asked for in the block, "above" on the fence line. The
# comments hold characters HTML must escape, so each source is found once, escaped, by its comment.
TABBED_COMMENT = "# tabs <&> rows"
ABOVE_COMMENT = "# above <&> rows"
WITH_SOURCE = f"""\
# Sources

```jacobian
source: tabbed-left
f(x, y) = 3x^2 y  {TABBED_COMMENT}
g(x, y) = 2x + y^8
```

```jacobian source="above"
f(x, y) = 3x^2 y  {ABOVE_COMMENT}
g(x, y) = 2x + y^8
```
"""


def shown_with_source(html: str, tabs: bool) -> None:
    """Each block's source once, escaped, before its computed result; the first in tabs or labelled parts."""
    rendered(html, 2)
    tabbed, above = escape(TABBED_COMMENT), escape(ABOVE_COMMENT)
    assert html.count(tabbed) == 1 and html.count(above) == 1, html
    assert TABBED_COMMENT not in html and ABOVE_COMMENT not in html  # never unescaped
    assert "source: tabbed-left" in html  # the block as written, option line included
    first, second = (m.start() for m in re.finditer(re.escape(OPEN), html))
    assert html.index(tabbed) < first < html.index(above) < second
    if tabs:
        assert html.count('<div class="tabbed-set tabbed-alternate"') == 1  # the "above" block has none
        labels = re.search(r'<div class="tabbed-labels"><label [^>]*>Source</label><label [^>]*>Result</label></div>', html)
        assert labels and labels.start() < html.index(tabbed), html
    else:
        assert "tabbed-set" not in html
        source, result = html.index("jacobian-part-source"), html.index("jacobian-part-result")
        assert source < html.index(tabbed) < result < first
        assert html.count("jacobian-part-label") == 2


def tool(module: str, command: str | None = None) -> Path:
    """The host's command in this venv; skip (with the install hint) when the host is not installed."""
    pytest.importorskip(module, reason=f"{module} is not installed: {INSTALL}")
    path = BIN / (command or module)
    if not path.exists():
        pytest.skip(f"{path} is missing: {INSTALL}")
    return path


def run(*args: str | Path, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    # COLUMNS: Pelican's Rich log wraps at the terminal width, which would split the messages checked.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "COLUMNS": "250"}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if ok:
        assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text) if name.endswith((".yml", ".toml", ".py")) else text, encoding="utf-8")
    return root


def rendered(html: str, count: int) -> None:
    assert html.count(OPEN) == count, html
    assert html.count(CELL) == count
    assert html.count(SHAPE) == count
    assert html.count('<math displaystyle="true">') >= count  # the pieces of the displays
    assert 'class="jacobian-error"' not in html
    assert "```" not in html


# -- 1. Plain Python-Markdown -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extensions",
    [["mdjacobian"], ["pymdownx.superfences", "mdjacobian"], ["mdjacobian", "pymdownx.superfences"]],
    ids=["alone", "after-superfences", "before-superfences"],
)
def test_python_markdown(extensions):
    text = f"{BLOCK}\n1. In a list:\n\n{indent(BLOCK)}\n2. Next item\n"
    html = markdown.markdown(text, extensions=extensions)
    rendered(html, 2)
    assert re.search(r"<li>\s*<p>In a list:</p>\s*" + re.escape(OPEN), html)


# -- 2. MkDocs ----------------------------------------------------------------------------------------


def test_mkdocs_extension_only(tmp_path):
    mkdocs = tool("mkdocs")
    write(
        tmp_path,
        {
            "mkdocs.yml": """\
                site_name: Extension only
                theme: mkdocs
                markdown_extensions:
                  - mdjacobian
            """,
            "docs/index.md": f"# Home\n\n{BLOCK}",
        },
    )
    run(mkdocs, "build", "--strict", cwd=tmp_path)
    rendered((tmp_path / "site" / "index.html").read_text(encoding="utf-8"), 1)

    # Without the plugin the page is not named (nor is its line: MkDocs may have taken a front matter
    # off the Markdown), but a bad block still fails --strict.
    write(tmp_path, {"docs/broken.md": BROKEN})
    strict = run(mkdocs, "build", "--strict", cwd=tmp_path, ok=False)
    assert strict.returncode != 0
    assert "mdjacobian: line 5 of the Markdown: jacobian block: line 2: " in strict.stderr, strict.stderr


def test_mkdocs_plugin_broken_block_fails_strict(tmp_path):
    mkdocs = tool("mkdocs")
    pytest.importorskip("mdjacobian.plugin", reason="plugin not available yet")
    write(
        tmp_path,
        {
            "mkdocs.yml": """\
                site_name: Broken block
                theme: mkdocs
                plugins:
                  - mdjacobian
            """,
            "docs/index.md": f"# Home\n\n{BLOCK}",
            "docs/guide/broken.md": BROKEN,
        },
    )
    strict = run(mkdocs, "build", "--strict", cwd=tmp_path, ok=False)
    output = strict.stdout + strict.stderr
    assert strict.returncode != 0, output
    assert "mdjacobian: guide/broken.md:5: jacobian block: line 2: " in output, output

    # Without --strict the site builds, the good page renders and the bad one shows the error box.
    lenient = run(mkdocs, "build", cwd=tmp_path)
    assert "guide/broken.md:5: jacobian block: line 2: " in lenient.stderr
    rendered((tmp_path / "site" / "index.html").read_text(encoding="utf-8"), 1)
    broken = (tmp_path / "site" / "guide" / "broken" / "index.html").read_text(encoding="utf-8")
    assert '<div class="jacobian-error" role="alert">' in broken
    assert "line 2" in broken


def test_mkdocs_walkthrough_site(tmp_path):
    mkdocs = tool("mkdocs")
    config = ROOT / "mkdocs.yml"
    if not config.exists():
        pytest.skip(f"{config} does not exist yet")
    run(mkdocs, "build", "--strict", "-f", config, "-d", tmp_path / "site", cwd=ROOT)
    pages = list((tmp_path / "site").rglob("*.html"))
    assert pages
    blocks = 0
    # The error reference shows one error box on purpose (expect="error"); no other page has one.
    on_purpose = {"reference/errors/index.html": 1}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        name = page.relative_to(tmp_path / "site").as_posix()
        assert html.count('class="jacobian-error"') == on_purpose.get(name, 0), page
        blocks += html.count(OPEN)
    assert blocks >= 10


# -- 3. Material for MkDocs: the SuperFences custom fence, nested --------------------------------------


@pytest.mark.parametrize("plugins", ["[]", "[mdjacobian]"], ids=["fence", "fence+plugin"])
def test_material_custom_fence_nested(tmp_path, plugins):
    mkdocs = tool("mkdocs")
    pytest.importorskip("material", reason=f"mkdocs-material is not installed: {INSTALL}")
    if plugins != "[]":
        pytest.importorskip("mdjacobian.plugin", reason="plugin not available yet")
    write(
        tmp_path,
        {
            "mkdocs.yml": f"""\
                site_name: Material
                theme:
                  name: material
                  font: false  # no web fonts from the network
                plugins: {plugins}
                markdown_extensions:
                  - admonition
                  - pymdownx.tabbed:
                      alternate_style: true
                  - pymdownx.superfences:
                      custom_fences:
                        - name: jacobian
                          class: jacobian
                          format: !!python/name:mdjacobian.fence_format
                          validator: !!python/name:mdjacobian.fence_validator
            """,
            "docs/index.md": NESTED,
        },
    )
    run(mkdocs, "build", "--strict", cwd=tmp_path)
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    rendered(html, 3)
    assert re.search(r'<div class="admonition note">\s*<p class="admonition-title">In an admonition</p>\s*' + OPEN, html)
    assert re.search(r'<div class="tabbed-block">\s*' + OPEN, html)
    # With the plugin beside an explicit fence entry, the plugin's stylesheet is linked too.
    assert ("assets/mdjacobian/mdjacobian.css" in html) == (plugins != "[]")


# -- 4. Zensical ---------------------------------------------------------------------------------------

ZENSICAL = {
    "custom_fences": """\
        [project]
        site_name = "Zensical custom fence"

        [project.markdown_extensions]
        admonition = {}
        pymdownx.tabbed.alternate_style = true
        pymdownx.superfences.custom_fences = [
          { name = "jacobian", class = "jacobian", format = "mdjacobian.fence_format", validator = "mdjacobian.fence_validator" },
        ]
    """,
    "extension": """\
        [project]
        site_name = "Zensical extension"

        [project.markdown_extensions]
        admonition = {}
        pymdownx.tabbed.alternate_style = true
        mdjacobian = {}
    """,
}


@pytest.mark.parametrize("config", sorted(ZENSICAL))
def test_zensical(tmp_path, config):
    zensical = tool("zensical")
    write(tmp_path, {"zensical.toml": ZENSICAL[config], "docs/index.md": NESTED})
    # --clean: Zensical caches rendered pages in .cache and would otherwise not run the fence again.
    run(zensical, "build", "--clean", "--strict", "-f", tmp_path / "zensical.toml", cwd=tmp_path)
    rendered((tmp_path / "site" / "index.html").read_text(encoding="utf-8"), 3)


@pytest.mark.parametrize("config", sorted(ZENSICAL))
def test_zensical_shows_the_source_beside_the_result(tmp_path, config):
    zensical = tool("zensical")
    write(tmp_path, {"zensical.toml": ZENSICAL[config], "docs/index.md": WITH_SOURCE})
    run(zensical, "build", "--clean", "--strict", "-f", tmp_path / "zensical.toml", cwd=tmp_path)
    shown_with_source((tmp_path / "site" / "index.html").read_text(encoding="utf-8"), tabs=True)


def test_zensical_fail_fast(tmp_path):
    zensical = tool("zensical")
    config = """\
        [project]
        site_name = "Zensical fail_fast"

        [project.markdown_extensions]
        mdjacobian = { fail_fast = true }
    """
    write(tmp_path, {"zensical.toml": config, "docs/index.md": BROKEN})
    done = run(zensical, "build", "--clean", "--strict", "-f", tmp_path / "zensical.toml", cwd=tmp_path, ok=False)
    assert done.returncode != 0
    assert "jacobian block: line 2: " in done.stderr, done.stderr


# -- 5. Pelican ------------------------------------------------------------------------------------------


def pelican_site(root: Path, page: str, settings: str = "{}", others: str = "") -> None:
    """A Pelican site with one article, ``hello.md``; ``settings`` is the extension's config dict.

    ``others`` adds entries to ``extension_configs`` before it, as Python source.
    """
    write(
        root,
        {
            "pelicanconf.py": f"""\
                SITENAME = "Pelican"
                PATH = "content"
                TIMEZONE = "UTC"
                DEFAULT_LANG = "en"
                SITEURL = ""
                RELATIVE_URLS = True
                FEED_ALL_ATOM = None
                CATEGORY_FEED_ATOM = None
                TRANSLATION_FEED_ATOM = None
                AUTHOR_FEED_ATOM = None
                AUTHOR_FEED_RSS = None
                LOAD_CONTENT_CACHE = False
                # MARKDOWN replaces Pelican's defaults, so meta (for the header) is listed again.
                MARKDOWN = {{
                    "extension_configs": {{{others}"markdown.extensions.meta": {{}}, "mdjacobian": {settings}}},
                    "output_format": "html5",
                }}
            """,
            "content/hello.md": f"Title: Hello\nDate: 2024-01-01\nSlug: hello\n\n{page}",
        },
    )


def pelican_build(pelican: Path, root: Path, *options: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    settings = root / "pelicanconf.py"
    return run(pelican, root / "content", "-s", settings, "-o", root / "output", *options, cwd=root, ok=ok)


def pelican_body(root: Path) -> str:
    """The article's body only: the theme repeats the content in summaries and meta tags."""
    html = (root / "output" / "hello.html").read_text(encoding="utf-8")
    body = re.search(r'<div class="entry-content">(.*?)</div><!-- /\.entry-content -->', html, re.DOTALL)
    assert body, html
    return body.group(1)


def test_pelican(tmp_path):
    pelican = tool("pelican")
    pelican_site(tmp_path, f"{BLOCK}\n1. In a list:\n\n{indent(BLOCK)}")
    pelican_build(pelican, tmp_path, "--fatal", "warnings")
    rendered(pelican_body(tmp_path), 2)


@pytest.mark.parametrize(
    ("others", "tabs"),
    [("", False), ('"pymdownx.superfences": {}, "pymdownx.tabbed": {"alternate_style": True}, ', True)],
    ids=["markdown-only", "superfences+tabbed"],
)
def test_pelican_shows_the_source_beside_the_result(tmp_path, others, tabs):
    pelican = tool("pelican")
    pelican_site(tmp_path, WITH_SOURCE, others=others)
    pelican_build(pelican, tmp_path, "--fatal", "warnings")
    shown_with_source(pelican_body(tmp_path), tabs)


def test_pelican_default_extensions_keep_line_numbers(tmp_path):
    """Pelican's default MARKDOWN (codehilite, extra, meta) with linenums: code blocks keep their line numbers."""
    pelican = tool("pelican")
    codehilite = {"css_class": "highlight", "linenums": True}
    python = "```python\nx = 1\ny = 2\n```\n"
    pelican_site(
        tmp_path,
        f"{python}\n{BLOCK}\n1. In a list:\n\n{indent(BLOCK)}",
        others=f'"markdown.extensions.codehilite": {codehilite!r}, "markdown.extensions.extra": {{}}, ',
    )
    pelican_build(pelican, tmp_path, "--fatal", "warnings")
    body = pelican_body(tmp_path)
    rendered(body, 2)
    # The code block is exactly what Python-Markdown makes of it with the same settings and no mdjacobian.
    expected = markdown.Markdown(
        extensions=["codehilite", "extra", "meta"], extension_configs={"codehilite": codehilite}, output_format="html5"
    ).convert(python)
    assert '<td class="linenos">' in expected
    assert expected in body


def test_pelican_fail_fast(tmp_path):
    pelican = tool("pelican")
    pelican_site(tmp_path, BROKEN, '{"fail_fast": True}')
    # Pelican logs the failed article as an error; --fatal errors turns that into a failed build.
    done = pelican_build(pelican, tmp_path, "--fatal", "errors", ok=False)
    assert done.returncode != 0
    assert "line 2" in done.stdout + done.stderr


def test_pelican_fatal_warnings_fails_on_bad_block(tmp_path):
    """--fatal warnings makes Pelican's logger raise; the block must stop the build, not turn into code."""
    pelican = tool("pelican")
    pelican_site(tmp_path, BROKEN)
    done = pelican_build(pelican, tmp_path, "--fatal", "warnings", ok=False)
    assert done.returncode != 0, (tmp_path / "output" / "hello.html").read_text(encoding="utf-8")


# -- 6. ProperDocs ----------------------------------------------------------------------------------------


def test_properdocs(tmp_path):
    properdocs = tool("properdocs")
    pytest.importorskip("properdocs_theme_mkdocs", reason=f"properdocs-theme-mkdocs is not installed: {INSTALL}")
    write(
        tmp_path,
        {
            "properdocs.yml": """\
                site_name: ProperDocs
                theme:
                  name: mkdocs
                markdown_extensions:
                  - mdjacobian
            """,
            "docs/index.md": f"# Home\n\n{BLOCK}",
        },
    )
    build = (properdocs, "build", "--strict", "-f", tmp_path / "properdocs.yml", "-d", tmp_path / "site")
    run(*build, cwd=tmp_path)
    rendered((tmp_path / "site" / "index.html").read_text(encoding="utf-8"), 1)

    write(tmp_path, {"docs/broken.md": BROKEN})
    strict = run(*build, cwd=tmp_path, ok=False)
    assert strict.returncode != 0
    assert "jacobian block: line 2: " in strict.stderr, strict.stderr
