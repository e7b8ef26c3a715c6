"""RectIndex (chunk lookup) agrees with a brute-force scan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from stablecheck.noise._index import RectIndex


@st.composite
def tilings(draw):
    """Non-overlapping rectangles: rows cut into bands, each band's columns cut differently."""
    k, p = draw(st.integers(1, 30)), draw(st.integers(1, 30))
    rows = sorted(set(draw(st.lists(st.integers(1, k - 1), max_size=6)) if k > 1 else []))
    rects = []
    for r0, r1 in zip([0, *rows], [*rows, k], strict=True):
        cols = sorted(set(draw(st.lists(st.integers(1, p - 1), max_size=4)) if p > 1 else []))
        for c0, c1 in zip([0, *cols], [*cols, p], strict=True):
            if draw(st.booleans()) or not rects:
                rects.append(((r0, r1), (c0, c1)))
    order = draw(st.permutations(rects))
    return k, p, order


@settings(max_examples=200, deadline=None)
@given(t=tilings(), q=st.tuples(st.integers(0, 30), st.integers(1, 30), st.integers(0, 30),
                                st.integers(1, 30)))
def test_overlapping_matches_brute_force(t, q):
    _, _, rects = t
    idx = RectIndex()
    for i, (r, c) in enumerate(rects):
        idx.add(r, c, i)
    rows, cols = (q[0], q[0] + q[1]), (q[2], q[2] + q[3])
    brute = {i for i, (r, c) in enumerate(rects)
             if r[0] < rows[1] and rows[0] < r[1] and c[0] < cols[1] and cols[0] < c[1]}
    assert set(idx.overlapping(rows, cols)) == brute
    for i, (r, c) in enumerate(rects):
        assert idx.get(r, c) == i
    assert len(idx) == len(rects)
