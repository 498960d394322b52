"""Pages without SuperFences: mdjacobian finds its own fences and leaves every other one as it was.

A page without a ``jacobian`` fence must come out byte for byte as it would without mdjacobian, in
every configuration and extension order; ``jacobian`` fences must render wherever an author puts
them. (``test_citizenship.py`` runs Python-Markdown's and pymdown-extensions' own suites the same way.)
"""

from __future__ import annotations

import logging
import re

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymdownx.superfences import SuperFencesException

from mdjacobian.hosts.reading import Fence, FenceLine, fence_line, fences

BLOCK = "```jacobian\nf(x, y) = 3x^2 y\ng(x, y) = 2x + y^8\n```\n"
SPACED = "```jacobian\nf(x, y) = 3x^2 y\n\n\ng(x, y) = 2x + y^8\n```\n"  # blank lines split it in blocks
BROKEN = "```jacobian\nf = x +\n\n\ng = y\n```\n"  # with two blank lines, as a fence shown in code may have
OPEN = '<div class="jacobian">'
CELL = "<mn>6</mn><mi>x</mi><mi>y</mi>"  # d(3x^2 y)/dx


def indent(text: str, by: str = "    ") -> str:
    return "".join(f"{by}{line}" if line.strip() else line for line in text.splitlines(keepends=True))


# Host configurations: extensions and their settings, without mdjacobian.
CONFIGS = {
    "bare": ([], {}),
    "fenced_code": (["fenced_code"], {"fenced_code": {"lang_prefix": "lang-"}}),
    "codehilite-linenums": (["fenced_code", "codehilite"], {"codehilite": {"linenums": True, "css_class": "code"}}),
    "codehilite-noclasses": (["fenced_code", "codehilite"], {"codehilite": {"noclasses": True}}),
    "codehilite-no-pygments": (["codehilite", "fenced_code"], {"codehilite": {"use_pygments": False}}),
    "attr_list": (["fenced_code", "attr_list"], {}),
    "extra": (["extra", "codehilite", "admonition"], {}),
    "superfences": (["pymdownx.superfences", "attr_list", "admonition"], {}),
    "superfences-replaced-by-fenced_code": (["pymdownx.superfences", "fenced_code"], {}),
}
WITHOUT_SUPERFENCES = [name for name in CONFIGS if not name.startswith("superfences")]

# Pages with no live jacobian fence: other fences, and jacobian fences shown as source or not closed.
PAGES = {
    "no fence": "# Title\n\nSome *text*, `code` and a [link](x).\n\n- a\n- b\n",
    "python fence": "Before.\n\n```python\nx = 1\n```\n\nAfter.\n",
    "tilde fence with attributes": '~~~{.python #ex hl_lines="1" data-x="y"}\nx = 1\n~~~\n',
    "leading blank line": "```\n\nx = 1\n```\n",
    "fence after a paragraph": "Text:\n```python\nx = 1\n```\n",
    "fence in a list": "1. Step:\n\n    ```python\n    x = 1\n    ```\n\n2. Next\n",
    "fence in a blockquote": "> ```python\n> x = 1\n> ```\n",
    "jacobian shown in a longer fence": f"````markdown\n{BLOCK}````\n",
    "jacobian shown in a tilde fence": f"~~~text\n{BLOCK}~~~\n",
    "jacobian shown in indented code": f"Example:\n\n{indent(BROKEN)}\nAfter.\n",
    "jacobian shown in a list's code": f"- Example:\n\n{indent(BROKEN, ' ' * 8)}\n- Next\n",
    "jacobian shown in a quote's code": f"> Example:\n>\n{indent(indent(BROKEN), '> ')}",
    "jacobian shown in a quote's code, quoted throughout": (
        "> Example:\n>\n>     ```jacobian\n>     f = x +\n>\n>\n>     g\n>     ```\n"
    ),
    "jacobian fence begun under a code block": "    code\n  ```jacobian\n\n  ```\n",
    "unclosed jacobian fence": "```jacobian\nf = x\n\nText.\n",
    "jacobian fence line SuperFences rejects": "```jacobian layout=denominator\nf = x\n```\n",
    "jacobian in inline code": "Write ```jacobian``` then the functions.\n",
}


def convert(text: str, extensions: list, configs: dict) -> str:
    return markdown.Markdown(extensions=list(extensions), extension_configs=configs).convert(text)


@pytest.mark.parametrize("order", ["first", "last"])
@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_page_without_jacobian_fences_is_unchanged(config, page, order, caplog):
    extensions, configs = CONFIGS[config]
    with_it = ["mdjacobian", *extensions] if order == "first" else [*extensions, "mdjacobian"]
    with caplog.at_level(logging.WARNING):
        assert convert(PAGES[page], with_it, configs) == convert(PAGES[page], extensions, configs)
    if config in WITHOUT_SUPERFENCES:
        assert not caplog.records, "a fence shown as source was computed"


