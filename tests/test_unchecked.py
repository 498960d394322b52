"""A result the proof could not check: visibly different on the page, and a warning in every host.

Abstract functions have no values, so ``h(x) = g(x^2) + x`` can never be proven; each host must show
its badge with the reason and report a warning naming the block's line (so ``mkdocs build --strict``
and ``sphinx-build -W`` fail, the command line exits with status 3), while a proven block stays quiet.
"""

from __future__ import annotations

import json
import logging

import markdown
import pytest

import mdjacobian
from mdjacobian.hosts import cli
from mdjacobian.hosts.jupyter import jacobian as jacobian_magic

from .test_hosts import run, tool, write
from .test_pandoc import code_block, filter_in_process
from .test_sphinx import project, sphinx_build

ABSTRACT = "x in R\nh(x) = g(x^2) + x"
"""Line 2 defines the function the proof cannot evaluate."""
MESSAGE = "line 2: not checked numerically: abstract functions have no values"
BADGE = '<p class="jacobian-check jacobian-check-skipped" role="note" data-line="2"'
PROVEN = "f(x) = sin(x)"


def warned(caplog) -> list[str]:  # noqa: ANN001
    """The block messages logged, after ``mdjacobian: [page: ]jacobian block: ``."""
    messages = [r.getMessage() for r in caplog.records]
    assert all(m.startswith("mdjacobian: ") and "jacobian block: " in m for m in messages), messages
    return [m.split("jacobian block: ", 1)[1] for m in messages]


def page(body: str, *lines: str) -> str:
    return "# Page\n\n```jacobian\n" + body + "".join(f"\n{line}" for line in lines) + "\n```\n"


# -- Python-Markdown: the extension alone and inside SuperFences ------------------------------------------


@pytest.mark.parametrize("extensions", [["mdjacobian"], ["pymdownx.superfences", "mdjacobian"]], ids=["alone", "superfences"])
def test_markdown_shows_the_badge_and_warns_naming_the_line(caplog, extensions):
    with caplog.at_level(logging.WARNING):
        html = markdown.markdown(page(ABSTRACT), extensions=extensions)
    assert BADGE in html and "abstract functions have no values</p>" in html
    assert warned(caplog) == [MESSAGE]


def test_a_proven_block_does_not_warn(caplog):
    with caplog.at_level(logging.WARNING):
        html = markdown.markdown(page(PROVEN), extensions=["mdjacobian"])
    assert "✓ checked" in html and "jacobian-check-skipped" not in html
    assert caplog.records == []


def test_the_warning_comes_again_when_the_html_comes_from_the_cache(caplog):
    converter = markdown.Markdown(extensions=["mdjacobian"])
    with caplog.at_level(logging.WARNING):
        first = converter.reset().convert(page(ABSTRACT))
        second = converter.reset().convert(page(ABSTRACT))
    assert first == second
    assert warned(caplog) == [MESSAGE] * 2


def test_expect_unchecked_keeps_the_badge_and_drops_the_warning(caplog):
    with caplog.at_level(logging.WARNING):
        html = markdown.markdown(page(ABSTRACT, "expect: unchecked"), extensions=["mdjacobian"])
    assert BADGE in html
    assert caplog.records == []


def test_expect_unchecked_on_a_proven_block_warns(caplog):
    with caplog.at_level(logging.WARNING):
        markdown.markdown(page(PROVEN, "expect: unchecked"), extensions=["mdjacobian"])
    assert warned(caplog) == ["expect: unchecked, but the result was checked; remove the line"]


# -- MkDocs: --strict fails, naming the page -----------------------------------------------------------


def test_mkdocs_strict_fails_on_an_unchecked_result(tmp_path):
    mkdocs = tool("mkdocs")
    write(
        tmp_path,
        {
            "mkdocs.yml": """\
                site_name: Unchecked
                theme: mkdocs
                plugins:
                  - mdjacobian
            """,
            "docs/index.md": page(PROVEN),
            "docs/notes/abstract.md": page(ABSTRACT),
        },
    )
    strict = run(mkdocs, "build", "--strict", cwd=tmp_path, ok=False)
    output = strict.stdout + strict.stderr
    assert strict.returncode != 0, output
    assert f"mdjacobian: notes/abstract.md:5: jacobian block: {MESSAGE}" in output, output  # the page's own line
    lenient = run(mkdocs, "build", cwd=tmp_path)
    assert f"notes/abstract.md:5: jacobian block: {MESSAGE}" in lenient.stdout + lenient.stderr
    built = (tmp_path / "site" / "notes" / "abstract" / "index.html").read_text(encoding="utf-8")
    assert BADGE in built and '<div class="jacobian jacobian-unchecked">' in built

    write(tmp_path, {"docs/notes/abstract.md": page(ABSTRACT, "expect: unchecked")})
    run(mkdocs, "build", "--strict", cwd=tmp_path)


