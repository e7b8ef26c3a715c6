"""Datasets and losses as the collector sees them, and the seeded minibatch schedule.

A dataset is anything with ``n`` examples that can hand out a minibatch for an index array:
a pair ``(inputs, targets)`` of tensors or numpy arrays, a ``torch.utils.data.TensorDataset``,
or any map-style ``Dataset`` (items collated with ``default_collate``).

Minibatch indices are a pure function of ``(seed, iteration, batch_size, k)`` so a resumed
run draws exactly the batches an uninterrupted one would, without replaying anything.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ._torch import require_torch

__all__ = ["TorchData", "as_torch_data", "LossAdapter", "batch_indices", "BatchSchedule",
           "stream_seed"]

# Distinct spawn-key tags so the streams of different purposes never coincide.
_TAG_NOISE = 1
_TAG_LARGE_BATCH = 2
_TAG_PARTITION = 3
_TAG_TRAIN = 4
_TAG_TORCH = 5


class TorchData:
    """Uniform minibatch access: ``data.batch(idx) -> (inputs, targets)``."""

    def __init__(self, fetch, n: int, description: str, tensors=None):
        self._fetch = fetch
        self.n = int(n)
        self.description = description
        self.tensors = tensors

    def batch(self, idx: np.ndarray, device=None):
        """Inputs and targets for the examples ``idx`` (an int64 numpy array).

        With ``device`` (the model's, when it is not the CPU) tensors are moved there.
        """
        x, y = self._fetch(idx)
        if device is not None and getattr(device, "type", "cpu") != "cpu":
            x, y = _to(x, device), _to(y, device)
        return x, y


def _to(value, device):
    return value.to(device) if hasattr(value, "to") else value


def as_torch_data(dataset: Any) -> TorchData:
    """Wrap a pair of arrays/tensors, a TensorDataset or a map-style Dataset."""
    torch = require_torch()
    from torch.utils.data import Dataset, TensorDataset

    from .._validation import check_dataset_pair

    if isinstance(dataset, TensorDataset):
        tensors = tuple(dataset.tensors)
    elif isinstance(dataset, (tuple, list)):
        tensors = tuple(t if isinstance(t, torch.Tensor) else torch.from_numpy(np.asarray(t))
                        for t in dataset)
    elif isinstance(dataset, Dataset) or (hasattr(dataset, "__getitem__")
                                          and hasattr(dataset, "__len__")):
        from torch.utils.data import default_collate

        n = len(dataset)

        def fetch(idx):
            items = default_collate([dataset[int(i)] for i in idx])
            return items[0], items[1]

        return TorchData(fetch, n, f"{type(dataset).__name__} (map-style, {n} examples)")
    else:
        raise TypeError("`dataset` must be a pair (inputs, targets) of tensors/arrays, a "
                        "TensorDataset or a map-style torch Dataset; got "
                        f"{type(dataset).__name__}.")
    n = check_dataset_pair([tuple(t.shape) for t in tensors])
    x, y = tensors

    def fetch(idx):
        it = torch.from_numpy(np.ascontiguousarray(idx, dtype=np.int64))
        return x.index_select(0, it), y.index_select(0, it)

    desc = f"tensors x{tuple(x.shape)} {x.dtype}, y{tuple(y.shape)} {y.dtype}"
    return TorchData(fetch, n, desc, tensors=(x, y))


class LossAdapter:
    """The loss in its two reductions: the minibatch mean and the chunk sum.

    ``f(w) = (1/n) * sum_i loss_i(w)``; a minibatch gradient is the gradient of the mean over
    the batch, the full gradient is accumulated from sums. A ``torch.nn`` loss module is copied
    with ``reduction="mean"`` and ``reduction="sum"``; any other callable may return the batch
    mean (a scalar) or per-example losses (a vector of length B).
    """

    def __init__(self, loss_fn: Any):
        torch = require_torch()
        from .._validation import check_loss_module

        self.description = repr(loss_fn)
        self._is_module = isinstance(loss_fn, torch.nn.modules.loss._Loss)
        if self._is_module:
            check_loss_module(type(loss_fn).__name__, getattr(loss_fn, "reduction", None),
                              getattr(loss_fn, "weight", None) is not None)
            self._mean = copy.copy(loss_fn)
            self._mean.reduction = "mean"
            self._sum = copy.copy(loss_fn)
            self._sum.reduction = "sum"
        elif callable(loss_fn):
            self._fn = loss_fn
        else:
            raise TypeError(f"`loss_fn` must be callable; got {type(loss_fn).__name__}.")

    def _reduce(self, out, y, how: str):
        if self._is_module:
            return (self._mean if how == "mean" else self._sum)(out, y)
        from .._validation import check_loss_value

        loss = self._fn(out, y)
        b = int(out.shape[0])
        kind = check_loss_value(tuple(loss.shape), b)
        if kind == "scalar":
            return loss if how == "mean" else loss * b
        return loss.mean() if how == "mean" else loss.sum()

    def mean(self, out, y):
        """Mean loss over the batch (what one SGD step differentiates)."""
        return self._reduce(out, y, "mean")

    def sum(self, out, y):
        """Summed loss over the chunk (full-gradient accumulation)."""
        return self._reduce(out, y, "sum")


def stream_seed(seed: int, *key: int) -> np.random.SeedSequence:
    """An independent, reproducible seed sequence for one purpose (``key``)."""
    return np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in key))


def batch_indices(n: int, batch_size: int, k: int, *, sampling: str, seed: int,
                  iteration: int) -> np.ndarray:
    """Indices of minibatch ``k`` of size ``batch_size`` at ``iteration`` (pure function).

    ``"without_replacement"``: consecutive batches cut a seeded random permutation of the n
    examples into ``n // batch_size`` disjoint batches (the remainder is not used), then move
    on to a fresh permutation -- the ``DataLoader(shuffle=True, drop_last=True)`` scheme; the
    first ``n // batch_size`` batches partition the data when ``batch_size`` divides n.
    ``"with_replacement"``: each batch has ``batch_size`` i.i.d. uniform indices.
    """
    return BatchSchedule(n, batch_size, sampling=sampling, seed=seed,
                         iteration=iteration).indices(k)


class BatchSchedule:
    """Minibatch indices for one (iteration, batch size), caching the current permutation."""

    def __init__(self, n: int, batch_size: int, *, sampling: str, seed: int, iteration: int,
                 tag: int = _TAG_NOISE):
        self.n, self.b, self.sampling = n, batch_size, sampling
        self.seed, self.iteration, self.tag = seed, iteration, tag
        self.per_perm = n // batch_size
        self._perm_id = -1
        self._perm = None

    def _permutation(self, p: int) -> np.ndarray:
        if p != self._perm_id:
            rng = np.random.default_rng(stream_seed(self.seed, self.tag, self.iteration,
                                                    self.b, p))
            self._perm = rng.permutation(self.n)
            self._perm_id = p
        return self._perm

    def indices(self, k: int) -> np.ndarray:
        """Indices of batch ``k`` (int64)."""
        if self.sampling == "with_replacement":
            rng = np.random.default_rng(stream_seed(self.seed, self.tag, self.iteration,
                                                    self.b, k))
            return rng.integers(0, self.n, size=self.b, dtype=np.int64)
        p, j = divmod(k, self.per_perm)
        return self._permutation(p)[j * self.b:(j + 1) * self.b].astype(np.int64, copy=False)


def large_batch_indices(n: int, b_big: int, *, seed: int, iteration: int) -> np.ndarray:
    """The B_big distinct examples of a large-batch full-gradient estimate (sorted)."""
    rng = np.random.default_rng(stream_seed(seed, _TAG_LARGE_BATCH, iteration))
    return np.sort(rng.choice(n, size=b_big, replace=False)).astype(np.int64)


def partition_schedule(n: int, batch_size: int, *, seed: int, iteration: int) -> BatchSchedule:
    """The partition whose batch-gradient mean is the ``"partition_mean"`` full gradient.

    It is the first permutation of the ``"without_replacement"`` noise schedule, so with that
    sampling and ``n_batches = n // batch_size`` the noise batches are exactly this partition.
    """
    return BatchSchedule(n, batch_size, sampling="without_replacement", seed=seed,
                         iteration=iteration)


def train_batch(n: int, batch_size: int, step: int, *, seed: int) -> np.ndarray:
    """Indices of SGD step ``step``: epochs of seeded permutations, ``drop_last``."""
    per = n // batch_size
    epoch, j = divmod(step, per)
    rng = np.random.default_rng(stream_seed(seed, _TAG_TRAIN, epoch))
    return rng.permutation(n)[j * batch_size:(j + 1) * batch_size].astype(np.int64)


def torch_seed(seed: int, *key: int) -> int:
    """A 63-bit torch seed for dropout etc. in train mode (step/batch specific)."""
    return int(stream_seed(seed, _TAG_TORCH, *key).generate_state(2, np.uint32).view(
        np.uint64)[0] >> np.uint64(1))
