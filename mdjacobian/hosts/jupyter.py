"""The IPython extension: ``%load_ext mdjacobian`` adds the ``%%jacobian`` cell magic.

The cell is a block; options go on the magic line, as on a Markdown fence line::

    %%jacobian --layout denominator --show full --wrt x,y
    f(x, y) = 3x^2 y
    g(x, y) = 2x + y^8

The cell's value is the :class:`~mdjacobian.Result`, which a notebook shows as its maths. A bad block
(or a bad option) shows the error box and a one-line message in the cell's output, not a traceback.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from ..errors import BlockError
from ..limits import Limits
from ..options import OPTION_NAMES

MAGIC = "jacobian"


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
        return evaluate(cell, limits=limits, **options)
    except BlockError as error:
        _show_error(error)
        return None


def _show_error(error: BlockError) -> None:
    from IPython.display import display

    from ..render import render_error

    display({"text/plain": f"jacobian: {error}", "text/html": render_error(error)}, raw=True)


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%%jacobian`` cell magic."""
    ipython.register_magic_function(jacobian, magic_kind="cell", magic_name=MAGIC)
