"""The walkthrough site, built for real and opened in headless Chromium.

Screenshots of every page (desktop, phone, both in dark mode) are saved under ``screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# MathJax 3's browser build, for the `output: tex` site: `npm install mathjax@3` in the project
# puts it here; MDJACOBIAN_MATHJAX may name another folder holding tex-chtml.js.
MATHJAX = Path(os.environ.get("MDJACOBIAN_MATHJAX", ROOT / "node_modules" / "mathjax" / "es5"))
READER_SHOTS = Path(os.environ.get("MDJACOBIAN_READER_SHOTS", SHOTS / "reader"))


def _need(condition: bool, reason: str) -> None:
    """Skip when a tool is missing on a developer's machine; in CI, where .ci/setup installs it, fail."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)]
    done = subprocess.run(mkdocs, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return out


def test_site_ships_its_assets(site):
    assets = site / "assets" / "mdjacobian"
    assert (assets / "latinmodern-math.otf").stat().st_size > 500_000
    assert (assets / "GUST-FONT-LICENSE.txt").exists()
    assert 'href="../assets/mdjacobian/mdjacobian.css"' in (site / "walkthrough" / "index.html").read_text()


def test_every_formula_became_mathml(site):
    from .sitecheck import ERRORS_ON_PURPOSE

    for page in site.rglob("*.html"):
        html = page.read_text()
        assert html.count('class="jacobian-error"') == ERRORS_ON_PURPOSE.get(page.relative_to(site).as_posix(), 0), page
        assert not re.search(r'class="arithmatex">\s*\\[\[(]', html), f"TeX left unconverted in {page}"
    gradients = (site / "walkthrough" / "gradients" / "index.html").read_text()
    assert gradients.count('<div class="jacobian">') >= 1
    assert "<math" in gradients


def test_pages_in_chromium(site):
    pytest.importorskip("playwright", reason="playwright is not installed: pip install -e '.[test]'")
    _need(Path(CHROMIUM).exists(), "Chromium is not installed: apt-get install chromium (.ci/setup does)")
    from .sitecheck import bracket_ratios, check_site

    report = check_site(site, SHOTS, chromium=CHROMIUM, require_font="Latin Modern Math")
    ratios = bracket_ratios(report)
    assert ratios, "no matrix was measured"
    assert min(r[-1] for r in ratios) >= 0.9
    rendered = [j for page in report["pages"] for j in page["jacobians"]]
    assert rendered and all(j["math"]["w"] > 0 and j["math"]["h"] > 0 for j in rendered)


# What readers reported: gaps inside cos(x), small fractions in matrices, a short evaluation bar,
# wide blocks that scroll without a hint, and blocks wider than their box on phones in tex mode.
READER_PAGE = dedent(
    """\
    # Blocks as readers see them

    ```{.jacobian #cos}
    f(x) = cos(x)
    ```

    ```{.jacobian #full}
    f(x1, x6) = atan(x1 x6)
    g(x1, x6) = x1 + sin(x6)
    show: full
    at: x1 = 1, x6 = 2
    ```

    ```{.jacobian #wide}
    f(x1, x2, x3, x4, x5, x6) = atan(x1 x6) + cos(x2 x3) + x4 x5^2
    g(x1, x2, x3, x4, x5, x6) = log(x1^2 + x2^2) + x3 x4 x5 x6
    show: full
    ```
    """
)
MATHJAX_CONFIG = """window.MathJax = {
  tex: {inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]], processEscapes: true},
  options: {ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex"}
};
"""


def _reader_site(root: Path, output: str) -> Path:
    """A Material site of the reader page, built with the plugin's ``output``; MathJax when tex."""
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text(READER_PAGE)
    scripts = ""
    if output == "tex":
        # The one script used and the fonts it loads from beside itself.
        shutil.copy(MATHJAX / "tex-chtml.js", docs / "tex-chtml.js")
        shutil.copytree(MATHJAX / "output" / "chtml" / "fonts" / "woff-v2", docs / "output" / "chtml" / "fonts" / "woff-v2")
        (docs / "mathjax-config.js").write_text(MATHJAX_CONFIG)
        scripts = "extra_javascript: [mathjax-config.js, tex-chtml.js]\n"
    (root / "mkdocs.yml").write_text(
        "site_name: reader\n"
        "theme:\n  name: material\n  font: false\n  palette:\n"
        "    - scheme: default\n      toggle: {icon: material/weather-night, name: dark}\n"
        "    - scheme: slate\n      toggle: {icon: material/weather-sunny, name: light}\n"
        f"plugins:\n  - mdjacobian:\n      output: {output}\n"
        "markdown_extensions: [attr_list, pymdownx.superfences, {pymdownx.arithmatex: {generic: true}}]\n"
        + scripts
    )
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"), "-d", str(root / "site")]
    done = subprocess.run(mkdocs, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return root / "site"


@pytest.fixture(scope="module")
def reader_view(tmp_path_factory):
    """Each output's reader page measured in Chromium at desktop and phone widths, light and dark."""
    pytest.importorskip("playwright", reason="playwright is not installed: pip install -e '.[test]'")
    _need(Path(CHROMIUM).exists(), "Chromium is not installed: apt-get install chromium (.ci/setup does)")
    from .sitecheck import check_reader

    outputs = ["mathml"] + (["tex"] if (MATHJAX / "tex-chtml.js").exists() else [])
    return {
        output: check_reader(_reader_site(tmp_path_factory.mktemp(output), output), READER_SHOTS / output, chromium=CHROMIUM)
        for output in outputs
    }


def _blocks(view, output):
    if output not in view:
        pytest.skip(f"MathJax 3 not found in {MATHJAX}: npm install mathjax@3")
    return [(page["mode"], b) for page in view[output] for b in page["blocks"]]


def test_parentheses_sit_tight_round_a_function_argument(reader_view):
    gaps = [(mode, g) for mode, b in _blocks(reader_view, "mathml") for g in b["gaps"]]
    assert any("cos" in g["text"] or "x" in g["text"] for _, g in gaps), "no parenthesis was measured"
    loose = [(mode, g) for mode, g in gaps if max(g["left"], g["right"]) > 1.0]
    assert not loose, loose


@pytest.mark.parametrize("output", ["mathml", "tex"])
def test_no_block_is_wider_than_its_box(reader_view, output):
    blocks = _blocks(reader_view, output)
    assert blocks and all(b["typeset"] for _, b in blocks), "maths was not typeset"
    wider = [(mode, b["id"], b["widest"], b["clientWidth"]) for mode, b in blocks if b["widest"] > b["clientWidth"] + 1]
    assert not wider, wider
    # cos(x) fits any screen, so it must not scroll, at 390 px neither.
    scrolling = [(mode, b["scrollWidth"], b["clientWidth"]) for mode, b in blocks if b["overflows"] and b["id"] == "cos"]
    assert not scrolling, scrolling


@pytest.mark.parametrize("output", ["mathml", "tex"])
def test_a_block_that_scrolls_shows_a_cue(reader_view, output):
    blocks = _blocks(reader_view, output)
    scrolling = [(mode, b) for mode, b in blocks if b["overflows"]]
    assert {mode for mode, _ in scrolling} >= {"phone", "phone-dark"}, "the wide block does not scroll on a phone"
    for mode, b in scrolling:
        assert b["background"].count("gradient(") == 4 and "local" in b["attachment"], (mode, b["id"])
