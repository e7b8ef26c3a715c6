"""Build ``stablecheck/stable/data/stable_table.npz``, the fast S0 log-density table.

Deterministic: the exact engine (``stablecheck.stable._distribution._std_all``) is evaluated at
the nodes returned by ``stablecheck.stable._table.grid_nodes()`` and the values are turned into
tensor-product not-a-knot quintic B-spline coefficients (``scipy.interpolate.make_interp_spline``
along each axis).  The only randomness-free inputs are the grid constants in ``_table.py``.

Usage::

    python tools/build_stable_table.py [--jobs N] [--out PATH]

``--jobs`` spreads the alpha slices over N processes (results are identical; the slices are
reassembled in order).  Timing is printed to stderr.  The full build evaluates 2.60e6 nodes:
67 s with ``--jobs 2`` on a shared 2-core machine at load ~2 (similar grids took ~3 min at
higher load).  The shipped file is a plain ``--jobs 2`` build.

``--reuse OLD.npz`` takes the node values from an earlier table on the same grid (used to change
what is tabulated, e.g. the lead term, without re-running the exact engine).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.interpolate import make_interp_spline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stablecheck.stable import _table  # noqa: E402
from stablecheck.stable._distribution import _std_all  # noqa: E402


def slice_values(alpha: float) -> np.ndarray:
    """Exact log density minus ``_table.lead_term`` on the (s, b) grid at one alpha."""
    s, _, b = _table.grid_nodes()
    z = _table.C * np.sinh(s)
    Z, B = np.meshgrid(z, np.tanh(b), indexing="ij")
    v = _std_all(Z.ravel(), np.full(Z.size, alpha), B.ravel(), want_cdf=False)[0]
    return v.reshape(Z.shape) - _table.lead_term(Z, alpha, B)


def coefficients(V: np.ndarray) -> dict:
    """Not-a-knot quintic tensor-product interpolation of node values V (n_s, n_a, n_b)."""
    s, a, b = _table.grid_nodes()
    bad = ~np.isfinite(V)
    if np.any(bad):
        raise RuntimeError(f"{int(bad.sum())} non-finite table values")
    c = V
    knots = []
    for axis, nodes in enumerate((s, a, b)):
        sp = make_interp_spline(nodes, c, k=_table.K, axis=axis)
        c = np.ascontiguousarray(np.moveaxis(sp.c, 0, axis))  # BSpline puts its axis first
        knots.append(sp.t)
    return dict(coef=c, t_s=knots[0], t_a=knots[1], t_b=knots[2], c=np.float64(_table.C),
                z_max=np.float64(_table.Z_MAX), format_version=np.int64(_table.FORMAT_VERSION),
                s_nodes=s, alpha_nodes=a, b_nodes=b)


def build(jobs: int = 1) -> dict:
    s, a, b = _table.grid_nodes()
    t0 = time.perf_counter()
    if jobs > 1:
        import multiprocessing as mp
        with mp.get_context("spawn").Pool(jobs) as pool:
            slices = pool.map(slice_values, list(a), chunksize=1)
    else:
        slices = [slice_values(ai) for ai in a]
    V = np.stack(slices, axis=1)  # (n_s, n_a, n_b)
    t_eval = time.perf_counter() - t0
    out = coefficients(V)
    print(f"grid {V.shape} = {V.size} nodes; exact engine {t_eval:.1f} s with {jobs} job(s); "
          f"total {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return out


def values_from_table(path: str) -> np.ndarray:
    """Node values of the exact log density recovered from an earlier table file.

    Format 1 tabulated log f itself, format 2 log f - lead_term; evaluating the spline at its
    own nodes returns the interpolated values (to rounding, ~1e-15).  Used to change what is
    tabulated without re-running the exact engine.
    """
    from scipy.interpolate import BSpline
    s, a, b = _table.grid_nodes()
    with np.load(path, allow_pickle=False) as d:
        V = d["coef"]
        for axis, (nodes, key) in enumerate(((s, "t_s"), (a, "t_a"), (b, "t_b"))):
            M = BSpline.design_matrix(nodes, d[key], _table.K).toarray()
            V = np.moveaxis(np.tensordot(M, V, axes=([1], [axis])), 0, axis)
        fmt = int(d["format_version"])
    if fmt == 2:
        V = V + _table.lead_term(_table.C * np.sinh(s)[:, None, None], a[None, :, None],
                                 np.tanh(b)[None, None, :])
    return V


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--reuse", metavar="OLD_NPZ",
                    help="take the node values from an earlier table on the same grid instead "
                         "of the exact engine (seconds instead of minutes)")
    ap.add_argument("--out", default=str(ROOT / "stablecheck" / "stable" / "data" /
                                         _table.TABLE_FILE))
    args = ap.parse_args()
    if args.reuse:
        s, a, b = _table.grid_nodes()
        V = values_from_table(args.reuse)
        data = coefficients(V - _table.lead_term(_table.C * np.sinh(s)[:, None, None],
                                                 a[None, :, None], np.tanh(b)[None, None, :]))
    else:
        data = build(args.jobs)
    np.savez_compressed(args.out, **data)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 2**20:.1f} MiB)", file=sys.stderr)


if __name__ == "__main__":
    main()
