"""Index notation, for a derivative that has no form in matrix notation.

Every derivative the engine takes is read off a differential linear in dX. Where the readings of
:mod:`~mdjacobian.calculus.extract` find no matrix form, the same differential is read entry by entry:
∂Fᵢⱼ/∂Xₖₗ as a sum of terms, each a product of entries of matrix expressions and Kronecker deltas,
summed over inner indices, as Ricci calculus and the Matrix Cookbook's index identities write it.
Deltas that meet a summed index are contracted away, so the terms come out as a text prints them:
∂(A diag(x) B)ᵢⱼ/∂xₖ = Aᵢₖ Bₖⱼ.

The form is proven like every other: :meth:`IndexForm.evaluate` computes the whole derivative at a
point from the entries, for the numerical proof, and :meth:`IndexForm.lower` writes it out in SymPy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from . import algebra as al
from .differential import NoMatrixForm
from .extract import Linear
from .nodes import (
    Add,
    Cases,
    Diag,
    DiagPart,
    Differential,
    Dim,
    Hadamard,
    Identity,
    Inner,
    Mul,
    Node,
    Ones,
    Sum,
    Trace,
    Transpose,
    Zero,
)

Index = str | None
"""An index's name, or None for a side of size 1 (a column's columns, a scalar's sides)."""

OUTER = ("i", "j", "k", "l")
"""The indices of ∂Fᵢⱼ/∂Xₖₗ; inner ones are drawn from :data:`INNER`."""
INNER = ("p", "q", "r", "s", "t", "u", "v", "a", "b", "c", "d", "e", "g", "h", "m")


@dataclass(frozen=True)
class Factor:
    """Entry (row, col) of a matrix expression that does not hold dX."""

    node: Node
    row: Index
    col: Index


@dataclass(frozen=True)
class Term:
    """coeff · Σ over ``summed`` of the product of ``factors`` and of δ for each pair in ``deltas``."""

    coeff: Node
    factors: tuple[Factor, ...] = ()
    deltas: tuple[tuple[str, str], ...] = ()
    summed: tuple[str, ...] = ()

    def times(self, other: Term) -> Term:
        return Term(
            al.mul(self.coeff, other.coeff),
            self.factors + other.factors,
            self.deltas + other.deltas,
            self.summed + other.summed,
        )


@dataclass(frozen=True)
class IndexForm:
    """∂Fᵢⱼ/∂Xₖₗ: the function's indices (i, j), the variable's (k, l), the terms and every index's range."""

    function: tuple[Index, Index]
    variable: tuple[Index, Index]
    terms: tuple[Term, ...]
    ranges: tuple[tuple[str, Dim], ...]

    def range_of(self, index: str) -> Dim:
        return dict(self.ranges)[index]

    def nodes(self) -> Iterator[Node]:
        """Every expression the form holds (coefficients and factors), for the printers and the proof."""
        for term in self.terms:
            yield term.coeff
            for factor in term.factors:
                yield factor.node

    # -- values ---------------------------------------------------------------------------------------
    def entries(
        self, sizes: Mapping[str, int], value: Callable[[Node], Any], zero: Any, one: Any
    ) -> dict[tuple[int, ...], Any]:
        """Every entry ∂F(i, j)/∂X(k, l), keyed by the 0-based (i, j, k, l) (a side of size 1 is 0).

        ``value`` computes an expression (entry access by ``(row, col)`` on what it returns).
        """
        outer = [*self.function, *self.variable]
        out: dict[tuple[int, ...], Any] = {}
        ranges = {name: dim.at(sizes) for name, dim in self.ranges}
        free = [x for x in outer if x is not None]
        for term in self.terms:
            coeff = value(term.coeff)
            factors = [(value(f.node), f.row, f.col) for f in term.factors]
            indices = free + [s for s in term.summed if s not in free]
            for chosen in itertools.product(*(range(ranges[x]) for x in indices)):
                at = dict(zip(indices, chosen))
                if any(at[a] != at[b] for a, b in term.deltas):
                    continue
                product = coeff
                for v, row, col in factors:
                    product = product * _entry(v, at.get(row, 0) if row else 0, at.get(col, 0) if col else 0)
                key = tuple(at[x] if x is not None else 0 for x in outer)
                out[key] = out.get(key, zero) + product
        return out


def _entry(value: Any, i: int, j: int) -> Any:
    if hasattr(value, "at"):  # an Arr of the proof
        return value.at(i, j)
    if hasattr(value, "shape"):  # a SymPy matrix
        return value[i, j]
    return value


