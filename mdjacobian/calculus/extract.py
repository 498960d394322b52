"""Reading a derivative off a differential: df = J dx, df = tr(Gᵀ dX), vec(df) = J vec(dX).

Three readings, by what is differentiated with respect to what:

* :func:`jacobian` (a scalar or vector function of a scalar or vector): push dx to the right until
  df = J dx, so ∂(W x + b)/∂x = W and ∂(xᵀ A x)/∂x = xᵀA + xᵀAᵀ come out in matrix notation;
* :func:`gradient` (a scalar function of anything): pass the sensitivity ("cotangent") down the
  differential, so ∂‖W x − y‖²/∂W = 2 (W x − y) xᵀ comes out shaped like W;
* :func:`vec_jacobian` (a vector function of a matrix): Kronecker products under the vec
  convention, ∂(W x)/∂vec(W) = xᵀ ⊗ I.

Each raises :class:`~mdjacobian.calculus.differential.NoMatrixForm` where no such form exists.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import algebra as al
from .build import rebuild
from .differential import NoMatrixForm, _inner_product, differential
from .nodes import (
    ONE,
    Add,
    Diag,
    DiagPart,
    Differential,
    Hadamard,
    Inner,
    Mul,
    Node,
    Ones,
    Stack,
    Sum,
    Trace,
    Transpose,
    Var,
)


class Linear:
    """Which subexpressions of a differential contain the direction dX."""

    def __init__(self, dx: Differential) -> None:
        self.dx = dx
        # By identity, for speed; each entry keeps its node alive, so that no later node can be
        # given a freed node's id and inherit its answer.
        self.memo: dict[int, tuple[Node, bool]] = {}

    def __call__(self, node: Node) -> bool:
        key = id(node)
        if key not in self.memo:
            self.memo[key] = (node, node == self.dx or any(self(a) for a in node.args))
        return self.memo[key][1]

    def split(self, node: Mul) -> tuple[list[Node], Node, list[Node]]:
        """A product's factors before the one factor that holds dX, that factor, and those after."""
        found = [i for i, a in enumerate(node.args) if self(a)]
        if len(found) != 1:
            raise NoMatrixForm("the differential is not linear")
        i = found[0]
        return list(node.args[:i]), node.args[i], list(node.args[i + 1 :])


def replace(node: Node, old: Node, new: Node) -> Node:
    """``node`` with every ``old`` replaced by ``new``, simplified."""
    return substitute(node, {old: new})


def substitute(node: Node, mapping: Mapping[Node, Node]) -> Node:
    """``node`` with every part that is a key of ``mapping`` replaced by its value, simplified."""
    memo: dict[int, Node] = {}

    def go(n: Node) -> Node:
        if n in mapping:
            return mapping[n]
        if not n.args:
            return n
        if id(n) not in memo:
            args = tuple(go(a) for a in n.args)
            memo[id(n)] = n if all(a is b for a, b in zip(args, n.args)) else rebuild(n, args)
        return memo[id(n)]

    return go(node)


def _product(factors: list[Node]) -> Node | None:
    return al.mul(*factors) if factors else None


