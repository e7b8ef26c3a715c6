"""Built-in offline examples: small models and datasets that need no download.

Datasets
    ``digits``   scikit-learn's bundled ``load_digits`` (1797 images of 8x8 pixels, 10 classes),
                 pixels scaled to [0, 1]; cross-entropy loss.
    ``teacher``  a synthetic teacher-student regression: x ~ N(0, I_d), y = teacher(x) + noise
                 with a fixed random one-hidden-layer tanh teacher; mean squared error.
    ``linreg``   linear regression y = X w* + b* + sigma * eps (float64 by default); squared
                 error, whose minibatch noise has a closed form (see ``docs/collect.md``).
Models
    ``mlp``      fully connected ReLU network ``fc1, fc2, ...`` (names used as layers).
    ``cnn``      two 3x3 convolutions + max-pool + linear head, for 8x8 images.
    ``linear``   one ``torch.nn.Linear`` layer (linear / logistic regression).

Everything is deterministic given ``seed``.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._torch import require_torch

__all__ = ["ExampleTask", "make_mlp", "make_cnn", "make_linear", "digits_dataset",
           "teacher_dataset", "linreg_dataset", "example_task", "MODELS", "DATASETS"]

MODELS = ("mlp", "cnn", "linear")
DATASETS = ("digits", "teacher", "linreg")


def _seeded(seed: int):
    torch = require_torch()
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


def _init_linear(layer, gen) -> None:
    """PyTorch's default Linear/Conv init (Kaiming-uniform, a = sqrt(5)), from ``gen``."""
    torch = require_torch()
    fan_in = int(np.prod(layer.weight.shape[1:]))
    bound = 1.0 / np.sqrt(fan_in)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=gen)
        if layer.bias is not None:
            layer.bias.uniform_(-bound, bound, generator=gen)


def make_mlp(in_features: int, out_features: int, *, hidden=(64, 64), seed: int = 0,
             dtype: str = "float32"):
    """A ReLU MLP ``fc1 -> relu1 -> ... -> fc{L}`` with seeded initialisation.

    Parameters
    ----------
    in_features, out_features : int
    hidden : sequence of int
        Widths of the hidden layers.
    seed : int
    dtype : {"float32", "float64"}

    Returns
    -------
    torch.nn.Sequential
    """
    torch = require_torch()
    widths = [int(in_features), *(int(h) for h in hidden), int(out_features)]
    layers: list[tuple[str, Any]] = []
    for i in range(len(widths) - 1):
        layers.append((f"fc{i + 1}", torch.nn.Linear(widths[i], widths[i + 1])))
        if i < len(widths) - 2:
            layers.append((f"relu{i + 1}", torch.nn.ReLU()))
    model = torch.nn.Sequential(OrderedDict(layers))
    gen = _seeded(seed)
    for _, m in layers:
        if isinstance(m, torch.nn.Linear):
            _init_linear(m, gen)
    return model.to(getattr(torch, dtype))


def make_cnn(n_classes: int = 10, *, in_channels: int = 1, image_size: int = 8,
             channels=(8, 16), seed: int = 0, dtype: str = "float32"):
    """A small CNN: conv3x3 -> ReLU -> conv3x3 -> ReLU -> maxpool 2 -> linear head."""
    torch = require_torch()
    c1, c2 = (int(c) for c in channels)
    side = image_size // 2
    model = torch.nn.Sequential(OrderedDict([
        ("conv1", torch.nn.Conv2d(in_channels, c1, 3, padding=1)),
        ("relu1", torch.nn.ReLU()),
        ("conv2", torch.nn.Conv2d(c1, c2, 3, padding=1)),
        ("relu2", torch.nn.ReLU()),
        ("pool", torch.nn.MaxPool2d(2)),
        ("flatten", torch.nn.Flatten()),
        ("fc", torch.nn.Linear(c2 * side * side, n_classes)),
    ]))
    gen = _seeded(seed)
    for m in model:
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            _init_linear(m, gen)
    return model.to(getattr(torch, dtype))


def make_linear(in_features: int, out_features: int = 1, *, seed: int = 0,
                dtype: str = "float64"):
    """One linear layer (``weight`` of shape (out, in), ``bias`` of shape (out,))."""
    torch = require_torch()
    model = torch.nn.Linear(int(in_features), int(out_features))
    _init_linear(model, _seeded(seed))
    return model.to(getattr(torch, dtype))


