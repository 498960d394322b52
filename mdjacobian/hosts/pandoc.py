"""The pandoc filter: ``pandoc --filter mdjacobian-pandoc`` (and Quarto's ``filters:``).

pandoc hands a JSON filter the document's AST on standard input and reads the changed AST back.
Every ``jacobian`` code block (```` ```jacobian ```` or ```` ```{.jacobian layout="denominator"} ````,
attributes being block options) becomes, for HTML writers, the package's own HTML (the MathML an
MkDocs page shows, with its caption), and for every other writer a ``Div`` of class ``jacobian``
holding one paragraph of display maths per equation and a caption paragraph, which the writer
typesets its own way (LaTeX, Word equations, EPUB's MathML). A block with ``output: tex`` is maths
for every writer. A bad block is reported on standard error, naming the block, and becomes an error
paragraph in the document; the rest of the document is untouched.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ..errors import BlockError
from ..limits import Limits
from .common import CHECK_MARK, caption_line, checked_options, unchecked_line

PROGRAM = "mdjacobian-pandoc"
FIRST_LINE = 60
"""How much of a block's first line a message quotes to name the block (pandoc gives no line numbers)."""
CLASS = "jacobian"
MIN_API = (1, 17)
"""The oldest pandoc-api-version (pandoc 2.0) whose JSON has the shape read and written here."""
POSITION = "data-pos"
"""The attribute pandoc's ``+sourcepos`` extension adds; a position, not a block option."""
HTML_WRITERS = ("html", "html4", "html5")
"""The output formats that get the package's HTML; pandoc names the format as the filter's argument."""

Node = dict[str, Any]


def _inlines(text: str) -> list[Node]:
    """Words as pandoc inlines: ``Str`` separated by ``Space``; a check mark is maths, for every writer."""
    out: list[Node] = []
    for word in text.split():
        if out:
            out.append({"t": "Space"})
        if word == CHECK_MARK:
            out.append({"t": "Math", "c": [{"t": "InlineMath"}, r"\checkmark"]})
        else:
            out.append({"t": "Str", "c": word})
    return out


def _div(identifier: str, classes: list[str], blocks: list[Node]) -> Node:
    return {"t": "Div", "c": [[identifier, classes, []], blocks]}


def _para(inlines: list[Node]) -> Node:
    return {"t": "Para", "c": inlines}


def _span(class_name: str, inlines: list[Node]) -> Node:
    return {"t": "Span", "c": [["", [class_name], []], inlines]}


def _is_jacobian(node: Node) -> bool:
    return node.get("t") == "CodeBlock" and CLASS in node["c"][0][1]


class Filter:
    """Turns the ``jacobian`` code blocks of one document into maths, counting them for messages."""

    def __init__(self, limits: Limits, errors: TextIO, html: bool = False) -> None:
        self.limits = limits
        self.errors = errors
        self.html = html
        self.count = 0
        self.failed = 0

    def walk(self, value: Any) -> Any:
        """The AST with every ``jacobian`` code block replaced, wherever blocks can be."""
        if isinstance(value, list):
            return [self.walk(item) for item in value]
        if isinstance(value, dict):
            if _is_jacobian(value):
                return self.block(value)
            return {key: self.walk(item) for key, item in value.items()}
        return value

    def block(self, node: Node) -> Node:
        from ..api import evaluate

        (identifier, classes, attributes), text = node["c"]
        self.count += 1
        attributes = dict(attributes)
        position = attributes.pop(POSITION, None)
        classes = [c for c in classes if c != CLASS]
        try:
            result = evaluate(text, limits=self.limits, **checked_options(attributes))
        except BlockError as error:
            self.failed += 1
            self.report(error, text, position)
            return _div(identifier, ["jacobian-error", *classes], self.error_blocks(error))
        if self.html and result.output == "mathml":
            # pandoc's own MathML stretches every parenthesis; the package's is the one MkDocs pages show.
            return {"t": "RawBlock", "c": ["html", result.to_html(classes=classes, id_value=identifier)]}
        maths = [_para([{"t": "Math", "c": [{"t": "DisplayMath"}, tex]}]) for tex in result.equations]
        caption = [_para([_span("jacobian-shape", _inlines(caption_line(result)))])]
        unchecked = unchecked_line(result)
        if unchecked is not None:
            self.report(result.warning, text, position)  # type: ignore[arg-type]
            caption.append(_div("", ["jacobian-check", "jacobian-check-skipped"], [_para([{"t": "Strong", "c": _inlines(unchecked)}])]))
            classes = ["jacobian-unchecked", *classes]
        return _div(identifier, [CLASS, *classes], [*maths, *caption])

    def report(self, error: BlockError, text: str, position: str | None) -> None:
        """One message on standard error: which block (pandoc's JSON has no line numbers), then the error."""
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        if len(first) > FIRST_LINE:  # enough to find the block by; a long line is not repeated whole
            first = first[: FIRST_LINE - 1] + "…"
        where = f" at {position}" if position else ""
        lines = [f"{PROGRAM}: jacobian block {self.count}{where} (first line {first!r}): {error}"]
        lines.extend(f"    {line}" for line in _listing(error))
        print("\n".join(lines), file=self.errors)

    def error_blocks(self, error: BlockError) -> list[Node]:
        """The error as the document shows it: the message, then the line with a caret."""
        message = _para([{"t": "Strong", "c": [{"t": "Str", "c": "jacobian:"}]}, {"t": "Space"}, *_inlines(str(error))])
        listing = _listing(error)
        return [message, {"t": "CodeBlock", "c": [["", [], []], "\n".join(listing)]}] if listing else [message]


def _listing(error: BlockError) -> list[str]:
    if error.source_line is None or error.line is None:
        return []
    gutter = f"{error.line} | "
    lines = [gutter + error.source_line]
    if error.column:
        lines.append(" " * (len(gutter) + error.column - 1) + "^")
    return lines


def _api_version(document: Any) -> tuple[int, ...] | None:
    version = document.get("pandoc-api-version") if isinstance(document, dict) else None
    if not (isinstance(version, list) and version and all(isinstance(n, int) for n in version)):
        return None
    return tuple(version)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="A pandoc JSON filter that computes jacobian code blocks: pandoc --filter mdjacobian-pandoc",
    )
    parser.add_argument("format", nargs="?", help="the output format, which pandoc passes to every filter")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Filter one pandoc JSON document from standard input to standard output."""
    arguments = _parser().parse_args(argv)
    try:
        document = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        print(f"{PROGRAM}: standard input is not a pandoc JSON document ({exc}); run it as pandoc --filter {PROGRAM}", file=sys.stderr)
        return 1
    version = _api_version(document)
    if version is None or version[0] != MIN_API[0] or version[:2] < MIN_API:
        found = ".".join(map(str, version)) if version else "none"
        print(f"{PROGRAM}: needs pandoc 2.0 or newer (pandoc-api-version 1.17 and up, found {found})", file=sys.stderr)
        return 1
    blocks = Filter(Limits(), sys.stderr, html=arguments.format in HTML_WRITERS)
    document["blocks"] = blocks.walk(document["blocks"])
    sys.stdout.buffer.write(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    return 0
