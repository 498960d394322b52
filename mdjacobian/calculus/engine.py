"""Block -> Derivation: every derivative the block asks for, in matrix notation and in components,
proven numerically before anything is returned.

At concrete sizes the block gets its component Jacobian from SymPy, and the matrix form beside it
when the block uses vectors or matrices. At symbolic sizes (``R^n``) only the matrix form exists; it
is derived once and proven at several random concrete sizes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..errors import BlockError, LimitError
from ..limits import Limits
from ..model import Block
from . import algebra as al
from . import nodes as n
from .build import Model, build_model, check_size, numeric_value
from .components import Lowering, compile_sympy, diff, entry_name, symbol, variable_value
from .differential import NoMatrixForm, differential
from .extract import derivative as matrix_derivative
from .extract import hessian as matrix_hessian
from .backprop import Line
from .steps import Step
from .claims import Judge, Verdict
from .indices import IndexForm, arranged, index_form
from .numeric import Arr, Numbers
from .needs import Needs, needs_of
from .proof import Claim, Proof, Prover
from .textbook import textbook
from .tidy import tidy


@dataclass(frozen=True)
class Part:
    """One derivative a page shows: of ``outputs`` with respect to ``variable``."""

    outputs: tuple[str, ...]
    variables: tuple[str, ...]
    """The variable (one name), or several for a Hessian in components over all of them."""
    kind: str
    """``derivative``, ``gradient`` (a row), ``column``, ``jacobian``, ``matrix`` (a gradient shaped
    like the matrix), ``vec`` (a vector function of a matrix, under the vec convention) or ``hessian``."""
    form: n.Node | None
    """The derivative in matrix notation, in the block's layout; None where it has none."""
    components: sp.ImmutableMatrix | None = None
    """At concrete sizes: the derivative entry by entry, in the block's layout."""
    differential: n.Node | None = None
    """df, linear in dX: shown by ``show: full`` at symbolic sizes."""
    reason: str = ""
    """Why there is no matrix form, when there is none."""
    shows_form: bool = False
    """Whether the page prints ``form``: the proof covers exactly what is printed."""
    index: IndexForm | None = None
    """At symbolic sizes, where there is no matrix form: the derivative in index notation, shown instead."""

    @property
    def variable(self) -> str:
        return ", ".join(self.variables)

    @property
    def shape(self) -> tuple[n.Dim, n.Dim] | None:
        return self.form.shape if self.form is not None else None


@dataclass(frozen=True)
class Derivation:
    """What the calculus hands to the renderers: the block, its model, and what to show."""

    block: Block
    model: Model
    parts: tuple[Part, ...]
    proof: Proof
    matrix: sp.ImmutableMatrix | None = None
    """At concrete sizes, when every variable is a scalar or a vector: the whole Jacobian, in layout."""
    value: sp.ImmutableMatrix | None = None
    """``matrix`` (or the one part's components) at the ``at:`` point."""
    functions: tuple[sp.Expr, ...] = ()
    names: tuple[str, ...] = ()
    variables: tuple[sp.Symbol, ...] = ()
    chain: Any = None
    where: tuple[tuple[str, n.Node], ...] = ()
    """The intermediates the shown forms are written in (``names: keep``), with their definitions, in order."""
    verdict: Verdict | None = None
    """What became of the block's ``claim:``, when it has one."""
    backprop: tuple[Line, ...] = ()
    """``show: backprop``: the loss's gradient by each quantity, from the loss back, each line proven."""
    steps: tuple[Step, ...] = ()
    """``show: steps``: the differential worked out one rule per line, then the derivative read off it."""

    @property
    def symbolic(self) -> bool:
        return bool(self.block.sizes)

    def claim_warning(self) -> BlockError | None:
        """A refuted or unchecked ``claim:``, as the warning a host reports on the claim's line; else None."""
        from ..errors import Refuted, Unchecked

        verdict = self.verdict
        if verdict is None or verdict.status == "proven":
            return None
        warning: BlockError = Refuted(verdict.note) if verdict.status == "refuted" else Unchecked(verdict.note)
        for key, line, text in self.block.option_lines:
            if key == "claim":
                return warning.at(line, text)
        return warning

    @property
    def layout(self) -> str:
        return self.block.options.layout


def _kind(function: n.Node, variable: n.Var, hessian: bool) -> str:
    if hessian:
        return "derivative" if variable.is_scalar else "hessian"
    if not (function.is_scalar or function.is_column):  # a matrix-valued function
        return "derivative" if variable.is_scalar else "vec"
    if variable.is_matrix:
        return "matrix" if function.is_scalar else "vec"
    if function.is_scalar:
        return "derivative" if variable.is_scalar else "gradient"
    return "column" if variable.is_scalar else "jacobian"


