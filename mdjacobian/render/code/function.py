"""A derivation as the source of one Python function, ``derivative``, for an array library.

The function takes the block's variables as arguments and returns what the page shows, in the
block's layout: the matrix form where the page prints one (always, at symbolic sizes), otherwise
the components. Only identifiers from the block reach the code, renamed where Python would read
them otherwise (a variable named ``lambda`` or ``np`` becomes ``lambda_``, ``np_``); the docstring
says what the result is. mdjacobian never runs the code it writes.
"""

from __future__ import annotations

import builtins
import itertools
import keyword
import re
import textwrap
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

import sympy as sp

from ...calculus import nodes as n
from ...calculus.components import variable_value
from ...errors import BlockError
from ..notation import overall_kind
from .describe import describe_part, describe_size
from .entries import EntryPrinter
from .printer import ArrayPrinter
from .shared import repeated, temporary_names
from .targets import TARGETS

if TYPE_CHECKING:
    from ...calculus.engine import Derivation, Part

FUNCTION = "derivative"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def code_names(names: Iterable[str], taken: Iterable[str]) -> dict[str, str]:
    """Each name as Python may use it for an argument: a name that is a keyword, a built-in or one of
    ``taken`` gets underscores added until it is none of these and no other name."""
    names = list(names)
    for name in names:  # the block grammar's names; anything else must never reach code
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a name the block language allows: {name!r}")
    used = set(taken) | set(dir(builtins)) | set(keyword.kwlist)
    renamed = {name: name for name in names if name not in used}
    used |= set(names)
    for name in names:
        if name not in renamed:
            code = name
            while code in used:
                code += "_"
            used.add(code)
            renamed[name] = code
    return {name: renamed[name] for name in names}


def code_source(d: Derivation, target: str) -> str:
    """The source of ``def derivative(...)`` for ``target`` (``numpy``, ``jax`` or ``torch``), returning
    the derivative the page shows, in the block's layout."""
    cls = TARGETS[target]
    arguments = [v for v in d.model.free() if v.name not in d.model.definitions]
    taken = {FUNCTION, *cls.reserved, *cls.helpers}
    names = code_names([v.name for v in arguments] + list(d.model.definitions), taken)
    sizes, size_lines = _sizes(arguments, names, d.block.sizes)
    like = next((v for v in arguments if not v.is_scalar), arguments[0])
    printer = cls(names, sizes, like=names[like.name])
    entries = _entry_names(d, names)
    used = taken | set(names.values()) | set(entries) | set(dir(builtins))
    whole = _whole(d)
    parts = [whole] if whole is not None and not all(_uses_form(d, p) for p in d.parts) else list(d.parts)
    statements, returns = _body(d, parts, printer, entries, used)
    if whole is not None and len(parts) > 1:  # forms joined as the page joins them
        result = printer.join(returns, "cols" if d.layout == "numerator" else "rows")
    elif len(returns) > 1:  # one local per part, named after its variable, then the tuple
        locals_ = code_names([f"d_{part.variables[0]}" for part in parts], used)
        statements += [f"{locals_[f'd_{p.variables[0]}']} = {code}" for p, code in zip(parts, returns)]
        result = ", ".join(locals_.values())
    else:
        result = returns[0]
    signature = ", ".join(names[v.name] for v in arguments)
    notes = [f"The block's {v.name} is the argument {names[v.name]}." for v in arguments if names[v.name] != v.name]
    lines = [printer.helpers[h] + "\n" for h in sorted(printer.used)]  # two blank lines after each
    lines.append(f"def {FUNCTION}({signature}):")
    lines += _docstring(d, [whole] if whole is not None else list(d.parts), printer, size_lines, notes)
    statements.append(f"return {result}")
    lines += [f"    {line}" for statement in statements for line in statement.split("\n")]
    lines = [*printer.import_lines("\n".join(lines)), "", "", *lines]
    return "\n".join(lines) + "\n"


def _whole(d: Derivation) -> Part | None:
    """The one matrix a page shows for several variables at concrete sizes (none of them a matrix),
    as a part of its own."""
    if d.matrix is None or len(d.parts) < 2:
        return None
    variables = tuple(v for part in d.parts for v in part.variables)
    return replace(d.parts[0], variables=variables, kind=overall_kind(d), form=None, components=d.matrix, shows_form=False)


def _body(
    d: Derivation, parts: list[Part], printer: ArrayPrinter, entries: dict[str, str], used: set[str]
) -> tuple[list[str], list[str]]:
    """The statements before ``return`` and each part's code: subexpressions used more than once are
    computed once, under names t1, t2, …"""
    forms = [part.form for part in parts if _uses_form(d, part)]
    shared = repeated(forms)  # type: ignore[arg-type]
    temporaries = list(itertools.islice(temporary_names(used), len(shared)))
    printer.temporaries = dict(zip(shared, temporaries))
    statements = [f"{name} = {printer.define(node)}" for node, name in zip(shared, temporaries)]
    used = used | set(temporaries)
    component_parts = [part for part in parts if not _uses_form(d, part)]
    component_code = iter(_components(component_parts, printer, entries, used, statements))
    returns = []
    for part in parts:
        if _uses_form(d, part):
            assert part.form is not None
            code = printer.doprint(part.form)
            returns.append(printer.one_by_one(code) if part.form.is_scalar else code)
        else:
            returns.append(next(component_code))
    return _definitions(d, printer) + statements, returns


