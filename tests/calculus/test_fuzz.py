"""Random matrix expressions, derived by the engine and by SymPy, must agree.

The grammar (:mod:`.grammar`) builds each expression twice: as block text, and as the same function
in SymPy by an independent translation. Each fuzzer here draws blocks of one kind (symbolic or
concrete sizes, scalar, vector or matrix functions, chains, Hessians) and :func:`.fuzzing.check`
compares what the block shows with SymPy's entry-by-entry derivative at random points. The suite
draws a few examples of each; ``python -m tests.calculus.campaign`` draws thousands.
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import event, given
from hypothesis import strategies as st

from mdjacobian import BlockError, Result, evaluate

from . import fuzzing as fz
from . import grammar as g


def assert_names_its_line(exc: BlockError) -> None:
    """A block's error names the line it is about, and is no internal failure in disguise."""
    if exc.line is None:
        raise AssertionError(f"no line named: {exc}")
    if not str(exc).startswith("line"):
        raise AssertionError(f"line {exc.line} is not in the message: {exc}")
    assert "could not compute" not in str(exc), str(exc)


def outcome(drawn: fz.Drawn) -> None:
    """Check one drawn block; a refusal or an unchecked result must be one the grammar expects."""
    result = fz.check(drawn)
    event(result)
    fz.expected(result, drawn)


@pytest.mark.parametrize("name", list(fz.FUZZERS))
def test_fuzzed_blocks_agree_with_sympy(name):
    """Each fuzzer's blocks are shown and equal to SymPy's derivative, or refused as documented."""
    strategy, count = fz.FUZZERS[name]

    @fz.fuzz_settings(count)
    @given(strategy())
    def run(drawn: fz.Drawn) -> None:
        outcome(drawn)

    run()


# -- the invariant: a Result or a BlockError, nothing else ----------------------------------------------

TOKENS = [
    "x", "w", "A", "W", "y", "c", "z", "S", "X", "t", "n", "N", "I", "I_n", "2", "0.5", "+", "-", "*", "/", ".*", "./",
    ".^", "·", "^", "^T", "(", ")", ",", "sum(", "dot(", "norm(", "norm1(", "tr(", "det(", "logdet(", "inv(", "diag(",
    "softmax(", "logsoftmax(", "logsumexp(", "mean(", "var(", "sigmoid(", "exp(", "log(", "max(0, ", "sin(", "abs(",
    "sqrt(", "[", "]", "g(",
]
OPTIONS = ["", "\nlayout: denominator", "\nderivative: hessian", "\nshow: full", "\nshow: chain", "\nassume: sum(y) = 1"]


@fz.fuzz_settings(150)
@given(
    st.one_of(
        st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map(" ".join),
        fz.blocks(depth=2).map(lambda b: b.f.text),
    ),
    st.sampled_from(["x", "w", "A", "W", "c", "S", "X", "t", "x, w", "A, x", "X, t", "q"]),
    st.sampled_from(OPTIONS),
)
def test_evaluate_returns_a_result_or_raises_block_error(text, wrt, option):
    block = f"{g.DECLARE}\nf = {text}\nwrt: {wrt}{option}"
    try:
        result = evaluate(block)
    except BlockError as exc:
        assert_names_its_line(exc)
        return
    assert isinstance(result, Result)
    assert result.tex and result.caption  # a Result renders


def test_the_translation_is_independent():
    """The fuzz compares two computations: a result that is off is caught, not copied."""
    sizes = {"n": 3, "m": 2, "N": 4}
    block = f"{g.DECLARE}\nf = sigmoid(W x)\nwrt: x"
    right = g.Expr("sigmoid(W x)", lambda e: (e.v.W * e.v.x).applyfunc(g.sigmoid), "m", frozenset({"W", "x"}))
    assert fz.check(fz.Drawn(block, right, "x", sizes, concrete=False)) == "shown"
    wrong = g.Expr("sigmoid(W x)", lambda e: (e.v.W * e.v.x).applyfunc(sp.tanh), "m", frozenset({"W", "x"}))
    with pytest.raises(fz.Failure, match="wrong: the matrix form: part 0, entry"):
        fz.check(fz.Drawn(block, wrong, "x", sizes, concrete=False))
    concrete = f"{g.declarations(sizes)}\nf = sigmoid(W x)\nwrt: x"
    with pytest.raises(fz.Failure, match="wrong: the components: part 0, entry"):
        fz.check(fz.Drawn(concrete, wrong, "x", sizes, concrete=True))
    chain = f"{g.DECLARE}\np = W x\nf = sigmoid(p)\nwrt: x\nshow: chain"
    p = g.leaf("p", "m")
    inner = g.Expr("W x", lambda e: e.v.W * e.v.x, "m", frozenset({"W", "x"}))
    right = g.Expr("sigmoid(p)", lambda e: e.v.p.applyfunc(g.sigmoid), "m", frozenset({"p"}))
    assert fz.check(fz.Drawn(chain, right, "x", sizes, False, intermediates=(("p", inner),), chain=True)) == "shown: vector rule"
    assert p.names == {"p"}


def test_a_planted_wrong_chain_factor_is_caught_by_the_comparison(monkeypatch):
    """The chain's product is compared too: a product off by a factor of two is a failure even where
    the result beside it is right."""
    sizes = {"n": 3, "m": 2, "N": 4}
    block = f"{g.DECLARE}\np = A x\nf = sum(sin(p))\nwrt: x\nshow: chain"
    inner = g.Expr("A x", lambda e: e.v.A * e.v.x, "n", frozenset({"A", "x"}))
    f = g.Expr("sum(sin(p))", lambda e: sum(e.v.p.applyfunc(sp.sin)), "s", frozenset({"p"}))
    drawn = fz.Drawn(block, f, "x", sizes, False, intermediates=(("p", inner),), chain=True)
    real = fz.chain_product
    monkeypatch.setattr(fz, "chain_product", lambda result, at: real(result, at) * 2)
    with pytest.raises(fz.Failure, match="wrong: the chain's product"):
        fz.check(drawn)


REFUSED = [
    pytest.param("x in R^n\nW in R^(m x n)\nf = sum(W x)\nwrt: W\nderivative: hessian", id="hessian by a matrix"),
    pytest.param("x in R^n\nA in R^(n x n)\nf = diag(A) .* x\nwrt: A", id="diag(A) by A"),
    pytest.param("x in R^n\nf = x + norm(x)\nwrt: x", id="x + norm(x)"),
    pytest.param("c in R\nf = sin(c)\nwrt: c\nderivative: hessian", id="hessian by a scalar"),
    pytest.param("x in R^n\nA in R^(n x n)\nf = inv(A^T A) x\nwrt: A", id="inv(A^T A) x by A"),
]
"""Blocks the fuzz once found refused without a line, failing inside the engine, or giving a
different answer from one run to the next."""


@pytest.mark.parametrize("block", REFUSED)
def test_found_blocks_are_proven_or_refused_naming_their_line(block):
    """Each is derived and proven, or refused naming its line, the same way five times over."""
    outcomes = set()
    for _ in range(5):
        try:
            result = evaluate(block)
        except BlockError as exc:
            assert_names_its_line(exc)
            outcomes.add(str(exc))
            continue
        assert result.check.checked, str(result.check)
        outcomes.add(result.tex)
    assert len(outcomes) == 1, outcomes