def _in_layout(node: n.Node | None, kind: str, layout: str) -> n.Node | None:
    if node is None or layout == "numerator" or kind in ("matrix", "hessian", "derivative"):
        return node
    return al.transpose(node)


def _seed(block: Block) -> int:
    return zlib.crc32(repr((block.source, sorted(vars(block.options).items()))).encode())


class Engine:
    """Derives, in components and matrix notation, and proves everything one block shows."""

    def __init__(self, block: Block, limits: Limits) -> None:
        self.block = block
        self.limits = limits
        self.model = build_model(block, limits)
        if not block.wrt:
            raise BlockError(
                "there is no variable to differentiate with respect to; add a line such as 'wrt: x'", kind="variables"
            )
        self.hessian = block.options.derivative == "hessian"
        self.layout = block.options.layout
        self.claims: list[Claim] = []

    # -- the functions ------------------------------------------------------------------------------
    @property
    def named(self) -> bool:
        """Whether forms are written in the block's intermediates (``names: keep``) rather than expanded."""
        return self.block.options.names == "keep" and bool(self.block.intermediates) and self.block.options.show != "chain"

    def in_names(self, function: n.Node) -> n.Node:
        """The function as the author wrote it: its outputs by name, their definitions followed when differentiating."""
        if not self.named:
            return function
        outputs = [self.model.symbols[name] for name in self.model.outputs]
        return outputs[0] if len(outputs) == 1 else al.stack(outputs, "rows")

    def function(self) -> n.Node:
        """The block's outputs as one function: a scalar, a column, or several stacked."""
        outputs = [self.model.output(name) for name in self.model.outputs]
        for name, node in zip(self.model.outputs, outputs):
            try:
                check_size(node, self.limits)
            except BlockError as exc:
                raise self.block.locate_name(exc, name) from None
        count = sum((o.rows.value or 0) * (o.cols.value or 0) for o in outputs)
        if count > self.limits.max_functions:
            raise LimitError(f"more than {self.limits.max_functions} functions in one block", limit="max_functions")
        if len(outputs) == 1:
            return outputs[0]
        for name, node in zip(self.model.outputs, outputs):
            if not (node.is_scalar or node.is_column):
                raise self.block.locate_name(
                    BlockError(
                        f"'{name}' is a matrix: a block differentiates one matrix-valued function at a time "
                        "(use the other functions as intermediates, or write them in another block)"
                    ),
                    name,
                )
        if any(not o.rows.value for o in outputs):
            raise BlockError(
                "several functions at a symbolic size: write one block per function, "
                "or stack them into one vector"
            )
        return al.stack(outputs, "rows")

    # -- matrix forms ---------------------------------------------------------------------------------
    def form(self, function: n.Node, variable: n.Var) -> tuple[n.Node | None, str]:
        definitions = self.model.definitions if self.named else None
        function = self.in_names(function)
        try:
            with al.number_limit(self.limits.max_number_digits, self.limits.max_exponent):
                if self.hessian:
                    raw = matrix_hessian(function, variable, definitions)
                else:
                    raw = matrix_derivative(function, variable, definitions)
                shown = tidy(raw, function, definitions.values() if definitions else ())
                return check_size(textbook(shown, definitions), self.limits), ""
        except NoMatrixForm as exc:
            return None, str(exc)
        except LimitError:
            raise
        except BlockError as exc:
            # The block's expressions were shape-checked as they were built: a product that does not
            # chain here is one the rules cannot write in matrix notation yet.
            return None, f"the rules cannot write this product in matrix notation: {exc.reason}"

    def index(self, function: n.Node, variable: n.Var) -> tuple[IndexForm | None, str]:
        """The derivative in index notation, for a part without a matrix form (at symbolic sizes)."""
        definitions = self.model.definitions if self.named else None
        function = self.in_names(function)
        try:
            with al.number_limit(self.limits.max_number_digits, self.limits.max_exponent):
                if self.hessian:  # the Jacobian of the gradient, read entry by entry
                    first = matrix_derivative(function, variable, definitions)
                    function = al.transpose(first) if variable.is_column else first
                df = differential(function, variable, definitions)
                dx = n.Differential(variable.name, variable.shape)
                form = index_form(df, dx, function.shape, variable.symmetric)
                for node in form.nodes():
                    check_size(node, self.limits)
                return form, ""
        except LimitError:
            raise
        except (NoMatrixForm, BlockError) as exc:
            return None, str(exc)

    def parts(self, function: n.Node) -> list[Part]:
        wrt = self.model.wrt
        if self.hessian and len(wrt) > 1:
            if self.block.sizes or any(not v.is_scalar for v in wrt):
                raise self.block.locate(
                    BlockError("derivative: hessian takes one variable (a scalar or a vector) at a time: set wrt"),
                    "derivative",
                )
            return [Part(self.model.outputs, tuple(v.name for v in wrt), "hessian", None, reason="several variables")]
        parts = []
        forms = bool(self.block.sizes) or any(not d.is_scalar for d in self.block.declarations)
        for variable in wrt:
            kind = _kind(function, variable, self.hessian)
            form, reason = self.form(function, variable) if forms else (None, "a block of scalars")
            index = None
            if form is None and self.block.sizes:
                index, why = self.index(function, variable)
                if index is None and why != reason:
                    reason = f"{reason}; in index notation, {why}"
            delta = None
            if self.block.options.show == "full" and self.block.sizes and not self.hessian:
                delta = differential(function, variable)
            parts.append(
                Part(
                    self.model.outputs,
                    (variable.name,),
                    kind,
                    _in_layout(form, kind, self.layout),
                    differential=delta,
                    reason=reason,
                    index=index,
                )
            )
        return parts

    # -- components (concrete sizes) ------------------------------------------------------------------
    def components(self, function: n.Node, parts: list[Part]) -> tuple[list[Part], dict[str, Any]]:
        lowering = Lowering({}, self.model.definitions, self.limits.max_number_digits)
        with al.number_limit(self.limits.max_number_digits, self.limits.max_exponent):
            value = lowering(function)
        if isinstance(value, sp.MatrixBase):  # vec(F) for a matrix: its entries column by column
            functions = [value[i, j] for j in range(value.cols) for i in range(value.rows)]
        else:
            functions = [value]
        names = self._names()
        groups = []
        for variable in self.model.wrt:
            sym = variable_value(variable.name, variable.rows.value, variable.cols.value, variable.symmetric)  # type: ignore[arg-type]
            groups.append(sym)
        out: list[Part] = []
        numerator = []
        if self.hessian and len(groups) > 1:
            groups_for_parts = [sp.ImmutableMatrix(groups)]
        else:
            groups_for_parts = groups
        for part, sym in zip(parts, groups_for_parts):
            matrix = self._component_matrix(functions, sym)
            numerator.append(matrix)
            if part.kind == "derivative" and isinstance(value, sp.MatrixBase) and value.cols > 1:
                # dF/dt of a matrix F, shaped like F: the column of vec(F)'s derivatives, put back
                matrix = sp.ImmutableMatrix(value.rows, value.cols, lambda i, j: matrix[i + value.rows * j, 0])
            out.append(_with_components(part, matrix, self.layout))
        return out, {"functions": tuple(functions), "names": names, "groups": groups, "numerator": numerator}

    def _names(self) -> tuple[str, ...]:
        names = []
        for name in self.model.outputs:
            node = self.model.symbols[name]
            if node.is_scalar:
                names.append(name)
            elif not node.cols.is_one:
                rows, cols = node.rows.value, node.cols.value
                names.extend(entry_name(name, i, j) for j in range(1, cols + 1) for i in range(1, rows + 1))  # type: ignore[operator]
            else:
                names.extend(f"{name}{i}" for i in range(1, node.rows.value + 1))  # type: ignore[operator]
        return tuple(names)

    def _component_matrix(self, functions: list[sp.Expr], sym: Any) -> sp.ImmutableMatrix:
        """The part's components in numerator layout (shaped like a matrix variable for a scalar function).

        For a symmetric variable one symbol stands for Sᵢⱼ and Sⱼᵢ, so ∂/∂S12 counts both entries: each
        derivative by an entry off the diagonal is halved, which gives the symmetric gradient (G + Gᵀ)/2,
        the Jacobian J (I + K)/2 and the Hessian P H P (P = (I + K)/2) that the matrix forms are.
        """
        symmetric = isinstance(sym, sp.MatrixBase) and sym.rows == sym.cols > 1 and sym[0, 1] == sym[1, 0]

        def by(f: sp.Expr, *at: tuple[int, int]) -> sp.Expr:
            value = f
            for i, j in at:
                value = diff(value, sym[i, j])
            halves = sum(1 for i, j in at if i != j) if symmetric else 0
            return sp.factor_terms(value / 2**halves) if halves else value

        if isinstance(sym, sp.MatrixBase) and sym.cols > 1:
            where = [(i, j) for j in range(sym.cols) for i in range(sym.rows)]  # vec's order
            if self.hessian:
                (f,) = functions
                return sp.ImmutableMatrix([[by(f, a, b) for b in where] for a in where])
            if len(functions) == 1:
                return sp.ImmutableMatrix(sym.rows, sym.cols, lambda i, j: by(functions[0], (i, j)))
            return sp.ImmutableMatrix([[by(f, a) for a in where] for f in functions])
        entries = list(sym) if isinstance(sym, sp.MatrixBase) else [sym]
        if self.hessian:
            (f,) = functions
            return sp.ImmutableMatrix([[diff(diff(f, a), b) for b in entries] for a in entries])
        return sp.ImmutableMatrix([[diff(f, s) for s in entries] for f in functions])

    # -- the proof ------------------------------------------------------------------------------------
    def backprop(self, function: n.Node) -> list[Line]:
        """The lines of ``show: backprop``, for a scalar loss through the block's intermediates."""
        from .backprop import backprop

        block = self.block
        if len(self.model.outputs) != 1 or not function.is_scalar or not block.intermediates:
            raise block.locate(
                BlockError(
                    "show: backprop needs one scalar loss defined through named intermediates, "
                    "such as z = W x + b, then L = norm(z - y)^2"
                ),
                "show",
            )
        try:
            with al.number_limit(self.limits.max_number_digits, self.limits.max_exponent):
                return backprop(self.model, self.model.outputs[0])
        except NoMatrixForm as exc:
            raise block.locate(BlockError(f"show: backprop has no line in matrix notation here ({exc})"), "show") from None

    def steps(self, function: n.Node, parts: list[Part]) -> list[Step]:
        """The lines of ``show: steps``: the differential, one rule at a time, then the derivative it names."""
        from .steps import steps

        block = self.block
        if len(parts) != 1 or parts[0].form is None or self.hessian:
            raise block.locate(
                BlockError("show: steps derives one first derivative in matrix notation: set wrt to one variable"), "show"
            )
        (part,) = parts
        variable = self.model.symbols[part.variables[0]]
        definitions = self.model.definitions if self.named else {}
        try:
            with al.number_limit(self.limits.max_number_digits, self.limits.max_exponent):
                lines = steps(self.in_names(function), variable, definitions)
        except NoMatrixForm as exc:
            raise block.locate(BlockError(f"show: steps cannot show this derivation ({exc})"), "show") from None
        dx = n.Differential(variable.name, variable.shape)
        numerator = _in_layout(part.form, part.kind, self.layout)  # the layout's transpose undone
        if part.kind == "matrix":
            product = al.mul(al.transpose(numerator), dx)  # tr(Gᵀ dX) as written, not rotated back
            reading, rule = n.Trace((product,), (), n.SCALAR), "the trace's cyclic property: df = tr(Gᵀ dX)"
        elif part.kind == "vec":
            reading, rule = al.mul(numerator, al.vec(dx)), "the vec convention: vec(df) = J vec(dX)"
        else:
            reading, rule = al.mul(numerator, dx), "collecting the terms in the direction"
        return [*lines, Step(reading, rule)]

    def prove(
        self,
        function: n.Node,
        parts: list[Part],
        chain: Any = None,
        matrix: Any = None,
        lines: list[Line] | None = None,
        derivation_steps: list[Step] | None = None,
    ) -> Proof:
        """Prove what the page shows: the forms it prints, the components (the whole matrix at once
        where there is one), the differentials and the chain."""
        if function.has(n.Undefined):
            return Proof(False, reason="abstract functions have no values")
        claims: list[Claim] = []
        defined = self.model.definitions
        order = 2 if self.hessian else 1
        if matrix is not None:
            layout = self.layout if matrix.shape != (1, 1) and not self.hessian else "numerator"
            claims.append(Claim("the Jacobian in components", function, tuple(self.model.wrt), _entries(matrix), layout, order, defined))
        for part in parts:
            variables = tuple(self.model.symbols[v] for v in part.variables)
            layout = "numerator" if part.kind in ("matrix", "hessian", "derivative") else self.layout
            # a matrix-valued function's Jacobian reads its entries column by column, as vec(F)
            of = al.vec(function) if part.kind == "vec" and not function.cols.is_one else function
            if part.shows_form:
                claims.append(Claim(f"∂/∂{part.variable} in matrix notation", of, variables, part.form, layout, order, defined))
            if part.index is not None:
                entries = IndexEntries(part.index, part.kind)
                claims.append(Claim(f"∂/∂{part.variable} in index notation", of, variables, entries, "numerator", order, defined))
            if part.components is not None and matrix is None:
                claims.append(
                    Claim(f"∂/∂{part.variable} in components", of, variables, _entries(part.components), layout, order, defined)
                )
            if part.differential is not None:
                claims.append(Claim(f"d{self.model.outputs[0]}", function, variables, part.differential, "differential", 1, defined))
        if chain is not None:
            claims.extend(self.chain_claims(function, chain))
        if lines:
            from .backprop import claims as backprop_claims

            claims.extend(backprop_claims(self.model, self.model.outputs[0], lines))
        if derivation_steps:
            variables = (self.model.symbols[parts[0].variables[0]],)
            for number, step in enumerate(derivation_steps, start=1):
                claims.append(Claim(f"line {number} of the steps", function, variables, step.form, "differential", 1, defined))
        free = self.model.free() + [self.model.symbols[u] for u in self.block.intermediates]
        nodes = [c.function for c in claims] + [c.derivative for c in claims if isinstance(c.derivative, n.Node)]
        needs = needs_of(nodes).merge(self.needs())
        proof = Prover(claims, free, self.model.sizes, _seed(self.block), constrain=self._constraint(), needs=needs).run()
        if not proof.checked and chain is not None:
            self._chain_applies(claims, free, needs)
        return proof

    def _chain_applies(self, claims: list[Claim], free: list[n.Var], needs: Needs) -> None:
        """Where only the chain's factors, at the intermediates' values, left no point to check, the
        chain rule does not apply: a factor has no value where the intermediates take theirs."""
        (values,) = [c.derivative for c in claims if c.label == CHAIN_AT_VALUES]
        if not values.undefined:
            return
        rest = [c for c in claims if c.label != CHAIN_AT_VALUES]
        prover = Prover(rest, free, self.model.sizes, _seed(self.block), constrain=self._constraint(), needs=needs)
        if not prover.run().checked:
            return
        factor = next(iter(values.undefined))
        raise self.block.locate(
            BlockError(
                f"show: chain does not apply here: the factor {factor} has no value where the intermediates "
                "take the values their lines give them (at every point tried); show the result without the chain"
            ),
            "show",
        )

    def needs(self) -> Needs:
        """What the block's ``assume:`` facts ask of the proof's sizes and points."""
        from .facts import fact_needs

        fixed = frozenset(self._fact(left, right)[0] for left, right in self.block.assumptions)
        try:
            return fact_needs(self.block.facts, self.model, self.limits).merge(Needs(fixed=fixed))
        except BlockError as exc:
            raise self.block.locate(exc, "assume") from None

    def judge(self, function: n.Node, parts: list[Part], matrix: Any) -> Verdict:
        """Prove or refute the block's ``claim:`` against the function, as the result itself was proven."""
        from .build import Builder

        block = self.block
        try:
            if matrix is None and len(parts) != 1:
                names = ", ".join(block.wrt)
                raise BlockError(
                    f"claim: compares your answer with one derivative, and this block takes {len(parts)} "
                    f"(with respect to {names}): add a line such as 'wrt: {block.wrt[0]}'"
                )
            builder = Builder(self.model, self.limits, frozenset(self.model.symbols))
            with al.number_limit(self.limits.max_number_digits, self.limits.max_exponent):
                claimed = builder.build(block.claim)
        except BlockError as exc:
            raise block.locate(exc.of("expressions"), "claim") from None
        if matrix is not None:
            variables = tuple(self.model.wrt)
            truth: Any = _entries(matrix)
            layout = self.layout if matrix.shape != (1, 1) and not self.hessian else "numerator"
            of = function
            shape = (n.Dim(matrix.rows), n.Dim(matrix.cols))
        else:
            (part,) = parts
            variables = tuple(self.model.symbols[v] for v in part.variables)
            layout = "numerator" if part.kind in ("matrix", "hessian", "derivative") else self.layout
            of = al.vec(function) if part.kind == "vec" and not function.cols.is_one else function
            truth = part.form if part.form is not None else _entries(part.components) if part.components is not None else None
            shape = part.form.shape if part.form is not None else (
                (n.Dim(part.components.rows), n.Dim(part.components.cols)) if part.components is not None else None
            )
        judge = Judge(
            of,
            variables,
            truth,
            layout,
            self.model.definitions,
            self.model.free() + [self.model.symbols[u] for u in block.intermediates],
            self.model.sizes,
            _seed(block) ^ 0xC1A1,
            constrain=self._constraint(),
            order=2 if self.hessian else 1,
            needs=needs_of([of, claimed]).merge(self.needs()),
        )
        return judge.judge(claimed, shape)

    def chain_claims(self, function: n.Node, chain: Any) -> list[Claim]:
        """Each factor against its own definition, and the product against the whole function."""
        from .chain import AtValues, product, product_components

        claims = []
        for term in chain.terms:
            for f in term:
                label = f"the factor ∂{f.top}/∂{f.bottom}"
                matrix_var = any(v.is_matrix for v in f.variables)
                layout = "vec" if matrix_var else "numerator"  # every factor is read under vec
                if f.form is not None and not (matrix_var and len(f.variables) > 1):
                    claims.append(Claim(label, f.expr, f.variables, f.form, layout))
                if f.components is not None:
                    claims.append(Claim(label, f.expr, f.variables, _entries(_as_matrix(f.components)), layout))
        wrt = tuple(self.model.wrt)
        layout = "vec" if any(v.is_matrix for v in wrt) else "numerator"
        function = al.vec(function)  # the chain multiplies out to the Jacobian of vec(F) for a matrix F
        values = AtValues(
            tuple(tuple(self._factor_value(f) for f in term) for term in chain.terms),
            tuple(tuple(f"∂{f.top}/∂{f.bottom}" for f in term) for term in chain.terms),
        )
        claims.append(Claim(CHAIN_AT_VALUES, function, wrt, values, layout, definitions=self.model.definitions))
        total = product(chain)
        if total is not None:
            claims.append(Claim("the chain's product", function, wrt, total, layout, definitions=self.model.definitions))
        if chain.terms and all(f.components is not None for term in chain.terms for f in term):
            claims.append(
                Claim(
                    "the chain's product",
                    function,
                    wrt,
                    self._with_intermediates(_entries(_as_matrix(product_components(chain)))),
                    layout,
                    definitions=self.model.definitions,
                )
            )
        return claims

    def _factor_value(self, f: Any) -> Any:
        """A chain factor's value where the intermediates take their defined values (see AtValues)."""
        if f.form is not None:
            form = f.form
            return lambda point, numbers, compiler: compiler(form)(point, numbers, [], {})
        entries = self._with_intermediates(_entries(_as_matrix(f.components)))
        return lambda point, numbers, compiler: entries(point, numbers)

    def _with_intermediates(self, value):  # noqa: ANN001, ANN202
        """A component claim in the intermediates' names, evaluated where they take their defined values."""
        from .numeric import Evaluator

        names = list(self.block.intermediates)

        def evaluate(point: dict[str, Any], numbers: Numbers) -> Any:
            ev = Evaluator(point, {}, self.model.definitions, numbers)  # definitions win over the point's values
            values = dict(point)
            for name in names:
                values[name] = ev(self.model.symbols[name])
            return value(values, numbers)

        return evaluate

    def _constraint(self):  # noqa: ANN202
        """``assume: sum(y) = 1``: random points are moved onto the assumption."""
        facts = []
        for left, right in self.block.assumptions:
            facts.append(self._fact(left, right))
        if not facts:
            return None

        def constrain(values: dict[str, Any], sizes: Any, numbers: Numbers) -> None:
            for name, target in facts:
                v = values[name]
                shift = (numbers.number(target) - sum(v.data, numbers.number(0))) / len(v.data)
                values[name] = Arr(v.rows, v.cols, [x + shift for x in v.data])

        return constrain

    def _fact(self, left: Any, right: Any) -> tuple[str, Any]:
        from ..language import syntax as ast

        value = numeric_value(right, self.limits)
        if not (isinstance(left, ast.Call) and left.name == "sum" and isinstance(left.args[0], ast.Name) and isinstance(value, n.Number)):
            raise self.block.locate(BlockError("assume: an equality must be of the form sum(v) = number"), "assume")
        name = left.args[0].name
        var = self.model.symbols.get(name)
        if var is None or var.is_scalar or name in self.model.definitions:
            raise self.block.locate(BlockError(f"assume: '{name}' must be a declared vector or matrix"), "assume")
        if name in self.block.wrt:
            raise self.block.locate(
                BlockError(f"assume: '{name}' is differentiated with respect to, so it cannot also be held to a fact"), "assume"
            )
        return name, value.value

    def apply_assumptions(self, node: n.Node) -> n.Node:
        from .extract import replace

        for left, right in self.block.assumptions:
            name, target = self._fact(left, right)
            node = replace(node, al.total(self.model.symbols[name]), al.number(target))
        return node


