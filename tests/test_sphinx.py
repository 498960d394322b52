"""Sphinx, built for real with ``sphinx-build``: rST and MyST pages, nested blocks, LaTeX, ``-W`` and ``-j 2``.

The configuration and the two example pages are the snippets of docs/guides/embedding.md.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from mdjacobian.serving import WALL_FACTOR

from .heavy import BIG_OUTPUT
from .needs import INSTALL, need_command, need_modules
from .snippets import snippet

MATRIX_TEX = r"\left[\begin{matrix}6 x y & 3 x^{2} \\ 2 & 8 y^{7}\end{matrix}\right]"
TRANSPOSED_TEX = r"\left[\begin{matrix}6 x y & 2 \\ 3 x^{2} & 8 y^{7}\end{matrix}\right]"
CELL = "<mn>6</mn><mi>x</mi><mi>y</mi>"  # d(3x^2 y)/dx in the package's MathML
BAD = "f = x + * y"
MESSAGE = "jacobian block: line 2: unexpected '*' after '+' [mdjacobian.block]"


def html_escape_tex(tex: str) -> str:
    return tex.replace("&", "&amp;")


NESTED_RST = """\
Nested
======

.. note::

   A block in an admonition.

   .. jacobian::

      f(x, y) = 3x^2 y
      g(x, y) = 2x + y^8

- A block in a list:

  .. jacobian::
     :layout: numerator

     f(x, y) = 3x^2 y
     g(x, y) = 2x + y^8
"""

NESTED_MD = """\
# Nested in MyST

````{note}
A block in an admonition.

```{jacobian}
:layout: numerator

f(x, y) = 3x^2 y
g(x, y) = 2x + y^8
```
````

- A block in a list:

  ```jacobian
  f(x, y) = 3x^2 y
  g(x, y) = 2x + y^8
  layout: numerator
  ```
"""

BROKEN_RST = f"""\
Broken
======

.. jacobian::

   f(x, y) = 3x^2 y
   {BAD}

.. note::

   .. jacobian::
      :show: full

      f(x, y) = 3x^2 y
      {BAD}

After the broken blocks.

.. jacobian::

   f(x, y) = 3x^2 y
   g(x, y) = 2x + y^8
"""

TWICE_RST = """\
Twice
=====

.. jacobian::
   :layout: numerator

   f(x, y) = 3x^2 y
   layout: denominator
"""

BROKEN_MD = f"""\
# Broken in MyST

```{{jacobian}}
:layout: numerator

f(x, y) = 3x^2 y
{BAD}
```

- In a list:

  ```jacobian
  f(x, y) = 3x^2 y
  {BAD}
  ```

After the broken blocks.
"""


def index(*pages: str) -> str:
    entries = "".join(f"   {page}\n" for page in pages)
    return f"Home\n====\n\n.. toctree::\n\n{entries}"


def project(root: Path, conf: str, pages: dict[str, str]) -> Path:
    source = root / "src"
    source.mkdir()
    (source / "conf.py").write_text(conf, encoding="utf-8")
    for name, text in pages.items():
        (source / name).write_text(text, encoding="utf-8")
    stems = [name.rsplit(".", 1)[0] for name in pages if name != "index.rst"]
    (source / "index.rst").write_text(index(*stems), encoding="utf-8")
    return source


def sphinx_build(source: Path, out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    need_modules("sphinx", "myst_parser")
    command = need_command("sphinx-build", INSTALL)
    args = [command, "--no-color", "-W", "-b", "html", *options, str(source), str(out)]
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def assert_built(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """The embedding page's configuration and pages, plus nested blocks and a page to make six documents."""
    root = tmp_path_factory.mktemp("sphinx")
    conf = snippet("conf.py") + snippet("conf.py (settings)")
    return project(
        root,
        conf,
        {
            "page.rst": snippet("page.rst"),
            "myst.md": snippet("myst.md"),
            "nested.rst": NESTED_RST,
            "nested-myst.md": NESTED_MD,
            "plain.rst": "Plain\n=====\n\nNo blocks here.\n",
        },
    )


