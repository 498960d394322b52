"""Jupyter: a Result's rich display, the ``%%jacobian`` magic in a real kernel, and mkdocs-jupyter.

The notebook's first cells and the mkdocs-jupyter configuration are the snippets of
docs/guides/embedding.md.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import mdjacobian
from mdjacobian.hosts.jupyter import magic_options

from .heavy import BIG_OUTPUT
from .needs import INSTALL, need_command, need_modules
from .snippets import snippet

CELL = "<mn>6</mn><mi>x</mi><mi>y</mi>"  # d(3x^2 y)/dx in the package's MathML
MATRIX_TEX = r"\left[\begin{matrix}6 x y & 3 x^{2} \\ 2 & 8 y^{7}\end{matrix}\right]"
BAD_CELL = "%%jacobian\nf(x, y) = 3x^2 y\nf = x + * y"
MESSAGE = "jacobian: line 2: unexpected '*' after '+'"


# -- Result's rich display ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result() -> mdjacobian.Result:
    return mdjacobian.evaluate("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8", at="x = 1, y = 2")


def test_repr_html_is_the_page_html(result):
    assert result._repr_html_() == result.to_html()
    assert CELL in result._repr_html_()
    tex = mdjacobian.evaluate("f = x^2", output="tex")
    assert '<span class="arithmatex">' in tex._repr_html_()


def test_repr_latex_is_one_display_per_equation(result):
    assert result._repr_latex_() == "\n".join(f"$${equation}$$" for equation in result.equations)
    assert result._repr_latex_().count("$$") == 4
    assert MATRIX_TEX in result._repr_latex_()


def test_repr_markdown_has_the_maths_and_the_caption(result):
    markdown = result._repr_markdown_()
    assert markdown.startswith(f"$$\n{result.equations[0]}\n$$\n\n$$\n{result.equations[1]}\n$$\n\n")
    assert markdown.endswith("2 × 2 Jacobian, numerator layout ✓ checked\n")


# -- the magic line -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "options", "timeout"),
    [
        ("", {}, 10.0),
        ("--layout denominator --show full --wrt x,y", {"layout": "denominator", "show": "full", "wrt": "x,y"}, 10.0),
        ("--at 'x = 1, y = 2' --output=tex --timeout 3", {"at": "x = 1, y = 2", "output": "tex"}, 3.0),
    ],
)
def test_magic_line_options(line, options, timeout):
    given, limits = magic_options(line)
    assert given == options
    assert limits.timeout == timeout


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--layot denominator", "on the %%jacobian line: unrecognized arguments: --layot denominator"),
        ("--lay denominator", "on the %%jacobian line: unrecognized arguments: --lay denominator"),
        ("--layout", "on the %%jacobian line: argument --layout: expected one argument"),
        ("--timeout soon", "on the %%jacobian line: argument --timeout: invalid float value: 'soon'"),
        (
            "--timeout -1",
            "on the %%jacobian line: --timeout: timeout must be 0 (no limit) or a number of seconds from 0.05 to 3600, not -1.0",
        ),
        ("--at 'x = 1", "on the %%jacobian line: No closing quotation"),
    ],
)
def test_magic_line_errors(line, message):
    with pytest.raises(mdjacobian.BlockError) as excinfo:
        magic_options(line)
    assert str(excinfo.value) == message


# -- a real kernel, through nbclient --------------------------------------------------------------------


def notebook(*cells: str):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source.rstrip("\n"), metadata={"tags": ["hide-input"]}) for source in cells]
    return nb


@pytest.fixture(scope="module")
def executed():
    """The page's two cells, a bad block, a bad magic line, a Result from Python and a block whose
    output would be huge, run in a kernel."""
    need_modules("nbclient", "nbformat", "ipykernel")
    from nbclient import NotebookClient

    nb = notebook(
        snippet("In [1]"),
        snippet("In [2]"),
        BAD_CELL,
        "%%jacobian --layout sideways\nf = x",
        "import mdjacobian\nmdjacobian.evaluate('f(x, y) = 3x^2 y', output='tex')",
        f"%%jacobian\n{BIG_OUTPUT}",
    )
    # allow_errors=False: a cell that raised would fail here with its traceback.
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=False).execute()
    return [cell.outputs for cell in nb.cells]


def test_loading_the_extension_styles_the_notebook(executed):
    import base64
    import re

    (output,) = executed[0]
    assert output.output_type == "display_data" and list(output.data) == ["text/html"]
    style = output.data["text/html"]
    assert style.startswith('<style id="mdjacobian-style">') and ".jacobian-error {" in style
    # the font travels inside the notebook: offline, and in the HTML nbconvert makes of it
    (font,) = re.findall(r'url\("data:font/otf;base64,([A-Za-z0-9+/=]+)"\)', style)
    assets = Path(mdjacobian.__file__).parent / "assets"
    assert base64.b64decode(font) == (assets / "latinmodern-math.otf").read_bytes()


def test_magic_cell_shows_mathml(executed):
    (output,) = executed[1]
    assert output.output_type == "execute_result"
    html = output.data["text/html"]
    assert html.startswith('<div class="jacobian">')
    assert CELL in html
    assert "2 × 2 Jacobian, denominator layout" in html  # --layout denominator from the magic line
    assert r"\frac{\partial f}{\partial x}" in output.data["text/latex"]  # --show full
    assert output.data["text/markdown"].rstrip().endswith("✓ checked")


@pytest.mark.parametrize(
    ("index", "message"),
    [(2, MESSAGE), (3, "jacobian: layout: unknown value 'sideways'; use 'numerator' or 'denominator'")],
    ids=["bad-block", "bad-option"],
)
def test_errors_show_as_a_box_not_a_traceback(executed, index, message):
    outputs = executed[index]
    assert [o.output_type for o in outputs] == ["display_data"]
    (output,) = outputs
    assert output.data["text/plain"] == message
    assert '<div class="jacobian-error" role="alert">' in output.data["text/html"]
    assert "Traceback" not in str(output)


def test_result_from_python_displays_in_its_output_mode(executed):
    (output,) = executed[4]
    assert '<span class="arithmatex">' in output.data["text/html"]
    assert "$$" in output.data["text/latex"]


def test_a_block_whose_output_would_be_huge_is_refused_in_the_kernel(executed):
    """The maths is printed where the block is computed, under its limits, never in the kernel."""
    (output,) = executed[5]
    assert output.output_type == "display_data"
    assert "the block's output would be more than 1000000 characters" in output.data["text/plain"]
    assert '<div class="jacobian-error" role="alert">' in output.data["text/html"]


# -- mkdocs-jupyter ---------------------------------------------------------------------------------------


def test_mkdocs_jupyter_page(tmp_path):
    need_modules("mkdocs_jupyter", "nbformat", "ipykernel")
    mkdocs = need_command("mkdocs", INSTALL)
    import nbformat

    (tmp_path / "mkdocs.yml").write_text(snippet("mkdocs.yml (notebooks)"), encoding="utf-8")
    (tmp_path / "docs").mkdir()
    nbformat.write(notebook(snippet("In [1]"), snippet("In [2]"), BAD_CELL), tmp_path / "docs" / "index.ipynb")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [mkdocs, "build", "--strict"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert html.count('<div class="jacobian">') == 1
    assert CELL in html
    assert '<div class="jacobian-error" role="alert">' in html
    assert "load_ext" not in html and "%%jacobian" not in html  # inputs tagged hide-input are left out
    assert "assets/mdjacobian/mdjacobian.css" in html
