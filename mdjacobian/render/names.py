"""How a name of the block prints: Greek spellings as Greek letters, subscripts, upright words.

SymPy's conventions decide the pieces: ``alpha`` is α, a trailing number or ``_i`` is a subscript,
``xhat`` is x̂. Two rules are ours: a name of several letters that is no Greek letter (``hn``,
``loss``) is one upright word, never a product of italic letters; and ``eps`` is ε, as ``epsilon``.
"""

from __future__ import annotations

import functools

ALIASES = {"eps": "varepsilon", "epsilon": "varepsilon"}
"""Spellings of a Greek letter beyond SymPy's own, and ε drawn as the ε of deep-learning texts."""


@functools.lru_cache(maxsize=4096)
def _parts(name: str) -> tuple[str, bool, str]:
    """The name's base as TeX, whether it is a word of several letters, and its scripts as TeX."""
    from sympy.printing.conventions import split_super_sub
    from sympy.printing.latex import translate

    base, supers, subs = split_super_sub(name)
    tex = translate(ALIASES.get(base, base))
    word = tex == base and len(base) > 1
    scripts = ""
    if supers:
        scripts += "^{%s}" % " ".join(translate(s) for s in supers)
    if subs:
        scripts += "_{%s}" % " ".join(translate(s) for s in subs)
    return tex, word, scripts


def name_tex(name: str) -> str:
    """A name as TeX: alpha is α, x1 and x_1 are x₁, eps is ε, hn is the upright word hn."""
    base, word, scripts = _parts(name)
    return (rf"\mathrm{{{base}}}" if word else base) + scripts


def bold(name: str) -> str:
    """A vector's name in bold upright, its subscript not: x is 𝐱, alpha is 𝛂, b1 is 𝐛₁, hn is 𝐡𝐧."""
    base, _, scripts = _parts(name)
    return rf"\mathbf{{{base}}}" + scripts
