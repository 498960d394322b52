"""Declarations: ``x, w in R^3``, ``z in R``, ``W in R^(2x3)`` and the symbolic ``x in R^n``."""

from __future__ import annotations

import re
from collections.abc import Mapping

import sympy as sp

from .errors import BlockError, LimitError
from .grammar import RESERVED, symbol
from .limits import Limits
from .model import Declaration
from .options import check_name, parse_names
from .vectors import Value

DECLARATION_LINE = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z][A-Za-z0-9_]*)*)\s+(?:in|∈)\s+(?:R|ℝ)\s*(?:\^\s*(.*?))?\s*")
_SIZE = re.compile(r"[({]?\s*(?:(\d+)|([A-Za-z][A-Za-z0-9_]*)|(\d+)\s*[x×*]\s*(\d+))\s*[)}]?")
DEFAULT_SIZES = (2, 3, 4)
"""The instances a symbolic size (``R^n``) is computed at."""


def check_new_name(name: str, what: str) -> str:
    check_name(name, what)
    if name in RESERVED:
        raise BlockError(f"'{name}' is a built-in name and cannot be used as a {what}")
    return name


def declaration_line(number: int, names: str, size: str | None, limits: Limits) -> list[Declaration]:
    """``x, w in R^3`` -> one Declaration per name."""
    shape, symbolic = (1, 1), None
    if size:
        m = _SIZE.fullmatch(size)
        if not m:
            raise BlockError(f"unknown space 'R^{size}': write R, R^3, R^n or R^(2x3)")
        if m.group(1):
            shape = (int(m.group(1)), 1)
        elif m.group(2):
            symbolic = check_new_name(m.group(2), "size")
            shape = (3, 1)  # replaced by each instance's size
        else:
            shape = (int(m.group(3)), int(m.group(4)))
            if max(shape) > 9:
                raise LimitError("a declared matrix may have at most 9 rows and 9 columns", limit="max_variables")
        if shape[0] * shape[1] > limits.max_variables or 0 in shape:
            raise LimitError(
                f"R^{size} has {shape[0] * shape[1]} entries; the limit is {limits.max_variables}", limit="max_variables"
            )
    return [
        Declaration(name=check_new_name(name, "name"), shape=shape, line=number, size=symbolic)
        for name in parse_names(names, "name")
    ]


def check_components_are_free(
    declared: Mapping[str, Value], declarations: list[Declaration], texts: Mapping[int, str]
) -> None:
    """``x in R^3`` names x1, x2, x3: a later declaration may not take one of those names, or the reverse."""
    owners: dict[str, str] = {}  # every name taken so far -> the declaration that took it
    for declaration in declarations:
        value = declared[declaration.name]
        names = [declaration.name] + ([c.name for c in value] if isinstance(value, sp.MatrixBase) else [])
        for name in names:
            other = owners.get(name)
            if other is None:
                continue
            if name == declaration.name:
                reason = f"'{name}' is a component of '{other}'; give it another name"
            elif name == other:
                reason = f"'{declaration.name}' would have a component {name}, which is declared already"
            else:
                reason = f"'{declaration.name}' and '{other}' would both have a component {name}; rename one"
            raise BlockError(reason).at(declaration.line, texts[declaration.line])
        owners.update(dict.fromkeys(names, declaration.name))


def declared_value(declaration: Declaration, sizes: Mapping[str, int]) -> Value:
    """The symbol, or matrix of component symbols (x1, x2, …; W11, W12, …), a declaration stands for."""
    name = declaration.name
    rows, cols = declaration.shape
    if declaration.size is not None:
        rows = sizes[declaration.size]
    if (rows, cols) == (1, 1) and declaration.size is None:
        return symbol(name)
    if cols == 1:
        return sp.ImmutableMatrix([symbol(f"{name}{i}") for i in range(1, rows + 1)])
    return sp.ImmutableMatrix(rows, cols, [symbol(f"{name}{i}{j}") for i in range(1, rows + 1) for j in range(1, cols + 1)])
