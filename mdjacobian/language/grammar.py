"""The expression language: a tokenizer and a recursive-descent parser that build a syntax tree.

Text never reaches ``eval``, ``exec``, ``sympify`` or ``parse_expr``: every token is matched by the
regular expression below, every construct is built by the parser, and anything else is a BlockError
naming the column. Numbers are exact fractions whose size is checked before they are built.

Grammar (``^`` and ``**`` are the same operator)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | ".*" | "./" | "·") unary | power)*   # a bare power multiplies
    unary   := ("+" | "-") unary | power
    power   := postfix (("^" | "**" | ".^") unary)?  # right-associative: 2^3^2 = 2^9; x^T transposes
    postfix := primary "ᵀ"*
    primary := NUMBER | NAME | NAME "(" args ")" | "(" expr ")" | "[" expr ("," expr)* "]"

``⊗`` and ``⊙`` spell ``.*``, ``⊘`` spells ``./``. Only ASCII digits are digits, and only spaces and
tabs separate tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction

from ..errors import BlockError, LimitError
from ..limits import Limits
from ..options import check_name
from . import syntax as ast

_TOKEN_RE = re.compile(
    r"(?P<space>[ \t]+)"
    r"|(?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|\.\*|\./|\.\^|[-+*/^(),\[\]=·⊗⊙⊘ᵀ])"
)
_SPELLINGS = {"⊗": ".*", "⊙": ".*", "⊘": "./", "**": "^"}
_NUMBER = re.compile(r"([0-9]*)(?:\.([0-9]*))?(?:[eE]([-+]?[0-9]+))?")

END = "end"

FUNCTIONS: dict[str, tuple[int, int | None]] = {
    **dict.fromkeys(
        "sin cos tan cot sec csc asin acos atan sinh cosh tanh exp ln sqrt abs sign Heaviside sigmoid".split(),
        (1, 1),
    ),
    "log": (1, 2),
    "atan2": (2, 2),
    "max": (2, None),
    "min": (2, None),
    # Functions of vectors and matrices.
    **dict.fromkeys("sum mean var softmax logsoftmax logsumexp norm norm1 tr det logdet inv diag".split(), (1, 1)),
    "dot": (2, 2),
}
"""Built-in functions: name -> (least, most arguments). Scalar functions apply element by element."""

CONSTANTS = frozenset({"pi"})
RESERVED = frozenset(FUNCTIONS) | CONSTANTS
IMPLICIT = frozenset({"e", "I"})
"""Euler's number and the identity matrix: their meaning unless the block declares the name, lists it
in ``wrt`` or makes it a parameter (``f(I, R) = I^2 R``)."""
IDENTITY_NAME = re.compile(r"I_([A-Za-z][A-Za-z0-9_]*|[0-9]+)")
"""``I_n``, ``I_3``: the identity matrix of a given size, under the same condition."""


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op" or END
    text: str
    column: int  # 1-based, within the line

    @property
    def op(self) -> str:
        """The operator this token spells (``**`` is ``^``, ``⊗`` is ``.*``), or "" for other tokens."""
        return _SPELLINGS.get(self.text, self.text) if self.kind == "op" else ""


def _describe_char(char: str) -> str:
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    name = unicodedata.name(char, "").lower()
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def tokenize(text: str, column: int = 1) -> list[Token]:
    """Split ``text`` into tokens; ``column`` is where ``text`` starts within its line."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            char = text[pos]
            hint = " (only the digits 0-9 are numbers)" if unicodedata.category(char) == "Nd" else ""
            raise BlockError(f"unexpected character {_describe_char(char)}{hint}", column=column + pos)
        kind = m.lastgroup or ""
        if kind == "num" and tokens and tokens[-1].kind == "name" and m.group().startswith(".") and tokens[-1].column + len(tokens[-1].text) == column + pos:
            raise BlockError(
                f"'{tokens[-1].text}{m.group()}' is not a name or a number: write {tokens[-1].text} * 0{m.group()}",
                column=tokens[-1].column,
            )
        if kind != "space":
            tokens.append(Token(kind, m.group(), column + pos))
        pos = m.end()
    tokens.append(Token(END, "", column + len(text)))
    return tokens


