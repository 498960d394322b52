"""The pandoc filter, run by Debian's pandoc exactly as docs/guides/embedding.md shows it."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

import mdjacobian
from mdjacobian.hosts import pandoc as pandoc_filter
from mdjacobian.serving import WALL_FACTOR

from .heavy import BIG_OUTPUT
from .needs import BIN, need, need_command
from .snippets import snippet

APT = "apt-get install pandoc (.ci/setup does)"
MATRIX_TEX = r"\left[\begin{matrix}6 x y & 3 x^{2} \\ 2 & 8 y^{7}\end{matrix}\right]"
TRANSPOSED_TEX = r"\left[\begin{matrix}6 x y & 2 \\ 3 x^{2} & 8 y^{7}\end{matrix}\right]"
# pandoc's own MathML for the entry 6xy, and for 8y^7
MATHML_CELLS = ("<mn>6</mn><mi>x</mi><mi>y</mi>", "<mn>8</mn><msup><mi>y</mi><mn>7</mn></msup>")

BROKEN = """\
# Broken

```jacobian
f = x^2
```

- In a list:

    ```{.jacobian layout="denominator"}
    f(x, y) = 3x^2 y
    f = x + * y
    ```

After the broken block.
"""


def run_pandoc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    need_command("pandoc", APT)
    need((BIN / "mdjacobian-pandoc").exists(), "mdjacobian-pandoc is not installed: pip install -e .")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["pandoc", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def documented(tmp_path_factory) -> Path:
    """The page's notes.md, converted by each command of the page's pandoc snippet."""
    root = tmp_path_factory.mktemp("pandoc")
    (root / "notes.md").write_text(snippet("notes.md"), encoding="utf-8")
    for line in snippet("pandoc").splitlines():
        command = shlex.split(line)
        assert command[:3] == ["pandoc", "--filter", "mdjacobian-pandoc"], line
        done = run_pandoc(*command[1:], cwd=root)
        assert done.returncode == 0, done.stderr
        assert "mdjacobian-pandoc" not in done.stderr, done.stderr
    return root


def test_html_with_mathml(documented):
    html = (documented / "notes.html").read_text(encoding="utf-8")
    # The package's HTML, as an MkDocs page shows it: its MathML, its caption, the proof's verdict.
    assert html.count('<div class="jacobian">') == 2
    assert html.count('<div class="jacobian-eq">') == 2  # one equation each, drawn in pieces
    assert "\\frac{\\partial f}{\\partial x} &amp; \\frac{\\partial g}{\\partial x}" in html  # show="full"
    for cell in MATHML_CELLS:
        assert html.count(cell) == 2
    assert "2 × 2 Jacobian, numerator layout" in html
    assert "2 × 2 Jacobian, denominator layout" in html
    assert html.count('<p class="jacobian-shape">') == 2 and "jacobian-check-passed" in html
    # pandoc's own MathML would stretch the parentheses of ∂(f, g) into tall ones
    assert '<mo stretchy="true" form="prefix">(</mo>' not in html
    assert "<code" not in html  # no block was left as code


def test_latex(documented):
    tex = (documented / "notes.tex").read_text(encoding="utf-8")
    assert f"\\[{MATRIX_TEX}\\]" in tex.replace("\n", " ") or MATRIX_TEX in tex
    assert TRANSPOSED_TEX in tex
    assert r"\(\checkmark\)" in tex  # the check mark as maths, which pdflatex can typeset
    assert "verbatim" not in tex and "Highlighting" not in tex


def test_docx_gets_word_equations(tmp_path):
    (tmp_path / "notes.md").write_text(snippet("notes.md"), encoding="utf-8")
    done = run_pandoc("--filter", "mdjacobian-pandoc", "notes.md", "-o", "notes.docx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "notes.docx") as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert body.count("<m:oMathPara>") == 2


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("pandoc-broken")
    (root / "broken.md").write_text(BROKEN, encoding="utf-8")
    return root, run_pandoc("--filter", "mdjacobian-pandoc", "--mathml", "broken.md", "-o", "broken.html", cwd=root)


def test_bad_block_is_reported_with_its_position(broken):
    _, done = broken
    assert done.returncode == 0  # pandoc carries on
    message = "mdjacobian-pandoc: jacobian block 2 (first line 'f(x, y) = 3x^2 y'): line 2: unexpected '*' after '+'"
    assert message in done.stderr, done.stderr
    assert "    2 | f = x + * y\n" in done.stderr
    assert re.search(r"\n {16}\^", done.stderr), done.stderr  # the caret under the '*'


def test_bad_block_leaves_an_error_paragraph_and_the_rest(broken):
    root, _ = broken
    html = (root / "broken.html").read_text(encoding="utf-8")
    assert re.search(r"<li>.*<div class=\"jacobian-error\">.*</li>", html, re.S), html
    assert "<strong>jacobian:</strong> line 2: unexpected" in html
    assert "2 | f = x + * y" in html
    assert html.count('<div class="jacobian">') == 1  # the good block still renders
    assert "After the broken block." in html


def test_sourcepos_position_is_named_not_taken_for_an_option(tmp_path):
    (tmp_path / "broken.md").write_text(BROKEN, encoding="utf-8")
    done = run_pandoc("-f", "commonmark_x+sourcepos", "--filter", "mdjacobian-pandoc", "broken.md", "-t", "html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.search(r"jacobian block 2 at broken\.md@[\d:;-]+ \(first line", done.stderr), done.stderr
    assert "unknown option 'data-pos'" not in done.stderr
    assert done.stdout.count('class="jacobian"') == 1  # the first block computed despite its data-pos


def test_unknown_attribute_is_a_block_error_not_a_keyword(tmp_path):
    (tmp_path / "odd.md").write_text('```{.jacobian limits="none"}\nf = x\n```\n', encoding="utf-8")
    done = run_pandoc("--filter", "mdjacobian-pandoc", "odd.md", "-t", "html", cwd=tmp_path)
    assert "jacobian block 1 (first line 'f = x'): unknown option 'limits'" in done.stderr, done.stderr
    assert 'class="jacobian-error"' in done.stdout


# -- the filter in this process: the AST handling around pandoc -------------------------------------------


class _Stream:
    """Standard input or output as the filter uses them: bytes through ``.buffer``."""

    def __init__(self, data: bytes = b"") -> None:
        self.buffer = io.BytesIO(data)


def filter_in_process(monkeypatch, capsys, document: object, writer: str = "latex") -> tuple[int, str, str]:
    stdout = _Stream()
    monkeypatch.setattr("sys.stdin", _Stream(json.dumps(document).encode("utf-8")))
    monkeypatch.setattr("sys.stdout", stdout)
    status = pandoc_filter.main([writer])
    return status, stdout.buffer.getvalue().decode("utf-8"), capsys.readouterr().err


def code_block(text: str, classes: list[str], attributes: list[list[str]] | None = None) -> dict:
    return {"t": "CodeBlock", "c": [["id1", classes, attributes or []], text]}


def test_walk_reaches_blocks_in_any_container_and_leaves_others(monkeypatch, capsys):
    note = {"t": "Note", "c": [code_block("f = x^2", ["jacobian"])]}
    document = {
        "pandoc-api-version": [1, 23, 1],
        "meta": {},
        "blocks": [
            code_block("print(1)", ["python"]),
            {"t": "BlockQuote", "c": [code_block("f = x^2", ["jacobian", "wide"], [["layout", "numerator"]])]},
            {"t": "Para", "c": [{"t": "Str", "c": "See"}, note]},
        ],
    }
    status, out, err = filter_in_process(monkeypatch, capsys, document)
    assert status == 0 and err == ""
    result = json.loads(out)
    assert result["pandoc-api-version"] == [1, 23, 1]
    assert result["blocks"][0] == document["blocks"][0]
    div = result["blocks"][1]["c"][0]
    assert div["t"] == "Div" and div["c"][0] == ["id1", ["jacobian", "wide"], []]
    math = div["c"][1][0]["c"][0]
    assert math == {"t": "Math", "c": [{"t": "DisplayMath"}, r"\frac{\partial f}{\partial x} = 2 x"]}
    assert result["blocks"][2]["c"][1]["c"][0]["t"] == "Div"  # inside a footnote


def test_html_writers_get_the_package_html_and_others_maths(monkeypatch, capsys):
    blocks = [code_block("f = x^2", ["jacobian", "wide"]), code_block("f = x^2\noutput: tex", ["jacobian"])]
    document = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": blocks}
    status, out, _ = filter_in_process(monkeypatch, capsys, document, writer="html5")
    assert status == 0
    html, tex = json.loads(out)["blocks"]
    assert html["t"] == "RawBlock" and html["c"][0] == "html"
    assert html["c"][1] == mdjacobian.evaluate("f = x^2").to_html(classes=["wide"], id_value="id1")
    assert tex["t"] == "Div" and tex["c"][1][0]["c"][0]["t"] == "Math"  # output: tex is the writer's maths
    for writer in ("latex", "docx", "epub3"):
        _, out, _ = filter_in_process(monkeypatch, capsys, document, writer=writer)
        assert [b["t"] for b in json.loads(out)["blocks"]] == ["Div", "Div"], writer


@pytest.mark.parametrize(
    "document",
    [[{"unMeta": {}}, []], {"pandoc-api-version": [1, 16], "meta": {}, "blocks": []}, {"blocks": []}],
    ids=["pandoc-1-list", "api-1.16", "no-version"],
)
def test_old_or_unknown_json_is_refused(monkeypatch, capsys, document):
    status, out, err = filter_in_process(monkeypatch, capsys, document)
    assert status == 1 and out == ""
    assert "mdjacobian-pandoc: needs pandoc 2.0 or newer" in err


def test_a_block_whose_output_would_be_huge_is_refused_within_its_limit(tmp_path):
    """The maths is printed where the block is computed, under its limits, never in the filter."""
    (tmp_path / "big.md").write_text(f"```jacobian\n{BIG_OUTPUT}\n```\n\nAfter the block.\n", encoding="utf-8")
    start = time.monotonic()
    done = run_pandoc("--filter", "mdjacobian-pandoc", "big.md", "-t", "html", cwd=tmp_path)
    elapsed = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    assert "the block's output would be more than 1000000 characters" in done.stderr
    assert "…'):" in done.stderr and len(done.stderr) < 1000  # the block's long first line, cut short
    assert "After the block." in done.stdout and len(done.stdout) < 100_000
    assert elapsed < 10 * WALL_FACTOR + 60  # the block's allowance, and pandoc's own start
