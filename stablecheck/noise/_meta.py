"""The versioned metadata schema of noise snapshots (what every snapshot may say about itself).

Known keys are type- and option-checked; unknown keys are kept verbatim (they must be
JSON-serialisable). ``schema_version`` is written with every snapshot so readers can tell
which keys to expect.
"""

from __future__ import annotations

import json
from typing import Any

from .._validation import check_metadata

__all__ = ["SCHEMA_VERSION", "META_FIELDS", "DATA_KINDS", "check_meta", "library_versions"]

SCHEMA_VERSION = 1
DATA_KINDS = ("noise", "gradient", "update", "iterate")

#: key -> (accepted types, allowed options or None); documented in docs/noise-format.md.
META_FIELDS: dict[str, tuple] = {
    "schema_version": ((int,), None),
    "iteration": ((int,), None),
    "batch_size": ((int,), None),
    "n_minibatches": ((int,), None),
    "full_gradient": ((str,), ("exact", "large_batch", "partition_mean", "none", "unknown")),
    "full_gradient_batch_size": ((int,), None),
    "sampling": ((str,), ("without_replacement", "with_replacement", "partition", "unknown")),
    "model_mode": ((str,), ("eval", "train", "unknown")),
    "data_kind": ((str,), DATA_KINDS),
    "dtype": ((str,), None),
    "optimizer": ((str,), None),
    "lr": ((int, float), None),
    "seed": ((int,), None),
    "versions": ((dict,), None),
}


def check_meta(meta: Any, *, name: str = "meta") -> dict:
    """Validate ``meta`` against :data:`META_FIELDS` and make sure it is JSON-serialisable."""
    out = check_metadata(meta, META_FIELDS, name=name)
    try:
        json.dumps(out, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must contain only JSON values (str, int, finite float, "
                        f"bool, None, lists, dicts): {exc}.") from None
    return out


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape the data (recorded with every run)."""
    import platform

    import numpy as np

    from .. import __version__

    return {"stablecheck": __version__, "numpy": np.__version__,
            "python": platform.python_version()}