# -- Sphinx: -W fails at the document line ------------------------------------------------------------


def test_sphinx_w_fails_at_the_document_line(tmp_path):
    rst = "Abstract\n========\n\n.. jacobian::\n\n   x in R\n   h(x) = g(x^2) + x\n"
    source = project(tmp_path, "extensions = ['mdjacobian.sphinx']\n", {"abstract.rst": rst})
    done = sphinx_build(source, tmp_path / "html")
    assert done.returncode != 0
    assert f"{source / 'abstract.rst'}:7: WARNING: jacobian block: {MESSAGE} [mdjacobian.block]" in done.stderr, done.stderr
    built = (tmp_path / "html" / "abstract.html").read_text(encoding="utf-8")
    assert BADGE in built and "<strong>Not checked numerically:</strong> abstract functions have no values" in built
    assert "jacobian-unchecked" in built


# -- pandoc: a message on standard error and a marked paragraph ------------------------------------------


def test_pandoc_reports_and_marks_an_unchecked_result(monkeypatch, capsys):
    document = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [code_block(ABSTRACT, ["jacobian"])]}
    status, out, err = filter_in_process(monkeypatch, capsys, document)
    assert status == 0
    assert f"mdjacobian-pandoc: jacobian block 1 (first line 'x in R'): {MESSAGE}" in err
    (div,) = json.loads(out)["blocks"]
    assert div["c"][0][1] == ["jacobian", "jacobian-unchecked"]
    badge = div["c"][1][-1]
    assert badge["t"] == "Div" and badge["c"][0][1] == ["jacobian-check", "jacobian-check-skipped"]
    words = [w["c"] for w in badge["c"][1][0]["c"][0]["c"] if w["t"] == "Str"]
    assert " ".join(words) == "⚠ Not checked numerically: abstract functions have no values"


def test_pandoc_is_quiet_about_a_proven_result(monkeypatch, capsys):
    document = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [code_block(PROVEN, ["jacobian"])]}
    status, _, err = filter_in_process(monkeypatch, capsys, document)
    assert status == 0 and err == ""


# -- the command line: status 3 and the reason on standard error ------------------------------------------


@pytest.mark.parametrize("form", ["text", "tex", "mathml"])
def test_cli_exits_3_with_the_reason(capsys, form):
    status = cli.main(["g(x^2) + x", "--format", form])
    out, err = capsys.readouterr()
    assert status == cli.UNCHECKED_STATUS == 3
    assert err == "mdjacobian: warning: line 1: not checked numerically: abstract functions have no values\n"
    assert out.strip()  # the result is printed all the same
    assert cli.main(["sin(x)", "--format", form]) == 0


def test_cli_exit_status_survives_the_cache(capsys, tmp_path):
    for _ in range(2):
        assert cli.main(["g(x^2) + x", "--cache-dir", str(tmp_path)]) == 3
        assert "not checked numerically" in capsys.readouterr().err


# -- Jupyter: the cell's output says so -------------------------------------------------------------------


def test_jupyter_magic_warns_on_stderr(capsys):
    result = jacobian_magic("", ABSTRACT)
    assert isinstance(result, mdjacobian.Result)
    assert capsys.readouterr().err == f"jacobian: warning: {MESSAGE}\n"
    assert "**⚠ Not checked numerically: abstract functions have no values**" in result._repr_markdown_()
    jacobian_magic("", PROVEN)
    assert capsys.readouterr().err == ""


# -- the API -------------------------------------------------------------------------------------------------


def test_result_warning_names_the_line():
    warning = mdjacobian.evaluate(ABSTRACT).warning
    assert isinstance(warning, mdjacobian.Unchecked) and isinstance(warning, mdjacobian.BlockError)
    assert (str(warning), warning.line, warning.source_line, warning.kind) == (MESSAGE, 2, "h(x) = g(x^2) + x", "computation")
    assert mdjacobian.evaluate(PROVEN).warning is None
