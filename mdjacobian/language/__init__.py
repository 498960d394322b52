"""Block text -> :class:`~mdjacobian.model.Block`: the tokenizer, grammar, declarations and options.

This layer builds syntax trees only; it never imports SymPy, so hosts can check a block cheaply.
"""

from .block import natural_key, read_block
from .grammar import FUNCTIONS, RESERVED, parse_expression

__all__ = ["FUNCTIONS", "RESERVED", "natural_key", "parse_expression", "read_block"]
