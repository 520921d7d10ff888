"""Method: what every statistic and parameter on the other pages means, in plain language."""

from __future__ import annotations

import streamlit as st

from hotspots.dashboard import cached
from hotspots.dashboard.selection import UNIT_LABELS
from hotspots.dashboard.ui import page_context, render_notes


def _lisa_text(lisa: dict[str, object] | None) -> str:
    if not lisa:
        return "Local Moran's I not computed"
    if lisa.get("inference") == "exact":
        return "Local Moran's I with exact two-sided permutation p-values"
    return f"Local Moran's I with {lisa.get('permutations', 0):,} permutations (seed {lisa.get('seed')})"


st.title("How the numbers are made")
selection, dataset = page_context()

count = cached.selected_count(dataset, dataset.key, selection.filters)
params = cached.analysis(dataset, selection.analysis_key).params if count else None

st.subheader("The analysis in use", divider="gray")
if params is None:
    st.info("No incident matches the current filters, so no analysis is running.")
else:
    size = params["cell_size_m"]
    st.markdown(
        f"""
- **Data:** {dataset.label}. {dataset.source}
- **Incidents:** {params["incidents_selected"]:,} of {params["incidents_total"]:,} pass the filters ({params["filters_text"]}).
- **Units:** {UNIT_LABELS[selection.unit]} — {params["cells"]:,} {params["grid"]} cells of **{size:,.0f} m**{" (" + params["cell_size_reason"] + ")" if params["cell_size_automatic"] else ""}; neighbours: {params["neighbourhood"]}.
- **Hot spots:** {params["statistic"]}; significance corrected with the {params["multiple_testing"]} at **{params["alpha"]:.0%}**: {params["hotspot_cells"]:,} hot spot cells, {params["near_hotspot_cells"]:,} near a hot spot and {params["coldspot_cells"]:,} cold spot cells.
- **Clusters:** {_lisa_text(params["lisa"])}, same correction.
- **Coordinates:** computed in {params["crs"]} (metres); shown in longitude/latitude.
- **Neighbourhood counts:** by {params["area_counts"] or "no boundaries"}.
- **Basemap:** {selection.tiles.label}.
"""
    )
    # Caveats the statistics raised for this selection (e.g. counts too sparse for Gi*).
    render_notes(params["notes"])
    with st.expander("Every parameter (as saved with exported results)"):
        st.json(params, expanded=True)

st.subheader("What the map shows", divider="gray")
st.markdown(
    """
**Grid cells.** The study area is covered with equal squares or hexagons and every incident is
counted in the cell it falls in. Equal cells make places comparable; neighbourhoods differ in
size and shape, which can hide a hot block inside a large quiet area. The grid stays put when
you change the filters, so cells can be compared between selections.

**Cell size.** Small cells show precise places but hold few incidents; large cells blur places
together. *Automatic* follows the incidents you selected: cells about twice the typical
distance between distinct incident locations (so neighbouring addresses fall in different
cells), never so small that the area averages fewer than half an incident per cell, never so
large that there are fewer than 30 cells. All Toronto incidents map at 200 m; one rare offense
in one year at several hundred metres. The sentence above says how the size was chosen. Cells
mostly outside the area (the lake, beyond the city limit) are left out unless an incident
falls in them.

**Getis-Ord Gi\\* (hot and cold spots).** For each cell, Gi\\* compares the incidents in the cell
*and its neighbours* (the 8 surrounding squares or 6 hexagons) with what would be expected if
incidents were spread evenly. The result is a z-score: above about +2, clearly more than
expected (a hot spot); below about −2, clearly fewer (a cold spot). Because the neighbours are
included, a single busy address does not make a hot spot on its own: the area around it must be
busy too. The numbers match PySAL (esda) and R (spdep).

**p-values (exact).** How surprising is a neighbourhood's total? The tool answers exactly:
it works out every way the observed cell counts could be shuffled over the map and reports
the share of shuffles that give a neighbourhood total at least as high (hot) or as low (cold)
as the one observed — no random simulation and no bell-curve approximation. The usual
bell-curve (normal) p-values are too generous with few incidents, which made chance look like
hot spots; the exact ones are right at any number of incidents, and they can also find cold
spots (empty places among busy ones). The p-value is two-sided: a cell counts as surprising in
either direction.

**Hot spot, near a hot spot, cold spot.** A hot spot is a *place with crime*: a cell is a hot
spot only when its neighbourhood is significantly busy **and** its own count is above the
average cell's. A cell that is significant only because its neighbours are busy (it has few
incidents itself) is shown as *near a hot spot*, in its own colour, and never counted as a hot
spot. A cold spot is a significantly quiet neighbourhood. With fewer than 30 incidents in the
selection nothing is called a hot or cold spot (too little to show a pattern; ArcGIS sets the
same minimum), and the map says so. The same cells are the hot spots on the map, in the
headline, in the table, in exports, in published snapshots and in outreach planning.

**False discovery rate (FDR).** Testing thousands of cells at 5% would flag about 5% of them by
chance alone. The Benjamini–Hochberg correction raises the bar so that, of the cells called
hot or cold, at most the chosen share (the *false discovery rate*, e.g. 5%) is expected to be
false alarms. The map's p-values are these adjusted values.

**Confidence bins.** Like ArcGIS's *Gi_Bin*: ±3 at 99% confidence, ±2 at 95%, ±1 at 90%, 0 not
significant, after the correction — and only for cells inside the significant set, so a cell
is never coloured as a hot spot that the headline does not count. Reds are hot, blues are cold (a colour-blind-safe palette).

**LISA (Local Moran's I).** Asks a different question: is a cell similar to its neighbours?
*High-High* cells are busy among busy neighbours (a cluster), *Low-Low* quiet among quiet,
*High-Low* and *Low-High* are outliers (a busy cell among quiet ones and the reverse).
Significance is exact, like Gi\\*'s, but each cell keeps its own count while the others are
shuffled (the standard LISA test). The p-value is two-sided (many tools report a one-sided
value, which tests at twice the stated level), with the same FDR correction.

**Counts and density.** Incidents per cell or area, and per square kilometre. Colours use
quantile classes of the non-empty cells, because crime counts are very uneven.

**Rates per 1,000 residents.** Shown when the boundaries carry a population. Areas with many
visitors and few residents (downtown, shopping centres) get high rates that do not mean
residents are at high risk.

**Change against the previous period.** Counts in the selected dates compared with the same
number of days just before. Without a date filter, the last 365 days of the data are compared
with the 365 days before them.
"""
)

st.subheader("Read with care", divider="gray")
st.markdown(
    """
- Maps show **recorded** incidents: what was reported and recorded, where the police placed it.
  Toronto's published points are moved to the nearest intersection.
- A hot spot is a statistical statement about *places*, not about the people who live there.
- Incident points in the zoomed-in layer are for analysts only; published maps never show them
  (see the Publish page where available).
- The Toronto neighbourhood outlines are approximate (derived from the incidents' own labels).
- With few incidents per neighbourhood even exact p-values cannot reach significance: a quiet
  map shows no hot or cold spots rather than chance ones. Larger cells or a longer period help.
"""
)
