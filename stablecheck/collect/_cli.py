"""``stablecheck collect``: argument definitions (torch-free) and the entry point.

cli.py wires it in a few lines::

    from stablecheck.collect import add_collect_arguments, cli_collect
    add_collect_arguments(sub.add_parser("collect", help="collect SGD gradient noise"))
    ...
    if args.command == "collect":
        sys.stdout.write(cli_collect(args).summary())
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_collect_arguments", "cli_collect", "parse_full_gradient"]

_DEFAULTS: dict[str, Any] = {
    "model": "mlp", "dataset": "digits", "iterations": "0", "batch_size": "32",
    "n_batches": 64, "out": None, "resume": False, "progress": True,
    "full_gradient": "exact", "sampling": "without_replacement", "mode": "eval",
    "dtype": "float32", "threads": 1, "seed": 0, "lr": 0.1, "momentum": 0.0,
    "train_batch_size": 32, "weight_decay": 0.0, "layers": None, "hidden": "64,64",
    "backend": "loop", "chunk_bytes": 64 << 20,
}


def add_collect_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``collect`` options to ``parser`` (no torch import)."""
    d = _DEFAULTS
    parser.add_argument("--model", default=d["model"], choices=("mlp", "cnn", "linear"),
                        help="built-in model (default: mlp)")
    parser.add_argument("--dataset", default=d["dataset"], choices=("digits", "teacher", "linreg"),
                        help="built-in offline dataset (default: digits)")
    parser.add_argument("--iterations", default=d["iterations"],
                        help="comma-separated SGD iterations to collect at, e.g. 0,200,1000 "
                             "(the model is trained with SGD in between)")
    parser.add_argument("--batch-size", dest="batch_size", default=d["batch_size"],
                        help="comma-separated minibatch sizes collected at each iteration")
    parser.add_argument("--n-batches", dest="n_batches", type=int, default=d["n_batches"],
                        help="K, minibatch noise vectors per iteration and batch size")
    parser.add_argument("--out", required=True, help="run directory to write")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run in --out (same settings)")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bar")
    parser.add_argument("--full-gradient", dest="full_gradient", default=d["full_gradient"],
                        help="exact | partition_mean | large_batch:B_BIG")
    parser.add_argument("--sampling", default=d["sampling"],
                        choices=("without_replacement", "with_replacement"))
    parser.add_argument("--mode", default=d["mode"], choices=("eval", "train"),
                        help="model mode while collecting (default eval)")
    parser.add_argument("--dtype", default=d["dtype"], choices=("float32", "float64"))
    parser.add_argument("--threads", type=int, default=d["threads"], help="torch threads")
    parser.add_argument("--seed", type=int, default=d["seed"])
    parser.add_argument("--lr", type=float, default=d["lr"], help="SGD learning rate")
    parser.add_argument("--momentum", type=float, default=d["momentum"])
    parser.add_argument("--train-batch-size", dest="train_batch_size", type=int,
                        default=d["train_batch_size"])
    parser.add_argument("--weight-decay", dest="weight_decay", type=float,
                        default=d["weight_decay"])
    parser.add_argument("--layers", default=d["layers"],
                        help="comma-separated parameter names or module prefixes to keep")
    parser.add_argument("--hidden", default=d["hidden"], help="MLP hidden widths, e.g. 64,64")
    parser.add_argument("--backend", default=d["backend"], choices=("loop", "vmap"))
    parser.add_argument("--chunk-bytes", dest="chunk_bytes", type=int, default=d["chunk_bytes"],
                        help="upper bound on the bytes of one noise chunk file (default 64 MiB)")
    return parser


def parse_full_gradient(text: Any) -> Any:
    """``"large_batch:4096"`` → ``("large_batch", 4096)``; other values unchanged."""
    if isinstance(text, str) and text.startswith("large_batch:"):
        try:
            return ("large_batch", int(text.split(":", 1)[1]))
        except ValueError:
            raise ValueError(f"--full-gradient {text!r}: expected large_batch:<int>.") from None
    return text


def cli_collect(args: Any = None, **kwargs: Any):
    """Run ``stablecheck collect`` from an ``argparse.Namespace``, a dict or keywords.

    Builds the built-in model/dataset, trains with SGD up to the largest iteration and
    collects at each listed iteration. Returns the :class:`CollectionResult` (cli.py prints
    its ``summary()``).
    """
    from .._validation import check_int_list
    from ._collector import collect_noise
    from ._examples import example_task
    from ._train import train_and_collect

    opts = dict(_DEFAULTS)
    if isinstance(args, argparse.Namespace):
        opts.update(vars(args))
    elif args is not None:
        opts.update(dict(args))
    opts.update(kwargs)
    if not opts.get("out"):
        raise ValueError("`out` (--out) is required: the run directory to write.")
    iterations = check_int_list("iterations", opts["iterations"], min=0)
    batch_sizes = check_int_list("batch_size", opts["batch_size"], min=1)
    hidden = check_int_list("hidden", opts["hidden"], min=1, ordered=True)
    layers = opts["layers"]
    if isinstance(layers, str):
        layers = [s for s in layers.split(",") if s]
    task = example_task(opts["model"], opts["dataset"], seed=opts["seed"],
                        hidden=hidden)
    common = dict(out=opts["out"], batch_sizes=batch_sizes, n_batches=opts["n_batches"],
                  full_gradient=parse_full_gradient(opts["full_gradient"]),
                  mode=opts["mode"], sampling=opts["sampling"], layers=layers,
                  dtype=opts["dtype"], threads=opts["threads"], seed=opts["seed"],
                  backend=opts["backend"], chunk_bytes=opts["chunk_bytes"],
                  resume=bool(opts["resume"]),
                  progress=bool(opts["progress"]))
    if iterations == (0,):
        return collect_noise(task.model, task.loss_fn, task.dataset, **common)
    return train_and_collect(task.model, task.loss_fn, task.dataset, steps=max(iterations),
                             iterations=iterations, lr=opts["lr"], momentum=opts["momentum"],
                             train_batch_size=opts["train_batch_size"],
                             weight_decay=opts["weight_decay"], **common)
