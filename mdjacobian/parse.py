"""Block text -> :class:`~mdjacobian.model.Block`: statements, options, variables and the point.

A block is read in two passes. The first sorts lines into options and definitions, so that every
parameter name and ``wrt`` variable is known before any expression is parsed (a variable followed
by ``(`` multiplies; any other name followed by ``(`` is a function call).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import sympy as sp

from .declare import (
    DECLARATION_LINE,
    DEFAULT_SIZES,
    check_components_are_free,
    check_new_name,
    declaration_line,
    declared_value,
)
from .errors import BlockError, LimitError
from .grammar import END, RESERVED, ExpressionParser, parse_expression, symbol, tokenize
from .guard import check_expr, substitute
from .limits import Limits
from .model import Block, Component, Declaration
from .options import OPTION_NAMES, Options, check_name, merge, parse_names, split_top_level, suggest, unknown_option
from .vectors import Value, describe

_OPTION_LINE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)")
_DEFINITION_LINE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^()]*)\))?\s*=(.*)")
_NATURAL_CHUNK = re.compile(r"\d+|\D+")


@dataclass(frozen=True)
class _Definition:
    line: int
    text: str
    name: str
    params: tuple[str, ...] | None
    rhs: str
    column: int  # where rhs starts


def natural_key(name: str) -> tuple[object, ...]:
    """Sort key putting x before x2 before x10 before y."""
    return tuple(int(c) if c.isdigit() else c for c in _NATURAL_CHUNK.findall(name))


def _strip_comment(text: str) -> str:
    return text.split("#", 1)[0].rstrip()


def _read_lines(source: str, limits: Limits) -> list[tuple[int, str]]:
    if len(source) > limits.max_block_chars:
        raise LimitError(f"block is longer than {limits.max_block_chars} characters", limit="max_block_chars")
    lines = source.splitlines()
    if len(lines) > limits.max_lines:
        raise LimitError(f"block has more than {limits.max_lines} lines", limit="max_lines")
    numbered = []
    for number, text in enumerate(lines, start=1):
        if len(text) > limits.max_line_chars:
            raise LimitError(
                f"line is longer than {limits.max_line_chars} characters", limit="max_line_chars"
            ).at(number, text[:80] + "…")
        numbered.append((number, text))
    return numbered


def _sort_lines(
    lines: list[tuple[int, str]], given: Mapping[str, object], limits: Limits
) -> tuple[list[_Definition], dict[str, tuple[int, str, str]], list[Declaration]]:
    """First pass: definitions in order, options by key with their line, and declarations."""
    definitions: list[_Definition] = []
    options: dict[str, tuple[int, str, str]] = {}
    declarations: list[Declaration] = []
    for number, text in lines:
        code = _strip_comment(text)
        if not code.strip():
            continue
        try:
            if m := _OPTION_LINE.fullmatch(code):
                key, value = m.group(1), m.group(2)
                if key not in OPTION_NAMES:
                    raise unknown_option(key)
                if key in options:
                    raise BlockError(f"option '{key}' is already set on line {options[key][0]}")
                if key in given:
                    raise BlockError(f"option '{key}' is set both here and on the fence line")
                options[key] = (number, text, value)
            elif m := DECLARATION_LINE.fullmatch(code):
                for declaration in declaration_line(number, m.group(1), m.group(2), limits):
                    earlier = next((d for d in declarations if d.name == declaration.name), None)
                    if earlier:
                        raise BlockError(f"'{declaration.name}' is already declared on line {earlier.line}")
                    declarations.append(declaration)
            elif m := _DEFINITION_LINE.fullmatch(code):
                name, params, rhs = m.group(1), m.group(2), m.group(3)
                check_new_name(name, "function name")
                declared = None
                if params is not None:
                    declared = parse_names(params, "parameter")
                    for param in declared:
                        check_new_name(param, "parameter")
                definitions.append(_Definition(number, text, name, declared, rhs, m.start(3) + 1))
            elif "=" in code:
                raise BlockError("left of '=' must be a name such as f or f(x, y)")
            else:
                raise BlockError("expected 'name = expression', 'option: value' or 'names in R^n'")
        except BlockError as exc:
            raise exc.at(number, text) from None
    return definitions, options, declarations


def _components(
    definition: _Definition,
    limits: Limits,
    variables: set[str],
    declared: Mapping[str, Value],
    defined: set[str],
) -> list[Component]:
    """Parse one definition's right-hand side into one component, or several for a vector."""
    tokens = tokenize(definition.rhs, definition.column)
    make = lambda expr, name, vector=None: Component(  # noqa: E731
        name=name, expr=expr, line=definition.line, params=definition.params, vector=vector
    )
    parser = ExpressionParser(tokens, limits, variables, declared, defined)
    if not (tokens[0].kind == "op" and tokens[0].text == "["):
        value = parser.parse()
        check_expr(value, limits)
        if not isinstance(value, sp.MatrixBase):
            return [make(value, definition.name)]
        if value.cols != 1:
            raise BlockError(f"a function must be a scalar or a column vector, not {describe(value)}")
        return [make(e, f"{definition.name}{i}", definition.name) for i, e in enumerate(value, start=1)]
    parser.advance()
    exprs = [parser.expr()]
    while parser.at_op(","):
        parser.advance()
        exprs.append(parser.expr())
    if not parser.at_op("]"):
        token = parser.peek()
        where = "the line ends" if token.kind == END else f"found '{token.text}'"
        raise BlockError(f"missing ']' to close the vector: {where}", column=token.column)
    parser.advance()
    if parser.peek().kind != END:
        raise parser.unexpected()
    for expr in exprs:
        check_expr(expr, limits)
        if isinstance(expr, sp.MatrixBase):
            raise BlockError(f"a vector's entries must be scalars, not {describe(expr)}")
    return [make(expr, f"{definition.name}{i}", definition.name) for i, expr in enumerate(exprs, start=1)]


