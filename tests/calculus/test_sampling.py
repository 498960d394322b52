"""Where the proof looks: sizes and points drawn as a block needs them, and never a weaker comparison.

Blocks that were left unchecked because random sizes or points fell outside their domain are now
proven; the points the proof used are recorded and checked against the domain and the author's
facts; a planted wrong derivative on each such block is still caught.
"""

from __future__ import annotations

import random
import re

import mpmath
import pytest

from mdjacobian import BlockError, evaluate
from mdjacobian.calculus import algebra as al
from mdjacobian.calculus import engine
from mdjacobian.calculus import nodes as n
from mdjacobian.calculus.needs import Needs, SizeBound, needs_of, rank_bound
from mdjacobian.calculus.proof import Mismatch, Prover
from mdjacobian.calculus.sampling import shift_term, size_assignments

from ..inprocess import evaluate_here  # spies and planted rules live in this process: the blocks are computed here too

TALL = "X in R^(N x d)\ny in R^N\nf = inv(X^T X) X^T y\nwrt: y"
"""Least squares: XᵀX is singular for every X when N < d, as random sizes often make it."""
BARRIER = "A in R^(m x n)\nb in R^m\nx in R^n\nf = sum(log(b - A x))\nwrt: x"
"""A log barrier: b − A x > 0 at almost no random point."""
LOGDET_GRAM = "X in R^(N x d)\nf = logdet(X^T X)\nwrt: X"


def points_used(monkeypatch) -> list[tuple[dict, dict]]:
    """Record (sizes, point) of every point the proof compared at."""
    used: list[tuple[dict, dict]] = []
    real = Prover.check_group

    def check_group(self, claims, values, sizes, bases=None):  # noqa: ANN001, ANN202
        used.append((dict(sizes), dict(values)))
        return real(self, claims, values, sizes, bases)

    monkeypatch.setattr(Prover, "check_group", check_group)
    return used


# -- blocks left unchecked before, proven now -----------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        TALL,
        "X in R^(N x d)\ny in R^N\nf = norm(inv(X^T X) X^T y)^2\nwrt: X",
        LOGDET_GRAM,
        BARRIER,
        "A in R^(5 x 3)\nb in R^5\nx in R^3\nf = sum(log(b - A x))\nwrt: x",
        BARRIER + "\nshow: full",
    ],
    ids=["least-squares", "least-squares-by-X", "logdet-gram", "barrier", "barrier-concrete", "barrier-full"],
)
def test_a_block_outside_random_sizes_and_points_is_proven(source):
    result = evaluate(source)
    assert result.check.checked, str(result.check)
    assert result.warning is None


def test_sizes_make_the_gram_matrix_invertible(monkeypatch):
    used = points_used(monkeypatch)
    result = evaluate_here(TALL)
    sizes = [dict(s) for s in result.check.sizes]
    assert len(sizes) == 3 and all(s["N"] > s["d"] >= 5 for s in sizes)
    assert len({(s["N"], s["d"]) for s in sizes}) == 3
    assert {tuple(sorted(s.items())) for s, _ in used} == {tuple(sorted(s.items())) for s in sizes}


def test_barrier_points_are_inside_the_domain_and_spread(monkeypatch):
    used = points_used(monkeypatch)
    assert evaluate_here(BARRIER).check.checked
    for sizes, values in used:
        a, b, x = values["A"], values["b"], values["x"]
        slack = [b.data[i] - sum(a.at(i, j) * x.data[j] for j in range(sizes["n"])) for i in range(sizes["m"])]
        assert min(slack) > 0
    entries = [v for _, values in used for v in values["A"].data]
    assert min(entries) < 0 < max(entries)  # not confined to positive matrices


@pytest.mark.parametrize("wrong", [lambda r: al.mul(al.number(2), r), lambda r: al.neg(r), lambda r: al.add(r, al.ones(r.shape))], ids=["doubled", "negated", "plus-one"])
@pytest.mark.parametrize("source", [TALL, BARRIER, LOGDET_GRAM], ids=["least-squares", "barrier", "logdet-gram"])
def test_a_planted_wrong_form_is_still_caught(monkeypatch, source, wrong):
    right = engine.matrix_derivative
    monkeypatch.setattr(engine, "matrix_derivative", lambda *args: wrong(right(*args)))
    with pytest.raises(Mismatch, match="in matrix notation disagrees"):
        evaluate_here(source)


def test_logdet_draws_have_a_positive_determinant_and_both_signs(monkeypatch):
    used = points_used(monkeypatch)
    assert evaluate_here("A in R^(n x n)\nf = logdet(A)\nwrt: A").check.checked
    for _, values in used:
        a = values["A"]
        assert mpmath.det(mpmath.matrix([a.data[i * a.cols : (i + 1) * a.cols] for i in range(a.rows)])) > 0
    assert any(x < 0 for _, values in used for x in values["A"].data)


# -- the author's facts -----------------------------------------------------------------------------------


def test_a_positive_fact_confines_the_points(monkeypatch):
    used = points_used(monkeypatch)
    result = evaluate_here("x in R^n\nf = sum(abs(x - 1))\nwrt: x\nassume: x > 0")
    assert result.check.checked and result.caption.endswith(", assuming x > 0")
    assert used and all(v > 0 for _, values in used for v in values["x"].data)


