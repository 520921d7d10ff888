"""Choosing outreach sites: where do k teams or sites do the most good?

A maximal covering planner (MCLP) for community meetings, outreach workers, partner
prevention programmes or patrol focus. Give demand (incidents, optionally weighted, or
hotspot cells), candidate sites (partner locations, or :func:`candidate_sites` from
hotspot cells or neighbourhoods), a service radius in metres and ``k``; get the chosen
sites, the share of demand they cover, what each covers, coverage by area, the
diminishing-returns curve and a printable one-page briefing.

Distances are straight-line distances in a metric CRS (stated in every result).

>>> plan = plan_outreach(incidents, partners, k=5, radius_m=800, area="neighbourhood")  # doctest: +SKIP
>>> plan.summary()  # doctest: +SKIP
>>> html = briefing_html(plan, title="Summer outreach", demand_label="incidents")  # doctest: +SKIP

The package reads as the planner's pipeline:

- :mod:`.demand` — demand points from an analysis (incidents or hot spot cells);
- :mod:`.candidates` — candidate sites from an analysis, or the user's own
  (files are read by :func:`hotspots.read_sites`, in :mod:`hotspots.ingest.sites`);
- :mod:`.validation` — checks every argument and builds the coverage matrix;
- :mod:`.coverage`, :mod:`.solvers`, :mod:`.fairness` — who is in range; MCLP, exact or greedy;
- :mod:`.plan` — :func:`plan_outreach`, :func:`coverage_curve` and the :class:`OutreachPlan`;
- :mod:`.reach` — what the chosen sites reach (incidents, hot spot cells, areas);
- :mod:`.from_analysis` — :func:`outreach_inputs`, the bundle the CLI and the app use;
- :mod:`.briefing`, :mod:`.export` — the printable briefing and the files.
"""

from hotspots.outreach.briefing import briefing_html
from hotspots.outreach.candidates import CANDIDATE_SOURCES, candidates_from_analysis, own_sites
from hotspots.outreach.coverage import Reduction, coverage_matrix
from hotspots.outreach.demand import (
    DEFAULT_DEMAND_CELL_SIZE_M,
    DEMAND_KINDS,
    demand_from_forecast,
    demand_from_hotspots,
    demand_from_incidents,
    incident_weights,
)
from hotspots.outreach.fairness import FairnessInfeasibleError
from hotspots.outreach.from_analysis import (
    OutreachInputs,
    default_title,
    outreach_demand,
    outreach_inputs,
)
from hotspots.outreach.plan import (
    AREA_COLUMNS,
    CURVE_COLUMNS,
    SITE_COLUMNS,
    OutreachPlan,
    candidate_sites,
    coverage_curve,
    plan_outreach,
)
from hotspots.outreach.reach import PlanReach, plan_reach

__all__ = [
    "AREA_COLUMNS",
    "CANDIDATE_SOURCES",
    "CURVE_COLUMNS",
    "DEFAULT_DEMAND_CELL_SIZE_M",
    "DEMAND_KINDS",
    "SITE_COLUMNS",
    "FairnessInfeasibleError",
    "OutreachInputs",
    "OutreachPlan",
    "PlanReach",
    "Reduction",
    "briefing_html",
    "candidate_sites",
    "candidates_from_analysis",
    "coverage_curve",
    "coverage_matrix",
    "default_title",
    "demand_from_forecast",
    "demand_from_hotspots",
    "demand_from_incidents",
    "incident_weights",
    "outreach_demand",
    "outreach_inputs",
    "own_sites",
    "plan_outreach",
    "plan_reach",
]
