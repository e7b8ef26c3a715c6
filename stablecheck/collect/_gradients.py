"""Gradients at a frozen weight vector: exact full gradient, minibatch gradients.

All gradients are taken with ``torch.autograd.grad`` with respect to the selected parameters
only, so the model's ``.grad`` fields are never touched and unselected layers cost nothing in
the backward pass. Minibatch gradients come from a plain loop of backward passes (the fast
route on CPU, FIELD-NOTES section 6) or, optionally, ``torch.func.vmap`` over whole
minibatches; never from per-example gradients.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ._data import LossAdapter, TorchData
from ._torch import LayerSlice, require_torch

__all__ = ["GradientEngine", "collection_mode", "stochastic_modules"]


def stochastic_modules(model) -> list[str]:
    """Modules whose output depends on the batch or on randomness in train mode."""
    torch = require_torch()
    kinds = (torch.nn.modules.batchnorm._BatchNorm, torch.nn.modules.dropout._DropoutNd,
             torch.nn.modules.instancenorm._InstanceNorm, torch.nn.AlphaDropout,
             torch.nn.FeatureAlphaDropout)
    return [f"{name or '<root>'}: {type(m).__name__}" for name, m in model.named_modules()
            if isinstance(m, kinds) and (not hasattr(m, "p") or float(getattr(m, "p", 0)) > 0)]


@contextlib.contextmanager
def collection_mode(model, mode: str):
    """Put ``model`` in eval or train mode for the block; restore flags and buffers after.

    In train mode BatchNorm would update its running statistics on every forward pass; the
    buffers are saved and written back so collecting never changes the model.
    """
    torch = require_torch()
    flags = [(m, m.training) for m in model.modules()]
    saved = None
    if mode == "train":
        saved = [(b, b.detach().clone()) for b in model.buffers()]
    model.train(mode == "train")
    try:
        yield
    finally:
        for m, flag in flags:
            m.training = flag
        if saved is not None:
            with torch.no_grad():
                for b, v in saved:
                    b.copy_(v)


class GradientEngine:
    """Flat gradients of the selected parameters at the model's current weights.

    Parameters
    ----------
    model : torch.nn.Module
    loss : LossAdapter
    data : TorchData
    params : list of Parameter
        The selected parameters, in layout order.
    slices : tuple of LayerSlice
    chunk_examples : int
        Examples per forward/backward pass of the full gradient.
    """

    def __init__(self, model, loss: LossAdapter, data: TorchData, params,
                 slices: tuple[LayerSlice, ...], *, chunk_examples: int):
        self.torch = require_torch()
        self.model, self.loss, self.data = model, loss, data
        self.params = list(params)
        self.slices = slices
        self.n_params = sum(s.size for s in slices)
        self.chunk_examples = int(chunk_examples)
        self.param_dtype = self.params[0].dtype
        self.device = self.params[0].device  # batches go to the model; rows live on the CPU

    # -- one backward pass ------------------------------------------------------------
    def _grads(self, loss_value):
        return self.torch.autograd.grad(loss_value, self.params, allow_unused=True,
                                        materialize_grads=True)

    def _flatten_into(self, grads, row) -> None:
        torch = self.torch
        if row.dtype == grads[0].dtype and row.device == grads[0].device:
            torch.cat([g.reshape(-1) for g in grads], out=row)
        else:
            for g, s in zip(grads, self.slices):
                row[s.offset:s.offset + s.size].copy_(g.reshape(-1))

    def minibatch_gradient(self, idx: np.ndarray, row) -> float:
        """Write the gradient of the batch-mean loss on examples ``idx`` into ``row``.

        Returns the batch-mean loss.
        """
        x, y = self.data.batch(idx, self.device)
        loss = self.loss.mean(self.model(x), y)
        self._flatten_into(self._grads(loss), row)
        return float(loss.detach())

    def minibatch_gradients_vmap(self, batches: list[np.ndarray], rows) -> None:
        """Gradients of several equal-size minibatches with ``torch.func.vmap``.

        ``rows`` is a (len(batches), P) tensor; row j receives batch j's gradient.
        """
        torch = self.torch
        from torch.func import functional_call, grad, vmap

        names = [s.name for s in self.slices]
        pdict = {name: p.detach() for name, p in zip(names, self.params)}
        xs, ys = zip(*(self.data.batch(idx, self.device) for idx in batches))
        x, y = torch.stack(xs), torch.stack(ys)
        model, loss = self.model, self.loss

        def f(p, xb, yb):
            return loss.mean(functional_call(model, p, (xb,), strict=False), yb)

        g = vmap(grad(f), in_dims=(None, 0, 0))(pdict, x, y)
        for s in self.slices:
            rows[:, s.offset:s.offset + s.size].copy_(g[s.name].reshape(len(batches), -1))

    # -- full gradient ----------------------------------------------------------------
    def sum_and_loss(self, idx: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """Float64 sums of per-example gradients and losses over ``idx`` (all when None).

        Chunks of ``chunk_examples`` with ``reduction="sum"``; each chunk's gradient is
        widened to float64 before it is added, so the accumulation error does not grow with
        the number of chunks beyond float64 rounding. The caller divides by n once.
        """
        torch = self.torch
        n = self.data.n if idx is None else len(idx)
        acc = torch.zeros(self.n_params, dtype=torch.float64)
        row = torch.empty(self.n_params, dtype=self.param_dtype)
        total_loss = 0.0
        for start in range(0, n, self.chunk_examples):
            stop = min(n, start + self.chunk_examples)
            chunk = (np.arange(start, stop, dtype=np.int64) if idx is None
                     else idx[start:stop])
            x, y = self.data.batch(chunk, self.device)
            loss = self.loss.sum(self.model(x), y)
            self._flatten_into(self._grads(loss), row)
            acc += row
            total_loss += float(loss.detach())
        return acc.numpy(), total_loss
