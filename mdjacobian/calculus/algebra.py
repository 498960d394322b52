"""Constructors that simplify as they build, the way a textbook would write the result.

Each function returns an equal expression in a tidier form: ``mul(I, A)`` is ``A``, ``mul(𝟏ᵀ,
diag(w))`` is ``wᵀ``, ``add(W, W)`` is ``2W``, ``transpose(A B)`` is ``Bᵀ Aᵀ``. Only rules that hold
for every value are used; what they produce is proven numerically later in any case.

Exact numbers are fractions. A power of two numbers is folded only when the result stays within the
digit limit of the block being computed (:func:`number_limit`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from fractions import Fraction

from ..errors import BlockError, LimitError
from .nodes import (
    ONE,
    SCALAR,
    Add,
    Apply,
    Constant,
    Det,
    Diag,
    DiagPart,
    Dim,
    Hadamard,
    Identity,
    Inner,
    Inverse,
    Kron,
    LogDet,
    Mul,
    Node,
    Norm,
    Number,
    Ones,
    Power,
    Shape,
    SizeValue,
    Softmax,
    Stack,
    Sum,
    Trace,
    Transpose,
    Var,
    Vec,
    Zero,
    shape_text,
)

ZERO_N = Number(0)
ONE_N = Number(1)
MINUS_ONE = Number(-1)
HALF = Number(Fraction(1, 2))

_DIGITS: ContextVar[int] = ContextVar("mdjacobian_number_digits", default=1000)
_EXPONENT: ContextVar[int] = ContextVar("mdjacobian_max_exponent", default=1000)


@contextmanager
def number_limit(digits: int, exponent: int = 1000):
    """Within this block, no exact number may grow past ``digits`` digits, no exponent past ``exponent``."""
    tokens = _DIGITS.set(digits), _EXPONENT.set(exponent)
    try:
        yield
    finally:
        _DIGITS.reset(tokens[0])
        _EXPONENT.reset(tokens[1])


def _digits(n: int) -> int:
    return 1 if n == 0 else int(abs(n).bit_length() * math.log10(2)) + 1


_SMALL = 10**15
"""Numbers below this in numerator and denominator have at most 16 digits: no limit needs counting them."""


def number(value: Fraction | int) -> Number:
    if type(value) is not Fraction:
        value = Fraction(value)
    limit = _DIGITS.get()
    if limit >= 16 and -_SMALL < value.numerator < _SMALL and value.denominator < _SMALL:
        return Number(value)
    size = max(_digits(value.numerator), _digits(value.denominator))
    if size > limit:
        raise LimitError(f"a number here would have about {size} digits (limit {limit})", limit="max_number_digits")
    return Number(value)


def zero(shape: Shape) -> Node:
    return ZERO_N if shape == SCALAR else Zero(shape)


def is_zero(node: Node) -> bool:
    return isinstance(node, Zero) or (isinstance(node, Number) and node.value == 0)


def is_number(node: Node, value: int | Fraction | None = None) -> bool:
    return isinstance(node, Number) and (value is None or node.value == value)


def ones(shape: Shape) -> Node:
    return ONE_N if shape == SCALAR else Ones(shape)


def identity(side: Dim) -> Node:
    """The identity of size ``side``; of size 1, the number 1 (a scalar, as every 1 × 1 value is)."""
    return ONE_N if side.is_one else Identity(side)


# -- sums ---------------------------------------------------------------------------------------------


def coefficient(node: Node) -> tuple[Fraction, Node | None]:
    """Split ``3 x y`` into (3, x y); a number into (value, None)."""
    if isinstance(node, Number):
        return node.value, None
    if isinstance(node, Mul) and isinstance(node.args[0], Number):
        rest = node.args[1:]
        return node.args[0].value, rest[0] if len(rest) == 1 else Mul(rest, node.shape)
    return Fraction(1), node


def scaled(c: Fraction, node: Node | None) -> Node:
    if node is None:
        return number(c)
    if c == 1:
        return node
    return mul(number(c), node)


def add(*terms: Node) -> Node:
    """The sum, with like terms collected (W + W = 2W) and zeros dropped."""
    flat: list[Node] = []
    for term in terms:
        flat.extend(term.args if isinstance(term, Add) else (term,))
    if not flat:
        return ZERO_N
    shape = flat[0].shape
    for term in flat:
        if term.shape != shape:
            raise BlockError(f"cannot add a {shape_text(shape)} and a {shape_text(term.shape)} value")
    collected: dict[Node | None, Fraction] = {}
    for term in flat:
        if is_zero(term):
            continue
        c, rest = coefficient(term)
        collected[rest] = collected.get(rest, Fraction(0)) + c
    kept = [scaled(c, rest) for rest, c in collected.items() if c != 0]
    if not kept:
        return zero(shape)
    if len(kept) == 1:
        return kept[0]
    return Add(tuple(kept), (), shape)


def neg(node: Node) -> Node:
    return mul(MINUS_ONE, node)


def sub(a: Node, b: Node) -> Node:
    return add(a, neg(b))


# -- products -----------------------------------------------------------------------------------------


def _flatten(factors: Iterable[Node]) -> list[Node]:
    flat: list[Node] = []
    for factor in factors:
        # A scalar made of vectors (xᵀy) stays one factor; any other product is spliced in.
        if isinstance(factor, Mul) and (not factor.is_scalar or not factor.matrices):
            flat.extend(factor.args)
        else:
            flat.append(factor)
    return flat


def _base_exponent(node: Node) -> tuple[Node, Node]:
    if isinstance(node, Power) and node.is_scalar:
        return node.base, node.exponent
    return node, ONE_N


def _combine_scalars(scalars: list[Node]) -> tuple[Fraction, list[Node]]:
    """Collect powers of one base (x · x = x²); return any number that falls out, and the rest."""
    exponents: dict[Node, list[Node]] = {}
    for s in scalars:
        base, exponent = _base_exponent(s)
        exponents.setdefault(base, []).append(exponent)
    coeff = Fraction(1)
    out: list[Node] = []
    for base, parts in exponents.items():
        exponent = parts[0] if len(parts) == 1 else add(*parts)
        value = power(base, exponent)
        if isinstance(value, Number):
            coeff *= value.value
        elif isinstance(value, Mul):
            c, rest = coefficient(value)
            coeff *= c
            if rest is not None:
                # A scalar made of vectors (xᵀy) is one factor: never splice its vectors in among the scalars.
                out.extend(rest.args if isinstance(rest, Mul) and not rest.matrices else (rest,))
        else:
            out.append(value)
    return coeff, out


def _chain_shape(matrices: list[Node]) -> Shape:
    for left, right in zip(matrices, matrices[1:]):
        if left.cols != right.rows:
            raise BlockError(
                f"cannot multiply a {shape_text(left.shape)} value by a {shape_text(right.shape)} value: "
                "the shapes do not chain"
            )
    return (matrices[0].rows, matrices[-1].cols)


def _pair(a: Node, b: Node) -> list[Node] | None:
    """A simpler product for two neighbours of a chain, or None."""
    if isinstance(a, Identity):
        return [b]
    if isinstance(b, Identity):
        return [a]
    if isinstance(a, Diag) and isinstance(b, Diag):
        return [diag(hadamard(a.args[0], b.args[0]))]
    if isinstance(a, Diag) and b.is_column:
        return [hadamard(a.args[0], b)]
    if isinstance(b, Diag) and a.is_row:
        return [transpose(hadamard(b.args[0], transpose(a)))]
    if isinstance(a, Ones) and isinstance(b, Ones):  # 𝟏𝟏ᵀ 𝟏𝟏ᵀ = k 𝟏𝟏ᵀ, k the inner size
        return [size_value(a.cols), ones((a.rows, b.cols))]
    if isinstance(a, Diag) and isinstance(b, Ones) and b.is_matrix:  # diag(v) 𝟏𝟏ᵀ = v 𝟏ᵀ
        return [a.args[0], ones((ONE, b.cols))]
    if isinstance(a, Ones) and a.is_matrix and isinstance(b, Diag):  # 𝟏𝟏ᵀ diag(v) = 𝟏 vᵀ
        return [ones((a.rows, ONE)), transpose(b.args[0])]
    if a.is_row and isinstance(b, Ones) and b.is_matrix:  # r 𝟏𝟏ᵀ = sum(r) 𝟏ᵀ
        return [total(a), ones((ONE, b.cols))]
    if isinstance(a, Ones) and a.is_matrix and b.is_column:  # 𝟏𝟏ᵀ c = sum(c) 𝟏
        return [total(b), ones((a.rows, ONE))]
    if a.is_row and b.is_column:
        if isinstance(a, Ones):
            return [total(b)]
        if isinstance(b, Ones):
            return [total(a)]
    if isinstance(a, Inverse) and a.args[0] == b or isinstance(b, Inverse) and b.args[0] == a:
        return [identity(a.rows)]
    if a.is_row and isinstance(b, Kron) and b.args[0].is_row:
        # aᵀ (bᵀ ⊗ C) = vec(Cᵀ a bᵀ)ᵀ
        row, right = b.args
        return [transpose(vec(mul(transpose(right), transpose(a), row)))]
    return None


def _reduce_chain(matrices: list[Node]) -> list[Node]:
    changed = True
    while changed and len(matrices) > 1:
        changed = False
        for i in range(len(matrices) - 1):
            pair = _pair(matrices[i], matrices[i + 1])
            if pair is not None:
                matrices = matrices[:i] + _flatten(pair) + matrices[i + 2 :]
                changed = True
                break
    return matrices


def _softmax(scalars: list[Node], matrices: list[Node]) -> tuple[list[Node], list[Node]]:
    """exp(z) / sum(exp(z)) is softmax(z)."""
    if len(matrices) != 1:
        return scalars, matrices
    (m,) = matrices
    transposed = isinstance(m, Transpose)
    inner = m.args[0] if transposed else m
    if not (isinstance(inner, Apply) and inner.fn == "exp" and inner.args[0].is_column):
        return scalars, matrices
    for i, s in enumerate(scalars):
        if (
            isinstance(s, Power)
            and is_number(s.exponent, -1)
            and isinstance(s.base, Sum)
            and s.base.args[0] == inner
        ):
            s_node = softmax(inner.args[0])
            return scalars[:i] + scalars[i + 1 :], [transpose(s_node) if transposed else s_node]
    return scalars, matrices


def mul(*factors: Node) -> Node:
    """The product: scalars multiply anything, vectors and matrices multiply when their shapes chain."""
    flat = _flatten(factors)
    coeff = Fraction(1)
    scalars: list[Node] = []
    matrices: list[Node] = []
    for f in flat:
        if f.is_scalar and isinstance(f, (Identity, Ones)):  # a 1 × 1 identity or 𝟏 is the number 1
            f = ONE_N
        if isinstance(f, Number):
            coeff = number(coeff * f.value).value  # checked at every step: a long product cannot grow unseen
        elif f.is_scalar:
            scalars.append(f)
        else:
            matrices.append(f)
    shape = _chain_shape(matrices) if matrices else SCALAR
    if coeff == 0 or any(is_zero(f) for f in flat):
        return zero(shape)
    matrices = _reduce_chain(matrices)
    if len(matrices) > 2 and isinstance(matrices[0], Ones) and isinstance(matrices[-1], Ones) and shape == SCALAR:
        matrices = [total(mul(*matrices[1:-1]))]  # 𝟏ᵀ M 𝟏 = sum(M)
    # A chain can reduce to scalars (𝟏ᵀ x = sum(x)): move them to the front.
    moved = [m for m in matrices if m.is_scalar]
    if moved:
        matrices = [m for m in matrices if not m.is_scalar]
        for m in moved:
            if isinstance(m, Number):
                coeff *= m.value
            elif isinstance(m, Mul) and not m.matrices:
                c, rest = coefficient(m)
                coeff *= c
                scalars.extend(rest.args if isinstance(rest, Mul) else (rest,) if rest is not None else ())
            else:
                scalars.append(m)
    c, scalars = _combine_scalars(scalars)
    coeff *= c
    if coeff == 0:
        return zero(shape)
    scalars, matrices = _softmax(scalars, matrices)
    args: list[Node] = ([number(coeff)] if coeff != 1 else []) + scalars + matrices
    if not args:
        return ONE_N
    if not matrices and len(scalars) == 0:
        return number(coeff)
    if len(args) == 1:
        return args[0]
    return Mul(tuple(args), shape)


def matrix_part(node: Node) -> tuple[Node, Node]:
    """Split a product into its scalar part and the rest: 2 x Wᵀ -> (2 x, Wᵀ)."""
    if isinstance(node, Mul) and node.matrices:
        scalars, matrices = node.scalars, node.matrices
        scalar = mul(*scalars) if scalars else ONE_N
        rest = matrices[0] if len(matrices) == 1 else Mul(matrices, node.shape)
        return scalar, rest
    if node.is_scalar:
        return node, ONE_N
    return ONE_N, node


def hadamard(*factors: Node) -> Node:
    """The element-wise product; a scalar factor scales (scalar expansion)."""
    flat: list[Node] = []
    for f in factors:
        flat.extend(f.args if isinstance(f, Hadamard) else (f,))
    arrays = [f for f in flat if not f.is_scalar]
    if not arrays:
        return mul(*flat)
    shape = arrays[0].shape
    for f in arrays:
        if f.shape != shape:
            raise BlockError(f"the element-wise product needs equal shapes: {shape_text(shape)} and {shape_text(f.shape)}")
    scale: list[Node] = [f for f in flat if f.is_scalar]
    parts: list[Node] = []
    for f in arrays:
        s, rest = matrix_part(f)
        if not is_number(s, 1):
            scale.append(s)
        parts.append(rest)
    if any(is_zero(p) for p in parts) or any(is_zero(s) for s in scale):
        return Zero(shape)
    parts = [p for p in parts if not isinstance(p, Ones)]
    exponents: dict[Node, list[Node]] = {}
    for p in parts:
        base, exponent = (p.base, p.exponent) if isinstance(p, Power) else (p, ONE_N)
        exponents.setdefault(base, []).append(exponent)
    combined: list[Node] = []
    for base, es in exponents.items():
        value = power(base, es[0] if len(es) == 1 else add(*es))
        if not isinstance(value, Ones):
            combined.append(value)
    if not combined:
        core: Node = Ones(shape)
    elif len(combined) == 1:
        core = combined[0]
    else:
        diagonal = [c for c in combined if isinstance(c, Diag)]
        core = Hadamard(tuple(combined), (), shape)
        if len(diagonal) == len(combined):
            core = diag(hadamard(*(c.args[0] for c in diagonal)))
    return mul(*scale, core) if scale else core


def divide(a: Node, b: Node) -> Node:
    """a / b for a scalar b, or a ⊘ b element by element."""
    return hadamard(a, power(b, MINUS_ONE)) if not b.is_scalar else mul(a, power(b, MINUS_ONE))


def integer_root(n: int, k: int) -> int:
    """The largest r with r**k <= n, for n >= 0 (Newton's method on integers)."""
    if n < 2:
        return n
    r = 1 << -(-n.bit_length() // k)  # an upper bound
    while True:
        s = ((k - 1) * r + n // r ** (k - 1)) // k
        if s >= r:
            return r
        r = s


def _root(value: Fraction, k: int) -> Fraction | None:
    """The exact k-th root of a non-negative fraction, when there is one."""
    if value < 0:
        return None
    p, q = integer_root(value.numerator, k), integer_root(value.denominator, k)
    return Fraction(p, q) if p**k == value.numerator and q**k == value.denominator else None


def power(base: Node, exponent: Node) -> Node:
    """``base ^ exponent``: numbers are folded within the digit limit; element by element for arrays."""
    if not exponent.is_scalar:
        raise BlockError("an exponent must be a scalar")
    if is_number(exponent, 0):
        return ones(base.shape)
    if is_number(exponent, 1):
        return base
    if isinstance(base, Number) and isinstance(exponent, Number):
        b, e = base.value, exponent.value
        if b == 0 and e < 0:
            raise BlockError("division by zero (0 to a negative power)")
        if b == 0:
            return ZERO_N
        if e.denominator == 1:
            size = int(math.log10(max(abs(b.numerator), b.denominator, 2)) * abs(e.numerator)) + 1
            if size > _DIGITS.get():
                shown = str(b) if len(str(b)) <= 20 else f"({_digits(b.numerator)}-digit number)"
                raise LimitError(
                    f"{shown}^{e} would have about {size} digits (limit {_DIGITS.get()})", limit="max_number_digits"
                )
            return number(b ** int(e))
        if b > 0 and e.denominator <= 16:
            root = _root(b, e.denominator)
            if root is not None:
                return power(number(root), number(e.numerator))
        return Power((base, exponent), (), SCALAR)
    if is_number(base, 1):
        return base
    if isinstance(base, Constant) and base.name == "e":
        return apply("exp", exponent)
    if isinstance(base, (Ones,)):
        return base
    if is_zero(base) and isinstance(exponent, Number) and exponent.value > 0:
        return base
    if isinstance(base, Power) and isinstance(exponent, Number) and isinstance(base.exponent, Number):
        inner, outer = base.exponent.value, exponent.value
        if abs(inner * outer) > _EXPONENT.get():
            raise LimitError(
                f"exponent {inner * outer} is larger than the limit of {_EXPONENT.get()}", limit="max_exponent"
            )
        if inner.denominator == 1 and outer.denominator == 1:
            return power(base.base, number(inner * outer))
        if inner.denominator == 1 and inner % 2 == 1 or outer.denominator == 1:
            return power(base.base, number(inner * outer))
    if isinstance(base, Apply) and base.fn == "sqrt" and is_number(exponent, 2):
        return base.args[0]
    if base.is_scalar and isinstance(base, Mul) and not base.matrices and isinstance(exponent, Number) and exponent.value.denominator == 1:
        return mul(*(power(f, exponent) for f in base.args))
    if isinstance(base, Diag):
        return diag(power(base.args[0], exponent))
    return Power((base, exponent), (), base.shape)


# -- transposes ---------------------------------------------------------------------------------------


def _swap(shape: Shape) -> Shape:
    return (shape[1], shape[0])


def transpose(a: Node) -> Node:
    if a.is_scalar:
        return a
    if isinstance(a, Transpose):
        return a.args[0]
    if isinstance(a, (Identity, Diag)) or isinstance(a, Var) and a.symmetric:
        return a
    if isinstance(a, Inverse):  # A⁻ᵀ = (Aᵀ)⁻¹, which is A⁻¹ again for a symmetric A
        inner = transpose(a.args[0])
        if inner == a.args[0]:
            return a
    if isinstance(a, Zero):
        return Zero(_swap(a.shape))
    if isinstance(a, Ones):
        return Ones(_swap(a.shape))
    if isinstance(a, Mul):
        return mul(*a.scalars, *(transpose(m) for m in reversed(a.matrices)))
    if isinstance(a, Kron):
        return kron(transpose(a.args[0]), transpose(a.args[1]))
    if type(a).__name__ == "Commutation":
        m, k = a.data
        return commutation(k, m)
    if isinstance(a, Add):
        flipped = [transpose(t) for t in a.args]
        if Add(tuple(flipped), (), a.shape[::-1]) == Add(a.args, (), a.shape[::-1]):
            return a  # symmetric: (A + Aᵀ)ᵀ is itself
        if all(_plain(t) for t in a.args):
            return add(*flipped)
    return Transpose((a,), (), _swap(a.shape))


def _plain(node: Node) -> bool:
    """A term that reads as well transposed: a name, a transposed name, a scaled one, I, diag(…)."""
    _, rest = matrix_part(node)
    if isinstance(rest, Transpose):
        rest = rest.args[0]
    return not rest.args or isinstance(rest, (Diag, Inverse))


# -- functions ---------------------------------------------------------------------------------------

_AT_ZERO = {"sin": 0, "tan": 0, "asin": 0, "atan": 0, "sinh": 0, "tanh": 0, "sqrt": 0, "abs": 0,
            "sign": 0, "step": 0, "exp": 1, "cos": 1, "cosh": 1, "sigmoid": Fraction(1, 2)}


def apply(fn: str, *args: Node) -> Node:
    """A scalar function applied element by element; a scalar argument is expanded (max(0, x))."""
    arrays = [a for a in args if not a.is_scalar]
    shape = arrays[0].shape if arrays else SCALAR
    for a in arrays:
        if a.shape != shape:
            raise BlockError(f"the arguments of {fn}() need equal shapes: {shape_text(shape)} and {shape_text(a.shape)}")
    if len(args) == 1:
        (x,) = args
        if is_number(x, 0) and fn in _AT_ZERO:
            return number(_AT_ZERO[fn])
        if isinstance(x, Zero) and fn in _AT_ZERO:
            return filled(Fraction(_AT_ZERO[fn]), shape)
        if fn == "log" and (is_number(x, 1) or isinstance(x, Ones)):
            return zero(shape)
        if fn == "log" and isinstance(x, Apply) and x.fn == "exp":
            return x.args[0]
        if fn == "exp" and isinstance(x, Apply) and x.fn == "log":
            return x.args[0]
        if isinstance(x, Number):
            _check_domain(fn, x.value)
        if fn == "step" and isinstance(x, Mul) and isinstance(x.args[0], Number) and abs(x.args[0].value) != 1:
            c, rest = coefficient(x)  # 𝟙[c z > 0] is 𝟙[z > 0] for c > 0 and 𝟙[−z > 0] for c < 0
            return apply("step", rest if c > 0 else neg(rest))  # type: ignore[arg-type]
        if isinstance(x, Number) and fn in ("abs", "sign", "step"):
            v = x.value
            return number(abs(v) if fn == "abs" else (v > 0) - (v < 0) if fn == "sign" else int(v > 0))
        if fn == "abs" and isinstance(x, Apply) and x.fn in ("abs", "exp", "sqrt"):
            return x
    diagonal = _on_diagonal(fn, args)
    if diagonal is not None:
        return diagonal
    values = [_fill(a) for a in args]
    if fn in ("max", "min") and all(v is not None for v in values):  # max(0, 𝟎): every entry the same number
        value = max(values) if fn == "max" else min(values)  # type: ignore[type-var]
        return filled(value, shape)  # type: ignore[arg-type]
    return Apply(args, (fn,), shape)


def _on_diagonal(fn: str, args: tuple[Node, ...]) -> Node | None:
    """f(diag(v)) = diag(f(v)) where f(0) = 0: the entries off the diagonal stay 0, and are no kink
    of max(0, ·) or abs at every point."""
    arrays = [a for a in args if not a.is_scalar]
    if len(arrays) != 1 or not isinstance(arrays[0], Diag) or not all(isinstance(a, Number) or a is arrays[0] for a in args):
        return None
    if len(args) == 1:
        at_zero = _AT_ZERO.get(fn)
    elif fn in ("max", "min"):
        numbers = [a.value for a in args if isinstance(a, Number)] + [Fraction(0)]
        at_zero = max(numbers) if fn == "max" else min(numbers)
    else:
        return None
    if at_zero != 0:
        return None
    (inner,) = arrays[0].args
    return diag(apply(fn, *(inner if a is arrays[0] else a for a in args)))


def _fill(node: Node) -> Fraction | None:
    """The number every entry of ``node`` is, for a number, 𝟎, 𝟏 or c𝟏; else None."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Zero):
        return Fraction(0)
    if isinstance(node, Ones):
        return Fraction(1)
    if isinstance(node, Mul) and len(node.args) == 2 and isinstance(node.args[0], Number) and isinstance(node.args[1], Ones):
        return node.args[0].value
    return None


def filled(value: Fraction, shape: Shape) -> Node:
    """A number, or an array of ``shape`` whose every entry is ``value``: 0, 𝟏, c𝟏."""
    if shape == SCALAR:
        return number(value)
    return zero(shape) if value == 0 else mul(number(value), Ones(shape))


def _check_domain(fn: str, value: Fraction) -> None:
    """A function of a number outside its (real) domain has no value: say so while building."""
    undefined = (
        (fn == "log" and value <= 0)
        or (fn == "sqrt" and value < 0)
        or (fn in ("asin", "acos") and abs(value) > 1)
        or (fn in ("cot", "csc") and value == 0)
    )
    if undefined:
        shown = str(value)
        raise BlockError(f"the expression is undefined here ({fn}({shown}) has no real value)")


def undefined(name: str, *args: Node) -> Node:
    from .nodes import Undefined

    return Undefined(args, (name,), SCALAR)


def total(a: Node) -> Node:
    """sum(a): the sum of every entry."""
    if a.is_scalar:
        return a
    if isinstance(a, Ones):
        return size_value(a.rows * a.cols)
    if isinstance(a, Zero):
        return ZERO_N
    scalar, rest = matrix_part(a)
    if not is_number(scalar, 1):
        return mul(scalar, total(rest))
    if isinstance(a, Diag):
        return total(a.args[0])
    if isinstance(a, Transpose):
        return total(a.args[0])
    if isinstance(a, Add):  # sum(X − c 𝟏𝟏ᵀ) = sum(X) − c N n: split a sum where a term's own sum is simpler
        parts = [total(t) for t in a.args]
        if any(not isinstance(p, Sum) for p in parts):
            return add(*parts)
    return Sum((a,), (), SCALAR)


def trace(a: Node) -> Node:
    if a.rows != a.cols:
        raise BlockError(f"tr() needs a square matrix, not a {shape_text(a.shape)} value")
    if a.is_scalar:
        return a
    if isinstance(a, (Identity, Ones)):
        return size_value(a.rows)
    if isinstance(a, Zero):
        return ZERO_N
    if isinstance(a, Mul) and len(a.matrices) > 1 and isinstance(a.matrices[-1], Ones) and a.matrices[-1].is_matrix:
        # tr(M 𝟏𝟏ᵀ) = 𝟏ᵀ M 𝟏: rotate the ones into a sum
        scalar, _ = matrix_part(a)
        last = a.matrices[-1]
        column, row = Ones((last.rows, ONE)), Ones((ONE, last.cols))
        return mul(scalar, row, *a.matrices[:-1], column)
    if isinstance(a, Diag):
        return total(a.args[0])
    if isinstance(a, Transpose):
        return trace(a.args[0])
    if isinstance(a, Add):
        return add(*(trace(t) for t in a.args))
    scalar, rest = matrix_part(a)
    if not is_number(scalar, 1):
        return mul(scalar, trace(rest))
    if isinstance(a, Mul) and a.matrices[0].is_column:
        # tr(x yᵀ …) = yᵀ … x: rotate so the product is a scalar
        matrices = a.matrices
        return mul(*matrices[1:], matrices[0])
    return Trace((a,), (), SCALAR)


def size_value(dim: Dim) -> Node:
    """A size as a number; a product of sizes (N n) as the product of each, so that its powers collect."""
    if dim.value is not None:
        return number(dim.value)
    if dim.coeff == 1 and len(dim.names) == 1:
        return SizeValue(dim)
    return mul(number(dim.coeff), *(SizeValue(Dim(1, (name,))) for name in dim.names))


def det(a: Node) -> Node:
    if a.rows != a.cols:
        raise BlockError(f"det() needs a square matrix, not a {shape_text(a.shape)} value")
    if a.is_scalar:
        return a
    if isinstance(a, Identity):
        return ONE_N
    if isinstance(a, Transpose):
        return det(a.args[0])
    return Det((a,), (), SCALAR)


def logdet(a: Node) -> Node:
    if a.rows != a.cols:
        raise BlockError(f"logdet() needs a square matrix, not a {shape_text(a.shape)} value")
    if a.is_scalar:
        return apply("log", a)
    if isinstance(a, Identity):
        return ZERO_N
    if isinstance(a, Transpose):
        return logdet(a.args[0])
    return LogDet((a,), (), SCALAR)


def inverse(a: Node) -> Node:
    if a.rows != a.cols:
        raise BlockError(f"inv() needs a square matrix, not a {shape_text(a.shape)} value")
    if a.is_scalar:
        return power(a, MINUS_ONE)
    if isinstance(a, Inverse):
        return a.args[0]
    if isinstance(a, Identity):
        return a
    if isinstance(a, Transpose):
        return transpose(inverse(a.args[0]))
    if isinstance(a, Diag):
        return diag(power(a.args[0], MINUS_ONE))
    scalar, rest = matrix_part(a)
    if not is_number(scalar, 1):
        return mul(power(scalar, MINUS_ONE), inverse(rest))
    return Inverse((a,), (), a.shape)


def diag(v: Node) -> Node:
    """diag(v): the square matrix with the vector v on its diagonal."""
    if v.is_scalar:
        return v
    if not v.is_column:
        raise BlockError(f"diag() takes a column vector, not a {shape_text(v.shape)} value")
    if isinstance(v, Ones):
        return identity(v.rows)
    if isinstance(v, Zero):
        return Zero((v.rows, v.rows))
    scalar, rest = matrix_part(v)
    if not is_number(scalar, 1):
        return mul(scalar, diag(rest))
    return Diag((v,), (), (v.rows, v.rows))


def diag_part(a: Node) -> Node:
    if isinstance(a, Diag):
        return a.args[0]
    if isinstance(a, Identity):
        return Ones((a.rows, ONE))
    if isinstance(a, Zero):
        return Zero((a.rows, ONE))
    if isinstance(a, Add):
        return add(*(diag_part(t) for t in a.args))
    scalar, rest = matrix_part(a)
    if not is_number(scalar, 1):
        return mul(scalar, diag_part(rest))
    if isinstance(a, Mul) and len(a.matrices) == 2 and a.matrices[0].is_column and a.matrices[1].is_row:
        return hadamard(a.matrices[0], transpose(a.matrices[1]))
    if isinstance(a, Transpose):
        return diag_part(a.args[0])
    return DiagPart((a,), (), (a.rows, ONE))


def norm(a: Node, p: int = 2) -> Node:
    if a.is_scalar:
        return apply("abs", a)
    if isinstance(a, Zero):
        return ZERO_N
    scalar, rest = matrix_part(a)
    if not is_number(scalar, 1):
        return mul(apply("abs", scalar), norm(rest, p))
    if isinstance(a, Transpose) and p == 2:
        return norm(a.args[0], p)
    return Norm((a,), (p,), SCALAR)


def softmax(z: Node) -> Node:
    """softmax of a column; of a matrix, of each of its rows."""
    if z.is_scalar:
        return ONE_N
    if z.is_row:
        raise BlockError(f"softmax() takes a column vector or a matrix, not a {shape_text(z.shape)} value")
    return Softmax((z,), (), z.shape)


def inner(a: Node, b: Node) -> Node:
    """The dot product a · b of two vectors of one length."""
    if not (a.is_column and b.is_column and a.shape == b.shape):
        raise BlockError(
            f"the dot product needs two vectors of one length, not {shape_text(a.shape)} and {shape_text(b.shape)}"
        )
    if is_zero(a) or is_zero(b):
        return ZERO_N
    if isinstance(a, Ones):
        return total(b)
    if isinstance(b, Ones):
        return total(a)
    return Inner((a, b), (), SCALAR)


def kron(a: Node, b: Node) -> Node:
    if a.is_scalar or b.is_scalar:
        return mul(a, b)
    if isinstance(a, Identity) and isinstance(b, Identity):
        return identity(a.rows * b.rows)
    if is_zero(a) or is_zero(b):
        return Zero((a.rows * b.rows, a.cols * b.cols))
    return Kron((a, b), (), (a.rows * b.rows, a.cols * b.cols))


def commutation(m: Dim, n: Dim) -> Node:
    """K_{m,n}, with K vec(A) = vec(Aᵀ) for an m × n matrix A; the identity when A is a vector."""
    if m.is_one or n.is_one:
        return identity(m * n)
    from .nodes import Commutation

    return Commutation(m, n)


def vec(a: Node) -> Node:
    if a.cols.is_one:
        return a
    if isinstance(a, (Zero, Ones)):
        return type(a)((a.rows * a.cols, ONE))
    if isinstance(a, Mul) and len(a.matrices) == 2 and a.matrices[0].is_column and a.matrices[1].is_row:
        # vec(u vᵀ) = v ⊗ u
        scalar, _ = matrix_part(a)
        u, v = a.matrices
        return mul(scalar, kron(transpose(v), u))
    return Vec((a,), (), (a.rows * a.cols, ONE))


def cases(condition: Node, active: Node) -> Node:
    """0 where ``condition`` ≤ 0, ``active`` where it is > 0."""
    from .nodes import Cases

    if is_zero(active):
        return active
    if isinstance(condition, Number):
        return active if condition.value > 0 else zero(active.shape)
    return Cases((condition, active), (), active.shape)


def stack(blocks: list[Node], axis: str) -> Node:
    """Blocks one under another (``axis="rows"``) or side by side (``"cols"``)."""
    if len(blocks) == 1:
        return blocks[0]
    if axis == "rows":
        cols = blocks[0].cols
        if any(b.cols != cols for b in blocks):
            raise BlockError("blocks stacked in rows need the same number of columns")
        rows = blocks[0].rows
        for b in blocks[1:]:
            rows = _add_dims(rows, b.rows)
        shape = (rows, cols)
    else:
        rows = blocks[0].rows
        if any(b.rows != rows for b in blocks):
            raise BlockError("blocks side by side need the same number of rows")
        cols = blocks[0].cols
        for b in blocks[1:]:
            cols = _add_dims(cols, b.cols)
        shape = (rows, cols)
    return Stack(tuple(blocks), (axis,), shape)


def _add_dims(a: Dim, b: Dim) -> Dim:
    if a.value is not None and b.value is not None:
        return Dim(a.value + b.value)
    if a.names == b.names:
        return Dim(a.coeff + b.coeff, a.names)
    raise BlockError("cannot stack blocks of different symbolic sizes")
