"""One exception family for everything a block can get wrong."""

from __future__ import annotations

KINDS: tuple[str, ...] = ("statements", "expressions", "options", "variables", "point", "limits", "computation")
"""The families of errors; each is a section of the error reference, with the kind as its anchor."""


class BlockError(ValueError):
    """A block that cannot be turned into a Jacobian.

    Attributes:
        line: 1-based line within the block, or ``None`` for the fence line and options
            given from outside the block.
        column: 1-based column of the offending character, when known.
        source_line: the text of the offending line, when known.
        reason: the message without the ``line N:`` prefix.
        kind: the family of the error, one of :data:`KINDS`, when known: the anchor of its
            section in the error reference.
    """

    def __init__(
        self,
        reason: str,
        line: int | None = None,
        column: int | None = None,
        source_line: str | None = None,
        kind: str | None = None,
    ) -> None:
        self.reason = reason
        self.kind = kind
        self.line = line
        self.column = column
        self.source_line = source_line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)

    def at(self, line: int, source_line: str) -> BlockError:
        """Return this error placed on ``line`` unless it already names a line."""
        if self.line is None:
            self.line = line
            self.source_line = source_line
            self.args = (f"line {line}: {self.reason}",)
        return self

    def of(self, kind: str) -> BlockError:
        """Return this error as one of the family ``kind`` unless it already belongs to one."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind of error {kind!r}")
        if self.kind is None:
            self.kind = kind
        return self

    @property
    def lasting(self) -> bool:
        """Whether computing the block again would fail the same way: False when the cause was the
        machine (a time limit on a busy machine, a process killed from outside), so it is not cached."""
        return True

    def __reduce__(self) -> tuple[object, ...]:
        # Errors travel back from worker processes; rebuild them with every attribute, not from args.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[BlockError], args: tuple[object, ...], state: dict[str, object]) -> BlockError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class LimitError(BlockError):
    """A block went past one of the configured limits (size, depth, magnitude or time)."""

    def __init__(self, reason: str, limit: str, **kwargs: object) -> None:
        self.limit = limit
        kwargs.setdefault("kind", "limits")
        super().__init__(reason, **kwargs)  # type: ignore[arg-type]

    @property
    def lasting(self) -> bool:
        return self.limit != "timeout"


class Unchecked(BlockError):
    """A result shown without its numerical proof: not an error but a warning, placed on the block's line.

    It is never raised; hosts report it as they report a block's error, so that a strict build fails.
    """

    def __init__(self, reason: str, **kwargs: object) -> None:
        kwargs.setdefault("kind", "computation")
        super().__init__(f"not checked numerically: {reason}", **kwargs)  # type: ignore[arg-type]


class Refuted(BlockError):
    """The block's ``claim:`` is not the derivative: a warning, placed on the claim's line, unless the
    page shows the mistake on purpose (``expect: refuted``). Never raised, reported like :class:`Unchecked`."""

    def __init__(self, reason: str, **kwargs: object) -> None:
        kwargs.setdefault("kind", "expressions")
        super().__init__(f"claim: {reason}", **kwargs)  # type: ignore[arg-type]


class Mismatch(BlockError):
    """A derivative disagrees with the function's own differences: a wrong result, never shown."""
