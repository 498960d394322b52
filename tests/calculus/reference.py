"""Derivatives computed directly by SymPy, entry by entry, to prove mdjacobian's results independently.

Nothing here imports mdjacobian. Variables are written out as the package documents a concrete block
naming them (x1 … xn for a vector x, W11 … for a matrix, W10_11 where an index has two digits, a
scalar by its own name), so a result's :meth:`~mdjacobian.Result.at_sizes` and a derivative built
here can be compared at the same numbers. Large SymPy expressions are compared numerically, never
simplified: both sides are evaluated at random points with 40 significant digits.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

import sympy as sp

Point = Mapping[sp.Symbol, sp.Rational]
"""Exact numbers for every entry of every declared name."""
DIGITS = 40
RELATIVE = 1e-12
"""How far apart two evaluations of one derivative may be, relative to the larger one's size."""
ABSOLUTE = 1e-20
"""Below this, an entry is zero: 40-digit arithmetic leaves ~1e-40 where terms cancel exactly."""


# -- variables at concrete sizes -------------------------------------------------------------------


def entry(name: str, i: int, j: int | None = None) -> str:
    """x3 for a vector's third entry; W12 for a matrix's, W10_11 when an index has two digits."""
    if j is None:
        return f"{name}{i}"
    return f"{name}{i}{j}" if i < 10 and j < 10 else f"{name}{i}_{j}"


def scalar(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def vector(name: str, n: int) -> sp.Matrix:
    return sp.Matrix([scalar(entry(name, i)) for i in range(1, n + 1)])


def matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: scalar(entry(name, i + 1, j + 1)))


def symmetric(name: str, n: int) -> sp.Matrix:
    """A symmetric matrix with one symbol per pair: S12 stands at (1, 2) and at (2, 1)."""
    return sp.Matrix(n, n, lambda i, j: scalar(entry(name, min(i, j) + 1, max(i, j) + 1)))


_DECLARATION = re.compile(
    r"^\s*(?P<names>[A-Za-z]\w*(?:\s*,\s*[A-Za-z]\w*)*)\s+in\s+"
    r"(?:R(?:\^(?P<size>\w+|\(\s*\w+\s*x\s*\w+\s*\)))?|Sym\((?P<sym>\w+)\))\s*$"
)


@dataclass(frozen=True)
class Declaration:
    """``x, w in R^n``: names and their shape as size names (``("n", "1")``) or numbers."""

    names: tuple[str, ...]
    shape: tuple[str, str]
    symmetric: bool = False


def declarations(text: str) -> list[Declaration]:
    """The declarations of a block's text (``x in R^n``, ``W in R^(m x n)``, ``z in R``, ``S in Sym(n)``)."""
    found = []
    for line in text.splitlines():
        m = _DECLARATION.match(line)
        if not m:
            continue
        names = tuple(s.strip() for s in m["names"].split(","))
        if m["sym"]:
            found.append(Declaration(names, (m["sym"], m["sym"]), symmetric=True))
            continue
        size = (m["size"] or "1").strip("()")
        rows, _, cols = (part.strip() for part in size.partition("x"))
        found.append(Declaration(names, (rows, cols or "1")))
    return found


def size_names(text: str) -> list[str]:
    """The symbolic sizes a block's declarations use, in order of first appearance."""
    names: list[str] = []
    for d in declarations(text):
        for dim in d.shape:
            if not dim.isdigit() and dim not in names:
                names.append(dim)
    return names


def pick_sizes(names: Iterable[str], rng: random.Random, choices: Iterable[int] = (5, 6, 7)) -> dict[str, int]:
    """A different size from ``choices`` for each size name (so no matrix is square by accident)."""
    names = list(names)
    return dict(zip(names, rng.sample(list(choices), len(names))))


def values_at(text: str, sizes: Mapping[str, int]) -> SimpleNamespace:
    """Each declared name's SymPy value at ``sizes``: a symbol, a column or a matrix of symbols."""
    space = SimpleNamespace()
    for d in declarations(text):
        rows, cols = (int(dim) if dim.isdigit() else sizes[dim] for dim in d.shape)
        for name in d.names:
            if rows == cols == 1:
                value = scalar(name)
            elif d.symmetric:
                value = symmetric(name, rows)
            elif cols == 1:
                value = vector(name, rows)
            else:
                value = matrix(name, rows, cols)
            setattr(space, name, value)
    return space


# -- derivatives, laid out as the package documents ---------------------------------------------------


def _flat(value: sp.Basic | sp.MatrixBase) -> list[sp.Expr]:
    return list(value) if isinstance(value, sp.MatrixBase) else [value]


