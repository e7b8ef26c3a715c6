"""``.pt`` files, read only through ``torch.load(weights_only=True)``.

This is the one place outside ``stablecheck.collect`` that imports torch, and only when
the user asks to read a ``.pt`` file; importing :mod:`stablecheck` never imports torch.
Prefer safetensors: a ``.pt`` file is a pickle and ``weights_only`` is torch's allow-list
unpickler (bypassed by CVE-2025-32434 up to torch 2.5.1, which is therefore refused).
"""

from __future__ import annotations

import os
import re

import numpy as np

from ..errors import NoiseFormatError

__all__ = ["read_pt"]

_HINT = ("save the noise with safetensors (safetensors.torch.save_file) or numpy instead; "
         "stablecheck reads .pt files only when they hold a tensor or a dict of tensors.")


def read_pt(path: str | os.PathLike, *, max_bytes: int) -> dict[str, np.ndarray]:
    """Return the tensors of a ``.pt`` file as numpy arrays (``{"x": ...}`` for one tensor)."""
    where = os.fspath(path)
    size = os.path.getsize(path)
    if size > max_bytes:
        raise NoiseFormatError(f"{where}: {size} bytes; more than the cap of {max_bytes} "
                               "(max_bytes) for formats read into memory.")
    try:
        import torch
    except ImportError:
        raise NoiseFormatError(f"{where}: reading .pt needs torch (pip install "
                               f"'stablecheck[torch]'); or {_HINT}") from None
    major, minor = (int(v) for v in torch.__version__.split(".")[:2])
    if (major, minor) < (2, 6):
        raise NoiseFormatError(f"{where}: torch {torch.__version__} has a weights_only bypass "
                               f"(CVE-2025-32434); upgrade to torch >= 2.6 or {_HINT}")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError/RuntimeError/... for refused files
        if type(exc).__name__ == "UnpicklingError":
            why = "it holds Python objects outside torch's weights-only allow-list"
        else:
            why = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines()[0][:160] if str(exc) else ""
        raise NoiseFormatError(f"{where}: refused by torch.load(weights_only=True) "
                               f"({type(exc).__name__}: {why}); {_HINT}") from None
    if isinstance(obj, torch.Tensor):
        obj = {"x": obj}
    if not isinstance(obj, dict) or not obj or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
        raise NoiseFormatError(f"{where}: holds a {type(obj).__name__}, not a tensor or a "
                               f"dict of tensors; {_HINT}")
    out = {}
    for k, v in obj.items():
        v = v.detach().cpu()
        if v.dtype == torch.bfloat16:
            v = v.float()
        out[k] = v.numpy()
    return out
