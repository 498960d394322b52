"""Syntax tree -> matrix expression: names get their shapes, operators their meaning.

The block's conventions, after the paper: ``x + z`` with a scalar z adds z to every entry (scalar
expansion), ``*`` scales or multiplies matrices whose shapes chain, ``.*`` / ``./`` act element by
element, ``·`` is the dot product, and a scalar function applies to every entry of a vector.
Every error names its column; the caller adds the line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import BlockError, LimitError
from ..language import syntax as ast
from ..language.grammar import IDENTITY_NAME as _IDENTITY
from ..limits import Limits
from ..model import Block, Declaration
from . import algebra as al
from .guard import unreal, written
from .nodes import (
    ONE,
    UNSIZED,
    Constant,
    Dim,
    Entry,
    Identity,
    Node,
    Number,
    Ones,
    SizeValue,
    Stack,
    Undefined,
    Var,
    Zero,
    shape_text,
)
from .operators import OPERATORS

_SCALAR_FUNCTIONS = {
    "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "sinh", "cosh", "tanh",
    "exp", "log", "sqrt", "abs", "sign", "sigmoid",
}
_ENTRY = re.compile(r"([A-Za-z][A-Za-z0-9_]*?)([0-9]+)")
_UNSIZED_I = "the size of I cannot be told from what is around it here: write I_n (n a size of the block) or I_3"


def describe(node: Node) -> str:
    """How a value is named in messages: "a scalar", "a 3-vector", "a 2×3 matrix"."""
    if node.is_scalar:
        return "a scalar"
    if unsized(node):
        return "the identity I"
    rows, cols = node.shape
    if cols.is_one:
        return f"a {rows}-vector"
    if rows.is_one:
        return f"a transposed {cols}-vector"
    return f"a {rows}×{cols} matrix"


def unsized(node: Node) -> bool:
    """True for an expression made of ``I`` whose size nothing has fixed yet (I, λ I, I + I)."""
    return node.rows == UNSIZED


def resize(node: Node, side: Dim) -> Node:
    """``node`` with every identity (and ones or zeros) of unfixed size made ``side`` × ``side``."""
    if not unsized(node):
        return node
    if isinstance(node, Identity):
        return Identity(side)
    if isinstance(node, Ones):
        return Ones((side, side))
    if isinstance(node, Zero):
        return Zero((side, side))
    return rebuild(node, tuple(resize(a, side) for a in node.args))


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
    if kind is n.Op:
        return OPERATORS[node.data[0]].build(*args)
    if kind is n.Pending:
        return n.Pending(args, (), node.shape)
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

    def __init__(self, model: Model, limits: Limits, variables: frozenset[str] = frozenset()) -> None:
        self.model = model
        self.limits = limits
        self.variables = variables
        """Names the block makes variables (declared, parameters, ``wrt``): never read as e, I or a size."""
        self.sizes = frozenset(model.block.sizes) if model.block is not None else frozenset()
        self._lowering = None

    def real(self, node: Node, where: ast.Expr, fn: str, args: list[Node]) -> Node:
        """``node``, when it is a constant with a real, finite value; a BlockError when it has none.

        A constant such as log(-pi) or cot(pi) is decided exactly, here, so that no later step
        meets a complex number or an infinity where the block meant a real one.
        """
        if node.has((Var, Entry, Undefined, SizeValue)):
            return node
        import sympy as sp

        from .components import Lowering

        if self._lowering is None:
            # A constant of symbolic size (sigmoid(v − v), log(𝟏)) has the same entries at any size; 2
            # shows every kind an identity or a commutation matrix has, the zeros and the ones.
            self._lowering = Lowering(defaultdict(lambda: 2), {}, self.limits.max_number_digits)
        value = self._lowering(node)
        why = unreal(value)
        if why is None:
            return node
        at = next((k for k, entry in enumerate(value) if unreal(entry)), 0) if isinstance(value, sp.MatrixBase) else 0
        lowered = [self._lowering(a) for a in args]
        shown = [written(v[at] if isinstance(v, sp.MatrixBase) and len(v) == len(value) else v) for v in lowered]
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
        if name not in self.variables:
            implicit = self._implicit(name, node)
            if implicit is not None:
                return implicit
        entry = self._entry(name, node)
        if entry is not None:
            return entry
        symbols[name] = Var(name)
        return symbols[name]

    def _implicit(self, name: str, node: ast.Name) -> Node | None:
        """e, I, I_n and size names, where the block does not make them variables."""
        if name == "e":
            return Constant("e")
        if name == "I":
            return Identity(UNSIZED)
        if name in self.sizes:
            return al.size_value(Dim.of(name))
        m = _IDENTITY.fullmatch(name)
        if m is None:
            return None
        side = m.group(1)
        if side.isdigit():
            if int(side) == 0 or int(side) > self.limits.max_variables:
                raise self.fail(f"'{name}' would be an identity matrix of size {side}", node)
            return Identity(Dim(int(side)))
        if side not in self.sizes:
            known = ", ".join(sorted(self.sizes)) or "none declared"
            raise self.fail(
                f"'{name}' would be the identity matrix of size {side}, but {side} is not a size of this block "
                f"(sizes: {known}); declare '{name}' if it is a scalar",
                node,
            )
        return Identity(Dim.of(side))

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
            if isinstance(owner, Var) and owner.symmetric:
                if i > j:
                    raise self.fail(f"'{name}' is '{stem}{j}{i}': {stem} is symmetric, so write its entries with i ≤ j", node)
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
        a, b = self._fit(a, b, op, node)
        if op in "+-":
            a, b = self._elementwise_pair(a, b, op, node)
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
            a, b = self._elementwise_pair(a, b, op, node)
            return self.located(al.hadamard, node, a, b)
        if op == "./":
            a, b = self._elementwise_pair(a, b, op, node)
            self._nonzero(b, node)
            return self.located(al.divide, node, a, b)
        if unsized(a) or unsized(b):
            raise self.fail(_UNSIZED_I, node)
        return self._dot(a, b, node)

    def _fit(self, a: Node, b: Node, op: str, where: ast.Expr) -> tuple[Node, Node]:
        """Give an ``I`` written without a size the size its neighbour in ``op`` needs."""
        if unsized(a) == unsized(b) or (a.is_scalar or b.is_scalar):
            return a, b
        sized = b if unsized(a) else a
        if op == "*":
            return (resize(a, b.rows), b) if unsized(a) else (a, resize(b, a.cols))
        if op == "·":
            raise self.fail(_UNSIZED_I, where)
        if sized.rows != sized.cols:
            raise self.fail(f"'{op}' between the identity I and {describe(sized)}, which is not square", where)
        return (resize(a, b.rows), b) if unsized(a) else (a, resize(b, a.rows))

    def _elementwise_pair(self, a: Node, b: Node, op: str, where: ast.Expr) -> tuple[Node, Node]:
        """Both sides of an entry-by-entry operation at one shape: a scalar fills the other's shape,
        and a vector whose length is a matrix's number of columns is added to each of its rows (𝟏bᵀ),
        as NumPy and PyTorch broadcast."""
        a, b = self._expand(a, b), self._expand(b, a)
        a, b = self._broadcast(a, b), self._broadcast(b, a)
        if a.shape != b.shape:
            hint = ""
            matrix, vector = (a, b) if a.is_matrix else (b, a)
            if matrix.is_matrix and (vector.is_column or vector.is_row):
                hint = (
                    f"; a vector meets each row of a matrix when its length is the number of columns ({matrix.cols})"
                )
            raise self.fail(f"'{op}' needs equal shapes: {describe(a)} and {describe(b)}{hint}", where)
        return a, b

    def _expand(self, a: Node, other: Node) -> Node:
        """Scalar expansion: a scalar meeting a vector or matrix stands for that many copies of itself."""
        if a.is_scalar and not other.is_scalar:
            return al.mul(a, al.ones(other.shape))
        return a

    def _broadcast(self, a: Node, other: Node) -> Node:
        """A k-vector (or a 1 × k row) meeting an N × k matrix: the matrix 𝟏aᵀ, a in every row."""
        if not other.is_matrix or a.shape == other.shape:
            return a
        if a.is_column and a.rows == other.cols:
            return al.mul(Ones((other.rows, ONE)), al.transpose(a))
        if a.is_row and a.cols == other.cols:
            return al.mul(Ones((other.rows, ONE)), a)
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
        if isinstance(node.exponent, ast.Name) and node.exponent.name == "T" and not base.is_scalar and not node.elementwise:
            return al.transpose(base)
        exponent = self.build(node.exponent)
        if unsized(base) or unsized(exponent):
            raise self.fail(_UNSIZED_I, node)
        if node.elementwise and not exponent.is_scalar:
            return self._exponential(base, exponent, node)
        if not exponent.is_scalar or not (base.is_scalar or node.elementwise):
            raise self.fail(
                f"'^' needs scalars, not {describe(base)} and {describe(exponent)}; "
                "write x.^2 for an element-wise power or x^T to transpose",
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

    def _exponential(self, base: Node, exponent: Node, node: ast.Power) -> Node:
        """``b .^ x`` for an array x: exp(x log b) entry by entry, for e or a positive number b."""
        if isinstance(base, Constant) and base.name == "e":
            return al.apply("exp", exponent)
        if isinstance(base, Number) and base.value > 0:
            return al.apply("exp", al.mul(al.apply("log", base), exponent))
        raise self.fail(
            f"'.^' with {describe(exponent)} as the exponent needs e or a positive number as the base, not {describe(base)}",
            node,
        )

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
        if any(unsized(a) for a in args):
            raise self.fail(_UNSIZED_I, node)
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
        if name in ("mean", "var"):
            if one.is_scalar:
                raise self.fail(f"{name}() takes a vector or a matrix", node)
            return mean(one) if name == "mean" else variance(one)
        if name in ("softmax", "logsoftmax", "logsumexp"):
            if one.is_scalar or one.is_row:
                raise self.fail(f"{name}() takes a column vector or a matrix (row by row), not {describe(one)}", node)
            if name == "softmax":
                return al.softmax(one)
            lse = OPERATORS["logsumexp"].build(one)
            if name == "logsumexp":
                return lse
            return al.sub(one, al.mul(lse, Ones((ONE, one.cols)) if one.is_matrix else Ones(one.shape)))
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
        model.symbols[declaration.name] = Var(declaration.name, shape_of(declaration), declaration.symmetric)
    variables = {d.name for d in block.declarations} | set(block.wrt)
    variables |= {p for d in block.definitions for p in d.params or ()}
    builder = Builder(model, limits, frozenset(variables))
    with al.number_limit(limits.max_number_digits, limits.max_exponent):
        for definition in block.definitions:
            try:
                node = check_size(builder.build(definition.expr), limits)
                if unsized(node):
                    raise BlockError(_UNSIZED_I)
            except BlockError as exc:
                raise exc.at(definition.line, definition.text) from None
            model.definitions[definition.name] = node
            model.symbols[definition.name] = Var(definition.name, node.shape)
    for name in block.wrt:
        if name not in model.symbols:
            model.symbols[name] = Var(name)
    return model


def mean(a: Node) -> Node:
    """mean(a): the sum of the entries over their number."""
    return al.mul(al.power(al.size_value(a.rows * a.cols), al.MINUS_ONE), al.total(a))


def variance(a: Node) -> Node:
    """var(a): the mean squared distance of the entries from their mean (dividing by their number)."""
    centred = al.sub(a, al.mul(mean(a), Ones(a.shape)))
    return mean(al.power(centred, al.number(2)))


def numeric_value(node: ast.Expr, limits: Limits) -> Node:
    """An ``at:`` value or an assumption's number, as an exact expression."""
    builder = Builder(Model(None), limits)  # type: ignore[arg-type]
    with al.number_limit(limits.max_number_digits, limits.max_exponent):
        return builder.build(node)


__all__ = ["Model", "build_model", "check_size", "dag_size", "describe", "numeric_value", "rebuild"]
