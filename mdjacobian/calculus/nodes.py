"""The matrix-expression tree: scalars, vectors and matrices of numeric or symbolic size.

Every node has a ``shape`` of two :class:`Dim` (a scalar is 1 × 1, a vector n × 1), its children in
``args`` and its own data (a name, a number, a function) in ``data``. Nodes are immutable and compare
by value; sums and element-wise products compare as multisets, so ``A + B == B + A`` while each keeps
the order it was built in, which is the order a page prints. Build nodes with the functions of
:mod:`mdjacobian.calculus.algebra`, which simplify as they go; the constructors here do not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from fractions import Fraction


class Dim:
    """A size: a positive whole number times a product of size names (``3``, ``n``, ``m n``)."""

    __slots__ = ("coeff", "names", "_hash")

    def __init__(self, coeff: int = 1, names: tuple[str, ...] = ()) -> None:
        self.coeff = coeff
        self.names = tuple(sorted(names))
        self._hash = hash((coeff, self.names))

    @classmethod
    def of(cls, size: int | str | Dim) -> Dim:
        if isinstance(size, Dim):
            return size
        return cls(size) if isinstance(size, int) else cls(1, (size,))

    def __mul__(self, other: Dim) -> Dim:
        return Dim(self.coeff * other.coeff, self.names + other.names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dim) and self.coeff == other.coeff and self.names == other.names

    def __hash__(self) -> int:
        return self._hash

    @property
    def value(self) -> int | None:
        """The number, for a concrete size."""
        return None if self.names else self.coeff

    @property
    def is_one(self) -> bool:
        return self.coeff == 1 and not self.names

    def at(self, sizes: Mapping[str, int]) -> int:
        """The number this size is when each size name takes its value in ``sizes``."""
        value = self.coeff
        for name in self.names:
            value *= sizes[name]
        return value

    def powers(self) -> list[tuple[str, int]]:
        """The size names with their powers, in order: m n n is [("m", 1), ("n", 2)]."""
        counted = Counter(self.names)
        return [(name, counted[name]) for name in dict.fromkeys(self.names)]

    def __str__(self) -> str:
        if not self.names:
            return str(self.coeff)
        names = "".join(name + ("" if k == 1 else "".join(_SUPERSCRIPTS[d] for d in str(k))) for name, k in self.powers())
        return ("" if self.coeff == 1 else str(self.coeff)) + names

    __repr__ = __str__


_SUPERSCRIPTS = dict(zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
ONE = Dim(1)
UNSIZED = Dim(0)
"""The side of an identity written ``I`` whose size its neighbours have not fixed yet (never a real size)."""
Shape = tuple[Dim, Dim]
SCALAR: Shape = (ONE, ONE)


def shape_text(shape: Shape) -> str:
    return f"{shape[0]} × {shape[1]}"


class Node:
    """One node of a matrix expression."""

    __slots__ = ("args", "data", "shape", "_hash")
    commutative = False

    def __init__(self, args: tuple[Node, ...] = (), data: tuple = (), shape: Shape = SCALAR) -> None:
        self.args = args
        self.data = data
        self.shape = shape
        if self.commutative:
            key = frozenset(Counter(args).items())
        else:
            key = args
        self._hash = hash((type(self).__name__, data, shape, key))

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(self) is not type(other) or self._hash != other._hash:  # type: ignore[union-attr]
            return False
        assert isinstance(other, Node)
        if self.data != other.data or self.shape != other.shape:
            return False
        if self.commutative:
            return Counter(self.args) == Counter(other.args)
        return self.args == other.args

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        inner = ", ".join([*(repr(d) for d in self.data), *(repr(a) for a in self.args)])
        return f"{type(self).__name__}({inner})"

    @property
    def rows(self) -> Dim:
        return self.shape[0]

    @property
    def cols(self) -> Dim:
        return self.shape[1]

    @property
    def is_scalar(self) -> bool:
        return self.shape == SCALAR

    @property
    def is_column(self) -> bool:
        return self.cols.is_one and not self.rows.is_one

    @property
    def is_row(self) -> bool:
        return self.rows.is_one and not self.cols.is_one

    @property
    def is_matrix(self) -> bool:
        return not self.rows.is_one and not self.cols.is_one

    def walk(self) -> Iterator[Node]:
        """Every node of the tree, parents before children."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.args))

    def has(self, kind: type[Node] | tuple[type[Node], ...]) -> bool:
        return any(isinstance(n, kind) for n in self.walk())

    def size(self) -> int:
        return sum(1 for _ in self.walk())


