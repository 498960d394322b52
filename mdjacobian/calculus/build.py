"""Syntax tree -> matrix expression: names get their shapes, operators their meaning.

The block's conventions, after the paper: ``x + z`` with a scalar z adds z to every entry (scalar
expansion), ``*`` scales or multiplies matrices whose shapes chain, ``.*`` / ``./`` act element by
element, ``·`` is the dot product, and a scalar function applies to every entry of a vector.
Every error names its column; the caller adds the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import BlockError, LimitError
from ..language import syntax as ast
from ..limits import Limits
from ..model import Block, Declaration
from . import algebra as al
from .guard import unreal, written
from .nodes import Constant, Dim, Entry, Node, Number, SizeValue, Stack, Undefined, Var, shape_text

_SCALAR_FUNCTIONS = {
    "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "sinh", "cosh", "tanh",
    "exp", "log", "sqrt", "abs", "sign", "sigmoid",
}
_ENTRY = re.compile(r"([A-Za-z][A-Za-z0-9_]*?)([0-9]+)")


def describe(node: Node) -> str:
    """How a value is named in messages: "a scalar", "a 3-vector", "a 2×3 matrix"."""
    if node.is_scalar:
        return "a scalar"
    rows, cols = node.shape
    if cols.is_one:
        return f"a {rows}-vector"
    if rows.is_one:
        return f"a transposed {cols}-vector"
    return f"a {rows}×{cols} matrix"


def shape_of(declaration: Declaration) -> tuple[Dim, Dim]:
    return (Dim.of(declaration.rows), Dim.of(declaration.cols))


@dataclass
class Model:
    """A block as matrix expressions: its variables, definitions and outputs."""

    block: Block
    symbols: dict[str, Var] = field(default_factory=dict)
    """Every name with a value: declared names, scalar names, and the block's own definitions."""
    definitions: dict[str, Node] = field(default_factory=dict)
    """Each definition in terms of the variables and of earlier definitions (as :class:`Var`)."""
    entries: set[str] = field(default_factory=set)
    """Names that stand for an entry of a declared variable (x2 of x in R^3)."""

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.block.outputs

    @property
    def intermediates(self) -> tuple[str, ...]:
        return self.block.intermediates

    @property
    def wrt(self) -> list[Var]:
        return [self.symbols[name] for name in self.block.wrt]

    @property
    def sizes(self) -> tuple[str, ...]:
        return self.block.sizes

    def free(self) -> list[Var]:
        """Every variable and constant (no definitions), in a stable order."""
        defined = set(self.definitions)
        return [v for name, v in self.symbols.items() if name not in defined]

    def expand(self, node: Node) -> Node:
        """``node`` with every definition written out in the variables."""
        memo: dict[Node, Node] = {}

        def go(n: Node) -> Node:
            if n in memo:
                return memo[n]
            if isinstance(n, Var) and n.name in self.definitions:
                out = go(self.definitions[n.name])
            elif isinstance(n, Entry) and n.name in self.definitions:
                whole = go(self.symbols[n.name])
                out = whole.args[n.data[1] - 1] if isinstance(whole, Stack) else n
            elif not n.args:
                out = n
            else:
                args = tuple(go(a) for a in n.args)
                out = n if args == n.args else rebuild(n, args)
            memo[n] = out
            return out

        return go(node)

    def output(self, name: str) -> Node:
        """The output ``name``, in the variables."""
        return self.expand(self.symbols[name])


def rebuild(node: Node, args: tuple[Node, ...]) -> Node:
    """The same kind of node over new arguments, simplified by the algebra."""
    from . import nodes as n

    kind = type(node)
    if kind is n.Add:
        return al.add(*args)
    if kind is n.Mul:
        return al.mul(*args)
    if kind is n.Hadamard:
        return al.hadamard(*args)
    if kind is n.Power:
        return al.power(*args)
    if kind is n.Apply:
        return al.apply(node.data[0], *args)
    if kind is n.Undefined:
        return al.undefined(node.data[0], *args)
    if kind is n.Norm:
        return al.norm(args[0], node.data[0])
    if kind is n.Stack:
        return al.stack(list(args), node.data[0])
    if kind is n.Cases:
        return al.cases(*args)
    single: dict[type, Callable[..., Node]] = {
        n.Transpose: al.transpose, n.Inverse: al.inverse, n.Det: al.det, n.LogDet: al.logdet,
        n.Trace: al.trace, n.Diag: al.diag, n.DiagPart: al.diag_part, n.Sum: al.total,
        n.Softmax: al.softmax, n.Vec: al.vec, n.Inner: al.inner, n.Kron: al.kron,
    }
    return single[kind](*args)


