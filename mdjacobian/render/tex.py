"""TeX for matrix expressions and for component matrices: one printer class per kind of object.

:class:`TexPrinter` prints the nodes of :mod:`mdjacobian.calculus.nodes` with one ``_print_<Node>``
method per node type, as SymPy's printers do; :class:`ComponentPrinter` is SymPy's LaTeX printer with
the notation of matrix-calculus texts, for the entries of component matrices. Notation decisions
live here and nowhere else: vectors in bold, ⊙ for the element-wise product, ⊗ for the Kronecker
product, 𝟏 for a column of ones (𝟏𝟏ᵀ a matrix of them), cases for the step a ReLU's derivative takes.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

from ..calculus import nodes as n
from .names import bold, name_tex

ADD, MUL, POW, ATOM = 10, 20, 30, 40

_FUNCTIONS = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "cot": r"\cot", "sec": r"\sec", "csc": r"\csc",
    "asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan", "sinh": r"\sinh", "cosh": r"\cosh",
    "tanh": r"\tanh", "log": r"\log", "exp": r"\exp", "sign": r"\operatorname{sign}", "sigmoid": r"\sigma",
    "max": r"\max", "min": r"\min", "atan2": r"\operatorname{atan2}",
}


def _number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return rf"{sign}\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def _tall(tex: str) -> bool:
    return any(s in tex for s in (r"\frac", r"\begin", r"\sum", r"\sqrt"))


def paren(tex: str) -> str:
    if _tall(tex):
        return rf"\left({tex}\right)"
    return f"({tex})"


def _dim_tex(dim: n.Dim) -> str:
    """A size as TeX: 3, n, 2mn."""
    names = " ".join(name_tex(x) + ("" if k == 1 else f"^{{{k}}}") for x, k in dim.powers())
    if not names:
        return str(dim.coeff)
    return names if dim.coeff == 1 else f"{dim.coeff} {names}"


class TexPrinter:
    """Matrix expressions as display TeX.

    Args:
        vectors: names printed in bold (declared vectors and vector-valued definitions).
    """

    def __init__(self, vectors: frozenset[str] = frozenset()) -> None:
        self.vectors = vectors

    def doprint(self, node: n.Node) -> str:
        return self._print(node)

    def _print(self, node: n.Node, prec: int = 0) -> str:
        method = getattr(self, f"_print_{type(node).__name__}")
        tex, own = method(node)
        return paren(tex) if own < prec else tex

    # -- leaves (each returns its TeX and its precedence) ---------------------------------------------
    def _print_Number(self, node: n.Number) -> tuple[str, int]:
        return _number(node.value), (ATOM if node.value >= 0 and node.value.denominator == 1 else MUL - 1)

    def _print_Constant(self, node: n.Constant) -> tuple[str, int]:
        return (r"\pi" if node.name == "pi" else r"e"), ATOM

    def _print_Var(self, node: n.Var) -> tuple[str, int]:
        if node.is_column or node.name in self.vectors:
            return bold(node.name), ATOM
        return name_tex(node.name), ATOM

    def _print_Entry(self, node: n.Entry) -> tuple[str, int]:
        name, i, j, matrix = node.data
        index = f"{i}{j}" if matrix and i < 10 and j < 10 else f"{i},{j}" if matrix else f"{i}"
        return rf"{name_tex(name)}_{{{index}}}", ATOM

    def _print_Differential(self, node: n.Differential) -> tuple[str, int]:
        inner = bold(node.name) if node.is_column else name_tex(node.name)
        return rf"\mathrm{{d}}{inner}", ATOM

    def _print_Pending(self, node: n.Pending) -> tuple[str, int]:
        inner = node.inner
        if isinstance(inner, n.Var):
            return self._print_Differential(n.Differential(inner.name, inner.shape))
        return rf"\mathrm{{d}}{paren(self._print(inner))}", ATOM

    def _print_Gradient(self, node: n.Gradient) -> tuple[str, int]:
        bottom = bold(node.name) if node.is_column else name_tex(node.name)
        return rf"\frac{{\partial {name_tex(node.loss)}}}{{\partial {bottom}}}", POW - 1  # (∂L/∂Z)ᵀ, never ∂L/∂Zᵀ

    def _print_Identity(self, node: n.Identity) -> tuple[str, int]:
        return "I", ATOM

    def _print_Commutation(self, node: n.Commutation) -> tuple[str, int]:
        m, k = node.sides
        return rf"K_{{{_dim_tex(m)},{_dim_tex(k)}}}", ATOM

    def _print_Zero(self, node: n.Zero) -> tuple[str, int]:
        # 𝟎 is a column and 𝟎ᵀ a row; a zero matrix is the number 0, which is that matrix times any factor.
        if node.is_matrix:
            return "0", ATOM
        return (r"\mathbf{0}^{\top}" if node.is_row else r"\mathbf{0}"), ATOM

    def _print_Ones(self, node: n.Ones) -> tuple[str, int]:
        # 𝟏 is a column and 𝟏ᵀ a row, so a matrix of ones is their product 𝟏𝟏ᵀ.
        if node.is_matrix:
            return r"\mathbf{1} \mathbf{1}^{\top}", MUL
        return (r"\mathbf{1}^{\top}" if node.is_row else r"\mathbf{1}"), ATOM

    def _print_SizeValue(self, node: n.SizeValue) -> tuple[str, int]:
        dim = node.dim
        # N n binds as a product of names: no parentheses in a product or under a fraction bar, but in a power
        return _dim_tex(dim), (ATOM if dim.coeff == 1 and len(dim.names) == 1 else MUL + 1 if dim.coeff == 1 else MUL)

    # -- sums and products ----------------------------------------------------------------------------
    def terms(self, node: n.Node) -> list[tuple[str, str]]:
        """A sum's terms as ``(sign, TeX)`` in the order printed (a display may break between them)."""
        if not isinstance(node, n.Add):
            return [("+", self._print(node))]
        terms = list(node.args)
        # Start with the positive terms when the first is negative: W x + b − y rather than −y + W x + b.
        if _negative(terms[0]):
            terms = [t for t in terms if not _negative(t)] + [t for t in terms if _negative(t)]
        out = [("+", self._print(terms[0], ADD))]
        for term in terms[1:]:
            if _negative(term):
                out.append(("-", self._print(_negated(term), ADD + 1)))
            else:
                out.append(("+", self._print(term, ADD + 1)))
        return out

    def _print_Add(self, node: n.Add) -> tuple[str, int]:
        (_, first), *rest = self.terms(node)
        return first + "".join(f" {sign} {tex}" for sign, tex in rest), ADD

    def _print_Cases(self, node: n.Cases) -> tuple[str, int]:
        from ..calculus.algebra import zero

        z = self._print(node.condition)
        inactive = self._print(zero(node.shape))
        return rf"\begin{{cases}} {inactive} & {z} \le 0 \\ {self._print(node.active)} & {z} > 0 \end{{cases}}", ATOM

    def _print_Mul(self, node: n.Mul) -> tuple[str, int]:
        coeff = node.args[0].value if isinstance(node.args[0], n.Number) else Fraction(1)
        factors = list(node.args[1:] if isinstance(node.args[0], n.Number) else node.args)
        sign = "-" if coeff < 0 else ""
        coeff = abs(coeff)
        # Only a scalar goes under a fraction bar: a vector's or a matrix's reciprocal is w^∘−1,
        # element by element, and stays where it stands in the product.
        numerator = [f for f in factors if not (f.is_scalar and _in_denominator(f))]
        denominator = [_reciprocal(f) for f in factors if f.is_scalar and _in_denominator(f)]
        if denominator or coeff.denominator != 1:
            matrices = [f for f in numerator if not f.is_scalar]
            top = self._product([f for f in numerator if f.is_scalar], Fraction(coeff.numerator))
            bottom = self._product(denominator, Fraction(coeff.denominator))
            fraction = rf"\frac{{{top}}}{{{bottom}}}"
            if matrices:
                return sign + fraction + " " + self._product(matrices, Fraction(1)), MUL
            return sign + fraction, MUL
        return sign + self._product(factors, coeff), MUL

    def _product(self, factors: list[n.Node], coeff: Fraction) -> str:
        parts = [] if coeff == 1 else [_number(coeff)]
        for factor in factors:
            if isinstance(factor, (n.Inner, n.Mul)) and factor.is_scalar and (parts or len(factors) > 1):
                parts.append(paren(self._print(factor)))
            else:
                parts.append(self._print(factor, MUL + 1 if factor.is_scalar else MUL))
        if not parts:
            return "1"
        return " ".join(parts)

    def _print_Hadamard(self, node: n.Hadamard) -> tuple[str, int]:
        top = [f for f in node.args if not _in_denominator(f)]
        bottom = [_reciprocal(f) for f in node.args if _in_denominator(f)]
        out = r" \odot ".join(self._print(f, MUL + 1) for f in top) if top else self._print(n.Ones(node.shape), MUL + 1)
        for f in bottom:
            out += r" \oslash " + self._print(f, MUL + 1)
        return out, MUL - 1

    def _print_Power(self, node: n.Power) -> tuple[str, int]:
        base, exponent = node.base, node.exponent
        if isinstance(exponent, n.Number) and exponent.value == Fraction(1, 2) and base.is_scalar:
            return rf"\sqrt{{{self._print(base)}}}", ATOM
        if isinstance(exponent, n.Number) and exponent.value < 0 and base.is_scalar:
            positive = n.Number(-exponent.value)
            inner = self._print(base) if positive.value == 1 else self._print(n.Power((base, positive), (), node.shape))
            return rf"\frac{{1}}{{{inner}}}", MUL
        b = self._print(base, POW + 1)
        e = self._print(exponent)
        if not base.is_scalar:
            return rf"{b}^{{\circ {e}}}", POW
        return f"{b}^{{{e}}}", POW

    # -- functions ----------------------------------------------------------------------------------
    def _print_Apply(self, node: n.Apply) -> tuple[str, int]:
        fn = node.fn
        args = [self._print(a) for a in node.args]
        if fn == "abs":
            return rf"\left|{args[0]}\right|", ATOM
        if fn == "sqrt":
            return rf"\sqrt{{{args[0]}}}", ATOM
        if fn == "exp" and node.is_scalar:
            return f"e^{{{args[0]}}}", POW
        if fn == "step":
            inside = node.args[0]
            if isinstance(inside, n.Mul) and isinstance(inside.args[0], n.Number) and inside.args[0].value == -1:
                rest = inside.args[1] if len(inside.args) == 2 else n.Mul(inside.args[1:], inside.shape)
                return rf"\mathbb{{1}}\left[{self._print(rest)} < 0\right]", ATOM  # 𝟙[−z > 0] reads 𝟙[z < 0]
            return rf"\mathbb{{1}}\left[{args[0]} > 0\right]", ATOM
        return f"{_FUNCTIONS[fn]}" + paren(", ".join(args)), ATOM

    def _print_Undefined(self, node: n.Undefined) -> tuple[str, int]:
        return name_tex(node.name) + paren(", ".join(self._print(a) for a in node.args)), ATOM

    def _print_Transpose(self, node: n.Transpose) -> tuple[str, int]:
        (a,) = node.args
        if isinstance(a, n.Inverse):
            return rf"{self._print(a.args[0], ATOM)}^{{-\top}}", POW
        return rf"{self._print(a, ATOM)}^{{\top}}", POW

    def _print_Inverse(self, node: n.Inverse) -> tuple[str, int]:
        return rf"{self._print(node.args[0], ATOM)}^{{-1}}", POW

    def _operator(self, name: str, node: n.Node) -> tuple[str, int]:
        return name + paren(self._print(node.args[0])), ATOM

    def _print_Det(self, node: n.Det) -> tuple[str, int]:
        return self._operator(r"\det", node)

    def _print_LogDet(self, node: n.LogDet) -> tuple[str, int]:
        return self._operator(r"\log\det", node)

    def _print_Trace(self, node: n.Trace) -> tuple[str, int]:
        return self._operator(r"\operatorname{tr}", node)

    def _print_Diag(self, node: n.Diag) -> tuple[str, int]:
        return self._operator(r"\operatorname{diag}", node)

    def _print_DiagPart(self, node: n.DiagPart) -> tuple[str, int]:
        return self._operator(r"\operatorname{diag}", node)

    def _print_Sum(self, node: n.Sum) -> tuple[str, int]:
        return self._operator(r"\operatorname{sum}", node)

    def _print_Softmax(self, node: n.Softmax) -> tuple[str, int]:
        return self._operator(r"\operatorname{softmax}", node)

    def _print_Op(self, node: n.Op) -> tuple[str, int]:
        return self._operator(rf"\operatorname{{{node.name}}}", node)

    def _print_Vec(self, node: n.Vec) -> tuple[str, int]:
        return self._operator(r"\operatorname{vec}", node)

    def _print_Norm(self, node: n.Norm) -> tuple[str, int]:
        (a,) = node.args
        inner = self._print(a)
        index = "_{1}" if node.p == 1 else "_{F}" if a.is_matrix else ""
        if _tall(inner):
            return rf"\left\lVert {inner} \right\rVert{index}", ATOM
        return rf"\lVert {inner} \rVert{index}", ATOM

    def _print_Inner(self, node: n.Inner) -> tuple[str, int]:
        a, b = node.args
        return rf"{self._print(a, MUL + 1)} \cdot {self._print(b, MUL + 1)}", MUL

    def _print_Kron(self, node: n.Kron) -> tuple[str, int]:
        a, b = (self._kron_factor(x) for x in node.args)
        return rf"{a} \otimes {b}", MUL - 1

    def _kron_factor(self, node: n.Node) -> str:
        """A factor of A ⊗ B, whose size its neighbour does not tell: I, 𝟏 and 𝟎 carry theirs."""
        rows, cols = node.shape
        if isinstance(node, n.Identity):
            return f"I_{{{_dim_tex(rows)}}}"
        if isinstance(node, (n.Ones, n.Zero)) and not node.is_scalar:
            bold = r"\mathbf{1}" if isinstance(node, n.Ones) else r"\mathbf{0}"
            if node.is_column:
                return f"{bold}_{{{_dim_tex(rows)}}}"
            if node.is_row:
                return rf"{bold}_{{{_dim_tex(cols)}}}^{{\top}}"
            return rf"({bold}_{{{_dim_tex(rows)}}} {bold}_{{{_dim_tex(cols)}}}^{{\top}})"
        return self._print(node, MUL + 1)

    def _print_Stack(self, node: n.Stack) -> tuple[str, int]:
        cells = [self._print(a) for a in node.args]
        body = r" \\ ".join(cells) if node.axis == "rows" else " & ".join(cells)
        return rf"\left[\begin{{matrix}}{body}\end{{matrix}}\right]", ATOM