# -- leaves ------------------------------------------------------------------------------------------


class Number(Node):
    __slots__ = ()

    def __init__(self, value: Fraction | int) -> None:
        super().__init__((), (value if type(value) is Fraction else Fraction(value),))

    @property
    def value(self) -> Fraction:
        return self.data[0]


class Constant(Node):
    """A named constant: ``pi``, or ``e``, Euler's number."""

    __slots__ = ()

    def __init__(self, name: str) -> None:
        super().__init__((), (name,))

    @property
    def name(self) -> str:
        return self.data[0]


class Var(Node):
    """A declared variable, a scalar name, or an intermediate the block defines."""

    __slots__ = ()

    def __init__(self, name: str, shape: Shape = SCALAR, symmetric: bool = False) -> None:
        super().__init__((), (name, "symmetric") if symmetric else (name,), shape)

    @property
    def name(self) -> str:
        return self.data[0]

    @property
    def symmetric(self) -> bool:
        """Declared ``in Sym(n)``: equal to its transpose."""
        return len(self.data) > 1


class Entry(Node):
    """Entry (i, j) of a variable of concrete size, 1-based: ``x2`` is Entry("x", 2), ``W12`` Entry("W", 1, 2, True)."""

    __slots__ = ()

    def __init__(self, name: str, i: int, j: int = 1, matrix: bool = False) -> None:
        super().__init__((), (name, i, j, matrix))

    @property
    def name(self) -> str:
        return self.data[0]

    @property
    def written(self) -> str:
        """The name the author wrote: x2, W12."""
        name, i, j, matrix = self.data
        return f"{name}{i}{j}" if matrix else f"{name}{i}"


class Differential(Node):
    """``dX``: the direction a differential is linear in."""

    __slots__ = ()

    def __init__(self, name: str, shape: Shape) -> None:
        super().__init__((), (name,), shape)

    @property
    def name(self) -> str:
        return self.data[0]


class Gradient(Node):
    """∂L/∂v, shaped like v: the gradient of a scalar loss by one of the block's quantities, named
    rather than written out (a line of ``show: backprop`` uses those of the lines before it)."""

    __slots__ = ()

    def __init__(self, loss: str, name: str, shape: Shape) -> None:
        super().__init__((), (loss, name), shape)

    @property
    def loss(self) -> str:
        return self.data[0]

    @property
    def name(self) -> str:
        return self.data[1]

    @property
    def key(self) -> str:
        """The name its value is found under among a claim's definitions."""
        return f"∂{self.loss}/∂{self.name}"


class Pending(Node):
    """d(u) not yet worked out, in a line of ``show: steps``: ``args`` hold u and u's whole differential,
    which the proof computes in its place."""

    __slots__ = ()

    @property
    def inner(self) -> Node:
        return self.args[0]

    @property
    def whole(self) -> Node:
        return self.args[1]


class Identity(Node):
    __slots__ = ()

    def __init__(self, n: Dim) -> None:
        super().__init__((), (), (n, n))

    @property
    def unsized(self) -> bool:
        """``I`` as written, before the expression around it fixed its size."""
        return self.rows == UNSIZED


class Zero(Node):
    """A vector or matrix of zeros (the scalar zero is ``Number(0)``)."""

    __slots__ = ()

    def __init__(self, shape: Shape) -> None:
        super().__init__((), (), shape)


class Ones(Node):
    """A vector (or matrix) of ones, 𝟏."""

    __slots__ = ()

    def __init__(self, shape: Shape) -> None:
        super().__init__((), (), shape)


class SizeValue(Node):
    """A size used as a number: sum(𝟏) = n."""

    __slots__ = ()

    def __init__(self, dim: Dim) -> None:
        super().__init__((), (dim,))

    @property
    def dim(self) -> Dim:
        return self.data[0]


# -- arithmetic ---------------------------------------------------------------------------------------


class Add(Node):
    __slots__ = ()
    commutative = True


