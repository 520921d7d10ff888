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
"""

from hotspots.outreach.briefing import briefing_html
from hotspots.outreach.coverage import Reduction, coverage_matrix
from hotspots.outreach.fairness import FairnessInfeasibleError
from hotspots.outreach.plan import (
    AREA_COLUMNS,
    CURVE_COLUMNS,
    SITE_COLUMNS,
    OutreachPlan,
    candidate_sites,
    coverage_curve,
    plan_outreach,
)

__all__ = [
    "AREA_COLUMNS",
    "CURVE_COLUMNS",
    "SITE_COLUMNS",
    "FairnessInfeasibleError",
    "OutreachPlan",
    "Reduction",
    "briefing_html",
    "candidate_sites",
    "coverage_curve",
    "coverage_matrix",
    "plan_outreach",
]
