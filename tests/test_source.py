"""Showing a block's source (``source``), expected errors (``expect``) and the error box's link.

Every form goes through ``markdown.markdown`` with and without SuperFences, with and without
pymdownx.tabbed, and through real MkDocs builds with the default theme and with Material.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from textwrap import dedent

import markdown
import pytest

from mdjacobian import BlockError, evaluate
from mdjacobian.errors import KINDS
from mdjacobian.render import render_error

ERRORS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "reference" / "errors.md"

# The comment holds characters HTML must escape: the source is shown escaped, exactly once.
COMMENT = "# rows <&> columns"
SHOWN = html.escape(COMMENT)
RESULT = 'class="jacobian">'
VALUES = ("above", "below", "tabbed-left", "tabbed-right", "material-block")

HOSTS = {
    "plain": {"extensions": ["mdjacobian"]},
    "fenced_code": {"extensions": ["fenced_code", "mdjacobian"]},
    "fenced_code+codehilite": {"extensions": ["fenced_code", "codehilite", "mdjacobian"]},
    "pelican": {  # Pelican's default MARKDOWN setting
        "extensions": ["markdown.extensions.codehilite", "markdown.extensions.extra", "markdown.extensions.meta", "mdjacobian"],
        "extension_configs": {"markdown.extensions.codehilite": {"css_class": "highlight"}},
    },
    "superfences": {"extensions": ["pymdownx.superfences", "mdjacobian"]},
    "superfences+tabbed": {
        "extensions": ["pymdownx.superfences", "pymdownx.tabbed", "mdjacobian"],
        "extension_configs": {"pymdownx.tabbed": {"alternate_style": True}},
    },
    "tabbed": {"extensions": ["pymdownx.tabbed", "mdjacobian"]},
}


def block(*lines: str, fence: str = "jacobian") -> str:
    body = "\n".join(lines or ("f(x, y) = 3x^2 y  " + COMMENT,))
    return f"```{fence}\n{body}\n```\n"


def convert(text: str, host: str, **configs: object) -> str:
    settings = HOSTS[host]
    extension_configs = {**settings.get("extension_configs", {}), "mdjacobian": configs}
    return markdown.markdown(text, extensions=settings["extensions"], extension_configs=extension_configs)


def check_shown(page: str, where: str, tabbed: bool) -> None:
    """The source and the result are both there once, in the order and markup ``where`` asks for."""
    assert page.count(SHOWN) == 1, page
    assert COMMENT not in page
    assert page.count(RESULT) == 1, page
    source, result = page.index(SHOWN), page.index(RESULT)
    if where in ("above", "material-block", "tabbed-left"):
        assert source < result, page
    else:
        assert result < source, page
    if where == "material-block":
        assert re.search(r'<div class="result">\s*<div class="jacobian">', page), page
    if where.startswith("tabbed"):
        labels = re.findall(r"<label for=\"__tabbed_\d+_\d\">(\w+)</label>", page)
        if tabbed:
            assert labels == (["Source", "Result"] if where == "tabbed-left" else ["Result", "Source"]), page
            assert 'class="tabbed-set' in page
        else:
            assert labels == []
            parts = re.findall(r'<p class="jacobian-part-label">(\w+)</p>', page)
            assert parts == (["Source", "Result"] if where == "tabbed-left" else ["Result", "Source"]), page


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("where", VALUES)
def test_source_as_a_block_line(host, where, caplog):
    page = convert(block(f"source: {where}", "f(x, y) = 3x^2 y  " + COMMENT), host)
    check_shown(page, where, tabbed="tabbed" in host)
    assert "source: " + where in page  # the block as written, option lines included
    assert not caplog.records


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("where", VALUES)
def test_source_on_the_fence_line(host, where, caplog):
    page = convert(block(fence=f'jacobian source="{where}"'), host)
    check_shown(page, where, tabbed="tabbed" in host)
    assert not caplog.records


@pytest.mark.parametrize("host", ["plain", "superfences"])
def test_source_in_an_attribute_list(host):
    page = convert(block(fence='{.jacobian #grad source="below"}'), host)
    check_shown(page, "below", tabbed=False)
    assert 'id="grad"' in page


@pytest.mark.parametrize("host", HOSTS)
def test_no_source_by_default(host):
    page = convert(block(), host)
    assert page.count(RESULT) == 1
    assert SHOWN not in page


@pytest.mark.parametrize("host", ["plain", "superfences"])
def test_site_wide_source_and_a_block_that_opts_out(host):
    page = convert(block() + "\n" + block("source: none", "g(x) = x^2"), host, source="above")
    assert page.count(RESULT) == 2
    assert page.count(SHOWN) == 1
    assert "source: none" not in page


def test_a_bad_site_wide_source_fails_when_the_extension_loads():
    with pytest.raises(BlockError, match="source: unknown value 'aside'"):
        markdown.Markdown(extensions=["mdjacobian"], extension_configs={"mdjacobian": {"source": "aside"}})


@pytest.mark.parametrize(
    ("host", "highlighted"),
    [
        ("plain", '<pre><code class="language-text">'),
        ("fenced_code+codehilite", '<div class="codehilite"><pre>'),
        ("superfences", '<div class="highlight"><pre>'),
    ],
)
def test_source_is_highlighted_as_the_page_highlights_code(host, highlighted):
    page = convert(block("source: above", "f(x) = x^2"), host)
    # The page's other fences: fenced_code's when nothing else handles them.
    other = convert("```text\nsource: above\nf(x) = x^2\n```\n", "fenced_code" if host == "plain" else host)
    assert highlighted in page
    assert page.startswith(other.strip()), (page, other)  # the same markup as a text fence of the page


@pytest.mark.parametrize("host", ["superfences+tabbed", "tabbed"])
def test_tab_sets_keep_unique_ids_beside_the_page_s_own_tabs(host):
    tabs = '=== "One"\n\n    one\n\n=== "Two"\n\n    two\n\n'
    page = convert(tabs + block("source: tabbed-left", "f(x) = x") + "\n" + tabs, host)
    ids = re.findall(r'id="(__tabbed_[0-9_]+)"', page)
    assert len(ids) == 6
    assert len(set(ids)) == 6, ids


def test_the_source_is_never_computed_again(monkeypatch):
    import mdjacobian.workers

    # Blocks are computed in worker processes: count the computations sent there, with the cache
    # off so that an earlier test's copy of the block cannot stand in for one.
    calls = []
    real = mdjacobian.workers.run
    monkeypatch.setattr(mdjacobian.workers, "run", lambda *a, **k: calls.append(a) or real(*a, **k))
    page = convert(block("source: tabbed-right", "f(x) = x"), "superfences+tabbed", cache=False)
    assert RESULT in page
    assert len(calls) == 1


@pytest.mark.parametrize("host", ["plain", "superfences"])
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (block("f(x) = x", "source: sideways"), "line 2: source: unknown value 'sideways'"),
        (block("f(x) = x", "sorce: above"), "line 2: unknown option 'sorce' (did you mean 'source'?)"),
        (block("source: above", "f(x) = x", "source: below"), "line 3: option 'source' is already set on line 1"),
        (block("f(x) = x", "source: above", fence='jacobian source="below"'), "line 2: option 'source' is set both"),
        (block("f(x) = x", fence='jacobian source="left"'), "source: unknown value 'left'"),
        (block("f(x) = x", "expect: failure"), "line 2: expect: unknown value 'failure'"),
    ],
)
def test_a_bad_presentation_option_is_an_error_box_and_a_warning(host, text, message, caplog):
    with caplog.at_level(logging.WARNING):
        page = convert(text, host)
    assert '<div class="jacobian-error" role="alert">' in page
    assert html.escape(message, quote=False) in page
    assert RESULT not in page
    assert [r.getMessage() for r in caplog.records if message in r.getMessage()], caplog.text


def test_evaluate_checks_presentation_lines_and_leaves_them_out():
    assert evaluate("f(x) = x^2\nsource: above\nexpect: result").tex == evaluate("f(x) = x^2").tex
    with pytest.raises(BlockError, match="line 2: source: unknown value"):
        evaluate("f(x) = x\nsource: up")
    with pytest.raises(BlockError, match="unknown option 'expect'"):
        evaluate("f(x) = x", expect="error")  # not an option of the computation


def test_attribute_hosts_check_presentation_options_and_leave_them_out():
    from mdjacobian.hosts.common import checked_options

    assert checked_options({"source": "above", "expect": "result", "layout": "denominator"}) == {"layout": "denominator"}
    with pytest.raises(BlockError, match="source: unknown value 'aside'"):
        checked_options({"source": "aside"})


# --- expect: error -----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["plain", "superfences"])
def test_expected_error_is_shown_without_a_warning(host, caplog):
    failing = block("expect: error", "f = x + * y")
    with caplog.at_level(logging.WARNING):
        page = convert(failing + "\n" + block("f = x +"), host)
    assert page.count('<div class="jacobian-error" role="alert">') == 2
    assert "line 2: unexpected '*' after '+'" in page
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1, warnings  # only the block that does not expect its error
    assert "line 1: expression ends after '+'" in warnings[0]


@pytest.mark.parametrize("host", ["plain", "superfences"])
def test_expected_error_with_its_source(host, caplog):
    with caplog.at_level(logging.WARNING):
        page = convert(block("f = x + * y", fence='jacobian expect="error" source="above"'), host)
    assert not caplog.records
    assert page.index("f = x + * y") < page.index('<div class="jacobian-error"')


@pytest.mark.parametrize("host", ["plain", "superfences"])
def test_expected_error_on_the_fence_line(host, caplog):
    with caplog.at_level(logging.WARNING):
        page = convert(block("f(x) = x", fence='jacobian expect="error" layot="numerator"'), host)
    assert "unknown option 'layot' (did you mean 'layout'?)" in page
    assert not caplog.records


@pytest.mark.parametrize("host", ["plain", "superfences"])
def test_expected_error_that_computes_is_reported(host, caplog):
    with caplog.at_level(logging.WARNING):
        page = convert(block("expect: error", "f(x) = x^2"), host)
    assert '<div class="jacobian-error" role="alert">' in page
    assert RESULT not in page
    assert ["expect: error, but the block computed" in r.getMessage() for r in caplog.records] == [True]


def test_expected_error_does_not_stop_a_fail_fast_build():
    page = convert(block("expect: error", "f = x +"), "superfences", fail_fast=True)
    assert '<div class="jacobian-error" role="alert">' in page


# --- the error box's link ----------------------------------------------------------------------

URL = "https://docs.example.org/reference/errors/"


def box_for(text: str, host: str = "superfences") -> str:
    return convert(block(*text.split("\n")), host, errors_url=URL)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("f(x) = x\nx + y", "statements"),
        ("f = x\ng = x\nf = z", "statements"),
        ("f = x + * y", "expressions"),
        ("f = sin(x, y)", "expressions"),
        ("f = [x, y) ", "expressions"),
        ("f = [x, y] + [x, y, x]", "expressions"),
        ("f = x\nlayot: numerator", "options"),
        ("f = x\nsource: left", "options"),
        ("f = x\nwrt: x, x", "variables"),
        ("f = 3", "variables"),
        ("f = x\nat: z = 1", "point"),
        ("f(x) = 1/x\nat: x = 0", "point"),
        ("f = x^1001", "limits"),
        ("f = [x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x]", "limits"),
    ],
)
def test_the_box_links_to_the_section_for_its_kind(text, kind):
    with pytest.raises(BlockError) as excinfo:
        evaluate(text)
    assert excinfo.value.kind == kind
    page = box_for(text)
    assert f'<a href="{URL}#{kind}">' in page, page


def test_fence_line_errors_are_option_errors():
    page = convert(block("f(x) = x", fence='jacobian layot="numerator"'), "plain", errors_url=URL)
    assert f'<a href="{URL}#options">' in page


def test_without_an_address_the_box_has_no_link():
    assert "<a " not in convert(block("f = x +"), "superfences")
    assert "<a " not in render_error(BlockError("no", kind="options"))


def test_a_kind_without_a_section_links_to_the_page():
    assert f'<a href="{URL}">' in render_error(BlockError("no"), errors_url=URL)
    with pytest.raises(ValueError, match="unknown kind"):
        BlockError("no").of("spelling")


def test_every_kind_is_a_section_of_the_error_reference():
    anchors = re.findall(r"^#{2,3} .*\{#([a-z-]+)\}$", ERRORS_PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert set(KINDS) <= set(anchors), set(KINDS) - set(anchors)


# --- MkDocs ------------------------------------------------------------------------------------

mkdocs_build = pytest.importorskip("mkdocs.commands.build", reason="mkdocs is not installed: pip install -e '.[test]'")
from mkdocs.config import load_config  # noqa: E402
from mkdocs.exceptions import Abort  # noqa: E402


def site(tmp_path: Path, yaml: str, pages: dict[str, str]) -> Path:
    (tmp_path / "docs").mkdir(exist_ok=True)
    for name, text in pages.items():
        path = tmp_path / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nstrict: true\n" + dedent(yaml), encoding="utf-8")
    mkdocs_build.build(load_config(str(tmp_path / "mkdocs.yml")))
    return tmp_path / "site"


MATERIAL = """\
theme:
  name: material
