"""``show: steps``: a derivation by differentials, one rule per line, as Magnus & Neudecker derive.

The differential of the function is taken one rule at a time: each line applies the rule of one
node (the product rule, the chain rule of an element-wise function, d(X⁻¹) = −X⁻¹ dX X⁻¹, the
definition of an intermediate …) and leaves the differentials of its parts pending, written d(u).
Differentials of constants vanish on the way. When nothing is pending, the terms are collected in the
direction (df = gᵀ dx, or df = tr(Gᵀ dX) by the trace's cyclic property), which names the derivative.
Every line is an equality of differentials, proven numerically along random directions: a pending
d(u) is computed as u's whole differential.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import algebra as al
from . import nodes as n
from .differential import Differentiator, NoMatrixForm
from .tidy import tidy

MAX_LINES = 24
"""A derivation longer than this is shown with several rules on one line, each line a whole step."""


@dataclass(frozen=True)
class Step:
    """One line: the differential, and the rule that gave it (empty for the first line)."""

    form: n.Node
    rule: str


_RULES: dict[type, str] = {
    n.Add: "d(a + b) = da + db",
    n.Mul: "the product rule: d(A B) = dA B + A dB",
    n.Hadamard: "the product rule for ⊙",
    n.Transpose: "d(Aᵀ) = (dA)ᵀ",
    n.Inverse: "d(X⁻¹) = −X⁻¹ dX X⁻¹",
    n.Det: "d det X = det X tr(X⁻¹ dX)",
    n.LogDet: "d log det X = tr(X⁻¹ dX)",
    n.Trace: "d tr(A) = tr(dA)",
    n.Sum: "d sum(A) = sum(dA)",
    n.Softmax: "d softmax(z) = (diag(s) − s sᵀ) dz",
    n.Inner: "the product rule: d(aᵀb) = daᵀ b + aᵀ db",
    n.Diag: "d diag(v) = diag(dv)",
    n.DiagPart: "d diag(A) = diag(dA)",
}


def _rule_name(node: n.Node) -> str:
    if isinstance(node, n.Var):
        return f"the definition of {node.name}"
    if isinstance(node, n.Apply):
        return f"the chain rule: d {node.fn}(u) = {node.fn}′(u) ⊙ du"
    if isinstance(node, n.Power):
        return "the power rule: d(uᵏ) = k uᵏ⁻¹ du"
    if isinstance(node, n.Norm):
        return "d‖a‖ = aᵀ da / ‖a‖" if node.p == 2 else "d‖a‖₁ = sign(a)ᵀ da"
    if isinstance(node, n.Op):
        return f"the differential of {node.name}"
    return _RULES.get(type(node), f"the rule for {type(node).__name__}")


class _OneRule(Differentiator):
    """The differential of one node by its own rule, its parts' differentials left pending."""

    def __init__(self, name: str, shape, definitions, whole: Differentiator) -> None:  # noqa: ANN001
        super().__init__(name, shape, definitions)
        self.whole = whole
        self.top: n.Node | None = None

    def __call__(self, node: n.Node) -> n.Node:
        if self.top is None:
            self.top = node
            try:
                return self._rule(node)
            finally:
                self.top = None
        return pending(node, self.whole)


def pending(node: n.Node, whole: Differentiator) -> n.Node:
    """d(node), pending; 0 for a constant and dX for the variable itself, at once."""
    full = whole(node)
    if al.is_zero(full):
        return al.zero(node.shape)
    if full == whole.dx and node == n.Var(whole.name, whole.dx.shape):
        return whole.dx
    return n.Pending((node, full), (), node.shape)


def _first(node: n.Node) -> n.Pending | None:
    for x in node.walk():
        if isinstance(x, n.Pending):
            return x
    return None


def _replace(node: n.Node, old: n.Node, new: n.Node) -> n.Node:
    from .extract import replace

    return replace(node, old, new)


def steps(function: n.Node, variable: n.Var, definitions) -> list[Step]:  # noqa: ANN001
    """The lines of the derivation of d(function) in ``variable``, up to the last with nothing pending."""
    whole = Differentiator(variable.name, variable.shape, definitions)
    state = pending(function, whole)
    lines = [Step(state, "")]
    while (target := _first(state)) is not None:
        one = _OneRule(variable.name, variable.shape, definitions, whole)
        expanded = one(target.inner)
        state = _replace(state, target, expanded)
        lines.append(Step(state, _rule_name(target.inner)))
        if len(lines) > 4 * MAX_LINES:
            raise NoMatrixForm("the derivation has too many steps to show")
    if len(lines) > 1 and isinstance(function, n.Var) and lines[1].rule.startswith("the definition"):
        lines = [Step(lines[1].form, "")] + lines[2:]  # dL = d(its definition) is where a text starts
    if len(lines) > MAX_LINES:  # keep every k-th line: each shown line still follows from the one before
        k = -(-len(lines) // MAX_LINES)
        kept = lines[::k]
        if kept[-1] is not lines[-1]:
            kept.append(lines[-1])
        lines = [Step(s.form, "several rules" if i else "") for i, s in enumerate(kept)]
    last = lines[-1].form
    tidied = tidy(last, function, definitions.values())
    if tidied != last:
        lines.append(Step(tidied, "collecting terms"))
    return lines


__all__ = ["Step", "steps"]
