"""What a fuzzed block must do, and what it did: shown and equal to SymPy, refused clearly, or a failure.

Each fuzzer draws a :class:`Drawn` block from :mod:`.grammar` and gives it to :func:`check`, which
returns an outcome (``shown``, ``unchecked: …``, ``refused: …``, ``limit: …``) or raises
:class:`Failure` for what must never happen: an internal error, a refusal that names no line, a
numerical check that failed (the proof caught a wrong derivative), or a shown result that differs
from SymPy's derivative (a wrong value the proof let through). The test suite runs each fuzzer for a
few examples; ``python -m tests.calculus.campaign`` runs them for thousands and counts the outcomes.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

from mdjacobian import BlockError, LimitError, Result, evaluate
from mdjacobian.calculus.components import Lowering, variable_value

from . import grammar as g
from . import reference as ref

SCALE = float(os.environ.get("MDJACOBIAN_FUZZ_SCALE", "1"))
"""How many times the suite's number of examples each fuzzer runs (the campaign sets it high)."""


def examples(count: int) -> int:
    return max(1, round(count * SCALE))


def fuzz_settings(count: int, **more: object) -> settings:
    """Settings for a fuzzer of ``count`` examples in the suite: deterministic, no database, no deadline."""
    return settings(
        max_examples=examples(count),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        **more,
    )


class Failure(AssertionError):
    """What must never happen to a well-typed block; ``kind`` is ``internal``, ``no line``,
    ``check failed`` (the proof caught a wrong result) or ``wrong`` (a shown result SymPy disagrees with)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


@dataclass(frozen=True)
class Drawn:
    """A fuzzed block and what it means: the function built in SymPy, its variable and how it is read."""

    block: str
    f: g.Expr
    wrt: str
    sizes: dict[str, int]
    concrete: bool
    layout: str = "numerator"
    order: int = 1
    intermediates: tuple[tuple[str, g.Expr], ...] = ()
    """For a chain: each intermediate's name and definition, in order."""
    chain: bool = False
    extra: dict = field(default_factory=dict)


def reason(message: str) -> str:
    """A refusal's message without its line and names, so that refusals can be counted by kind."""
    message = re.sub(r"^line \d+(, column \d+)?: ", "", message)
    message = re.sub(r"'[^']*'", "'…'", message)
    message = re.sub(r"\([^()]*\)", "(…)", message)
    return re.sub(r"\d+", "#", message)[:120]


def evaluated(block: str) -> Result | str:
    """The block's result, or the outcome of its refusal; a failure raises."""
    try:
        return evaluate(block)
    except LimitError as exc:
        return f"limit: {reason(str(exc))}"
    except BlockError as exc:
        text = str(exc)
        if "numerical check failed" in text:
            raise Failure("check failed", f"{text}\n{block}") from None
        if "could not compute" in text:
            raise Failure("internal", f"{text}\n{block}") from None
        if exc.line is None or not text.startswith("line"):
            raise Failure("no line", f"{text}\n{block}") from None
        return f"refused: {reason(text)}"


def space_of(drawn: Drawn) -> tuple[g.Env, sp.Expr | sp.Matrix]:
    """The declared names' SymPy values at the drawn sizes, the intermediates' values, and the function."""
    space = ref.values_at(drawn.block, drawn.sizes)
    env = g.Env(space, drawn.sizes)
    for name, definition in drawn.intermediates:
        setattr(space, name, definition(env))
    return env, drawn.f(env)


def points(drawn: Drawn, env: g.Env, count: int = 2) -> list[ref.Point]:
    """Random points away from every kink the function has (a point on one is skipped, as the proof does)."""
    rng = random.Random(drawn.block)
    declared = ref.values_at(drawn.block, drawn.sizes)
    chosen = [ref.point(declared, rng, scale) for scale in (1.0, 2.0, 0.5)[:count]]
    for at in chosen:
        for value in env.kinks:
            _, entries = ref.numbers(value, at)
            assume(all(abs(e) > 1e-9 for e in entries))
    return chosen