def vec(value: sp.Basic | sp.MatrixBase) -> list[sp.Expr]:
    """The entries column by column, as vec stacks them (a column's entries in order)."""
    if not isinstance(value, sp.MatrixBase):
        return [value]
    return [value[i, j] for j in range(value.cols) for i in range(value.rows)]


def is_symmetric(v: sp.Basic | sp.MatrixBase) -> bool:
    """A matrix of symbols with one symbol per pair, as :func:`symmetric` makes."""
    return isinstance(v, sp.MatrixBase) and v.rows == v.cols > 1 and v[0, 1] == v[1, 0]


def kind(f: sp.Expr | sp.MatrixBase, v: sp.Symbol | sp.MatrixBase) -> str:
    """What the derivative of ``f`` by ``v`` is called: derivative, gradient, column, jacobian, matrix or vec."""
    scalar_f = not isinstance(f, sp.MatrixBase)
    if not scalar_f and f.cols > 1:  # a matrix-valued function
        return "derivative" if not isinstance(v, sp.MatrixBase) else "vec"
    if isinstance(v, sp.MatrixBase) and v.cols > 1:
        return "matrix" if scalar_f else "vec"
    if not isinstance(v, sp.MatrixBase):
        return "derivative" if scalar_f else "column"
    return "gradient" if scalar_f else "jacobian"


def arrange(how: str, v: sp.Symbol | sp.MatrixBase, partial: Callable[[sp.Symbol], list[sp.Expr]], layout: str) -> sp.Matrix:
    """The partial derivatives ``partial(s)`` (one per entry of f) laid out as the package documents.

    Numerator layout has f's entries in rows and v's in columns; denominator layout is its transpose.
    A scalar f of a matrix v gives the gradient shaped like v in either layout; a vector f of a matrix
    v gives the Jacobian of vec(v), whose columns follow v's entries column by column.
    """
    if how == "matrix":
        if is_symmetric(v):  # the symmetric gradient: half of ∂f/∂Sij off the diagonal, where Sij is two entries
            return sp.Matrix(v.rows, v.cols, lambda i, j: partial(v[i, j])[0] / (1 if i == j else 2))
        return sp.Matrix(v.rows, v.cols, lambda i, j: partial(v[i, j])[0])
    order = [v[i, j] for j in range(v.cols) for i in range(v.rows)] if how == "vec" else _flat(v)
    columns = [partial(s) for s in order]
    if how == "vec" and is_symmetric(v):  # J (I + K)/2: half of ∂f/∂Sij in each of its two columns
        halves = [1 if i == j else 2 for j in range(v.cols) for i in range(v.rows)]
        columns = [[e / h for e in column] for column, h in zip(columns, halves)]
    jac = sp.Matrix(len(columns[0]), len(order), lambda i, j: columns[j][i])
    return jac.T if layout == "denominator" and jac.shape != (1, 1) else jac


def derivative(f: sp.Expr | sp.MatrixBase, v: sp.Symbol | sp.MatrixBase, layout: str = "numerator") -> sp.Matrix:
    """∂f/∂v by SymPy's ``diff``, entry by entry, laid out by :func:`arrange` (dF/dt shaped like a matrix F)."""
    how = kind(f, v)
    if how == "derivative" and isinstance(f, sp.MatrixBase):
        return f.diff(v)
    fs = vec(f)
    return arrange(how, v, lambda s: [sp.diff(e, s) for e in fs], layout)


def hessian(f: sp.Expr, v: sp.Symbol | sp.MatrixBase) -> sp.Matrix:
    """∇²f: the matrix of ∂²f/∂vᵢ∂vⱼ by SymPy (1 × 1 for a scalar v), over vec(v) for a matrix v.

    For a symmetric v, one symbol stands for Sᵢⱼ and Sⱼᵢ: each derivative by it is shared between
    the two, P H P with P = (I + K)/2."""
    order = vec(v)
    halves = [1] * len(order)
    if is_symmetric(v):
        halves = [1 if i == j else 2 for j in range(v.cols) for i in range(v.rows)]
    return sp.Matrix(len(order), len(order), lambda i, j: sp.diff(f, order[i], order[j]) / (halves[i] * halves[j]))


def joined(parts: list[sp.Matrix], kinds: list[str], layout: str) -> sp.Matrix | tuple[sp.Matrix, ...]:
    """Several variables' derivatives joined as a page shows them: side by side in numerator layout,
    one under another in denominator layout, and as separate matrices when one is a matrix variable's."""
    if len(parts) == 1:
        return parts[0]
    if any(k in ("matrix", "vec") for k in kinds):
        return tuple(parts)
    return sp.Matrix.vstack(*parts) if layout == "denominator" else sp.Matrix.hstack(*parts)