CHAIN_AT_VALUES = "the chain's product of its factors' values, where the intermediates take theirs"


def _with_components(part: Part, matrix: sp.ImmutableMatrix, layout: str) -> Part:
    from dataclasses import replace

    transposed = layout == "denominator" and part.kind not in ("matrix", "hessian", "derivative")
    layout_matrix = matrix.T if transposed else matrix
    return replace(part, components=sp.ImmutableMatrix(layout_matrix))


@dataclass(frozen=True)
class IndexEntries:
    """What a claim on an index form evaluates: the whole derivative at a point, from the entries."""

    form: IndexForm
    kind: str

    def at_point(self, point: dict[str, Any], numbers: Numbers, sizes: Any, compiler: Any) -> Any:
        def value(node: n.Node) -> Any:
            return compiler(node)(point, numbers, [], {})

        rows, cols, entries = arranged(self.form, self.kind, sizes, value, numbers.number(0), numbers.number(1))
        return entries[0] if rows == cols == 1 else Arr(rows, cols, entries)


def _vec_entries(value: sp.MatrixBase) -> list:
    """A vector's entries, or a matrix's column by column, as vec orders them."""
    return [value[i, j] for j in range(value.cols) for i in range(value.rows)]


def _as_matrix(value: Any) -> sp.ImmutableMatrix:
    return value if isinstance(value, sp.MatrixBase) else sp.ImmutableMatrix([[value]])


