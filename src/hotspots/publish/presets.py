"""Plain-language source notes for known data sets (shown in a snapshot's "About" box)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceNotes:
    """What a snapshot says about where its data and boundaries come from."""

    data_source: str
    boundaries_note: str | None = None


TORONTO = SourceNotes(
    data_source=(
        "Toronto Police Service, Major Crime Indicators (Public Safety Data Portal), Open Government "
        "Licence - Toronto. The police offset every location to the nearest road intersection before "
        "publishing; this map shows only totals per area."
    ),
    boundaries_note=(
        "Neighbourhood outlines are approximate: they were derived from the police's own neighbourhood "
        "labels, not taken from the official City of Toronto boundaries, so edges are jagged and some "
        "park and shoreline edges (and the Toronto Islands) are missing. Counts per neighbourhood use the "
        "police's labels and are exact before rounding; areas (and so incidents per km²) are approximate."
    ),
)

GENERIC = SourceNotes(
    data_source="Incidents recorded by the police and supplied by the publisher of this map."
)
