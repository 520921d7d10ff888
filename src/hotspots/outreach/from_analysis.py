"""From a hotspot analysis to the planner's inputs, in one call: :func:`outreach_inputs`.

The CLI (``hotspots plan``) and the app's *Plan outreach* page both go through it, so
neither builds demand or candidates on its own::

    analysis = analyze(load.incidents, boundaries=boundaries, filters=filters)
    inputs = outreach_inputs(analysis, demand="incidents", candidates="neighbourhoods")
    plan = inputs.plan(k=10, radius_m=1000)
    curve = inputs.curve(k_max=20, radius_m=1000)
    reach = inputs.reach(plan)          # incidents, hot spot cells, areas per site
    html = inputs.briefing(plan, curve=curve)

Demand comes from :mod:`hotspots.outreach.demand`, candidates from
:mod:`hotspots.outreach.candidates`, the reach from :mod:`hotspots.outreach.reach`.
"""

from __future__ import annotations

import datetime as dt
import logging
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from hotspots.analysis import Analysis
from hotspots.errors import InputError, Option, invalid
from hotspots.ingest.table import IncidentTable
from hotspots.outreach.briefing import briefing_html
from hotspots.outreach.candidates import (
    MAX_HOTSPOT_CANDIDATES,
    CandidateSource,
    candidates_from_analysis,
    describe_candidates,
    own_sites,
)
from hotspots.outreach.context import describe_context, site_context
from hotspots.outreach.demand import (
    DEFAULT_DEMAND_CELL_SIZE_M,
    DEMAND_KINDS,
    DemandKind,
    demand_from_forecast,
    demand_from_hotspots,
    demand_from_incidents,
    significant_hot_cells,
    weights_record,
)
from hotspots.outreach.plan import (
    CurveMethod,
    Method,
    OutreachPlan,
    coverage_curve,
    plan_outreach,
)
from hotspots.outreach.reach import PlanReach, plan_reach
from hotspots.spatial.projection import to_metric

