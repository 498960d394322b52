"""The walkthrough site, built for real and opened in headless Chromium.

Screenshots of every page (desktop and phone) are saved under ``screenshots/``.
"""

from __future__ import annotations

import html
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
    page = (site / "walkthrough" / "index.html").read_text()
    assert 'href="../assets/mdjacobian/mdjacobian.css"' in page
    assert (assets / "mdjacobian.js").stat().st_size > 1000
    assert '<script src="../assets/mdjacobian/mdjacobian.js"' in page


def test_every_formula_became_mathml(site):
    from .sitecheck import ERRORS_ON_PURPOSE

    for page in site.rglob("*.html"):
        html = page.read_text()
        assert html.count('class="jacobian-error"') == ERRORS_ON_PURPOSE.get(page.relative_to(site).as_posix(), 0), page
        assert not re.search(r'class="arithmatex">\s*\\[\[(]', html), f"TeX left unconverted in {page}"
    gradients = (site / "walkthrough" / "gradients" / "index.html").read_text()
    assert gradients.count('<div class="jacobian">') >= 1
    assert "<math" in gradients


DESKTOPS = frozenset({"desktop", "desktop-dark"})
PHONES = frozenset({"phone", "phone-dark"})


@pytest.fixture(scope="module")
def report(site):
    """Every page measured in Chromium at 1280 and 390 px, light and dark, and printed on A4."""
    pytest.importorskip("playwright", reason="playwright is not installed: pip install -e '.[test]'")
    _need(Path(CHROMIUM).exists(), "Chromium is not installed: apt-get install chromium (.ci/setup does)")
    from .sitecheck import check_site

    modes = (*sorted(DESKTOPS), *sorted(PHONES), "print")
    return check_site(
        site, SHOTS, modes=modes, chromium=CHROMIUM, require_font="Latin Modern Math", raise_on_fail=False,
        screenshots={"desktop", "phone"},  # a picture of each page in light mode; the dark ones are measured
    )


def test_pages_in_chromium(report):
    from .sitecheck import bracket_ratios

    assert not report["failures"], "\n".join(report["failures"])
    ratios = bracket_ratios(report)
    assert ratios, "no matrix was measured"
    assert min(r[-1] for r in ratios) >= 0.9
    rendered = [j for page in report["pages"] for j in page["jacobians"]]
    assert rendered and all(j["math"]["w"] > 0 and j["math"]["h"] > 0 for j in rendered)


def test_no_block_is_wider_than_its_box_on_a_desktop_or_on_paper(report):
    from .sitecheck import scrolling_blocks

    measured = [j for r in report["pages"] if r["mode"] in DESKTOPS for j in r["jacobians"]]
    assert len(measured) > 100 and all(j["pieces"] for j in measured)
    assert not scrolling_blocks(report, DESKTOPS | {"print"})


def test_on_a_phone_only_a_matrix_wider_than_the_screen_scrolls(report):
    from .sitecheck import needless_scrolling

    assert not needless_scrolling(report, PHONES)


def test_the_results_of_a_block_line_up_at_their_equals_signs(report):
    from .sitecheck import misaligned_equals

    several = [j for r in report["pages"] if r["mode"] == "desktop" for j in r["jacobians"] if len(j["eqs"]) > 1]
    assert len(several) > 5
    assert not misaligned_equals(report, DESKTOPS)


def test_prose_maths_is_drawn_at_the_size_of_block_maths(report):
    """Both are 1.15 times the size of the text around them (in an admonition too)."""
    prose = {round(scale, 3) for r in report["pages"] for scale in r["proseScale"]}
    blocks = {round(j["fontSize"] / j["textSize"], 3) for r in report["pages"] for j in r["jacobians"]}
    assert prose == blocks == {1.15}


def test_a_fraction_in_a_table_is_not_drawn_at_script_size(report):
    scales = [scale for r in report["pages"] for scale in r["tableFractions"]]
    assert len(scales) > 10 and min(scales) > 0.95