class Mul(Node):
    """A product: scalar factors first (they commute), then vectors and matrices in order."""

    __slots__ = ()

    def __init__(self, args: tuple[Node, ...], shape: Shape) -> None:
        Node.__init__(self, args, (), shape)
        split = self.split
        # The scalars commute: compare them as a multiset, the rest in order.
        self._hash = hash(("Mul", shape, frozenset(Counter(args[:split]).items()), args[split:]))

    @property
    def split(self) -> int:
        return next((i for i, a in enumerate(self.args) if not a.is_scalar), len(self.args))

    @property
    def scalars(self) -> tuple[Node, ...]:
        return self.args[: self.split]

    @property
    def matrices(self) -> tuple[Node, ...]:
        return self.args[self.split :]

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Mul) or self._hash != other._hash or self.shape != other.shape:
            return False
        return self.matrices == other.matrices and Counter(self.scalars) == Counter(other.scalars)

    __hash__ = Node.__hash__


class Hadamard(Node):
    """The element-wise product, ⊙."""

    __slots__ = ()
    commutative = True


class Power(Node):
    """``base ^ exponent`` for a scalar exponent; element by element for a vector or matrix base."""

    __slots__ = ()

    @property
    def base(self) -> Node:
        return self.args[0]

    @property
    def exponent(self) -> Node:
        return self.args[1]


class Apply(Node):
    """A scalar function (``sin``, ``max``, ``step`` …) applied element by element."""

    __slots__ = ()

    @property
    def fn(self) -> str:
        return self.data[0]


class Undefined(Node):
    """An abstract function the author named but did not define, such as ``g(x)``."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return self.data[0]


# -- vectors and matrices -----------------------------------------------------------------------------


class Transpose(Node):
    __slots__ = ()


class Inverse(Node):
    __slots__ = ()


class Det(Node):
    __slots__ = ()


class LogDet(Node):
    __slots__ = ()


class Trace(Node):
    __slots__ = ()


class Diag(Node):
    """The diagonal matrix with a vector on its diagonal."""

    __slots__ = ()


class DiagPart(Node):
    """The diagonal of a square matrix, as a vector."""

    __slots__ = ()


class Sum(Node):
    """The sum of every entry."""

    __slots__ = ()


class Norm(Node):
    """The Euclidean norm of a vector, the Frobenius norm of a matrix (``p = 2``), or the 1-norm."""

    __slots__ = ()

    @property
    def p(self) -> int:
        return self.data[0]


class Softmax(Node):
    """softmax of a column; of a matrix, of each row (PyTorch's ``dim=-1``)."""

    __slots__ = ()


class Op(Node):
    """An operator defined in one place, :mod:`mdjacobian.calculus.operators`: ``data`` is its name."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return self.data[0]


class Inner(Node):
    """The dot product ``a · b`` as the author wrote it (the same as aᵀb)."""

    __slots__ = ()


class Kron(Node):
    """The Kronecker product A ⊗ B."""

    __slots__ = ()


class Commutation(Node):
    """K_{m,n}: the mn × mn permutation with K vec(A) = vec(Aᵀ) for every m × n matrix A."""

    __slots__ = ()

    def __init__(self, m: Dim, n: Dim) -> None:
        super().__init__((), (m, n), (m * n, m * n))

    @property
    def sides(self) -> tuple[Dim, Dim]:
        return self.data[0], self.data[1]


class Vec(Node):
    """vec(A): the columns of A stacked into one vector."""

    __slots__ = ()


class Stack(Node):
    """Blocks stacked: ``data = ("rows",)`` puts them one under another, ``("cols",)`` side by side."""

    __slots__ = ()

    @property
    def axis(self) -> str:
        return self.data[0]


class Cases(Node):
    """``0`` where the scalar ``args[0]`` is ≤ 0, ``args[1]`` where it is > 0: a ReLU's derivative, written out."""

    __slots__ = ()

    @property
    def condition(self) -> Node:
        return self.args[0]

    @property
    def active(self) -> Node:
        return self.args[1]


def names_arrays(node: Node) -> bool:
    """True when ``node`` names a vector or matrix as a whole (x, W, I, diag(…), 𝟏): a matrix form that
    says more than the entries it stands for."""
    return any((isinstance(x, Var) and not x.is_scalar) or isinstance(x, (Identity, Diag, Ones, Zero)) for x in node.walk())


LEAVES = (Number, Constant, Var, Entry, Differential, Identity, Zero, Ones, SizeValue, Commutation, Gradient)