NESTED = f"""\
{BLOCK}
1. In a list:

{indent(SPACED)}
2. Next item

!!! note "In an admonition"

{indent(SPACED)}
> In a quote:
>
{indent(SPACED, "> ")}"""


@pytest.mark.parametrize("order", ["first", "last"])
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_jacobian_fences_render_where_they_are(config, order):
    extensions, configs = CONFIGS[config]
    extensions = [*extensions, "admonition"] if "admonition" not in extensions else extensions
    with_it = ["mdjacobian", *extensions] if order == "first" else [*extensions, "mdjacobian"]
    html = convert(NESTED, with_it, configs)
    assert html.count(OPEN) == html.count(CELL) == 4, html
    assert "```" not in html and "<p></p>" not in html and "\x02" not in html
    assert html.startswith(OPEN)
    assert re.search(r"<li>\s*<p>In a list:</p>\s*" + OPEN, html)
    assert re.search(r'<div class="admonition note">\s*<p class="admonition-title">In an admonition</p>\s*' + OPEN,
                     html)
    assert re.search(r"<blockquote>\s*<p>In a quote:</p>\s*" + OPEN, html)


@pytest.mark.parametrize("config", WITHOUT_SUPERFENCES)
def test_other_fences_beside_a_jacobian_fence_render_as_without_mdjacobian(config):
    extensions, configs = CONFIGS[config]
    python, tilde = "```python\nx = 1\n```\n", "~~~\n\nleading blank line\n~~~\n"
    html = convert(f"{python}\n{BLOCK}\n{tilde}", [*extensions, "mdjacobian"], configs)
    assert html.count(OPEN) == 1
    assert convert(python, extensions, configs) in html
    assert convert(tilde, extensions, configs) in html


@pytest.mark.parametrize("config", WITHOUT_SUPERFENCES)
def test_top_level_fence_is_a_block_of_its_own(config):
    """As fenced_code makes it: the fence ends the paragraph before it and starts the one after."""
    extensions, configs = CONFIGS[config]
    html = convert(f"```python``` is code in a paragraph.\n{BLOCK}After.\n", [*extensions, "mdjacobian"], configs)
    before = "<p><code>python</code> is code in a paragraph.</p>\n"
    assert re.fullmatch(re.escape(before) + OPEN + r".*</div>\n<p>After.</p>", html, re.S)


def test_content_tabs_without_superfences():
    denominator = BLOCK.replace("```jacobian", '```jacobian layout="denominator"')
    text = f'=== "A"\n\n{indent(BLOCK)}\n=== "B"\n\n{indent(denominator)}'
    html = convert(text, ["pymdownx.tabbed", "mdjacobian"], {})
    assert html.count(OPEN) == 2
    assert re.search(r'<div class="tabbed-content">\s*' + OPEN, html)
    assert "2 × 2 Jacobian, denominator layout" in html


def test_pelican_configuration_keeps_line_numbers():
    # Pelican's own MARKDOWN setting, with line numbers, and mdjacobian added to it.
    configs = {
        "markdown.extensions.codehilite": {"css_class": "highlight", "linenums": True},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
    }
    python = "```python\nx = 1\n```\n"
    pelican = markdown.Markdown(extensions=list(configs), extension_configs=configs, output_format="html5")
    without = pelican.convert(python)
    assert '<td class="linenos">' in without
    md = markdown.Markdown(extensions=[*configs, "mdjacobian"], extension_configs=configs, output_format="html5")
    html = md.convert(f"{python}\n{BLOCK}\n- In a list:\n\n{indent(BLOCK)}")
    assert html.startswith(without)
    assert html.count(OPEN) == 2


def test_fence_line_attributes_without_superfences():
    html = convert("```{.jacobian #grad .wide}\nf(x, y) = x y\n```\n", ["mdjacobian"], {})
    assert '<div id="grad" class="jacobian wide">' in html
    text = "- Item:\n\n" + indent('```jacobian {#grad layout="denominator"}\nf(x, y) = x y\n```\n')
    html = convert(text, ["mdjacobian"], {})
    assert re.search(r'<li>\s*<p>Item:</p>\s*<div id="grad" class="jacobian">', html)
    assert "2 × 1 gradient, denominator layout" in html


def test_nested_fence_keeps_its_blank_lines_for_error_lines(caplog):
    text = "- Item:\n\n" + indent("```jacobian\nf = x\n\ng = x + * y\n```\n")
    with caplog.at_level(logging.WARNING):
        html = convert(text, ["mdjacobian"], {})
    assert re.search(r'<li>\s*<p>Item:</p>\s*<div class="jacobian-error" role="alert">', html)
    assert "line 3: unexpected '*' after '+'" in html
    (record,) = caplog.records
    assert "line 3: unexpected '*' after '+'" in record.getMessage()


def test_fail_fast_in_a_nested_fence_stops_the_build():
    with pytest.raises(SuperFencesException, match="line 1: unexpected"):
        text = "!!! note\n\n    ```jacobian\n    f = )\n    ```\n"
        convert(text, ["admonition", "mdjacobian"], {"mdjacobian": {"fail_fast": True}})


