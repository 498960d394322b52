"""The IPython extension: ``%load_ext mdjacobian`` adds the ``%%jacobian`` cell magic.

The cell is a block; options go on the magic line, as on a Markdown fence line::

    %%jacobian --layout denominator --show full --wrt x,y
    f(x, y) = 3x^2 y
    g(x, y) = 2x + y^8

The cell's value is the :class:`~mdjacobian.Result`, which a notebook shows as its maths. A bad block
(or a bad option) shows the error box and a one-line message in the cell's output, not a traceback.
Loading the extension also puts the package's stylesheet, with the math font inside it, in that
cell's output, so the notebook and the HTML nbconvert makes of it look like an MkDocs page, offline.
"""

from __future__ import annotations

import argparse
import base64
import shlex
import sys
from pathlib import Path
from typing import Any

from ..errors import BlockError
from ..limits import Limits
from ..options import OPTION_NAMES

MAGIC = "jacobian"
ASSETS = Path(__file__).parent.parent / "assets"
FONT_URL = 'url("latinmodern-math.otf")'
"""How the stylesheet names the math font beside it; a notebook gets the font itself in its place."""


class _Arguments(argparse.ArgumentParser):
    """argparse that reports a bad magic line as a BlockError instead of exiting the kernel."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise BlockError(f"on the %%{MAGIC} line: {message}")


def _parser() -> _Arguments:
    parser = _Arguments(
        prog=f"%%{MAGIC}", add_help=False, allow_abbrev=False, description="Compute the cell as a jacobian block."
    )
    for name in OPTION_NAMES:
        parser.add_argument(f"--{name}", metavar="VALUE", help=f"the block's {name} option")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="seconds the block may take; 0 for no limit")
    return parser


def magic_options(line: str) -> tuple[dict[str, str], Limits]:
    """The block options and limits written on the magic line; raises BlockError."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise BlockError(f"on the %%{MAGIC} line: {exc}") from None
    arguments = vars(_parser().parse_args(words))
    timeout = arguments.pop("timeout")
    try:
        limits = Limits() if timeout is None else Limits(timeout=timeout)
    except ValueError as exc:
        raise BlockError(f"on the %%{MAGIC} line: --timeout: {exc}") from None
    return {key: value for key, value in arguments.items() if value is not None}, limits


def jacobian(line: str, cell: str) -> Any:
    """``%%jacobian [--wrt x,y] [--at 'x = 1'] [--layout ...] [--show ...] [--output ...] [--timeout s]``."""
    from ..api import evaluate

    try:
        options, limits = magic_options(line)
        result = evaluate(cell, limits=limits, **options)
    except BlockError as error:
        _show_error(error)
        return None
    if result.warning is not None:
        print(f"jacobian: warning: {result.warning}", file=sys.stderr)  # the cell's output shows it, every time
    return result


def _show_error(error: BlockError) -> None:
    from IPython.display import display

    from ..render import render_error

    display({"text/plain": f"jacobian: {error}", "text/html": render_error(error)}, raw=True)


def notebook_stylesheet() -> str:
    """The package's stylesheet with the math font embedded, for a notebook, which has no folder to load it from."""
    css = (ASSETS / "mdjacobian.css").read_text(encoding="utf-8")
    if FONT_URL not in css:
        raise RuntimeError(f"mdjacobian.css no longer names the font as {FONT_URL}")
    font = base64.b64encode((ASSETS / "latinmodern-math.otf").read_bytes()).decode("ascii")
    return css.replace(FONT_URL, f'url("data:font/otf;base64,{font}")')


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%%jacobian`` cell magic, and style the notebook's blocks and error boxes."""
    from IPython.display import display

    ipython.register_magic_function(jacobian, magic_kind="cell", magic_name=MAGIC)
    if getattr(ipython, "kernel", None) is not None:  # a notebook's kernel, not a terminal
        display({"text/html": f'<style id="mdjacobian-style">\n{notebook_stylesheet()}</style>'}, raw=True)
