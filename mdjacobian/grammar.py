"""The expression language: a tokenizer and a recursive-descent parser that build SymPy objects.

Text never reaches ``eval``, ``exec``, ``sympify`` or ``parse_expr``. Every token is matched by the
regular expression below, every construct is built by the parser, and anything else is a BlockError
naming the column. Numbers are checked for size *before* SymPy is allowed to evaluate them.

Grammar (``^`` and ``**`` are the same operator)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | ".*" | "./" | "·") unary | power)*   # a bare power multiplies
    unary   := ("+" | "-") unary | power
    power   := primary (("^" | "**") (unary | "T"))?    # right-associative: 2^3^2 = 2^9; x^T transposes
    primary := NUMBER | NAME | NAME "(" args ")" | "(" expr ")"

Values are scalars or, for names declared as vectors and matrices, SymPy matrices: the operators
themselves live in :mod:`mdjacobian.vectors`. ``⊗``/``⊙`` spell ``.*`` and ``⊘`` spells ``./``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import sympy as sp

from . import vectors as vec
from .errors import BlockError, LimitError
from .guard import check_expr, power
from .limits import Limits
from .options import check_name
from .vectors import Value

_TOKEN_RE = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<num>\d+(?:\.\d*)?|\.\d+)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|\.\*|\./|[-+*/^(),\[\]=·⊗⊙⊘])"
)
_SPELLINGS = {"⊗": ".*", "⊙": ".*", "⊘": "./", "**": "^"}

END = "end"


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op" or END
    text: str
    column: int  # 1-based, within the line

    @property
    def op(self) -> str:
        """The operator this token spells (``**`` is ``^``, ``⊗`` is ``.*``), or "" for other tokens."""
        return _SPELLINGS.get(self.text, self.text) if self.kind == "op" else ""


def tokenize(text: str, column: int = 1) -> list[Token]:
    """Split ``text`` into tokens; ``column`` is where ``text`` starts within its line."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise BlockError(f"unexpected character '{text[pos]}'", column=column + pos)
        if m.lastgroup != "space":
            tokens.append(Token(m.lastgroup or "", m.group(), column + pos))
        pos = m.end()
    tokens.append(Token(END, "", column + len(text)))
    return tokens


def _one(fn: Callable[..., sp.Expr]) -> tuple[Callable[..., sp.Expr], int, int | None]:
    return fn, 1, 1


FUNCTIONS: dict[str, tuple[Callable[..., sp.Expr], int, int | None]] = {
    "sin": _one(sp.sin), "cos": _one(sp.cos), "tan": _one(sp.tan),
    "cot": _one(sp.cot), "sec": _one(sp.sec), "csc": _one(sp.csc),
    "asin": _one(sp.asin), "acos": _one(sp.acos), "atan": _one(sp.atan),
    "sinh": _one(sp.sinh), "cosh": _one(sp.cosh), "tanh": _one(sp.tanh),
    "exp": _one(sp.exp), "ln": _one(sp.log), "log": (sp.log, 1, 2),
    "sqrt": _one(sp.sqrt), "abs": _one(sp.Abs), "sign": _one(sp.sign),
    "Heaviside": _one(sp.Heaviside), "atan2": (sp.atan2, 2, 2),
    "max": (sp.Max, 2, None), "min": (sp.Min, 2, None),
}
"""Built-in scalar functions: name -> (SymPy constructor, least and most arguments).

Given a vector, they apply element by element."""

REDUCTIONS: dict[str, tuple[Callable[..., Value], int]] = {"sum": (vec.total, 1), "dot": (vec.dot, 2)}
"""Built-in functions of vectors: name -> (function, number of arguments)."""

CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi}
RESERVED = frozenset(FUNCTIONS) | frozenset(REDUCTIONS) | frozenset(CONSTANTS)


def symbol(name: str) -> sp.Symbol:
    """The block's symbol for ``name``: every variable is real, so |x| and max differentiate cleanly."""
    return sp.Symbol(name, real=True)


