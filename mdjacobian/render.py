"""Result -> HTML. TeX comes from SymPy's printer, MathML Core from the math-core converter.

Nothing here builds maths by hand beyond the few TeX commands that frame a result (the left-hand
side, ``=``, the matrix of partials); entries are always printed by SymPy.
"""

from __future__ import annotations

import functools
import html
import re

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

from .errors import BlockError
from .mathml import tex_to_mathml
from .model import Result


KIND_LABELS = {
    "derivative": "derivative",
    "gradient": "gradient",
    "column": "Jacobian (column)",
    "jacobian": "Jacobian",
}


class Printer(LatexPrinter):
    """SymPy's LaTeX printer with the notation of matrix-calculus texts, in TeX math-core reads."""

    def __init__(self, symbol_names: dict[sp.Symbol, str] | None = None) -> None:
        super().__init__({"mat_delim": "[", "mul_symbol": None, "symbol_names": symbol_names or {}})

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        if not isinstance(expr.expr, AppliedUndef):
            return super()._print_Derivative(expr)
        order = sum(count for _, count in expr.variable_count)
        top = rf"\partial^{{{order}}} {self._print(expr.expr.func)}" if order > 1 else (
            rf"\partial {self._print(expr.expr.func)}"
        )
        bottom = " ".join(
            rf"\partial {self._print(v)}" + (f"^{{{n}}}" if n > 1 else "") for v, n in expr.variable_count
        )
        return rf"\frac{{{top}}}{{{bottom}}}"

    def _print_Subs(self, expr: sp.Subs) -> str:
        body, old, new = expr.args
        pairs = r",\, ".join(f"{self._print(o)} = {self._print(n)}" for o, n in zip(old, new))
        return rf"{self._print(body)}\Bigg|_{{{pairs}}}"

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        argument, *at_zero = expr.args
        if at_zero != [0]:
            return super()._print_Heaviside(expr)
        z = self._print(argument)  # the derivative of max(0, z), written as the paper writes it
        return rf"\begin{{cases}} 0 & {z} \le 0 \\ 1 & {z} > 0 \end{{cases}}"

    def _print_Dummy(self, expr: sp.Dummy) -> str:
        if expr in self._settings["symbol_names"]:
            return self._settings["symbol_names"][expr]
        return self._print(sp.Symbol(expr.name.split("_")[0]))  # SymPy's own, such as ξ in Subs


@functools.lru_cache(maxsize=None)
def _printer() -> Printer:
    return Printer()


def latex(expr: sp.Basic, symbol_names: dict[sp.Symbol, str] | None = None) -> str:
    """Print one SymPy object as TeX; ``symbol_names`` gives some symbols a TeX of their own."""
    return (Printer(symbol_names) if symbol_names else _printer()).doprint(expr)


def _name(name: str) -> str:
    return latex(sp.Symbol(name))


def bold(name: str) -> str:
    """A vector's name in bold: x is 𝐱, alpha is 𝛂."""
    return rf"\mathbf{{{_name(name)}}}"


def _vector_stem(names: list[str]) -> str | None:
    """``x`` when ``names`` are exactly x1, x2, …, xn (n > 1), so the set can be written as a bold vector."""
    if len(names) < 2:
        return None
    m = re.fullmatch(r"([A-Za-z]+)_?1", names[0])
    if not m:
        return None
    stem = m.group(1)
    expected = {f"{stem}{i}" for i in range(1, len(names) + 1)} | {f"{stem}_{i}" for i in range(1, len(names) + 1)}
    return stem if set(names) <= expected else None


def _group(names: list[str], stem: str | None) -> str:
    if stem:
        return bold(stem)
    if len(names) == 1:
        return _name(names[0])
    return "(" + ", ".join(_name(n) for n in names) + ")"


def _top(result: Result) -> str:
    """What is differentiated: f, (f, g), or a bold vector name."""
    components = result.block.components
    vectors = {c.vector for c in components}
    single_vector = vectors.pop() if len(vectors) == 1 and None not in vectors else None
    names = [c.name for c in components]
    return bold(single_vector) if single_vector and len(names) > 1 else _group(names, None)