def _compose(
    components: list[Component], limits: Limits, texts: Mapping[int, str]
) -> tuple[list[Component], tuple[Component, ...]]:
    """Split definitions into intermediates (used by a later line) and outputs, composed through them."""
    used_later: set[str] = set()
    names: set[str] = set()
    for component in reversed(components):
        if component.name in used_later:
            names.add(component.name)
        used_later |= {s.name for s in component.expr.free_symbols}
    if not names:
        return components, ()
    substitution: dict[sp.Symbol, sp.Expr] = {}
    outputs, intermediates = [], []
    for component in components:
        try:
            composed = substitute(component.expr, substitution, limits)
        except BlockError as exc:
            raise exc.at(component.line, texts[component.line]) from None
        if component.name in names:
            substitution[symbol(component.name)] = composed
        (intermediates if component.name in names else outputs).append(
            replace(component, expr=composed, written=component.expr)
        )
    return outputs, tuple(intermediates)


def _infer_variables(components: list[Component], definitions: list[_Definition]) -> list[str]:
    declared: list[str] = []
    for definition in definitions:
        for param in definition.params or ():
            if param not in declared:
                declared.append(param)
    if declared:
        return declared
    free: set[str] = set()
    for component in components:
        free |= {s.name for s in component.expr.free_symbols}
    return sorted(free, key=natural_key)


def _parse_point(
    text: str, limits: Limits, variables: tuple[sp.Symbol, ...], components: list[Component]
) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
    """Parse ``x = 1, y = 1/2`` into exact values, one per named symbol."""
    known = {s.name for s in variables}
    for component in components:
        known |= {s.name for s in component.expr.free_symbols}
    point: dict[str, sp.Expr] = {}
    for piece in split_top_level(text):
        name, equals, value = piece.partition("=")
        name = name.strip()
        if not equals or not name:
            raise BlockError(f"at: expected 'name = value', got '{piece.strip()}'")
        check_name(name)
        if name not in known:
            raise BlockError(f"at: '{name}' does not appear in the block{suggest(name, known)}")
        if name in point:
            raise BlockError(f"at: '{name}' is given twice")
        try:
            number = parse_expression(value, limits)
        except BlockError as exc:
            exc.column = None  # columns count within the value, not the line
            raise
        if number.free_symbols or number.atoms(sp.core.function.AppliedUndef):
            raise BlockError(f"at: the value of '{name}' must be a number, not '{value.strip()}'")
        point[name] = number
    return tuple((symbol(name), value) for name, value in point.items())


