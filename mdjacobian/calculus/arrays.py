"""Dense arrays of numbers for the numerical proof: a value that is a vector or a matrix."""

from __future__ import annotations


class Arr:
    """A dense matrix: ``rows`` × ``cols`` values, row by row in ``data``."""

    __slots__ = ("rows", "cols", "data")

    def __init__(self, rows: int, cols: int, data: list) -> None:
        self.rows, self.cols, self.data = rows, cols, data

    def __repr__(self) -> str:
        return f"Arr({self.rows}x{self.cols}, {self.data})"

    def at(self, i: int, j: int):  # noqa: ANN201
        return self.data[i * self.cols + j]

    def column(self) -> list:
        return self.data


def vector(values: list) -> Arr:
    return Arr(len(values), 1, list(values))

__all__ = ["Arr", "vector"]
