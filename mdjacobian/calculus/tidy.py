"""The last pass before a derivative is shown: factor what the rules left expanded.

Sums that differentiation produced are factored where every term shares a first or last factor
(A x + Aᵀ x = (A + Aᵀ) x), and products with a sum that holds I or 𝟏 are multiplied out, where that
makes the sum disappear (−yᵀ(I − 𝟏 sᵀ) = sum(y) sᵀ − yᵀ). Subexpressions of the function itself are
left as the author wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import algebra as al
from .build import rebuild
from .extract import replace
from .nodes import Add, Apply, Identity, Mul, Node, Number, Ones, Transpose


def _factors(term: Node) -> tuple[Node, list[Node]]:
    """A term as (scalar part, its vectors and matrices in order)."""
    scalar, rest = al.matrix_part(term)
    if isinstance(rest, Mul):
        return scalar, list(rest.matrices)
    if rest.is_scalar:
        return scalar, []
    return scalar, [rest]


def _factor_sum(node: Add) -> Node:
    terms = [_factors(t) for t in node.args]
    if any(not matrices for _, matrices in terms):
        return node
    last = terms[0][1][-1]
    if all(m[-1] == last for _, m in terms) and any(len(m) > 1 for _, m in terms):
        inner = al.add(*(al.mul(s, *m[:-1]) if len(m) > 1 else al.mul(s, _identity_for(last)) for s, m in terms))
        return al.mul(_factor_sum(inner) if isinstance(inner, Add) else inner, last)
    first = terms[0][1][0]
    if all(m[0] == first for _, m in terms) and any(len(m) > 1 for _, m in terms):
        inner = al.add(*(al.mul(s, *m[1:]) if len(m) > 1 else al.mul(s, _identity_for_left(first)) for s, m in terms))
        return al.mul(first, _factor_sum(inner) if isinstance(inner, Add) else inner)
    return node


def _identity_for(last: Node) -> Node:
    return Identity(last.rows)


def _identity_for_left(first: Node) -> Node:
    return Identity(first.cols)


def _holds_unit(node: Node) -> bool:
    """A sum with a term that is I, or a product starting or ending with 𝟏: multiplying it out simplifies."""
    for term in node.args:
        _, matrices = _factors(term)
        if any(isinstance(m, Identity) for m in matrices) or (matrices and isinstance(matrices[0], Ones)):
            return True
        if matrices and isinstance(matrices[-1], Ones):  # s 𝟏ᵀ, a transposed 𝟏 sᵀ
            return True
    return False


def _expand(node: Mul) -> Node:
    matrices = list(node.matrices)
    for i, m in enumerate(matrices):
        if isinstance(m, Add) and _holds_unit(m):
            before, after = matrices[:i], matrices[i + 1 :]
            return al.add(*(tidy_node(al.mul(*node.scalars, *before, t, *after), frozenset()) for t in m.args))
    return node


def _is_step(node: Node) -> bool:
    return isinstance(node, Apply) and node.fn == "step" and node.is_scalar


def _cases(node: Node) -> Node:
    """A product with the scalar step of a ReLU, as two cases: 0 for z ≤ 0, and for z > 0 the rest,
    where max(0, z) is z itself."""
    if not isinstance(node, Mul):
        return node
    steps = [a for a in node.scalars if _is_step(a)]
    if len(steps) != 1 or any(_is_step(a) for a in node.matrices):
        return node
    (step,) = steps
    z = step.args[0]
    rest = al.mul(*(a for a in node.args if a is not step))
    rest = replace(rest, al.apply("max", al.ZERO_N, z), z)
    rest = replace(rest, al.apply("max", z, al.ZERO_N), z)
    return al.cases(z, _positive(rest))


def _positive(node: Node) -> Node:
    """−2 (y − z) xᵀ as 2 (z − y) xᵀ: a product's sign goes into its one sum."""
    if not isinstance(node, Mul) or not isinstance(node.args[0], Number) or node.args[0].value >= 0:
        return node
    sums = [a for a in node.args if isinstance(a, Add)]
    if len(sums) != 1:
        return node
    (total,) = sums
    flipped = al.add(*(al.neg(t) for t in total.args))
    return al.mul(*(flipped if a is total else a for a in node.args[1:]), al.number(-node.args[0].value))


def tidy_node(node: Node, primal: frozenset[Node]) -> Node:
    if node in primal or not node.args:
        return node
    args = tuple(tidy_node(a, primal) for a in node.args)
    out = node if args == node.args else rebuild(node, args)
    if isinstance(out, Transpose) and isinstance(out.args[0], Add) and _holds_unit(out.args[0]):
        out = al.add(*(al.transpose(t) for t in out.args[0].args))  # (I − 𝟏sᵀ)ᵀ = I − s𝟏ᵀ, to multiply out
    if isinstance(out, Mul):
        out = _expand(out)
    if isinstance(out, Add):
        out = _factor_sum(out)
    return _cases(out)


def tidy(node: Node, function: Node, definitions: Iterable[Node] = ()) -> Node:
    """``node`` (a derivative of ``function``, whose names stand for ``definitions``) in the form a page shows."""
    primal = frozenset(x for f in (function, *definitions) for x in f.walk())
    out = _positive(tidy_node(node, primal))
    return al.cases(out.args[0], al.ONE_N) if _is_step(out) else out
