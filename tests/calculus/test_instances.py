"""``Result.at_sizes`` with inverses and determinants at sizes 5 to 9, against an independent computation.

Above size 4 an inverse is written as shared expressions (Berkowitz's characteristic polynomial and
Cayley–Hamilton's adjugate). Each written-out derivative is evaluated at a random point with 40
digits and compared with central differences of the function itself, computed here with mpmath's
own determinant and inverse, entry by entry.
"""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy as sp

from mdjacobian import evaluate
from mdjacobian.calculus.adjugate import charpoly, det_and_inverse

from . import reference as ref

mp = mpmath.mp.clone() if hasattr(mpmath.mp, "clone") else mpmath.mp


def _function(name: str):  # noqa: ANN202
    """The block's function, written directly with mpmath matrices."""
    inv, det = mpmath.inverse, mpmath.det
    return {
        "logdet(X)": lambda v: mpmath.log(det(v["X"])),
        "det(X)": lambda v: det(v["X"]),
        "a^T inv(X) b": lambda v: (v["a"].T * inv(v["X"]) * v["b"])[0],
        "x^T inv(A) x": lambda v: (v["x"].T * inv(v["A"]) * v["x"])[0],
        "logdet(X^T X + A)": lambda v: mpmath.log(det(v["X"].T * v["X"] + v["A"])),
        "inv(X) b": lambda v: inv(v["X"]) * v["b"],
    }[name]


CASES = [
    ("logdet(X)", "X in R^(n x n)", "X", {"n": 6}),
    ("det(X)", "X in R^(n x n)", "X", {"n": 5}),
    ("a^T inv(X) b", "X in R^(n x n)\na, b in R^n", "X", {"n": 7}),
    ("x^T inv(A) x", "A in R^(n x n)\nx in R^n", "x", {"n": 8}),
    ("logdet(X^T X + A)", "X in R^(N x d)\nA in R^(d x d)", "X", {"N": 7, "d": 5}),
    ("inv(X) b", "X in R^(n x n)\nb in R^n", "b", {"n": 9}),
]


def _point(declarations: str, sizes: dict[str, int], rng: random.Random) -> dict[str, mpmath.matrix]:
    """Random values for each declared name, the square ones well away from singular."""
    values = {}
    for declaration in ref.declarations(declarations):
        rows, cols = (sizes.get(s, 1) if not s.isdigit() else int(s) for s in declaration.shape)
        for name in declaration.names:
            m = mpmath.matrix(rows, cols)
            for i in range(rows):
                for j in range(cols):
                    m[i, j] = mpmath.mpf(rng.uniform(-1, 1)) + (rows if i == j and rows == cols else 0)
            values[name] = m
    return values


def _differences(f, values: dict, name: str) -> list:  # noqa: ANN001
    """∂f/∂(each entry of ``name``), row by row, by central differences with Richardson extrapolation."""
    h = mpmath.mpf(10) ** -12
    out = []
    x = values[name]
    for i in range(x.rows):
        for j in range(x.cols):

            def at(t):  # noqa: ANN001, ANN202
                moved = {k: v.copy() for k, v in values.items()}
                moved[name][i, j] += t
                return f(moved)

            d1 = (at(h) - at(-h)) / (2 * h)
            d2 = (at(h / 2) - at(-h / 2)) / h
            out.append((4 * d2 - d1) / 3)
    return out


@pytest.mark.parametrize(("name", "declarations", "wrt", "sizes"), CASES, ids=[c[0] for c in CASES])
def test_at_sizes_with_inverses_agrees_with_differences(name, declarations, wrt, sizes):
    result = evaluate(f"{declarations}\nf = {name}\nwrt: {wrt}")
    assert result.check.checked, str(result.check)
    got = result.at_sizes(**sizes)
    rng = random.Random(name)
    with mpmath.workdps(45):
        values = _point(declarations, sizes, rng)
        point = {
            sp.Symbol(ref.entry(k, i + 1, j + 1) if v.cols > 1 else ref.entry(k, i + 1), real=True): sp.Float(str(v[i, j]), 45)
            for k, v in values.items()
            for i in range(v.rows)
            for j in range(v.cols)
        }
        f = _function(name)
        columns = _differences(f, values, wrt)
        shape, entries = ref.numbers(got, point)
        x = values[wrt]
        if f(values).__class__ is mpmath.matrix:  # a vector function: the Jacobian, one column per entry
            rows = len(f(values))
            want = [columns[j][i] if isinstance(columns[j], mpmath.matrix) else columns[j] for i in range(rows) for j in range(len(columns))]
            assert shape == (rows, x.rows * x.cols)
        elif x.cols > 1:
            want = columns  # a gradient shaped like the matrix, row by row
            assert shape == (x.rows, x.cols)
        else:
            want = columns  # a row gradient in numerator layout
            assert shape == (1, x.rows)
        assert ref.close(entries, [complex(w) for w in want], 1e-20), (entries[:3], want[:3])


@pytest.mark.parametrize("size", range(1, 10))
def test_det_and_inverse_match_sympy_at_numbers(size):
    """The shared expressions against SymPy's own determinant and inverse of the same numbers."""
    rng = random.Random(size)
    symbols = sp.Matrix(size, size, lambda i, j: sp.Symbol(f"a{i}_{j}", real=True))
    values = {s: sp.Rational(rng.randint(-9, 9), rng.randint(1, 5)) + (10 * size if s in symbols.diagonal() else 0) for s in symbols}
    det, inverse = det_and_inverse(symbols)
    numeric = symbols.subs(values)
    evaluator = ref.Evaluator(values)
    assert sp.nsimplify(evaluator(det)) == numeric.det()
    assert sp.Matrix(size, size, [evaluator(e) for e in inverse]) == numeric.inv()


def test_charpoly_is_the_characteristic_polynomial():
    a = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"a{i}{j}"))
    lam = sp.Symbol("lam")
    coefficients = charpoly([[a[i, j] for j in range(3)] for i in range(3)])
    written = sum(c * lam ** (3 - k) for k, c in enumerate(coefficients))
    assert sp.expand(written - (lam * sp.eye(3) - a).det()) == 0


def test_the_same_block_at_the_same_sizes_gives_the_same_matrix():
    """A second call reuses the expressions (SymPy would otherwise compare two equal graphs node by node)."""
    result = evaluate("A in R^(n x n)\nx in R^n\nf = x^T inv(A) x\nwrt: x")
    first = result.at_sizes(n=9)
    second = result.at_sizes(n=9)
    assert first.shape == second.shape == (1, 9)
    names = [ref.entry("A", i, j) for i in range(1, 10) for j in range(1, 10)] + [ref.entry("x", i) for i in range(1, 10)]
    point = {sp.Symbol(name, real=True): sp.Rational(k % 7 + 1, 3) + (9 if name[1:2] == name[2:] else 0) for k, name in enumerate(names)}
    assert ref.numbers(first, point) == ref.numbers(second, point)
