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


#: One entry per command: ``add(subparsers, common)`` adds its subparser (with
#: ``parents=[common]``) and sets ``func``. Append new commands here.
COMMANDS: list[Callable] = [_add_info]


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
