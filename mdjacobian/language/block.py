"""Block text -> :class:`~mdjacobian.model.Block`: statements, options, declarations and the point.

A block is read in two passes. The first sorts lines into options, declarations and definitions, so
that every parameter name and ``wrt`` variable is known before any expression is parsed (a variable
followed by ``(`` multiplies; any other name followed by ``(`` is a function call).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import BlockError, LimitError
from ..limits import Limits
from ..model import Block, Declaration, Definition, Fact
from ..options import (
    OPTION_NAMES,
    PRESENTATION_CHOICES,
    Options,
    check_name,
    merge,
    parse_names,
    parse_presentation,
    split_top_level,
    suggest,
    unknown_option,
)
from . import syntax as ast
from .facts import read_assumptions
from .declare import DECLARATION_LINE, check_components_are_free, check_new_name, component_names, declaration_line
from .grammar import CONSTANTS, IDENTITY_NAME, IMPLICIT, RESERVED, Parser, parse_expression, tokenize

_OPTION_LINE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)")
_DEFINITION_LINE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^()]*)\))?\s*=(.*)")
_NATURAL_CHUNK = re.compile(r"\d+|\D+")
_PRINTS_AS = re.compile(r"([A-Za-z]+)_?([0-9]+)")
_LINE_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
"""Characters Python would take as line breaks but Markdown does not: an error, never a silent split."""
_KIND_OF_OPTION = {"wrt": "variables", "at": "point"}
"""The kind of error a bad value of these options is; of any other option, an options error."""


@dataclass(frozen=True)
class _Statement:
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


def read_lines(source: str, limits: Limits) -> list[tuple[int, str]]:
    """The block's numbered lines, split where Markdown splits them (``\\n``, ``\\r\\n``, ``\\r``)."""
    if len(source) > limits.max_block_chars:
        raise LimitError(f"block is longer than {limits.max_block_chars} characters", limit="max_block_chars")
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > limits.max_lines:
        raise LimitError(f"block has more than {limits.max_lines} lines", limit="max_lines")
    numbered = []
    for number, text in enumerate(lines, start=1):
        if len(text) > limits.max_line_chars:
            raise LimitError(
                f"line is longer than {limits.max_line_chars} characters", limit="max_line_chars"
            ).at(number, text[:80] + "…")
        if m := _LINE_BREAKS.search(text):
            raise BlockError(
                f"U+{ord(m.group()):04X} breaks the line here; start a new line instead", column=m.start() + 1
            ).at(number, _LINE_BREAKS.sub(" ", text))
        numbered.append((number, text))
    return numbered


def _sort_lines(
    lines: list[tuple[int, str]], given: Mapping[str, object], limits: Limits
) -> tuple[list[_Statement], dict[str, tuple[int, str, str]], list[Declaration]]:
    """First pass: definitions in order, options by key with their line, and declarations."""
    statements: list[_Statement] = []
    options: dict[str, tuple[int, str, str]] = {}
    declarations: list[Declaration] = []
    for number, text in lines:
        code = _strip_comment(text)
        if not code.strip():
            continue
        kind = "statements"
        try:
            if m := _OPTION_LINE.fullmatch(code):
                kind = "options"
                key, value = m.group(1), m.group(2)
                if key not in OPTION_NAMES and key not in PRESENTATION_CHOICES:
                    raise unknown_option(key)
                if key in options:
                    raise BlockError(f"option '{key}' is already set on line {options[key][0]}")
                if key in given:
                    raise BlockError(f"option '{key}' is set both here and on the fence line")
                options[key] = (number, text, value)
            elif m := DECLARATION_LINE.fullmatch(code):
                for declaration in declaration_line(number, m.group(1), m.group(2), limits, m.group(3)):
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
                statements.append(_Statement(number, text, name, declared, rhs, m.start(3) + 1))
            elif "=" in code:
                raise BlockError("left of '=' must be a name such as f or f(x, y)")
            else:
                raise BlockError("expected 'name = expression', 'option: value' or 'names in R^n'")
        except BlockError as exc:
            raise exc.at(number, text).of(kind) from None
    return statements, options, declarations


