"""Checkers for analysis, report and collect."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._domains import DOMAINS, RealDomain
from ..errors import DataWarning, SmallSampleWarning, ZeroValuesWarning
from ._core import *  # noqa: F403
from ._core import _FLOAT_KINDS, _check_dtype, _check_scalar_domain, _kind_name, _to_array, _widen  # noqa: F401

# =====================================================================================
# analysis / report / collect (add checkers below)
# =====================================================================================


# --- collect: PyTorch noise collector (no torch objects are imported here) -----------

COLLECT_FULL_GRADIENTS = ("exact", "large_batch", "partition_mean")
COLLECT_SAMPLINGS = ("without_replacement", "with_replacement")
COLLECT_MODES = ("eval", "train")
COLLECT_DTYPES = ("float32", "float64")
COLLECT_BACKENDS = ("loop", "vmap")


def check_int_list(name: str, value: Any, *, min: int = 0, allow_scalar: bool = True,
                   ordered: bool = False) -> tuple[int, ...]:
    """An int, a sequence of ints or a comma-separated string (values >= ``min``).

    Returns a sorted tuple without duplicates, or the values in the given order when
    ``ordered`` (e.g. layer widths).
    """
    if allow_scalar and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.replace(" ", "").split(",") if v]
        except ValueError:
            raise ValueError(f"`{name}` must be a comma-separated list of integers; "
                             f"got {value!r}.") from None
    if not isinstance(value, Iterable):
        raise TypeError(f"`{name}` must be an integer or a sequence of integers; got {value!r}.")
    vals = [check_int(name, v, min=min) for v in value]
    out = vals if ordered else sorted(set(vals))
    if not out:
        raise ValueError(f"`{name}` is empty; give at least one value.")
    return tuple(out)


def check_full_gradient(value: Any) -> tuple[str, int | None]:
    """``"exact"`` | ``"partition_mean"`` | ``("large_batch", B_big)`` → (method, B_big)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or value[0] != "large_batch":
            raise ValueError("`full_gradient` as a pair must be ('large_batch', B_big); "
                             f"got {value!r}.")
        return "large_batch", check_int("full_gradient B_big", value[1], min=1)
    if value == "large_batch":
        raise ValueError("`full_gradient='large_batch'` needs the batch size: pass "
                         "full_gradient=('large_batch', B_big).")
    return check_option("full_gradient", value, ("exact", "partition_mean")), None


def check_schedule(iterations: Any, every: Any, steps: Any = None) -> tuple[int, ...] | None:
    """Collection iterations: a list, ``every=N`` (needs ``steps``), or None (see callers)."""
    if iterations is not None and every is not None:
        raise ValueError("pass either `iterations` (a list) or `every` (an interval), not both.")
    if every is not None:
        every = check_int("every", every, min=1)
        if steps is None:
            raise ValueError("`every` needs `steps` (the length of training) to define the "
                             "collection iterations 0, every, 2 * every, ... <= steps.")
        steps = check_int("steps", steps, min=0)
        return tuple(range(0, steps + 1, every))
    if iterations is None:
        return None
    its = check_int_list("iterations", iterations, min=0)
    if steps is not None and its[-1] > check_int("steps", steps, min=0):
        raise ValueError(f"iteration {its[-1]} is beyond the {steps} training steps.")
    return its


def check_collect_schedule(iterations: Any, every: Any
                           ) -> tuple[tuple[int, ...] | None, int | None]:
    """A collector's schedule: a list of iterations, or ``every`` N steps, or neither."""
    if iterations is not None and every is not None:
        raise ValueError("pass either `iterations` (a list) or `every` (an interval), not both.")
    every = None if every is None else check_int("every", every, min=1)
    its = None if iterations is None else check_int_list("iterations", iterations, min=0)
    return its, every


def check_collect_sizes(n: int, batch_sizes: tuple[int, ...], n_batches: int, sampling: str,
                        full_gradient: str, b_big: int | None) -> list[str]:
    """Batch sizes against the dataset size; returns warning messages (already emitted)."""
    notes = []
    if n < 2:
        raise ValueError(f"the dataset has {n} examples; at least 2 are needed.")
    too_big = [b for b in batch_sizes if b > n]
    if too_big:
        raise ValueError(f"batch sizes {too_big} exceed the {n} examples of the dataset.")
    if b_big is not None and b_big > n:
        raise ValueError(f"full_gradient=('large_batch', {b_big}) exceeds the {n} examples; "
                         "use full_gradient='exact'.")
    if full_gradient == "partition_mean":
        rem = [b for b in batch_sizes if n % b]
        if rem:
            notes.append(warn(
                f"full_gradient='partition_mean' with batch sizes {rem} that do not divide "
                f"n = {n}: the last n % B examples are left out, so the reference gradient is "
                "the mean over the other examples, not the exact full gradient.",
                DataWarning, stacklevel=4))
    return notes


