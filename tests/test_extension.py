"""Python-Markdown hosts: the extension alone, with SuperFences in either order, custom_fences, nesting."""

from __future__ import annotations

import logging
from textwrap import dedent

import markdown
import pytest
from pymdownx.superfences import SuperFencesException

import mdjacobian

from .heavy import SLOW

WALKTHROUGH = """\
```jacobian
f(x, y) = 3x^2 y
g(x, y) = 2x + y^8
```
"""
CUSTOM_FENCE = {
    "pymdownx.superfences": {
        "custom_fences": [
            {
                "name": "jacobian",
                "class": "jacobian",
                "format": mdjacobian.fence_format,
                "validator": mdjacobian.fence_validator,
            }
        ]
    }
}


def render(text: str, extensions=("mdjacobian",), configs=None) -> str:
    return markdown.markdown(dedent(text), extensions=list(extensions), extension_configs=configs or {})


@pytest.mark.parametrize(
    "extensions",
    [
        ["mdjacobian"],
        ["mdjacobian.extension"],
        [mdjacobian.makeExtension()],
        ["mdjacobian", "pymdownx.superfences"],
        ["pymdownx.superfences", "mdjacobian"],
        ["fenced_code", "mdjacobian"],
        ["mdjacobian", "fenced_code"],
    ],
)
def test_top_level_fence(extensions):
    html = render(WALKTHROUGH, extensions)
    assert html.count('<div class="jacobian">') == 1
    assert "<mn>6</mn><mi>x</mi><mi>y</mi>" in html
    assert "```" not in html


def test_fence_inside_a_list():
    html = render(
        """
        1. The Jacobian:

            ```jacobian
            f(x, y) = 3x^2 y
            ```

        2. Next item
        """
    )
    assert '<li>\n<p>The Jacobian:</p>\n<div class="jacobian">' in html


def test_custom_fence_nested_in_admonition_and_tabs():
    html = render(
        """
        !!! note "Numerator layout"

            ```jacobian
            f(x, y) = 3x^2 y
            ```

        === "Numerator"

            ```jacobian
            f(x, y) = 3x^2 y
            g(x, y) = 2x + y^8
            ```

        === "Denominator"

            ```jacobian layout="denominator"
            f(x, y) = 3x^2 y
            g(x, y) = 2x + y^8
            ```
        """,
        extensions=["admonition", "pymdownx.superfences", "pymdownx.tabbed"],
        configs=CUSTOM_FENCE,
    )
    assert '<div class="admonition note">' in html
    assert html.count('<div class="jacobian">') == 3
    assert "2 × 2 Jacobian, denominator layout" in html


def test_user_fence_configuration_is_kept():
    """A site that configures the fence itself and also loads the extension renders each block once."""
    html = render(WALKTHROUGH, ["pymdownx.superfences", "mdjacobian"], CUSTOM_FENCE)
    assert html.count('<div class="jacobian">') == 1


def test_id_and_classes_from_the_fence_line():
    html = render('```{.jacobian #grad .wide}\nf(x, y) = x y\n```\n', ["pymdownx.superfences", "attr_list", "mdjacobian"])
    assert '<div id="grad" class="jacobian wide">' in html


def test_bad_block_renders_an_error_and_the_rest_of_the_page(caplog):
    text = "Before.\n\n```jacobian\nf(x) = x\ng = x + * y\n```\n\nAfter.\n\n" + WALKTHROUGH
    with caplog.at_level(logging.WARNING):
        html = render(text)
    assert "<p>Before.</p>" in html and "<p>After.</p>" in html
    assert '<div class="jacobian-error" role="alert">' in html
    assert "line 2: unexpected '*' after '+'" in html
    assert html.count('<div class="jacobian">') == 1
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "line 2: unexpected '*' after '+'" in record.getMessage()


def test_bad_fence_option_is_shown_not_swallowed(caplog):
    html = render('```jacobian layot="denominator"\nf(x, y) = x y\n```\n')
    assert "unknown option 'layot' (did you mean 'layout'?)" in html
    assert "jacobian-error" in html
    assert "did you mean 'layout'" in caplog.text


def test_fence_option_and_block_option_conflict():
    html = render('```jacobian layout="denominator"\nf(x, y) = x y\nlayout: numerator\n```\n')
    assert "line 2: option 'layout' is set both here and on the fence line" in html


def test_extension_config_sets_defaults():
    html = render(WALKTHROUGH, configs={"mdjacobian": {"layout": "denominator", "output": "tex"}})
    assert '<span class="arithmatex">' in html
    assert "2 × 2 Jacobian, denominator layout" in html


def test_fail_fast_stops_the_build():
    with pytest.raises(SuperFencesException, match="line 1: unexpected"):
        render("```jacobian\nf = )\n```\n", configs={"mdjacobian": {"fail_fast": True}})


def test_timeout_from_config_reaches_the_block():
    # SLOW keeps SymPy comparing polynomials pair by pair for minutes; the configured limit must stop it.
    html = render(f"```jacobian\n{SLOW}\n```\n", configs={"mdjacobian": {"timeout": 0.3}})
    assert "took longer than the time limit of 0.3 s" in html


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"layout": "sideways"}, "layout: unknown value 'sideways'"),
        ({"timeout": "soon"}, r"timeout must be 0 \(no limit\) or a number of seconds from 0.05 to 3600"),
    ],
)
def test_bad_configuration_fails_when_loading(config, message):
    with pytest.raises(ValueError, match=message):
        markdown.Markdown(extensions=["mdjacobian"], extension_configs={"mdjacobian": config})


def test_converter_is_reusable_across_documents():
    md = markdown.Markdown(extensions=["mdjacobian"])
    first = md.convert(WALKTHROUGH)
    md.reset()
    assert md.convert(WALKTHROUGH) == first
