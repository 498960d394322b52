"""Compact vector forms of a Jacobian: I, −I, diag(x), 1ᵀ, xᵀ, the column 1, W, and cases for ReLU.

The ones and zeros vectors are written in bold (𝟏, 𝟎), which browsers draw reliably in MathML.

A form is found by looking at the component matrix, never assumed: an entry pattern such as
``x_i`` for every diagonal entry i is checked for each i before the matrix is written ``diag(x)``.
Sums that are dot products or vector sums are first written back as ``w · x`` and ``sum(x)``: a
placeholder P for w · x replaces w₁x₁ by P − w₂x₂ − … − wₙxₙ, which is kept only when it leaves fewer
components behind, so the sum is found even inside 2(b + w₁x₁ + …) expanded by SymPy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from .declare import declared_value
from .model import Block
from .render import bold, latex


@dataclass(frozen=True)
class _Vector:
    name: str
    components: tuple[sp.Symbol, ...]
    index: sp.Symbol  # x_i, standing for "the i-th component"


class Forms:
    """Recognises the vector form of Jacobians of one block."""

    def __init__(self, block: Block) -> None:
        sizes = dict(block.sizes)
        self.block = block
        self.vectors: list[_Vector] = []
        self.matrices: dict[str, sp.ImmutableMatrix] = {}
        self.names: dict[sp.Symbol, str] = {}  # placeholder or index Dummy -> TeX
        for declaration in block.declarations:
            value = declared_value(declaration, sizes)
            if declaration.is_vector:
                index = sp.Dummy(f"{declaration.name}_i", real=True)  # a Dummy: no author's name can equal it
                self.names[index] = latex(sp.Symbol(f"{declaration.name}_i"))
                self.vectors.append(_Vector(declaration.name, tuple(value), index))
            elif isinstance(value, sp.MatrixBase):
                self.matrices[declaration.name] = value
        self.reductions: list[tuple[sp.Expr, sp.Expr]] = []  # (first term, placeholder − other terms)
        for a in self.vectors:
            for b in self.vectors:
                if a.name < b.name and len(a.components) == len(b.components):
                    self._placeholder(
                        [x * y for x, y in zip(a.components, b.components)],
                        f"dot_{a.name}_{b.name}",
                        rf"{bold(a.name)} \cdot {bold(b.name)}",
                    )
            self._placeholder(list(a.components), f"sum_{a.name}", rf"\operatorname{{sum}}({bold(a.name)})")

    def _placeholder(self, terms: list[sp.Expr], name: str, tex: str) -> None:
        placeholder = sp.Dummy(name, real=True)
        self.reductions.append((terms[0], placeholder - sp.Add(*terms[1:])))
        self.reductions.sort(key=lambda r: not isinstance(r[0], sp.Mul))  # products (dots) first
        self.names[placeholder] = tex

    # -- scalars -------------------------------------------------------------------------------------
    def components(self) -> set[sp.Symbol]:
        return {c for v in self.vectors for c in v.components} | {
            c for m in self.matrices.values() for c in m
        }

    def vectorize(self, expr: sp.Expr) -> sp.Expr:
        """Write dot products and sums of whole vectors as placeholders (w · x, sum(x))."""
        components = self.components()

        def occurrences(e: sp.Expr) -> int:
            return sum(1 for node in sp.preorder_traversal(e) if node in components)

        for first, replacement in self.reductions:  # dot products before sums
            candidate = expr.subs(first, replacement)
            if occurrences(candidate) < occurrences(expr):
                expr = candidate
        return expr

    def scalar(self, expr: sp.Expr) -> sp.Expr | None:
        """A scalar in vector notation, or None when it still needs components."""
        expr = self.vectorize(expr)
        return None if expr.free_symbols & self.components() else expr

    def template(self, entries: list[sp.Expr]) -> sp.Expr | None:
        """T with x_i, w_i such that entry k is T at i = k, checked for every k; or None."""
        vectors = [v for v in self.vectors if len(v.components) == len(entries)]
        if not vectors:
            return None
        first = self.vectorize(entries[0]).subs({v.components[0]: v.index for v in vectors})
        if first.free_symbols & self.components():
            return None
        for k, entry in enumerate(entries):
            instance = first.subs({v.index: v.components[k] for v in vectors})
            if not _same(self.vectorize(entry), instance):
                return None
        return first

    def _vector_of(self, template: sp.Expr) -> str | None:
        """``x`` for the template x_i, ``-2 e x`` for -2 e x_i: a vector, scaled by what has no index."""
        indices = {v.index for v in self.vectors}
        for v in self.vectors:
            if template.has(v.index):
                scale, rest = template.as_independent(v.index, as_Add=False)
                if rest != v.index or scale.free_symbols & indices:
                    continue
                vector = bold(v.name)
                if scale == 1:
                    return vector
                if scale == -1:
                    return "-" + vector
                return self.scale(scale) + vector
        return None

    # -- whole Jacobians -----------------------------------------------------------------------------
    def form(
        self, jacobian: sp.ImmutableMatrix, output_vector: bool | None = None, input_vector: bool | None = None
    ) -> str | None:
        """The numerator-layout Jacobian in vector notation as TeX, or None when it has none.

        Whether its rows and columns stand for vectors comes from the block unless given (a chain
        rule's factors differentiate intermediates, not the block's functions).
        """
        output_vector = self.output_is_vector if output_vector is None else output_vector
        input_vector = self.input_is_vector if input_vector is None else input_vector
        heaviside = _common_heaviside(jacobian)
        if heaviside is not None:
            z = heaviside.args[0]
            # Where the step is 1, z > 0 and so max(0, z) = z.
            rest = jacobian.applyfunc(
                lambda e: sp.Mul(*[f for f in sp.Mul.make_args(e) if f != heaviside]).subs(sp.Max(0, z), z)
                if e != 0
                else e
            )
            positive = self._form(rest, output_vector, input_vector)
            argument = self.scalar(z)
            if positive is None or argument is None:
                return None
            zero = self._form(sp.zeros(*jacobian.shape), output_vector, input_vector)
            arg = self.tex(argument)
            return rf"\begin{{cases}} {zero} & {arg} \le 0 \\ {positive} & {arg} > 0 \end{{cases}}"
        return self._form(jacobian, output_vector, input_vector)

    def _form(self, j: sp.MatrixBase, output_vector: bool, input_vector: bool) -> str | None:
        if not output_vector and not input_vector:
            value = self.scalar(j[0, 0])
            return None if value is None else self.tex(value)
        if j.is_zero_matrix:
            if output_vector and input_vector:
                return r"\mathbf{0}"
            return r"\mathbf{0}^{\top}" if input_vector else r"\mathbf{0}"
        if output_vector and input_vector:
            return self._matrix_form(j)
        entries = list(j)
        template = self.template(entries)
        if template is None:
            return None
        transposed = r"^{\top}" if input_vector else ""
        vector = self._vector_of(template)
        if vector:
            return vector + transposed
        if not template.free_symbols & {v.index for v in self.vectors}:
            one = rf"\mathbf{{1}}{transposed}"
            return one if template == 1 else rf"{self.scale(template)}\,{one}"
        return rf"\left[\ldots, {self.tex(template)}, \ldots\right]" + ("" if input_vector else r"^{\top}")

    def _matrix_form(self, j: sp.MatrixBase) -> str | None:
        for name, matrix in self.matrices.items():
            if j == matrix:
                return name
            if j == matrix.T:
                return rf"{name}^{{\top}}"
        if not j.is_square or not j.is_diagonal():
            return None
        template = self.template([j[k, k] for k in range(j.rows)])
        if template is None:
            return None
        if not template.free_symbols & {v.index for v in self.vectors}:
            if template == 1:
                return "I"
            if template == -1:
                return "-I"
            return rf"{self.scale(template)}\, I"
        if template in {v.index for v in self.vectors}:
            return rf"\operatorname{{diag}}({self._vector_of(template)})"
        return rf"\operatorname{{diag}}(\ldots, {self.tex(template)}, \ldots)"

    @property
    def output_is_vector(self) -> bool:
        return len(self.block.components) > 1 or self.block.components[0].vector is not None

    @property
    def input_is_vector(self) -> bool:
        vectors = {d.name for d in self.block.declarations if d.is_vector}
        return len(self.block.variables) > 1 or any(name in vectors for name, _ in self.block.groups)

    def tex(self, expr: sp.Expr) -> str:
        return latex(expr, self.names)

    def scale(self, factor: sp.Expr) -> str:
        """A factor written before a vector or matrix, in parentheses when it is a sum."""
        return rf"\left({self.tex(factor)}\right)" if isinstance(factor, sp.Add) else self.tex(factor)


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """Equal, by structure or at two seeded random points: never by expanding, which can explode
    ((x + a + b)^999 has half a million terms)."""
    if a == b:
        return True
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rng = random.Random(len(symbols))
    for _ in range(2):
        point = {s: sp.Float(rng.uniform(0.3, 0.9), 30) for s in symbols}
        x, y = a.evalf(30, subs=point), b.evalf(30, subs=point)
        if not (x.is_Number and y.is_Number) or abs(x - y) > sp.Float("1e-20") * max(1, abs(x)):
            return False
    return True


def _common_heaviside(j: sp.MatrixBase) -> sp.Expr | None:
    """The Heaviside factor (from max(0, z)) every nonzero entry shares, if there is one."""
    found = None
    for entry in j:
        if entry == 0:
            continue
        factors = [f for f in sp.Mul.make_args(entry) if isinstance(f, sp.Heaviside)]
        if len(factors) != 1 or (found is not None and factors[0] != found):
            return None
        found = factors[0]
    return found