def _check_spellings(used: dict[str, tuple[int, str]]) -> None:
    """``x1`` and ``x_1`` both print as x₁: one block may use only one of the two spellings."""
    printed: dict[str, str] = {}
    for name, (line, text) in used.items():
        m = _PRINTS_AS.fullmatch(name)
        key = f"{m.group(1)}_{m.group(2)}" if m else name
        other = printed.setdefault(key, name)
        if other != name:
            raise BlockError(f"'{other}' and '{name}' would both print as {key}; use one spelling").at(line, text)


def _wrt(options: Options, declarations: list[Declaration], definitions: list[Definition], free: list[str]) -> list[str]:
    if options.wrt:
        return list(options.wrt)
    if declarations:
        return [d.name for d in declarations]
    declared: list[str] = []
    for definition in definitions:
        for param in definition.params or ():
            if param not in declared:
                declared.append(param)
    return declared or sorted(free, key=natural_key)


def _point(text: str, limits: Limits, known: set[str]) -> tuple[tuple[str, ast.Expr], ...]:
    """Parse ``x = 1, y = 1/2`` into (name, numeric expression) pairs."""
    point: dict[str, ast.Expr] = {}
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
        if any(isinstance(n, (ast.Name, ast.Call)) and getattr(n, "name", "") not in CONSTANTS and not _builtin_call(n) for n in ast.walk(number)):
            raise BlockError(f"at: the value of '{name}' must be a number, not '{value.strip()}'")
        point[name] = number
    return tuple(point.items())


def _builtin_call(node: ast.Expr) -> bool:
    return isinstance(node, ast.Call) and node.name in RESERVED


def read_block(
    source: str,
    given: Mapping[str, object] | None = None,
    defaults: Options | None = None,
    limits: Limits | None = None,
) -> Block:
    """Parse block text into a :class:`~mdjacobian.model.Block`.

    Args:
        source: the block's text, without its fences.
        given: raw options from outside the block (fence line, API keywords); a block line may not
            set the same option again.
        defaults: options that apply where neither the block nor ``given`` sets one.
        limits: the bounds to enforce; :class:`~mdjacobian.limits.Limits` defaults when omitted.

    Presentation lines (``source: above``, ``expect: error``) are checked and left out: they are
    for the host that shows the block.
    """
    try:
        return _read_block(source, dict(given or {}), defaults, limits or Limits())
    except BlockError as exc:
        raise exc.of("statements") from None