@pytest.fixture(scope="module")
def html(good) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """An HTML build with -W and two processes."""
    out = good.parent / "html"
    done = sphinx_build(good, out, "-j", "2")
    assert_built(done)
    return out, done


@pytest.fixture(scope="module")
def latex(good) -> Path:
    out = good.parent / "latex"
    done = sphinx_build(good, out, "-b", "latex")
    assert_built(done)
    (tex,) = out.glob("*.tex")
    return tex


def test_rst_page_is_mathml_without_a_script(html):
    out, _ = html
    page = (out / "page.html").read_text(encoding="utf-8")
    # The site default (denominator) applies to the first block: the package's MathML.
    assert '<div class="jacobian">' in page
    assert "2 × 2 Jacobian, denominator layout" in page
    # The second block asked for TeX: Sphinx's math nodes, which the extension renders as MathML too.
    assert '<div class="jacobian docutils container">' in page
    assert '<div class="math notranslate nohighlight"' in page
    assert '<p class="jacobian-shape">2 × 2 Jacobian, numerator layout ✓ checked</p>' in page
    # One equation drawn in pieces (its left side and its right side), then two: the matrix and its value.
    assert page.count('<div class="jacobian-eq">') == 1 and page.count('<math display="block"') == 2 and CELL in page
    shown = re.sub(r'<annotation.*?</annotation>|data-tex="[^"]*"', "", page, flags=re.S)  # TeX kept for copying
    assert "\\begin{matrix}" not in shown and "\\frac" not in shown  # no TeX left for a script to typeset
    assert "mathjax" not in page.lower()  # no script, no CDN: the page reads the same offline
    assert "_static/mdjacobian/mdjacobian.css" in page
    assert (out / "_static" / "mdjacobian" / "latinmodern-math.otf").exists()
    assert "jacobian-error" not in page


def test_myst_page_directive_and_plain_fence(html):
    out, _ = html
    page = (out / "myst.html").read_text(encoding="utf-8")
    assert page.count('<div class="jacobian">') == 2
    # show: full writes the matrix of partials before the result
    assert html_escape_tex(r"\frac{\partial f}{\partial x} & \frac{\partial g}{\partial x}") in page
    # the plain fence, with its fence-line option, is a directive, not highlighted code
    assert "highlight-jacobian" not in page
    assert "2 × 1 Jacobian (column), numerator layout" in page
    assert r"\sin" in page or r"\cos" in page


def test_blocks_in_admonitions_and_lists(html):
    out, _ = html
    for name in ("nested.html", "nested-myst.html"):
        page = (out / name).read_text(encoding="utf-8")
        assert re.search(r'<div class="admonition note">.*?<div class="jacobian">', page, re.S), name
        assert re.search(r"<li>.*?<div class=\"jacobian\">.*?</li>", page, re.S), name
        page = re.sub(r'data-tex="[^"]*"', "", page)  # the TeX the copy button copies, once more
        assert page.count(html_escape_tex(MATRIX_TEX)) + page.count(html_escape_tex(TRANSPOSED_TEX)) == 2, name


def test_parallel_build_reads_in_chunks(html):
    _, done = html
    # Sphinx reads in chunks ("[ 33%] myst .. nested") only when every extension is parallel-safe;
    # otherwise it warns, which -W would have turned into a failure.
    assert re.search(r"reading sources\.\.\. \[\s*\d+%\] \S+ \.\. \S+", done.stdout), done.stdout
    assert "parallel" not in done.stderr


def test_latex_builder_typesets_the_matrix(latex):
    tex = latex.read_text(encoding="utf-8")
    assert "\\begin{equation*}" in tex
    assert TRANSPOSED_TEX in tex
    assert MATRIX_TEX in tex
    # The MathML block falls back to maths outside HTML; the TeX one has its value at the point.
    assert r"\left[\begin{matrix}12 & 3 \\ 2 & 1024\end{matrix}\right]" in tex
    assert "2 × 2 Jacobian, denominator layout" in tex


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("sphinx-broken")
    source = project(root, snippet("conf.py"), {"broken.rst": BROKEN_RST, "broken-myst.md": BROKEN_MD, "twice.rst": TWICE_RST})
    return source, sphinx_build(source, root / "html")