if TYPE_CHECKING:
    from hotspots.forecast import Forecast

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class OutreachInputs:
    """Demand and candidate sites for the planner, built from one analysis.

    Attributes
    ----------
    demand : geopandas.GeoDataFrame
        From :func:`demand_from_incidents` or :func:`demand_from_hotspots` (metric CRS).
    candidates : geopandas.GeoDataFrame
        ``name``, ``source`` and Point ``geometry`` (metric CRS), RangeIndex; existing
        sites (``source == "existing"``) come last.
    existing : tuple of int
        Row labels of the existing sites in ``candidates``; every plan keeps them.
    hot_cells : geopandas.GeoDataFrame
        The analysis's significant hot spot cells (``cell_id``, ``neighbourhood``,
        ``count``, ``gi_z``, polygons), for maps and :meth:`reach`.
    areas : geopandas.GeoDataFrame or None
        The analysis's neighbourhoods (``name``, ``count``, polygons), for maps.
    demand_kind : {"incidents", "hotspots"}
    demand_label : str
        What the demand weight counts, in words, for tables and the briefing.
    parameters : dict
        How the inputs were built (JSON-ready), with the analysis parameters.
    selected : IncidentTable or None
        The analysis's selected incidents (arrays), for :meth:`context`.
    """

    demand: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    existing: tuple[int, ...]
    hot_cells: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame | None
    demand_kind: DemandKind
    demand_label: str
    parameters: dict[str, Any] = field(default_factory=dict)
    selected: IncidentTable | None = None

    @property
    def has_areas(self) -> bool:
        """Whether the demand knows its areas (needed for ``min_share_per_area``)."""
        return bool(self.demand["area"].notna().any())

    def fixed_sites(self, fixed: Sequence[int | str] = ()) -> list[int | str]:
        """The existing sites' row labels followed by ``fixed`` (candidate names or labels)."""
        extra = [fixed] if isinstance(fixed, str) else list(fixed)
        return [*self.existing, *[f for f in extra if f not in self.existing]]

    def plan(
        self,
        *,
        k: int,
        radius_m: float,
        fixed: Sequence[int | str] = (),
        method: Method = "exact",
        min_share_per_area: float | None = None,
        time_limit_s: float | None = 60.0,
    ) -> OutreachPlan:
        """Choose ``k`` sites (existing ones included): :func:`plan_outreach` on these inputs.

        Parameters
        ----------
        k : int
            Number of sites, existing and fixed ones included.
        radius_m : float
            Service radius in metres (straight line).
        fixed : sequence of str or int
            Candidate names (or row labels) that must be chosen, besides existing sites.
        method : {"exact", "greedy"}
        min_share_per_area : float, optional
            Minimum covered share of every neighbourhood's demand (exact method only).
        time_limit_s : float, optional
            Solver time limit in seconds.
        """
        if min_share_per_area is not None and not self.has_areas:
            raise invalid(
                "min_share_per_area",
                min_share_per_area,
                "None when the demand has no neighbourhoods",
                "Run the analysis with neighbourhood {1}, or use incidents that carry a "
                "neighbourhood label.",
                options=(Option("boundaries"),),
            )
        return plan_outreach(
            self.demand,
            self.candidates,
            k=k,
            radius_m=radius_m,
            weight="weight",
            name="name",
            fixed=self.fixed_sites(fixed),
            method=method,
            area="area" if self.has_areas else None,
            min_share_per_area=min_share_per_area,
            time_limit_s=time_limit_s,
        )

    def curve(
        self,
        *,
        k_max: int,
        radius_m: float,
        fixed: Sequence[int | str] = (),
        method: CurveMethod = "exact",
        time_limit_s: float | None = 60.0,
    ) -> pd.DataFrame:
        """Coverage for k = 1..``k_max`` (:func:`coverage_curve`); ``k_max`` is capped at
        the number of candidates (logged)."""
        if (
            isinstance(k_max, numbers.Integral)
            and not isinstance(k_max, bool)
            and k_max > len(self.candidates)
        ):
            log.info(
                "The coverage curve stops at k=%d, the number of candidate sites",
                len(self.candidates),
            )
            k_max = len(self.candidates)
        return coverage_curve(
            self.demand,
            self.candidates,
            k_max=k_max,
            radius_m=radius_m,
            weight="weight",
            name="name",
            fixed=self.fixed_sites(fixed),
            method=method,
            time_limit_s=time_limit_s,
        )

    def reach(self, plan: OutreachPlan) -> PlanReach:
        """Incidents, hot spot cells and neighbourhoods within range of each chosen site
        (:func:`~hotspots.outreach.reach.plan_reach`)."""
        return plan_reach(plan, incidents=self.demand["incidents"], hot_cells=self.hot_cells)

    @property
    def has_location_text(self) -> bool:
        """Whether the incidents carry block or street text (a ``location`` column)."""
        return (
            self.selected is not None
            and "location" in self.selected.columns
            and bool(self.selected["location"].notna().any())
        )

    def context(
        self, plan: OutreachPlan, *, streets: gpd.GeoDataFrame | None = None
    ) -> pd.DataFrame:
        """Where each chosen site is: neighbourhood, coordinates, nearest block or street,
        premises and offenses nearby (:func:`~hotspots.outreach.context.site_context`).

        Parameters
        ----------
        plan : OutreachPlan
        streets : geopandas.GeoDataFrame, optional
            Named streets or places (:func:`hotspots.ingest.streets.load_streets`) for the
            nearest street name and distance.
        """
        return site_context(
            plan.sites,
            incidents=self.selected,
            areas=self.areas,
            streets=streets,
            radius_m=plan.radius_m,
        )

    def context_note(self, context: pd.DataFrame) -> str:
        """What :meth:`context` shows for these inputs, in one sentence."""
        return describe_context(context, has_location_text=self.has_location_text)

    def briefing(
        self,
        plan: OutreachPlan,
        *,
        curve: pd.DataFrame | None = None,
        title: str | None = None,
        notes: str | None = None,
        date: dt.date | str | None = None,
        context: pd.DataFrame | None = None,
    ) -> str:
        """The printable one-page HTML briefing (:func:`briefing_html`) of ``plan``.

        The reach (incidents, hot spot cells, neighbourhoods) is added to ``notes``; each
        site's whereabouts come from ``context`` (default: :meth:`context` without streets).
        """
        reach = self.reach(plan)
        text = reach.describe(areas=False) + (f" {notes}" if notes else "")
        context = context if context is not None else self.context(plan)
        return briefing_html(
            plan,
            title=title or default_title(plan),
            demand_label=self.demand_label,
            curve=curve,
            areas=self.areas,
            notes=text,
            date=date,
            context=context,
            context_note=self.context_note(context),
        )


