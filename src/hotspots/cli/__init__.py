"""The ``hotspots`` command line: the library's verbs for scripts and scheduled jobs.

Exit codes: 0 success, 2 input error (the message says what to fix; never a traceback).
Each sub-command lives in its own module with ``register(subparsers)``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.logging import RichHandler

from hotspots.cli import analyze, demo, evaluate, plan, publish
from hotspots.errors import HotspotsError

COMMANDS = (analyze, demo, publish, plan, evaluate)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotspots",
        description="Crime mapping and hotspot analysis: counts, Gi* hot spots with FDR, maps and tables.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(quiet=getattr(args, "quiet", False))
    try:
        code: int = args.run(args)
    except HotspotsError as exc:
        Console(stderr=True, highlight=False).print(
            f"[bold red]error:[/] {exc}", markup=True, soft_wrap=True
        )
        return 2
    return code


def _configure_logging(*, quiet: bool) -> None:
    handler = RichHandler(
        console=Console(stderr=True), show_time=False, show_path=False, markup=False
    )
    # Our own announcements (automatic cell size, CRS, counts) at info; other libraries'
    # (pyogrio says "Created N records" at info) only when they warn.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", handlers=[handler], force=True)
    logging.getLogger("hotspots").setLevel(logging.WARNING if quiet else logging.INFO)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
