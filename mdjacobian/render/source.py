"""A block's source shown next to its result: above, below, in content tabs, or as a Material block.

The source is the block exactly as written, shown as code of language ``text`` and highlighted the
way the page highlights its other code: pymdownx.highlight when SuperFences handles the page's
fences (or pymdownx.highlight is enabled), codehilite when it is loaded, else a plain
``<pre><code class="language-text">``. It is shown, never computed again.
"""

from __future__ import annotations

import html
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown import Markdown

LABELS = ("Source", "Result")


def highlight_source(text: str, md: Markdown | None) -> str:
    """``text`` as a code block of language ``text``, highlighted as the page's other code is."""
    text = text.rstrip("\n")
    extension = _pymdownx_highlight(md)
    if extension is not None:
        settings = extension.get_pymdownx_highlight_settings()
        highlighter = extension.get_pymdownx_highlighter()
        accepted = inspect.signature(highlighter).parameters
        highlight = highlighter(md, **{key: value for key, value in settings.items() if key in accepted})
        return highlight.highlight(text, "text", css_class=settings.get("css_class", "highlight"))
    if md is not None and "hilite" in md.treeprocessors:
        from markdown.extensions.codehilite import CodeHilite

        config = dict(md.treeprocessors["hilite"].config)
        return CodeHilite(text, lang="text", **config).hilite()
    return f'<pre><code class="language-text">{html.escape(text)}\n</code></pre>'


def _pymdownx_highlight(md: Markdown | None) -> Any:
    """pymdownx.highlight's extension when it decides how this page's fences look, else None."""
    extensions = list(getattr(md, "registeredExtensions", ()))
    highlight = next((e for e in extensions if hasattr(e, "get_pymdownx_highlight_settings")), None)
    if highlight is None:
        return None
    superfences = any(isinstance(getattr(e, "superfences", None), list) for e in extensions)
    return highlight if superfences or getattr(highlight, "enabled", False) else None


@dataclass(frozen=True)
class Tabs:
    """pymdownx.tabbed as the page has it: whether in its alternate style, and where to count tab sets."""

    alternate: bool
    processor: Any  # the tabbed block processor, whose count of tab sets keeps ids unique on the page

    def next_set(self) -> int:
        self.processor.tab_group_count += 1
        return int(self.processor.tab_group_count)


def tabs_for(md: Markdown | None) -> Tabs | None:
    """pymdownx.tabbed's settings when it is loaded into ``md``, else None."""
    blockprocessors = getattr(getattr(md, "parser", None), "blockprocessors", None)
    if blockprocessors is None or "tabbed" not in blockprocessors:
        return None
    processor = blockprocessors["tabbed"]
    if not hasattr(processor, "tab_group_count"):
        return None
    return Tabs(bool(getattr(processor, "alternate_style", False)), processor)


def with_source(where: str, source_html: str, result_html: str, tabs: Tabs | None = None) -> str:
    """Put the highlighted source and the result together as ``where`` says.

    Args:
        where: ``none``, ``above``, ``below``, ``tabbed-left``, ``tabbed-right`` or ``material-block``.
        source_html: the block's source, already highlighted (:func:`highlight_source`).
        result_html: the block's HTML: its result or its error box.
        tabs: pymdownx.tabbed's settings for the page (:func:`tabs_for`); without them the tabbed
            forms become two labelled parts, one after the other.
    """
    if where == "none":
        return result_html
    if where == "above":
        return f"{source_html}\n{result_html}"
    if where == "below":
        return f"{result_html}\n{source_html}"
    if where == "material-block":
        return f'{source_html}\n<div class="result">\n{result_html}\n</div>'
    if where not in ("tabbed-left", "tabbed-right"):
        raise ValueError(f"unknown place for the source: {where!r}")
    parts = [(LABELS[0], source_html), (LABELS[1], result_html)]
    if where == "tabbed-right":
        parts.reverse()
    if tabs is None:
        return _labelled(parts)
    return _tabbed(parts, tabs.next_set(), tabs.alternate)


def _labelled(parts: list[tuple[str, str]]) -> str:
    shown = "\n".join(
        f'<div class="jacobian-part jacobian-part-{label.lower()}">\n'
        f'<p class="jacobian-part-label">{label}</p>\n{content}\n</div>'
        for label, content in parts
    )
    return f'<div class="jacobian-with-source">\n{shown}\n</div>'


def _tabbed(parts: list[tuple[str, str]], number: int, alternate: bool) -> str:
    """pymdownx.tabbed's markup for one tab set of ``parts``, the first tab selected."""
    name = f"__tabbed_{number}"
    checked = ' checked="checked"'
    inputs = [
        f'<input{checked if i == 1 else ""} id="{name}_{i}" name="{name}" type="radio" />'
        for i in range(1, len(parts) + 1)
    ]
    labels = [f'<label for="{name}_{i}">{label}</label>' for i, (label, _) in enumerate(parts, start=1)]
    opening = f'<div class="tabbed-set{" tabbed-alternate" if alternate else ""}" data-tabs="{number}:{len(parts)}">'
    if alternate:
        blocks = "".join(f'<div class="tabbed-block">\n{content}\n</div>\n' for _, content in parts)
        return (
            f'{opening}{"".join(inputs)}<div class="tabbed-labels">{"".join(labels)}</div>\n'
            f'<div class="tabbed-content">\n{blocks}</div>\n</div>'
        )
    tabs = "\n".join(
        f'{put}{label}<div class="tabbed-content">\n{content}\n</div>'
        for put, label, (_, content) in zip(inputs, labels, parts)
    )
    return f"{opening}{tabs}\n</div>"
