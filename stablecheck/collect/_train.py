"""Train with SGD and collect gradient noise at scheduled iterations, resumably.

Training is deterministic given the seed: step t uses minibatch t of seeded epoch
permutations (``drop_last``) and, in train mode, a per-step torch seed for dropout. At each
collected iteration the weights and the SGD momentum buffers are saved before collecting,
so ``resume=True`` restarts from the last saved iteration and reproduces the uninterrupted
run bit for bit (same torch build and thread count).
"""

from __future__ import annotations

import hashlib
from typing import Any

from .._validation import check_schedule, check_train_options
from ..errors import NoiseFormatError
from ._collector import DEFAULT_CHUNK_BYTES, CollectionResult, NoiseCollector
from ._data import stream_seed, train_batch
from ._run import optimizer_name, weights_name
from ._torch import require_torch, state_tensors, torch_threads

__all__ = ["train_and_collect"]

_TAG_TRAIN_TORCH = 6


def _train_seed(seed: int, step: int) -> int:
    import numpy as np

    state = stream_seed(seed, _TAG_TRAIN_TORCH, step).generate_state(2, np.uint32)
    return int(state.view(np.uint64)[0] >> np.uint64(1))


def _weights_sha(model) -> str:
    from safetensors.torch import save

    return hashlib.sha256(save(state_tensors(model))).hexdigest()


class _SGD:
    """SGD with the update rule of ``torch.optim.SGD`` (dampening 0, no Nesterov).

    ``d = g + weight_decay * w``; ``b = d`` at the first step, then ``b = momentum * b + d``;
    ``w -= lr * b`` (``b = d`` when momentum is 0). Written out so the momentum buffers are
    plain named tensors to checkpoint, and so training does not import ``torch._dynamo``
    (seconds per process, which ``torch.optim`` does on first use).
    """

    def __init__(self, model, *, lr: float, momentum: float, weight_decay: float):
        self.named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.buffers: dict[str, Any] = {}

    def step(self) -> None:
        torch = require_torch()
        with torch.no_grad():
            for name, p in self.named:
                if p.grad is None:
                    continue
                d = p.grad
                if self.weight_decay != 0:
                    d = d.add(p, alpha=self.weight_decay)
                if self.momentum != 0:
                    buf = self.buffers.get(name)
                    if buf is None:
                        buf = self.buffers[name] = torch.clone(d).detach()
                    else:
                        buf.mul_(self.momentum).add_(d)
                    d = buf
                p.add_(d, alpha=-self.lr)

    def zero_grad(self) -> None:
        for _, p in self.named:
            p.grad = None

    def state_tensors(self) -> dict[str, Any]:
        return {f"momentum_buffer.{n}": b.detach().clone().contiguous()
                for n, b in self.buffers.items()}

    def load_state_tensors(self, tensors: dict[str, Any], where: str) -> None:
        names = {n for n, _ in self.named}
        for key, buf in tensors.items():
            name = key.removeprefix("momentum_buffer.")
            if name not in names:
                raise NoiseFormatError(f"{where}: unknown parameter {name!r}.")
            param = dict(self.named)[name]
            self.buffers[name] = buf.to(device=param.device, dtype=param.dtype).clone()


def _restore(collector: NoiseCollector, model, optimizer, schedule, start_limit: int) -> int:
    """Load the latest complete checkpoint (weights + optimizer) of the run; return its step."""
    sink = collector._sink
    for t in sorted((s for s in schedule if s <= start_limit), reverse=True):
        w = sink.load_tensors(weights_name(t))
        o = sink.load_tensors(optimizer_name(t))
        if w is None or o is None:
            continue
        weights, _ = w
        missing = set(model.state_dict()) - set(weights)
        if missing:
            raise NoiseFormatError(f"{sink.path / weights_name(t)}: lacks {sorted(missing)[:5]}; "
                                   "not a checkpoint of this model.")
        model.load_state_dict(weights, strict=True)
        optimizer.load_state_tensors(o[0], str(sink.path / optimizer_name(t)))
        return t
    return 0