def check_collect_options(*, out: Any, batch_sizes: Any, n_batches: Any, full_gradient: Any,
                          mode: Any, sampling: Any, dtype: Any, threads: Any, seed: Any,
                          backend: Any, chunk_bytes: Any, full_chunk: Any, resume: Any,
                          progress: Any) -> dict[str, Any]:
    """All dataset-independent collector options → a dict of clean values."""
    import os

    if not isinstance(out, (str, os.PathLike)) or not str(out):
        raise TypeError(f"`out` must be a directory path (str or os.PathLike); got {out!r}.")
    method, b_big = check_full_gradient(full_gradient)
    if seed is not None:
        seed = check_int("seed", seed, min=0)
    return {
        "batch_sizes": check_int_list("batch_sizes", batch_sizes, min=1),
        "n_batches": check_int("n_batches", n_batches, min=1),
        "full_gradient": method,
        "b_big": b_big,
        "mode": check_option("mode", mode, COLLECT_MODES),
        "sampling": check_option("sampling", sampling, COLLECT_SAMPLINGS),
        "dtype": check_option("dtype", dtype, COLLECT_DTYPES),
        "threads": check_int("threads", threads, min=1),
        "seed": seed,
        "backend": check_option("backend", backend, COLLECT_BACKENDS),
        "chunk_bytes": check_int("chunk_bytes", chunk_bytes, min=1),
        "full_chunk": check_int("full_chunk", full_chunk, min=1),
        "resume": check_bool("resume", resume),
        "progress": check_bool("progress", progress),
    }


def check_layer_selection(layers: Any, available: Sequence[str]) -> tuple[str, ...] | None:
    """Parameter names or module prefixes that must each match a trainable parameter."""
    if not available:
        raise ValueError("the model has no trainable parameters (requires_grad=True).")
    if layers is None:
        return None
    if isinstance(layers, str):
        layers = (layers,)
    if not isinstance(layers, Iterable):
        raise TypeError(f"`layers` must be None or a sequence of names; got {layers!r}.")
    layers = tuple(layers)
    if not layers:
        raise ValueError("`layers` is empty; pass None for all parameters.")
    for sel in layers:
        if not isinstance(sel, str):
            raise TypeError(f"`layers` entries must be strings; got {sel!r}.")
        if not any(a == sel or a.startswith(sel + ".") for a in available):
            shown = ", ".join(available[:8]) + (", ..." if len(available) > 8 else "")
            raise ValueError(f"layer {sel!r} matches none of the {len(available)} trainable "
                             f"parameters ({shown}).")
    return layers


def check_dataset_pair(shapes: Sequence[tuple[int, ...]]) -> int:
    """``(inputs, targets)``: two tensors with the same leading length → that length."""
    if len(shapes) != 2:
        raise ValueError(f"`dataset` must hold exactly two tensors (inputs, targets); got "
                         f"{len(shapes)}.")
    if any(len(s) == 0 for s in shapes):
        raise ValueError("`dataset` tensors must have a leading example dimension; got a "
                         "0-d tensor.")
    if shapes[0][0] != shapes[1][0]:
        raise ValueError(f"`dataset` inputs have {shapes[0][0]} examples but targets have "
                         f"{shapes[1][0]}.")
    return int(shapes[0][0])


def check_loss_module(kind: str, reduction: Any, has_weight: bool) -> None:
    """A torch loss module usable as ``f = mean of per-example losses``."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"loss {kind} has reduction={reduction!r}; expected 'mean', 'sum' "
                         "or 'none'.")
    if has_weight:
        raise ValueError(f"loss {kind} has class weights: its 'mean' is a weighted average, "
                         "not the mean of per-example losses that the full gradient "
                         "divides by n. Pass a callable returning per-example losses "
                         "(reduction='none') to define the objective explicitly.")


def check_loss_value(shape: tuple[int, ...], batch: int) -> str:
    """What a loss callable returned: a scalar (batch mean) or per-example losses."""
    if shape == ():
        return "scalar"
    if shape == (batch,):
        return "per_example"
    raise ValueError(f"`loss_fn` returned shape {shape} for a batch of {batch}; return the "
                     "batch mean (a scalar) or per-example losses (shape (B,)).")


def check_example_task(model: Any, dataset: Any, models: Sequence[str],
                       datasets: Sequence[str]) -> None:
    """A built-in model/dataset pair that fits together."""
    check_option("model", model, models)
    check_option("dataset", dataset, datasets)
    if model == "cnn" and dataset != "digits":
        raise ValueError(f"the cnn example takes 8x8 images; use dataset='digits' "
                         f"(got {dataset!r}).")


def check_train_options(*, steps: Any, lr: Any, momentum: Any, train_batch_size: Any,
                        weight_decay: Any) -> dict[str, Any]:
    """SGD settings of ``train_and_collect``."""
    return {
        "steps": check_int("steps", steps, min=0),
        "lr": check_real("lr", lr, low=0.0, low_closed=False),
        "momentum": check_real("momentum", momentum, low=0.0, high=1.0, high_closed=False),
        "train_batch_size": check_int("train_batch_size", train_batch_size, min=1),
        "weight_decay": check_real("weight_decay", weight_decay, low=0.0),
    }


def check_train_mode(mode: str, backend: str, modules: Sequence[str],
                     batch_sizes: Sequence[int]) -> None:
    """Train-mode collection is explicit; some combinations cannot work at all."""
    if mode != "train" or not modules:
        return
    if backend == "vmap":
        raise ValueError("backend='vmap' cannot run train-mode BatchNorm/dropout "
                         f"({', '.join(modules)}); use backend='loop' or mode='eval'.")
    if any("BatchNorm" in m for m in modules) and 1 in batch_sizes:
        raise ValueError("train-mode BatchNorm cannot normalise a batch of 1; drop batch "
                         "size 1 or use mode='eval'.")
