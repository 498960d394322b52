"""Where the numerical proof looks: sizes, points and directions, drawn as a block's :class:`Needs` ask.

Values are spread over the real line, positive and negative, small and large, so that a wrong
formula cannot hide in a corner. A block defined on part of that space only is sampled inside it:

- sizes: assignments whose sizes meet the size requirements (a tall ``X`` under ``inv(X^T X)``, the
  author's ``N > d``), still at least 5 and distinct, so nothing is square by accident;
- matrices: symmetric positive definite where a fact says so, symmetric where declared so, and a
  matrix under ``logdet`` with a row's sign flipped when its determinant is negative (which keeps
  every matrix of positive determinant as likely as before; a symmetric one is drawn positive
  definite instead);
- points: a point where the function has no value is moved inside the domain where that is
  possible: a variable that enters an argument of ``log`` or ``sqrt`` (or a positive fact) as a
  plain term is shifted until the argument is positive, or variables are scaled towards zero, one
  at a time; a point that stays outside is rejected and another drawn.

All randomness comes from one generator seeded by the block, so a page builds the same each time.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import nodes as n
from .needs import Needs
from .numeric import Arr, Invalid, Numbers, Unevaluable, det, flat

SIZE_CHOICES = (5, 6, 7, 8)
"""The concrete sizes a symbolic size takes in the proof, first."""
ASSIGNMENTS = 3
SIZE_TRIES = 400
"""Random assignments tried when the first choice does not meet the block's size requirements."""
SHRINK = (0.25, 0.0625)
"""Factors a variable is scaled by, in turn, while searching for a point inside the domain."""

Defined = Callable[[dict[str, Any], Mapping[str, int]], bool]
"""Whether the block has a value (and meets its facts) at a point, at the given sizes."""
Compile = Callable[[n.Node, Mapping[str, int]], Callable[[dict[str, Any], Numbers], Any]]
"""An expression's value at a point, in the given numbers."""


def size_assignments(names: Sequence[str], rng: random.Random, fits: Callable[[Mapping[str, int]], bool] | None = None) -> list[dict[str, int]] | None:
    """Concrete values for symbolic sizes, at least 5: within an assignment each name differs from the
    others (so nothing is square by accident), and the assignments differ from each other.

    With ``fits``, only assignments it accepts are used; None when no assignment found fits.
    """
    if not names:
        return [{}]
    width = len(names)
    choices = list(SIZE_CHOICES) + list(range(9, 5 + width + 4))
    rng.shuffle(choices)
    # Read the shuffled sizes in turn: consecutive ones are distinct, and with enough of them no
    # size repeats across the assignments either.
    first = [{name: choices[(i * width + j) % len(choices)] for j, name in enumerate(names)} for i in range(ASSIGNMENTS)]
    if fits is None or all(fits(a) for a in first):
        return first
    pool = list(range(5, max(11, 5 + 2 * width + 2)))
    found: list[dict[str, int]] = []
    for _ in range(SIZE_TRIES):
        candidate = dict(zip(names, rng.sample(pool, width)))
        if candidate not in found and fits(candidate):
            found.append(candidate)
    if not found:
        return None
    # Prefer assignments where every name takes a new value, then any that differ.
    chosen = [found[0]]
    for strict in (True, False):
        for candidate in found:
            if len(chosen) == ASSIGNMENTS:
                break
            if candidate in chosen:
                continue
            if not strict or all(candidate[k] != c[k] for c in chosen for k in names):
                chosen.append(candidate)
    while len(chosen) < ASSIGNMENTS:
        chosen.append(chosen[len(chosen) % len(found)])
    return chosen


def _draw(rng: random.Random, attempt: int) -> float:
    mode = attempt % 4
    if mode == 0:
        return rng.choice((-1, 1)) * 10 ** rng.uniform(-1, 1)  # spread over the real line
    if mode == 1:
        return 10 ** rng.uniform(-1, 0.7)  # positive: inside log and sqrt
    if mode == 2:
        return rng.uniform(0.1, 0.9)
    return rng.gauss(0, 1.5)


def _symmetrised(value: Arr) -> Arr:
    """(A + Aᵀ)/2: a random matrix made symmetric."""
    size = value.rows
    return Arr(size, size, [(value.at(i, j) + value.at(j, i)) / 2 for i in range(size) for j in range(size)])


def _scaled(value: Any, t: float) -> Any:
    if isinstance(value, Arr):
        return Arr(value.rows, value.cols, [x * t for x in value.data])
    return value * t


