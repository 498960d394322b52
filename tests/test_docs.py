"""The documentation's examples, checked against the code.

1. Every ``text title="Block"`` fence in ``docs/reference/errors.md`` is followed by a
   ``text title="Message"`` fence, and evaluating the block raises exactly that message.
2. Every live ``jacobian`` fence in ``docs/`` (top level, or indented inside an admonition, a
   content tab or a list) evaluates without error, with its fence-line options applied; one
   marked ``expect: error`` raises a BlockError.
   Fences shown as source inside a longer outer fence (````` ````markdown `````) are not live.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import mdjacobian

DOCS = Path(__file__).resolve().parent.parent / "docs"
ERRORS = DOCS / "reference" / "errors.md"

_OPEN = re.compile(r"(?P<indent>[ \t]*)(?P<marker>`{3,}|~{3,})(?P<info>.*)")
_CLOSE = re.compile(r"[ \t]*(?P<marker>`{3,}|~{3,})[ \t]*")
_FENCE_OPTION = re.compile(r"""([A-Za-z_][-\w]*)=(?:"([^"]*)"|'([^']*)')""")


@dataclass(frozen=True)
class Fence:
    path: Path
    line: int  # 1-based line of the opening fence
    info: str  # what follows the backticks, e.g. 'jacobian layout="denominator"'
    body: str  # the content, with the fence's indentation removed

    @property
    def language(self) -> str:
        return self.info.split(maxsplit=1)[0] if self.info.strip() else ""

    def id(self) -> str:
        return f"{self.path.relative_to(DOCS)}:{self.line}"


def fences(path: Path) -> Iterator[Fence]:
    """Every outermost fenced block of a Markdown file, as SuperFences sees them."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = _OPEN.fullmatch(lines[i])
        if opening is None or "`" in opening.group("info"):
            i += 1
            continue
        indent, marker = opening.group("indent"), opening.group("marker")
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            closing = _CLOSE.fullmatch(lines[j])
            if closing and closing.group("marker")[0] == marker[0] and len(closing.group("marker")) >= len(marker):
                break
            line = lines[j]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            j += 1
        yield Fence(path, i + 1, opening.group("info").strip(), "\n".join(body))
        i = j + 1


def fence_options(info: str) -> dict[str, str]:
    """Options written on the fence line: ``jacobian layout="denominator" wrt='x, y'``."""
    return {key: double or single for key, double, single in _FENCE_OPTION.findall(info)}


def error_examples() -> list[tuple[Fence, str]]:
    found = list(fences(ERRORS))
    pairs = []
    for k, fence in enumerate(found):
        if fence.info != 'text title="Block"':
            continue
        following = found[k + 1] if k + 1 < len(found) else None
        assert following is not None and following.info == 'text title="Message"', (
            f"{fence.id()}: a Block fence must be followed by a Message fence"
        )
        pairs.append((fence, following.body.strip("\n")))
    return pairs


def live_blocks() -> list[Fence]:
    return [
        fence
        for path in sorted(DOCS.rglob("*.md"))
        for fence in fences(path)
        if fence.language == "jacobian"
    ]


ERROR_EXAMPLES = error_examples()
LIVE_BLOCKS = live_blocks()


def test_the_documentation_has_examples():
    assert len(ERROR_EXAMPLES) >= 40
    assert len(LIVE_BLOCKS) >= 40
    messages = [fence for fence in fences(ERRORS) if fence.info == 'text title="Message"']
    assert len(messages) == len(ERROR_EXAMPLES), "every Message fence belongs to a Block fence"


@pytest.mark.parametrize(("block", "message"), ERROR_EXAMPLES, ids=[b.id() for b, _ in ERROR_EXAMPLES])
def test_error_message_is_what_the_code_says(block: Fence, message: str):
    with pytest.raises(mdjacobian.BlockError) as excinfo:
        mdjacobian.evaluate(block.body)
    assert str(excinfo.value) == message


def expects_error(block: Fence) -> bool:
    """Whether the block is shown failing on purpose: ``expect: error`` on the fence line or in the block."""
    lines = [line.split("#", 1)[0].replace(" ", "") for line in block.body.splitlines()]
    return fence_options(block.info).get("expect") == "error" or "expect:error" in lines


@pytest.mark.parametrize("block", LIVE_BLOCKS, ids=[b.id() for b in LIVE_BLOCKS])
def test_live_block_evaluates(block: Fence):
    # source and expect are for the page, not the computation: evaluate() does not take them.
    options = {k: v for k, v in fence_options(block.info).items() if k not in ("source", "expect")}
    if expects_error(block):
        with pytest.raises(mdjacobian.BlockError):
            mdjacobian.evaluate(block.body, **options)
        return
    result = mdjacobian.evaluate(block.body, **options)
    assert result.to_html()


def test_fence_reader_skips_nested_source_examples(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "````markdown\n```jacobian\nf = x +\n```\n````\n\n"
        '!!! note\n\n    ```jacobian layout="denominator"\n    f(x, y) = x y\n    ```\n',
        encoding="utf-8",
    )
    found = list(fences(page))
    assert [f.language for f in found] == ["markdown", "jacobian"]
    assert found[1].body == "f(x, y) = x y"
    assert fence_options(found[1].info) == {"layout": "denominator"}


def test_the_home_page_opens_every_example_on_its_result():
    shown = [f for f in fences(DOCS / "index.md") if f.language == "jacobian"]
    assert shown, "the home page shows no block"
    assert not [f.id() for f in shown if 'source="tabbed-left"' in f.info or "source: tabbed-left" in f.body]