def dag_size(node: Node, limit: int) -> int:
    """The size of ``node`` written out as a tree, counted without writing it out; stops past ``limit``."""
    sizes: dict[int, int] = {}
    order: list[Node] = []
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        order.append(current)
        stack.extend(current.args)
    for current in reversed(order):
        sizes[id(current)] = min(limit + 1, 1 + sum(sizes.get(id(a), 1) for a in current.args))
    return sizes[id(node)]


def check_size(node: Node, limits: Limits) -> Node:
    if dag_size(node, limits.max_nodes) > limits.max_nodes:
        raise LimitError(f"expression has more than {limits.max_nodes} parts", limit="max_nodes")
    return node


class Builder:
    """Turns the syntax tree of one definition into a matrix expression."""

    def __init__(self, model: Model, limits: Limits) -> None:
        self.model = model
        self.limits = limits
        self._lowering = None

    def real(self, node: Node, where: ast.Expr, fn: str, args: list[Node]) -> Node:
        """``node``, when it is a constant with a real, finite value; a BlockError when it has none.

        A constant such as log(-pi) or cot(pi) is decided exactly, here, so that no later step
        meets a complex number or an infinity where the block meant a real one.
        """
        if node.has((Var, Entry, Undefined, SizeValue)):
            return node
        from .components import Lowering

        if self._lowering is None:
            self._lowering = Lowering({}, {}, self.limits.max_number_digits)
        why = unreal(self._lowering(node))
        if why is None:
            return node
        shown = [written(self._lowering(a)) for a in args]
        if fn in ("^", "/"):
            text = fn.join(s if s.isalnum() else f"({s})" for s in shown)
        else:
            text = f"{fn}({', '.join(shown)})"
        raise self.fail(f"{text} {why}, so the expression is undefined here", where)

    def fail(self, message: str, node: ast.Expr) -> BlockError:
        return BlockError(message, column=getattr(node, "column", None))

    def located(self, op: Callable[..., Node], where: ast.Expr, *args: Node) -> Node:
        try:
            return op(*args)
        except BlockError as exc:
            exc.column = exc.column or getattr(where, "column", None)
            raise

    def build(self, node: ast.Expr) -> Node:
        method = getattr(self, f"_{type(node).__name__.lower()}")
        return method(node)

    # -- leaves --------------------------------------------------------------------------------------
    def _num(self, node: ast.Num) -> Node:
        return self.located(al.number, node, node.value)

    def _name(self, node: ast.Name) -> Node:
        name = node.name
        if name == "pi":
            return Constant("pi")
        symbols = self.model.symbols
        if name in symbols:
            return symbols[name]
        entry = self._entry(name, node)
        if entry is not None:
            return entry
        symbols[name] = Var(name)
        return symbols[name]

    def _entry(self, name: str, node: ast.Name) -> Node | None:
        """x2 for x in R^3, W12 for W in R^(2x3); an error for an entry of a symbolic size."""
        m = _ENTRY.fullmatch(name)
        if not m:
            return None
        stem, digits = m.groups()
        owner = self.model.symbols.get(stem)
        if owner is None or owner.is_scalar:
            return None
        rows, cols = owner.shape
        if stem in self.model.definitions:
            if cols.is_one and rows.value is not None and 1 <= int(digits) <= rows.value:
                self.model.entries.add(name)
                return self._defined_entry(stem, int(digits))
            return None
        if rows.value is None or cols.value is None:
            raise self.fail(
                f"'{name}' would be an entry of '{stem}', whose size is symbolic; "
                f"write it with vectors (e.g. sum({stem}), {stem}^T {stem}) or declare a concrete size",
                node,
            )
        if cols.is_one:
            i, j = int(digits), 1
        elif len(digits) == 2:
            i, j = int(digits[0]), int(digits[1])
        else:
            return None
        if not (1 <= i <= rows.value and 1 <= j <= cols.value):
            raise self.fail(f"'{name}' would be an entry of '{stem}', which is {shape_text(owner.shape)}", node)
        self.model.entries.add(name)
        return Entry(stem, i, j, not cols.is_one)

    def _defined_entry(self, stem: str, i: int) -> Node:
        return Entry(stem, i, 1)

    # -- operators ------------------------------------------------------------------------------------
    def _negate(self, node: ast.Negate) -> Node:
        return al.neg(self.build(node.operand))

    def _binary(self, node: ast.Binary) -> Node:
        a, b = self.build(node.left), self.build(node.right)
        op = node.op
        if op in "+-":
            a, b = self._expand(a, b), self._expand(b, a)
            if a.shape != b.shape:
                raise self.fail(f"'{op}' needs equal shapes: {describe(a)} and {describe(b)}", node)
            return self.located(al.add if op == "+" else al.sub, node, a, b)
        if op == "*":
            if a.is_scalar or b.is_scalar or a.cols == b.rows:
                return self.located(al.mul, node, a, b)
            if a.is_column and b.is_column:
                raise self.fail(
                    f"'*' between {describe(a)} and {describe(b)}: write .* for the element-wise product or · for the dot product",
                    node,
                )
            raise self.fail(f"cannot multiply {describe(a)} by {describe(b)}: the shapes do not chain", node)
        if op == "/":
            if not b.is_scalar:
                raise self.fail(f"'/' by {describe(b)}: write ./ for element-wise division", node)
            self._nonzero(b, node)
            return self.real(self.located(al.divide, node, a, b), node, "/", [a, b])
        if op == ".*":
            a, b = self._expand(a, b), self._expand(b, a)
            if a.shape != b.shape:
                raise self.fail(f"'.*' needs equal shapes: {describe(a)} and {describe(b)}", node)
            return self.located(al.hadamard, node, a, b)
        if op == "./":
            a, b = self._expand(a, b), self._expand(b, a)
            if a.shape != b.shape:
                raise self.fail(f"'./' needs equal shapes: {describe(a)} and {describe(b)}", node)
            self._nonzero(b, node)
            return self.located(al.divide, node, a, b)
        return self._dot(a, b, node)

    def _expand(self, a: Node, other: Node) -> Node:
        """Scalar expansion: a scalar meeting a vector or matrix stands for that many copies of itself."""
        if a.is_scalar and not other.is_scalar:
            return al.mul(a, al.ones(other.shape))
        return a

    def _nonzero(self, divisor: Node, where: ast.Expr) -> None:
        if al.is_zero(divisor):
            raise self.fail("division by zero", where)
        if divisor.is_scalar and not divisor.has((Var, Entry, Undefined, SizeValue)):
            self.real(divisor, where, "", [])
            if self._lowering(divisor) == 0:
                raise self.fail("division by zero (the divisor is exactly 0)", where)

    def _dot(self, a: Node, b: Node, where: ast.Expr) -> Node:
        if not (a.is_column and b.is_column and a.shape == b.shape):
            raise self.fail(f"the dot product needs two vectors of one length, not {describe(a)} and {describe(b)}", where)
        return al.inner(a, b)

    def _power(self, node: ast.Power) -> Node:
        base = self.build(node.base)
        if isinstance(node.exponent, ast.Name) and node.exponent.name == "T" and not base.is_scalar:
            return al.transpose(base)
        exponent = self.build(node.exponent)
        if not base.is_scalar or not exponent.is_scalar:
            raise self.fail(
                f"'^' needs scalars, not {describe(base)} and {describe(exponent)}; "
                "write x^T to transpose or x .* x for an element-wise square",
                node,
            )
        if isinstance(exponent, Number) and abs(exponent.value) > self.limits.max_exponent:
            raise LimitError(
                f"exponent {exponent.value} is larger than the limit of {self.limits.max_exponent}",
                limit="max_exponent",
                column=node.column,
            )
        if al.is_zero(base) and isinstance(exponent, Number) and exponent.value < 0:
            raise self.fail("division by zero (0 to a negative power)", node)
        if isinstance(base, Number) and base.value < 0 and not isinstance(exponent, Number):
            raise self.fail(
                f"a negative number ({base.value}) to a power that varies is not real for most exponents; "
                "only a positive number may be raised to a variable power",
                node,
            )
        return self.real(self.located(al.power, node, base, exponent), node, "^", [base, exponent])

    def _transpose(self, node: ast.Transpose) -> Node:
        operand = self.build(node.operand)
        if operand.is_scalar:
            raise self.fail("ᵀ transposes a vector or matrix, not a scalar", node)
        return al.transpose(operand)

    def _vector(self, node: ast.Vector) -> Node:
        items = [self.build(item) for item in node.items]
        for item, entry in zip(items, node.items):
            if not item.is_scalar:
                raise self.fail(f"a vector's entries must be scalars, not {describe(item)}", entry)
        return al.stack(items, "rows")

    # -- calls ----------------------------------------------------------------------------------------
    def _call(self, node: ast.Call) -> Node:
        name = node.name
        args = [self.build(a) for a in node.args]
        if name in _SCALAR_FUNCTIONS or name in ("ln", "Heaviside", "atan2", "max", "min"):
            return self.real(self._elementwise(name, args, node), node, name, args)
        one = args[0]
        if name == "sum":
            if one.is_scalar:
                raise self.fail("sum() takes a vector or a matrix", node)
            return al.total(one)
        if name == "dot":
            return self._dot(args[0], args[1], node)
        if name in ("norm", "norm1"):
            if one.is_scalar:
                raise self.fail(f"{name}() takes a vector or a matrix; write abs() for a scalar", node)
            if name == "norm1" and not one.is_column:
                raise self.fail("norm1() takes a column vector", node)
            return al.norm(one, 1 if name == "norm1" else 2)
        if name == "softmax":
            if not one.is_column:
                raise self.fail(f"softmax() takes a column vector, not {describe(one)}", node)
            return al.softmax(one)
        if name == "diag":
            if one.is_column:
                return al.diag(one)
            if one.is_matrix and one.rows == one.cols:
                return al.diag_part(one)
            raise self.fail(f"diag() takes a vector or a square matrix, not {describe(one)}", node)
        if name in ("tr", "det", "logdet", "inv"):
            if not (one.is_matrix and one.rows == one.cols):
                raise self.fail(f"{name}() takes a square matrix, not {describe(one)}", node)
            build = {"tr": al.trace, "det": al.det, "logdet": al.logdet, "inv": al.inverse}[name]
            return build(one)
        if any(not a.is_scalar for a in args):
            raise self.fail(f"{name}() is not a built-in function, so it takes scalars", node)
        return al.undefined(name, *args)

    def _elementwise(self, name: str, args: list[Node], node: ast.Call) -> Node:
        arrays = [a for a in args if not a.is_scalar]
        if any(a.shape != arrays[0].shape for a in arrays):
            raise self.fail("the arguments of an element-wise function need equal shapes", node)
        if name == "ln":
            name = "log"
        if name == "Heaviside":
            name = "step"
        if name == "log" and len(args) == 2:
            value, base = args
            if not base.is_scalar:
                raise self.fail("log(x, b) takes a scalar base", node)
            return al.divide(al.apply("log", value), al.apply("log", base))
        if name in ("max", "min") and len(args) > 2:
            result = args[0]
            for arg in args[1:]:
                result = al.apply(name, result, arg)
            return result
        return al.apply(name, *args)


