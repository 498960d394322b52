"""Each host's page in headless Chromium: Sphinx, pandoc and a notebook converted by nbconvert.

A reader offline must see what an MkDocs page shows: maths laid out (``<math>`` elements of non-zero
size, no TeX left on the page), drawn with the shipped Latin Modern Math, and a styled error box.
Every request that would leave 127.0.0.1 is blocked. Screenshots go to ``screenshots/hosts/``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

import mdjacobian

from .needs import BIN, INSTALL, need, need_command, need_modules
from .snippets import snippet

pytest.importorskip("playwright", reason="playwright is not installed: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots" / "hosts"
ASSETS = Path(mdjacobian.__file__).parent / "assets"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
GOOD = "f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8"
BAD = "f(x, y) = 3x^2 y\nf = x + * y"
FONT = "Latin Modern Math"


def indented(text: str, by: str = "   ") -> str:
    return "\n".join(by + line for line in text.splitlines())


def seen(root: Path, page: str, name: str) -> dict:
    """The page as Chromium shows it, screenshot included."""
    need(Path(CHROMIUM).exists(), "Chromium is not installed: apt-get install chromium (.ci/setup does)")
    from .sitecheck import check_host_page

    return check_host_page(root, page, SHOTS / f"{name}.png", chromium=CHROMIUM)


def assert_reads_like_the_site(page: dict, blocks: int) -> None:
    """Maths laid out in the shipped font, one styled error box, nothing left as TeX."""
    assert len(page["maths"]) >= blocks, page["maths"]
    assert all(m["box"]["w"] > 0 and m["box"]["h"] > 0 for m in page["maths"]), page["maths"]
    assert not page["rawTex"], "TeX is left on the page for a script that cannot load"
    assert {"family": FONT, "status": "loaded"} in page["fonts"], page["fonts"]
    assert any(f["familyName"] == FONT and f["isCustomFont"] for f in page["used"]), page["used"]
    (error,) = page["errors"]
    assert float(error["borderLeft"].removesuffix("px")) >= 3, error  # the red rule of the error box
    assert error["borderColor"] == "rgb(211, 47, 47)" and error["background"] == "rgba(211, 47, 47, 0.08)", error
    assert "line 2: unexpected '*' after '+'" in error["text"]
    assert not page["js_errors"], page["js_errors"]
    # ∂(f, g): parentheses as tall as the letters they hold, and tight round them
    assert any("f,g" in p["text"].replace(" ", "") for p in page["parens"]), page["parens"]
    assert all(p["ratio"] < 1.8 and p["gap"] < 1 for p in page["parens"]), page["parens"]


def test_sphinx_page(tmp_path):
    need_modules("sphinx")
    sphinx_build = need_command("sphinx-build", INSTALL)
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(snippet("conf.py").replace('    "myst_parser",  # only for Markdown pages\n', ""))
    (source / "index.rst").write_text(
        "Notes\n=====\n\nProse maths :math:`\\frac{1}{2} x^2`.\n\n"
        f".. jacobian::\n\n{indented(GOOD)}\n\n.. jacobian::\n   :show: full\n   :output: tex\n\n{indented(GOOD)}\n\n"
        f".. jacobian::\n\n{indented(BAD)}\n"
    )
    done = subprocess.run([sphinx_build, "-q", "-b", "html", str(source), str(tmp_path / "html")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = seen(tmp_path / "html", "index.html", "sphinx")
    assert not page["external"], page["external"]  # no MathJax from a CDN
    assert_reads_like_the_site(page, blocks=2)


def test_pandoc_page(tmp_path):
    need_command("pandoc", "apt-get install pandoc (.ci/setup does)")
    need((BIN / "mdjacobian-pandoc").exists(), "mdjacobian-pandoc is not installed: pip install -e .")
    (tmp_path / "notes.md").write_text(
        snippet("notes.md") + "\nProse maths $\\frac{1}{2} x^2$.\n\n```jacobian\n" + BAD + "\n```\n", encoding="utf-8"
    )
    shutil.copytree(ASSETS, tmp_path / "mdjacobian")  # the copy the page's cp command makes
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    (command,) = snippet("pandoc (styled)").splitlines()
    done = subprocess.run(shlex.split(command), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = seen(tmp_path, "notes.html", "pandoc")
    assert not page["external"], page["external"]
    assert_reads_like_the_site(page, blocks=2)


def test_notebook_converted_by_nbconvert(tmp_path):
    need_modules("nbclient", "nbformat", "nbconvert", "ipykernel")
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Notes"),
        nbformat.v4.new_code_cell(snippet("In [1]").strip()),
        nbformat.v4.new_code_cell(snippet("In [2]").strip()),
        nbformat.v4.new_code_cell(f"%%jacobian\n{BAD}"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    html, _ = HTMLExporter().from_notebook_node(nb)
    (tmp_path / "notes.html").write_text(html, encoding="utf-8")
    # nbconvert's own template asks a CDN for MathJax and require.js; blocked here, as offline.
    page = seen(tmp_path, "notes.html", "nbconvert")
    assert_reads_like_the_site(page, blocks=1)
