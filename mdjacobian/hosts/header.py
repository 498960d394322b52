"""A fence's header read as SuperFences reads it, in time proportional to its length.

After the fence marker SuperFences accepts a language, then an attribute list in braces, or
``key="value"`` options, or nothing; anything else is not a fence line. Its own pattern for this
can try every way of splitting options into keys and quoted values, which on a header such as
``a="" a="" … =`` is a number of ways that doubles with each option. This reader decides the same
questions position by position: each pattern it uses is a single run of one character class,
which never backtracks, and every character is looked at a bounded number of times.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

# Runs of one character class, matched at a position: each takes time in proportion to its length.
_BLANKS = re.compile(r"[ \t]*")
_LANGUAGE = re.compile(r"[\w#.+-]*")
_KEY = re.compile(r"[a-zA-Z][a-zA-Z0-9_]*")
_LETTER = re.compile(r"[a-zA-Z]")
_QUOTE = re.compile(r"[\"']")
_OTHER_SPACE = re.compile(r"[^\S \t]")  # whitespace other than a space or a tab
_ATTR_WORD = re.compile(r"[^ =}]*")


@dataclass(frozen=True)
class Header:
    """What a fence line says after its marker, in SuperFences' terms."""

    language: str | None
    attrs: str | None  # what stands between the braces of ``{.jacobian #id key="value"}``
    options: str | None  # the ``key="value"`` options as written, for :func:`options_of`


def read_header(text: str) -> Header | None:
    """The parts of a fence's header, or None when SuperFences would not take it for a fence line."""
    if "\n" in text:
        return None  # a header is one line
    end = len(text.rstrip(" \t"))
    for language, start in [*_languages(text), (None, 0)]:
        rest = _rest(text, start, end)
        if rest == "unrecognized":
            return None
        if rest is not None:
            attrs, options = rest
            return Header(language, attrs, options)
    return None


def _languages(text: str) -> list[tuple[str, int]]:
    """The ways the header may begin with a language, SuperFences' first: ``.python`` as ``python``,
    then as ``.python``. Each is followed by a blank or the end of the line."""
    first = _BLANKS.match(text).end()
    found = []
    for start in (first + 1, first) if text.startswith(".", first) else (first,):
        stop = _LANGUAGE.match(text, start).end()
        if stop > start and (stop == len(text) or text[stop] in " \t"):
            found.append((text[start:stop], stop))
    return found


def _rest(text: str, start: int, end: int) -> tuple[str | None, str | None] | str | None:
    """What follows the language (from ``start``; only blanks after ``end``): (attrs, options),
    ``"unrecognized"`` for words SuperFences does not take for a fence line, or None for no match."""
    first = _BLANKS.match(text, start).end()
    if first < end - 1 and text[first] == "{" and text[end - 1] == "}":
        return text[first + 1 : end - 1], None
    if first >= end:
        return None, None
    if _options_cover(text, start, end):
        return None, text[start:end]
    if not _OTHER_SPACE.search(text, start, end):
        return "unrecognized"  # words separated by blanks
    return None


def _options_cover(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a list of options, ``key`` or ``key="value"``, each followed
    by a blank or the end of the line.

    A quoted value ends at the first quote of its kind followed by a blank that lets the rest be
    read as options too, so it may end at any of several quotes. Rather than trying each, the
    reader walks the line once: where an option may start (``starts``, a heap), it reads the key;
    a key opening a value marks its quote open from the value's first character on; and every
    quote of an open kind followed by a blank or the end is a place where an option may end, so
    one more may start there.
    """
    n = len(text)
    opened: dict[str, int] = {}  # quote -> where the earliest value opened with it begins
    starts, seen = [start], {start}

    def advance(limit: int) -> bool:
        """Read the options starting before ``limit``; True once one ends at ``end``."""
        while starts and starts[0] <= limit:
            at = heapq.heappop(starts)
            if at == end:
                return True
            key = _KEY.match(text, _BLANKS.match(text, at).end())
            if key is None:
                continue
            after = key.end()
            if after == n or text[after] in " \t":
                add(after)  # a key without a value
            elif text.startswith("=", after) and text[after + 1 : after + 2] in ('"', "'"):
                quote = text[after + 1]
                opened[quote] = min(opened.get(quote, n), after + 2)
        return False

    def add(position: int) -> None:
        if position not in seen:
            seen.add(position)
            heapq.heappush(starts, position)

    for quote in _QUOTE.finditer(text, start, end):
        at = quote.start()
        if advance(at):
            return True
        char = quote.group()
        if opened.get(char, n) <= at and (at + 1 == n or text[at + 1] in " \t"):
            add(at + 1)
    return advance(end)


def options_of(options: str) -> dict[str, str]:
    """The values of ``key="value"`` options, read as SuperFences reads them: a key alone means
    ``key="key"``, a value ends at its first closing quote, and a later key wins."""
    values: dict[str, str] = {}
    closing = _NextChar(options)
    at = 0
    while (letter := _LETTER.search(options, at)) is not None:
        key_end = _KEY.match(options, letter.start()).end()
        key = options[letter.start() : key_end]
        at = key_end
        quote = options[key_end + 1 : key_end + 2]
        if options.startswith("=", key_end) and quote in ('"', "'"):
            close = closing.find(quote, key_end + 2)
            if close >= 0:
                values[key] = options[key_end + 2 : close]
                at = close + 1
                continue
        values[key] = key
    return values


def attrs_of(attrs: str) -> list[tuple[str, str | None]]:
    """The attributes between the braces of a fence line, read as Python-Markdown's ``attr_list``
    reads them: ``.class`` as ``(".", "class")``, ``#id`` as ``("id", "id")``, ``key=value`` with a
    quoted or bare value, a lone word with the value None. Reading stops at a stray ``=`` or ``}``."""
    found: list[tuple[str, str | None]] = []
    closing = _NextChar(attrs)
    n, at = len(attrs), 0
    while at < n:
        if attrs[at] == " ":
            at += 1
            continue
        word_end = _ATTR_WORD.match(attrs, at).end()
        if word_end == at:
            break  # a '=' or '}' where a word should start
        word = attrs[at:word_end]
        if attrs.startswith("=", word_end):
            quote = attrs[word_end + 1 : word_end + 2]
            close = closing.find(quote, word_end + 2) if quote in ('"', "'") else -1
            if close >= 0:
                found.append((word, attrs[word_end + 2 : close]))
                at = close + 1
                continue
            value_end = _ATTR_WORD.match(attrs, word_end + 1).end()
            if value_end > word_end + 1:
                found.append((word, attrs[word_end + 1 : value_end]))
                at = value_end
                continue
        if word.startswith("."):
            found.append((".", word[1:]))
        elif word.startswith("#"):
            found.append(("id", word[1:]))
        else:
            found.append((word, None))
        at = word_end
    return found


class _NextChar:
    """Where a character next occurs in a text, asked at positions that never go back: each stretch
    of the text is searched once, so a line of unclosed quotes costs no more than one search."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.known: dict[str, int] = {}  # char -> its next position after the last question (-1: none)

    def find(self, char: str, at: int) -> int:
        found = self.known.get(char)
        if found is None or (0 <= found < at):
            found = self.text.find(char, at)
            self.known[char] = found
        return found
