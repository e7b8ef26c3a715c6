"""The torch boundary: lazy import, thread control, parameter layout, version stamps.

Only :mod:`stablecheck.collect` imports torch, and only when a collector function runs, so
``import stablecheck`` and ``import stablecheck.collect`` work without the ``[torch]`` extra.
"""

from __future__ import annotations

import contextlib
import platform
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["require_torch", "LayerSlice", "parameter_layout", "torch_threads",
           "library_versions", "storage_dtype", "state_tensors"]


def require_torch():
    """Import and return :mod:`torch`, or raise an ImportError that says how to get it."""
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - exercised only without torch
        raise ImportError("stablecheck.collect needs PyTorch; install the extra with "
                          "`pip install 'stablecheck[torch]'` (CPU wheels work).") from exc
    return torch


@dataclass(frozen=True)
class LayerSlice:
    """Where one parameter tensor lives inside the flat noise vector.

    Attributes
    ----------
    name : str
        The parameter's name in ``model.named_parameters()``.
    offset, size : int
        The slice ``[offset, offset + size)`` of the flat vector.
    shape : tuple of int
        The tensor's shape; ``flat[offset:offset + size].reshape(shape)`` recovers it.
    """

    name: str
    offset: int
    size: int
    shape: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {"name": self.name, "offset": self.offset, "size": self.size,
                "shape": list(self.shape)}


def _matches(param_name: str, selector: str) -> bool:
    return param_name == selector or param_name.startswith(selector + ".")


def parameter_layout(model, layers=None):
    """Select the trainable parameters and lay them out in one flat vector.

    Parameters
    ----------
    model : torch.nn.Module
    layers : None or sequence of str
        ``None`` takes every parameter with ``requires_grad``; otherwise each entry is a
        parameter name (``"fc1.weight"``) or a module prefix (``"fc1"`` takes
        ``fc1.weight`` and ``fc1.bias``). Order follows ``model.named_parameters()``.

    Returns
    -------
    params : list of torch.nn.Parameter
    slices : tuple of LayerSlice
    """
    from .._validation import check_layer_selection

    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    selectors = check_layer_selection(layers, [n for n, _ in named])
    params, slices, offset = [], [], 0
    for name, p in named:
        if selectors is not None and not any(_matches(name, s) for s in selectors):
            continue
        size = int(p.numel())
        params.append(p)
        slices.append(LayerSlice(name, offset, size, tuple(int(s) for s in p.shape)))
        offset += size
    return params, tuple(slices)


@contextlib.contextmanager
def torch_threads(n: int):
    """Run the block with ``torch.set_num_threads(n)``, restoring the old value afterwards."""
    torch = require_torch()
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def library_versions() -> dict[str, str]:
    """Versions that determine the numbers in a run (recorded in its metadata)."""
    torch = require_torch()
    import safetensors

    from .. import __version__

    return {"stablecheck": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "safetensors": getattr(safetensors, "__version__", "unknown"),
            "python": platform.python_version(), "platform": platform.platform()}


def storage_dtype(dtype: str):
    """The torch dtype for the stored noise (``"float32"`` or ``"float64"``)."""
    torch = require_torch()
    return {"float32": torch.float32, "float64": torch.float64}[dtype]


def state_tensors(model) -> dict[str, Any]:
    """The model's parameters and buffers as contiguous CPU tensors (for safetensors)."""
    out = {}
    for name, t in model.state_dict(keep_vars=False).items():
        out[name] = t.detach().to("cpu").contiguous().clone()
    return out