def jacobian(df: Node, dx: Differential) -> Node:
    """J with df = J dx, for df a scalar or a column and dx a column: (rows of df) × (rows of dx)."""
    linear = Linear(dx)
    n = dx.rows

    def jac(L: Node) -> Node:
        if not linear(L):
            return al.zero((L.rows, n))
        if L == dx:
            return al.identity(n)
        if isinstance(L, Add):
            return al.add(*(jac(t) for t in L.args if linear(t)))
        if isinstance(L, Mul):
            before, factor, after = linear.split(L)
            if factor.is_scalar:
                return al.mul(al.mul(*before, *after), jac(factor))
            if factor.is_column:
                if after and al.mul(*before, factor).is_scalar:
                    # (b·dx) times what follows, a scalar expanded over a column: that column, times b
                    return al.mul(al.mul(*after), al.mul(*before), jac(factor))
                if after:  # a column times what follows is a column: what follows is a scalar
                    return al.mul(*before, al.mul(*after), jac(factor))
                return al.mul(*before, jac(factor))
            if factor.is_row:
                # factor · after is a scalar: write it as afterᵀ factorᵀ, whose linear factor is a column
                rest = al.mul(*after)
                return al.mul(*before, jac(al.mul(al.transpose(rest), al.transpose(factor))))
            return al.mul(*before, jac(_times_column(factor, al.mul(*after))))
        if isinstance(L, Hadamard):
            others = [a for a in L.args if not linear(a)]
            (factor,) = [a for a in L.args if linear(a)]
            return al.mul(al.diag(al.hadamard(*others)), jac(factor))
        if isinstance(L, Transpose):
            inner = L.args[0]
            if isinstance(inner, Add):
                return jac(al.add(*(al.transpose(t) for t in inner.args)))
            raise NoMatrixForm("a transposed differential")
        if isinstance(L, Sum):
            (a,) = L.args
            if a.is_column:
                return al.mul(Ones((ONE, a.rows)), jac(a))
            if a.is_row:  # sum(r) = 𝟏ᵀ rᵀ (as r 𝟏 it would be read back as sum(r))
                return al.mul(Ones((ONE, a.cols)), jac(al.transpose(a)))
            return jac(al.mul(Ones((ONE, a.rows)), a, Ones((a.cols, ONE))))
        if isinstance(L, Trace):
            return jac(_trace_as_product(L.args[0], linear))
        if isinstance(L, Inner):
            a, b = L.args
            if linear(a):
                a, b = b, a
            return al.mul(al.transpose(a), jac(b))
        if isinstance(L, Stack) and L.axis == "rows":
            return al.stack([jac(item) for item in L.args], "rows")
        if isinstance(L, DiagPart):
            return jac_diagonal(L.args[0])
        raise NoMatrixForm(f"cannot read a Jacobian off {type(L).__name__}")

    def jac_diagonal(M: Node) -> Node:
        """The Jacobian of diag(M), the diagonal of a square matrix M that holds dx."""
        if isinstance(M, Add):
            return al.add(*(jac_diagonal(t) for t in M.args if linear(t)))
        if isinstance(M, Transpose):
            return jac_diagonal(M.args[0])
        if isinstance(M, Hadamard):
            others = [a for a in M.args if not linear(a)]
            (factor,) = [a for a in M.args if linear(a)]
            return al.mul(al.diag(al.diag_part(al.hadamard(*others))), jac_diagonal(factor))
        if isinstance(M, Mul):
            before, factor, after = linear.split(M)
            scalars = [a for a in before + after if a.is_scalar]
            left = [a for a in before if not a.is_scalar]
            right = [a for a in after if not a.is_scalar]
            p = al.mul(*left) if left else al.identity(factor.rows)
            q = al.mul(*right) if right else al.identity(factor.cols)
            if isinstance(factor, Diag):  # diag(P diag(l) Q) = (P ⊙ Qᵀ) l
                return al.mul(*scalars, al.hadamard(p, al.transpose(q)), jac(factor.args[0]))
            if factor.is_column and right:  # diag(P c r) = (P c) ⊙ rᵀ
                return al.mul(*scalars, al.diag(al.transpose(q)), jac(al.mul(p, factor)))
            if factor.is_row and left:  # diag(p r Q) = p ⊙ (r Q)ᵀ
                return al.mul(*scalars, al.diag(p), jac(al.transpose(al.mul(factor, q))))
        raise NoMatrixForm("the diagonal of a matrix differential")

    return jac(df)


def _times_column(factor: Node, column: Node) -> Node:
    """``factor · column`` for a matrix ``factor`` that holds dx, rewritten so dx is a column."""
    if isinstance(factor, Diag):
        return al.hadamard(column, factor.args[0])
    if isinstance(factor, Add):
        return al.add(*(al.mul(t, column) for t in factor.args))
    raise NoMatrixForm("a matrix differential times a vector")


def _trace_as_product(inside: Node, linear: Linear) -> Node:
    """tr(M) for an M that holds dx, as an equal scalar product: tr(A diag(dx)) = diag(A)ᵀ dx."""
    if isinstance(inside, Add):
        return al.add(*(_trace_as_product(t, linear) for t in inside.args))
    if isinstance(inside, Diag):
        return al.total(inside.args[0])
    if isinstance(inside, Mul):
        before, factor, after = linear.split(inside)
        rotated = after + before  # tr(P F S) = tr(S P F)
        rest = al.mul(*rotated) if rotated else None
        if isinstance(factor, Diag):
            return al.mul(al.transpose(al.diag_part(rest)), factor.args[0]) if rest is not None else al.total(factor.args[0])
        if factor.is_column and rest is not None:
            return al.mul(rest, factor)
        if factor.is_row and rest is not None:
            return al.mul(factor, rest)
    raise NoMatrixForm("the trace of a matrix differential")


