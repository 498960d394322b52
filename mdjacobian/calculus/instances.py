"""A derivation's matrix forms written out at concrete sizes, for anyone to check independently."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from .components import Lowering
from .engine import Derivation
from .indices import arranged


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
    lowering = Lowering(sizes, d.model.definitions)
    blocks = []
    for part in d.parts:
        if part.form is None:  # index notation, written out entry by entry in numerator layout
            rows, cols, entries = arranged(part.index, part.kind, sizes, lowering, sp.Integer(0), sp.Integer(1))
            value = sp.ImmutableMatrix(rows, cols, entries)
            transposed = d.layout == "denominator" and part.kind not in ("matrix", "hessian", "derivative")
            blocks.append(value.T if transposed else value)
            continue
        value = lowering(part.form)  # type: ignore[arg-type]
        blocks.append(value if isinstance(value, sp.MatrixBase) else sp.ImmutableMatrix([[value]]))
    if len(blocks) == 1:
        return sp.ImmutableMatrix(blocks[0])
    if any(p.kind in ("matrix", "vec") for p in d.parts):
        return tuple(sp.ImmutableMatrix(b) for b in blocks)
    join = sp.Matrix.vstack if d.layout == "denominator" else sp.Matrix.hstack
    return sp.ImmutableMatrix(join(*blocks))
