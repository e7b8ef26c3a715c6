"""The objects the strategies draw: parameters, samples with their truth, noise datasets."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["StableParams", "SampleWithTruth", "NoiseSample"]


# ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StableParams:
    """α-stable parameters (Nolan S0); unpacks as ``alpha, beta, scale, loc``."""

    alpha: float
    beta: float
    scale: float = 1.0
    loc: float = 0.0

    def __iter__(self):
        yield from (self.alpha, self.beta, self.scale, self.loc)


@dataclass(frozen=True, repr=False, eq=False)
class SampleWithTruth:
    """A sample and the truth it was drawn from.

    Attributes
    ----------
    x : ndarray
        The values (float64 unless a dtype was requested).
    family : str
        ``"pareto"``, ``"student_t"``, ``"stable"`` or ``"scale_mixture"``.
    tail_index : float
        True tail index α with P(|X| > x) ~ x^−α (``inf`` for a Gaussian, α = 2 stable).
    params : dict
        Distribution parameters (stable: alpha, beta, scale, loc in S0; Student-t: df).
    seed : int
        Seed of ``numpy.random.default_rng`` that reproduces ``x``.
    """

    x: np.ndarray
    family: str
    tail_index: float
    params: dict = field(default_factory=dict)
    seed: int = 0

    @property
    def n(self) -> int:
        """Number of values."""
        return int(self.x.size)

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v!r}"
                       for k, v in self.params.items())
        return (f"SampleWithTruth(family={self.family!r}, tail_index={self.tail_index:.6g}, "
                f"{ps + ', ' if ps else ''}n={self.n}, seed={self.seed})")


@dataclass(frozen=True, repr=False, eq=False)
class NoiseSample:
    """A small noise dataset as plain data (one snapshot).

    Attributes
    ----------
    U : ndarray, shape (K, P)
        K minibatch noise vectors over P parameters.
    layers : dict
        name → ``(offset, size, shape)`` slices of the P columns.
    metadata : dict
        Snapshot metadata (iteration, batch_size, K, gradient, sampling, model_mode, ...).
    truth : dict
        name → per-layer truth: ``family``, ``tail_index``, ``zero_columns``.

    ``to_dataset()`` and ``write_run(path)`` turn it into a ``stablecheck.noise`` dataset or
    run directory.
    """

    U: np.ndarray
    layers: dict
    metadata: dict
    truth: dict

    def layer(self, name: str) -> np.ndarray:
        """The (K, size) block of columns of layer ``name``."""
        off, size, _ = self.layers[name]
        return self.U[:, off:off + size]

    def to_dataset(self):
        """The same data as an in-memory ``stablecheck.noise.NoiseDataset`` (one snapshot).

        Needs ``stablecheck.noise``; each layer becomes a (K, *shape) array.
        """
        from ..noise import NoiseDataset

        K = self.U.shape[0]
        arrays = {name: self.layer(name).reshape((K,) + tuple(shape))
                  for name, (_, _, shape) in self.layers.items()}
        return NoiseDataset.from_arrays(arrays, source="<noise_datasets>", meta=self.metadata)

    def write_run(self, path, *, run_id: str = "hypothesis", chunk_rows: int | None = None,
                  chunk_format: str = "npy"):
        """Write the data as a run directory at ``path`` (one snapshot ``"s0"``) and return it.

        Needs ``stablecheck.noise``. ``chunk_rows`` splits the K rows into several committed
        chunks (default: one chunk). Load it back with ``stablecheck.load_noise(path)``.
        """
        from ..noise import RunWriter

        K = self.U.shape[0]
        step = K if chunk_rows is None else max(1, int(chunk_rows))
        layers = [(name, tuple(shape)) for name, (_, _, shape) in self.layers.items()]
        with RunWriter(path, run_id=run_id, config={"seed": self.metadata.get("seed")},
                       chunk_format=chunk_format) as w:
            w.add_snapshot("s0", n_rows=K, layers=layers, dtype=str(self.U.dtype),
                           meta=self.metadata)
            for r0 in range(0, K, step):
                w.write_chunk("s0", self.U[r0:r0 + step], row_start=r0)
        return path

    def __repr__(self) -> str:
        return (f"NoiseSample(K={self.U.shape[0]}, P={self.U.shape[1]}, "
                f"layers={list(self.layers)}, seed={self.metadata.get('seed')})")