def _entries(matrix: sp.ImmutableMatrix):  # noqa: ANN202
    """The callable a claim evaluates: the matrix's compiled entries at the point's values."""
    compiled = [compile_sympy(e) for e in matrix]
    rows, cols = matrix.shape

    def value(point: dict[str, Any], numbers: Numbers) -> Any:
        named = _by_entry(point)
        entries = [c(named, numbers, []) for c in compiled]
        return entries[0] if rows == cols == 1 else Arr(rows, cols, entries)

    return value


def _by_entry(point: dict[str, Any]) -> dict[str, Any]:
    """x -> x1, x2, …; W -> W11, …: the point's values under the names of SymPy's symbols."""
    named: dict[str, Any] = {}
    for name, value in point.items():
        if isinstance(value, Arr):
            if value.cols == 1:
                for i, x in enumerate(value.data, start=1):
                    named[entry_name(name, i)] = x
            else:
                for i in range(value.rows):
                    for j in range(value.cols):
                        named[entry_name(name, i + 1, j + 1)] = value.data[i * value.cols + j]
        else:
            named[name] = value
    return named


def derive(block: Block, limits: Limits | None = None) -> Derivation:
    """Compute and prove everything ``block`` shows."""
    limits = limits or Limits()
    engine = Engine(block, limits)
    function = engine.function()
    if engine.hessian and not function.is_scalar:
        raise block.locate(BlockError("derivative: hessian needs a scalar function"), "derivative")
    parts = engine.parts(function)
    if block.assumptions:
        parts = [_replace_form(p, textbook(engine.apply_assumptions(p.form))) if p.form is not None else p for p in parts]
    concrete = None
    if block.sizes:
        missing = [p for p in parts if p.form is None and p.index is None]
        if missing:
            raise block.place(
                BlockError(
                    f"no matrix form for ∂/∂{missing[0].variable} at a symbolic size ({missing[0].reason}); "
                    "declare a concrete size such as R^3 to see it in components"
                )
            )
    else:
        parts, concrete = engine.components(function, parts)
    chain = None
    if block.options.show == "chain":
        from .chain import build_chain

        chain = build_chain(engine)
    matrix = value = None
    variables: tuple[sp.Symbol, ...] = ()
    if concrete is not None:
        groups = concrete["groups"]
        variables = tuple(s for g in groups for s in (list(g) if isinstance(g, sp.MatrixBase) else [g]))
        vectors_only = all(not (isinstance(g, sp.MatrixBase) and g.cols > 1) for g in groups)
        if vectors_only and not engine.hessian and (function.is_scalar or function.is_column):
            whole = sp.ImmutableMatrix(sp.Matrix.hstack(*concrete["numerator"]))
            matrix = whole.T if engine.layout == "denominator" and whole.shape != (1, 1) else whole
        elif engine.hessian:
            matrix = parts[0].components
        if block.point is not None:
            value = _value_at(engine, matrix if matrix is not None else parts[0].components, block, concrete, matrix is not None)
    parts = _mark_shown(parts, matrix is not None)
    lines: list[Line] = []
    if block.options.show == "backprop":
        lines = engine.backprop(function)
    derivation_steps = engine.steps(function, parts) if block.options.show == "steps" else []
    where = _where(engine, parts) if engine.named else ()
    if lines:
        where = tuple((name, engine.model.definitions[name]) for name in block.intermediates if name in engine.model.definitions)
    proof = _placed(engine.prove(function, parts, chain, matrix, lines, derivation_steps), block)
    verdict = engine.judge(function, parts, matrix) if block.claim is not None and proof.checked else None
    return Derivation(
        block=block,
        model=engine.model,
        parts=tuple(parts),
        proof=proof,
        matrix=matrix,
        value=value,
        functions=concrete["functions"] if concrete else (),
        names=concrete["names"] if concrete else (),
        variables=variables,
        chain=chain,
        where=where,
        verdict=verdict,
        backprop=tuple(lines),
        steps=tuple(derivation_steps),
    )


