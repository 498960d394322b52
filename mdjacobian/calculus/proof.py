"""The numerical proof: every derivative a page shows is compared with the function itself.

At random points, along random directions V, the derivative applied to V (J V, ⟨G, V⟩, uᵀ H v) is
compared with central differences of the function, refined by Richardson extrapolation. Floats come
first, with a smaller step when the first one leaves the verdict open; where their rounding could
hide an error (a huge constant, a very steep function) the same comparison is repeated in mpmath
with more digits and smaller steps, so a right answer is not rejected and a wrong one is never
accepted. A point where the function is not real and finite, or where a step crosses a kink of
abs, max or a step function, is skipped. For symbolic sizes the whole comparison runs at several
random concrete sizes (at least 5, different for each size name).

Points and directions come from a generator seeded by the block, so a page builds the same each time.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import BlockError, Mismatch, Unchecked
from . import nodes as n
from .needs import Needs
from .numeric import Arr, Compiler, Invalid, Numbers, Unevaluable, flat, matmul, transpose
from .sampling import Sampler

ATTEMPTS = 48
"""Random points tried per size assignment before giving up on finding a valid one; each is searched
from (:class:`~.sampling.Sampler`) when it falls outside the domain."""
DIRECTIONS = 2
TOLERANCE = 1e-6
FLOAT_LEVELS = 2
"""Levels of the comparison done in floats: the first step, then one eight times smaller, which
settles most cases where the first step's truncation error left the verdict open."""
LEVELS = FLOAT_LEVELS + 2
"""Then mpmath, with 12-digit and 30-digit steps; only the last level may call a result wrong."""


@dataclass(frozen=True)
class Claim:
    """One thing a page shows, to be proven before it is shown.

    ``derivative`` is evaluated by ``value`` (a node, or a callable for component matrices) and
    applied to a direction of ``variables`` as the page's layout reads it.
    """

    label: str
    function: n.Node
    """The function, in the variables: a scalar or a column."""
    variables: tuple[n.Var, ...]
    derivative: Any
    """A node, or a callable (values, numbers) -> Arr / scalar, for component matrices."""
    layout: str = "numerator"
    order: int = 1
    definitions: Mapping[str, n.Node] = field(default_factory=dict)


@dataclass(frozen=True)
class Proof:
    """The verdict of the numerical proof."""

    checked: bool
    points: int = 0
    sizes: tuple[tuple[tuple[str, int], ...], ...] = ()
    reason: str = ""
    line: int | None = None
    """The block's line a result left unchecked is reported on: its function's definition."""
    source_line: str | None = None

    def warning(self) -> Unchecked | None:
        """The warning a host reports for a result left unchecked, on its line; None when it was checked."""
        if self.checked:
            return None
        warning = Unchecked(self.reason)
        return warning.at(self.line, self.source_line or "") if self.line is not None else warning

    def __str__(self) -> str:
        if not self.checked:
            return f"not checked numerically: {self.reason}"
        where = f"at {self.points} random points"
        if self.sizes:
            where += f" and the sizes {self.size_text()}"
        return f"checked against central differences of the function {where}"

    def size_text(self) -> str:
        """``n = 5, 7, 6; m = 6, 5, 8``: the values each size took."""
        names = [name for name, _ in self.sizes[0]] if self.sizes else []
        return "; ".join(f"{name} = " + ", ".join(str(dict(s)[name]) for s in self.sizes) for name in names)


def _assignment_text(assignment: Mapping[str, int]) -> str:
    return ", ".join(f"{name} = {value}" for name, value in assignment.items())


def _combine(a: Any, b: Any, t: Any) -> Any:
    """a + t b, entry by entry."""
    if isinstance(a, Arr):
        return Arr(a.rows, a.cols, [x + t * y for x, y in zip(a.data, b.data)])
    return a + t * b


def _convert(value: Any, numbers: Numbers) -> Any:
    if isinstance(value, Arr):
        return Arr(value.rows, value.cols, [numbers.convert(x) for x in value.data])
    return numbers.convert(value)


def _norm(values: list) -> float:
    return max((abs(float(v)) for v in values), default=0.0)


@dataclass
class _Estimate:
    numbers: Numbers
    point: dict[str, Any]
    directions: list
    seconds: list | None
    richardson: list
    noise: float
    fscale: float