plugins:
  - mdjacobian
markdown_extensions:
  - pymdownx.highlight
  - pymdownx.superfences
  - pymdownx.tabbed:
      alternate_style: true
"""
DEFAULT = """\
theme: mkdocs
plugins:
  - mdjacobian
"""


@pytest.mark.parametrize(("yaml", "tabbed"), [(DEFAULT, False), (MATERIAL, True)], ids=["mkdocs", "material"])
def test_mkdocs_build_shows_each_source_value(tmp_path, yaml, tabbed, caplog):
    if "material" in yaml:
        pytest.importorskip("material", reason="mkdocs-material is not installed")
    pages = {f"{where}.md": f"# {where}\n\n" + block(fence=f'jacobian source="{where}"') for where in VALUES}
    built = site(tmp_path, yaml, pages)
    for where in VALUES:
        page = (built / where / "index.html").read_text(encoding="utf-8")
        content = page[page.index("<h1") :]
        check_shown(content, where, tabbed)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_mkdocs_site_wide_source_errors_page_link_and_expect(tmp_path, caplog):
    pytest.importorskip("material", reason="mkdocs-material is not installed")
    yaml = MATERIAL.replace("  - mdjacobian\n", "  - mdjacobian:\n      source: material-block\n      errors_url: reference/errors.md\n")
    pages = {
        "index.md": "# Home\n\n" + block(),
        "reference/errors.md": "# Errors\n\n## Expressions {#expressions}\n",
        "guide/shown.md": "# Shown\n\n" + block("expect: error", "f = x + * y"),
    }
    built = site(tmp_path, yaml + "  - attr_list\n", pages)  # strict: an unexpected warning would abort
    home = (built / "index.html").read_text(encoding="utf-8")
    check_shown(home[home.index("<h1") :], "material-block", tabbed=True)
    shown = (built / "guide" / "shown" / "index.html").read_text(encoding="utf-8")
    assert '<div class="jacobian-error" role="alert">' in shown
    assert '<a href="../../reference/errors/#expressions">' in shown
    assert 'id="expressions"' in (built / "reference" / "errors" / "index.html").read_text(encoding="utf-8")
    assert not [r for r in caplog.records if "jacobian block" in r.getMessage()]


def test_mkdocs_strict_fails_on_an_expected_error_that_computes(tmp_path, caplog):
    with pytest.raises(Abort):
        site(tmp_path, DEFAULT, {"index.md": "# Home\n\n" + block("expect: error", "f(x) = x^2")})
    assert "index.md:3: jacobian block: expect: error, but the block computed" in caplog.text


def test_mkdocs_errors_url_must_name_a_page_of_the_site(tmp_path, caplog):
    yaml = DEFAULT.replace("  - mdjacobian\n", "  - mdjacobian:\n      errors_url: nowhere.md\n")
    with pytest.raises(Abort):
        site(tmp_path, yaml, {"index.md": "# Home\n"})
    assert "mdjacobian: 'errors_url': there is no page 'nowhere.md' in the site" in caplog.text


@pytest.mark.parametrize(
    ("errors_url", "handed_on"),
    [(URL, {"errors_url": URL, "source": "above"}), ("reference/errors.md", {"source": "above"})],
    ids=["address", "page-of-the-site"],
)
def test_mkdocs_plugin_hands_an_address_to_the_extension_but_links_a_page_itself(tmp_path, errors_url, handed_on):
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: t\nplugins:\n  - mdjacobian:\n      source: above\n      errors_url: {errors_url}\n", encoding="utf-8"
    )
    config = load_config(str(tmp_path / "mkdocs.yml"))
    config.plugins.on_config(config)
    # The cache settings go along too, the directory resolved next to mkdocs.yml.
    cache = {"cache": True, "cache_dir": str((tmp_path / ".cache" / "mdjacobian").resolve())}
    assert config.mdx_configs["mdjacobian"] == {**handed_on, **cache}
