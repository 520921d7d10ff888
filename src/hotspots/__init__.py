"""hotspots: crime mapping and hotspot analysis.

The front door: the verbs below take and return plain (Geo)DataFrames or small result
objects, with keyword-only options and units in their names. They are imported lazily, so
``import hotspots`` is instant and a core install never loads the dashboard stack.

>>> import hotspots
>>> loaded = hotspots.read_incidents("incidents.csv")        # doctest: +SKIP
>>> result = hotspots.analyze(loaded.incidents)              # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> (module, attribute). One line per verb; the stages own the code.
_VERBS: dict[str, tuple[str, str]] = {
    "read_incidents": ("hotspots.ingest", "load_incidents"),
    "read_boundaries": ("hotspots.ingest", "load_boundaries"),
    "analyze": ("hotspots.analysis", "analyze"),
    "Analysis": ("hotspots.analysis", "Analysis"),
    "Filters": ("hotspots.spatial.filters", "Filters"),
    "concentration": ("hotspots.analysis", "concentration"),
    "count_places": ("hotspots.stats.concentration", "count_places"),
    "publish_snapshot": ("hotspots.publish", "publish_snapshot"),
    "plan_outreach": ("hotspots.outreach", "plan_outreach"),
    "emerging_hotspots": ("hotspots.stats.emerging", "emerging_hotspots"),
    "near_repeat": ("hotspots.stats.near_repeat", "near_repeat"),
    "point_clusters": ("hotspots.stats.clusters", "point_clusters"),
    "HotspotsError": ("hotspots.errors", "HotspotsError"),
    "InputError": ("hotspots.errors", "InputError"),
}

__all__ = ["__version__", *_VERBS]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _VERBS[name]
    except KeyError:
        raise AttributeError(f"module 'hotspots' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and IDEs; at run time the verbs load on first use
    from hotspots.analysis import Analysis, analyze, concentration
    from hotspots.errors import HotspotsError, InputError
    from hotspots.ingest import load_boundaries as read_boundaries
    from hotspots.ingest import load_incidents as read_incidents
    from hotspots.outreach import plan_outreach
    from hotspots.publish import publish_snapshot
    from hotspots.spatial.filters import Filters
    from hotspots.stats.clusters import point_clusters
    from hotspots.stats.concentration import count_places
    from hotspots.stats.emerging import emerging_hotspots
    from hotspots.stats.near_repeat import near_repeat