def agree(got: sp.MatrixBase | tuple, want: sp.MatrixBase | tuple, at: list[ref.Point], what: str, drawn: Drawn) -> None:
    try:
        ref.assert_agree(got, want, at)
    except AssertionError as exc:
        raise Failure("wrong", f"{what}: {exc}\n{drawn.block}") from None


def sizes_of(result: Result, drawn: Drawn) -> dict[str, int]:
    """The drawn sizes of the size names the block declares (none for a concrete block)."""
    return {name: drawn.sizes[name] for name in result.block.sizes}


def check(drawn: Drawn) -> str:
    """Evaluate the block; unless it is refused or unchecked, compare what it shows with SymPy."""
    result = evaluated(drawn.block)
    if isinstance(result, str):
        return result
    if not result.check.checked:
        return f"unchecked: {reason(result.check.reason)}"
    env, function = space_of(drawn)
    variable = getattr(env.v, drawn.wrt)
    want = ref.expected(function, [variable], drawn.layout, drawn.order)
    at = points(drawn, env)
    if not result.block.sizes:  # a concrete block (or one of scalars only): components, and forms shown
        components = result.matrix if result.matrix is not None else result.parts[0].components
        agree(sp.ImmutableMatrix(components), want, at, "the components", drawn)
        if all(p.shows_form for p in result.parts):
            agree(result.at_sizes(), want, at, "the matrix form", drawn)
    else:
        agree(result.at_sizes(**sizes_of(result, drawn)), want, at, "the matrix form", drawn)
    if drawn.chain:
        check_chain(result, drawn, env, function, variable, at)
    return "shown" if not drawn.chain else f"shown: {result.chain.rule} rule"


def check_chain(result: Result, drawn: Drawn, env: g.Env, function, variable, at) -> None:  # noqa: ANN001
    """The chain's factors as shown, multiplied with each intermediate at its line's value, equal the
    derivative (under vec: a row for a scalar by a matrix, a column for a matrix by a scalar)."""
    want = ref.derivative(function, variable)
    how = ref.kind(function, variable)
    if how == "matrix":
        want = sp.Matrix([ref.vec(want)])
    elif how == "derivative" and isinstance(function, sp.MatrixBase) and function.cols > 1:
        want = sp.Matrix(ref.vec(want))
    agree(chain_product(result, sizes_of(result, drawn)), want, at, "the chain's product", drawn)


def chain_product(result: Result, sizes: dict[str, int]) -> sp.ImmutableMatrix:
    """The chain's sum of products of factors, written out at ``sizes`` with the intermediates at their values."""
    definitions = result.derivation.model.definitions
    lowering = Lowering(sizes, definitions)
    symbols = result.derivation.model.symbols
    total = None
    for term in result.chain.terms:
        value = None
        for factor in term:
            if factor.form is not None:
                written = lowering(factor.form)
            else:  # entry by entry, in the intermediates' names: put their values in
                written = factor.components
                for name in definitions:
                    node = symbols[name]
                    if node.rows.value is None:
                        continue
                    names = variable_value(name, node.rows.value, node.cols.value)
                    values = lowering(node)
                    pairs = zip(names, values) if isinstance(names, sp.MatrixBase) else [(names, values)]
                    written = written.xreplace(dict(pairs)) if hasattr(written, "xreplace") else written
            if not isinstance(written, sp.MatrixBase):
                written = sp.ImmutableMatrix([[written]])
            value = written if value is None else value * written
        total = value if total is None else total + value
    return sp.ImmutableMatrix(total)


Check = Callable[[Drawn], str]


# -- the blocks the fuzzers draw -------------------------------------------------------------------------

SIZES = [{"n": 2, "m": 3, "N": 4}, {"n": 3, "m": 2, "N": 4}, {"n": 3, "m": 4, "N": 2}]
"""Small sizes, a different one for each size name, so that a transposed result does not fit."""
INTERMEDIATES = ("p", "q", "r")


def _output_name(shape: str) -> str:
    return "F" if shape in g.MATRICES else "f"