def expected(
    f: sp.Expr | sp.MatrixBase,
    variables: list[sp.Symbol | sp.MatrixBase],
    layout: str = "numerator",
    order: int = 1,
) -> sp.Matrix | tuple[sp.Matrix, ...]:
    """What ``Result.at_sizes`` should equal for a block of ``f`` with ``wrt`` the ``variables``."""
    if order == 2:
        (v,) = variables
        return hessian(f, v)
    parts = [derivative(f, v, layout) for v in variables]
    return joined(parts, [kind(f, v) for v in variables], layout)


# -- numbers --------------------------------------------------------------------------------------------


class Evaluator:
    """SymPy expressions at numbers, each distinct subexpression computed once.

    SymPy's own ``subs``/``xreplace`` walk shared subtrees again and again, which takes minutes on an
    LU inverse written out at size 5; here every node is rebuilt once over its arguments' values.
    """

    def __init__(self, values: Point) -> None:
        self.memo: dict[sp.Basic, sp.Basic] = dict(values)

    def __call__(self, expr: sp.Basic) -> sp.Basic:
        memo = self.memo
        stack = [expr]
        while stack:
            node = stack[-1]
            if node in memo:
                stack.pop()
                continue
            if isinstance(node, sp.Symbol):
                raise KeyError(f"no value for {node}")
            if not node.args:  # a number or a constant: exact, so integer powers stay real
                memo[node] = node
                stack.pop()
                continue
            pending = [a for a in node.args if a not in memo]
            if pending:
                stack.extend(pending)
                continue
            memo[node] = node.func(*(memo[a] for a in node.args))
            stack.pop()
        return memo[expr]


def number(value: sp.Basic) -> complex | sp.Expr:
    """A numeric SymPy value as a Python complex number (a 40-digit SymPy number where it is too large
    for one, such as exp(exp(10))); anything symbolic left over is an error."""
    value = sp.N(value, DIGITS)
    if not value.is_number:
        raise AssertionError(f"not a number after substitution: {value}")
    z = complex(value)
    return z if abs(z) < 1e300 else value


def numbers(value: sp.MatrixBase | sp.Basic, point: Mapping[sp.Symbol, sp.Basic]) -> tuple[tuple[int, int], list[complex]]:
    """The shape of ``value`` and its entries at ``point``, row by row, computed with 40-digit floats."""
    ev = Evaluator({s: sp.Float(x, DIGITS) for s, x in point.items()})
    if isinstance(value, sp.MatrixBase):
        return value.shape, [number(ev(e)) for e in value]
    return (1, 1), [number(ev(sp.sympify(value)))]


def close(got: list[complex], want: list[complex], relative: float = RELATIVE) -> bool:
    scale = max([abs(w) for w in want] + [abs(g) for g in got])
    return all(abs(g - w) <= relative * scale + ABSOLUTE for g, w in zip(got, want))


# -- random points ----------------------------------------------------------------------------------------

Domain = Callable[[sp.Matrix | sp.Symbol, random.Random, float], sp.Matrix | float]
SCALES = (1.0, 3.0, 0.3)
"""How far from zero the entries of each successive random point range (uniform in ±scale)."""


def _uniform(rng: random.Random, scale: float) -> float:
    return rng.uniform(-scale, scale)


def anywhere(value: sp.Matrix | sp.Symbol, rng: random.Random, scale: float) -> sp.Matrix | float:
    if isinstance(value, sp.MatrixBase):
        return sp.Matrix(value.rows, value.cols, lambda i, j: _uniform(rng, scale))
    return _uniform(rng, scale)


def positive(value: sp.Matrix | sp.Symbol, rng: random.Random, scale: float) -> sp.Matrix | float:
    """Entries in (0.1, 0.1 + scale]: inside the domain of log, sqrt and division."""
    if isinstance(value, sp.MatrixBase):
        return sp.Matrix(value.rows, value.cols, lambda i, j: 0.1 + rng.uniform(0, scale))
    return 0.1 + rng.uniform(0, scale)


def probabilities(value: sp.Matrix, rng: random.Random, scale: float) -> sp.Matrix:
    """Positive entries summing to exactly 1 (a label distribution for cross-entropy)."""
    weights = [rng.randint(1, 1000) for _ in range(len(value))]
    return sp.Matrix(value.rows, value.cols, [sp.Rational(w, sum(weights)) for w in weights])


def spd(value: sp.Matrix, rng: random.Random, scale: float) -> sp.Matrix:
    """B Bᵀ + I: symmetric positive definite, so log det is defined."""
    b = anywhere(value, rng, scale)
    return b * b.T + sp.eye(value.rows)


def invertible(value: sp.Matrix, rng: random.Random, scale: float) -> sp.Matrix:
    """A random matrix plus a dominant diagonal, well away from singular."""
    b = anywhere(value, rng, scale)
    return b + (scale * value.rows + 1) * sp.eye(value.rows)