class Prover:
    """Runs the claims of one block at its sizes and points."""

    def __init__(
        self,
        claims: Sequence[Claim],
        free: Sequence[n.Var],
        sizes: Sequence[str],
        seed: int,
        constrain: Callable[[dict[str, Any], Mapping[str, int], Numbers], None] | None = None,
        fixed: Mapping[str, Any] | None = None,
        points_per_size: int | None = None,
        needs: Needs | None = None,
    ) -> None:
        self.claims = claims
        self.free = free
        self.sizes = list(sizes)
        self.rng = random.Random(seed)
        self.fixed = fixed  # a given point (at:), in exact numbers
        self.points_per_size = points_per_size or (1 if sizes else 3)
        self.compilers: dict[tuple, Compiler] = {}
        self.needs = needs or Needs()
        definitions = next((c.definitions for c in claims if c.definitions), {})
        self.functions = list(dict.fromkeys((c.function, id(c.definitions)) for c in claims))
        self._definitions = {id(c.definitions): c.definitions for c in claims}
        self.sampler = Sampler(
            free, self.needs, self.rng, constrain, lambda node, sizes: self._value_of(node, sizes, definitions)
        )

    def run(self) -> Proof:
        assignments = self.sampler.assignments(self.sizes)
        if assignments is None:
            return Proof(False, reason=self.needs.why_no_sizes())
        points = 0
        for assignment in assignments:
            found = outside = 0
            for attempt in range(ATTEMPTS):
                outcome = self._try_point(assignment, attempt)
                if outcome is None:
                    continue
                if outcome is False:
                    outside += 1
                    continue
                found += 1
                if found == self.points_per_size:
                    break
            if found == 0:
                where = f" at {_assignment_text(assignment)}" if assignment else ""
                if outside == ATTEMPTS:
                    return Proof(False, reason=f"no random point{where} where every entry has a real, finite value")
                return Proof(False, reason=f"no random point{where} where the function and its derivatives have real, finite values that central differences can compare")
            points += found
        return Proof(True, points=points, sizes=tuple(tuple(a.items()) for a in assignments if a))

    def point(self, assignment: Mapping[str, int], attempt: int, numbers: Numbers) -> dict[str, Any] | None:
        """A random point inside the block's domain, or None when the search found none."""
        return self.sampler.point(assignment, attempt, numbers, self._defined)

    def _value_of(self, node: n.Node, sizes: Mapping[str, int], definitions: Mapping[str, n.Node]):  # noqa: ANN202
        compiled = self.compiler(sizes, definitions)(node)
        return lambda values, numbers: compiled(values, numbers, [], {})

    def _defined(self, values: dict[str, Any], sizes: Mapping[str, int]) -> bool:
        """Whether every function has a real, finite value at the point, and the author's facts hold."""
        numbers = Numbers()
        try:
            for function, key in self.functions:
                self.compiler(sizes, self._definitions[key])(function)(values, numbers, [], {})
            for fact in self.needs.positive:
                definitions = next(iter(self._definitions.values()), {})
                if not all(x > 0 for x in flat(self.compiler(sizes, definitions)(fact)(values, numbers, [], {}))):
                    return False
        except (Invalid, Unevaluable, ZeroDivisionError, OverflowError, ValueError):
            return False
        return True

    def compiler(self, sizes: Mapping[str, int], definitions: Mapping[str, n.Node]) -> Compiler:
        key = (tuple(sorted(sizes.items())), id(definitions))
        if key not in self.compilers:
            self.compilers[key] = Compiler(sizes, definitions)
        return self.compilers[key]

    def _try_point(self, assignment: Mapping[str, int], attempt: int) -> bool | None:
        """True when every claim holds at a random point; False when none was found inside the domain;
        None when the point could not tell."""
        values = self.point(assignment, attempt, Numbers())
        if values is None:
            return False
        groups: dict[tuple, list[Claim]] = {}
        for claim in self.claims:
            key = (claim.function, tuple(v.name for v in claim.variables), claim.order, id(claim.definitions))
            groups.setdefault(key, []).append(claim)
        for claims in groups.values():
            bases: dict = {}  # the function's value at the point, the same along every direction
            for _ in range(DIRECTIONS if claims[0].order == 1 else 1):
                if self.check_group(claims, values, assignment, bases) is not True:
                    return None
        return True

    # -- claims on one function, along one direction ----------------------------------------------------
    def check_group(
        self, claims: list[Claim], values: dict[str, Any], sizes: Mapping[str, int], bases: dict | None = None
    ) -> bool | None:
        """True when every claim holds along one random direction; None when this point cannot tell.

        The function's differences are computed once for all claims on it; a claim the floats
        cannot decide is redone alone with more digits.
        """
        first = claims[0]
        shapes = [(v.rows.at(sizes), v.cols.at(sizes)) for v in first.variables]
        u = [self.sampler.direction(v, s) for v, s in zip(first.variables, shapes)]
        w = [self.sampler.direction(v, s) for v, s in zip(first.variables, shapes)] if first.order == 2 else None
        scale = max([1.0] + [_norm(flat(values[v.name])) for v in first.variables])
        scale /= max([1.0] + [_norm(flat(d)) for d in u])  # a step of the same size, whatever the direction
        try:
            shared = self._estimate(first, values, sizes, u, w, 0, scale, None, bases)
        except (Invalid, Unevaluable, ZeroDivisionError, OverflowError, ValueError):
            return None
        if shared is None:
            return None
        for claim in claims:
            estimate = shared
            for level in range(LEVELS):
                try:
                    if level:
                        memo = bases if level < FLOAT_LEVELS else None
                        estimate = self._estimate(claim, values, sizes, u, w, level, scale, estimate.fscale, memo)
                        if estimate is None:
                            return None
                    state = self._judge(claim, estimate, level, sizes, bases if level < FLOAT_LEVELS else None)
                except (Invalid, Unevaluable, ZeroDivisionError, OverflowError, ValueError):
                    return None
                if state == "pass":
                    break
                if state == "mismatch" and level == LEVELS - 1:
                    raise self._mismatch(claim, values)
            else:
                return None
        return True

    def _mismatch(self, claim: Claim, values: Mapping[str, Any]) -> Mismatch:
        shown = ", ".join(
            f"{v.name} = {float(values[v.name]):.6g}" for v in claim.variables if not isinstance(values[v.name], Arr)
        )
        where = f" at {shown}" if shown else " at a random point"
        return Mismatch(
            f"numerical check failed: {claim.label} disagrees with central differences of the function{where}; "
            "this is a bug in mdjacobian, please report the block"
        )

    def _estimate(self, claim, values, sizes, u, w, level, scale, fscale, bases=None):  # noqa: ANN001, ANN202
        """Central differences of the claim's function along u (and w), refined by Richardson extrapolation.

        ``bases`` keeps the function's value at the point (in floats) for the next direction."""
        if level < FLOAT_LEVELS:
            numbers = Numbers()
            h = (2e-4 * scale if claim.order == 1 else 4e-3 * scale) / 8**level
        else:
            extra = max(0, math.ceil(math.log10(max(1.0, fscale or 1.0))))
            h_digits = 12 if level == FLOAT_LEVELS else 30
            if claim.order == 2:
                h_digits //= 2
            numbers = Numbers(digits=30 + extra + (2 if claim.order == 1 else 3) * h_digits)
            h = numbers.number(10) ** (-h_digits) * numbers.convert(scale)
        point = {k: _convert(v, numbers) for k, v in values.items()}
        directions = [_convert(d, numbers) for d in u]
        seconds = [_convert(d, numbers) for d in w] if w else None
        function = self.compiler(sizes, claim.definitions)(claim.function)

        def f(shift_u, shift_w=0) -> tuple[list, tuple]:  # noqa: ANN001
            moved = dict(point)
            for i, var in enumerate(claim.variables):
                value = _combine(point[var.name], directions[i], shift_u)
                if seconds:
                    value = _combine(value, seconds[i], shift_w)
                moved[var.name] = value
            branches: list = []
            out = flat(function(moved, numbers, branches, {}))
            return out, tuple((b > 0) - (b < 0) for b in branches)

        if bases is not None and level < FLOAT_LEVELS:
            if "base" not in bases:
                bases["base"] = f(0)
            base, signature = bases["base"]
        else:
            base, signature = f(0)
        if any(s == 0 for s in signature):
            return None  # on a kink

        def differences(step):  # noqa: ANN001, ANN202
            if claim.order == 1:
                up, s1 = f(step)
                down, s2 = f(-step)
                if s1 != signature or s2 != signature:
                    return None
                return [(a - b) / (2 * step) for a, b in zip(up, down)]
            pp, s1 = f(step, step)
            pm, s2 = f(step, -step)
            mp_, s3 = f(-step, step)
            mm, s4 = f(-step, -step)
            if {s1, s2, s3, s4} != {signature}:
                return None
            return [(a - b - c + d) / (4 * step * step) for a, b, c, d in zip(pp, pm, mp_, mm)]

        coarse, fine = differences(h), differences(h / 2)
        if coarse is None or fine is None:
            return None  # a step crosses a kink
        fscale = max([_norm(base), 1.0])
        richardson = [(4 * b - a) / 3 for a, b in zip(coarse, fine)]
        noise = _norm([r - b for r, b in zip(richardson, fine)]) + float(numbers.eps) * fscale * 16 / float(h) ** claim.order
        return _Estimate(numbers, point, directions, seconds, richardson, noise, fscale)

    def _judge(self, claim: Claim, e: _Estimate, level: int, sizes: Mapping[str, int], memo: dict | None = None) -> str:
        formula = self._applied(claim, e.point, e.directions, e.seconds, sizes, e.numbers, memo)
        error = _norm([x - y for x, y in zip(formula, e.richardson)])
        size = max(_norm(formula), _norm(e.richardson))
        if error == 0 and size == 0:
            return "pass"
        if error <= TOLERANCE * size + 4 * e.noise and e.noise <= TOLERANCE * size:
            return "pass"
        floor = float(e.numbers.eps) * e.fscale * 1e6  # zero, to the digits the function was computed with
        if level == LEVELS - 1 and size <= floor and error <= floor:
            return "pass"  # both zero, to the precision of the function's own size
        if level == LEVELS - 1 and size <= 100 * e.noise:
            # A zero derivative of a function whose terms cancel (X + 𝟏pᵀ − 𝟏pᵀ by p, logsumexp of a
            # log-softmax): the formula and the differences are both the rounding of the function's
            # value, which at this level is dozens of digits below it.
            return "pass"
        if error > 100 * e.noise + TOLERANCE * size:
            return "mismatch"
        return "unsure"

    def _applied(self, claim, point, directions, seconds, sizes, numbers, memo=None) -> list:  # noqa: ANN001
        """The shown derivative applied to the direction, as the layout reads it.

        ``memo`` keeps the derivative's value at this point (in floats) for the next direction."""
        compiler = self.compiler(sizes, claim.definitions)
        if claim.layout == "differential":
            moved = dict(point)
            for var, d in zip(claim.variables, directions):
                moved["d" + var.name] = d
            return flat(compiler(claim.derivative)(moved, numbers, [], {}))
        matrix = memo.get(id(claim)) if memo is not None else None
        if matrix is None:
            if hasattr(claim.derivative, "at_point"):  # an index form, computed from its entries
                matrix = claim.derivative.at_point(point, numbers, sizes, compiler)
            elif callable(claim.derivative) and not isinstance(claim.derivative, n.Node):
                matrix = claim.derivative(point, numbers)
            else:
                matrix = compiler(claim.derivative)(point, numbers, [], {})
            if memo is not None:
                memo[id(claim)] = matrix
        if claim.layout == "denominator":
            matrix = transpose(matrix)
        if claim.order == 2:  # a matrix variable's directions are read as vec reads them, column by column
            u = [x for d in directions for x in _vec(d)]
            w = [x for d in seconds for x in _vec(d)]
            m = matrix if isinstance(matrix, Arr) else Arr(1, 1, [matrix])
            return flat(matmul(matmul(Arr(1, len(u), u), m), Arr(len(w), 1, w)))
        var = claim.variables[0]
        if claim.layout == "vec":
            stacked = []
            for d in directions:
                if isinstance(d, Arr):
                    stacked.extend(d.at(i, j) for j in range(d.cols) for i in range(d.rows))
                else:
                    stacked.append(d)
            m = matrix if isinstance(matrix, Arr) else Arr(1, 1, [matrix])
            return flat(matmul(m, Arr(len(stacked), 1, stacked)))
        if len(claim.variables) > 1 or claim.variables[0].is_column or claim.variables[0].is_scalar and isinstance(matrix, Arr) and matrix.cols > 1:
            stacked = [x for d in directions for x in flat(d)]
            column = Arr(len(stacked), 1, stacked)
            m = matrix if isinstance(matrix, Arr) else Arr(1, 1, [matrix])
            if len(stacked) == 1:
                return flat(_scale(m, stacked[0]))
            return flat(matmul(m, column))
        (d,) = directions
        if var.is_scalar:
            return flat(_scale(matrix, d))
        if claim.function.is_scalar:  # a gradient shaped like the matrix
            return [sum((a * b for a, b in zip(flat(matrix), flat(d))), numbers.number(0))]
        vec_d = Arr(d.rows * d.cols, 1, [d.at(i, j) for j in range(d.cols) for i in range(d.rows)])
        return flat(matmul(matrix, vec_d))


def _vec(value: Any) -> list:
    """The entries of a value column by column (vec's order); a scalar is one entry."""
    if not isinstance(value, Arr):
        return [value]
    return [value.at(i, j) for j in range(value.cols) for i in range(value.rows)]


def _scale(value: Any, t: Any) -> Any:
    if isinstance(value, Arr):
        return Arr(value.rows, value.cols, [x * t for x in value.data])
    return value * t
