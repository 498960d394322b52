"""The command line: readable output, formats, standard input and exit status."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy as sp

from mdjacobian.hosts.cli import block_from_argument, main
from mdjacobian.serving import WALL_FACTOR

from .conftest import sym

x, y = sym("x", "y")


def test_comma_separated_expressions(capsys):
    assert main(["3x^2 y, 2x + y^8", "--wrt", "x,y"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 × 2 Jacobian, numerator layout (rows: f1, f2; columns: x, y)")
    assert out.splitlines()[1:-1] == sp.pretty(sp.Matrix([[6 * x * y, 3 * x**2], [2, 8 * y**7]])).splitlines()
    assert out.splitlines()[-1] == "✓ checked"


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


def test_vector_forms_are_printed(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("x, w in R^3\ny = x .* w\nwrt: w\n"))
    assert main(["-"]) == 0
    assert r"matrix form (TeX): \operatorname{diag}(\mathbf{x})" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("x in R^n\ny = sum(x)\n"))
    assert main(["-"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "1 × n gradient, numerator layout"
    assert r"matrix form (TeX): \mathbf{1}^{\top}" in lines
    assert lines[-1].startswith("✓ checked at n = ")


def test_numpy_format_prints_a_function(capsys):
    assert main(["x in R^n; W in R^(m x n); y in R^m; f = norm(W x - y)^2; wrt: W", "--format", "numpy"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("import numpy as np")
    assert "def derivative(x, W, y):" in out and "return 2 * (W @ x - y) @ x.T" in out


def test_hessian_option(capsys):
    assert main(["x^3 y", "--wrt", "x,y", "--derivative", "hessian", "--format", "sympy"]) == 0
    assert eval(capsys.readouterr().out, {"Matrix": sp.Matrix, "x": x, "y": y}) == sp.hessian(x**3 * y, (x, y))  # our own output


def test_formatting_is_under_the_time_limit(capsys):
    """Printing can be the slow part (pretty-printing a huge expression); it shares the block's limit."""
    start = time.perf_counter()
    status = main(["(x + a + b + c)^999 (x + d)^999 (x + e)^999", "--timeout", "0.5", "--format", "text"])
    assert time.perf_counter() - start < 0.5 * WALL_FACTOR + 5  # the limit counts processor time; generous slack
    if status == 1:  # stopped at the limit (else printed, possibly with a warning that it is unchecked)
        assert "time limit of 0.5 s" in capsys.readouterr().err


def test_version_is_the_installed_distributions(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    printed = capsys.readouterr().out
    assert printed == f"mdjacobian {version('mdjacobian')}\n"
    # ... which is the version the project declares
    declared = re.search(r'^version = "([^"]+)"', (Path(__file__).parent.parent / "pyproject.toml").read_text(), re.M)
    assert declared and printed.split()[1] == declared.group(1)
