"""Matrix expressions as array code: the printer every array library's printer builds on.

One ``_print_<Node>`` method per node type of :mod:`mdjacobian.calculus.nodes`, as SymPy's printers
have; each returns the code and its precedence, and :meth:`ArrayPrinter._print` puts an operand in
parentheses where Python would otherwise read it differently (``a - (b + c)``, ``A @ (u * v)``). What
differs between libraries (the module, the names of functions, how a constant becomes an array)
is a table or a hook that :mod:`.targets` fills in. Vectors are columns, arrays of shape (n, 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from ...calculus import nodes as n
from ...errors import BlockError

# Python's precedence, loosest first: what an operand's code must reach to stand without parentheses.
COMPARE, ADD, MUL, UNARY, POW, ATOM = 10, 20, 30, 40, 50, 60


class ArrayPrinter:
    """Matrix expressions as code for one array library; subclasses name the library's functions.

    Args:
        names: each variable's name in the code (a block's name, renamed where Python needs it).
        sizes: each size name's code, read off an argument (``x.shape[0]``).
        like: an argument whose dtype new arrays take, for libraries that need one.
    """

    library = ""
    """The library's name, for messages and docstrings."""
    module = ""
    """The alias the code imports the array module under (``np``)."""
    imports: tuple[str, ...] = ()
    """The import lines the code starts with."""
    reserved: frozenset[str] = frozenset()
    """Names the code uses at module level, which no argument may take."""
    functions: Mapping[str, str] = {}
    """Each element-wise function of the block language as a call template (``np.sin({})``)."""
    constants: Mapping[str, str] = {}
    """Each named constant's code (``pi`` is ``np.pi``)."""
    scalar = "a number or a 0-d array"
    """What a scalar argument may be, for the docstring."""
    helpers: Mapping[str, str] = {}
    """Small functions the code defines before ``derivative`` when it uses them, by name."""

    def __init__(self, names: Mapping[str, str], sizes: Mapping[str, str], like: str) -> None:
        self.names = names
        self.sizes = sizes
        self.like = like
        self.used: set[str] = set()
        """The helpers the printed code calls."""
        self.read: set[str] = set()
        """The block names the printed code reads."""
        self.temporaries: dict[n.Node, str] = {}
        """Subexpressions computed once, before the result, by the name the code gives them."""

    def import_lines(self, code: str) -> list[str]:
        """The imports ``code`` needs."""
        return list(self.imports)

    def doprint(self, node: n.Node) -> str:
        return self._print(node)

    def _print(self, node: n.Node, level: int = 0, strict: bool = False) -> str:
        """``node``'s code, in parentheses unless its precedence reaches ``level`` (passes it, when
        ``strict``: the right operand of a left-associative operator)."""
        code, own = self._code(node)
        if own < level or (strict and own == level):
            return f"({code})"
        return code

    def define(self, node: n.Node) -> str:
        """The code that computes the temporary ``node`` (in terms of the temporaries before it)."""
        name = self.temporaries.pop(node)
        try:
            return self.doprint(node)
        finally:
            self.temporaries[node] = name

    def _code(self, node: n.Node) -> tuple[str, int]:
        if node in self.temporaries:
            return self.temporaries[node], ATOM
        method = getattr(self, f"_print_{type(node).__name__}", None)
        if method is None:
            raise NotImplementedError(f"{type(self).__name__} has no code for {type(node).__name__} nodes")
        return method(node)

    def call(self, fn: str, *args: str) -> str:
        """``{module}.{fn}(args)``: a function of the array module."""
        return f"{self.module}.{fn}({', '.join(args)})"

    def helper(self, name: str, *args: str) -> str:
        self.used.add(name)
        return f"{name}({', '.join(args)})"

    def argument(self, node: n.Node, level: int = 0, strict: bool = False) -> str:
        """``node`` where the library needs an array, not a plain number: an argument of its functions."""
        return self._print(node, level, strict)

    def number(self, code: str) -> str:
        """A plain number's code, where the library needs an array."""
        return code

    def matrix(self, rows: list[list[str]]) -> str:
        """An array from rows of entries' code (SymPy's components, printed by :mod:`.entries`)."""
        return f"{self.module}.array({rows_code(rows)}, dtype=float)"

    def join(self, codes: list[str], axis: str) -> str:
        """Arrays side by side (``axis="cols"``) or one under another (``"rows"``)."""
        return self.call("hstack" if axis == "cols" else "vstack", "[" + ", ".join(codes) + "]")

    def one_by_one(self, code: str) -> str:
        """A scalar's code as an array of shape (1, 1), the shape every 1 × 1 result has."""
        return f"{self.module}.asarray({code}, dtype=float).reshape(1, 1)"

    def dim(self, dim: n.Dim) -> tuple[str, int]:
        parts = [str(dim.coeff)] if dim.coeff != 1 or not dim.names else []
        parts += [self.sizes[name] for name in dim.names]
        return " * ".join(parts), (ATOM if len(parts) == 1 else MUL)

    def shape(self, shape: n.Shape) -> str:
        return f"({self.dim(shape[0])[0]}, {self.dim(shape[1])[0]})"

    def new(self, fn: str, *args: str) -> str:
        """A new array (``eye``, ``zeros``, ``ones``) of the library's default type."""
        return self.call(fn, *args)

    # -- leaves ---------------------------------------------------------------------------------------
    def _print_Number(self, node: n.Number) -> tuple[str, int]:
        v: Fraction = node.value
        if v.denominator != 1:
            return f"{v.numerator} / {v.denominator}", MUL
        return str(v.numerator), (ATOM if v >= 0 else UNARY)

    def _print_Constant(self, node: n.Constant) -> tuple[str, int]:
        if node.name not in self.constants:
            raise NotImplementedError(f"{type(self).__name__} has no code for the constant {node.name}")
        return self.constants[node.name], ATOM

    def _print_Var(self, node: n.Var) -> tuple[str, int]:
        self.read.add(node.name)
        return self.names[node.name], ATOM

    def _print_Entry(self, node: n.Entry) -> tuple[str, int]:
        name, i, j, _ = node.data
        self.read.add(name)
        return f"{self.names[name]}[{i - 1}, {j - 1}]", ATOM

    def _print_SizeValue(self, node: n.SizeValue) -> tuple[str, int]:
        return self.dim(node.dim)

    def _print_Identity(self, node: n.Identity) -> tuple[str, int]:
        return self.new("eye", self.dim(node.rows)[0]), ATOM

    def _print_Zero(self, node: n.Zero) -> tuple[str, int]:
        return self.new("zeros", self.shape(node.shape)), ATOM

    def _print_Ones(self, node: n.Ones) -> tuple[str, int]:
        return self.new("ones", self.shape(node.shape)), ATOM

    def _print_Differential(self, node: n.Differential) -> tuple[str, int]:
        raise BlockError(f"d{node.name} is a direction, not a value: a differential has no {self.library} code")

    def _print_Gradient(self, node: n.Gradient) -> tuple[str, int]:
        raise BlockError(f"{node.key} names a line of show: backprop, not a value: it has no {self.library} code")

    def _print_Pending(self, node: n.Pending) -> tuple[str, int]:
        raise BlockError(f"a step of show: steps is not a value: it has no {self.library} code")

    def _print_Commutation(self, node: n.Commutation) -> tuple[str, int]:
        # Row i*n + j of K holds its 1 in column i + j*m: K vec(A) = vec(Aᵀ) for an m × n A.
        m, k = (self.dim(side)[0] for side in node.sides)
        columns = f"({self.call('arange', m)}[:, None] + {_operand(m)} * {self.call('arange', k)}).ravel()"
        return f"{self.new('eye', f'{_operand(m)} * {_operand(k)}')}[{columns}]", ATOM

    def _print_Undefined(self, node: n.Undefined) -> tuple[str, int]:
        raise BlockError(f"{node.name}() is an abstract function: it has no {self.library} code", kind="computation")

    # -- arithmetic -----------------------------------------------------------------------------------
    def _print_Add(self, node: n.Add) -> tuple[str, int]:
        first, *rest = node.args
        out = [self._print(first, ADD)]
        for term in rest:
            negative, magnitude = _split_sign(term)
            out.append((" - " if negative else " + ") + self._print(magnitude, ADD, strict=True))
        return "".join(out), ADD

    def _print_Mul(self, node: n.Mul) -> tuple[str, int]:
        negative, magnitude = _split_sign(node)
        factors = magnitude.args if isinstance(magnitude, n.Mul) else (magnitude,)
        first = factors[0]
        if len(factors) == 1:
            return ("-" + self._print(first, UNARY), UNARY) if negative else self._code(first)
        # The first factor too is in parentheses when it is a product or a sum, for the reader:
        # (x.T @ y) * A, (1 / 3) * x; after a minus, -x ** 2 is -(x ** 2).
        out = [("-" + self._print(first, UNARY)) if negative else self._print(first, MUL, strict=True)]
        for previous, factor in zip(factors, factors[1:]):
            op = " @ " if not previous.is_scalar and not factor.is_scalar else " * "
            out.append(op + self._print(factor, MUL, strict=True))
        return "".join(out), MUL

    def _print_Hadamard(self, node: n.Hadamard) -> tuple[str, int]:
        return " * ".join(self._print(a, MUL, strict=True) for a in node.args), MUL

    def _print_Power(self, node: n.Power) -> tuple[str, int]:
        base, exponent = node.base, node.exponent
        if isinstance(exponent, n.Number) and exponent.value == Fraction(1, 2):
            return self.function("sqrt", [base]), ATOM
        # ** binds to the right and tighter than a unary minus on its left: (-x) ** 2, (a ** b) ** c.
        return f"{self._print(base, POW, strict=True)} ** {self._print(exponent, UNARY)}", POW

    # -- functions --------------------------------------------------------------------------------------
    def function(self, fn: str, args: list[n.Node]) -> str:
        template = self.functions.get(fn)
        if template is None:
            raise NotImplementedError(f"{type(self).__name__} has no code for the function {fn}")
        if template.startswith("_"):
            self.used.add(template.partition("(")[0])
        return template.format(*(self.argument(a) for a in args))

    def _print_Apply(self, node: n.Apply) -> tuple[str, int]:
        return self.function(node.fn, list(node.args)), ATOM

    def _print_Cases(self, node: n.Cases) -> tuple[str, int]:
        condition = self.argument(node.condition, COMPARE, strict=True)
        return self.call("where", f"{condition} > 0", self.argument(node.active), "0.0"), ATOM

    # -- vectors and matrices ---------------------------------------------------------------------------
    def _print_Transpose(self, node: n.Transpose) -> tuple[str, int]:
        return f"{self._print(node.args[0], ATOM)}.T", ATOM

    def _print_Inverse(self, node: n.Inverse) -> tuple[str, int]:
        return self.call("linalg.inv", self._print(node.args[0])), ATOM

    def _print_Det(self, node: n.Det) -> tuple[str, int]:
        return self.call("linalg.det", self._print(node.args[0])), ATOM

    def _print_LogDet(self, node: n.LogDet) -> tuple[str, int]:
        return self.call("log", self.call("linalg.det", self._print(node.args[0]))), ATOM

    def _print_Trace(self, node: n.Trace) -> tuple[str, int]:
        return self.call("trace", self._print(node.args[0])), ATOM

    def _print_Diag(self, node: n.Diag) -> tuple[str, int]:
        return self.call("diagflat", self._print(node.args[0])), ATOM

    def _print_DiagPart(self, node: n.DiagPart) -> tuple[str, int]:
        return self.call("diagonal", self._print(node.args[0])) + ".reshape(-1, 1)", ATOM

    def _print_Sum(self, node: n.Sum) -> tuple[str, int]:
        return self.call("sum", self._print(node.args[0])), ATOM

    def _print_Norm(self, node: n.Norm) -> tuple[str, int]:
        inner = self._print(node.args[0])
        if node.p == 1:
            return self.call("sum", self.call("abs", inner)), ATOM
        return self.call("linalg.norm", inner), ATOM  # Euclidean for a column, Frobenius for a matrix

    def _print_Softmax(self, node: n.Softmax) -> tuple[str, int]:
        # Of a column, over its entries; of a matrix, of each row.
        return self.function("softmax", list(node.args)).replace("AXIS", "0" if node.args[0].is_column else "1"), ATOM

    def _print_Op(self, node: n.Op) -> tuple[str, int]:
        """An operator of :mod:`mdjacobian.calculus.operators`, by its meaning in primitive nodes."""
        from ...calculus.operators import operator

        return self._code(operator(node).expand(node))

    def _print_Inner(self, node: n.Inner) -> tuple[str, int]:
        a, b = node.args
        return f"{self._print(a, ATOM)}.T @ {self._print(b, MUL, strict=True)}", MUL

    def _print_Kron(self, node: n.Kron) -> tuple[str, int]:
        a, b = node.args
        return self.call("kron", self._print(a), self._print(b)), ATOM

    def _print_Vec(self, node: n.Vec) -> tuple[str, int]:
        # vec stacks the columns: the rows of the transpose, read in order.
        return f"{self._print(node.args[0], ATOM)}.T.reshape(-1, 1)", ATOM

    def _print_Stack(self, node: n.Stack) -> tuple[str, int]:
        join = "vstack" if node.axis == "rows" else "hstack"
        blocks = ", ".join(self.call("atleast_2d", self.argument(a)) for a in node.args)
        return self.call(join, f"[{blocks}]"), ATOM


def rows_code(rows: list[list[str]]) -> str:
    """Rows of entries as a nested list, one row a line when there are several."""
    lines = ["[" + ", ".join(row) + "]" for row in rows]
    if len(lines) == 1:
        return "[" + lines[0] + "]"
    return "[\n" + "".join(f"    {line},\n" for line in lines) + "]"


def _operand(code: str) -> str:
    """A size's code as an operand of ``*``: in parentheses when it is a product itself."""
    return f"({code})" if " " in code else code


def _split_sign(node: n.Node) -> tuple[bool, n.Node]:
    """Whether ``node`` prints with a leading minus, and the node without it: -3 x is (True, 3 x)."""
    if isinstance(node, n.Number) and node.value < 0:
        return True, n.Number(-node.value)
    if isinstance(node, n.Mul) and isinstance(node.args[0], n.Number) and node.args[0].value < 0:
        value, rest = -node.args[0].value, node.args[1:]
        factors = rest if value == 1 else (n.Number(value), *rest)
        return True, factors[0] if len(factors) == 1 else n.Mul(factors, node.shape)
    return False, node
