"""A refuted ``claim:`` is a build warning on the claim's line in every host, unless the page shows the
mistake on purpose with ``expect: refuted``; a right claim, or an expected refutation, stays quiet."""

from __future__ import annotations

import logging

import markdown
import pytest

import mdjacobian

from .test_hosts import run, tool, write
from .test_unchecked import page, warned

WRONG = "W in R^(m x n)\nx in R^n\ny in R^m\nf = norm(W x - y)^2\nwrt: W\nclaim: (W x - y) x^T"
"""Line 6 claims half the gradient."""
RIGHT = WRONG.replace("claim: (W x - y) x^T", "claim: 2 (W x - y) x^T")
EXTENSIONS = [["mdjacobian"], ["pymdownx.superfences", "mdjacobian"]]


@pytest.mark.parametrize("extensions", EXTENSIONS, ids=["alone", "superfences"])
def test_a_refuted_claim_warns_on_its_line(caplog, extensions):
    with caplog.at_level(logging.WARNING):
        html = markdown.markdown(page(WRONG), extensions=extensions)
    assert "jacobian-claim-refuted" in html
    (message,) = warned(caplog)
    assert message.startswith("line 6: claim: your answer differs")
    assert "1/2 times the derivative" in message


@pytest.mark.parametrize("extensions", EXTENSIONS, ids=["alone", "superfences"])
def test_an_expected_refutation_is_shown_without_a_warning(caplog, extensions):
    with caplog.at_level(logging.WARNING):
        html = markdown.markdown(page(WRONG, "expect: refuted"), extensions=extensions)
    assert "jacobian-claim-refuted" in html
    assert caplog.records == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (RIGHT, "expect: refuted, but the claim was not refuted"),
        ("f(x) = sin(x)", "expect: refuted needs a 'claim:' line to refute"),
    ],
)
def test_expect_refuted_warns_when_nothing_is_refuted(caplog, body, message):
    with caplog.at_level(logging.WARNING):
        markdown.markdown(page(body, "expect: refuted"), extensions=["mdjacobian"])
    (found,) = warned(caplog)
    assert message in found


def test_a_right_claim_is_quiet(caplog):
    with caplog.at_level(logging.WARNING):
        html = markdown.markdown(page(RIGHT), extensions=["mdjacobian"])
    assert "jacobian-claim-proven" in html and "your answer is right" in html
    assert caplog.records == []


def test_the_api_reports_a_refuted_claim_as_the_results_warning():
    result = mdjacobian.evaluate(WRONG)
    assert result.claim == "refuted"
    assert str(result.warning).startswith("line 6: claim: your answer differs")
    assert result.warning.line == 6
    assert mdjacobian.evaluate(RIGHT).warning is None


def test_mkdocs_strict_fails_on_a_refuted_claim(tmp_path):
    mkdocs = tool("mkdocs")
    write(
        tmp_path,
        {
            "mkdocs.yml": """\
                site_name: Claims
                theme: mkdocs
                plugins:
                  - mdjacobian
            """,
            "docs/index.md": page(WRONG),
            "docs/mistake.md": page(WRONG, "expect: refuted"),
        },
    )
    strict = run(mkdocs, "build", "--strict", cwd=tmp_path, ok=False)
    output = strict.stdout + strict.stderr
    assert strict.returncode != 0, output
    assert "mdjacobian: index.md:9: jacobian block: line 6: claim: your answer differs" in output, output
    assert "mistake.md" not in output