def build_model(block: Block, limits: Limits) -> Model:
    """Build every definition of ``block`` as a matrix expression, in order."""
    model = Model(block)
    for declaration in block.declarations:
        model.symbols[declaration.name] = Var(declaration.name, shape_of(declaration))
    builder = Builder(model, limits)
    with al.number_limit(limits.max_number_digits, limits.max_exponent):
        for definition in block.definitions:
            try:
                node = check_size(builder.build(definition.expr), limits)
                if not (node.is_scalar or node.is_column):
                    raise BlockError(f"a function must be a scalar or a column vector, not {describe(node)}")
            except BlockError as exc:
                raise exc.at(definition.line, definition.text) from None
            model.definitions[definition.name] = node
            model.symbols[definition.name] = Var(definition.name, node.shape)
    for name in block.wrt:
        if name not in model.symbols:
            model.symbols[name] = Var(name)
    return model


def numeric_value(node: ast.Expr, limits: Limits) -> Node:
    """An ``at:`` value or an assumption's number, as an exact expression."""
    builder = Builder(Model(None), limits)  # type: ignore[arg-type]
    with al.number_limit(limits.max_number_digits, limits.max_exponent):
        return builder.build(node)


__all__ = ["Model", "build_model", "check_size", "dag_size", "describe", "numeric_value", "rebuild"]
