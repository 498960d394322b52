"""``show: backprop``: the gradient of a scalar loss by each of the block's quantities, from the loss back.

The loss is written through the block's named intermediates (z = V x + b₁, h = max(0, z), r = W h + b₂ − y,
L = ‖r‖²). Going backwards, each quantity's gradient ∂L/∂v, shaped like v, is the sum over the
quantities c that use v of ∂L/∂c pulled back through the differential of c's definition in v, the
other names held fixed: ∂L/∂h = Wᵀ ∂L/∂r, ∂L/∂z = 𝟙[z > 0] ⊙ ∂L/∂h, and the parameters' gradients
from them: ∂L/∂W = ∂L/∂r hᵀ. Each line names the gradients of the lines before it
(:class:`~mdjacobian.calculus.nodes.Gradient`), as a course writes backpropagation, and each is
proven on its own: ∂L/∂v against the loss's central differences with v a free input.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import BlockError
from . import algebra as al
from . import nodes as n
from .build import Model
from .differential import Differentiator
from .extract import gradient
from .proof import Claim
from .textbook import textbook
from .tidy import tidy


@dataclass(frozen=True)
class Line:
    """∂L/∂name = ``form``, in terms of the gradients of the lines before it."""

    name: str
    form: n.Node
    parameter: bool
    """A variable the block differentiates by, rather than an intermediate."""


def _uses(node: n.Node) -> set[str]:
    return {x.name for x in node.walk() if isinstance(x, n.Var)}


def backprop(model: Model, loss: str) -> list[Line]:
    """The lines of backpropagation for the scalar output ``loss``, from the loss back to each variable."""
    definitions = model.definitions
    if not model.symbols[loss].is_scalar:
        raise BlockError("show: backprop needs a scalar loss, such as L = norm(r)^2")
    order = [name for name in model.block.intermediates if name in definitions] + [loss]
    wrt = [v.name for v in model.wrt]
    # the quantities on a path from a variable to the loss
    depends: dict[str, bool] = {}
    for name in order:
        used = _uses(definitions[name])
        depends[name] = any(u in wrt or depends.get(u, False) for u in used)
    needed: set[str] = {loss}
    for name in reversed(order):
        if name in needed:
            needed |= {u for u in _uses(definitions[name]) if depends.get(u, False)}
    consumers: dict[str, list[str]] = {}
    for name in order:
        for used in _uses(definitions[name]):
            consumers.setdefault(used, []).append(name)
    lines: list[Line] = []
    grads: dict[str, n.Node] = {}
    targets = [name for name in reversed(order[:-1]) if name in needed] + wrt
    for name in targets:
        var = model.symbols[name]
        total = []
        for consumer in consumers.get(name, []):
            if consumer != loss and consumer not in needed:
                continue
            seed = al.ONE_N if consumer == loss else n.Gradient(loss, consumer, model.symbols[consumer].shape)
            d = Differentiator(name, var.shape)(definitions[consumer])
            if al.is_zero(d):
                continue
            total.append(gradient(d, n.Differential(name, var.shape), seed))
        form = al.add(*total) if total else al.zero(var.shape)
        form = textbook(tidy(form, definitions[loss], definitions.values()), definitions)
        grads[name] = form
        lines.append(Line(name, form, name in wrt))
    return lines


def claims(model: Model, loss: str, lines: list[Line]) -> list[Claim]:
    """Each line as a claim: ∂L/∂v against the loss with v a free input (a parameter's, with everything defined)."""
    found: list[Claim] = []
    gradients = {f"∂{loss}/∂{line.name}": line.form for line in lines}
    for line in lines:
        var = model.symbols[line.name]
        definitions = {k: v for k, v in model.definitions.items() if k != line.name}
        definitions.update(gradients)
        free = n.Var(line.name, var.shape, var.symmetric) if not line.parameter else var
        layout = "denominator" if var.is_column else "numerator"  # shaped like v: a column for a vector
        found.append(Claim(f"the line for ∂{loss}/∂{line.name}", model.symbols[loss], (free,), line.form, layout, 1, definitions))
    return found


__all__ = ["Line", "backprop", "claims"]