def _placed(proof: Proof, block: Block) -> Proof:
    """``proof``, when unchecked, placed on the line of the function it could not check."""
    from dataclasses import replace

    if proof.checked or not block.outputs:
        return proof
    definition = block.definition(block.outputs[-1])
    return replace(proof, line=definition.line, source_line=definition.text)


def _where(engine: Engine, parts: list[Part]) -> tuple[tuple[str, n.Node], ...]:
    """The intermediates the shown forms name, and those their definitions name in turn, in block order."""
    definitions = engine.model.definitions
    wanted: set[str] = set()
    pending = [p.form for p in parts if p.shows_form and p.form is not None]
    pending += [node for p in parts if p.index is not None for node in p.index.nodes()]
    while pending:
        node = pending.pop()
        for x in node.walk():
            if isinstance(x, n.Var) and x.name in definitions and x.name not in wanted:
                wanted.add(x.name)
                pending.append(definitions[x.name])
    return tuple((name, definitions[name]) for name in engine.block.intermediates if name in wanted)


def _mark_shown(parts: list[Part], whole: bool) -> list[Part]:
    """Which matrix forms a page prints: beside a whole Jacobian, all of them or none (when none of
    them names a vector or matrix); otherwise each one that says more than its components."""
    from dataclasses import replace

    if whole:
        shown = all(p.form is not None for p in parts) and any(n.names_arrays(p.form) for p in parts)  # type: ignore[arg-type]
        return [replace(p, shows_form=shown) for p in parts]
    return [
        replace(p, shows_form=p.form is not None and (p.components is None or n.names_arrays(p.form))) for p in parts
    ]


