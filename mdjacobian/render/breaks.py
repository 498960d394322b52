"""Where a long piece of TeX may break: between the factors of a product, before ``+``, ``−`` or ``⊙``.

The printers write TeX with a space between the factors of a product and round every binary
operator, so the pieces a line may end between are found by reading the TeX: split at those spaces
outside every group (braces, ``\\left … \\right``, environments, parentheses), never after a number
(a coefficient stays with what it multiplies) and always with an operator on the piece it begins.
A piece that is one parenthesised group, as ``\\operatorname{vec}(…)^{\\top}``, breaks inside it,
its parentheses (plain ones, which need no partner) opening on its first line and closing on its
last; an argument list (a group holding a comma) does not break.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

Run = list  # a run of pieces a line may break between: each is TeX (str) or a run within it

_LEVELS = (frozenset({"+", "-"}), frozenset({r"\odot", r"\otimes", r"\oslash", r"\cdot", r"\times"}))
_OPERATORS = frozenset().union(*_LEVELS)
_OPENERS = {"(": ")", "[": "]", r"\lVert": r"\rVert"}
_CLOSERS = frozenset(_OPENERS.values())
_TOKEN = re.compile(r"\\(?:left|right)(?:\\[A-Za-z]+|\\.|.)|\\(?:begin|end)\b|\\[A-Za-z]+|\\.|[{}()\[\] ,]", re.S)
"""A command (so that ``\\{`` or ``\\left(`` is read whole) or a character that opens, closes or separates."""
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?|-?\\frac\{\d+\}\{\d+\}")
MAX_NESTING = 8
"""How many groups deep a piece is opened to find a place to break."""


@functools.lru_cache(maxsize=4096)
def _tokens(tex: str) -> tuple[tuple[int, int, str, int], ...]:
    """The tokens of ``tex`` that matter here (groups' openers and closers, spaces, commas) as
    ``(start, end, token, depth)``: the depth of groups each stands at, an opener and its closer at
    the depth outside them; a closer without an opener stands at depth -1."""
    out = []
    depth = 0
    for m in _TOKEN.finditer(tex):
        token = m.group(0)
        if token in ("{", r"\begin") or token.startswith(r"\left") or token in _OPENERS:
            out.append((m.start(), m.end(), token, depth))
            depth += 1
        elif token in ("}", r"\end") or token.startswith(r"\right") or token in _CLOSERS:
            depth -= 1
            out.append((m.start(), m.end(), token, depth))
        elif token in (" ", ","):
            out.append((m.start(), m.end(), token, depth))
    return tuple(out)


def _words(tex: str) -> list[str] | None:
    """``tex`` split at the spaces outside every group; None when its groups do not balance."""
    words, start, ending = [], 0, 0
    for begin, end, token, depth in _tokens(tex):
        if depth < 0:
            return None
        if token == " " and depth == 0:
            if begin > start:
                words.append(tex[start:begin])
            start = end
        ending = depth + (1 if _opens(token) else 0)
    if ending:
        return None
    if start < len(tex):
        words.append(tex[start:])
    return words


def _pieces(words: list[str]) -> list[str]:
    """Words joined into the pieces a line may end between, at the loosest-binding operators present:
    before each ``+`` or ``−``; else before each ``⊙``, ``⊗``, ``⊘`` or ``·``; else between factors,
    a number holding on to the factor it multiplies. An operator stays with what follows it."""
    for operators in _LEVELS:
        if any(word in operators for word in words[1:]):
            pieces = [words[0]]
            for word in words[1:]:
                if word in operators:
                    pieces.append(word)
                else:
                    pieces[-1] += " " + word
            return pieces
    pieces = []
    glue = False
    for word in words:
        if glue and pieces:
            pieces[-1] += " " + word
        else:
            pieces.append(word)
        glue = word in _OPERATORS or bool(_NUMBER.fullmatch(word))
    return pieces


def _product(words: list[str]) -> bool:
    """Whether the words are a product, breaking between factors rather than at an operator."""
    return not any(word in _OPERATORS for word in words[1:])


def _opens(token: str) -> bool:
    return token in ("{", r"\begin") or token.startswith(r"\left") or token in _OPENERS


_SIZED = {r"\left(": (r"\right)", r"\Bigl(", r"\Bigr)"), r"\left[": (r"\right]", r"\Bigl[", r"\Bigr]")}
r"""Stretching parentheses, which need their partner on the same line: broken across lines, each
becomes a fixed large one, as TeX's ``\Bigl(`` and ``\Bigr)``, tall enough for a fraction."""


def _closer(opener: str) -> str:
    return _SIZED[opener][0] if opener in _SIZED else _OPENERS[opener]


def _group(piece: str) -> tuple[str, str, str, str, str] | None:
    """``piece`` as ``head``, an opening parenthesis, what it holds, the closing one and ``tail``,
    when it holds one group outside braces; None otherwise. Stretching parentheses come back as
    the fixed ones that stand for them on separate lines."""
    found: list = []
    for begin, end, token, depth in _tokens(piece):
        if depth == 0 and (token in _OPENERS or token in _SIZED):
            if found:
                return None
            found = [(begin, end), token]
        elif depth == 0 and len(found) == 2 and token == _closer(found[1]):
            found.append((begin, end))
    if len(found) < 3:
        return None
    (open_start, open_end), opener, (close_start, close_end) = found
    left, right = (_SIZED[opener][1], _SIZED[opener][2]) if opener in _SIZED else (opener, piece[close_start:close_end])
    return (piece[:open_start], left, piece[open_end:close_start], right, piece[close_end:])


_TEXT = re.compile(r"\\text\{([^{}]*)\}")


def _text_words(tex: str) -> Run | None:
    r"""A note in words, ``\text{(the product rule: …)}``, as a run of its words (a line may break
    between them; each but the last keeps the space after it); None for anything else."""
    match = _TEXT.fullmatch(tex)
    words = match.group(1).split(" ") if match else []
    if len(words) < 2:
        return None
    return [rf"\text{{{word}}}\ " for word in words[:-1]] + [rf"\text{{{words[-1]}}}"]


def _has_comma(tex: str) -> bool:
    """Whether ``tex`` holds a comma outside its groups: an argument list, not one expression."""
    return any(token == "," and depth == 0 for _, _, token, depth in _tokens(tex))


def affix(run: str | Run, before: str, after: str) -> str | Run:
    """``run`` with ``before`` prepended to its first piece and ``after`` appended to its last."""
    if isinstance(run, str):
        return before + run + after
    if len(run) == 1:
        return [affix(run[0], before, after)]
    return [affix(run[0], before, ""), *run[1:-1], affix(run[-1], "", after)]


def _hold(run: Run) -> Run:
    """Pieces that stay whole held on to the opened piece beside them: ``(a + b) X`` breaks as
    ``(a`` and ``+ b) X``, never leaving ``X`` alone on a line."""
    opened = [i for i, item in enumerate(run) if not isinstance(item, str)]
    if not opened:
        return run
    out: Run = []
    for k, i in enumerate(opened):
        end = opened[k + 1] if k + 1 < len(opened) else len(run)
        before = "".join(f"{item} " for item in run[:i]) if k == 0 else ""
        after = "".join(f" {item}" for item in run[i + 1 : end])
        out.append(affix(run[i], before, after))
    return out[0] if len(out) == 1 else out


def split(tex: str, too_wide: Callable[[str], bool], nesting: int = 0) -> str | Run:
    """``tex`` as a run of pieces a line may break between, opening a piece only where ``too_wide(piece)``
    (asked only of a piece that has a place to break: a matrix is never measured)."""
    if nesting > MAX_NESTING:
        return tex
    words = _words(tex)
    pieces = _pieces(words) if words else [tex]
    if len(pieces) > 1:
        if not too_wide(tex):
            return tex
        run = [split(piece, too_wide, nesting + 1) for piece in pieces]
        if not _product(words):
            return run
        notes = []
        while len(run) > 1 and all(_TEXT.fullmatch(leaf.removesuffix(r"\ ")) for leaf in leaves(run[-1])):
            notes.insert(0, run.pop())  # a note after a formula may start a line of its own
        held = _hold(run)
        return [held, *notes] if notes else held
    group = _group(tex)
    if group is None:
        text = _text_words(tex)
        return text if text is not None and too_wide(tex) else tex
    head, opener, inner, closer, tail = group
    inside = _words(inner)
    if not inside or _has_comma(inner) or len(_pieces(inside)) < 2 or not too_wide(tex):
        return tex
    return affix(split(inner, too_wide, nesting + 1), head + opener, closer + tail)


def leaves(run: str | Run) -> list[str]:
    """The pieces of a run, in order, as one flat list."""
    if isinstance(run, str):
        return [run]
    return [leaf for item in run for leaf in leaves(item)]


def standalone(piece: str) -> str:
    """A piece as TeX of its own: one that begins with an operator keeps it binary, ``{}+ x``."""
    first = piece.split(" ", 1)[0]
    return "{}" + piece if first in _OPERATORS or first == "=" else piece