def _read_block(source: str, given: dict[str, object], defaults: Options | None, limits: Limits) -> Block:
    try:
        options = merge(defaults or Options(), given)
    except BlockError as exc:
        raise exc.of("options") from None
    lines = read_lines(source, limits)
    texts = dict(lines)
    statements, block_options, declarations = _sort_lines(lines, given, limits)
    check_components_are_free(declarations, texts)
    for key, (number, text, value) in block_options.items():
        try:
            if key in PRESENTATION_CHOICES:
                parse_presentation(key, value)
            else:
                options = merge(options, {key: value})
        except BlockError as exc:
            raise exc.at(number, text).of(_KIND_OF_OPTION.get(key, "options")) from None

    declared = {d.name for d in declarations}
    multiplying = {p for s in statements for p in s.params or ()} | set(options.wrt or ()) | declared
    defined = {s.name for s in statements}
    definitions: list[Definition] = []
    seen: dict[str, int] = {}
    used: dict[str, tuple[int, str]] = {}
    uses: dict[str, list[str]] = {}  # the names each definition uses, in order of first use
    owner: dict[str, str] = {}  # f2 -> f, for a definition f = [.., ..]
    for statement in statements:
        try:
            try:
                tokens = tokenize(statement.rhs, statement.column)
                expr = Parser(tokens, limits, multiplying, defined).parse()
            except BlockError as exc:
                raise exc.of("expressions") from None
            if statement.name in declared:
                raise BlockError(f"'{statement.name}' is declared as a variable; give the function another name")
            if statement.name in seen:
                raise BlockError(f"'{statement.name}' is already defined on line {seen[statement.name]}")
            later = {s.name for s in statements if s.line >= statement.line}
            names = uses[statement.name] = ast.names(expr)
            for name in names:
                if owner.get(name, name) in later:
                    where = "itself" if name == statement.name else f"'{name}', defined on a later line"
                    raise BlockError(f"'{statement.name}' uses {where}; define a function before the lines that use it")
            for name in names:
                used.setdefault(name, (statement.line, statement.text))
        except BlockError as exc:
            raise exc.at(statement.line, statement.text) from None
        seen[statement.name] = statement.line
        if isinstance(expr, ast.Vector):
            for i in range(1, len(expr.items) + 1):
                owner[f"{statement.name}{i}"] = statement.name
                seen[f"{statement.name}{i}"] = statement.line
        used.setdefault(statement.name, (statement.line, statement.text))
        definitions.append(Definition(statement.name, expr, statement.line, statement.text, statement.params))
    for declaration in declarations:
        used.setdefault(declaration.name, (declaration.line, texts[declaration.line]))
    _check_spellings(used)
    _check_component_definitions(definitions, declarations)

    if not definitions:
        raise BlockError("the block defines no function; write one such as f(x, y) = 3x^2 y")
    referenced = {owner.get(name, name) for d in definitions for name in uses[d.name]}
    intermediates = tuple(d.name for d in definitions if d.name in referenced)
    outputs = tuple(d.name for d in definitions if d.name not in referenced)
    if len(outputs) > limits.max_functions:
        raise LimitError(f"more than {limits.max_functions} functions in one block", limit="max_functions")

    sizes = {s for d in declarations for s in d.sizes}
    params = {p for d in definitions for p in d.params or ()}
    variables = declared | params | set(options.wrt or ())
    _check_sizes_are_not_variables(sizes, variables, declarations, definitions, block_options)
    entries = {c for d in declarations for c in component_names(d)}

    def meant(name: str) -> bool:
        """A name with a meaning of its own here: pi, e, I, I_n or a size used as a number."""
        if name in CONSTANTS:
            return True
        return name not in variables and (name in IMPLICIT or name in sizes or bool(IDENTITY_NAME.fullmatch(name)))

    used_names = {n for d in definitions for n in uses[d.name]}
    free = sorted({n for n in used_names - defined - set(owner) if not meant(n)}, key=natural_key)
    _check_run_together(free, variables | defined | entries, definitions, uses)
    wrt = _wrt(options, declarations, definitions, free)
    for name in wrt:
        try:
            if name in RESERVED:
                raise BlockError(f"wrt: '{name}' is a built-in name, not a variable")
            if name in defined:
                raise BlockError(f"wrt: '{name}' is a function of this block, not a variable")
        except BlockError as exc:
            exc.of("variables")
            if "wrt" in block_options:
                number, text, _ = block_options["wrt"]
                raise exc.at(number, text) from None
            raise
    if len(wrt) > limits.max_variables:
        raise LimitError(f"more than {limits.max_variables} variables in one block", limit="max_variables")

    point = None
    if options.at is not None:
        known = set(free) | set(wrt) | declared | {c for d in declarations for c in component_names(d)}
        try:
            point = _point(options.at, limits, known)
        except BlockError as exc:
            exc.of("point")
            if "at" in block_options:
                number, text, _ = block_options["at"]
                raise exc.at(number, text) from None
            raise
    assumptions: tuple[tuple[ast.Expr, ast.Expr], ...] = ()
    facts: tuple[Fact, ...] = ()
    if options.assume is not None:
        sizes = {s for d in declarations for s in d.sizes}
        known = set(free) | set(wrt) | declared | defined | CONSTANTS | IMPLICIT | sizes | {"T"}  # x^T transposes
        try:
            assumptions, facts = read_assumptions(options.assume, limits, sizes, {d.name: d for d in declarations}, known, multiplying)
        except BlockError as exc:
            exc.of("options")
            if "assume" in block_options:
                number, text, _ = block_options["assume"]
                raise exc.at(number, text) from None
            raise
    claim = None
    if options.claim is not None:
        try:
            claim = parse_expression(options.claim, limits, multiplying | defined)
        except BlockError as exc:
            exc.column = None  # columns count within the claim, not the line
            exc.of("expressions")
            if "claim" in block_options:
                number, text, _ = block_options["claim"]
                raise exc.at(number, text) from None
            raise
    constants = tuple(name for name in free if name not in wrt and name not in entries and name not in declared)
    return Block(
        claim=claim,
        constants=constants,
        definitions=tuple(definitions),
        outputs=outputs,
        intermediates=intermediates,
        wrt=tuple(wrt),
        options=options,
        declarations=tuple(declarations),
        point=point,
        assumptions=assumptions,
        facts=facts,
        option_lines=tuple((key, number, text) for key, (number, text, _) in block_options.items()),
        source=source,
    )