def _components(parts: list[Part], printer: ArrayPrinter, entries: dict[str, str], used: set[str], statements: list[str]) -> list[str]:
    """Each part's component matrix as code; SymPy's ``cse`` names what the entries share, and the
    assignments are appended to ``statements``."""
    if not parts:
        return []
    for part in parts:
        if part.components is None and getattr(part, "index", None) is not None:
            raise BlockError(f"∂/∂{part.variable} is shown in index notation, which has no {printer.library} code yet")
        if part.components is None:
            raise BlockError(f"∂/∂{part.variable} has neither a matrix form nor components to write as code")
    matrices = [part.components for part in parts]
    flat = [e for m in matrices for e in m]  # type: ignore[union-attr]
    symbols = (sp.Symbol(name) for name in temporary_names(used))
    shared, reduced = sp.cse(flat, symbols=symbols, order="none")
    printer_ = EntryPrinter(printer, {**entries, **{str(s): str(s) for s, _ in shared}})
    statements += [f"{s} = {printer_.doprint(value)}" for s, value in shared]
    out, k = [], 0
    for m in matrices:
        rows = [[printer_.doprint(reduced[k + i * m.cols + j]) for j in range(m.cols)] for i in range(m.rows)]  # type: ignore[union-attr]
        k += m.rows * m.cols  # type: ignore[union-attr]
        out.append(printer.matrix(rows))
    return out


def _sizes(arguments: list[n.Var], names: dict[str, str], wanted: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Each size name's code, read off the first argument with an axis of that size (every size is
    the rows or the columns of a declared variable), and the docstring's line that says so."""
    sizes: dict[str, str] = {}
    for var in arguments:
        for axis, dim in enumerate(var.shape):
            if dim.names and dim.names[0] not in sizes:
                sizes[dim.names[0]] = f"{names[var.name]}.shape[{axis}]"
    known = [f"{name} = {sizes[name]}" for name in wanted if name in sizes]
    return sizes, (["Sizes: " + ", ".join(known) + "."] if known else [])


def _uses_form(d: Derivation, part: Part) -> bool:
    return part.form is not None and (d.symbolic or part.shows_form)


def _entry_names(d: Derivation, names: dict[str, str]) -> dict[str, str]:
    """Each SymPy symbol of the components (x2, W12, c) as code (x[1, 0], W[0, 1], c)."""
    out: dict[str, str] = {}
    for var in d.model.free():
        rows, cols = var.rows.value, var.cols.value
        if rows is None or cols is None or var.name not in names:
            continue
        value = variable_value(var.name, rows, cols)
        if rows == cols == 1:
            out[value.name] = names[var.name]  # type: ignore[union-attr]
            continue
        for i in range(rows):
            for j in range(cols):
                out[value[i, j].name] = f"{names[var.name]}[{i}, {j}]"  # type: ignore[index]
    return out


def _definitions(d: Derivation, printer: ArrayPrinter) -> list[str]:
    """Assignments for the definitions a printed form reads, in the block's order (each after those
    it reads), written out in the variables."""
    defined = d.model.definitions
    temporaries, printer.temporaries = printer.temporaries, {}
    code: dict[str, str] = {}
    try:
        while pending := [name for name in defined if name in printer.read and name not in code]:
            for name in pending:
                code[name] = printer.doprint(defined[name])
    finally:
        printer.temporaries = temporaries
    return [f"{printer.names[name]} = {code[name]}" for name in defined if name in code]


def _docstring(d: Derivation, shown: list[Part], printer: ArrayPrinter, size_lines: list[str], notes: list[str]) -> list[str]:
    """The docstring's lines: what the function returns, in what shape and layout, and from what."""
    parts = [describe_part(d, part) for part in shown]
    if len(parts) == 1:
        returns = [parts[0][0].upper() + parts[0][1:] + "."]
    else:
        returns = ["Returns a tuple:", *(f"- {p};" for p in parts[:-1]), f"- {parts[-1]}."]
    notes = [f"Arguments: a vector is a column, of shape (n, 1); a scalar is {printer.scalar}.", *notes]
    for part in shown:
        if part.kind == "vec":
            v, rows = part.variable, describe_size(d.model.symbols[part.variable].rows)
            notes.append(f"vec({v}) stacks the columns of {v}: entry (i, j) of {v} is entry i + j*{rows} of vec({v}).")
    notes += size_lines
    if not d.proof.checked:
        notes.append("mdjacobian could not check this derivative numerically: the page says why.")
    lines: list[str] = []
    for text in [*returns, "", *notes]:
        indent = "  " if text.startswith("- ") else ""
        lines += textwrap.wrap(text, 92, subsequent_indent=indent, break_on_hyphens=False) or [""]
    return ['    """' + lines[0], *[f"    {line}" if line else "" for line in lines[1:]], '    """']