def bad_lines(path: Path) -> list[int]:
    """The 1-based lines of a file that hold the bad block line."""
    return [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.strip() == BAD]


def test_bad_block_fails_w_naming_file_and_line(broken):
    source, done = broken
    assert done.returncode != 0
    for name in ("broken.rst", "broken-myst.md"):
        lines = bad_lines(source / name)
        assert len(lines) == 2
        for line in lines:
            assert f"{source / name}:{line}: WARNING: {MESSAGE}" in done.stderr, done.stderr


def test_bad_block_leaves_an_error_box_and_the_rest_of_the_page(broken):
    source, _ = broken
    out = source.parent / "html"
    page = (out / "broken.html").read_text(encoding="utf-8")
    assert page.count('<div class="jacobian-error" role="alert">') == 2
    assert "line 2: unexpected &#x27;*&#x27; after &#x27;+&#x27;" in page or "line 2: unexpected '*' after '+'" in page
    assert "After the broken blocks." in page
    assert html_escape_tex(MATRIX_TEX) in page  # the good block after them
    myst = (out / "broken-myst.html").read_text(encoding="utf-8")
    assert myst.count('<div class="jacobian-error" role="alert">') == 2
    assert "After the broken blocks." in myst


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('mdjacobian_defaults = {"layot": "denominator"}', "unknown setting 'layot' (did you mean 'layout'?)"),
        ('mdjacobian_defaults = {"layout": "sideways"}', "layout: unknown value 'sideways'"),
        ("mdjacobian_timeout = -1", "mdjacobian_timeout must be 0 (no limit) or a number of seconds"),
        ('mdjacobian_timeout = float("nan")', "mdjacobian_timeout must be 0 (no limit) or a number of seconds from 0.05 to 3600, not nan"),
    ],
    ids=["unknown-key", "bad-value", "bad-timeout", "nan-timeout"],
)
def test_bad_setting_stops_the_build(tmp_path, setting, message):
    source = project(tmp_path, 'extensions = ["mdjacobian.sphinx"]\n' + setting + "\n", {})
    done = sphinx_build(source, tmp_path / "html")
    assert done.returncode != 0
    assert message in done.stderr, done.stderr


def test_directive_option_and_block_line_may_not_both_set_one(broken):
    source, done = broken
    line = (source / "twice.rst").read_text(encoding="utf-8").splitlines().index("   layout: denominator") + 1
    expected = f"{source / 'twice.rst'}:{line}: WARNING: jacobian block: line 2: option 'layout' is set both"
    assert expected in done.stderr, done.stderr


PROSE_RST = r"""
Prose
=====

Inline :math:`\frac{1}{2} x^2` and a numbered equation:

.. math::
   :label: quadratic

   f(x) = a x^2 + b x + c

Two lines, aligned:

.. math::

   a &= b \\
   c &= d

.. jacobian::
   :output: tex

   f(x, y) = 3x^2 y

See :eq:`quadratic`.
"""
UNKNOWN = r"And a formula no converter knows: :math:`\nosuchcommand x`."


