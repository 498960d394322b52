"""``claim: EXPR``: the author's own answer, proven or refuted, with the slip named where one is recognised.

The claim is proven exactly as the block's own result is: along random directions at random points
and sizes, against central differences of the function. A claim that fails that proof is refuted;
the refutation then shows where (the sizes, the point, the first entry that differs) and compares the
claim with the derivative the block computed and proved, to name the usual slips: the transpose
(the other layout), a wrong sign or a missing factor, a missing symmetric part, and a missing or an
extra term.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import BlockError
from . import algebra as al
from . import nodes as n
from .arrays import Arr
from .numeric import Compiler, Invalid, Numbers, Unevaluable, flat
from .needs import Needs
from .proof import Claim, Mismatch, Prover
from .sampling import Sampler

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

CLOSE = 1e-7
"""How near two evaluations of the claim and the derivative count as equal, relative to their size."""


@dataclass(frozen=True)
class Verdict:
    """What became of the author's claim: ``proven``, ``refuted``, or ``unchecked`` (no point to test it at)."""

    status: str
    note: str
    claim: n.Node
    """The claim as the block read it, for the page to print beside the derivative."""
    term: n.Node | None = None
    """The missing or extra term the note names, for the page to print after it."""


def _value(compiler: Compiler, node: n.Node, point: Mapping[str, Any], numbers: Numbers) -> list[float]:
    value = compiler(node)(point, numbers, [], {})
    return [float(x) for x in flat(value)]


def _close(a: list[float], b: list[float]) -> bool:
    if len(a) != len(b):
        return False
    scale = max([1.0] + [abs(x) for x in a + b])
    return all(abs(x - y) <= CLOSE * scale for x, y in zip(a, b))


def _ratio(a: list[float], b: list[float]) -> float | None:
    """The constant c with a = c b, when there is one."""
    pairs = [(x, y) for x, y in zip(a, b) if abs(y) > 1e-9]
    if not pairs or len(a) != len(b):
        return None
    c = pairs[0][0] / pairs[0][1]
    return c if _close(a, [c * y for y in b]) else None


def _fraction_text(c: float) -> str:
    for denominator in (1, 2, 3, 4, 6, 8):
        k = c * denominator
        if abs(k - round(k)) < 1e-9:
            return str(round(k)) if denominator == 1 else f"{round(k)}/{denominator}"
    return f"{c:.6g}"