def test_a_tex_line_fits_the_content_column(report):
    """TeX output breaks lines at TEX_WIDTH em: Material's column at 1280 px holds that much block maths."""
    from mdjacobian.render.displays import TEX_WIDTH

    for r in report["pages"]:
        if r["mode"] in DESKTOPS and r["jacobians"]:
            assert r["contentWidth"] >= TEX_WIDTH * r["jacobians"][0]["fontSize"], r["page"]


PRINTED = ("walkthrough/generalisation/", "paper/loss/", "beyond/backprop/", "beyond/logistic/")
"""Pages with the widest matrices and the longest results."""


def test_a_printed_page_keeps_every_block_whole(site):
    """Chromium prints these pages to PDF on A4; in the layout it prints (print media, 794 px wide)
    no block is wider than the paper, and none is taller than a sheet, so that none is cut."""
    pytest.importorskip("playwright", reason="playwright is not installed: pip install -e '.[test]'")
    _need(Path(CHROMIUM).exists(), "Chromium is not installed: apt-get install chromium (.ci/setup does)")
    from .sitecheck import MODES, _browser

    with _browser(site, CHROMIUM) as (browser, base):
        page = browser.new_page(viewport=MODES["print"]["viewport"])
        page.emulate_media(media="print")
        for url in PRINTED:
            page.goto(base + "/" + url, wait_until="load")
            page.evaluate("() => document.fonts.ready.then(() => 0)")
            pdf = page.pdf(format="A4", print_background=True)
            assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2, url
            blocks = page.evaluate(
                """() => [...document.querySelectorAll('.jacobian')].map(j => {
                  const m = j.querySelector('.jacobian-maths');
                  return {scroll: m.scrollWidth, client: m.clientWidth, height: j.getBoundingClientRect().height,
                          visible: getComputedStyle(m).overflowX === 'visible'};
                })"""
            )
            assert blocks, url
            assert all(b["visible"] and b["scroll"] <= b["client"] + 1 for b in blocks), (url, blocks)
            assert all(b["height"] < MODES["print"]["viewport"]["height"] for b in blocks), (url, blocks)
        SHOTS.mkdir(exist_ok=True)
        (SHOTS / "logistic.pdf").write_bytes(pdf)  # the last page printed, for a person to look at