def _negative(node: n.Node) -> bool:
    if isinstance(node, n.Number):
        return node.value < 0
    return isinstance(node, n.Mul) and isinstance(node.args[0], n.Number) and node.args[0].value < 0


def _negated(node: n.Node) -> n.Node:
    from ..calculus.algebra import neg

    return neg(node)


def _in_denominator(node: n.Node) -> bool:
    return (
        isinstance(node, n.Power)
        and isinstance(node.exponent, n.Number)
        and node.exponent.value < 0
    )


def _reciprocal(node: n.Power) -> n.Node:
    from ..calculus.algebra import power

    return power(node.base, n.Number(-node.exponent.value))


class ComponentPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the notation of matrix-calculus texts, for component entries."""

    def __init__(self) -> None:
        super().__init__({"mat_delim": "[", "mul_symbol": None})

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        # A name prints as the matrix forms print it (upright words, ε for eps); name_tex keeps
        # each name's TeX, so it is worked out once per name, not once per occurrence.
        if style == "plain":
            return name_tex(expr.name)
        return super()._print_Symbol(expr, style)

    def terms(self, expr: sp.Basic) -> list[tuple[str, str]]:
        """A sum's terms as ``(sign, TeX)``, split where SymPy's own ``_print_Add`` joins them."""
        if not isinstance(expr, sp.Add):
            return [("+", self._print(expr))]
        out = []
        for i, term in enumerate(self._as_ordered_terms(expr)):
            sign = "+"
            if i and term.could_extract_minus_sign():
                sign, term = "-", -term
            tex = self._print(term)
            out.append((sign, rf"\left({tex}\right)" if self._needs_add_brackets(term) else tex))
        return out

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        if not isinstance(expr.expr, AppliedUndef):
            return super()._print_Derivative(expr)
        order = sum(count for _, count in expr.variable_count)
        f = self._print(expr.expr.func)
        top = rf"\partial^{{{order}}} {f}" if order > 1 else rf"\partial {f}"
        bottom = " ".join(rf"\partial {self._print(v)}" + (f"^{{{k}}}" if k > 1 else "") for v, k in expr.variable_count)
        return rf"\frac{{{top}}}{{{bottom}}}"

    def _hprint_Function(self, func: str) -> str:
        # SymPy writes a few names as TeX commands (frac, root, re, im, sqrt): an abstract function of
        # the block with such a name is printed as an operator name, never as the command.
        if func in _COMMAND_NAMES:
            return rf"\operatorname{{{func}}}"
        return super()._hprint_Function(func)

    def _print_Subs(self, expr: sp.Subs) -> str:
        body, old, new = expr.args
        pairs = r",\, ".join(f"{self._print(o)} = {self._print(v)}" for o, v in zip(old, new))
        return rf"\left.{self._print(body)}\right|_{{{pairs}}}"

    def _print_Dummy(self, expr: sp.Dummy) -> str:
        return self._print(sp.Symbol(expr.name.split("_")[0]))  # SymPy's own, such as ξ in Subs

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        argument, *at_zero = expr.args
        if at_zero != [0]:
            return super()._print_Heaviside(expr)
        z = self._print(argument)  # the derivative of max(0, z), written as the paper writes it
        return rf"\begin{{cases}} 0 & {z} \le 0 \\ 1 & {z} > 0 \end{{cases}}"


_COMMAND_NAMES = frozenset({"frac", "root", "re", "im", "sqrt", "ln", "arg"})
"""Function names SymPy would print as a TeX command of that name."""


@functools.lru_cache(maxsize=None)
def _component_printer() -> ComponentPrinter:
    return ComponentPrinter()


def component_tex(expr: sp.Basic) -> str:
    """One SymPy entry (or matrix) as TeX."""
    return _component_printer().doprint(expr)


def component_terms(expr: sp.Basic) -> list[tuple[str, str]]:
    """One SymPy entry's terms as ``(sign, TeX)``, for a display to break between."""
    return _component_printer().terms(expr)


def matrix_tex(rows: list[list[str]]) -> str:
    body = r" \\ ".join(" & ".join(row) for row in rows)
    return rf"\left[\begin{{matrix}}{body}\end{{matrix}}\right]"


def components_tex(matrix: sp.MatrixBase) -> str:
    """A component matrix (a scalar for 1 × 1) as TeX."""
    if matrix.shape == (1, 1):
        return component_tex(matrix[0, 0])
    return matrix_tex([[component_tex(matrix[i, j]) for j in range(matrix.cols)] for i in range(matrix.rows)])


__all__ = ["ComponentPrinter", "TexPrinter", "bold", "component_terms", "component_tex", "components_tex", "matrix_tex", "name_tex"]
