"""Block statements, options, declarations, variable order and the point: block text -> Block."""

from __future__ import annotations

import re
from fractions import Fraction
from textwrap import dedent

import pytest

from mdjacobian import BlockError, LimitError, Limits, Options, evaluate
from mdjacobian.language import natural_key, read_block
from mdjacobian.language.declare import parse_space
from mdjacobian.language.syntax import Num


def test_definitions_with_and_without_parameter_lists():
    block = read_block("f(x, y) = 3x^2 y  # a comment\n\n# only a comment\ng = 2x + y^8")
    assert [(d.name, d.params, d.line) for d in block.definitions] == [("f", ("x", "y"), 1), ("g", None, 4)]
    assert block.outputs == ("f", "g") and block.intermediates == ()


def test_intermediates_are_the_definitions_later_lines_use():
    block = read_block("u = x^2\nv = sin(u)\ny = v + u")
    assert block.intermediates == ("u", "v") and block.outputs == ("y",)


def test_a_vector_definition_names_its_entries():
    block = read_block("g = [x^2, 4x]\ny = g1 + g2")
    assert block.intermediates == ("g",)
    with pytest.raises(BlockError, match="'g2' is already defined on line 1"):
        read_block("g = [x, y]\ng2 = z")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8", ("x", "y")),
        ("f(y, x) = x y\ng(x, z) = z", ("y", "x", "z")),  # union, in order of first appearance
        ("f(x) = a x", ("x",)),  # a is a constant: only declared parameters are variables
        ("f = y + x10 + x2 + x + x1", ("x", "x1", "x2", "x10", "y")),  # natural order
        ("f = x y\nwrt: y, x", ("y", "x")),
        ("f = x\nwrt: x z", ("x", "z")),
        ("x, w in R^3\nb in R\nf = w · x + b", ("x", "w", "b")),  # declared names, in order
    ],
)
def test_variables(source, expected):
    assert read_block(source).wrt == expected


def test_natural_key():
    assert sorted(["x10", "y", "x2", "x", "x1"], key=natural_key) == ["x", "x1", "x2", "x10", "y"]


@pytest.mark.parametrize(
    ("space", "shape"),
    [("3", (3, 1)), ("n", ("n", 1)), ("(2x3)", (2, 3)), ("(m x n)", ("m", "n")), ("(mxn)", ("m", "n")),
     ("(n × n)", ("n", "n")), ("{k}", ("k", 1)), ("(2 x n)", (2, "n"))],
)
def test_spaces(space, shape):
    assert parse_space(space) == shape


def test_declarations_carry_their_shapes():
    block = read_block("x in R^n\nW ∈ ℝ^(m x n)\nb, y in R\nf = sum(W x) + b y")
    assert [(d.name, d.shape) for d in block.declarations] == [("x", ("n", 1)), ("W", ("m", "n")), ("b", (1, 1)), ("y", (1, 1))]
    assert block.sizes == ("n", "m")


def test_options_from_block_and_from_outside():
    block = read_block("f = x\nlayout: denominator\nshow: full", given={"output": "tex"})
    assert block.options == Options(layout="denominator", show="full", output="tex")
    assert read_block("f = x\nderivative: hessian").options.derivative == "hessian"


def test_defaults_apply_where_nothing_is_set():
    assert read_block("f = x", defaults=Options(layout="denominator")).options.layout == "denominator"