@pytest.mark.parametrize("extensions", [["mdjacobian", "pymdownx.superfences"], ["pymdownx.superfences", "mdjacobian"]])
def test_superfences_listed_before_or_after_takes_the_fence(extensions):
    md = markdown.Markdown(extensions=extensions)
    assert md.convert(BLOCK).count(OPEN) == 1
    superfences = md.preprocessors["fenced_code_block"].extension.superfences
    assert [entry["name"] for entry in superfences].count("jacobian") == 1


def test_fenced_code_listed_after_superfences_keeps_other_fences():
    """fenced_code took the fence preprocessor from SuperFences: mdjacobian does not give it back."""
    extensions = ["pymdownx.superfences", "fenced_code"]
    python = "```python\nx = 1\n```\n"
    html = convert(f"{python}\n{BLOCK}", [*extensions, "mdjacobian"], {})
    assert html.startswith(convert(python, extensions, {}))
    assert '<code class="language-python">' in html
    assert html.count(OPEN) == 1


# -- the fence reader ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "line"),
    [
        ("jacobian", FenceLine("jacobian", {})),
        (" jacobian", FenceLine("jacobian", {})),
        (".jacobian", FenceLine("jacobian", {})),
        ("jacobian layout=\"denominator\" show='full'", FenceLine("jacobian", {"layout": "denominator", "show": "full"})),
        ("jacobian full", FenceLine("jacobian", {"full": "full"})),  # a bare word, as SuperFences reads it
        ("{.jacobian #grad .wide}", FenceLine("jacobian", {}, ["wide"], "grad")),
        ('jacobian {#grad layout="denominator"}', FenceLine("jacobian", {"layout": "denominator"}, [], "grad")),
        ("{.python .jacobian}", FenceLine("python", {}, ["jacobian"])),
        ("python", FenceLine("python", {})),
        ("", FenceLine("", {})),
        ("jacobians", FenceLine("jacobians", {})),
        ("jacobian layout=denominator", None),  # unquoted: SuperFences does not take it for a fence line
        ("jacobian{.wide}", None),
    ],
)
def test_fence_line(header, line):
    assert fence_line(header) == line


def test_fences_skip_what_other_fences_hold():
    lines = ["````markdown", "```jacobian", "f = x", "```", "````", "", "```jacobian", "g = y", "", "```"]
    assert list(fences(lines)) == [
        Fence(0, 4, "", "markdown", ["```jacobian", "f = x", "```"]),
        Fence(6, 9, "", "jacobian", ["g = y", ""]),
    ]


def test_fences_at_an_indentation_close_there():
    lines = ["    ~~~jacobian", "    f = x", "", "      g = y", "    ~~~~", "    ~~~ ", "after"]
    assert list(fences(lines)) == [Fence(0, 5, "    ", "jacobian", ["f = x", "", "  g = y", "~~~~"])]
    # A less indented line ends the list item, and with it a fence that was not closed.
    assert list(fences(["    ```jacobian", "f = x", "    ```"])) == []
    # In a blockquote, its empty lines belong to the fence.
    assert list(fences(["> ```jacobian", "> f = x", ">", "> ```"])) == [Fence(0, 3, "> ", "jacobian", ["f = x", ""])]



# -- pages made of the lines that matter to fences ---------------------------------------------------

LINES = [
    "", "Text", "- item", "1. item", "    - sub", "> quote", ">", "!!! note", '=== "Tab"', "Term", ":   definition",
    "# Heading", "---", "<div>", "</div>", "    code", "        deeper",
    "```", "````", "~~~", "```python", "  ```", "    ```", "        ```", "> ```",
    "```jacobian", "~~~jacobian", "  ```jacobian", "    ```jacobian", "        ```jacobian", "> ```jacobian",
    "f = x +", "    f = x +", "        g = y", "> f = x +",
]  # fmt: skip
HOSTS = [
    ["admonition", "def_list", "pymdownx.tabbed"],
    ["fenced_code", "codehilite", "admonition"],
    ["extra", "admonition"],
    ["pymdownx.superfences", "admonition"],
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=16), st.sampled_from(HOSTS))
def test_a_page_is_unchanged_unless_a_block_is_computed(lines, extensions):
    """Fences half-closed, misindented, lazily continued or shown as code: no block, no change."""
    text = "\n".join(lines) + "\n"
    html = convert(text, [*extensions, "mdjacobian"], {})
    without = convert(text, extensions, {})
    assert "\x02" not in html and "\x03" not in html, "a placeholder was left in the page"
    if not any(fences in extensions for fences in ("fenced_code", "extra", "pymdownx.superfences")):
        # Every <pre> is an indented code block then: one that shows a jacobian fence stays as it is.
        for code in re.findall(r"<pre>.*?</pre>", without, re.S):
            if "```jacobian" in code or "~~~jacobian" in code:
                assert code in html, "a fence shown as code was changed"
    if 'class="jacobian' not in html:
        assert html == without