def test_every_line_of_the_docs_tex_fits_the_tex_width(site):
    """TeX output breaks a display where the font's metrics say it passes TEX_WIDTH em. Chromium,
    drawing the same TeX, finds every line within that width, except a display holding one piece
    wider than the line (no break helps there); and the estimate is within ESTIMATE_ERROR of Chromium's width."""
    pytest.importorskip("playwright", reason="playwright is not installed: pip install -e '.[test]'")
    _need(Path(CHROMIUM).exists(), "Chromium is not installed: apt-get install chromium (.ci/setup does)")
    from mdjacobian.render.displays import ESTIMATE_ERROR, TEX_WIDTH
    from mdjacobian.render.mathml import tex_to_mathml
    from mdjacobian.render.measure import tex_width

    from .sitecheck import line_widths

    font = site / "assets" / "mdjacobian" / "latinmodern-math.otf"
    displays, pieces = [], []  # each display's TeX, and the TeX of the block's pieces
    for page in site.rglob("*.html"):
        for block in re.findall(r'class="jacobian-maths" data-tex="([^"]*)">(.*?)</div></div>', page.read_text(), re.S):
            notes = [html.unescape(t) for t in re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', block[1])]
            for line in html.unescape(block[0]).split("\n"):
                displays.append(line)
                pieces.append(notes)
    broken = [tex for tex in displays if tex.startswith(r"\begin{aligned}")]
    assert len(displays) > 100 and len(broken) >= 5
    widths = line_widths([tex_to_mathml(tex) for tex in displays], font, CHROMIUM)
    wide = []
    for tex, lines, notes in zip(displays, widths, pieces):
        if max(lines) > TEX_WIDTH:
            unbreakable = max(line_widths([tex_to_mathml(note) for note in notes], font, CHROMIUM))[0]
            if len(lines) > 1 or unbreakable < TEX_WIDTH - 4:
                wide.append((max(lines), tex))
    assert not wide, wide
    one_line = [(w[0], tex) for w, tex in zip(widths, displays) if len(w) == 1]
    off = [(round(tex_width(tex) / w, 3), tex) for w, tex in one_line if not 1 - ESTIMATE_ERROR <= tex_width(tex) / w <= 1 + ESTIMATE_ERROR]
    assert not off, off
    # Breaking was needed: on one line, the broken displays would fill the width, short of the margin
    # kept for the estimate's error, or pass it.
    joined = [re.sub(r"\\\\ &(\\quad )?", " ", tex).replace("&", "") for tex in broken]
    full = TEX_WIDTH * (1 - 2 * ESTIMATE_ERROR)
    assert all(max(w) > full for w in line_widths([tex_to_mathml(tex) for tex in joined], font, CHROMIUM))


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

    A network's loss is $L = \\lVert W \\max(0, V\\mathbf{x} + \\mathbf{b}_1) + \\mathbf{b}_2 - \\mathbf{y} \\rVert^2$:

    ```{.jacobian #layers}
    LAYERS
    wrt: W, b2, V, b1
    ```

    ```{.jacobian #chain}
    LAYERS_IN_STEPS
    wrt: V
    show: chain
    ```

    ```{.jacobian #norm}
    x in R^n
    f = 1/sqrt(norm(x - sum(x)/n)^2/n + eps)
    ```
    """
)
LAYERS = "x in R^n\nV in R^(k x n)\nW in R^(m x k)\nb1 in R^k\nb2, y in R^m\n"
READER_PAGE = READER_PAGE.replace(
    "LAYERS_IN_STEPS\n", LAYERS + "z = V x + b1\nh = max(0, z)\nr = W h + b2 - y\nL = norm(r)^2\n"
).replace("LAYERS\n", LAYERS + "L = norm(W max(0, V x + b1) + b2 - y)^2\n")
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
def reader_sites(tmp_path_factory):
    """The reader page built with each output: MathML, and TeX typeset by MathJax where it is installed."""
    pytest.importorskip("playwright", reason="playwright is not installed: pip install -e '.[test]'")
    _need(Path(CHROMIUM).exists(), "Chromium is not installed: apt-get install chromium (.ci/setup does)")
    outputs = ["mathml"] + (["tex"] if (MATHJAX / "tex-chtml.js").exists() else [])
    return {output: _reader_site(tmp_path_factory.mktemp(output), output) for output in outputs}


@pytest.fixture(scope="module")
def reader_view(reader_sites):
    """Each output's reader page measured in Chromium at desktop and phone widths, light and dark."""
    from .sitecheck import check_reader

    return {output: check_reader(site, READER_SHOTS / output, chromium=CHROMIUM) for output, site in reader_sites.items()}


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
    from .sitecheck import HANG_EM

    blocks = _blocks(reader_view, output)
    assert blocks and all(b["typeset"] for _, b in blocks), "maths was not typeset"
    assert not [(mode, b["id"]) for mode, b in blocks if b["innerScrollers"]], "a piece scrolls on its own"
    # Only a piece wider than the screen (a matrix of partials on a phone) makes a block scroll;
    # the long chain and the four results wrap, on a phone too.
    needless = [
        (mode, b["id"], b["scrollWidth"], b["clientWidth"], b["widest"])
        for mode, b in blocks
        if b["overflows"] and b["widest"] <= b["clientWidth"] - HANG_EM * b["em"]
    ]
    assert not needless, needless
    assert not [(mode, b["id"]) for mode, b in blocks if b["overflows"] and b["id"] in ("cos", "layers", "chain", "norm")]


@pytest.mark.parametrize("output", ["mathml", "tex"])
def test_a_block_that_scrolls_shows_a_cue(reader_view, output):
    blocks = _blocks(reader_view, output)
    scrolling = [(mode, b) for mode, b in blocks if b["overflows"]]
    assert {mode for mode, _ in scrolling} >= {"phone", "phone-dark"}, "the wide block does not scroll on a phone"
    for mode, b in scrolling:
        assert b["background"].count("gradient(") == 4 and "local" in b["attachment"], (mode, b["id"])


@pytest.mark.parametrize("output", ["mathml", "tex"])
def test_four_results_line_up_at_their_equals_signs(reader_view, output):
    from .sitecheck import misaligned_equals

    blocks = [(mode, b) for mode, b in _blocks(reader_view, output) if b["id"] == "layers" and mode.startswith("desktop")]
    assert blocks and all(len(b["eqs"]) == 4 and all(e["beside"] for e in b["eqs"]) for _, b in blocks)
    report = {"pages": [{"page": "index.html", "mode": mode, "jacobians": [b]} for mode, b in blocks]}
    assert not misaligned_equals(report, {"desktop", "desktop-dark"})


def test_a_fraction_in_a_fraction_keeps_the_size_of_the_text(reader_view):
    """In a block, a fraction's parts are drawn at the size of the maths round it, as \\dfrac."""
    blocks = dict(((mode, b["id"]), b) for mode, b in _blocks(reader_view, "mathml"))
    assert blocks[("desktop", "norm")]["typeset"]
    assert not [(key, b["shrunkFractions"]) for key, b in blocks.items() if b["shrunkFractions"]]


# -- copying ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reader_page(reader_sites):
    """The MathML reader page open in Chromium, with the clipboard readable."""
    from .sitecheck import MODES, _browser

    with _browser(reader_sites["mathml"], CHROMIUM) as (browser, base):
        context = browser.new_context(**MODES["desktop"])
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(base + "/", wait_until="load")
        yield page
        assert not errors
        context.close()


def _clipboard(page) -> str:
    """What the clipboard holds, once something has been put on it (the copy runs asynchronously)."""
    for _ in range(100):
        text = page.evaluate("() => navigator.clipboard.readText()")
        if text:
            return text
        page.wait_for_timeout(50)
    return ""


def _select_and_copy(page, selector: str, inside: bool = False) -> str:
    page.evaluate(
        """([selector, inside]) => {
          const node = document.querySelector(selector), range = document.createRange();
          const maths = node.querySelectorAll('math');
          if (inside) { range.setStart(maths[0], 0); range.setEnd(maths[maths.length - 1], 0); }
          else range.selectNodeContents(node);
          document.activeElement && document.activeElement.blur();
          getSelection().removeAllRanges(); getSelection().addRange(range);
          return navigator.clipboard.writeText('');
        }""",
        [selector, inside],
    )
    page.keyboard.press("Control+C")
    return _clipboard(page)


def test_the_copy_button_copies_the_tex_of_the_result(reader_page):
    from mdjacobian import evaluate

    button = reader_page.locator("#layers button.jacobian-copy")
    assert button.get_attribute("aria-label") == "Copy TeX" and button.evaluate("b => b.type") == "button"
    # What the status line says, kept as it says it (it is cleared again after a moment).
    reader_page.evaluate(
        """() => { const status = document.querySelector('#layers .jacobian-copy-status'); window.said = [];
          new MutationObserver(() => said.push(status.textContent)).observe(status, {childList: true, characterData: true, subtree: true});
          return navigator.clipboard.writeText(''); }"""
    )
    button.click()
    source = LAYERS + "L = norm(W max(0, V x + b1) + b2 - y)^2\nwrt: W, b2, V, b1"
    assert _clipboard(reader_page) == evaluate(source).tex
    reader_page.wait_for_function("() => said.includes('TeX copied')")
    assert reader_page.locator("button.jacobian-copy").count() == reader_page.locator(".jacobian").count()


def test_copying_selected_maths_gives_tex(reader_page):
    prose = _select_and_copy(reader_page, "p:has(> .arithmatex)")
    assert prose == (
        r"A network's loss is $L = \lVert W \max(0, V\mathbf{x} + \mathbf{b}_1) + \mathbf{b}_2 - \mathbf{y} \rVert^2$:"
    )
    whole = reader_page.locator("#layers .jacobian-maths").get_attribute("data-tex")
    assert _select_and_copy(reader_page, "#layers .jacobian-maths", inside=True) == whole
    block = _select_and_copy(reader_page, "#cos")
    assert block.startswith("$$\n" + reader_page.locator("#cos .jacobian-maths").get_attribute("data-tex") + "\n$$")
    assert "1 × 1 derivative" in block and "𝜕" not in block
