"""A derivation's matrix forms written out at concrete sizes, for anyone to check independently."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from . import nodes as n
from .adjugate import det_and_inverse
from .components import Lowering, Value
from .engine import Derivation
from .indices import arranged

WRITTEN_OUT = 4
"""Up to this size an inverse or a determinant is written out as cofactors, readable term by term;
above it, as Berkowitz's and Cayley–Hamilton's shared expressions (:mod:`.adjugate`), which take a
fraction of a second where cofactors take seconds at 5 and minutes at 8."""


class _Writing(Lowering):
    """Lowering for :func:`at_sizes`: large inverses and determinants stand in as symbols until the end.

    SymPy sorts and compares the arguments of every sum and product it simplifies, walking shared
    subexpressions again and again; over a large inverse that takes minutes. The form is written out
    over stand-in symbols, and each is replaced by its expression last, without simplifying.
    """

    def __init__(self, sizes: Mapping[str, int], definitions: Mapping[str, n.Node]) -> None:
        super().__init__(sizes, definitions)
        self.standins: dict[sp.Symbol, sp.Expr] = {}

    def _lower(self, node: n.Node) -> Value:
        if isinstance(node, (n.Inverse, n.Det, n.LogDet)):
            matrix = self(node.args[0])
            if isinstance(matrix, sp.MatrixBase) and matrix.rows > WRITTEN_OUT:
                det, inverse = det_and_inverse(matrix)
                if isinstance(node, n.Inverse):
                    return inverse.applyfunc(self._standin)
                return self._standin(det) if isinstance(node, n.Det) else sp.log(self._standin(det))
        return super()._lower(node)

    def _standin(self, expr: sp.Expr) -> sp.Symbol:
        symbol = sp.Dummy(real=True)
        self.standins[symbol] = expr
        return symbol

    def written(self, value: Value) -> Value:
        """``value`` with each stand-in replaced by its expression."""
        if not self.standins:
            return value
        memo: dict[sp.Basic, sp.Basic] = dict(self.standins)
        if isinstance(value, sp.MatrixBase):
            return sp.ImmutableMatrix(value.rows, value.cols, [_put_back(e, memo) for e in value])
        return _put_back(value, memo)


def _put_back(expr: sp.Basic, memo: dict[sp.Basic, sp.Basic]) -> sp.Basic:
    """``expr`` with the replacements in ``memo``, rebuilt bottom-up without simplifying."""
    stack = [expr]
    while stack:
        node = stack[-1]
        if node in memo:
            stack.pop()
            continue
        pending = [a for a in node.args if a not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        args = tuple(memo[a] for a in node.args)
        if args == node.args:
            memo[node] = node
        elif isinstance(node, (sp.Add, sp.Mul)):
            memo[node] = node.func._from_args(args, True)
        else:
            try:
                memo[node] = node.func(*args, evaluate=False)
            except TypeError:
                memo[node] = node.func(*args)
    return memo[expr]


def at_sizes(d: Derivation, sizes: Mapping[str, int]) -> Any:
    """Each part's form at ``sizes`` (SymPy), joined as the page joins them; see ``Result.at_sizes``."""
    wanted = set(d.block.sizes)
    missing = sorted(wanted - set(sizes))
    extra = sorted(set(sizes) - wanted)
    if missing or extra:
        need = ", ".join(d.block.sizes) or "no sizes"
        raise ValueError(f"at_sizes() takes the block's symbolic sizes ({need}); got {', '.join(sorted(sizes)) or 'none'}")
    for name, value in sizes.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"size {name} must be a positive whole number, not {value!r}")
    if any(p.form is None and p.index is None for p in d.parts):
        raise ValueError("this derivative has no matrix form to write out")
    lowering = _Writing(sizes, d.model.definitions)
    blocks = []
    for part in d.parts:
        if part.form is None:  # index notation, written out entry by entry in numerator layout
            rows, cols, entries = arranged(part.index, part.kind, sizes, lowering, sp.Integer(0), sp.Integer(1))
            value = lowering.written(sp.ImmutableMatrix(rows, cols, entries))
            transposed = d.layout == "denominator" and part.kind not in ("matrix", "hessian", "derivative")
            blocks.append(value.T if transposed else value)
            continue
        value = lowering.written(lowering(part.form))  # type: ignore[arg-type]
        blocks.append(value if isinstance(value, sp.MatrixBase) else sp.ImmutableMatrix([[value]]))
    if len(blocks) == 1:
        return sp.ImmutableMatrix(blocks[0])
    if any(p.kind in ("matrix", "vec") for p in d.parts):
        return tuple(sp.ImmutableMatrix(b) for b in blocks)
    join = sp.Matrix.vstack if d.layout == "denominator" else sp.Matrix.hstack
    return sp.ImmutableMatrix(join(*blocks))