def _bottom(result: Result) -> str:
    """What it is differentiated with respect to: x, (x, y), a bold vector or a list of them."""
    vectors = {d.name for d in result.block.declarations if d.is_vector}
    if result.block.declarations:
        parts = [bold(name) if name in vectors else _name(name) for name, _ in result.block.groups]
        return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
    names = [v.name for v in result.variables]
    return _group(names, _vector_stem(names))


def left_side(result: Result) -> str:
    """The TeX naming what is differentiated: ∂f/∂x, ∇f or ∂(f, g)/∂(x, y), transposed when needed."""
    top, bottom = _top(result), _bottom(result)
    kind = result.kind
    if kind == "gradient" and bottom.startswith(r"\mathbf"):
        lhs = rf"\nabla_{{{bottom}}} {top}"
    elif kind == "gradient":
        lhs = rf"\nabla {top}"
    else:
        lhs = rf"\frac{{\partial {top}}}{{\partial {bottom}}}"
    if result.layout == "denominator" and kind != "derivative":
        lhs = rf"\left({lhs}\right)^{{\top}}"
    return lhs


def _matrix(rows: list[list[str]]) -> str:
    body = r" \\ ".join(" & ".join(row) for row in rows)
    return rf"\left[\begin{{matrix}}{body}\end{{matrix}}\right]"


def partials(result: Result) -> str:
    """The matrix of ∂fᵢ/∂xⱼ symbols, in the result's layout."""
    rows = [
        [rf"\frac{{\partial {_name(c.name)}}}{{\partial {latex(v)}}}" for v in result.variables]
        for c in result.block.components
    ]
    if result.layout == "denominator":
        rows = [list(column) for column in zip(*rows)]
    return _matrix(rows)


def _value(matrix: sp.ImmutableMatrix) -> str:
    if matrix.shape == (1, 1):
        return latex(matrix[0, 0])
    return _matrix([[latex(matrix[i, j]) for j in range(matrix.cols)] for i in range(matrix.rows)])


def to_tex(result: Result) -> list[str]:
    """The result as display equations: the Jacobian, then its value at the point if one was given."""
    lhs = left_side(result)
    if result.symbolic:
        return [f"{lhs} = {result.form}"]
    middle = ""
    if result.block.options.show == "full" and result.kind != "derivative":
        middle = f" = {partials(result)}"
    components = _value(result.matrix)
    form = f" = {result.form}" if result.form and result.form != components else ""
    if result.chain is not None:
        return [chain_tex(result, lhs, result.form or components)]
    equations = [f"{lhs}{middle} = {components}{form}"]
    if result.value is not None and result.block.point:
        point = r",\, ".join(f"{latex(v)} = {latex(n)}" for v, n in result.block.point)
        bar = r"\Bigg|" if r"\frac" in lhs else r"\Big|"  # math-core leaves \right| unstretched
        equations.append(rf"{lhs}{bar}_{{{point}}} = {_value(result.value)}")
    return equations


def _derivative(top: str, bottom: str, partial: bool, result: Result) -> str:
    d = r"\partial " if partial else "d "
    vectors = {d.name for d in result.block.declarations if d.is_vector}
    below = bold(bottom) if bottom in vectors else _name(bottom)
    return rf"\frac{{{d}{_name(top)}}}{{{d}{below}}}"


def _factor_value(value: sp.Basic, form: str | None = None) -> str:
    """A chain factor's value: in vector form when it has one, else entry by entry."""
    if form is not None:
        bare = form.startswith((r"\begin{cases}", r"\operatorname{diag}")) or (" " not in form and not form.startswith("-"))
        return form if bare else rf"\left({form}\right)"
    if isinstance(value, sp.MatrixBase):
        return _value(value)
    tex = latex(value)
    return rf"\left({tex}\right)" if isinstance(value, sp.Add) or tex.startswith("-") else tex


def _group_name(names: list[str], result: Result) -> str:
    vectors = {c.vector for c in result.block.intermediates if c.name in names}
    if len(vectors) == 1 and None not in vectors and len(names) > 1:
        return bold(vectors.pop())
    return _group(names, None)


