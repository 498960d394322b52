"""Every reader of block text takes time in proportion to its input (see ``tests/growth.py``).

Blocks are read in a worker under a time limit, but a reader that is quadratic in a line spends that
limit on a line a reader in proportion would read at once; the options on a fence line and the
presentation lines are read in the build process itself. Each reader is run on inputs of one family
at two sizes, from fixed families that once were slow and from hypothesis-generated ones.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdjacobian.errors import BlockError
from mdjacobian.hosts.fence import fence_validator
from mdjacobian.language import read_block
from mdjacobian.language.declare import parse_space
from mdjacobian.limits import Limits
from mdjacobian.options import read_presentation
from mdjacobian.workers import converted

from ..growth import assert_linear

# Limits as wide as configuration allows, so that the readers, not the limits, meet the input.
WIDE = Limits(max_block_chars=1_000_000, max_lines=100_000, max_line_chars=1_000_000, max_depth=500, max_nodes=10_000_000)


def read(source: str) -> None:
    try:
        converted(lambda: read_block(source, {}, None, WIDE))  # as a worker reads it: deep nesting is an error too
    except BlockError:
        pass


def validate(options: dict[str, str]) -> None:
    fence_validator("jacobian", options, {}, {}, None)  # type: ignore[arg-type]


def presentation(source: str) -> None:
    try:
        read_presentation(source, {})
    except BlockError:
        pass


def space(text: str) -> None:
    try:
        parse_space(text)
    except BlockError:
        pass


def family(template: str, unit: str) -> object:
    return lambda size: template.replace("{}", unit * size)


@pytest.mark.parametrize(
    ("template", "unit"),
    [
        ("x in R^a{}b\nf = x", " "),  # a space's text once ended in a lazy match, retried at every space
        ("x in R^({}\nf = x", "m x "),
        ("x{} in R\nf = x", " , x"),
        ("f = x{}", " + x"),
        ("f = {}x", "-"),
        ("f = {}", "x"),
        ("f = x\nat: x = 1{}", ", x = 1"),
        ("f = x\nwrt: x{}", " y"),
        ("f = x\nassume: {}x = 1", "x + "),
        ("{}f = x", "# a comment\n"),
        ("{}f = x", "\n"),
        ("f = x # {}", "#"),
        ("f{} = x", "("),
    ],
)
def test_a_block_is_read_in_linear_time(template, unit):
    assert_linear(read, family(template, unit), 200)


BLOCK_CHARS = " \t,=()[]^*.+-/xyR0123_#:\nabf"
TEMPLATES = ["f = {}", "x in R^{}\nf = x", "{} in R\nf = x", "f = x\nat: {}", "f = x\nwrt: {}", "f = x\nassume: {}", "{}"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TEMPLATES), st.text(BLOCK_CHARS, min_size=1, max_size=6))
def test_blocks_of_any_repeated_pattern_are_read_in_linear_time(template, unit):
    assert_linear(read, family(template, unit), 100)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(" \t()x×*{}0123mn_", min_size=1, max_size=5))
def test_spaces_are_read_in_linear_time(unit):
    assert_linear(space, lambda size: "(" + unit * size + ")", 200)


@pytest.mark.parametrize("key", ["wrt", "at", "assume", "layout", "show", "source", "expect", "unknown"])
@pytest.mark.parametrize("unit", ["x ", "x, ", " ", "x = 1, ", "(", "a"])
def test_fence_line_options_are_checked_in_linear_time(key, unit):
    assert_linear(validate, lambda size: {key: unit * size}, 500)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(" \t:#\nsourcexpect=abv-", min_size=1, max_size=8))
def test_presentation_lines_are_read_in_linear_time(unit):
    assert_linear(presentation, lambda size: unit * size, 200)


def test_a_size_of_many_digits_is_a_limit_not_a_conversion():
    # Python reads a long run of digits in time that grows with its square, and refuses past 4300.
    from mdjacobian.errors import LimitError

    with pytest.raises(LimitError, match="larger than any block may have") as caught:
        read_block("x in R^" + "1" * 5000 + "\nf = sum(x)", {}, None, WIDE)
    assert caught.value.limit == "max_variables" and caught.value.line == 1