def number_value(token: Token, limits: Limits) -> Fraction:
    """The exact value of a number token: ``0.25`` is 1/4 and ``2.5e-4`` is 1/4000."""
    whole, frac, exponent = _NUMBER.fullmatch(token.text).groups()  # type: ignore[union-attr]
    whole, frac = whole or "", frac or ""
    power = int(exponent or "0")
    digits = len((whole + frac).lstrip("0")) + abs(power)
    if digits > limits.max_literal_digits:
        raise LimitError(
            f"number has more than {limits.max_literal_digits} digits",
            limit="max_literal_digits",
            column=token.column,
        )
    value = Fraction(int(whole + frac or "0"), 10 ** len(frac))
    return value * Fraction(10) ** power


class Parser:
    """Parse one expression from a token list.

    Args:
        variables: names that multiply when followed by ``(`` (``x(y + 1)``), rather than call.
        defined: names of functions the block defines, which are used by name and never called.
    """

    def __init__(
        self, tokens: list[Token], limits: Limits, variables: Collection[str] = (), defined: Collection[str] = ()
    ) -> None:
        self.tokens = tokens
        self.pos = 0
        self.limits = limits
        self.variables = variables
        self.defined = defined
        self.depth = 0

    # -- token helpers -------------------------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != END:
            self.pos += 1
        return token

    def at_op(self, *ops: str) -> bool:
        return self.peek().op in ops

    def unexpected(self) -> BlockError:
        """The error for the token at the current position."""
        token = self.peek()
        before = self.tokens[self.pos - 1].text if self.pos > 0 else None
        if token.op == "[" and before is not None:
            return BlockError(
                f"unexpected '[' after '{before}': there is no indexing; a vector's entries are named x1, x2, …",
                column=token.column,
            )
        if token.kind == END:
            reason = f"expression ends after '{before}'" if before else "expected an expression"
        elif before:
            reason = f"unexpected '{token.text}' after '{before}'"
        else:
            reason = f"unexpected '{token.text}' at the start of the expression"
        return BlockError(reason, column=token.column)

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise LimitError(
                f"nesting is deeper than the limit of {self.limits.max_depth} levels",
                limit="max_depth",
                column=token.column,
            )

    def close(self, opening: Token, closing: str = ")") -> None:
        if not self.at_op(closing):
            token = self.peek()
            where = "the line ends" if token.kind == END else f"found '{token.text}'"
            what = f"for the '{opening.text}' at column {opening.column}" if closing == ")" else "to close the vector"
            raise BlockError(f"missing '{closing}' {what}: {where}", column=token.column)
        self.advance()

    # -- grammar ------------------------------------------------------------------------------------
    def parse(self) -> ast.Expr:
        """Parse the whole token list as one expression."""
        expr = self.expr()
        if self.peek().kind != END:
            raise self.unexpected()
        return expr

    def expr(self) -> ast.Expr:
        left = self.term()
        while self.at_op("+", "-"):
            token = self.advance()
            left = ast.Binary(token.op, left, self.term(), token.column)
        return left

    def term(self) -> ast.Expr:
        left = self.unary()
        while True:
            token = self.peek()
            if self.at_op("*", "/", ".*", "./", "·"):
                self.advance()
                right = self.unary()
                if token.op in ("/", "./") and isinstance(right, ast.Num) and right.value == 0:
                    raise BlockError("division by zero", column=token.column)
                left = ast.Binary(token.op, left, right, token.column)
            elif token.kind in ("num", "name") or self.at_op("("):
                previous = self.tokens[self.pos - 1]
                if token.kind == "num" and previous.kind == "num":
                    raise BlockError(
                        f"missing operator between '{previous.text}' and '{token.text}'", column=token.column
                    )
                left = ast.Binary("*", left, self.power(), token.column)
            else:
                return left

    def unary(self) -> ast.Expr:
        if self.at_op("+", "-"):
            token = self.advance()
            self.enter(token)
            operand = self.unary()
            self.depth -= 1
            return operand if token.text == "+" else ast.Negate(operand, token.column)
        return self.power()

    def power(self) -> ast.Expr:
        base = self.postfix()
        if self.at_op("^", ".^"):
            token = self.advance()
            self.enter(token)
            exponent = self.unary()
            self.depth -= 1
            if isinstance(base, ast.Num) and base.value == 0 and isinstance(exponent, ast.Negate) and isinstance(exponent.operand, ast.Num):
                raise BlockError("division by zero (0 to a negative power)", column=token.column)
            return ast.Power(base, exponent, token.column, elementwise=token.op == ".^")
        return base

    def postfix(self) -> ast.Expr:
        operand = self.primary()
        while self.at_op("ᵀ"):
            operand = ast.Transpose(operand, self.advance().column)
        return operand

    def primary(self) -> ast.Expr:
        token = self.peek()
        if token.kind == "num":
            self.advance()
            return ast.Num(number_value(token, self.limits), token.text, token.column)
        if token.kind == "name":
            return self.name(self.advance())
        if self.at_op("("):
            self.enter(self.advance())
            inner = self.expr()
            self.close(token)
            self.depth -= 1
            return inner
        if self.at_op("["):
            self.enter(self.advance())
            items = [self.expr()]
            while self.at_op(","):
                self.advance()
                items.append(self.expr())
            self.close(token, "]")
            self.depth -= 1
            return ast.Vector(tuple(items), token.column)
        raise self.unexpected()

    def name(self, token: Token) -> ast.Expr:
        name = token.text
        try:
            check_name(name)
        except BlockError as exc:
            exc.column = token.column
            raise
        calls = self.at_op("(")
        if name == "T" and self.pos >= 2 and self.tokens[self.pos - 2].op == "^" and "T" not in self.defined:
            calls = False  # x^T (A + B) x: T transposes, and the parenthesis multiplies
        if name in FUNCTIONS:
            if not calls:
                raise BlockError(f"'{name}' is a function: write {name}(...)", column=token.column)
            return self.call(token)
        if name in CONSTANTS or not calls or name in self.variables:
            return ast.Name(name, token.column)  # a following "(" is implicit multiplication
        return self.call(token)

    def call(self, token: Token) -> ast.Call:
        opening = self.advance()
        self.enter(opening)
        args: list[ast.Expr] = []
        if not self.at_op(")"):
            args.append(self.expr())
            while self.at_op(","):
                self.advance()
                args.append(self.expr())
        self.close(opening)
        self.depth -= 1
        name = token.text
        if name in self.defined:
            raise BlockError(
                f"'{name}' is defined in this block: use it by name ({name}) to differentiate through it",
                column=token.column,
            )
        if name in FUNCTIONS:
            least, most = FUNCTIONS[name]
            given = len(args)
            if given < least or (most is not None and given > most):
                wanted = f"{least}" if least == most else f"at least {least}" if most is None else f"{least} or {most}"
                plural = "" if wanted == "1" else "s"
                raise BlockError(f"{name}() takes {wanted} argument{plural}, got {given}", column=token.column)
        elif not args:
            raise BlockError(f"{name}() needs at least one argument", column=token.column)
        return ast.Call(name, tuple(args), token.column)


def parse_expression(
    text: str, limits: Limits, variables: Collection[str] = (), column: int = 1, defined: Collection[str] = ()
) -> ast.Expr:
    """Parse one expression written in the block language."""
    return Parser(tokenize(text, column), limits, variables, defined).parse()
