"""What the numerical proof must sample for a block to be defined: sizes, matrices and domains.

The proof draws random sizes and random points. Some blocks are defined on part of that space only:
``inv(X^T X)`` needs a tall ``X`` (N ≥ d), ``log(b - A x)`` needs ``b - A x > 0``, ``logdet(A)``
needs det A > 0. A :class:`Needs` record lists such requirements, read off the expressions the proof
evaluates and off the author's ``assume:`` facts; :mod:`.sampling` then chooses sizes that meet them,
draws each variable from the family its requirements name, and moves or rejects points outside the
domain. A requirement only decides *where* the proof looks; what is compared, and how closely, stays
the same.

A new node type that needs something adds one rule to :func:`needs_of` (or to :func:`rank_bound` for
its rank); a node the rules do not know needs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from . import nodes as n


@dataclass(frozen=True)
class SizeBound:
    """``left > right`` (``>=`` when not strict) between sizes, for an assignment of sizes to be used."""

    left: n.Dim
    right: n.Dim
    strict: bool = True

    def holds(self, sizes: Mapping[str, int]) -> bool:
        left, right = self.left.at(sizes), self.right.at(sizes)
        return left > right if self.strict else left >= right

    def __str__(self) -> str:
        return f"{self.left} {'>' if self.strict else '≥'} {self.right}"


@dataclass(frozen=True)
class Needs:
    """The requirements of one block's proof; the empty record asks for nothing."""

    full_rank: tuple[n.Node, ...] = ()
    """Square matrices under ``inv``, ``det`` or ``logdet``: only sizes where their generic rank is
    their size are used (``X^T X`` with ``X`` in R^(N x d) is singular for every ``X`` when N < d)."""
    size_bounds: tuple[SizeBound, ...] = ()
    """The author's facts about sizes (``assume: N > d``)."""
    positive: tuple[n.Node, ...] = ()
    """Expressions whose entries must be positive at every point (the author's ``assume: b - A x > 0``)."""
    domains: tuple[n.Node, ...] = ()
    """Expressions whose entries must be positive for the function to have a value (the arguments of
    ``log`` and ``sqrt``): a point outside is moved inside where a variable can be shifted."""
    det_positive: frozenset[str] = frozenset()
    """Variables under ``logdet``: a draw with a negative determinant has a row's sign flipped."""
    definite: frozenset[str] = frozenset()
    """Variables drawn symmetric positive definite (``assume: A positive definite``)."""
    symmetric: frozenset[str] = frozenset()
    """Variables drawn symmetric, with symmetric directions (a symmetric matrix declaration)."""
    fixed: frozenset[str] = field(default_factory=frozenset)
    """Variables some other rule sets (``assume: sum(y) = 1``): never shifted or scaled by the search."""

    def sizes_fit(self, sizes: Mapping[str, int]) -> bool:
        """Whether an assignment of sizes meets every size requirement."""
        if not all(bound.holds(sizes) for bound in self.size_bounds):
            return False
        return all(rank_bound(m, sizes) >= m.rows.at(sizes) for m in self.full_rank)

    def why_no_sizes(self) -> str:
        """Why no assignment of sizes fits, for a proof that could not run."""
        if self.size_bounds:
            bounds = ", ".join(str(b) for b in self.size_bounds)
            return f"no sizes of at least 5 satisfy {bounds} with every matrix under inv, det or logdet invertible"
        return "a matrix under inv, det or logdet is singular at every size of at least 5"

    def merge(self, other: Needs) -> Needs:
        """Both records' requirements."""
        return Needs(
            full_rank=_unique(self.full_rank + other.full_rank),
            size_bounds=_unique(self.size_bounds + other.size_bounds),
            positive=_unique(self.positive + other.positive),
            domains=_unique(self.domains + other.domains),
            det_positive=self.det_positive | other.det_positive,
            definite=self.definite | other.definite,
            symmetric=self.symmetric | other.symmetric,
            fixed=self.fixed | other.fixed,
        )


def _unique(items: tuple) -> tuple:
    return tuple(dict.fromkeys(items))


def needs_of(nodes: Iterable[n.Node]) -> Needs:
    """What evaluating ``nodes`` needs: full-rank matrices, positive arguments, positive determinants."""
    full_rank: list[n.Node] = []
    domains: list[n.Node] = []
    det_positive: set[str] = set()
    seen: set[n.Node] = set()
    for root in nodes:
        stack = [root]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(node.args)
            if isinstance(node, (n.Inverse, n.Det, n.LogDet)) and not node.args[0].is_scalar:
                full_rank.append(node.args[0])
            if isinstance(node, n.LogDet):
                inner = node.args[0].args[0] if isinstance(node.args[0], n.Transpose) else node.args[0]
                if isinstance(inner, n.Var):
                    det_positive.add(inner.name)
            if isinstance(node, n.Apply) and node.fn in ("log", "sqrt"):
                domains.append(node.args[0])
            if isinstance(node, n.Power) and not _whole(node.exponent):
                domains.append(node.args[0])
    return Needs(full_rank=_unique(tuple(full_rank)), domains=_unique(tuple(domains)), det_positive=frozenset(det_positive))


def _whole(exponent: n.Node) -> bool:
    return isinstance(exponent, n.Number) and exponent.value.denominator == 1


def rank_bound(node: n.Node, sizes: Mapping[str, int]) -> int:
    """An upper bound on the rank ``node`` has at ``sizes`` for generic values of its variables.

    Products can only lose rank (rank(AB) ≤ min(rank A, rank B)), sums add at most the ranks of
    their terms; a node no rule names is taken to have full rank, which asks nothing of the sizes.
    """
    rows, cols = node.rows.at(sizes), node.cols.at(sizes)
    full = min(rows, cols)
    if isinstance(node, n.Zero):
        return 0
    if isinstance(node, n.Ones):
        return min(1, full)
    if isinstance(node, n.Transpose):
        return rank_bound(node.args[0], sizes)
    if isinstance(node, n.Mul):
        factors = [a for a in node.args if not a.is_scalar]
        return min([full] + [rank_bound(a, sizes) for a in factors])
    if isinstance(node, n.Add):
        return min(full, sum(rank_bound(a, sizes) for a in node.args))
    if isinstance(node, n.Kron):
        a, b = node.args
        return min(full, rank_bound(a, sizes) * rank_bound(b, sizes))
    if isinstance(node, n.Hadamard):
        product = 1
        for a in node.args:
            product *= rank_bound(a, sizes)
        return min(full, product)
    return full


__all__ = ["Needs", "SizeBound", "needs_of", "rank_bound"]