class ExpressionParser:
    """Parse one expression from a token list; ``variables`` are names that multiply, not call."""

    def __init__(
        self,
        tokens: list[Token],
        limits: Limits,
        variables: Collection[str] = (),
        declared: Mapping[str, Value] | None = None,
        defined: Collection[str] = (),
    ) -> None:
        self.tokens = tokens
        self.pos = 0
        self.limits = limits
        self.variables = variables
        self.declared = declared or {}
        self.defined = defined  # functions the block defines: used by name, never called
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
        if token.kind == END:
            reason = f"expression ends after '{before}'" if before else "expected an expression"
        elif before:
            reason = f"unexpected '{token.text}' after '{before}'"
        else:
            reason = f"unexpected '{token.text}' at the start of the expression"
        return BlockError(reason, column=token.column)

    def nest(self, token: Token) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise LimitError(
                f"nesting is deeper than the limit of {self.limits.max_depth} levels",
                limit="max_depth",
                column=token.column,
            )

    # -- grammar ------------------------------------------------------------------------------------
    def parse(self) -> Value:
        """Parse the whole token list as one expression."""
        expr = self.expr()
        if self.peek().kind != END:
            raise self.unexpected()
        return expr

    def expr(self) -> Value:
        left = self.term()
        while self.at_op("+", "-"):
            token = self.advance()
            right = self.term()
            left = self.located(vec.add if token.op == "+" else vec.subtract, token, left, right)
        return left

    def located(self, op: Callable[..., Value], token: Token, *args: Value) -> Value:
        """Apply an operator, placing any error it raises at the operator's column."""
        try:
            return op(*args)
        except BlockError as exc:
            exc.column = exc.column or token.column
            raise

    def nonzero(self, token: Token) -> Callable[[sp.Expr], None]:
        def check(divisor: sp.Expr) -> None:
            if divisor.is_zero:
                raise BlockError("division by zero", column=token.column)

        return check

    def term(self) -> Value:
        left = self.unary()
        while True:
            token = self.peek()
            if self.at_op("*", "/", ".*", "./", "·"):
                self.advance()
                right = self.unary()
                if token.op == "*":
                    left = self.located(vec.multiply, token, left, right)
                elif token.op == "/":
                    left = self.located(vec.divide, token, left, right, self.nonzero(token))
                elif token.op == ".*":
                    left = self.located(vec.hadamard, token, left, right)
                elif token.op == "./":
                    left = self.located(vec.divide_elementwise, token, left, right, self.nonzero(token))
                else:
                    left = self.located(vec.dot, token, left, right)
            elif token.kind in ("num", "name") or self.at_op("("):
                previous = self.tokens[self.pos - 1]
                if token.kind == "num" and previous.kind == "num":
                    raise BlockError(
                        f"missing operator between '{previous.text}' and '{token.text}'", column=token.column
                    )
                left = self.located(vec.multiply, token, left, self.power())
            else:
                return left

    def unary(self) -> Value:
        if self.at_op("+", "-"):
            token = self.advance()
            self.nest(token)
            operand = self.unary()
            self.depth -= 1
            return operand if token.text == "+" else vec.negate(operand)
        return self.power()

    def power(self) -> Value:
        base = self.primary()
        if self.at_op("^"):
            token = self.advance()
            if vec.is_array(base) and self.peek().kind == "name" and self.peek().text == "T":
                self.advance()
                return vec.transpose(base)
            self.nest(token)
            exponent = self.unary()
            self.depth -= 1
            if vec.is_array(base) or vec.is_array(exponent):
                raise BlockError(
                    f"'^' needs scalars, not {vec.describe(base)} and {vec.describe(exponent)}; "
                    "write x^T to transpose or x .* x for an element-wise square",
                    column=token.column,
                )
            return self.located(power, token, base, exponent, self.limits)
        return base

    def primary(self) -> Value:
        token = self.peek()
        if token.kind == "num":
            return self.number(self.advance())
        if token.kind == "name":
            return self.name(self.advance())
        if self.at_op("("):
            self.nest(self.advance())
            inner = self.expr()
            self.close(token)
            self.depth -= 1
            return inner
        raise self.unexpected()

    def close(self, opening: Token) -> None:
        if not self.at_op(")"):
            token = self.peek()
            where = "the line ends" if token.kind == END else f"found '{token.text}'"
            raise BlockError(f"missing ')' for the '(' at column {opening.column}: {where}", column=token.column)
        self.advance()

    def number(self, token: Token) -> sp.Expr:
        whole, _, frac = token.text.partition(".")
        if len(whole.lstrip("0")) + len(frac) > self.limits.max_literal_digits:  # 0.000…1 counts its zeros
            raise LimitError(
                f"number has more than {self.limits.max_literal_digits} digits",
                limit="max_literal_digits",
                column=token.column,
            )
        return sp.Rational(int(whole or "0") * 10 ** len(frac) + int(frac or "0"), 10 ** len(frac))

    def name(self, token: Token) -> Value:
        name = token.text
        try:
            check_name(name)
        except BlockError as exc:
            exc.column = token.column
            raise
        calls = self.at_op("(")
        if name in FUNCTIONS or name in REDUCTIONS:
            if not calls:
                raise BlockError(f"'{name}' is a function: write {name}(...)", column=token.column)
            return self.call(token)
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in self.declared:
            return self.declared[name]
        if calls and name not in self.variables:
            return self.call(token)
        return symbol(name)  # a following "(" is implicit multiplication, handled by term()

    def call(self, token: Token) -> Value:
        opening = self.advance()
        self.nest(opening)
        args: list[Value] = []
        if not self.at_op(")"):
            args.append(self.expr())
            while self.at_op(","):
                self.advance()
                args.append(self.expr())
        self.close(opening)
        self.depth -= 1
        name = token.text
        if name in REDUCTIONS:
            reduce, count = REDUCTIONS[name]
            self.arity(token, len(args), count, count)
            return self.located(reduce, token, *args)
        if name in self.defined:
            raise BlockError(
                f"'{name}' is defined in this block: use it by name ({name}) to differentiate through it",
                column=token.column,
            )
        if name not in FUNCTIONS:
            if not args:
                raise BlockError(f"{name}() needs at least one argument", column=token.column)
            if any(vec.is_array(a) for a in args):
                raise BlockError(f"{name}() is not a built-in function, so it takes scalars", column=token.column)
            return sp.Function(name)(*args)
        build, least, most = FUNCTIONS[name]
        self.arity(token, len(args), least, most)
        return self.located(vec.apply, token, build, args)

    def arity(self, token: Token, given: int, least: int, most: int | None) -> None:
        if given < least or (most is not None and given > most):
            wanted = f"{least}" if least == most else f"at least {least}" if most is None else f"{least} or {most}"
            plural = "" if wanted == "1" else "s"
            raise BlockError(f"{token.text}() takes {wanted} argument{plural}, got {given}", column=token.column)


def parse_expression(
    text: str,
    limits: Limits,
    variables: Collection[str] = (),
    column: int = 1,
    declared: Mapping[str, Value] | None = None,
) -> Value:
    """Parse and check one expression written in the block language."""
    parser = ExpressionParser(tokenize(text, column), limits, variables, declared)
    expr = parser.parse()
    check_expr(expr, limits)
    return expr
