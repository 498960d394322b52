"""The fence reader: what it reads is what SuperFences reads, and its time grows with the page, no faster.

The references are the upstream readers themselves: SuperFences' fence-line pattern and option
pattern, and Python-Markdown's attribute-list parser, each run on inputs short enough for their
backtracking; and a direct transcription of how a fence closes, line by line.
"""

from __future__ import annotations

import math
import re

import markdown
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown.extensions.attr_list import get_attrs_and_remainder
from pymdownx.superfences import RE_NESTED_FENCE_START, RE_OPTIONS

from mdjacobian.hosts.header import attrs_of, options_of, read_header
from mdjacobian.hosts.reading import Fence, FenceLine, fence_line, fences, line_of_attrs

from .growth import alarm, assert_linear

# -- the reference readers ------------------------------------------------------------------------


def superfences_reads(header: str) -> FenceLine | None:
    """A fence line as SuperFences' own patterns read it (``header`` short: they backtrack)."""
    with alarm(5):
        match = RE_NESTED_FENCE_START.match("```" + header)
    if match is None or match["unrecognized"]:
        return None
    if match["attrs"] is not None:
        return line_of_attrs(match["lang"], get_attrs_and_remainder(match["attrs"])[0])
    values = {m["key"]: m["key"] if m["value"] is None else m["value"] for m in RE_OPTIONS.finditer(match["options"] or "")}
    return FenceLine(match["lang"] or "", values)


def fences_line_by_line(lines: list[str]) -> list[Fence]:
    """Each opening line followed down, line by line, to its closing line or the first line outside it."""
    opening = re.compile(r"(?P<prefix>(?:[ ]*>)*[ ]*)(?P<fence>`{3,}|~{3,})(?P<header>.*)")
    found, i = [], 0
    while i < len(lines):
        m = opening.fullmatch(lines[i])
        if m and not (m["fence"][0] == "`" and "`" in m["header"]):
            prefix, body = m["prefix"], []
            for end in range(i + 1, len(lines)):
                line = lines[end]
                if line.startswith(prefix):
                    inner = line[len(prefix) :]
                elif not line.strip() or (prefix.strip() and line.rstrip() == prefix.rstrip()):
                    inner = ""
                else:
                    break
                if re.fullmatch(re.escape(m["fence"]) + r"[ \t]*", inner):
                    found.append(Fence(i, end, prefix, m["header"], body))
                    i = end
                    break
                body.append(inner)
        i += 1
    return found


# -- the same readings ----------------------------------------------------------------------------

# The characters SuperFences' header grammar tells apart, and some it does not.
HEADER_CHARS = ' \t=\'"{}.#+-_aZ9é\r\xa0`~'
HEADERS = st.text(HEADER_CHARS, max_size=24).filter(lambda h: not h.startswith("`"))
WORDS = st.sampled_from(["jacobian", ".jacobian", "a", "a1", "_b", "c++", "{", "}", "{.x #y", 'k="v"', "k='v w'", "=", '"', "'"])
HEADERS_OF_WORDS = st.lists(st.tuples(st.sampled_from(["", " ", "\t", "  "]), WORDS), max_size=6).map(
    lambda parts: "".join(space + word for space, word in parts)
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(HEADERS, HEADERS_OF_WORDS))
@example('a="x"y" b')  # an option's value may hold its quote: SuperFences' option reader then reads three
@example('python a="" a="" a="" =')
@example(".")
@example("..x")
@example(' {.a} ')
@example("x {a=\"b c\" d='e' f=g .h #i j} ")
def test_a_header_reads_as_superfences_reads_it(header):
    assert fence_line(header) == superfences_reads(header)


@settings(max_examples=1000, deadline=None)
@given(st.text(' =}"\'.#a\tb', max_size=30))
@example('a="b c" d=\'e\' f=g .h #i j')
@example('a="b a="b a="b')
def test_an_attribute_list_reads_as_attr_list_reads_it(text):
    assert [tuple(pair) for pair in attrs_of(text)] == [tuple(pair) for pair in get_attrs_and_remainder(text)[0]]


@settings(max_examples=1000, deadline=None)
@given(st.text(' =\'"a_1.', max_size=30))
def test_options_read_as_superfences_reads_them(text):
    expected = {m["key"]: m["key"] if m["value"] is None else m["value"] for m in RE_OPTIONS.finditer(text)}
    assert options_of(text) == expected


def test_a_header_is_one_line():
    assert read_header("python\n") is None
    assert fence_line("jacobian\n") is None