def gradient(df: Node, dx: Differential, seed: Node = al.ONE_N) -> Node:
    """G shaped like X with df = tr(Gᵀ dX) (= gᵀ dx for a vector), for a scalar df.

    With a ``seed`` S shaped like df (any shape), G is the gradient of tr(Sᵀ df): the vector-Jacobian
    product backpropagation computes, S pulled back through the linear map dX ↦ df."""
    linear = Linear(dx)
    parts: list[Node] = []

    def push(node: Node, sensitivity: Node) -> None:
        if not linear(node):
            return
        if node == dx:
            parts.append(sensitivity)
            return
        if isinstance(node, Add):
            for term in node.args:
                push(term, sensitivity)
            return
        if isinstance(node, Mul):
            before, factor, after = linear.split(node)
            if factor.is_scalar and not node.is_scalar:
                # a scalar that holds dX, times a constant array M: its sensitivity is ⟨C, M⟩
                others = [a for a in before + after if a.is_scalar]
                arrays = [a for a in before + after if not a.is_scalar]
                push(factor, al.mul(*others, _inner_product(sensitivity, al.mul(*arrays))))
                return
            left = al.transpose(al.mul(*before)) if before else None
            right = al.transpose(al.mul(*after)) if after else None
            push(factor, al.mul(*(p for p in (left, sensitivity, right) if p is not None)))
            return
        if isinstance(node, Transpose):
            push(node.args[0], al.transpose(sensitivity))
            return
        if isinstance(node, Hadamard):
            others = [a for a in node.args if not linear(a)]
            (factor,) = [a for a in node.args if linear(a)]
            push(factor, al.hadamard(*others, sensitivity))
            return
        if isinstance(node, Trace):
            push(node.args[0], al.mul(sensitivity, al.identity(node.args[0].rows)))
            return
        if isinstance(node, Sum):
            push(node.args[0], al.mul(sensitivity, Ones(node.args[0].shape)))
            return
        if isinstance(node, Diag):
            push(node.args[0], al.diag_part(sensitivity))
            return
        if isinstance(node, DiagPart):
            push(node.args[0], al.diag(sensitivity))
            return
        if isinstance(node, Inner):
            a, b = node.args
            if linear(a):
                a, b = b, a
            push(b, al.mul(sensitivity, a))
            return
        raise NoMatrixForm(f"cannot read a gradient off {type(node).__name__}")

    push(df, seed)
    return al.add(*parts) if parts else al.zero(dx.shape)


def vec_jacobian(df: Node, dx: Differential) -> Node:
    """J with vec(df) = J vec(dX), for a column df and a matrix X (r × s): p × rs, in Kronecker products."""
    linear = Linear(dx)
    r, s = dx.shape

    def jac(L: Node) -> Node:
        if not linear(L):
            return al.zero((L.rows, r * s))
        if L.is_scalar:
            return al.transpose(al.vec(gradient(L, dx)))
        if isinstance(L, Add):
            return al.add(*(jac(t) for t in L.args if linear(t)))
        if isinstance(L, Mul):
            before, factor, after = linear.split(L)
            if factor.is_scalar:
                return al.mul(al.mul(*before, *after), al.transpose(al.vec(gradient(factor, dx))))
            if factor.is_column:
                if after and al.mul(*before, factor).is_scalar:
                    # (b·dx) times what follows, a scalar expanded over a column: that column, times b
                    return al.mul(al.mul(*after), al.mul(*before), jac(factor))
                if after:  # a column times what follows is a column: what follows is a scalar
                    return al.mul(*before, al.mul(*after), jac(factor))
                return al.mul(*before, jac(factor))
            if factor.is_row:
                rest = al.mul(*after)
                return al.mul(*before, jac(al.mul(al.transpose(rest), al.transpose(factor))))
            rest = al.mul(*after)
            if factor == dx:
                return al.mul(*before, al.kron(al.transpose(rest), al.identity(r)))
            if isinstance(factor, Transpose) and factor.args[0] == dx:
                return al.mul(*before, al.kron(al.identity(s), al.transpose(rest)))
            if isinstance(factor, Diag):
                return al.mul(*before, al.diag(rest), jac(factor.args[0]))
            if isinstance(factor, Add):
                return al.add(*(jac(al.mul(*before, t, rest)) for t in factor.args if linear(t)))
            raise NoMatrixForm("a matrix differential inside a product")
        if isinstance(L, Hadamard):
            others = [a for a in L.args if not linear(a)]
            (factor,) = [a for a in L.args if linear(a)]
            return al.mul(al.diag(al.hadamard(*others)), jac(factor))
        if isinstance(L, Stack) and L.axis == "rows":
            return al.stack([jac(item) for item in L.args], "rows")
        raise NoMatrixForm(f"cannot read a Jacobian off {type(L).__name__}")

    return jac(df)


