"""An index of non-overlapping rectangles ``[r0, r1) x [c0, c1)`` with fast overlap queries.

Snapshots may hold tens of thousands of chunks (one per row block and layer); scanning
them all for every lookup would make reading and writing quadratic. Rectangles are kept
sorted by first row; a query only looks at those starting within one maximal chunk height
before the queried rows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

__all__ = ["RectIndex"]


class RectIndex:
    """Rectangles with an attached item; exact lookup and overlap queries."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._rects: list[tuple[tuple[int, int], tuple[int, int], Any]] = []
        self._height = 0
        self._exact: dict[tuple, Any] = {}

    def __len__(self) -> int:
        return len(self._rects)

    def add(self, rows: tuple[int, int], cols: tuple[int, int], item: Any) -> None:
        """Insert a rectangle (the caller has checked it overlaps nothing)."""
        i = bisect_right(self._starts, rows[0])
        self._starts.insert(i, rows[0])
        self._rects.insert(i, (rows, cols, item))
        self._height = max(self._height, rows[1] - rows[0])
        self._exact[(rows, cols)] = item

    def get(self, rows: tuple[int, int], cols: tuple[int, int]) -> Any:
        """The item stored for exactly this rectangle, or None."""
        return self._exact.get((tuple(rows), tuple(cols)))

    def overlapping(self, rows: tuple[int, int], cols: tuple[int, int]) -> list[Any]:
        """Items whose rectangles intersect ``rows x cols``, ordered by first row."""
        lo = bisect_right(self._starts, rows[0] - self._height)
        hi = bisect_left(self._starts, rows[1])
        return [item for (r, c, item) in self._rects[lo:hi]
                if r[1] > rows[0] and c[0] < cols[1] and cols[0] < c[1]]

    def row_ends(self, cols: tuple[int, int]) -> list[int]:
        """Sorted distinct last-row bounds of the rectangles meeting ``cols``."""
        return sorted({r[1] for r, c, _ in self._rects if c[0] < cols[1] and cols[0] < c[1]})