class Sampler:
    """Draws the sizes, points and directions of one block's proof."""

    def __init__(
        self,
        free: Sequence[n.Var],
        needs: Needs,
        rng: random.Random,
        constrain: Callable[[dict[str, Any], Mapping[str, int], Numbers], None] | None = None,
        compile: Compile | None = None,
    ) -> None:
        self.free = list(free)
        self.needs = needs
        self.rng = rng
        self.constrain = constrain
        self.compile = compile
        held = needs.fixed | needs.definite
        self.movable = [v for v in free if v.name not in held and not self.symmetric(v)]

    # -- sizes ---------------------------------------------------------------------------------------
    def assignments(self, names: Sequence[str]) -> list[dict[str, int]] | None:
        """Three assignments of the symbolic sizes that meet the block's size requirements, or None."""
        return size_assignments(names, self.rng, self.needs.sizes_fit if self.needs != Needs() else None)

    # -- values ---------------------------------------------------------------------------------------
    def symmetric(self, var: n.Var) -> bool:
        """Whether ``var`` is symmetric: declared so (``Sym(n)``), or named by the requirements."""
        return bool(getattr(var, "symmetric", False)) or var.name in self.needs.symmetric

    def value(self, var: n.Var, sizes: Mapping[str, int], attempt: int, numbers: Numbers) -> Any:
        """A random value of ``var``, from the family its requirements name."""
        rows, cols = var.rows.at(sizes), var.cols.at(sizes)
        if var.name in self.needs.definite and rows == cols:
            return self._definite(rows, attempt, numbers)
        values = [numbers.number(round(_draw(self.rng, attempt), 6)) for _ in range(rows * cols)]
        if rows == cols == 1:
            return values[0]
        value = Arr(rows, cols, values)
        if self.symmetric(var) and rows == cols:
            value = _symmetrised(value)
        if var.name in self.needs.det_positive and rows == cols and det(value, numbers) < 0:
            if self.symmetric(var):
                return self._definite(rows, attempt, numbers)  # flipping a row would break the symmetry
            value.data[:cols] = [-x for x in value.data[:cols]]  # det > 0, and every such matrix as likely as before
        return value

    def _definite(self, size: int, attempt: int, numbers: Numbers) -> Arr:
        """A random symmetric positive definite matrix: B Bᵀ / n + c I, with B drawn as any matrix is."""
        b = [[_draw(self.rng, attempt) for _ in range(size)] for _ in range(size)]
        shift = 10 ** self.rng.uniform(-1, 0)
        data = [
            sum(b[i][k] * b[j][k] for k in range(size)) / size + (shift if i == j else 0)
            for i in range(size)
            for j in range(size)
        ]
        return Arr(size, size, [numbers.number(round(x, 6)) for x in data])

    def direction(self, var: n.Var, shape: tuple[int, int]) -> Any:
        """A random direction for ``var``: symmetric for a symmetric variable."""
        rows, cols = shape
        values = [self.rng.gauss(0, 1) for _ in range(rows * cols)]
        if rows == cols == 1:
            return values[0]
        value = Arr(rows, cols, values)
        return _symmetrised(value) if self.symmetric(var) and rows == cols else value

    def draw(self, sizes: Mapping[str, int], attempt: int, numbers: Numbers) -> dict[str, Any]:
        """A random point, before any search."""
        values = {var.name: self.value(var, sizes, attempt, numbers) for var in self.free}
        if self.constrain is not None:
            self.constrain(values, sizes, numbers)
        return values

    def point(self, sizes: Mapping[str, int], attempt: int, numbers: Numbers, defined: Defined) -> dict[str, Any] | None:
        """A random point where ``defined`` holds, searched for from a random draw; None if not found."""
        values = self.draw(sizes, attempt, numbers)
        if not (self.needs.positive or self.needs.domains) or defined(values, sizes):
            return values  # with nothing to search for, the comparison itself skips a point outside
        for candidate in self._search(values, sizes, numbers):
            if defined(candidate, sizes):
                return candidate
        return None

    def _search(self, values: dict[str, Any], sizes: Mapping[str, int], numbers: Numbers):  # noqa: ANN202
        """Points near ``values`` that may lie inside the domain: shifted, then scaled towards zero."""
        shifted = self._shift(values, sizes, numbers)
        start = values
        if shifted is not None:
            yield shifted
            start = shifted
        for t in SHRINK:
            for var in self.movable:
                yield {**start, var.name: _scaled(start[var.name], t)}
        for t in SHRINK:
            yield {**start, **{var.name: _scaled(start[var.name], t) for var in self.movable}}

    def _shift(self, values: dict[str, Any], sizes: Mapping[str, int], numbers: Numbers) -> dict[str, Any] | None:
        """``values`` with a variable shifted so that each positive requirement that has one holds."""
        if self.compile is None:
            return None
        movable = {v.name for v in self.movable}
        moved = dict(values)
        changed = False
        for expr in self.needs.positive + self.needs.domains:
            term = shift_term(expr, movable)
            if term is None:
                continue
            name, coeff = term
            try:
                current = flat(self.compile(expr, sizes)(moved, numbers))
            except (Invalid, Unevaluable, ZeroDivisionError, OverflowError, ValueError):  # no value: nothing to shift by
                continue
            old = flat(moved[name])
            new = []
            for x, e in zip(old, current):
                if e > 0:
                    new.append(x)
                    continue
                target = numbers.number(round(10 ** self.rng.uniform(-1, 0.5), 6))
                new.append(x + (target - e) / coeff)
                changed = True
            moved[name] = Arr(moved[name].rows, moved[name].cols, new) if isinstance(moved[name], Arr) else new[0]
        return moved if changed else None


def shift_term(expr: n.Node, movable: set[str]) -> tuple[str, Any] | None:
    """A variable that ``expr`` adds as a plain term (``b`` in ``b - A x``), with its coefficient.

    Shifting that variable moves ``expr`` by the same amount, entry by entry, and nothing else in it.
    """
    terms = expr.args if isinstance(expr, n.Add) else (expr,)
    for term in terms:
        coeff: Any = 1
        var = term
        if isinstance(term, n.Mul) and len(term.args) == 2 and isinstance(term.args[0], n.Number):
            coeff, var = term.args[0].value, term.args[1]
        if not (isinstance(var, n.Var) and var.name in movable and var.shape == expr.shape) or coeff == 0:
            continue
        if any(other.has(n.Var) and any(isinstance(x, n.Var) and x.name == var.name for x in other.walk()) for other in terms if other is not term):
            continue
        return var.name, float(coeff)
    return None


__all__ = ["Sampler", "shift_term", "size_assignments"]
