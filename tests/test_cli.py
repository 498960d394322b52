"""The command line: readable output, formats, standard input and exit status."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from mdjacobian.cli import block_from_argument, main

from .conftest import sym

x, y = sym("x", "y")


def test_comma_separated_expressions(capsys):
    assert main(["3x^2 y, 2x + y^8", "--wrt", "x,y"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 × 2 Jacobian, numerator layout (rows: f1, f2; columns: x, y)")
    assert out.splitlines()[1:] == sp.pretty(sp.Matrix([[6 * x * y, 3 * x**2], [2, 8 * y**7]])).splitlines()


@pytest.mark.parametrize(
    ("argument", "block"),
    [
        ("3x^2 y", "f = 3x^2 y"),
        ("3x^2 y, max(0, y)", "f = [3x^2 y, max(0, y)]"),
        ("f(x) = x; wrt: x", "f(x) = x\nwrt: x"),
    ],
)
def test_block_from_argument(argument, block):
    assert block_from_argument(argument) == block


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("tex", r"\frac{\partial \mathbf{f}}{\partial (x, y)} = "),
        ("mathml", '<math display="block">'),
        ("sympy", "Matrix([\n[6*x*y, 3*x**2],"),
    ],
)
def test_formats(capsys, fmt, expected):
    assert main(["3x^2 y, 2x + y^8", "--format", fmt]) == 0
    assert capsys.readouterr().out.startswith(expected)


def test_block_from_stdin_with_point(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("f(x, y) = 10x^2 y^2\nat: x = 1, y = 2\n"))
    assert main(["-", "--format", "sympy"]) == 0
    matrix, value = eval(capsys.readouterr().out, {"Matrix": sp.Matrix, "x": x, "y": y})  # our own output
    assert value == sp.Matrix([[80, 40]])


def test_bad_block_exits_non_zero_with_the_message(capsys):
    assert main(["x + * y"]) == 1
    assert capsys.readouterr().err == "mdjacobian: line 1: unexpected '*' after '+'\n"


def test_console_script_and_module_run():
    script = str(Path(sys.executable).parent / "mdjacobian")  # the venv's, activated or not
    for command in ([script], [sys.executable, "-m", "mdjacobian"]):
        done = subprocess.run([*command, "x^2", "--format", "tex"], capture_output=True, text=True, check=True)
        assert done.stdout.strip() == r"\frac{\partial f}{\partial x} = 2 x"