def parse_block(
    source: str,
    given: Mapping[str, object] | None = None,
    defaults: Options | None = None,
    limits: Limits | None = None,
    sizes: Mapping[str, int] | None = None,
) -> Block:
    """Parse block text into a :class:`Block`.

    Args:
        source: the block's text, without its fences.
        given: raw options from outside the block (fence line, API keywords); a block line may not
            set the same option again.
        defaults: options that apply where neither the block nor ``given`` sets one.
        limits: the bounds to enforce; :class:`Limits` defaults when omitted.
        sizes: values for symbolic sizes (``{"n": 3}``); a size left out takes the middle of
            :data:`DEFAULT_SIZES`.
    """
    given = dict(given or {})
    limits = limits or Limits()
    options = merge(defaults or Options(), given)
    lines = _read_lines(source, limits)
    definitions, block_options, declarations = _sort_lines(lines, given, limits)
    symbolic = {d.size for d in declarations if d.size}
    bound = {name: (sizes or {}).get(name, DEFAULT_SIZES[1]) for name in sorted(symbolic)}
    declared = {d.name: declared_value(d, bound) for d in declarations}
    check_components_are_free(declared, declarations, dict(lines))
    for key, (number, text, value) in block_options.items():
        try:
            options = merge(options, {key: value})
        except BlockError as exc:
            raise exc.at(number, text) from None

    names = {p for d in definitions for p in d.params or ()} | set(options.wrt or ())
    components: list[Component] = []
    seen: dict[str, int] = {}
    for definition in definitions:
        try:
            if definition.name in declared:
                raise BlockError(f"'{definition.name}' is declared as a variable; give the function another name")
            parsed = _components(definition, limits, names, declared, {d.name for d in definitions})
            later = {d.name for d in definitions if d.line >= definition.line}
            for component in parsed:
                used = {s.name for s in component.expr.free_symbols} & later
                if used:
                    name = sorted(used)[0]
                    where = "itself" if name == definition.name else f"'{name}', defined on a later line"
                    raise BlockError(f"'{definition.name}' uses {where}; define a function before the lines that use it")
            for component in parsed:
                if component.name in seen:
                    raise BlockError(f"'{component.name}' is already defined on line {seen[component.name]}")
                seen[component.name] = definition.line
                components.append(component)
            if parsed[0].vector is not None:  # later lines may use the whole vector by its name
                declared[definition.name] = sp.ImmutableMatrix([symbol(c.name) for c in parsed])
        except BlockError as exc:
            raise exc.at(definition.line, definition.text) from None
    components, intermediates = _compose(components, limits, {d.line: d.text for d in definitions})

    if not components:
        raise BlockError("the block defines no function; write one such as f(x, y) = 3x^2 y")
    if len(components) > limits.max_functions:
        raise LimitError(f"more than {limits.max_functions} functions in one block", limit="max_functions")
    if options.wrt:
        variable_names = list(options.wrt)
    elif declarations:
        variable_names = [d.name for d in declarations]
    else:
        variable_names = _infer_variables(components, definitions)
    groups = []
    for name in variable_names:
        try:
            if name in RESERVED:
                raise BlockError(f"wrt: '{name}' is a built-in name, not a variable")
            value = declared.get(name, symbol(name))
            if isinstance(value, sp.MatrixBase) and value.cols != 1:
                raise BlockError(f"wrt: '{name}' is a matrix; differentiate with respect to vectors and scalars")
        except BlockError as exc:
            if "wrt" in block_options:
                number, text, _ = block_options["wrt"]
                raise exc.at(number, text) from None
            raise
        groups.append((name, tuple(value) if isinstance(value, sp.MatrixBase) else (value,)))
    variables = tuple(v for _, group in groups for v in group)
    if not variables:
        raise BlockError("there is no variable to differentiate with respect to; add a line such as 'wrt: x'")
    if len(variables) > limits.max_variables:
        raise LimitError(f"more than {limits.max_variables} variables in one block", limit="max_variables")

    point = None
    if options.at is not None:
        try:
            point = _parse_point(options.at, limits, variables, components)
        except BlockError as exc:
            if "at" in block_options:
                number, text, _ = block_options["at"]
                raise exc.at(number, text) from None
            raise
    if options.show == "chain" and bound:
        raise BlockError("show: chain is written out at a concrete size; declare R^3 rather than R^n")
    if options.show == "chain" and not intermediates:
        raise BlockError(
            "show: chain needs intermediates: name a subexpression on its own line (u = x^2), then use it (y = sin(u))"
        )
    return Block(
        components=tuple(components),
        intermediates=intermediates,
        variables=variables,
        options=options,
        point=point,
        declarations=tuple(declarations),
        groups=tuple(groups),
        option_lines=tuple((key, number, text) for key, (number, text, _) in block_options.items()),
        sizes=tuple(bound.items()),
    )
