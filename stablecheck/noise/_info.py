"""``NoiseDataset.info()``: what is in a dataset, computed in one chunked pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .._results import ResultMixin

__all__ = ["NoiseInfoResult", "describe"]


@dataclass(frozen=True, repr=False)
class NoiseInfoResult(ResultMixin):
    """Summary of a noise dataset (``stablecheck info PATH`` prints its ``summary()``).

    Attributes
    ----------
    source, file_format : str
    n_snapshots : int
    snapshots : tuple of (name, K, P)
    layers : tuple of (name, offset, size, shape)
        Layer table of the first snapshot.
    dtype : str
    n : int
        Number of stored values over all snapshots.
    n_zero, n_nan, n_inf, n_nonfinite : int
    zero_fraction : float
        Exact zeros among the finite values.
    incomplete : tuple of str
        Run-directory snapshots skipped because they are not fully committed.
    assumptions : tuple of str
    metadata : dict
        Metadata of the first snapshot (run metadata overlaid with the snapshot's).
    warnings : tuple of str
    """

    source: str
    file_format: str
    n_snapshots: int
    snapshots: tuple
    layers: tuple
    dtype: str
    n: int
    n_zero: int
    n_nan: int
    n_inf: int
    n_nonfinite: int
    zero_fraction: float
    incomplete: tuple = ()
    assumptions: tuple = ()
    metadata: dict = field(default_factory=dict)
    warnings: tuple = ()

    _title: ClassVar[str] = "Noise dataset"

    def __repr__(self) -> str:
        return (f"NoiseInfoResult(source={self.source!r}, file_format={self.file_format!r}, "
                f"n_snapshots={self.n_snapshots}, n={self.n})")

    def summary(self) -> str:
        """Plain text: scalars, then snapshots, layers, metadata and assumptions."""
        lines = [super().summary()]
        lines.append("snapshots (name: K x P):")
        shown = self.snapshots[:20]
        lines += [f"  {name}: {k} x {p}" for name, k, p in shown]
        if len(self.snapshots) > len(shown):
            lines.append(f"  ... and {len(self.snapshots) - len(shown)} more")
        lines.append("layers (name: shape, columns):")
        shown = self.layers[:40]
        lines += [f"  {name}: {tuple(shape)}, [{off}, {off + size})"
                  for name, off, size, shape in shown]
        if len(self.layers) > len(shown):
            lines.append(f"  ... and {len(self.layers) - len(shown)} more")
        if self.incomplete:
            lines.append("incomplete snapshots (skipped): " + ", ".join(self.incomplete))
        if self.metadata:
            lines.append("metadata:")
            lines += [f"  {k}: {v}" for k, v in sorted(self.metadata.items())]
        lines.append("assumptions:" if self.assumptions else "assumptions: none (metadata "
                     "declared by the writer)")
        lines += [f"  - {a}" for a in self.assumptions]
        return "\n".join(lines)


def describe(ds) -> NoiseInfoResult:
    """Count values, zeros and non-finite values of every snapshot chunk by chunk."""
    n = n_zero = n_nan = n_inf = 0
    snaps = []
    for name in ds.snapshots:
        k, p = ds.shape(name)
        snaps.append((name, k, p))
        for chunk in ds.iter_chunks(name):
            n += chunk.size
            n_zero += int(np.count_nonzero(chunk == 0))
            if chunk.dtype.kind == "f":
                nan = int(np.count_nonzero(np.isnan(chunk)))
                n_nan += nan
                n_inf += int(np.count_nonzero(np.isinf(chunk)))
    first = ds.snapshots[0]
    layers = tuple((ly.name, ly.offset, ly.size, ly.shape) for ly in ds.layers(first).values())
    finite = n - n_nan - n_inf
    warns = []
    if ds.incomplete:
        warns.append(f"{len(ds.incomplete)} snapshot(s) not fully committed were skipped.")
    return NoiseInfoResult(
        source=ds.source, file_format=ds.file_format, n_snapshots=len(snaps),
        snapshots=tuple(snaps), layers=layers, dtype=str(ds.dtype), n=n, n_zero=n_zero,
        n_nan=n_nan, n_inf=n_inf, n_nonfinite=n_nan + n_inf,
        zero_fraction=n_zero / finite if finite else 0.0, incomplete=ds.incomplete,
        assumptions=ds.assumptions, metadata=ds.metadata(first), warnings=tuple(warns))
