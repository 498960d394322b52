"""Block statements, options, variable order and the point: block text -> Block."""

from __future__ import annotations

import re
from textwrap import dedent

import pytest
import sympy as sp

from mdjacobian import BlockError, LimitError, Limits, Options
from mdjacobian.parse import natural_key, parse_block

from .conftest import sym

x, y, z = sym("x", "y", "z")


def names(block) -> list[str]:
    return [v.name for v in block.variables]


def test_components_with_and_without_parameter_lists():
    block = parse_block("f(x, y) = 3x^2 y  # a comment\n\n# only a comment\ng = 2x + y^8")
    assert [(c.name, c.params, c.line) for c in block.components] == [("f", ("x", "y"), 1), ("g", None, 4)]
    assert block.components[0].expr == 3 * x**2 * y


def test_vector_definition_names_its_components():
    block = parse_block("f = [x^2, sin(x), exp(2x)]")
    assert [c.name for c in block.components] == ["f1", "f2", "f3"]
    assert {c.vector for c in block.components} == {"f"}
    assert block.components[2].expr == sp.exp(2 * x)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8", ["x", "y"]),
        ("f(y, x) = x y\ng(x, z) = z", ["y", "x", "z"]),  # union, in order of first appearance
        ("f(x) = a x", ["x"]),  # a is a constant: only declared parameters are variables
        ("f = y + x10 + x2 + x + x1", ["x", "x1", "x2", "x10", "y"]),  # natural order
        ("f = x y\nwrt: y, x", ["y", "x"]),
        ("f = x\nwrt: x z", ["x", "z"]),
    ],
)
def test_variables(source, expected):
    assert names(parse_block(source)) == expected


def test_natural_key():
    assert sorted(["x10", "y", "x2", "x", "x1"], key=natural_key) == ["x", "x1", "x2", "x10", "y"]


def test_options_from_block_and_from_outside():
    block = parse_block("f = x\nlayout: denominator\nshow: full", given={"output": "tex"})
    assert block.options == Options(layout="denominator", show="full", output="tex")


def test_defaults_apply_where_nothing_is_set():
    block = parse_block("f = x", defaults=Options(layout="denominator"))
    assert block.options.layout == "denominator"


def test_point_is_exact():
    block = parse_block("f(x, y) = x y\nat: x = 1/2, y = max(1, 2)")
    assert block.point == ((x, sp.Rational(1, 2)), (y, sp.Integer(2)))


def test_point_may_set_a_constant():
    block = parse_block("f(x) = a x\nat: a = 3")
    assert block.point == ((sym("a")[0], 3),)


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("f(x) = x\ng = x + * y", 2, "line 2: unexpected '*' after '+'"),
        ("f = x\nlayot: numerator", 2, "unknown option 'layot' (did you mean 'layout'?)"),
        ("f = x\nlayout: denominater", 2, "layout: unknown value 'denominater' (did you mean 'denominator'?); use 'numerator' or 'denominator'"),
        ("f = x\nshow: everything", 2, "use 'result' or 'full'"),
        ("f = x\nlayout: numerator\nlayout: denominator", 3, "option 'layout' is already set on line 2"),
        ("f = x\ng = y\nf = z", 3, "'f' is already defined on line 1"),
        ("f = [x, y]\nf2 = z", 2, "'f2' is already defined on line 1"),
        ("f(x, x) = x", 1, "parameter 'x' is listed twice"),
        ("f(x, 1) = x", 1, "'1' is not a valid parameter"),
        ("sin(x) = x", 1, "'sin' is a built-in name"),
        ("f(pi) = pi", 1, "'pi' is a built-in name"),
        ("3 = x", 1, "left of '=' must be a name"),
        ("x + y", 1, "expected 'name = expression', 'option: value' or 'names in R^n'"),
        ("f =", 1, "expected an expression"),
        ("f = [x, y", 1, "missing ']'"),
        ("f = [x, y] z", 1, "unexpected 'z' after ']'"),
        ("f = x\nat: z = 1", 2, "at: 'z' does not appear in the block"),
        ("f = x\nat: x = y", 2, "at: the value of 'x' must be a number"),
        ("f = x\nat: x = 1, x = 2", 2, "at: 'x' is given twice"),
        ("f = x\nat: x", 2, "at: expected 'name = value'"),
    ],
)
def test_errors_name_their_line(source, line, message):
    with pytest.raises(BlockError) as info:
        parse_block(source)
    assert info.value.line == line
    assert message in str(info.value)
    assert info.value.source_line == source.splitlines()[line - 1]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "the block defines no function"),
        ("# nothing here\n\nwrt: x", "the block defines no function"),
        ("f = 3", "there is no variable to differentiate with respect to"),
        ("f = x\nwrt: sin", "'sin' is a built-in name, not a variable"),
    ],
)
def test_block_level_errors(source, message):
    with pytest.raises(BlockError, match=message):
        parse_block(source)


def test_option_given_twice_is_an_error():
    with pytest.raises(BlockError, match="option 'layout' is set both here and on the fence line") as info:
        parse_block("f = x\nlayout: numerator", given={"layout": "denominator"})
    assert info.value.line == 2


def test_unknown_outside_option_lists_the_valid_ones():
    with pytest.raises(BlockError, match="valid options: wrt, at, layout, show, output"):
        parse_block("f = x", given={"colour": "red"})


@pytest.mark.parametrize(
    ("source", "limits", "limit"),
    [
        ("\n".join(f"f{i} = x" for i in range(30)), Limits(), "max_functions"),
        ("f = " + " + ".join(f"x{i}" for i in range(30)), Limits(), "max_variables"),
        ("f = x\n" + "\n" * 300, Limits(), "max_lines"),
        ("f = " + "x + " * 400 + "x", Limits(), "max_line_chars"),
        ("f = x" + " " * 30_000, Limits(), "max_block_chars"),
    ],
)
def test_block_limits(source, limits, limit):
    with pytest.raises(LimitError) as info:
        parse_block(source, limits=limits)
    assert info.value.limit == limit


def test_whole_block_is_dedented_text_friendly():
    source = dedent(
        """
        f(x, y) = 3x^2 y
        g(x, y) = 2x + y^8
        """
    )
    assert [c.line for c in parse_block(source).components] == [2, 3]


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("f(x) = x^2\ng(x) = f(x) + 1", 2, "'f' is defined in this block: use it by name (f) to differentiate through it"),
        ("u = u + x", 1, "'u' uses itself"),
        ("y = u + 1\nu = x^2", 1, "'y' uses 'u', defined on a later line"),
        ("x in R^3\nx1 in R\nf = x1 + sum(x)", 2, "'x1' is a component of 'x'; give it another name"),
        ("W in R^(2x2)\nW1 in R^2\nf = sum(W)", 2, "'W1' and 'W' would both have a component W11; rename one"),
    ],
)
def test_names_are_not_used_twice(source, line, message):
    with pytest.raises(BlockError, match=re.escape(message)) as info:
        parse_block(source)
    assert info.value.line == line
