"""Command-line interface: ``stablecheck <command> ...``.

Thin by design: parse arguments, call the public API, print what the result objects render.
Each command is one small ``_cmd_<name>(args) -> int`` function registered in
:func:`build_parser`; later commands (demo, collect, analyze, report) are added the same way.

Exit codes: 0 success, 1 data error (bad or unsafe file: one line on stderr, the traceback
only with ``--debug``), 2 usage error (argparse).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def _cmd_info(args: argparse.Namespace) -> int:
    from .noise import load_noise

    ds = load_noise(args.path, format=args.format)
    info = ds.info()
    if args.json:
        import json

        print(json.dumps(info.to_dict(), indent=1))
    else:
        print(info.summary())
    return EXIT_OK


def _add_info(sub, common) -> None:
    from .noise import FORMATS

    p = sub.add_parser("info", parents=[common], help="summarise a noise run directory or file",
                       description="Print snapshots, layers, shapes, dtype, zero fraction, "
                                   "non-finite count, file format and the reader's assumptions.")
    p.add_argument("path", help="run directory or .npy/.npz/.safetensors/.csv/.txt/.parquet/.pt")
    p.add_argument("--format", default=None, choices=FORMATS,
                   help="force a format instead of guessing from the file suffix")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_info)


def _write_outputs(result, args, command: str) -> None:
    from .report import report

    out = args.out
    result.save(f"{out}/analysis")
    if args.csv:
        result.to_csv(f"{out}/analysis.csv")
    if args.json:
        result.to_json(f"{out}/analysis.json")
    if args.format != "none":
        path = report(result, out, format=args.format, command=command)
        print(f"report: {path}")
    print(f"saved analysis: {out}/analysis (reload with `stablecheck report`)")


def _cmd_analyze(args: argparse.Namespace) -> int:
    import os
    import warnings

    from .analysis import analyze

    os.makedirs(args.out, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # they are collected on the result and printed below
        result = analyze(args.path, axis=args.axis, layers=args.layers or "all",
                         snapshots=args.snapshots or "all",
                         standardize=None if args.no_standardize else "robust",
                         projections=args.projections, scale_null=args.scale_null,
                         engine=args.engine, rng=args.seed, progress=not args.quiet)
    print(result.summary())
    _write_outputs(result, args, "stablecheck " + " ".join(sys.argv[1:]))
    return EXIT_OK


def _add_analyze(sub, common) -> None:
    p = sub.add_parser("analyze", parents=[common], help="analyse a noise run or file",
                       description="Tail indices of the pooled coordinates and per-coordinate "
                                   "Gaussianity across minibatches, per layer; writes a "
                                   "report, the saved analysis and optional CSV/JSON tables.")
    p.add_argument("path", help="run directory or noise file")
    p.add_argument("--axis", default="both", choices=("coordinate", "minibatch", "both"))
    p.add_argument("--layers", nargs="*", help="layer names (default: all)")
    p.add_argument("--snapshots", nargs="*", help="snapshot names (default: all)")
    p.add_argument("--no-standardize", action="store_true",
                   help="skip the robustly standardised pooled view")
    p.add_argument("--projections", type=int, default=0, help="random 1-D projections to test")
    p.add_argument("--scale-null", type=int, default=100,
                   help="replicates of the scale-aware Gaussian null (0: skip)")
    p.add_argument("--engine", default="memory", choices=("memory", "stream", "dask"),
                   help="dask: pooled estimators on the default dask scheduler/client")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default="stablecheck-out", help="output directory")
    p.add_argument("--format", default="html", choices=("html", "md", "none"))
    p.add_argument("--csv", action="store_true", help="also write analysis.csv")
    p.add_argument("--json", action="store_true", help="also write analysis.json")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_analyze)


def _cmd_report(args: argparse.Namespace) -> int:
    from .analysis import load_analysis
    from .report import report

    result = load_analysis(args.result)
    path = report(result, args.out, format=args.format, details=args.details,
                  command="stablecheck " + " ".join(sys.argv[1:]))
    print(f"report: {path}")
    return EXIT_OK


def _add_report(sub, common) -> None:
    p = sub.add_parser("report", parents=[common], help="render a saved analysis",
                       description="Render a saved analysis (the `analysis` folder that "
                                   "`stablecheck analyze` writes) as HTML or Markdown.")
    p.add_argument("result", help="saved analysis directory")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--format", default="html", choices=("html", "md"))
    p.add_argument("--details", default="last", choices=("last", "all", "none"))
    p.set_defaults(func=_cmd_report)


def _cmd_collect(args: argparse.Namespace) -> int:
    from .collect import cli_collect

    print(cli_collect(args).summary())
    return EXIT_OK


def _add_collect(sub, common) -> None:
    from .collect import add_collect_arguments

    p = sub.add_parser("collect", parents=[common], help="collect SGD gradient noise (torch)",
                       description="Train a built-in model on built-in offline data with SGD "
                                   "and collect minibatch gradient noise at frozen weights "
                                   "into a crash-safe run directory (needs the torch extra).")
    add_collect_arguments(p)
    p.set_defaults(func=_cmd_collect)


#: The demo: a small MLP on scikit-learn's bundled digits, three points in training, two
#: batch sizes — enough to see the founding papers' disagreement, in a few minutes on 2 cores.
DEMO = dict(model="mlp", dataset="digits", iterations="0,300,1500", batch_size="16,256",
            n_batches=128, hidden="64,64", lr=0.05, train_batch_size=32, seed=0)


def _cmd_demo(args: argparse.Namespace) -> int:
    import os
    import time
    import warnings

    from .analysis import analyze
    from .collect import cli_collect

    t0 = time.perf_counter()
    run = os.path.join(args.out, "run")
    print(f"[1/3] collecting gradient noise into {run} "
          f"(MLP on digits, iterations {DEMO['iterations']}, batch sizes {DEMO['batch_size']}, "
          f"K = {DEMO['n_batches']} minibatches each)")
    res = cli_collect(out=run, resume=os.path.isdir(run), progress=not args.quiet, **DEMO)
    print(res.summary())
    print(f"[2/3] analysing both axes per layer ({time.perf_counter() - t0:.0f} s so far)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collected on the result, printed in the summary
        result = analyze(run, axis="both", projections=16, scale_null=args.scale_null,
                         rng=args.seed, progress=not args.quiet)
    print(result.summary())
    print(f"[3/3] writing the report ({time.perf_counter() - t0:.0f} s so far)")
    args.csv, args.json = True, True
    _write_outputs(result, args, "stablecheck " + " ".join(sys.argv[1:]))
    print(f"done in {time.perf_counter() - t0:.0f} s")
    return EXIT_OK


def _add_demo(sub, common) -> None:
    p = sub.add_parser("demo", parents=[common], help="collect → analyze → report on shipped data",
                       description="The main job end to end on embedded offline data: collect "
                                   "SGD gradient noise of a small MLP on scikit-learn's bundled "
                                   "digits, analyse it along both axes and write an HTML report.")
    p.add_argument("--out", default="demo-out", help="output directory (default demo-out)")
    p.add_argument("--format", default="html", choices=("html", "md"))
    p.add_argument("--scale-null", type=int, default=100,
                   help="replicates of the scale-aware Gaussian null")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_demo)


#: One entry per command: ``add(subparsers, common)`` adds its subparser (with
#: ``parents=[common]``) and sets ``func``. Append new commands here.
COMMANDS: list[Callable] = [_add_info, _add_collect, _add_analyze, _add_report, _add_demo]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered command."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="stablecheck",
        description="Is it Gaussian or heavy-tailed alpha-stable? Tools for data and SGD "
                    "gradient noise.",
        epilog="Exit codes: 0 ok, 1 data error, 2 usage error.")
    parser.add_argument("--version", action="version", version=f"stablecheck {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    common = argparse.ArgumentParser(add_help=False)  # options every command also accepts
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also used as the process exit status)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with 2 on usage errors
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("stablecheck: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, KeyError, OSError) as exc:  # data errors, one line
        if args.debug:
            raise
        msg = " ".join(str(exc).split()) or type(exc).__name__
        print(f"stablecheck {args.command}: error: {msg}", file=sys.stderr)
        return EXIT_DATA


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