def test_size_facts_are_kept_in_every_assignment():
    result = evaluate_here("W in R^(m x n)\nx in R^n\nf = norm(W x)^2\nwrt: W\nassume: m > n, n >= 7")
    sizes = [dict(s) for s in result.check.sizes]
    assert all(s["m"] > s["n"] >= 7 for s in sizes), sizes


def test_a_positive_definite_fact_draws_symmetric_positive_definite_matrices(monkeypatch):
    used = points_used(monkeypatch)
    source = "S in R^(n x n)\nx in R^n\nf = x^T inv(S) x + logdet(S)\nwrt: S\nassume: S positive definite"
    assert evaluate_here(source).check.checked
    for _, values in used:
        s = values["S"]
        m = mpmath.matrix([s.data[i * s.cols:(i + 1) * s.cols] for i in range(s.rows)])
        assert m == m.T
        mpmath.cholesky(m)  # raises for a matrix that is not positive definite


def test_facts_that_no_sizes_satisfy_leave_the_result_unchecked_with_the_reason():
    result = evaluate("X in R^(N x d)\nf = sum(X)\nwrt: X\nassume: N > d, d > N")
    assert not result.check.checked
    assert result.check.reason == "no sizes of at least 5 satisfy N > d, d > N with every matrix under inv, det or logdet invertible"
    assert str(result.warning) == "line 2: not checked numerically: " + result.check.reason


def test_a_matrix_singular_at_every_size_is_unchecked_not_faked():
    result = evaluate("x in R^n\nf = x^T inv(x x^T) x\nwrt: x")
    assert not result.check.checked
    assert result.check.reason == "a matrix under inv, det or logdet is singular at every size of at least 5"


@pytest.mark.parametrize(
    ("fact", "message"),
    [
        ("b - A x >= 0", "write 'b - A x > 0' with a strict '>'"),
        ("q > 0", "'q' does not appear in the block"),
        ("x positive definite", "'x' must be a declared square matrix to be positive definite"),
        ("m > x", "'m' is a size; compare sizes with sizes"),
        ("0 < x < 1", "makes more than one comparison"),
        ("x is small", "is not a fact mdjacobian understands"),
        ("A x > b .* b .* b + [1, 2]", "'+' needs equal shapes"),
    ],
)
def test_a_fact_that_cannot_be_read_is_an_error_on_its_line(fact, message):
    with pytest.raises(BlockError, match=re.escape(message)) as excinfo:
        evaluate(f"{BARRIER}\nassume: {fact}")
    assert excinfo.value.line == 6


# -- the pieces --------------------------------------------------------------------------------------------


def test_rank_bounds():
    N, d = n.Dim(1, ("N",)), n.Dim(1, ("d",))
    X = n.Var("X", (N, d))
    x = n.Var("x", (d, n.ONE))
    gram = al.mul(al.transpose(X), X)
    assert rank_bound(gram, {"N": 5, "d": 7}) == 5 and rank_bound(gram, {"N": 7, "d": 5}) == 5
    assert rank_bound(al.mul(x, al.transpose(x)), {"d": 6}) == 1
    assert rank_bound(al.add(gram, al.mul(x, al.transpose(x))), {"N": 5, "d": 7}) == 6
    needs = needs_of([al.inverse(gram)])
    assert not needs.sizes_fit({"N": 5, "d": 7}) and needs.sizes_fit({"N": 8, "d": 7})


def test_size_assignments_meet_a_requirement_and_stay_distinct():
    bound = SizeBound(n.Dim(1, ("m",)), n.Dim(1, ("n",)))
    for seed in range(50):
        found = size_assignments(["m", "n", "k"], random.Random(seed), bound.holds)
        assert found is not None and len(found) == 3
        assert all(a["m"] > a["n"] and len(set(a.values())) == 3 and min(a.values()) >= 5 for a in found)
        assert len({tuple(a.values()) for a in found}) == 3
    assert size_assignments(["m", "n"], random.Random(0), lambda s: False) is None


def test_shift_term_finds_a_plain_term_only():
    m = n.Dim(1, ("m",))
    b, y = n.Var("b", (m, n.ONE)), n.Var("y", (m, n.ONE))
    A = n.Var("A", (m, m))
    assert shift_term(al.sub(b, al.mul(A, y)), {"b", "y", "A"}) == ("b", 1.0)
    assert shift_term(al.sub(al.mul(A, y), b), {"b", "y", "A"}) == ("b", -1.0)
    assert shift_term(al.sub(b, al.mul(A, b)), {"b", "A"}) is None  # b is also inside the product
    assert shift_term(al.sub(b, al.mul(A, y)), {"y"}) is None  # b is not to be moved


def test_needs_merge_keeps_both():
    a = Needs(definite=frozenset({"S"}), size_bounds=(SizeBound(n.Dim(5), n.Dim(1, ("n",)), False),))
    merged = a.merge(Needs(fixed=frozenset({"y"})))
    assert merged.definite == {"S"} and merged.fixed == {"y"} and merged.size_bounds == a.size_bounds


def test_a_symmetric_matrix_under_logdet_is_drawn_symmetric_with_a_positive_determinant(monkeypatch):
    used = points_used(monkeypatch)
    assert evaluate_here("S in Sym(n)\nx in R^n\nf = logdet(S) + x^T inv(S) x\nwrt: S").check.checked
    assert used
    for _, values in used:
        s = values["S"]
        m = mpmath.matrix([s.data[i * s.cols : (i + 1) * s.cols] for i in range(s.rows)])
        assert m == m.T and mpmath.det(m) > 0