def outreach_inputs(
    analysis: Analysis,
    *,
    demand: DemandKind = "incidents",
    candidates: CandidateSource | Sequence[CandidateSource] | gpd.GeoDataFrame = "hotspots",
    existing: gpd.GeoDataFrame | None = None,
    offense_weights: Mapping[str, float] | None = None,
    cell_size_m: float = DEFAULT_DEMAND_CELL_SIZE_M,
    forecast: Forecast | None = None,
    demand_frame: gpd.GeoDataFrame | None = None,
    max_hotspot_sites: int | None = MAX_HOTSPOT_CANDIDATES,
) -> OutreachInputs:
    """Demand and candidate sites for :func:`plan_outreach`, from one analysis.

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`hotspots.analysis.analyze`; its filters (period, offenses)
        decide which incidents are demand.
    demand : {"incidents", "hotspots"}
        ``"incidents"``: every filtered incident (:func:`demand_from_incidents`);
        ``"hotspots"``: only the significant hot spot cells (:func:`demand_from_hotspots`);
        ``"forecast"``: the expected incidents of ``forecast`` (:func:`demand_from_forecast`).
    candidates : {"hotspots", "neighbourhoods"}, a sequence of them, or GeoDataFrame
        Automatic candidates (:func:`candidates_from_analysis`) or your own sites (e.g.
        from :func:`~hotspots.ingest.sites.load_sites`; a ``name`` column is used).
    existing : geopandas.GeoDataFrame, optional
        Sites that exist and must stay (e.g. from ``load_sites``); added to the
        candidates and kept in every plan.
    offense_weights : dict of str to float, optional
        Weight per offense; see :func:`demand_from_incidents`.
    cell_size_m : float
        Demand cell size in metres for ``demand="incidents"`` (default 100).
    forecast : hotspots.forecast.Forecast, optional
        The forecast whose expected incidents are the demand, for ``demand="forecast"``
        (made from the same incidents, e.g. ``hotspots.forecast(analysis.incidents, ...)``).
    demand_frame : geopandas.GeoDataFrame, optional
        The demand already built by :func:`outreach_demand` (or an earlier
        :attr:`OutreachInputs.demand`) from the same analysis, ``demand``, weights and cell
        size: reused instead of rebuilt (``offense_weights``, ``cell_size_m`` and
        ``forecast`` then only label the result).
    max_hotspot_sites : int or None
        At most this many hot spot cell candidates, the highest-ranked
        (:func:`candidates_from_analysis`); the inputs' ``parameters["candidates_note"]``
        says how many were kept of how many.

    Returns
    -------
    OutreachInputs
    """
    if demand not in DEMAND_KINDS:
        raise invalid("demand", demand, DEMAND_KINDS)
    frame = demand_frame
    if frame is None:
        frame = outreach_demand(
            analysis,
            demand=demand,
            offense_weights=offense_weights,
            cell_size_m=cell_size_m,
            forecast=forecast,
        )
    crs = frame.crs

    if isinstance(candidates, gpd.GeoDataFrame):
        sites = own_sites(candidates, "candidates", source="file", crs=crs)
        candidates_record: Any = f"file ({len(sites):,} sites)"
        candidates_note = f"{len(sites):,} sites from your file"
    elif isinstance(candidates, pd.DataFrame):
        raise invalid(
            "candidates",
            "a DataFrame without geometry",
            "a GeoDataFrame of points, 'hotspots' or 'neighbourhoods'",
            "Read partner locations with {1}.",
            options=(Option("read_sites"),),
        )
    else:
        sites = candidates_from_analysis(analysis, candidates, max_hotspot_sites=max_hotspot_sites)
        sites = to_metric(sites, crs)
        candidates_record = candidates if isinstance(candidates, str) else list(candidates)
        candidates_note = describe_candidates(
            analysis, candidates, max_hotspot_sites=max_hotspot_sites
        )
    existing_labels: tuple[int, ...] = ()
    if existing is not None:
        old = own_sites(existing, "existing", source="existing", crs=crs)
        existing_labels = tuple(range(len(sites), len(sites) + len(old)))
        sites = gpd.GeoDataFrame(
            pd.concat([sites, old], ignore_index=True), geometry="geometry", crs=crs
        )
    else:
        sites = sites.reset_index(drop=True)

    label = _demand_label(demand, offense_weights, analysis, forecast)
    parameters = {
        "demand": demand,
        "demand_points": len(frame),
        "demand:cell_size_m": frame.attrs.get("parameters", {}).get("cell_size_m"),
        "offense_weights": weights_record(offense_weights),
        "candidates": candidates_record,
        "candidates_note": candidates_note,
        "n_candidates": len(sites),
        "existing": [str(n) for n in sites["name"].iloc[list(existing_labels)]],
        "analysis": analysis.params,
    }
    areas = None
    if analysis.areas is not None:
        areas = analysis.areas[["name", "count", "geometry"]]
    return OutreachInputs(
        demand=frame,
        candidates=sites,
        existing=existing_labels,
        hot_cells=significant_hot_cells(analysis)[
            ["cell_id", "neighbourhood", "count", "gi_z", "geometry"]
        ],
        areas=areas,
        demand_kind=demand,
        demand_label=label,
        parameters=parameters,
        selected=analysis.selected,
    )