def train_and_collect(model, loss_fn: Any, dataset: Any, *, out, steps: int, lr: float,
                      momentum: float = 0.0, train_batch_size: int = 32,
                      weight_decay: float = 0.0, iterations=None, every=None,
                      batch_sizes=(32,), n_batches: int = 64, full_gradient: Any = "exact",
                      mode: str = "eval", sampling: str = "without_replacement", layers=None,
                      dtype: str = "float32", threads: int = 1, seed: int = 0,
                      backend: str = "loop", chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                      full_chunk: int = 1024, resume: bool = False, progress: bool = False,
                      run_id: str | None = None) -> CollectionResult:
    """Train ``model`` with SGD for ``steps`` steps, collecting noise at scheduled iterations.

    Iteration t means "after t SGD steps": the noise at t is measured at the weights that
    step t + 1 starts from. The update rule is that of ``torch.optim.SGD(lr, momentum,
    weight_decay)`` (dampening 0, no Nesterov) on all trainable parameters with minibatches of ``train_batch_size`` drawn as seeded
    epoch permutations; all of it is recorded in the run metadata.

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place (its final state is the state after ``steps`` steps).
    loss_fn, dataset, out, batch_sizes, n_batches, full_gradient, mode, sampling, layers,
    dtype, threads, seed, backend, chunk_bytes, full_chunk, progress, run_id
        See :class:`NoiseCollector`.
    steps : int
        Number of SGD steps.
    lr, momentum, weight_decay : float
    train_batch_size : int
    iterations : None or sequence of int
        Collection iterations (default ``(0, steps)``); or ``every`` N steps.
    resume : bool
        Continue ``out``: restart from its last saved iteration, skip committed chunks.

    Returns
    -------
    CollectionResult
    """
    torch = require_torch()
    topts = check_train_options(steps=steps, lr=lr, momentum=momentum,
                                train_batch_size=train_batch_size, weight_decay=weight_decay)
    sched = check_schedule(iterations, every, topts["steps"])
    if sched is None:
        sched = tuple(sorted({0, topts["steps"]}))
    training = {"optimizer": "SGD", **topts, "train_sampling": "epoch permutations, drop_last",
                "init_weights_sha256": _weights_sha(model)}
    collector = NoiseCollector(
        loss_fn, dataset, out=out, iterations=sched, batch_sizes=batch_sizes,
        n_batches=n_batches, full_gradient=full_gradient, mode=mode, sampling=sampling,
        layers=layers, dtype=dtype, threads=threads, seed=seed, backend=backend,
        chunk_bytes=chunk_bytes, full_chunk=full_chunk, resume=resume, progress=progress,
        run_id=run_id, extra_config={"training": training},
        extra_meta={"optimizer": "SGD", "lr": topts["lr"], "momentum": topts["momentum"],
                    "weight_decay": topts["weight_decay"],
                    "train_batch_size": topts["train_batch_size"], "steps": topts["steps"]})
    data = collector.data
    if topts["train_batch_size"] > data.n:
        raise ValueError(f"`train_batch_size` {topts['train_batch_size']} exceeds the "
                         f"{data.n} examples.")
    seed = collector.opts["seed"]
    optimizer = _SGD(model, lr=topts["lr"], momentum=topts["momentum"],
                     weight_decay=topts["weight_decay"])
    flags = [(m, m.training) for m in model.modules()]
    device = next(model.parameters()).device
    try:
        collector.open(model)
        start = _restore(collector, model, optimizer, sched, topts["steps"]) \
            if collector._sink.resumed else 0
        with torch_threads(collector.opts["threads"]), torch.random.fork_rng(devices=[]):
            for t in range(start, topts["steps"] + 1):
                if t in sched:
                    rel = optimizer_name(t)
                    if collector._sink.read_file(rel) is None:
                        collector._sink.save_tensors(rel, optimizer.state_tensors(),
                                                     {"step": str(t)})
                    collector.collect(t, model)
                if t == topts["steps"]:
                    break
                model.train()
                torch.manual_seed(_train_seed(seed, t))
                x, y = data.batch(train_batch(data.n, topts["train_batch_size"], t, seed=seed),
                                  device)
                optimizer.zero_grad()
                collector.loss.mean(model(x), y).backward()
                optimizer.step()
    finally:
        for m, flag in flags:
            m.training = flag
        collector.close()
    return collector.result()