def _check_sizes_are_not_variables(
    sizes: set[str],
    variables: set[str],
    declarations: list[Declaration],
    definitions: list[Definition],
    block_options: dict[str, tuple[int, str, str]],
) -> None:
    """A size name is a number in expressions (``1/N``): it cannot also be a variable."""
    for name in sorted(sizes & variables):
        where = next(d for d in declarations if name in d.sizes)
        error = BlockError(f"'{name}' is a size (line {where.line}), so it cannot also be a variable; rename one")
        for definition in definitions:
            if name in (definition.params or ()):
                raise error.at(definition.line, definition.text)
        for declaration in declarations:
            if declaration.name == name:
                raise error.at(declaration.line, f"{name} in …")
        if "wrt" in block_options:
            number, text, _ = block_options["wrt"]
            raise error.at(number, text).of("variables")
        raise error


def _run_together(name: str, parts: set[str]) -> list[str] | None:
    """``xy`` as [x, y] when it is two or more of ``parts`` written without a space, else None."""
    best: dict[int, list[str]] = {0: []}
    for end in range(1, len(name) + 1):
        for start in range(max(0, end - 40), end):
            if start in best and name[start:end] in parts:
                best.setdefault(end, best[start] + [name[start:end]])
    found = best.get(len(name))
    return found if found is not None and len(found) > 1 else None


def _check_run_together(
    free: list[str], known: set[str], definitions: list[Definition], uses: dict[str, list[str]]
) -> None:
    """``f(x, y) = 3xy``: a name that is two of the block's names run together is an error, not a new constant."""
    parts = known | set(CONSTANTS) | {"e"}
    for name in free:
        split = _run_together(name, parts) if known else None
        if split is None or not any(p in known for p in split):
            continue
        definition = next(d for d in definitions if name in uses[d.name])
        if definition.params is not None:
            whose = f"a parameter of {definition.name}({', '.join(definition.params)})"
        else:
            whose = "a name of this block"
        raise BlockError(f"'{name}' is not {whose}; write {' '.join(split)} for the product").at(
            definition.line, definition.text
        ).of("expressions")


def _check_component_definitions(definitions: list[Definition], declarations: list[Declaration]) -> None:
    """A function may not take the name of a declared entry (x1 of x in R^3)."""
    owners = {c: d.name for d in declarations for c in component_names(d)}
    for definition in definitions:
        if definition.name in owners:
            raise BlockError(
                f"'{definition.name}' is a component of '{owners[definition.name]}'; give the function another name"
            ).at(definition.line, definition.text)
