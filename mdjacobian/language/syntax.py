"""The syntax tree of the block language: what the parser builds, before any maths is done.

Nodes carry the column they start at, so that later layers can place their errors. Numbers are
exact fractions. Nothing here knows about shapes or SymPy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Num:
    value: Fraction
    text: str
    column: int


@dataclass(frozen=True)
class Name:
    name: str
    column: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    column: int


@dataclass(frozen=True)
class Binary:
    """``left op right``; ``op`` is one of ``+ - * / .* ./ ·``. Implicit multiplication is ``*``."""

    op: str
    left: Expr
    right: Expr
    column: int


@dataclass(frozen=True)
class Negate:
    operand: Expr
    column: int


@dataclass(frozen=True)
class Power:
    """``base ^ exponent``; ``base .^ exponent`` (``elementwise``) raises each entry of an array."""

    base: Expr
    exponent: Expr
    column: int
    elementwise: bool = False


@dataclass(frozen=True)
class Transpose:
    operand: Expr
    column: int


@dataclass(frozen=True)
class Vector:
    """``[a, b, c]``: a column vector written entry by entry."""

    items: tuple[Expr, ...]
    column: int


Expr = Num | Name | Call | Binary | Negate | Power | Transpose | Vector


def children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, (Negate, Transpose)):
        return (node.operand,)
    if isinstance(node, Power):
        return (node.base, node.exponent)
    if isinstance(node, Vector):
        return node.items
    return ()


def walk(node: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def transposes(node: Expr) -> bool:
    """``x^T``: a power whose exponent is the name T, which transposes."""
    return isinstance(node, Power) and not node.elementwise and isinstance(node.exponent, Name) and node.exponent.name == "T"


def names(node: Expr) -> list[str]:
    """The names the expression uses as values (not called functions, not the T of x^T), in order of first use."""
    seen: dict[str, None] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            seen.setdefault(current.name)
        stack.extend(reversed((current.base,) if transposes(current) else children(current)))
    return list(seen)