class _Reader:
    """Reads the terms of a differential, entry by entry."""

    def __init__(self, dx: Differential) -> None:
        self.dx = dx
        self.ranges: dict[str, Dim] = {}
        self.fresh = iter(INNER + tuple(f"p{n}" for n in range(1, 100)))
        self.holds = Linear(dx)
        """Whether a part of the differential holds dX."""

    def index(self, dim: Dim) -> Index:
        if dim.is_one:
            return None
        name = next(self.fresh)
        self.ranges[name] = dim
        return name

    def terms(self, node: Node, row: Index, col: Index, k: Index, l: Index) -> list[Term]:  # noqa: C901, E741
        """The terms of entry (row, col) of ``node``, a differential linear in dX, by dX's entry (k, l)."""
        if not self.holds(node):
            return []
        one = Term(al.ONE_N)
        if node == self.dx:
            deltas = tuple((a, b) for a, b in ((row, k), (col, l)) if a is not None and b is not None)
            return [Term(al.ONE_N, deltas=deltas)]
        if isinstance(node, Add):
            return [t for a in node.args for t in self.terms(a, row, col, k, l)]
        if isinstance(node, Transpose):
            return self.terms(node.args[0], col, row, k, l)
        if isinstance(node, Hadamard):
            others = [a for a in node.args if not self.holds(a)]
            (inner,) = [a for a in node.args if self.holds(a)]
            factor = _factor(al.hadamard(*others), row, col)
            return [factor.times(t) for t in self.terms(inner, row, col, k, l)]
        if isinstance(node, Mul):
            return self._product(node, row, col, k, l)
        if isinstance(node, Sum):
            (inner,) = node.args
            p, q = self.index(inner.rows), self.index(inner.cols)
            return [_summed(t, p, q) for t in self.terms(inner, p, q, k, l)]
        if isinstance(node, Trace):
            (inner,) = node.args
            p = self.index(inner.rows)
            return [_summed(t, p) for t in self.terms(inner, p, p, k, l)]
        if isinstance(node, Diag):
            (inner,) = node.args
            return [replace(t, deltas=t.deltas + ((row, col),)) for t in self.terms(inner, row, None, k, l)]
        if isinstance(node, DiagPart):
            return self.terms(node.args[0], row, row, k, l)
        if isinstance(node, Inner):
            a, b = node.args
            if self.holds(a):
                a, b = b, a
            p = self.index(a.rows)
            return [_summed(_factor(a, p, None).times(t), p) for t in self.terms(b, p, None, k, l)]
        if isinstance(node, Cases):
            step = Term(al.apply("step", node.condition))
            return [step.times(t) for t in self.terms(node.active, row, col, k, l)]
        del one
        raise NoMatrixForm(f"no index form for {type(node).__name__}")

    def _product(self, node: Mul, row: Index, col: Index, k: Index, l: Index) -> list[Term]:  # noqa: E741
        found = [i for i, a in enumerate(node.args) if self.holds(a)]
        if len(found) != 1:
            raise NoMatrixForm("the differential is not linear")
        (at,) = found
        factor = node.args[at]
        scalars = [a for i, a in enumerate(node.args) if a.is_scalar and i != at]
        left = [a for a in node.args[:at] if not a.is_scalar]
        right = [a for a in node.args[at + 1 :] if not a.is_scalar]
        scale = Term(al.mul(*scalars)) if scalars else Term(al.ONE_N)
        if factor.is_scalar:  # a constant array times a scalar that holds dX
            array = al.mul(*left, *right) if left or right else al.ONE_N
            outside = scale.times(_factor(array, row, col))
            return [outside.times(t) for t in self.terms(factor, None, None, k, l)]
        outside = scale
        inner_row, inner_col = row, col
        summed: list[str] = []
        if left:
            product = al.mul(*left)
            inner_row = self.index(factor.rows)
            outside = outside.times(_factor(product, row, inner_row))
            summed.append(inner_row) if inner_row else None
        if right:
            product = al.mul(*right)
            inner_col = self.index(factor.cols)
            outside = outside.times(_factor(product, inner_col, col))
            summed.append(inner_col) if inner_col else None
        return [_summed(outside.times(t), *summed) for t in self.terms(factor, inner_row, inner_col, k, l)]


def _factor(node: Node, row: Index, col: Index) -> Term:
    """Entry (row, col) of a constant expression, as a term: I is a delta, 𝟏 is one."""
    if isinstance(node, Identity):
        return Term(al.ONE_N, deltas=((row, col),)) if row and col else Term(al.ONE_N)
    if isinstance(node, Ones):
        return Term(al.ONE_N)
    if isinstance(node, Diag) and row and col:  # diag(v)ᵢₖ = vᵢ δᵢₖ
        return Term(al.ONE_N, factors=(Factor(node.args[0], row, None),), deltas=((row, col),))
    if isinstance(node, Zero):
        return Term(al.ZERO_N)
    if node.is_scalar:
        return Term(node)
    return Term(al.ONE_N, factors=(Factor(node, row, col),))


def _summed(term: Term, *indices: Index) -> Term:
    return replace(term, summed=term.summed + tuple(i for i in indices if i is not None))