def outreach_demand(
    analysis: Analysis,
    *,
    demand: DemandKind = "incidents",
    offense_weights: Mapping[str, float] | None = None,
    cell_size_m: float = DEFAULT_DEMAND_CELL_SIZE_M,
    forecast: Forecast | None = None,
) -> gpd.GeoDataFrame:
    """The demand frame :func:`outreach_inputs` plans with (arguments as there).

    Building it is the slow part of the inputs (the incidents are aggregated to cells); a
    caller that tries several candidate sources builds it once and passes it to
    :func:`outreach_inputs` as ``demand_frame``.
    """
    if demand not in DEMAND_KINDS:
        raise invalid("demand", demand, DEMAND_KINDS)
    if demand == "incidents":
        frame = demand_from_incidents(
            analysis.incidents,
            offense_weights=offense_weights,
            cell_size_m=cell_size_m,
            areas=analysis.areas,
        )
    elif demand == "forecast":
        if forecast is None:
            raise InputError(
                "demand='forecast' needs the forecast: pass forecast=hotspots.forecast(...) "
                "made from the same incidents, or use demand='incidents'."
            )
        frame = demand_from_forecast(forecast, areas=analysis.areas)
    else:
        frame = demand_from_hotspots(analysis, offense_weights=offense_weights)
    return frame


def default_title(plan: OutreachPlan) -> str:
    """E.g. ``"Outreach plan: 10 sites, 1,000 m service radius"``."""
    return f"Outreach plan: {plan.k} sites, {plan.radius_m:,.0f} m service radius"


# -- helpers --------------------------------------------------------------------------------


def _demand_label(
    demand: DemandKind,
    offense_weights: Mapping[str, float] | None,
    analysis: Analysis,
    forecast: Forecast | None = None,
) -> str:
    if demand == "forecast" and forecast is not None:
        period = " to ".join(forecast.params["forecast_period"])
        return f"expected incidents {period} (forecast: {forecast.params['method']})"
    weights = dict(offense_weights or {})
    weighted = any(float(v) != 1.0 for v in weights.values())
    base = "weighted incidents" if weighted else "incidents"
    if demand == "hotspots":
        base += " in hot spot cells"
    scope = str(analysis.params.get("filters_text") or "all incidents")
    return base if scope == "all incidents" else f"{base} ({scope})"