def vec_read(df: Node, dx: Differential) -> Node:
    """J with vec(df) = J vec(dX), for any df (a matrix above all) and a vector or matrix X.

    The rules of the vec convention: vec(A L B) = (Bᵀ ⊗ A) vec(L), vec(C ⊙ L) = diag(vec C) vec(L),
    vec(Lᵀ) = K vec(L) with the commutation matrix K, vec(M s) = vec(M) ∂s for a scalar s.
    """
    linear = Linear(dx)
    size = dx.rows * dx.cols

    def jac(L: Node) -> Node:
        if not linear(L):
            return al.zero((L.rows * L.cols, size))
        if L == dx:
            return al.identity(size)
        if L.is_scalar:
            return al.transpose(al.vec(gradient(L, dx)))
        if isinstance(L, Add):
            return al.add(*(jac(t) for t in L.args if linear(t)))
        if isinstance(L, Transpose):
            inner = L.args[0]
            return al.mul(al.commutation(inner.rows, inner.cols), jac(inner))
        if isinstance(L, Mul):
            before, factor, after = linear.split(L)
            scalars = [a for a in before + after if a.is_scalar]
            left = [a for a in before if not a.is_scalar]
            right = [a for a in after if not a.is_scalar]
            if factor.is_scalar:
                # a constant array M times a scalar that holds dX: vec(M) times that scalar's derivative
                return al.mul(*scalars, al.vec(al.mul(*left, *right)), jac(factor))
            a = al.mul(*left) if left else al.identity(factor.rows)
            b = al.mul(*right) if right else al.identity(factor.cols)
            return al.mul(*scalars, al.kron(al.transpose(b), a), jac(factor))
        if isinstance(L, Hadamard):
            others = [a for a in L.args if not linear(a)]
            (factor,) = [a for a in L.args if linear(a)]
            return al.mul(al.diag(al.vec(al.hadamard(*others))), jac(factor))
        if isinstance(L, Stack) and L.axis == "rows" and L.cols.is_one:
            return al.stack([jac(item) for item in L.args], "rows")
        raise NoMatrixForm(f"no Kronecker form for vec of {type(L).__name__}")

    return jac(df)


def derivative(function: Node, variable: Var, definitions: dict[str, Node] | None = None) -> Node:
    """∂function/∂variable in numerator layout, in matrix notation.

    A scalar or vector function of a scalar: the derivative, shaped like the function. Of a vector:
    the Jacobian (a row, the gradient's transpose, for a scalar function). A scalar function of a
    matrix: the gradient, shaped like the matrix. A vector function of a matrix: the Jacobian under
    the vec convention.
    """
    df = differential(function, variable, definitions)
    dx = Differential(variable.name, variable.shape)
    return symmetrised(read(df, dx, function.is_scalar), variable, function.is_scalar)


def symmetrised(result: Node, variable: Var, scalar: bool) -> Node:
    """For a symmetric variable S, the one derivative that is itself symmetric in S.

    Only symmetric directions dS exist, so the gradient G is fixed only up to its antisymmetric part:
    the symmetric gradient is (G + Gᵀ)/2, and a Jacobian under the vec convention J (I + K)/2.
    """
    if not variable.symmetric:
        return result
    if scalar:
        return al.mul(al.HALF, al.add(result, al.transpose(result)))
    side = variable.rows
    symmetriser = al.mul(al.HALF, al.add(al.identity(side * side), al.commutation(side, side)))
    return al.mul(result, symmetriser)


def read(df: Node, dx: Differential, scalar: bool) -> Node:
    """The derivative in ``df``; see :func:`derivative`."""
    if dx.is_scalar:
        return replace(df, dx, al.ONE_N)
    if scalar:
        return al.transpose(gradient(df, dx)) if dx.is_column else gradient(df, dx)
    if not df.cols.is_one:  # a matrix-valued function: the vec convention
        return vec_read(df, dx)
    if dx.is_column:
        try:
            return jacobian(df, dx)
        except NoMatrixForm:
            return vec_read(df, dx)
    try:
        return vec_jacobian(df, dx)
    except NoMatrixForm:
        return vec_read(df, dx)


def hessian(function: Node, variable: Var, definitions: dict[str, Node] | None = None) -> Node:
    """∂²f/∂x² of a scalar function: the matrix of second derivatives (a scalar for a scalar x)."""
    first = derivative(function, variable, definitions)
    if variable.is_scalar:
        return derivative(first, variable, definitions)
    if variable.is_matrix:  # the Hessian with respect to vec(W): the Jacobian of vec of the gradient
        dg = differential(first, variable, definitions)
        return symmetrised(vec_read(dg, Differential(variable.name, variable.shape)), variable, False)
    column = al.transpose(first)
    dg = differential(column, variable, definitions)
    return jacobian(dg, Differential(variable.name, variable.shape))


__all__ = ["derivative", "gradient", "hessian", "jacobian", "read", "replace", "vec_jacobian"]