def _contract(term: Term, ranges: Mapping[str, Dim]) -> Term | None:
    """Contract every delta that meets a summed index: Σₚ Aᵢₚ δₚₖ = Aᵢₖ. None for a term that is zero."""
    if al.is_zero(term.coeff):
        return None
    factors, deltas, summed = list(term.factors), list(term.deltas), list(term.summed)
    coeff = term.coeff
    changed = True
    while changed:
        changed = False
        for n, (a, b) in enumerate(deltas):
            if a == b:
                del deltas[n]
                if a in summed:  # Σₚ δₚₚ is the range's size
                    summed.remove(a)
                    coeff = al.mul(coeff, al.size_value(ranges[a]))
                changed = True
                break
            gone, kept = (a, b) if a in summed else (b, a) if b in summed else (None, None)
            if gone is None:
                continue
            del deltas[n]
            summed.remove(gone)
            swap = {gone: kept}
            factors = [Factor(f.node, swap.get(f.row, f.row), swap.get(f.col, f.col)) for f in factors]  # type: ignore[arg-type]
            deltas = [(swap.get(x, x), swap.get(y, y)) for x, y in deltas]
            changed = True
            break
    # A delta between two outer indices stays; one between an outer index and itself is gone above.
    return Term(coeff, tuple(factors), tuple(dict.fromkeys(tuple(sorted(d)) for d in deltas)), tuple(summed))


def _collect(terms: Iterable[Term]) -> list[Term]:
    """Like terms added: 2 Aᵢₖ δⱼₗ rather than Aᵢₖ δⱼₗ + Aᵢₖ δⱼₗ; terms that cancel dropped."""
    collected: dict[tuple, Node] = {}
    for term in terms:
        key = (term.factors, tuple(sorted(term.deltas)), tuple(sorted(term.summed)))
        collected[key] = al.add(collected[key], term.coeff) if key in collected else term.coeff
    return [Term(coeff, factors, deltas, summed) for (factors, deltas, summed), coeff in collected.items() if not al.is_zero(coeff)]


def _swapped(term: Term, k: str, l: str) -> Term:  # noqa: E741
    """The term with the variable's two indices exchanged."""
    swap = {k: l, l: k}
    factors = tuple(Factor(f.node, swap.get(f.row, f.row), swap.get(f.col, f.col)) for f in term.factors)  # type: ignore[arg-type]
    return Term(term.coeff, factors, tuple((swap.get(a, a), swap.get(b, b)) for a, b in term.deltas), term.summed)


def index_form(df: Node, dx: Differential, function_shape: tuple[Dim, Dim], symmetric: bool = False) -> IndexForm:
    """∂F/∂X in index notation from dF, linear in dX; NoMatrixForm for a node it cannot read.

    For a symmetric X, the derivative symmetric in (k, l): the mean of the terms and their swaps."""
    reader = _Reader(dx)
    i = "i" if not function_shape[0].is_one else None
    j = "j" if not function_shape[1].is_one else None
    k = "k" if not dx.rows.is_one else None
    l = "l" if not dx.cols.is_one else None  # noqa: E741
    for name, dim in zip(OUTER, (*function_shape, *dx.shape)):
        if not dim.is_one:
            reader.ranges[name] = dim
    raw = reader.terms(df, i, j, k, l)
    if symmetric and k and l:
        raw = [replace(t, coeff=al.mul(al.HALF, t.coeff)) for t in raw + [_swapped(t, k, l) for t in raw]]
    terms = _collect(t for t in (_contract(t, reader.ranges) for t in raw) if t is not None)
    used = {x for t in terms for x in t.summed} | {x for x in (i, j, k, l) if x}
    ranges = tuple((name, dim) for name, dim in reader.ranges.items() if name in used)
    return IndexForm((i, j), (k, l), tuple(terms), ranges)


__all__ = ["Factor", "IndexForm", "Term", "index_form"]


def arranged(form: IndexForm, kind: str, sizes: Mapping[str, int], value: Callable[[Node], Any], zero: Any, one: Any) -> tuple[int, int, list]:
    """The form's entries laid out as the part's ``kind`` lays out a derivative, in numerator layout:
    (rows, cols, entries row by row). vec orders a matrix's entries column by column."""
    entries = form.entries(sizes, value, zero, one)
    shape = {name: dim.at(sizes) for name, dim in form.ranges}
    m, n = (shape.get(x, 1) if x else 1 for x in form.function)
    r, s = (shape.get(x, 1) if x else 1 for x in form.variable)

    def at(i: int, j: int, k: int, l: int) -> Any:  # noqa: E741
        return entries.get((i, j, k, l), zero)

    if kind == "matrix":  # a scalar's gradient, shaped like the matrix
        return r, s, [at(0, 0, k, l) for k in range(r) for l in range(s)]
    if kind == "derivative":  # by a scalar: shaped like the function
        return m, n, [at(i, j, 0, 0) for i in range(m) for j in range(n)]
    rows = [(i, j) for j in range(n) for i in range(m)]  # vec(F), column by column
    cols = [(k, l) for l in range(s) for k in range(r)]  # vec(X)
    return len(rows), len(cols), [at(i, j, k, l) for i, j in rows for k, l in cols]