def _exact(x: float | sp.Basic) -> sp.Rational:
    """A random number as an exact decimal of 6 places (a rational with a small denominator)."""
    if isinstance(x, sp.Rational):
        return x
    return sp.Rational(round(float(x) * 10**6), 10**6)


def point(space: SimpleNamespace, rng: random.Random, scale: float, domains: Mapping[str, Domain] | None = None) -> Point:
    """Random exact numbers for every entry of every declared name."""
    domains = domains or {}
    values: dict[sp.Symbol, sp.Rational] = {}
    for name, value in vars(space).items():
        drawn = domains.get(name, anywhere)(value, rng, scale)
        if isinstance(value, sp.MatrixBase):
            values.update((s, _exact(x)) for s, x in zip(value, drawn))
        else:
            values[value] = _exact(drawn)
    return values


# -- rational functions, for inverses of symbols ---------------------------------------------------------


class Polynomials:
    """The declared names' entries as generators of one polynomial ring over the rationals.

    SymPy's Matrix takes seconds to invert a 5 × 5 matrix of symbols and minutes to differentiate the
    result; its DomainMatrix gives the adjugate and determinant in a tenth of a second. A function such
    as tr(X⁻¹A) = tr(adj(X) A) / det(X) is then a ratio of two polynomials, differentiated exactly by
    SymPy's polynomial ``diff``.
    """

    def __init__(self, space: SimpleNamespace) -> None:
        from sympy.polys.matrices import DomainMatrix

        symbols = [s for value in vars(space).values() for s in _flat(value)]
        self.domain = sp.QQ[tuple(symbols)]
        self.symbols = symbols
        self.space = SimpleNamespace()
        for name, value in vars(space).items():
            if isinstance(value, sp.MatrixBase):
                setattr(self.space, name, DomainMatrix.from_Matrix(value).convert_to(self.domain))
            else:
                setattr(self.space, name, self.domain.from_sympy(value))

    def generator(self, s: sp.Symbol):  # noqa: ANN201 - a PolyElement
        return self.domain.gens[self.symbols.index(s)]

    @staticmethod
    def trace(m) -> object:  # noqa: ANN001
        return sum((m[i, i].element for i in range(m.shape[0])), m.domain.zero)

    @staticmethod
    def scalar(m) -> object:  # noqa: ANN001
        return m[0, 0].element

    def gradient_at(self, ratio, v: sp.MatrixBase, at: Point, layout: str = "numerator") -> sp.Matrix:  # noqa: ANN001
        """∂(N/D)/∂v at ``at`` for ``ratio = (N, D)``, exactly, laid out by :func:`arrange`."""
        top, bottom = ratio
        values = [sp.QQ.convert(at[s]) for s in self.symbols]
        t, b = top(*values), bottom(*values)

        def partial(s: sp.Symbol) -> list[sp.Expr]:
            g = self.generator(s)
            dt, db = top.diff(g)(*values), bottom.diff(g)(*values)
            return [sp.Rational(sp.QQ.to_sympy((dt * b - t * db) / b**2))]

        return arrange("matrix" if v.cols > 1 else "gradient", v, partial, layout)


def assert_agree_at(
    got: sp.MatrixBase | tuple,
    want: Callable[[Point], sp.MatrixBase | tuple],
    points: Iterable[Point],
    relative: float = RELATIVE,
) -> None:
    """As :func:`assert_agree`, for an expected derivative computed at each point (``want(point)``)."""
    for at in points:
        assert_agree(got, want(at), [at], relative)


def assert_agree(
    got: sp.MatrixBase | tuple,
    want: sp.MatrixBase | tuple,
    points: Iterable[Point],
    relative: float = RELATIVE,
) -> None:
    """``got`` and ``want`` have one shape and the same entries at every point (up to ``relative``)."""
    got_parts = got if isinstance(got, tuple) else (got,)
    want_parts = want if isinstance(want, tuple) else (want,)
    assert len(got_parts) == len(want_parts), f"{len(got_parts)} parts, expected {len(want_parts)}"
    for g, w in zip(got_parts, want_parts):
        assert g.shape == w.shape, f"shape {g.shape}, expected {w.shape}"
    for at in points:
        for k, (g, w) in enumerate(zip(got_parts, want_parts)):
            _, gn = numbers(g, at)
            _, wn = numbers(w, at)
            if not close(gn, wn, relative):
                worst = max(range(len(gn)), key=lambda i: abs(gn[i] - wn[i]))
                raise AssertionError(
                    f"part {k}, entry {divmod(worst, w.shape[1])}: got {gn[worst]}, expected {wn[worst]}"
                )