def test_prose_maths_is_mathml_unless_the_site_chooses_mathjax(tmp_path):
    (tmp_path / "mine").mkdir()
    source = project(tmp_path / "mine", 'extensions = ["mdjacobian.sphinx"]\n', {"prose.rst": PROSE_RST + "\n" + UNKNOWN + "\n"})
    done = sphinx_build(source, tmp_path / "mine" / "html")
    assert done.returncode != 0  # -W: the formula that cannot be converted is a warning at its line
    line = (PROSE_RST + "\n" + UNKNOWN).splitlines().index(UNKNOWN) + 1
    assert f"prose.rst:{line}: WARNING: could not convert the formula '\\\\nosuchcommand x' to MathML" in done.stderr, done.stderr
    page = (tmp_path / "mine" / "html" / "prose.html").read_text(encoding="utf-8")
    assert "mathjax" not in page.lower()
    assert '<span class="math notranslate nohighlight"><math><semantics><mrow><mfrac><mn>1</mn><mn>2</mn></mfrac>' in page
    assert '<span class="eqno">(1)' in page and 'href="#equation-quadratic"' in page
    assert page.count('<math display="block">') == 3  # the equation, the two aligned lines, the block
    assert re.search(r"<mtd[^>]*><mi>a</mi></mtd><mtd[^>]*><mo>=</mo><mi>b</mi></mtd>", page), "the lines are not aligned"
    assert '<span class="math notranslate nohighlight">\\nosuchcommand x</span>' in page  # left as TeX

    # A site that keeps MathJax: prose maths and the output: tex block wait for it; default blocks do not.
    conf = 'extensions = ["mdjacobian.sphinx"]\nhtml_math_renderer = "mathjax"\n'
    (tmp_path / "mathjax").mkdir()
    source = project(tmp_path / "mathjax", conf, {"prose.rst": PROSE_RST, "page.rst": snippet("page.rst")})
    assert_built(sphinx_build(source, tmp_path / "mathjax" / "html"))
    page = (tmp_path / "mathjax" / "html" / "prose.html").read_text(encoding="utf-8")
    assert "mathjax" in page and "<math" not in page
    assert "\\(\\frac{1}{2} x^2\\)" in page
    blocks = (tmp_path / "mathjax" / "html" / "page.html").read_text(encoding="utf-8")
    assert blocks.count('<div class="jacobian">') == 1 and html_escape_tex(TRANSPOSED_TEX) not in blocks.split("<annotation")[0]
    assert "mathjax" in blocks  # the output: tex block


def test_another_maths_renderer_is_left_alone(tmp_path):
    # imgmath registers a renderer: Sphinx would refuse to choose among three, so the extension does not add one.
    conf = 'extensions = ["sphinx.ext.imgmath", "mdjacobian.sphinx"]\n'
    source = project(tmp_path, conf, {"page.rst": "Page\n====\n\n.. jacobian::\n\n   f(x, y) = 3x^2 y\n"})
    done = sphinx_build(source, tmp_path / "html")
    assert_built(done)
    page = (tmp_path / "html" / "page.html").read_text(encoding="utf-8")
    assert '<div class="jacobian">' in page and "<math" in page


@pytest.mark.parametrize("value", ['"v w"', "'v'", "v", '"v'])
def test_directive_options_are_read_in_linear_time(value):
    need_modules("sphinx")
    from mdjacobian.errors import BlockError
    from mdjacobian.hosts.sphinx import fence_options

    from .growth import assert_linear

    def read(text: str) -> None:
        try:
            fence_options(text)
        except BlockError:
            pass

    assert_linear(read, lambda size: " ".join(f"k{i}={value}" for i in range(size)), 200)


def test_a_block_whose_output_would_be_huge_is_refused_within_its_limit(tmp_path):
    """The maths is printed where the block is computed, under its limits, never in sphinx-build."""
    body = "\n".join(f"   {line}" for line in BIG_OUTPUT.splitlines())
    source = project(tmp_path, snippet("conf.py"), {"big.rst": f"Big\n===\n\n.. jacobian::\n\n{body}\n\nAfter the block.\n"})
    start = time.monotonic()
    done = sphinx_build(source, tmp_path / "html")
    elapsed = time.monotonic() - start
    assert done.returncode != 0  # -W: the refusal is a warning
    assert "jacobian block: the block's output would be more than 1000000 characters" in done.stderr, done.stderr
    page = (tmp_path / "html" / "big.html").read_text(encoding="utf-8")
    assert '<div class="jacobian-error" role="alert">' in page and "After the block." in page
    assert len(page) < 100_000
    assert elapsed < 10 * WALL_FACTOR + 60  # the block's allowance, and Sphinx's own start
