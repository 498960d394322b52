"""``assume:`` lines: facts the result may use, and facts about where the block is defined.

A line holds one or more facts separated by commas:

- ``sum(y) = 1``: the entries of a declared vector or matrix add up to a number; the result may use it;
- ``N > d`` (or ``>=``, ``<``, ``<=``, ``≥``, ``≤``): between symbolic sizes or whole numbers;
- ``b - A x > 0`` (or ``<``): every entry of the left side is greater than the right side's;
- ``A positive definite``: a declared square matrix is symmetric positive definite.

The last three narrow where the proof samples and are shown in the caption. Expressions are read
with the block language's own parser; nothing is evaluated here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from ..errors import BlockError
from ..limits import Limits
from ..model import Declaration, Fact, Size
from ..options import split_top_level
from . import syntax as ast
from .grammar import IDENTITY_NAME, parse_expression

_DEFINITE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s+positive\s+definite\s*")
_COMPARISON = re.compile(r">=|<=|≥|≤|>|<|=")
_FLIPPED = {">": "<", ">=": "<=", "≥": "≤", "<": ">", "<=": ">=", "≤": "≥"}
_SIZE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\s*")
EXAMPLES = "'sum(y) = 1', 'N > d', 'b - A x > 0' or 'A positive definite'"


def read_assumptions(
    text: str,
    limits: Limits,
    sizes: Collection[str],
    declarations: Mapping[str, Declaration],
    known: Collection[str],
    variables: Collection[str] = (),
) -> tuple[tuple[tuple[ast.Expr, ast.Expr], ...], tuple[Fact, ...]]:
    """The equalities (``sum(y) = 1``) and the facts about the domain of one ``assume:`` value.

    Args:
        text: the option's value.
        limits: bounds for the expressions.
        sizes: the block's symbolic sizes.
        declarations: the block's declared names.
        known: every name the block uses; a fact about any other name is an error.
        variables: the names a following ``(`` multiplies, as in the block's definitions.
    """
    equalities: list[tuple[ast.Expr, ast.Expr]] = []
    facts: list[Fact] = []
    for piece in split_top_level(text):
        written = " ".join(piece.split())
        if not written:
            raise BlockError(f"assume: expected a fact such as {EXAMPLES}")
        if m := _DEFINITE.fullmatch(piece):
            facts.append(_definite(m.group(1), written, declarations))
            continue
        ops = _COMPARISON.findall(piece)
        if not ops:
            raise BlockError(f"assume: '{written}' is not a fact mdjacobian understands; write a fact such as {EXAMPLES}")
        if len(ops) > 1:
            raise BlockError(f"assume: '{written}' makes more than one comparison; separate facts with commas")
        left, right = (part.strip() for part in _COMPARISON.split(piece, maxsplit=1))
        op = ops[0]
        if not left or not right:
            raise BlockError(f"assume: expected a fact such as {EXAMPLES}, got '{written}'")
        if op == "=":
            equalities.append((_parse(left, limits, variables), _parse(right, limits, variables)))
            continue
        if op in ("<", "<=", "≤"):
            left, right, op = right, left, _FLIPPED[op]
        size_left, size_right = _size(left, sizes), _size(right, sizes)
        if size_left is not None and size_right is not None and (isinstance(size_left, str) or isinstance(size_right, str)):
            facts.append(Fact("sizes", written, size_left, size_right, strict=op == ">"))
            continue
        for side, size in ((left, size_left), (right, size_right)):
            if isinstance(size, str):
                raise BlockError(f"assume: '{side}' is a size; compare sizes with sizes (N > d), expressions with expressions")
        if op != ">":
            raise BlockError(f"assume: write '{written.replace(op, '>')}' with a strict '>': the proof samples points where the fact holds strictly")
        facts.append(Fact("positive", written, _expression(left, limits, known, variables), _expression(right, limits, known, variables)))
    return tuple(equalities), tuple(facts)


def _definite(name: str, written: str, declarations: Mapping[str, Declaration]) -> Fact:
    declaration = declarations.get(name)
    if declaration is None or not declaration.is_matrix or declaration.rows != declaration.cols:
        raise BlockError(f"assume: '{name}' must be a declared square matrix to be positive definite")
    return Fact("definite", written, name=name)


def _size(text: str, sizes: Collection[str]) -> Size | None:
    """``text`` as a size: a symbolic size's name or a whole number; None for anything else."""
    m = _SIZE.fullmatch(text)
    if m is None:
        return None
    word = m.group(1)
    if word.isdigit():
        return int(word)
    return word if word in sizes else None


def _parse(text: str, limits: Limits, variables: Collection[str]) -> ast.Expr:
    try:
        return parse_expression(text, limits, variables)
    except BlockError as exc:
        exc.column = None  # columns count within the fact, not the line
        raise


def _expression(text: str, limits: Limits, known: Collection[str], variables: Collection[str]) -> ast.Expr:
    expr = _parse(text, limits, variables)
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.name not in known and not IDENTITY_NAME.fullmatch(node.name):
            raise BlockError(f"assume: '{node.name}' does not appear in the block")
    return expr


__all__ = ["EXAMPLES", "read_assumptions"]