@functools.lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(1797 x 64 pixel counts, labels) from scikit-learn's bundled ``digits.csv.gz``.

    The file ships inside the scikit-learn wheel; reading it directly avoids importing
    scikit-learn itself (seconds on a busy machine). Falls back to ``load_digits``.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the digits example needs scikit-learn "
                          "(`pip install 'stablecheck[torch]'`).")
    path = os.path.join(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    if os.path.isfile(path):
        with gzip.open(path, "rt") as fh:
            raw = np.loadtxt(fh, delimiter=",", dtype=np.float64)
        data, target = raw[:, :-1], raw[:, -1].astype(np.int64)
    else:  # pragma: no cover - a scikit-learn that moved its data files
        from sklearn.datasets import load_digits

        bunch = load_digits()
        data, target = np.asarray(bunch.data, np.float64), np.asarray(bunch.target, np.int64)
    data.setflags(write=False)
    target.setflags(write=False)
    return data, target


def digits_dataset(*, image: bool = False, n: int | None = None, dtype: str = "float32"):
    """scikit-learn's bundled digits as tensors ``(x, y)``; no download.

    Parameters
    ----------
    image : bool
        ``x`` of shape (n, 1, 8, 8) when True, (n, 64) otherwise.
    n : int or None
        Keep only the first ``n`` of the 1797 images (e.g. 1792 = 56 x 32 for exact partitions).
    dtype : {"float32", "float64"}
    """
    torch = require_torch()
    data, target = _digits_arrays()
    x = data / 16.0
    y = target.copy()
    if n is not None:
        x, y = x[:n], y[:n]
    if image:
        x = x.reshape(-1, 1, 8, 8)
    return torch.from_numpy(x.astype(dtype)), torch.from_numpy(y)


def teacher_dataset(*, n: int = 2048, d: int = 32, width: int = 16, noise: float = 0.1,
                    seed: int = 0, dtype: str = "float32"):
    """Teacher-student regression: ``y = a . tanh(W x) + noise * eps`` with x ~ N(0, I_d).

    The teacher ``(W, a)`` is drawn from ``seed``; targets have shape (n, 1).
    """
    torch = require_torch()
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    w = rng.standard_normal((width, d)) / np.sqrt(d)
    a = rng.standard_normal(width) / np.sqrt(width)
    x = rng.standard_normal((n, d))
    y = np.tanh(x @ w.T) @ a + noise * rng.standard_normal(n)
    return (torch.from_numpy(x.astype(dtype)), torch.from_numpy(y.reshape(-1, 1).astype(dtype)))


def linreg_dataset(*, n: int = 512, d: int = 8, noise: float = 0.5, seed: int = 0,
                   dtype: str = "float64"):
    """Linear regression ``y = X w* + b* + noise * eps``; targets of shape (n, 1)."""
    torch = require_torch()
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(8,)))
    x = rng.standard_normal((n, d))
    w_star = rng.standard_normal(d)
    y = x @ w_star + 0.5 + noise * rng.standard_normal(n)
    return (torch.from_numpy(x.astype(dtype)), torch.from_numpy(y.reshape(-1, 1).astype(dtype)))


@dataclass(frozen=True)
class ExampleTask:
    """A ready-to-run (model, loss, dataset) triple and its description."""

    model: Any
    loss_fn: Any
    dataset: tuple
    model_name: str
    dataset_name: str
    description: str


def example_task(model: str = "mlp", dataset: str = "digits", *, seed: int = 0,
                 hidden=(64, 64), dtype: str | None = None) -> ExampleTask:
    """Build one of the built-in model/dataset combinations.

    ``cnn`` needs ``digits`` (images). Regression datasets (``teacher``, ``linreg``) use the
    mean squared error, ``digits`` cross-entropy. ``dtype`` defaults to float64 for
    ``linreg`` and float32 otherwise.
    """
    torch = require_torch()
    from .._validation import check_example_task

    check_example_task(model, dataset, MODELS, DATASETS)
    dtype = dtype or ("float64" if dataset == "linreg" else "float32")
    if dataset == "digits":
        data = digits_dataset(image=(model == "cnn"), dtype=dtype)
        loss = torch.nn.CrossEntropyLoss()
        d_in, d_out = 64, 10
    elif dataset == "teacher":
        data = teacher_dataset(seed=seed, dtype=dtype)
        loss = torch.nn.MSELoss()
        d_in, d_out = int(data[0].shape[1]), 1
    else:
        data = linreg_dataset(seed=seed, dtype=dtype)
        loss = torch.nn.MSELoss()
        d_in, d_out = int(data[0].shape[1]), 1
    if model == "mlp":
        net = make_mlp(d_in, d_out, hidden=hidden, seed=seed, dtype=dtype)
    elif model == "cnn":
        net = make_cnn(d_out, seed=seed, dtype=dtype)
    else:
        net = make_linear(d_in, d_out, seed=seed, dtype=dtype)
    desc = (f"{model} on {dataset}: {sum(p.numel() for p in net.parameters())} parameters, "
            f"{int(data[0].shape[0])} examples, loss {type(loss).__name__}, {dtype}")
    return ExampleTask(net, loss, data, model, dataset, desc)