def _replace_form(part: Part, form: n.Node) -> Part:
    from dataclasses import replace

    return replace(part, form=form)


def _value_at(engine: Engine, matrix: sp.ImmutableMatrix, block: Block, concrete: dict[str, Any], whole: bool) -> sp.ImmutableMatrix:
    """The Jacobian at the block's point, exactly; real, finite and proven by the function's differences."""
    from .guard import substitute
    from .point import abstract, check_function, check_value, describe_point, kinks_at, prove_at

    mapping = {}
    for name, expr in block.point or ():
        try:
            node = numeric_value(expr, engine.limits)
            mapping[symbol(name)] = Lowering({}, {}, engine.limits.max_number_digits)(node)
        except BlockError as exc:
            raise block.locate(exc, "at") from None
    limit = engine.limits.max_number_digits
    functions = concrete["functions"]
    entries = []
    try:
        for entry in matrix:
            abstract(entry, describe_point(mapping))
            value = substitute(entry, mapping, limit)
            check_value(value, functions, mapping, limit)
            entries.append(value)
        result = sp.ImmutableMatrix(matrix.rows, matrix.cols, entries)
        check_function(functions, mapping, limit)
        if whole:  # entry (i, j) of the numerator layout is ∂f_i/∂v_j: prove it at the point itself
            groups = concrete["groups"]
            variables = [s for g in groups for s in (list(g) if isinstance(g, sp.MatrixBase) else [g])]
            numerator = result.T if engine.layout == "denominator" and result.shape != (1, 1) and not engine.hessian else result
            differentiated = [diff(functions[0], v) for v in variables] if engine.hessian else list(functions)
            where = describe_point(mapping)
            prove_at(differentiated, variables, numerator, mapping, where, kinks_at(functions, mapping, limit))
    except BlockError as exc:
        raise block.locate(exc, "at") from None
    return result


__all__ = ["Derivation", "Engine", "Part", "derive"]
