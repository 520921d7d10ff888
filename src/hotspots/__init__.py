"""hotspots: crime mapping and hotspot analysis.

The front door: the verbs below take and return plain (Geo)DataFrames or small result
objects, with keyword-only options and units in their names. They are imported lazily, so
``import hotspots`` is instant and a core install never loads the dashboard stack.

- ``read_incidents(source, ...)`` returns a :class:`~hotspots.ingest.LoadResult`: the
  accepted ``.incidents`` (GeoDataFrame in a metric CRS with ``occurred_at``, ``offense``,
  ``neighbourhood``, ``premises``, ``source_row``), the ``.rejects`` report (one row per
  rejected input row, with its reason) and ``.notes``; nothing is dropped silently. When no
  row is usable it raises :class:`~hotspots.ingest.NoIncidentsError`, whose ``.rejects``
  says why.
- ``read_boundaries``, ``read_sites``: polygons with ``name``; candidate outreach sites.
- ``hotspot_count``, ``hotspot_gistar``, ``hotspot_lisa``: incidents in, a grid of cells
  with fixed columns out (:mod:`hotspots.hotspot`).
- ``analyze``: all of it at once (cells, areas, ranked hot spots) as an :class:`Analysis`.
- ``explore``: an analysis as an interactive offline map (needs the ``app`` extra).
- ``publish_snapshot``, ``plan_outreach``: the privacy-safe public map; outreach sites.
- ``evaluate_intervention``: did it work? Target vs buffer vs control, before vs after.
- ``forecast``, ``backtest``: where incidents will concentrate next, by the method that
  won a rolling-origin backtest (hit rate, PAI, PEI, RRI), never using data after ``until``.

>>> import hotspots
>>> loaded = hotspots.read_incidents("incidents.csv")        # doctest: +SKIP
>>> result = hotspots.analyze(loaded.incidents)              # doctest: +SKIP
>>> hotspots.explore(result).save("map.html")                # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> (module, attribute). One line per verb; the stages own the code.
_VERBS: dict[str, tuple[str, str]] = {
    "read_incidents": ("hotspots.ingest", "load_incidents"),
    "read_sites": ("hotspots.ingest.sites", "load_sites"),
    "read_boundaries": ("hotspots.ingest", "load_boundaries"),
    "hotspot_count": ("hotspots.hotspot", "hotspot_count"),
    "hotspot_gistar": ("hotspots.hotspot", "hotspot_gistar"),
    "hotspot_lisa": ("hotspots.hotspot", "hotspot_lisa"),
    "analyze": ("hotspots.analysis", "analyze"),
    "explore": ("hotspots.dashboard.explore", "explore"),
    "Analysis": ("hotspots.analysis", "Analysis"),
    "Filters": ("hotspots.spatial.filters", "Filters"),
    "concentration": ("hotspots.analysis", "concentration"),
    "count_places": ("hotspots.stats.concentration", "count_places"),
    "publish_snapshot": ("hotspots.publish", "publish_snapshot"),
    "plan_outreach": ("hotspots.outreach", "plan_outreach"),
    "evaluate_intervention": ("hotspots.evaluate", "evaluate_intervention"),
    "emerging_hotspots": ("hotspots.stats.emerging", "emerging_hotspots"),
    "near_repeat": ("hotspots.stats.near_repeat", "near_repeat"),
    "point_clusters": ("hotspots.stats.clusters", "point_clusters"),
    "forecast": ("hotspots.forecast", "forecast"),
    "backtest": ("hotspots.forecast", "backtest"),
    "HotspotsError": ("hotspots.errors", "HotspotsError"),
    "InputError": ("hotspots.errors", "InputError"),
}

__all__ = ["__version__", *_VERBS]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _VERBS[name]
    except KeyError:
        raise AttributeError(f"module 'hotspots' has no attribute {name!r}") from None
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:  # an extra is not installed (e.g. folium for explore)
        raise ModuleNotFoundError(
            f"hotspots.{name} needs {exc.name}, which is not installed. Install the app "
            "extra: pip install 'hotspots[app]'.",
            name=exc.name,
        ) from exc
    value = getattr(loaded, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and IDEs; at run time the verbs load on first use
    from hotspots.analysis import Analysis, analyze, concentration
    from hotspots.dashboard.explore import explore
    from hotspots.errors import HotspotsError, InputError
    from hotspots.evaluate import evaluate_intervention
    from hotspots.forecast import backtest, forecast
    from hotspots.hotspot import hotspot_count, hotspot_gistar, hotspot_lisa
    from hotspots.ingest import load_boundaries as read_boundaries
    from hotspots.ingest import load_incidents as read_incidents
    from hotspots.ingest.sites import load_sites as read_sites
    from hotspots.outreach import plan_outreach
    from hotspots.publish import publish_snapshot
    from hotspots.spatial.filters import Filters
    from hotspots.stats.clusters import point_clusters
    from hotspots.stats.concentration import count_places
    from hotspots.stats.emerging import emerging_hotspots
    from hotspots.stats.near_repeat import near_repeat