PIECES = ["", " ", "  ", "   ", ">", "> ", "```", "````", "~~~", "x", "py", "`", "\t", "\u3000"]
PAGES = st.lists(st.lists(st.sampled_from(PIECES), max_size=4).map("".join), max_size=14)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAGES)
@example(["> ```", ">", "> x", ">  ", "> ```"])
@example(["  ```", " ", "  x", "  ```"])
@example(["```", "````", "```"])
@example(["> > ```", "> >", "> > ```"])
def test_fences_are_found_as_line_by_line(lines):
    assert list(fences(lines)) == fences_line_by_line(lines)


# -- time in proportion to the input --------------------------------------------------------------


def header_of(unit: str, prefix: str = "python ", suffix: str = "=") -> object:
    return lambda size: prefix + unit * (size // len(unit)) + suffix


@pytest.mark.parametrize(
    ("unit", "prefix", "suffix"),
    [
        ('a="" ', "python ", "="),  # SuperFences' pattern tries 2^n splits of this
        ('a="" ', "python ", ""),
        ('a=" ', "", '"'),  # one value that may end at any of n quotes
        ('a="b" ', "{", ""),  # an attribute list never closed
        ('a="b ', "{", "}"),  # attr_list's reader looks for each value's closing quote to the end
        ("a ", "", "\r"),
        (" ", "jacobian", "x"),
        ("x", ".", ""),
    ],
)
def test_a_header_is_read_in_linear_time(unit, prefix, suffix):
    assert_linear(fence_line, header_of(unit, prefix, suffix), 400)


def test_the_26_option_header_is_read_at_once():
    header = 'python ' + 'a="" ' * 26 + "="
    with alarm(2):  # SuperFences' pattern needs hours for it
        assert fence_line(header) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(HEADER_CHARS, min_size=1, max_size=6), st.text(HEADER_CHARS, max_size=6), st.text(HEADER_CHARS, max_size=4))
def test_headers_of_any_repeated_pattern_are_read_in_linear_time(unit, prefix, suffix):
    assert_linear(fence_line, header_of(unit, prefix, suffix), 400)


def page_of(unit: list[str], before: list[str] = (), after: list[str] = ()) -> object:
    return lambda size: [*before, *unit * (size // len(unit)), *after]


@pytest.mark.parametrize(
    ("unit", "after"),
    [
        (["~~~x"], ["```"]),
        (["    ~~~x"], []),
        (["> ~~~x"], []),
        (["```", "x"], []),  # every second line opens and closes: fences found in turn
        ([f"{' ' * k}```" for k in range(1, 40)], ["x"]),  # openings at growing indentation, one line outside all
        ([f"{'>' * k} ```" for k in range(1, 40)], [">"]),
        (["```" + "`" * k for k in range(40)], []),  # markers of growing length, none closed
        (["> ```", ">", ">  "], ["x"]),
    ],
)
def test_unclosed_fences_are_read_in_linear_time(unit, after):
    assert_linear(lambda lines: list(fences(lines)), page_of(unit, after=after), 2000)


def openings_then(kind: str, filler: str) -> object:
    """Openings of a different kind each (longer markers, deeper indentation), as many as the
    square root of the size, none closed, then ``size`` lines inside all of them."""

    def make(size: int) -> list[str]:
        count = math.isqrt(size)
        if kind == "marker":
            openings = ["`" * (3 + j) for j in range(count)]
        else:
            openings = [" " * j + "```x" for j in range(count)]
        return [*openings, *[filler] * size]

    return make


@pytest.mark.parametrize(("kind", "filler"), [("marker", "x"), ("marker", ""), ("indent", "")])
def test_openings_of_many_kinds_are_read_in_linear_time(kind, filler):
    # Following each opening down to the end of the page costs size^1.5 here: 64 times the input,
    # 512 times the time; linear reading about 64.
    assert_linear(lambda lines: list(fences(lines)), openings_then(kind, filler), 1000, factor=64)


def test_a_page_of_unclosed_fences_keeps_its_last_fence():
    lines = ["~~~x"] * 40_000 + ["", "```jacobian", "f = x", "```"]
    assert list(fences(lines)) == [Fence(40_001, 40_003, "", "jacobian", ["f = x"])]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES[1:]), min_size=1, max_size=3).map("".join).flatmap(
    lambda first: st.lists(st.lists(st.sampled_from(PIECES), max_size=3).map("".join), max_size=5).map(lambda rest: [first, *rest])
))
def test_pages_of_any_repeated_lines_are_read_in_linear_time(unit):
    assert_linear(lambda lines: list(fences(lines)), page_of(unit), 1000)


def test_a_fence_with_many_options_renders_at_once():
    # The page's other fences are read by the extension too, whatever their language.
    text = "```python " + 'a="" ' * 26 + "=\nprint(1)\n```\n\n```jacobian\nf(x) = x^2\n```\n"
    with alarm(60):  # computing the block included
        html = markdown.markdown(text, extensions=["fenced_code", "mdjacobian"])
    assert "print(1)" in html and 'class="jacobian' in html
