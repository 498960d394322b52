"""TeX -> MathML Core with the math-core converter, for blocks and for a page's Arithmatex maths."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable

from ..errors import BlockError

_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


@functools.lru_cache(maxsize=None)
def _converter():  # noqa: ANN202 - math_core's type is private
    from math_core import LatexToMathML

    return LatexToMathML(annotation=True, fancy_error=False)


def _numeric_entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name in _XML_ENTITIES:
        return m.group(0)
    char = html.unescape(m.group(0))
    return "".join(f"&#x{ord(c):X};" for c in char) if char != m.group(0) else m.group(0)


def _convert(tex: str, display: bool) -> str:
    return _ENTITY.sub(_numeric_entity, _converter().convert_with_local_state(tex, displaystyle=display))


def tex_to_mathml(tex: str) -> str:
    """Convert display TeX to one ``<math display="block">`` element of MathML Core.

    math-core writes a few characters as HTML named entities (``&ApplyFunction;``); MathML in XML
    and some HTML parsers know only numeric ones, so those are rewritten.
    """
    from math_core import LatexError

    try:
        return _convert(tex, display=True)
    except LatexError as exc:
        raise BlockError(f"could not render the result as MathML: {exc}") from None


_ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*(?P<open>\\\(|\\\[)(?P<tex>.*?)(?:\\\)|\\\])\s*</(?P=tag)>', re.S
)


def arithmatex_to_mathml(page: str, on_error: Callable[[str, BlockError], None] | None = None) -> str:
    """Replace Arithmatex generic markup (``\\(…\\)`` spans, ``\\[…\\]`` divs) with MathML Core.

    A formula math-core cannot convert is left as TeX and reported through ``on_error``.
    """

    from math_core import LatexError

    def convert(m: re.Match[str]) -> str:
        tex = html.unescape(m.group("tex")).strip()
        display = m.group("open") == "\\["
        try:
            mathml = _convert(tex, display)
        except LatexError as exc:
            if on_error:
                on_error(tex, BlockError(str(exc).strip()))
            return m.group(0)
        return f'<{m.group("tag")} class="arithmatex">{mathml}</{m.group("tag")}>'

    return _ARITHMATEX.sub(convert, page)
