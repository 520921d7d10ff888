"""The ``hotspots`` command line: the library's verbs for scripts and scheduled jobs.

Exit codes: 0 success, 2 input error (the message says what to fix, in flag names; never a
traceback). Each sub-command lives in its own module ``hotspots.cli.<name>`` with
``register(parser)`` and ``run(args)``. Only the module of the command being run is
imported, so ``hotspots --help`` starts without loading pandas, geopandas or the solvers.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import sys
from collections.abc import Sequence

from hotspots.allocator import tune_memory
from hotspots.errors import HotspotsError

#: sub-command -> one-line help (the module ``hotspots.cli.<name>`` holds the rest).
COMMANDS: dict[str, str] = {
    "analyze": "count incidents on a grid and find significant hot spots",
    "demo": "analyze the bundled Toronto Police incidents (2014-2021)",
    "publish": "write a privacy-safe map snapshot (HTML, PNG, JSON) for community partners",
    "plan": "choose k outreach sites that cover the most incidents (maximal covering)",
    "evaluate": "did an intervention work? target vs buffer vs control, before vs after",
    "emerging": "emerging hot spots: which places are getting worse, staying hot or cooling",
    "near-repeat": "near-repeat victimisation: the Knox test, as the Near Repeat Calculator",
    "clusters": "dense clusters of incidents (HDBSCAN, or DBSCAN with a radius in metres)",
    "forecast": "forecast where incidents will concentrate next, backtested (hit rate, PAI, PEI)",
}


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; the options of the sub-command named in ``argv`` (if any) are loaded."""
    parser = argparse.ArgumentParser(
        prog="hotspots",
        description="Crime mapping and hotspot analysis: counts, Gi* hot spots with FDR, maps and tables.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, summary in COMMANDS.items():
        command = sub.add_parser(name, help=summary, description=summary)
        if name == chosen:
            module = name.replace("-", "_")  # near-repeat lives in hotspots.cli.near_repeat
            importlib.import_module(f"hotspots.cli.{module}").register(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv).parse_args(argv)
    _configure_logging(quiet=getattr(args, "quiet", False))
    try:
        code: int = args.run(args)
    except HotspotsError as exc:
        from rich.console import Console
        from rich.text import Text

        message = Text.assemble(("error: ", "bold red"), exc.render("cli"))
        Console(stderr=True, highlight=False).print(message, soft_wrap=True)
        return 2
    return code


#: Allocations between two young-generation collections in the ``hotspots`` program (Python's
#: default is 700).
_YOUNG_COLLECTION_EVERY = 10_000


def entry() -> int:
    """The ``hotspots`` program: :func:`main` in a process that ends with the command.

    Python's cyclic garbage collector is tuned for that: importing pandas, GeoPandas and
    pyarrow allocates some hundred thousand objects, which set off ~330 collections (0.09 s
    of a million-incident ``analyze``; ~20 at this threshold), and the objects alive at the
    end are frozen, so that shutting the interpreter down does not trace them all again
    (0.1 s). Reference counting still frees everything else as the command runs. NumPy's
    arrays take small pages and Arrow the system allocator (:mod:`hotspots.allocator`).
    """
    gc.set_threshold(_YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
    tune_memory()  # NumPy's pages and Arrow's allocator: see hotspots.allocator
    code = main()
    gc.freeze()
    return code


def _configure_logging(*, quiet: bool) -> None:
    from rich.console import Console
    from rich.logging import RichHandler

    handler = RichHandler(
        console=Console(stderr=True), show_time=False, show_path=False, markup=False
    )
    # Our own announcements (automatic cell size, CRS, counts) at info; other libraries'
    # (pyogrio says "Created N records" at info) only when they warn.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", handlers=[handler], force=True)
    logging.getLogger("hotspots").setLevel(logging.WARNING if quiet else logging.INFO)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(entry())