class Judge:
    """Proves or refutes a claim about one derivative of a block."""

    def __init__(
        self,
        function: n.Node,
        variables: tuple[n.Var, ...],
        truth: n.Node | Callable[..., Any],
        layout: str,
        definitions: Mapping[str, n.Node],
        free: list[n.Var],
        sizes: tuple[str, ...],
        seed: int,
        constrain: Any = None,
        order: int = 1,
        needs: Any = None,
    ) -> None:
        self.function, self.variables, self.truth = function, variables, truth
        self.layout, self.definitions, self.free = layout, definitions, free
        self.sizes, self.seed, self.constrain = sizes, seed, constrain
        self.order = order
        self.needs = needs

    def judge(self, claim: n.Node, shape: tuple[n.Dim, n.Dim] | None = None) -> Verdict:
        """Prove or refute ``claim``; ``shape`` is the derivative's, where a claim of another shape is refuted at once."""
        self.claimed, self.shape = claim, shape
        if shape is not None and claim.shape != shape:
            note, term = self._diagnose(claim)
            return Verdict("refuted", note, claim, term)
        prover = Prover(
            [Claim("your answer", self.function, self.variables, claim, self.layout, self.order, self.definitions)],
            self.free,
            self.sizes,
            self.seed,
            constrain=self.constrain,
            needs=self.needs,
        )
        try:
            proof = prover.run()
        except Mismatch:
            note, term = self._diagnose(claim)
            return Verdict("refuted", note, claim, term)
        except (BlockError, ValueError) as exc:  # shapes that do not fit the derivative's
            note, term = self._diagnose(claim, str(exc))
            return Verdict("refuted", note, claim, term)
        if not proof.checked:
            return Verdict("unchecked", f"your answer could not be checked: {proof.reason}", claim)
        where = f" and the sizes {proof.size_text()}" if proof.sizes else ""
        return Verdict("proven", f"your answer is right: checked at {proof.points} random points{where}", claim)

    # -- naming the slip -----------------------------------------------------------------------------
    def _sample(self) -> tuple[dict[str, int], dict[str, Any], Compiler] | None:
        """A point (and sizes) where the derivative has a value, drawn as the proof draws its points."""
        sampler = Sampler(self.free, self.needs or Needs(), random.Random(self.seed ^ 0x5EED), self.constrain)
        for sizes in sampler.assignments(self.sizes) or [] if self.sizes else [{}]:
            compiler = Compiler(sizes, self.definitions)
            for attempt in range(24):
                numbers = Numbers()
                point = sampler.draw(sizes, attempt, numbers)
                try:
                    self._truth(compiler, point, numbers)
                except (Invalid, Unevaluable, ZeroDivisionError, OverflowError, ValueError):
                    continue
                return sizes, point, compiler
        return None

    def _assumes_symmetric(self, compiler: Compiler, point: Mapping[str, Any]) -> str:
        """The square matrix whose symmetry the claim takes for granted (2 xᵀA for xᵀAx), if there is one."""
        numbers = Numbers()
        for var in self.free:
            value = point.get(var.name)
            if var.symmetric or not isinstance(value, Arr) or value.rows != value.cols or value.rows < 2:
                continue
            size = value.rows
            moved = dict(point)
            moved[var.name] = Arr(size, size, [(value.at(i, j) + value.at(j, i)) / 2 for i in range(size) for j in range(size)])
            try:
                t = [float(x) for x in flat(self._truth(compiler, moved, numbers))]
                c = [float(x) for x in flat(compiler(self.claimed)(moved, numbers, [], {}))]
            except (Invalid, Unevaluable, ZeroDivisionError, OverflowError, ValueError):
                continue
            if _close(c, t):
                return var.name
        return ""

    def _same_ratio(self, ratio: float, compiler: Compiler, point: Mapping[str, Any]) -> bool:
        """Whether the claim is ``ratio`` times the derivative at other points too: a constant factor."""
        rng = random.Random(self.seed)
        numbers = Numbers()
        for _ in range(3):
            moved = {
                k: Arr(v.rows, v.cols, [x * rng.uniform(0.5, 1.5) for x in v.data]) if isinstance(v, Arr) else v * rng.uniform(0.5, 1.5)
                for k, v in point.items()
            }
            try:
                t = [float(x) for x in flat(self._truth(compiler, moved, numbers))]
                c = [float(x) for x in flat(compiler(self.claimed)(moved, numbers, [], {}))]
            except (Invalid, Unevaluable, ZeroDivisionError, OverflowError, ValueError):
                continue
            if not _close(c, [ratio * y for y in t]):
                return False
        return True

    def _truth(self, compiler: Compiler, point: Mapping[str, Any], numbers: Numbers) -> Any:
        if isinstance(self.truth, n.Node):
            return compiler(self.truth)(point, numbers, [], {})
        return self.truth(dict(point), numbers)

    def _diagnose(self, claim: n.Node, shape_problem: str = "") -> tuple[str, n.Node | None]:
        sample = self._sample()
        if sample is None:
            return "your answer differs from the derivative" + (f" ({shape_problem})" if shape_problem else ""), None
        sizes, point, compiler = sample
        numbers = Numbers()
        truth = self._truth(compiler, point, numbers)
        t_rows, t_cols = (truth.rows, truth.cols) if isinstance(truth, Arr) else (1, 1)
        t = [float(x) for x in flat(truth)]
        where = " at " + ", ".join(f"{k} = {v}" for k, v in sizes.items()) if sizes else ""
        try:
            value = compiler(claim)(point, numbers, [], {})
        except (Invalid, Unevaluable, ZeroDivisionError, OverflowError, ValueError):
            return "your answer has no value at the points tried", None
        c_rows, c_cols = (value.rows, value.cols) if isinstance(value, Arr) else (1, 1)
        c = [float(x) for x in flat(value)]
        transposed = Arr(c_cols, c_rows, [c[i * c_cols + j] for j in range(c_cols) for i in range(c_rows)])
        if (c_rows, c_cols) != (t_rows, t_cols):
            yours = n.shape_text(claim.shape)
            wanted = n.shape_text(self.shape) if self.shape is not None else f"{t_rows} × {t_cols}"
            if (c_cols, c_rows) == (t_rows, t_cols) and _close(transposed.data, t):
                other = "denominator" if self.layout == "numerator" else "numerator"
                return (
                    f"your answer is the transpose of the derivative: yours is {yours}, and in {self.layout} "
                    f"layout the derivative is {wanted} ({other} layout writes it as yours)"
                ), None
            return f"your answer is {yours}, but the derivative is {wanted}", None
        first = next((k for k, (x, y) in enumerate(zip(c, t)) if abs(x - y) > CLOSE * max(1.0, abs(x), abs(y))), 0)
        i, j = divmod(first, t_cols)
        place = f"{where} and a random point" if where else " at a random point"
        counterexample = (
            f"{place.strip()}, entry ({i + 1}, {j + 1}) is {c[first]:.6g} in your answer and {t[first]:.6g} in the derivative"
        )
        slip, term = self._slip(c, t, transposed, t_rows, t_cols, compiler, point, numbers)
        return f"your answer differs: {counterexample}" + (f"; {slip}" if slip else ""), term

    def _slip(self, c, t, transposed, rows, cols, compiler, point, numbers) -> tuple[str, n.Node | None]:  # noqa: ANN001, PLR0913
        if rows == cols and rows > 1 and _close(transposed.data, t):
            return "it is the transpose of the derivative (the other layout)", None
        ratio = _ratio(c, t)
        if ratio is not None and not self._same_ratio(ratio, compiler, point):
            ratio = None
        if ratio is not None and not math.isclose(ratio, 1.0):
            if math.isclose(ratio, -1.0):
                return "the sign is wrong", None
            return f"it is {_fraction_text(ratio)} times the derivative: a factor is missing or extra", None
        if rows == cols and rows > 1:
            sym = [c[a * cols + b] + c[b * cols + a] for a in range(rows) for b in range(cols)]
            if _close(sym, t):
                return "the derivative is your answer plus its transpose: the symmetric part is missing (as xᵀAx gives (A + Aᵀ)x)", None
            if _close([x / 2 for x in sym], t):
                return "the derivative is the symmetric part of your answer, (G + Gᵀ)/2, as for a symmetric matrix", None
            doubled = [2 * t[a * cols + b] - (t[a * cols + b] if a == b else 0) for a in range(rows) for b in range(cols)]
            if _close(c, doubled):
                return (
                    "your answer counts Sᵢⱼ and Sⱼᵢ as one entry (2G − G ∘ I); the symmetric gradient here is G, "
                    "with df = tr(Gᵀ dS)"
                ), None
        assumed = self._assumes_symmetric(compiler, point)
        if assumed:
            return f"your answer holds only where {assumed} is symmetric: it takes {assumed} = {assumed}ᵀ, which the block does not say", None
        terms = _terms(self.truth)
        for term in terms:
            try:
                value = [float(x) for x in flat(compiler(term)(point, numbers, [], {}))]
            except (Invalid, Unevaluable, ZeroDivisionError, OverflowError, ValueError):
                continue
            if len(value) == len(t) and _close([x + y for x, y in zip(c, value)], t):
                return "a term is missing:", term
            if len(value) == len(t) and _close([x - y for x, y in zip(c, value)], t):
                return "a term is extra:", term
        return "", None


def _terms(truth: Any) -> list[n.Node]:
    """The top-level terms of the derivative's form, each a candidate for a missing or extra term."""
    if not isinstance(truth, n.Node):
        return []
    if isinstance(truth, n.Add):
        return list(truth.args)
    if isinstance(truth, n.Mul):  # a factored form: the terms of its one sum, each times the other factors
        for i, factor in enumerate(truth.args):
            if isinstance(factor, n.Add):
                return [al.mul(*truth.args[:i], term, *truth.args[i + 1 :]) for term in factor.args]
    return []


__all__ = ["Judge", "Verdict"]