def chain_tex(result: Result, lhs: str, outcome: str) -> str:
    """The chain rule written out: the rule, the factors' values, then the result."""
    chain = result.chain
    if chain.rule == "vector":
        middle = rf"\frac{{\partial {_top(result)}}}{{\partial {_group_name(list(chain.through), result)}}}"
        inner = rf"\frac{{\partial {_group_name(list(chain.through), result)}}}{{\partial {_bottom(result)}}}"
        outer_value = _factor_value(chain.outer, chain.outer_form)
        inner_value = _factor_value(chain.inner, chain.inner_form)
        return f"{lhs} = {middle}{inner} = {outer_value}{inner_value} = {outcome}"
    if len(result.variables) == 1:
        lhs = _derivative(result.block.components[0].name, result.variables[0].name, False, result)
    rule = " + ".join("".join(_derivative(f.top, f.bottom, f.partial, result) for f in term) for term in chain.terms)
    values = " + ".join(r" \cdot ".join(_factor_value(f.value, f.form) for f in term) for term in chain.terms)
    return f"{lhs} = {rule} = {values} = {outcome}"


def caption(result: Result) -> str:
    """A short text stating the shape, e.g. ``2 × 2 Jacobian, numerator layout``."""
    if result.symbolic:
        sizes = ", ".join(name for name, _ in result.block.sizes)
        from .declare import DEFAULT_SIZES

        text = f"vector form for every {sizes}, computed at {sizes} = {', '.join(map(str, DEFAULT_SIZES))}"
    elif result.chain is not None and result.chain.rule == "vector":
        m, k = result.chain.outer.shape
        n = result.chain.inner.cols
        text = f"vector chain rule: ({m} × {k})({k} × {n}) = {m} × {n}"
    else:
        rows, cols = result.shape
        text = f"{rows} × {cols} {KIND_LABELS[result.kind]}"
        if result.chain is not None:
            rule = "single-variable" if result.chain.rule == "single" else "total-derivative"
            text = f"{rule} chain rule, {text}"
    if result.kind != "derivative":
        text += f", {result.layout} layout"
    return text


def _check_mark(result: Result) -> str:
    if result.check is None:
        return ""
    title = html.escape(str(result.check))
    label = "✓ checked" if result.check.checked else "not checked"
    state = "passed" if result.check.checked else "skipped"
    return f' <span class="jacobian-check jacobian-check-{state}" title="{title}">{label}</span>'



def to_mathml(result: Result) -> str:
    """The result as MathML Core, one ``<math>`` element per equation."""
    return "\n".join(tex_to_mathml(tex) for tex in to_tex(result))


def _attributes(classes: list[str], id_value: str = "", attrs: dict[str, str] | None = None) -> str:
    parts = []
    if id_value:
        parts.append(f' id="{html.escape(id_value)}"')
    parts.append(' class="{}"'.format(html.escape(" ".join(classes))))
    for key, value in (attrs or {}).items():
        parts.append(f' {html.escape(key)}="{html.escape(str(value))}"')
    return "".join(parts)


def render_html(
    result: Result, classes: list[str] | None = None, id_value: str = "", attrs: dict[str, str] | None = None
) -> str:
    """The wrapper ``<div class="jacobian">`` holding the maths and the shape caption."""
    if result.block.options.output == "tex":
        maths = "\n".join(
            f'<div class="arithmatex">\\[\n{html.escape(tex, quote=False)}\n\\]</div>' for tex in to_tex(result)
        )
    else:
        maths = to_mathml(result)
    wrapper = _attributes(["jacobian", *(classes or [])], id_value, attrs)
    return (
        f'<div{wrapper}>\n{maths}\n'
        f'<p class="jacobian-shape">{html.escape(caption(result))}{_check_mark(result)}</p>\n</div>'
    )


def render_error(error: BlockError, classes: list[str] | None = None, id_value: str = "") -> str:
    """The error box: the message and, when known, the offending line with a caret under the column."""
    message = f'<p class="jacobian-error-message"><strong>jacobian:</strong> {html.escape(str(error), quote=False)}</p>'
    listing = ""
    if error.source_line is not None and error.line is not None:
        gutter = f"{error.line} | "
        text = gutter + error.source_line
        if error.column:
            text += "\n" + " " * (len(gutter) + error.column - 1) + "^"
        listing = f"\n<pre><code>{html.escape(text)}</code></pre>"
    wrapper = _attributes(["jacobian-error", *(classes or [])], id_value)
    return f'<div{wrapper} role="alert">\n{message}{listing}\n</div>'
