"""Block options: their names, allowed values and how text becomes a typed value.

This module is free of SymPy so that hosts can validate fence-line options cheaply.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

from .errors import BlockError

NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

CHOICES: dict[str, tuple[str, ...]] = {
    "layout": ("numerator", "denominator"),
    "show": ("result", "full", "chain", "backprop", "steps"),
    "output": ("mathml", "tex"),
    "derivative": ("jacobian", "hessian"),
    "names": ("keep", "expand"),
}
"""Options whose value is one word out of a fixed set; the first word is the default."""


@dataclass(frozen=True)
class Options:
    """Options of one block, after defaults, fence-line options and the block's own lines."""

    wrt: tuple[str, ...] | None = None
    """Variables in column order; ``None`` means: infer them."""
    at: str | None = None
    """The point to evaluate at, as written (``x = 1, y = 2``); parsed with the expression parser."""
    layout: str = "numerator"
    show: str = "result"
    output: str = "mathml"
    derivative: str = "jacobian"
    """``hessian`` asks for the second derivative of a scalar function."""
    assume: str | None = None
    """Facts the result may use, as written (``sum(y) = 1``); parsed with the expression parser."""
    claim: str | None = None
    """The author's own answer for the derivative, as written (``2 (W x - y) x^T``), to be proven or refuted."""
    names: str = "keep"
    """``keep`` writes results in the block's own intermediates (Z, s, …), defined above them;
    ``expand`` substitutes every intermediate, so results are in the variables only."""


OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Options))

PRESENTATION_CHOICES: dict[str, tuple[str, ...]] = {
    "source": ("none", "above", "below", "tabbed-left", "tabbed-right", "material-block"),
    "expect": ("result", "error", "unchecked", "refuted"),
}
"""Options about how a host shows a block, not what is computed; the first word is the default.

They are checked with the block's other options but never reach :class:`Options` or the calculus.
"""

_OPTION_LINE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)")


@dataclass(frozen=True)
class Presentation:
    """How a host shows one block: its source next to the result, and whether it is meant to fail."""

    source: str = "none"
    expect: str = "result"


def suggest(word: str, candidates: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for a near miss, else an empty string."""
    import difflib  # only for a mistake

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is a valid block name, else raise BlockError."""
    if not NAME_RE.fullmatch(name):
        raise BlockError(f"'{name}' is not a valid {what}: use letters, digits and '_', starting with a letter")
    if "__" in name:
        raise BlockError(f"'{name}' is not a valid {what}: '__' is not allowed in names")
    if keyword.iskeyword(name) and name != "lambda":  # lambda is the Greek letter λ here
        raise BlockError(f"'{name}' is a reserved word, not a {what}")
    return name


def parse_names(text: str, what: str = "variable") -> tuple[str, ...]:
    """Split ``x, y z`` into ``("x", "y", "z")``, checking each name and rejecting repeats."""
    names = tuple(n for n in re.split(r"[\s,]+", text.strip()) if n)
    if not names:
        raise BlockError(f"expected at least one {what} name")
    seen: set[str] = set()
    for name in names:
        check_name(name, what)
        if name in seen:
            raise BlockError(f"{what} '{name}' is listed twice")
        seen.add(name)
    return names


def unknown_option(key: str) -> BlockError:
    """The error for an option the language does not have, with a suggestion and the valid ones."""
    names = (*OPTION_NAMES, *PRESENTATION_CHOICES)
    return BlockError(f"unknown option '{key}'{suggest(key, names)}; valid options: {', '.join(names)}", kind="options")


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split at separators outside parentheses and brackets: ``x = max(1, 2), y = 3`` in two."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "([") - (char in ")]")
        if char == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _choice(key: str, value: object, choices: tuple[str, ...]) -> str:
    word = str(value).strip()
    if word not in choices:
        listed = " or ".join(f"'{c}'" for c in choices)
        raise BlockError(f"{key}: unknown value '{word}'{suggest(word, choices)}; use {listed}", kind="options")
    return word


def parse_option(key: str, value: object) -> object:
    """Turn one option's raw value (text, or a Python value from the API) into its typed value."""
    if key not in OPTION_NAMES:
        raise unknown_option(key)
    if key == "wrt":
        if isinstance(value, str):
            return parse_names(value)
        if isinstance(value, Iterable):
            return parse_names(", ".join(str(v) for v in value))
        raise BlockError("wrt: expected variable names such as 'x, y'")
    if key == "assume":
        text = str(value).strip()
        if not text:
            raise BlockError("assume: expected a fact such as 'sum(y) = 1'")
        return text
    if key == "claim":
        text = str(value).strip()
        if not text:
            raise BlockError("claim: expected your answer for the derivative, such as '2 x^T'")
        return text
    if key == "at":
        if isinstance(value, Mapping):
            value = ", ".join(f"{k} = {v}" for k, v in value.items())
        text = str(value).strip()
        if not text:
            raise BlockError("at: expected a point such as 'x = 1, y = 2'")
        return text
    return _choice(key, value, CHOICES[key])


def parse_presentation(key: str, value: object) -> str:
    """Check one presentation option (``source``, ``expect``) and return its value."""
    if key not in PRESENTATION_CHOICES:
        raise unknown_option(key)
    return _choice(key, value, PRESENTATION_CHOICES[key])


def read_presentation(source: str, given: Mapping[str, object], defaults: Presentation | None = None) -> Presentation:
    """The presentation options of a block: ``defaults``, then the fence line's ``given``, then the block's lines.

    Only the ``source:`` and ``expect:`` lines are read; every other line is left to the block
    language. A bad value raises BlockError naming its line.
    """
    values = {key: parse_presentation(key, value) for key, value in given.items() if key in PRESENTATION_CHOICES}
    seen: dict[str, int] = {}
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, text in enumerate(lines, start=1):
        m = _OPTION_LINE.fullmatch(text.split("#", 1)[0].rstrip())
        if m is None or m.group(1) not in PRESENTATION_CHOICES:
            continue
        key = m.group(1)
        try:
            if key in seen:
                raise BlockError(f"option '{key}' is already set on line {seen[key]}", kind="options")
            if key in values:
                raise BlockError(f"option '{key}' is set both here and on the fence line", kind="options")
            seen[key] = number
            values[key] = parse_presentation(key, m.group(2))
        except BlockError as exc:
            raise exc.at(number, text) from None
    return replace(defaults or Presentation(), **values)


def merge(base: Options, given: Mapping[str, object]) -> Options:
    """Return ``base`` updated with raw option values, each checked by :func:`parse_option`."""
    return replace(base, **{key: parse_option(key, value) for key, value in given.items()})
