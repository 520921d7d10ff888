"""hotspots: crime mapping and hotspot analysis.

Incidents in (:func:`hotspots.ingest.load_incidents`), honest hotspots out
(:func:`hotspots.analysis.analyze`). See the README for the data flow.
"""

from __future__ import annotations

__version__ = "0.1.0"
