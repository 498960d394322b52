"""Operators defined in one place each: shape, simplification, differential, values and components.

An :class:`Operator` carries everything the engine needs to know about one function of the block
language, the way a SymPy function class carries its evaluation and its derivative: which shapes it
takes and what shape it gives, its differential in terms of the engine's primitive nodes (so the
readings of :mod:`~mdjacobian.calculus.extract` need nothing new), its value in the numerical proof,
its components at concrete sizes, and its meaning in primitive nodes (:meth:`Operator.expand`), which
printers and exporters that do not know the operator fall back on, and which tests compare with.

The grammar (:data:`mdjacobian.language.grammar.FUNCTIONS`) lists each operator's name and argument
count; nothing else outside this module names one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import sympy as sp

from ..errors import BlockError
from . import algebra as al
from .nodes import ONE, SCALAR, Node, Ones, Op, Shape, shape_text
from .arrays import Arr

if TYPE_CHECKING:
    from .numeric import Numbers


class Operator:
    """One operator of the block language; subclasses fill in each step."""

    name: ClassVar[str]

    def shape(self, args: Sequence[Node]) -> Shape:
        """The result's shape; a BlockError (naming the operator) for arguments it does not take."""
        raise NotImplementedError

    def build(self, *args: Node) -> Node:
        """The node for ``name(*args)``, simplified where a rule applies."""
        return Op(tuple(args), (self.name,), self.shape(args))

    def differential(self, node: Op, d: Callable[[Node], Node]) -> Node:
        """d(node) in primitive nodes, given ``d`` that differentiates the arguments."""
        raise NotImplementedError

    def evaluate(self, node: Op, values: Sequence[Any], numbers: Numbers) -> Any:
        """The value, from the arguments' values (floats or mpmath numbers; :class:`Arr` for arrays)."""
        raise NotImplementedError

    def lower(self, node: Op, values: Sequence[Any]) -> Any:
        """The value entry by entry in SymPy, from the arguments' components."""
        raise NotImplementedError

    def expand(self, node: Op) -> Node:
        """The same value written with primitive nodes only."""
        raise NotImplementedError


def _rows_of(value: Arr) -> list[list]:
    return [value.data[i * value.cols : (i + 1) * value.cols] for i in range(value.rows)]


def _lse(row: Sequence[Any], numbers: Numbers) -> Any:
    top = max(row)
    return top + numbers.m.log(sum((numbers.m.exp(x - top) for x in row), numbers.number(0)))


class LogSumExp(Operator):
    """logsumexp(z) = log Σᵢ exp(zᵢ) of a vector; of a matrix, the column of its rows' values."""

    name = "logsumexp"

    def shape(self, args: Sequence[Node]) -> Shape:
        (z,) = args
        if z.is_scalar or z.is_row:
            raise BlockError(f"logsumexp() takes a column vector or a matrix, not a {shape_text(z.shape)} value")
        return SCALAR if z.is_column else (z.rows, ONE)

    def differential(self, node: Op, d: Callable[[Node], Node]) -> Node:
        (z,) = node.args
        dz = d(z)
        if al.is_zero(dz):
            return al.zero(node.shape)
        s = al.softmax(z)
        if z.is_column:
            return al.mul(al.transpose(s), dz)  # d lse(z) = softmax(z)ᵀ dz
        return al.mul(al.hadamard(s, dz), Ones((z.cols, ONE)))  # row by row: (S ⊙ dZ) 𝟏

    def evaluate(self, node: Op, values: Sequence[Any], numbers: Numbers) -> Any:
        (z,) = values
        if z.cols == 1:
            return numbers.finite(_lse(z.data, numbers))
        return Arr(z.rows, 1, [numbers.finite(_lse(row, numbers)) for row in _rows_of(z)])

    def lower(self, node: Op, values: Sequence[Any]) -> Any:
        (z,) = values
        if z.cols == 1:
            return sp.log(sp.Add(*[sp.exp(e) for e in z]))
        return sp.ImmutableMatrix([sp.log(sp.Add(*[sp.exp(z[i, j]) for j in range(z.cols)])) for i in range(z.rows)])

    def expand(self, node: Op) -> Node:
        (z,) = node.args
        exp = al.apply("exp", z)
        if z.is_column:
            return al.apply("log", al.total(exp))
        return al.apply("log", al.mul(exp, Ones((z.cols, ONE))))


OPERATORS: dict[str, Operator] = {op.name: op for op in (LogSumExp(),)}
"""Every operator defined here, by the name blocks call it by."""


def operator(node: Op) -> Operator:
    return OPERATORS[node.name]


__all__ = ["OPERATORS", "Operator", "operator"]
