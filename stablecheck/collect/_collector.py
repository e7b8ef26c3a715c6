"""Collect minibatch gradient noise ``g_B(w) - grad f(w)`` at frozen weights into a run.

At a collected iteration the weights are frozen and saved, the reference gradient is
computed once (exact, large-batch or partition mean), and for every batch size the K
minibatch gradients are computed by a plain loop of backward passes (or vmap over whole
minibatches) and written chunk by chunk: never more than one chunk of rows is in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._results import ResultMixin
from .._validation import (
    check_collect_options,
    check_collect_schedule,
    check_collect_sizes,
    check_train_mode,
)
from ._data import (
    BatchSchedule,
    LossAdapter,
    as_torch_data,
    large_batch_indices,
    partition_schedule,
    torch_seed,
)
from ._gradients import GradientEngine, collection_mode, stochastic_modules
from ._run import RunSink, gradient_name, snapshot_name, weights_name
from ._torch import (
    library_versions,
    parameter_layout,
    require_torch,
    state_tensors,
    storage_dtype,
    torch_threads,
)

__all__ = ["NoiseCollector", "CollectionResult", "collect_noise", "DEFAULT_CHUNK_BYTES"]

DEFAULT_CHUNK_BYTES = 64 << 20


@dataclass(frozen=True, repr=False)
class CollectionResult(ResultMixin):
    """What a collection wrote.

    Attributes
    ----------
    out : str
        The run directory (open it with ``stablecheck.load_noise`` or
        ``stablecheck.noise.open_run``).
    run_id : str
    n : int
        Examples in the dataset.
    n_params : int
        P, the length of each noise vector (selected parameters only).
    iterations, batch_sizes : tuple of int
        Iterations collected so far and the batch sizes at each.
    n_batches : int
        K, minibatches per (iteration, batch size).
    method : str
        How the reference gradient was obtained (``exact``, ``large_batch``,
        ``partition_mean``).
    mode, sampling, dtype : str
    snapshots : tuple of str
        Store names of the noise snapshots (``t<iteration>_b<B>``).
    chunks_written, chunks_skipped : int
        Chunks committed by this call and chunks found already committed (resume).
    bytes_written : int
    seconds : float
    resumed : bool
        True when an existing run directory was continued.
    layers : tuple of dict
        name, offset, size, shape of every parameter slice of the flat vector.
    warnings : tuple of str
    """

    out: str
    run_id: str
    n: int
    n_params: int
    iterations: tuple[int, ...]
    batch_sizes: tuple[int, ...]
    n_batches: int
    method: str
    mode: str
    sampling: str
    dtype: str
    snapshots: tuple[str, ...]
    chunks_written: int
    chunks_skipped: int
    bytes_written: int
    seconds: float
    resumed: bool
    layers: tuple[dict, ...] = field(default=())
    warnings: tuple[str, ...] = ()

    _title: ClassVar[str] = "Gradient-noise collection"
    _hidden: ClassVar[tuple[str, ...]] = ("layers",)


def _data_sha256(data) -> str | None:
    if data.tensors is None:
        return None
    h = hashlib.sha256()
    for t in data.tensors:
        arr = np.ascontiguousarray(t.detach().cpu().numpy())
        h.update(str((arr.dtype.str, arr.shape)).encode())
        h.update(arr.data)
    return h.hexdigest()


class NoiseCollector:
    """Collect gradient noise from your own training loop.

    Create it once, then call ``collector.maybe_collect(step, model)`` every step; it
    collects when ``step`` is scheduled and returns True. The model is restored (mode flags,
    buffers, RNG state) before it returns, and its ``.grad`` fields are never touched.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(model(x), y)``: a ``torch.nn`` loss module (copied with reduction "mean"
        and "sum") or a callable returning the batch mean or per-example losses. The
        objective is ``f(w) = (1/n) sum_i loss_i(w)``.
    dataset : pair of tensors/arrays, TensorDataset or map-style Dataset
        The training set over which ``f`` is defined.
    out : path
        Run directory (created; continued only with ``resume=True``).
    iterations : None or sequence of int
        Steps at which to collect. With ``every`` (an interval) instead, steps
        ``0, every, 2 * every, ...``. With neither, every call of ``maybe_collect`` collects.
    batch_sizes : int or sequence of int
        Minibatch sizes B, all collected at the same frozen weights.
    n_batches : int
        K, the number of minibatch noise vectors per (iteration, B).
    full_gradient : "exact" | ("large_batch", B_big) | "partition_mean"
        Reference gradient: exact mean over all n examples (chunks, float64 accumulation,
        one division by n); the mean gradient of B_big examples drawn without replacement
        (inflates the noise covariance by about 1 + B/B_big); or the mean of the minibatch
        gradients of one seeded partition of the data into n // B batches of size B.
    mode : {"eval", "train"}
        Model mode during collection. ``"train"`` keeps dropout/BatchNorm active (noise of
        their own); it is recorded with the list of such modules, BatchNorm buffers are
        restored afterwards and dropout is seeded per minibatch.
    sampling : {"without_replacement", "with_replacement"}
        How minibatches are drawn (see :func:`batch_indices`).
    layers : None or sequence of str
        Parameter names or module prefixes to keep (default: all trainable parameters).
    dtype : {"float32", "float64"}
        Storage dtype of the noise.
    threads : int
        ``torch.set_num_threads`` during collection (restored afterwards).
    seed : int or None
        Seeds every random choice (batches, large-batch subset, dropout). None draws a
        fresh seed (recorded in the run; pass it back to resume).
    backend : {"loop", "vmap"}
        Plain loop of backward passes (default, fastest on CPU) or ``torch.func.vmap`` over
        whole minibatches of one chunk.
    chunk_bytes : int
        Upper bound on the bytes of one chunk of noise rows (at least one row per chunk).
    full_chunk : int
        Examples per forward/backward pass of the reference gradient.
    resume : bool
        Continue an existing run directory (same configuration only).
    progress : bool
        Show a tqdm progress bar (stderr).
    run_id : str, optional
        Store run id (default: derived from the configuration).
    extra_config, extra_meta : dict, optional
        Added to the fingerprinted configuration / the run metadata (JSON values).
    """

    def __init__(self, loss_fn: Any, dataset: Any, *, out, iterations=None, every=None,
                 batch_sizes=(32,), n_batches: int = 64, full_gradient: Any = "exact",
                 mode: str = "eval", sampling: str = "without_replacement", layers=None,
                 dtype: str = "float32", threads: int = 1, seed: int | None = 0,
                 backend: str = "loop", chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                 full_chunk: int = 1024, resume: bool = False, progress: bool = False,
                 run_id: str | None = None, extra_config: dict | None = None,
                 extra_meta: dict | None = None):
        self.opts = check_collect_options(
            out=out, resume=resume, progress=progress, batch_sizes=batch_sizes,
            n_batches=n_batches, full_gradient=full_gradient,
            mode=mode, sampling=sampling, dtype=dtype, threads=threads, seed=seed,
            backend=backend, chunk_bytes=chunk_bytes, full_chunk=full_chunk)
        if self.opts["seed"] is None:
            self.opts["seed"] = int(np.random.SeedSequence().entropy % (2**63))
        self.schedule, self.every = check_collect_schedule(iterations, every)
        self.data = as_torch_data(dataset)
        self.loss = LossAdapter(loss_fn)
        self.notes = list(check_collect_sizes(
            self.data.n, self.opts["batch_sizes"], self.opts["n_batches"],
            self.opts["sampling"], self.opts["full_gradient"], self.opts["b_big"]))
        self.layers_sel = None if layers is None else (
            (layers,) if isinstance(layers, str) else tuple(layers))
        self.out, self.resume, self.progress = out, self.opts["resume"], self.opts["progress"]
        self.run_id = run_id
        self.extra_config = dict(extra_config or {})
        self.extra_meta = dict(extra_meta or {})
        self._sink: RunSink | None = None
        self._layout = None
        self._stoch: list[str] = []
        self._collected: list[int] = []
        self._snapshots: list[str] = []
        self._seconds = 0.0
        self._bar = None

    # -- schedule -----------------------------------------------------------------------
    def should_collect(self, step: int) -> bool:
        """True when ``step`` is a scheduled collection step."""
        if self.schedule is not None:
            return int(step) in self.schedule
        if self.every is not None:
            return int(step) % self.every == 0
        return True

    def maybe_collect(self, step: int, model) -> bool:
        """Collect at ``step`` if it is scheduled; return whether it did."""
        if not self.should_collect(step):
            return False
        self.collect(step, model)
        return True

    # -- the run ------------------------------------------------------------------------
    def _config(self, model, slices) -> dict:
        o = self.opts
        cfg = {
            "kind": "stablecheck.collect/1", "model": type(model).__name__,
            "layers": [s.to_dict() for s in slices], "layer_selection": self.layers_sel,
            "dataset": self.data.description, "n_examples": self.data.n,
            "data_sha256": _data_sha256(self.data), "loss": self.loss.description,
            "batch_sizes": list(o["batch_sizes"]), "n_batches": o["n_batches"],
            "full_gradient": o["full_gradient"], "large_batch_size": o["b_big"],
            "mode": o["mode"], "sampling": o["sampling"], "dtype": o["dtype"],
            "seed": o["seed"], "backend": o["backend"], "chunk_bytes": o["chunk_bytes"],
            "full_chunk": o["full_chunk"],
            "schedule": (list(self.schedule) if self.schedule is not None
                         else {"every": self.every}),
        }
        cfg.update(self.extra_config)
        return cfg

    def _open(self, model, slices) -> None:
        self._stoch = stochastic_modules(model)
        check_train_mode(self.opts["mode"], self.opts["backend"], self._stoch,
                         self.opts["batch_sizes"])
        config = self._config(model, slices)
        run_id = self.run_id or "collect-" + hashlib.sha256(
            repr(sorted(config.items())).encode()).hexdigest()[:16]
        o = self.opts
        meta = {"data_kind": "noise", "full_gradient": o["full_gradient"],
                "sampling": o["sampling"], "model_mode": o["mode"], "dtype": o["dtype"],
                "seed": o["seed"], "versions": library_versions(),
                "model": type(model).__name__, "n_params": sum(s.size for s in slices),
                "n_examples": self.data.n, "loss": self.loss.description,
                "backend": o["backend"], "threads": o["threads"],
                "train_mode_modules": self._stoch if o["mode"] == "train" else [],
                "stochastic_modules": self._stoch}
        if o["b_big"] is not None:
            meta["full_gradient_batch_size"] = o["b_big"]
        meta.update(self.extra_meta)
        self._sink = RunSink(self.out, run_id=run_id, config=config, meta=meta,
                             resume=self.resume)
        self.run_id = run_id

    def open(self, model) -> None:
        """Create or resume the run directory for ``model``'s parameter layout (idempotent).

        ``collect`` opens it on first use; call this to fail early when ``out`` belongs to
        another run.
        """
        if self._sink is None:
            _, slices = parameter_layout(model, self.layers_sel)
            self._open(model, slices)
            self._layout = slices

    @property
    def path(self):
        """The run directory as a ``pathlib.Path``."""
        from pathlib import Path

        return Path(self.out)

    def close(self) -> None:
        """Release the run directory (the writer lock) and the progress bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._sink is not None:
            self._sink.close()

    def __enter__(self) -> NoiseCollector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- collecting ---------------------------------------------------------------------
    def collect(self, step: int, model) -> tuple[str, ...]:
        """Collect at ``step`` unconditionally; return the snapshot names written/verified."""
        torch = require_torch()
        t0 = time.perf_counter()
        step = int(step)
        o = self.opts
        rng_guard = (torch.random.fork_rng(devices=[]) if o["mode"] == "train"
                     else contextlib.nullcontext())
        with torch_threads(o["threads"]), collection_mode(model, o["mode"]), rng_guard:
            params, slices = parameter_layout(model, self.layers_sel)
            self.open(model)
            if slices != self._layout:
                raise ValueError(f"the model's parameter layout changed at step {step} "
                                 "(names, shapes or requires_grad); a run needs one layout.")
            names = self._collect_at(step, model, params, slices)
        self._seconds += time.perf_counter() - t0
        if step not in self._collected:
            self._collected.append(step)
        self._snapshots += [n for n in names if n not in self._snapshots]
        return names

    def _weights(self, step: int, model) -> tuple[str, str]:
        from safetensors.torch import save

        rel = weights_name(step)
        data = save(state_tensors(model))
        sha = hashlib.sha256(data).hexdigest()
        old = self._sink.read_file(rel)
        if old is None:
            self._sink.write_file(rel, data)
        elif hashlib.sha256(old).hexdigest() != sha:
            from ..errors import NoiseFormatError

            raise NoiseFormatError(
                f"{self._sink.path}: the weights saved for iteration {step} differ from the "
                "model being collected now; the run was made with another model or training "
                "path. Use a new directory.")
        return rel, sha

    def _reference(self, engine, step: int, b: int | None):
        """(grad f as float64 ndarray, full loss, file, sha256) -- loaded when saved."""
        torch = require_torch()
        rel = gradient_name(step, b)
        got = self._sink.load_tensors(rel)
        if got is not None:
            tensors, meta = got
            grad = tensors["full_gradient"].numpy()
            data = self._sink.read_file(rel)
            return grad, float(meta["loss"]), rel, hashlib.sha256(data).hexdigest()
        o = self.opts
        if o["mode"] == "train":
            torch.manual_seed(torch_seed(o["seed"], step, 0))
        if o["full_gradient"] == "exact":
            total, loss = engine.sum_and_loss(None)
            grad, loss = total / self.data.n, loss / self.data.n
        elif o["full_gradient"] == "large_batch":
            idx = large_batch_indices(self.data.n, o["b_big"], seed=o["seed"], iteration=step)
            total, loss = engine.sum_and_loss(idx)
            grad, loss = total / len(idx), loss / len(idx)
        else:
            grad, loss = self._partition_mean(engine, step, b)
        sha = self._sink.save_tensors(rel, {"full_gradient": torch.from_numpy(grad)},
                                      {"loss": repr(float(loss))})
        return grad, float(loss), rel, sha

    def _partition_mean(self, engine, step: int, b: int):
        torch = require_torch()
        sched = partition_schedule(self.data.n, b, seed=self.opts["seed"], iteration=step)
        acc = torch.zeros(engine.n_params, dtype=torch.float64)
        row = torch.empty(engine.n_params, dtype=engine.param_dtype)
        loss = 0.0
        for k in range(sched.per_perm):
            loss += engine.minibatch_gradient(sched.indices(k), row)
            acc += row
        return (acc / sched.per_perm).numpy(), loss / sched.per_perm

    def _collect_at(self, step: int, model, params, slices) -> tuple[str, ...]:
        o = self.opts
        names = tuple(snapshot_name(step, b) for b in o["batch_sizes"])
        engine = GradientEngine(model, self.loss, self.data, params, slices,
                                chunk_examples=o["full_chunk"])
        wrel, wsha = self._weights(step, model)
        layers = [(s.name, s.shape) for s in slices]
        shared = None
        for b, name in zip(o["batch_sizes"], names):
            if self._sink.is_complete(name):  # resumed; _weights checked the weights
                smeta = self._sink.writer.snapshots[name].meta
                self._sink.adopt(smeta.get("full_gradient_file"),
                                 smeta.get("full_gradient_sha256"))
                r = self._rows_per_chunk(engine.n_params)
                self._sink.chunks_skipped += -(-o["n_batches"] // r)
                self._advance(o["n_batches"])
                continue
            if o["full_gradient"] == "partition_mean":
                ref = self._reference(engine, step, b)
            else:
                shared = shared or self._reference(engine, step, None)
                ref = shared
            grad, loss, grel, gsha = ref
            self._sink.declare(name, n_rows=o["n_batches"], layers=layers, dtype=o["dtype"],
                               meta=self._snapshot_meta(step, b, wrel, wsha, grel, gsha, loss))
            self._fill(engine, name, step, b, grad)
        self._sink.flush()  # collect() returns with every chunk of this iteration committed
        return names

    def _snapshot_meta(self, step, b, wrel, wsha, grel, gsha, loss) -> dict:
        o, n = self.opts, self.data.n
        ref_n = {"exact": n, "large_batch": o["b_big"],
                 "partition_mean": (n // b) * b}[o["full_gradient"]]
        per = n // b
        partition = (o["sampling"] == "without_replacement" and o["n_batches"] == per
                     and n % b == 0)
        return {"iteration": step, "batch_size": b, "full_gradient": o["full_gradient"],
                "full_gradient_batch_size": ref_n, "sampling": o["sampling"],
                "model_mode": o["mode"], "data_kind": "noise", "seed": o["seed"],
                "n_examples": n, "full_loss": loss, "batches_partition_data": partition,
                "weights_file": wrel, "weights_sha256": wsha,
                "full_gradient_file": grel, "full_gradient_sha256": gsha}

    def _rows_per_chunk(self, n_params: int) -> int:
        item = 4 if self.opts["dtype"] == "float32" else 8
        return int(max(1, min(self.opts["n_batches"], self.opts["chunk_bytes"] //
                              max(1, n_params * item))))

    def _advance(self, rows: int) -> None:
        if self.progress:
            if self._bar is None:
                from tqdm.auto import tqdm

                o = self.opts
                total = (len(self.schedule) * len(o["batch_sizes"]) * o["n_batches"]
                         if self.schedule is not None else None)
                self._bar = tqdm(desc="noise rows", unit="batch", total=total)
            self._bar.update(rows)

    def _fill(self, engine, name: str, step: int, b: int, grad64: np.ndarray) -> None:
        """Compute and commit the K noise rows of one snapshot, chunk by chunk."""
        torch = require_torch()
        o = self.opts
        k_total, p = o["n_batches"], engine.n_params
        store_dt = storage_dtype(o["dtype"])
        work_dt = torch.promote_types(store_dt, engine.param_dtype)
        ref = torch.from_numpy(grad64).to(work_dt)
        r = self._rows_per_chunk(p)
        # two chunk buffers: one is filled while the store commits the other
        bufs = [np.empty((r, p), dtype=o["dtype"]) for _ in range(2)]
        pending = [None, None]
        work = None if work_dt == store_dt else torch.empty(p, dtype=work_dt)
        sched = BatchSchedule(self.data.n, b, sampling=o["sampling"], seed=o["seed"],
                              iteration=step)
        train = o["mode"] == "train"
        for j, r0 in enumerate(range(0, k_total, r)):
            r1 = min(k_total, r0 + r)
            if self._sink.has_rows(name, r0, r1):
                self._sink.chunks_skipped += 1
                self._advance(r1 - r0)
                continue
            slot = j % 2
            if pending[slot] is not None:
                pending[slot].result()  # its commit is done: the buffer may be reused
            buf = bufs[slot]
            rows = torch.from_numpy(buf)[:r1 - r0]
            if o["backend"] == "vmap":
                engine.minibatch_gradients_vmap([sched.indices(k) for k in range(r0, r1)], rows)
                rows.sub_(ref)
            else:
                for k in range(r0, r1):
                    if train:
                        torch.manual_seed(torch_seed(o["seed"], step, b, k))
                    if work is None:
                        engine.minibatch_gradient(sched.indices(k), rows[k - r0])
                    else:
                        engine.minibatch_gradient(sched.indices(k), work)
                        rows[k - r0].copy_(work.sub_(ref))
                if work is None:
                    rows.sub_(ref)
            pending[slot] = self._sink.write_rows(name, buf[:r1 - r0], r0)
            self._advance(r1 - r0)
        for fut in pending:  # surface a commit error here, not at close()
            if fut is not None:
                fut.result()

    # -- summary ------------------------------------------------------------------------
    def result(self) -> CollectionResult:
        """A :class:`CollectionResult` for everything collected through this object."""
        o = self.opts
        sink = self._sink
        return CollectionResult(
            out=str(self.out), run_id=str(self.run_id), n=self.data.n,
            n_params=sum(s.size for s in self._layout) if self._layout else 0,
            iterations=tuple(self._collected), batch_sizes=o["batch_sizes"],
            n_batches=o["n_batches"], method=o["full_gradient"], mode=o["mode"],
            sampling=o["sampling"], dtype=o["dtype"], snapshots=tuple(self._snapshots),
            chunks_written=sink.chunks_written if sink else 0,
            chunks_skipped=sink.chunks_skipped if sink else 0,
            bytes_written=sink.bytes_written if sink else 0, seconds=self._seconds,
            resumed=bool(sink.resumed) if sink else False,
            layers=tuple(s.to_dict() for s in (self._layout or ())),
            warnings=tuple(self.notes))


def collect_noise(model, loss_fn: Any, dataset: Any, *, out, iterations=None, every=None,
                  steps: int | None = None, batch_sizes=(32,), n_batches: int = 64,
                  full_gradient: Any = "exact", mode: str = "eval",
                  sampling: str = "without_replacement", layers=None, dtype: str = "float32",
                  threads: int = 1, seed: int | None = 0, backend: str = "loop",
                  chunk_bytes: int = DEFAULT_CHUNK_BYTES, full_chunk: int = 1024,
                  resume: bool = False, progress: bool = False, lr: float | None = None,
                  momentum: float = 0.0, train_batch_size: int | None = None,
                  weight_decay: float = 0.0, run_id: str | None = None) -> CollectionResult:
    """Collect minibatch gradient noise ``U = g_B(w) - grad f(w)`` into a run directory.

    Without a training schedule (``iterations`` None, one iteration, or no ``lr``) the noise
    is collected at the model's current weights, labelled with that iteration (default 0).
    With several iterations (or ``every`` with ``steps``) and ``lr`` the model is trained
    with SGD between them: see :func:`train_and_collect`, which this then calls.

    Parameters
    ----------
    model : torch.nn.Module
    loss_fn, dataset, out, batch_sizes, n_batches, full_gradient, mode, sampling, layers,
    dtype, threads, seed, backend, chunk_bytes, full_chunk, resume, progress, run_id
        See :class:`NoiseCollector`.
    iterations : None, int or sequence of int
    every, steps : int, optional
        Collect at ``0, every, 2 every, ..., <= steps``.
    lr, momentum, train_batch_size, weight_decay
        SGD settings when training is needed (see :func:`train_and_collect`).

    Returns
    -------
    CollectionResult

    Raises
    ------
    ValueError
        Bad options, or several iterations without ``lr``.
    stablecheck.errors.NoiseFormatError
        ``out`` holds a run and ``resume`` is False, or it belongs to a different run.
    RuntimeError
        Another live process is writing ``out``.

    Examples
    --------
    >>> from stablecheck.collect import collect_noise, example_task
    >>> task = example_task("mlp", "digits", seed=0)
    >>> res = collect_noise(task.model, task.loss_fn, task.dataset, out=tmp / "run",
    ...                     batch_sizes=(32, 128), n_batches=16)      # doctest: +SKIP
    """
    from .._validation import check_schedule

    sched = check_schedule(iterations, every, steps)
    if sched is not None and len(sched) > 1 or lr is not None:
        if lr is None:
            raise ValueError(f"collecting at iterations {list(sched)} needs SGD training "
                             "between them; pass lr= (and train_batch_size=), or use "
                             "train_and_collect.")
        from ._train import train_and_collect

        return train_and_collect(
            model, loss_fn, dataset, out=out, steps=steps if steps is not None else
            (max(sched) if sched else 0), iterations=sched, lr=lr, momentum=momentum,
            train_batch_size=train_batch_size or 32, weight_decay=weight_decay,
            batch_sizes=batch_sizes, n_batches=n_batches, full_gradient=full_gradient,
            mode=mode, sampling=sampling, layers=layers, dtype=dtype, threads=threads,
            seed=seed, backend=backend, chunk_bytes=chunk_bytes, full_chunk=full_chunk,
            resume=resume, progress=progress, run_id=run_id)
    step = sched[0] if sched else 0
    with NoiseCollector(loss_fn, dataset, out=out, iterations=(step,),
                        batch_sizes=batch_sizes, n_batches=n_batches,
                        full_gradient=full_gradient, mode=mode, sampling=sampling,
                        layers=layers, dtype=dtype, threads=threads, seed=seed,
                        backend=backend, chunk_bytes=chunk_bytes, full_chunk=full_chunk,
                        resume=resume, progress=progress, run_id=run_id) as collector:
        collector.collect(step, model)
        return collector.result()
