"""Collect SGD gradient noise with PyTorch (the ``[torch]`` extra).

This is the only part of stablecheck that uses torch, and it imports torch only when one of
these names is first used, so ``import stablecheck.collect`` works without it.

API catalogue
-------------
collect_noise(model, loss_fn, dataset, *, out, ...)   noise at the current weights (or train)
train_and_collect(model, loss_fn, dataset, *, steps, lr, ...)   SGD + collect at iterations
NoiseCollector(loss_fn, dataset, *, out, ...)         hook: ``collector.maybe_collect(step, model)``
CollectionResult                                      what a collection wrote
batch_indices(n, B, k, *, sampling, seed, iteration)  the seeded minibatch of a noise row
example_task(model, dataset, *, seed)                 built-in offline model/dataset pairs
make_mlp, make_cnn, make_linear                       built-in models
digits_dataset, teacher_dataset, linreg_dataset       built-in datasets (no downloads)
parameter_layout(model, layers)                       flat-vector layout of the parameters
cli_collect, add_collect_arguments                    ``stablecheck collect`` entry point
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "collect_noise", "train_and_collect", "NoiseCollector", "CollectionResult",
    "batch_indices", "example_task", "ExampleTask", "make_mlp", "make_cnn", "make_linear",
    "digits_dataset", "teacher_dataset", "linreg_dataset", "parameter_layout", "LayerSlice",
    "cli_collect", "add_collect_arguments",
]

_WHERE = {
    "collect_noise": "._collector", "NoiseCollector": "._collector",
    "CollectionResult": "._collector", "train_and_collect": "._train",
    "batch_indices": "._data", "example_task": "._examples", "ExampleTask": "._examples",
    "make_mlp": "._examples", "make_cnn": "._examples", "make_linear": "._examples",
    "digits_dataset": "._examples", "teacher_dataset": "._examples",
    "linreg_dataset": "._examples", "parameter_layout": "._torch", "LayerSlice": "._torch",
    "cli_collect": "._cli", "add_collect_arguments": "._cli",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
