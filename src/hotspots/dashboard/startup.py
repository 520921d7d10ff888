"""The dashboard's default view, ready before the first visitor: computed once, kept on disk.

The first page of a fresh server shows the bundled Toronto data with the default selection.
Loading and validating 241,000 incidents and analyzing them is the same work for every
server start, so it is done once and pickled to ``$HOTSPOTS_CACHE_DIR`` (default
``~/.cache/hotspots``) under a key made of the SHA-256 of the data files *and* of the
library's own source (a changed file or a changed statistic means a new key, never a stale
view). ``python -m hotspots.dashboard.startup`` (run by ``make app`` before ``streamlit run``)
fills it; :func:`default_view` reads it (or builds and writes it when missing).

Inside the server, :mod:`hotspots.dashboard.cached` holds the view in ``st.cache_resource``:
one copy per process, shared by every session (concurrent first visits wait for the one
computation instead of repeating it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from hotspots.allocator import tune_memory
from hotspots.ingest import datasets as bundled

if TYPE_CHECKING:
    from hotspots.analysis import Analysis, Layouts
    from hotspots.dashboard.datasets import Dataset
    from hotspots.dashboard.selection import AnalysisKey

log = logging.getLogger(__name__)

CACHE_DIR_ENV = "HOTSPOTS_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parents[1]


def cache_dir() -> Path:
    """Where default views are kept (``$HOTSPOTS_CACHE_DIR`` or ``~/.cache/hotspots``)."""
    return Path(os.environ.get(CACHE_DIR_ENV) or Path.home() / ".cache" / "hotspots")


def view_key() -> str:
    """SHA-256 of the bundled data files, the library's source and the Python version."""
    digest = hashlib.sha256(sys.version.encode())
    files = [bundled.toronto_incidents_path(), bundled.toronto_boundaries_path()]
    files += sorted(_PACKAGE.rglob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(path.anchor)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def default_view() -> tuple[Dataset, Analysis]:
    """The bundled data set and its analysis at the default selection (from disk if saved)."""
    path = cache_dir() / f"default-view-{view_key()}.pickle"
    if path.exists():
        try:
            with path.open("rb") as handle:
                view: tuple[Dataset, Analysis] = pickle.load(handle)
            log.info("Default view read from %s", path)
            return view
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as error:
            log.warning("Default view cache %s unreadable (%s); computing it again", path, error)
    view = build_default_view()
    _save(view, path)
    return view


def build_default_view() -> tuple[Dataset, Analysis]:
    """Load the bundled data set and analyze it with the default selection."""
    from hotspots.dashboard.datasets import load_toronto

    dataset = load_toronto()
    for name in ("offenses", "first_day", "last_day", "default_first_day", "bounds"):
        getattr(dataset, name)  # computed here once and saved with the view
    return dataset, analyze_key(dataset, default_key(dataset))


def analyze_key(
    dataset: Dataset, key: AnalysisKey, *, layouts: Layouts | None = None, lisa: bool = True
) -> Analysis:
    """:func:`~hotspots.analysis.analyze` of ``dataset`` with the selection ``key``, quietly
    (reusing the data set's filter-independent ``layouts`` when given; Local Moran unless
    ``lisa`` is false)."""
    from hotspots.analysis import analyze  # SciPy and the statistics: imported on first use

    return analyze(
        dataset.load.table,
        boundaries=dataset.boundaries,
        filters=key.filters,
        grid=key.grid,
        cell_size_m=key.cell_size_m,
        alpha=key.alpha,
        lisa=lisa,
        quiet=True,
        layouts=layouts,
    )


def default_key(dataset: Dataset) -> AnalysisKey:
    """The analysis a first visitor sees: the sidebar's defaults (dates from the first month
    with a regular flow of records, as :func:`hotspots.dashboard.sidebar._filter_defaults`
    sets them; everything else unfiltered; automatic square cells; FDR 5 %)."""
    from hotspots.dashboard.selection import AnalysisKey
    from hotspots.spatial.filters import Filters

    first = dataset.default_first_day
    start = None if first <= dataset.first_day else first.isoformat()
    return AnalysisKey(dataset.key, Filters(start=start))


def _save(view: tuple[Dataset, Analysis], path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as handle:
            pickle.dump(view, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)  # atomic: a concurrent reader sees all or nothing
        for old in path.parent.glob("default-view-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        log.info("Default view saved to %s", path)
    except OSError as error:
        log.warning("Could not save the default view to %s (%s)", path, error)


def main() -> int:
    """Compute and save the default view unless it is saved already (``make app`` runs this)."""
    tune_memory()  # NumPy's pages and Arrow's allocator, as the server's: hotspots.allocator
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # The dashboard's cache decorators warn that no server runs: true, and expected here.
    import streamlit.logger

    streamlit.logger.set_log_level("ERROR")
    default_view()
    return 0


if __name__ == "__main__":
    sys.exit(main())