def test_point_is_kept_as_exact_numbers():
    block = read_block("f(x, y) = x y\nat: x = 1/2, y = 2.5")
    assert [name for name, _ in block.point] == ["x", "y"]
    assert block.point[1][1] == Num(Fraction(5, 2), "2.5", 2)


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("f(x) = x\ng = x + * y", 2, "line 2: unexpected '*' after '+'"),
        ("f = x\nlayot: numerator", 2, "unknown option 'layot' (did you mean 'layout'?)"),
        ("f = x\nlayout: denominater", 2, "layout: unknown value 'denominater' (did you mean 'denominator'?)"),
        ("f = x\nshow: everything", 2, "use 'result' or 'full' or 'chain'"),
        ("f = x\nlayout: numerator\nlayout: denominator", 3, "option 'layout' is already set on line 2"),
        ("f = x\ng = y\nf = z", 3, "'f' is already defined on line 1"),
        ("f(x, x) = x", 1, "parameter 'x' is listed twice"),
        ("f(x, 1) = x", 1, "'1' is not a valid parameter"),
        ("sin(x) = x", 1, "'sin' is a built-in name"),
        ("f(pi) = pi", 1, "'pi' is a built-in name"),
        ("3 = x", 1, "left of '=' must be a name"),
        ("x + y", 1, "expected 'name = expression', 'option: value' or 'names in R^n'"),
        ("f =", 1, "expected an expression"),
        ("f = [x, y", 1, "missing ']'"),
        ("f = x\nat: z = 1", 2, "at: 'z' does not appear in the block"),
        ("f = x\nat: x = y", 2, "at: the value of 'x' must be a number"),
        ("f = x\nat: x = 1, x = 2", 2, "at: 'x' is given twice"),
        ("f = x\nat: x", 2, "at: expected 'name = value'"),
        ("f = x1 + x_1", 1, "'x1' and 'x_1' would both print as x_1"),
        ("f = x\u2028+ y", 1, "U+2028 breaks the line"),
        ("x in R^(a b)\ny = x", 1, "unknown space 'R^(a b)'"),
        ("x in R^3\nx in R^2\ny = x", 2, "'x' is already declared on line 1"),
    ],
)
def test_errors_name_their_line(source, line, message):
    with pytest.raises(BlockError) as info:
        read_block(source)
    assert info.value.line == line
    assert message in str(info.value)
    assert info.value.source_line is not None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "the block defines no function"),
        ("# nothing here\n\nwrt: x", "the block defines no function"),
        ("f = x\nwrt: sin", "'sin' is a built-in name, not a variable"),
    ],
)
def test_block_level_errors(source, message):
    with pytest.raises(BlockError, match=message):
        read_block(source)


def test_a_block_without_variables_is_an_error_once_it_is_built():
    assert read_block("f = 3").wrt == ()
    with pytest.raises(BlockError, match="there is no variable to differentiate with respect to"):
        evaluate("f = 3")


def test_option_given_twice_is_an_error():
    with pytest.raises(BlockError, match="option 'layout' is set both here and on the fence line") as info:
        read_block("f = x\nlayout: numerator", given={"layout": "denominator"})
    assert info.value.line == 2


def test_unknown_outside_option_lists_the_valid_ones():
    with pytest.raises(BlockError, match="valid options: wrt, at, layout, show, output, derivative, assume"):
        read_block("f = x", given={"colour": "red"})


@pytest.mark.parametrize(
    ("source", "limit"),
    [
        ("\n".join(f"f{i} = x" for i in range(30)), "max_functions"),
        ("f = x\nwrt: " + ", ".join(f"x{i}" for i in range(30)), "max_variables"),
        ("f = x\n" + "\n" * 300, "max_lines"),
        ("f = " + "x + " * 400 + "x", "max_line_chars"),
        ("f = x" + " " * 30_000, "max_block_chars"),
        ("x in R^30\ny = sum(x)", "max_variables"),
        ("W in R^(9x9)\ny = sum(W)", "max_variables"),
        ("W in R^(2x10)\ny = sum(W)", "max_variables"),
    ],
)
def test_block_limits(source, limit):
    with pytest.raises(LimitError) as info:
        read_block(source, limits=Limits())
    assert info.value.limit == limit


def test_lines_split_where_markdown_splits_them():
    assert [d.line for d in read_block("f = x\r\ng = y\rh = z").definitions] == [1, 2, 3]
    source = dedent(
        """
        f(x, y) = 3x^2 y
        g(x, y) = 2x + y^8
        """
    )
    assert [d.line for d in read_block(source).definitions] == [2, 3]


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("f(x) = x^2\ng(x) = f(x) + 1", 2, "'f' is defined in this block: use it by name (f) to differentiate through it"),
        ("u = u + x", 1, "'u' uses itself"),
        ("y = u + 1\nu = x^2", 1, "'y' uses 'u', defined on a later line"),
        ("x in R^3\nx1 in R\nf = x1 + sum(x)", 2, "'x1' is a component of 'x'; give it another name"),
        ("W in R^(2x2)\nW1 in R^2\nf = sum(W)", 2, "'W1' and 'W' would both have a component W11; rename one"),
        ("x in R^3\nx2 = 1\nf = sum(x)", 2, "'x2' is a component of 'x'; give the function another name"),
    ],
)
def test_names_are_not_used_twice(source, line, message):
    with pytest.raises(BlockError, match=re.escape(message)) as info:
        read_block(source)
    assert info.value.line == line
