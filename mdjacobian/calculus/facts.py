"""The author's ``assume:`` facts about the domain, as requirements of the proof (:class:`Needs`)."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import BlockError
from ..language import syntax as ast
from ..limits import Limits
from ..model import Fact
from . import algebra as al
from .build import Builder, Model
from .needs import Needs, SizeBound
from .nodes import Dim


def fact_needs(facts: Iterable[Fact], model: Model, limits: Limits) -> Needs:
    """What ``facts`` ask of the proof: size bounds, positive expressions, positive definite matrices."""
    bounds, positive, definite = [], [], set()
    for fact in facts:
        if fact.kind == "sizes":
            bounds.append(SizeBound(Dim.of(fact.left), Dim.of(fact.right), fact.strict))  # type: ignore[arg-type]
        elif fact.kind == "positive":
            positive.append(_difference(fact, model, limits))
        else:
            if fact.name in model.block.wrt and model.symbols[fact.name].is_matrix is False:
                raise BlockError(f"assume: '{fact.name}' must be a square matrix to be positive definite")
            definite.add(fact.name)
    return Needs(size_bounds=tuple(bounds), positive=tuple(positive), definite=frozenset(definite))


def _difference(fact: Fact, model: Model, limits: Limits) -> object:
    """``left - right`` of ``left > right``, built as the block builds its expressions."""
    difference = ast.Binary("-", fact.left, fact.right, 1)  # type: ignore[arg-type]
    try:
        with al.number_limit(limits.max_number_digits, limits.max_exponent):
            node = Builder(model, limits).build(difference)
    except BlockError as exc:
        exc.column = None
        raise BlockError(f"assume: '{fact.text}': {exc.reason}") from None
    return node


__all__ = ["fact_needs"]
