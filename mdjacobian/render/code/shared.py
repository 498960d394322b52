"""Subexpressions a derivative uses more than once, to compute once under a name of their own.

A matrix form often repeats a whole subexpression (σ(W x) ⊙ (𝟏 − σ(W x))): the code computes it once,
as ``t1 = jax.nn.sigmoid(W @ x)``. Only subexpressions that cost something are named (a call, or an
operation on more than two leaves), and a part of a named subexpression gets a name of its own only
when it is used elsewhere too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ...calculus import nodes as n

_OPERATIONS = (n.Add, n.Mul, n.Hadamard, n.Power, n.Transpose)
_CANDIDATES = 64
"""How many repeated subexpressions, the largest first, are considered for a name."""


def worth_naming(node: n.Node) -> bool:
    if isinstance(node, n.LEAVES) or not node.args:
        return False
    return not isinstance(node, _OPERATIONS) or node.size() >= 4


def repeated(roots: list[n.Node]) -> list[n.Node]:
    """The subexpressions of ``roots`` to compute once, each after those it contains."""
    counts = Counter(node for root in roots for node in root.walk())
    candidates = sorted((c for c, k in counts.items() if k > 1 and worth_naming(c)), key=lambda c: -c.size())
    chosen: list[n.Node] = []
    for candidate in candidates[:_CANDIDATES]:
        if sum(1 for node in _uses(roots, chosen) if node == candidate) > 1:
            chosen.append(candidate)
    return sorted(chosen, key=lambda c: c.size())


def _uses(roots: list[n.Node], chosen: list[n.Node]) -> Iterator[n.Node]:
    """Every node the code evaluates once the ``chosen`` subexpressions have names: a chosen node is
    met where it is used, and its inside once, where it is defined."""
    named = set(chosen)
    stack = list(roots) + [a for c in chosen for a in c.args]
    while stack:
        node = stack.pop()
        yield node
        if node not in named:
            stack.extend(node.args)


def temporary_names(used: set[str]) -> Iterator[str]:
    """Names t1, t2, … that are none of ``used``, as many as are asked for."""
    k = 0
    while True:
        k += 1
        if f"t{k}" not in used:
            yield f"t{k}"