@st.composite
def blocks(draw: st.DrawFn, concrete: bool = False, hessian: bool = False, depth: int = 3) -> Drawn:
    """A block of one function of the declared names (a scalar, a vector or a matrix), by one variable."""
    sizes = draw(st.sampled_from(SIZES))
    options = g.Options(sizes=not concrete)
    shape = "s" if hessian else draw(st.sampled_from(["s", *g.VECTORS, *g.MATRICES]))
    f = draw(g.expressions(shape, depth, options))
    variables = sorted(f.names & set(g.VARIABLES))
    assume(variables)
    wrt = draw(st.sampled_from(variables))
    layout = "numerator" if hessian else draw(st.sampled_from(["numerator", "denominator"]))
    used = g.declared(f.names)
    lines = [g.declarations(sizes if concrete else None, used), f"{_output_name(shape)} = {f.text}", f"wrt: {wrt}", f"layout: {layout}"]
    if hessian:
        lines.append("derivative: hessian")
    return Drawn("\n".join(lines), f, wrt, sizes, concrete, layout, 2 if hessian else 1)


@st.composite
def chains(draw: st.DrawFn, concrete: bool = False, depth: int = 2) -> Drawn:
    """A block with one to three intermediates, each used by a later line, and ``show: chain``."""
    sizes = draw(st.sampled_from(SIZES))
    count = draw(st.integers(1, 3))
    defined: list[tuple[str, g.Expr]] = []
    leaves: list[g.Expr] = []
    for name in INTERMEDIATES[:count]:
        shape = draw(st.sampled_from(["s", *g.VECTORS, *g.MATRICES]))
        definition = draw(g.expressions(shape, depth, g.Options(plain=True, sizes=not concrete, extra=tuple(leaves))))
        defined.append((name, definition))
        leaves.append(g.leaf(name, shape))
    shape = draw(st.sampled_from(["s", "s", *g.VECTORS, *g.MATRICES]))
    f = draw(g.expressions(shape, depth, g.Options(plain=True, sizes=not concrete, extra=tuple(leaves))))
    later = [f.names] + [d.names for _, d in defined]
    for i, (name, _) in enumerate(defined):
        assume(name in f.names or any(name in d.names for _, d in defined[i + 1 :]))
    reach = set(f.names)
    for name, definition in reversed(defined):
        if name in reach:
            reach |= definition.names
    variables = sorted(reach & set(g.VARIABLES))
    assume(variables and later)
    wrt = draw(st.sampled_from(variables))
    used = g.declared(frozenset().union(f.names, *(d.names for _, d in defined)))
    lines = [g.declarations(sizes if concrete else None, used)]
    lines += [f"{name} = {d.text}" for name, d in defined]
    lines += [f"{_output_name(shape)} = {f.text}", f"wrt: {wrt}", "show: chain"]
    return Drawn("\n".join(lines), f, wrt, sizes, concrete, intermediates=tuple(defined), chain=True)


ACCEPTED = [
    (
        r"^refused: show: chain writes each factor in matrix notation, and ∂\S+ has none at a symbolic size",
        "a factor of a chain in index notation (diag(A) by A at a symbolic size) is not written out: the "
        "block without show: chain shows the derivative in index notation",
    ),
]
"""Outcomes other than ``shown`` that a well-typed block may have, as patterns on :func:`reason`'s
text, each with why it is right."""


def expected(outcome: str, drawn: Drawn) -> None:
    """A shown block, or a documented limit; any other refusal of a well-typed block is a failure."""
    if outcome.startswith("shown") or outcome.startswith("limit:"):
        return
    if any(re.search(pattern, outcome) for pattern, _ in ACCEPTED):
        return
    raise Failure("refused", f"{outcome}\n{drawn.block}")


FUZZERS: dict[str, tuple[Callable[[], st.SearchStrategy[Drawn]], int]] = {
    "symbolic": (lambda: blocks(), 50),
    "concrete": (lambda: blocks(concrete=True), 20),
    "chains, symbolic": (lambda: chains(), 20),
    "chains, concrete": (lambda: chains(concrete=True), 10),
    "hessians, symbolic": (lambda: blocks(hessian=True), 15),
    "hessians, concrete": (lambda: blocks(concrete=True, hessian=True), 8),
}
"""Each fuzzer: its blocks, and how many of them the suite draws (times MDJACOBIAN_FUZZ_SCALE)."""
