"""The *Plan outreach* page's building blocks: cached planner calls, the map, chart and tables.

Every number comes from :mod:`hotspots.outreach` (:func:`~hotspots.outreach.from_analysis.outreach_inputs`
and the :class:`~hotspots.outreach.from_analysis.OutreachInputs` verbs); this module only caches
those calls by hashable keys and shapes their results for display.

Caching: the inputs, plans and curves are frozen results that no code mutates, so they
use ``st.cache_resource`` (no unpickling on every rerun); the curve does not depend on
``k``, so changing ``k`` re-solves one plan, not the curve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import altair as alt
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template

from hotspots.dashboard import cached, map_builder
from hotspots.dashboard.datasets import Dataset
from hotspots.dashboard.map_layers import UnitLayer
from hotspots.dashboard.selection import AnalysisKey
from hotspots.dashboard.settings import MAP_DECIMALS
from hotspots.dashboard.uploads import Upload
from hotspots.ingest.sites import load_sites
from hotspots.ingest.streets import load_streets
from hotspots.maps import palettes, webassets
from hotspots.outreach.candidates import CandidateSource
from hotspots.outreach.demand import DemandKind
from hotspots.outreach.export import plan_json, plan_record, sites_csv, sites_geojson
from hotspots.outreach.from_analysis import OutreachInputs, outreach_demand, outreach_inputs
from hotspots.outreach.plan import CurveMethod, Method, OutreachPlan
from hotspots.outreach.reach import PlanReach
from hotspots.spatial.projection import to_display

if TYPE_CHECKING:
    from hotspots.forecast import Forecast

#: Extensions the site uploaders accept (without the dot).
SITE_EXTENSIONS = ("csv", "txt", "tsv", "geojson", "json", "gpkg", "zip", "kml", "kmz", "parquet")
#: Solver time limit per exact solve in the app, seconds (a stopped solve reports its gap).
APP_TIME_LIMIT_S = 20.0
#: Candidates drawn on the map at most (the chosen sites are always drawn).
MAX_CANDIDATES_DRAWN = 2_000


@dataclass(frozen=True)
class InputsKey:
    """Everything the planner's inputs depend on (hashable: the cache key).

    Attributes
    ----------
    analysis : AnalysisKey
        The analysis (data set, filters, grid, cell size, alpha).
    demand : {"incidents", "hotspots", "forecast"}
    candidates : str
        ``"hotspots"``, ``"neighbourhoods"`` or ``"upload:<digest>"``.
    existing : str or None
        Digest of the uploaded existing-sites file.
    offense_weights : tuple of (offense, weight)
        Only weights other than 1.
    """

    analysis: AnalysisKey
    demand: DemandKind = "incidents"
    candidates: str = "neighbourhoods"
    existing: str | None = None
    offense_weights: tuple[tuple[str, float], ...] = ()

    @property
    def demand_key(self) -> tuple[AnalysisKey, DemandKind, tuple[tuple[str, float], ...]]:
        """What the demand alone depends on: shared by every choice of candidates."""
        return (self.analysis, self.demand, self.offense_weights)


@dataclass(frozen=True)
class PlanKey:
    """The choices of one plan besides the inputs (hashable)."""

    k: int
    radius_m: float
    fixed: tuple[str, ...] = ()
    method: Method = "exact"
    min_share_per_area: float | None = None


# -- cached library calls -------------------------------------------------------------------


@st.cache_resource(max_entries=16, show_spinner="Reading the sites file…")
def site_file(_upload: Upload, digest: str) -> gpd.GeoDataFrame:
    """Sites from an uploaded file (:func:`~hotspots.ingest.sites.load_sites`), by content."""
    return load_sites(_upload.stream(), filename=_upload.name)


@st.cache_resource(max_entries=4, show_spinner="Reading the streets…")
def streets_file(_upload: Upload, digest: str) -> gpd.GeoDataFrame:
    """An uploaded streets or places layer (:func:`~hotspots.ingest.streets.load_streets`)."""
    return load_streets(_upload.stream(), filename=_upload.name)


@st.cache_data(max_entries=32, show_spinner=False)
def context(
    _inputs: OutreachInputs,
    _plan: OutreachPlan,
    _streets: gpd.GeoDataFrame | None,
    key: InputsKey,
    choice: PlanKey,
    streets_key: str | None,
) -> pd.DataFrame:
    """Where each chosen site is (:meth:`~hotspots.outreach.OutreachInputs.context`)."""
    return _inputs.context(_plan, streets=_streets)


@st.cache_resource(max_entries=4, show_spinner="Building the demand…")
def demand_frame(
    _dataset: Dataset,
    key: tuple[AnalysisKey, DemandKind, tuple[tuple[str, float], ...]],
) -> gpd.GeoDataFrame:
    """The demand of ``key`` (:attr:`InputsKey.demand_key`), built once for every choice of
    candidate sites (:func:`~hotspots.outreach.from_analysis.outreach_demand`)."""
    analysis_key, demand, weights = key
    analysis = cached.analysis(_dataset, analysis_key)
    return outreach_demand(
        analysis,
        demand=demand,
        offense_weights=dict(weights) or None,
        forecast=_forecast(_dataset, analysis_key) if demand == "forecast" else None,
    )


@st.cache_resource(max_entries=8, show_spinner="Building candidate sites…")
def dataset_inputs(
    _dataset: Dataset,
    _candidates: gpd.GeoDataFrame | None,
    _existing: gpd.GeoDataFrame | None,
    key: InputsKey,
) -> OutreachInputs:
    """Demand and candidates of ``key`` (:func:`~hotspots.outreach.from_analysis.outreach_inputs`)."""
    analysis = cached.analysis(_dataset, key.analysis)
    candidates: CandidateSource | gpd.GeoDataFrame
    if _candidates is not None:
        candidates = _candidates
    elif key.candidates == "hotspots":
        candidates = "hotspots"
    else:
        candidates = "neighbourhoods"
    return outreach_inputs(
        analysis,
        demand=key.demand,
        candidates=candidates,
        existing=_existing,
        offense_weights=dict(key.offense_weights) or None,
        forecast=_forecast(_dataset, key.analysis) if key.demand == "forecast" else None,
        demand_frame=demand_frame(_dataset, key.demand_key),
    )


def _forecast(dataset: Dataset, analysis_key: AnalysisKey) -> Forecast:
    """The Forecast page's cached forecast of the next 12 months (the forecast demand)."""
    from hotspots.dashboard.forecasting import next_months_forecast

    return next_months_forecast(dataset, analysis_key.dataset_key, analysis_key.filters)


@st.cache_resource(max_entries=32, show_spinner="Choosing the sites…")
def plan(_inputs: OutreachInputs, key: InputsKey, choice: PlanKey) -> OutreachPlan:
    """The plan for ``choice`` (exact MCLP unless ``choice.method == "greedy"``)."""
    return _inputs.plan(
        k=choice.k,
        radius_m=choice.radius_m,
        fixed=list(choice.fixed),
        method=choice.method,
        min_share_per_area=choice.min_share_per_area,
        time_limit_s=APP_TIME_LIMIT_S,
    )


@st.cache_resource(max_entries=16, show_spinner="Computing coverage for k = 1, 2, 3…")
def curve(
    _inputs: OutreachInputs,
    key: InputsKey,
    k_max: int,
    radius_m: float,
    fixed: tuple[str, ...],
    method: CurveMethod,
) -> pd.DataFrame:
    """The coverage curve k = 1..``k_max`` (does not depend on the plan's ``k``)."""
    return _inputs.curve(
        k_max=k_max,
        radius_m=radius_m,
        fixed=list(fixed),
        method=method,
        time_limit_s=APP_TIME_LIMIT_S,
    )


@st.cache_data(max_entries=32, show_spinner=False)
def default_k(_inputs: OutreachInputs, key: InputsKey, radius_m: float) -> int:
    """The suggested number of sites: each adds at least 1 % of the demand (at most 10)."""
    from hotspots.outreach.plan import suggested_k

    greedy = _inputs.curve(
        k_max=min(10, len(_inputs.candidates)), radius_m=radius_m, method="greedy"
    )
    return suggested_k(greedy)


@st.cache_data(max_entries=32, show_spinner=False)
def reach(
    _inputs: OutreachInputs, _plan: OutreachPlan, key: InputsKey, choice: PlanKey
) -> PlanReach:
    """Incidents, hot spot cells and neighbourhoods reached by each site."""
    return _inputs.reach(_plan)


@st.cache_data(max_entries=16, show_spinner="Drawing the briefing…")
def briefing(
    _inputs: OutreachInputs,
    _plan: OutreachPlan,
    _curve: pd.DataFrame | None,
    _context: pd.DataFrame,
    key: InputsKey,
    choice: PlanKey,
    curve_key: tuple[Any, ...] | None,
    streets_key: str | None,
    title: str,
) -> str:
    """The printable one-page HTML briefing."""
    return _inputs.briefing(_plan, curve=_curve, title=title or None, context=_context)


def downloads(
    plan_: OutreachPlan, reach_: PlanReach, context_: pd.DataFrame
) -> tuple[bytes, bytes]:
    """The sites as CSV and as GeoJSON (EPSG:4326), the same bytes ``hotspots plan`` writes."""
    return (
        sites_csv(plan_, reach_, context_).encode("utf-8"),
        sites_geojson(plan_, reach_, context_).encode("utf-8"),
    )


def plan_download(
    inputs_: OutreachInputs,
    plan_: OutreachPlan,
    reach_: PlanReach,
    curve_: pd.DataFrame | None,
    context_: pd.DataFrame,
) -> bytes:
    """``plan.json`` as ``hotspots plan`` writes it: the Evaluate page's starting point."""
    record = plan_record(inputs_, plan_, reach=reach_, curve=curve_, context=context_)
    return plan_json(record).encode("utf-8")


# -- the map --------------------------------------------------------------------------------

_SITES_CSS = f"""
.hs-site {{ background: {palettes.SITE}; color: #fff; border: 2px solid #fff; border-radius: 50%;
  font: 600 11px/18px "Source Sans Pro", Arial, sans-serif; text-align: center;
  box-shadow: 0 0 3px rgba(0,0,0,.6); }}
.hs-site.hs-fixed {{ border-radius: 3px; }}
"""


class _Sites(JSCSSMixin, Layer):
    """Chosen sites (numbered by rank) with their coverage circles, and the other candidates."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function num(v) { return Number(v).toLocaleString("en-US"); }
  var group = L.featureGroup();
  var radius = {{ this.radius_m|tojson }};
  {{ this.candidates|tojson }}.forEach(function (c) {
    L.circleMarker([c[0], c[1]], {radius: 3, color: "#555555", weight: 1, fillColor: "#ffffff",
      fillOpacity: 0.9}).bindTooltip(esc(c[2]) + "<br><span style='color:#666'>candidate, not chosen</span>")
      .addTo(group);
  });
  {{ this.sites|tojson }}.forEach(function (s) {
    L.circle([s.lat, s.lon], {radius: radius, color: {{ this.circle|tojson }}, weight: 1.5,
      dashArray: s.fixed ? "6 4" : null, fillColor: {{ this.circle|tojson }}, fillOpacity: 0.12,
      interactive: false}).addTo(group);
  });
  {{ this.sites|tojson }}.forEach(function (s) {
    var tip = "<b>" + s.rank + ". " + esc(s.name) + "</b>" + (s.fixed ? " <i>(existing / kept)</i>" : "") +
      "<br>Incidents within " + num(radius) + " m: <b>" + num(s.incidents) + "</b> (adds " + num(s.added) + ")" +
      "<br>Hot spot cells reached: " + num(s.hot) + "<br>Neighbourhoods reached: " + num(s.areas);
    L.marker([s.lat, s.lon], {zIndexOffset: 1000, keyboard: false,
      icon: L.divIcon({className: "hs-site" + (s.fixed ? " hs-fixed" : ""), html: String(s.rank),
                       iconSize: [22, 22], iconAnchor: [11, 11]})})
      .bindTooltip(tip, {direction: "top", offset: [0, -10]}).addTo(group);
  });
  return group;
})();
{% endmacro %}
"""
    )

    def __init__(
        self, *, sites: list[dict[str, Any]], candidates: list[list[Any]], radius_m: float
    ) -> None:
        super().__init__(
            name="Outreach sites and service areas", overlay=True, control=False, show=True
        )
        self._name = "HotspotsOutreachSites"
        self.sites = sites
        self.candidates = candidates
        self.radius_m = float(radius_m)
        self.circle = palettes.SERVICE_AREA
        self.default_css = [
            ("hotspots_outreach_css", webassets.text_data_uri(_SITES_CSS, mime="text/css"))
        ]


def plan_layers(
    plan_: OutreachPlan, reach_: PlanReach, *, units: UnitLayer
) -> list[folium.FeatureGroup]:
    """The layers a plan change replaces: the Gi* cells and the sites with their circles.

    For ``st_folium(map_builder.build_base_map(...), feature_group_to_add=...)``: the base
    map stays for the data set, so a new plan swaps these layers inside the map instead of
    reloading it (as on the Map page).
    """
    sites = to_display(plan_.sites)
    by_rank = reach_.by_site.set_index("rank")
    rows = []
    for rank, name, fixed, lon, lat in zip(
        sites["rank"].tolist(),
        sites["name"].astype(str).tolist(),
        sites["fixed"].tolist(),
        sites.geometry.x.round(MAP_DECIMALS).tolist(),
        sites.geometry.y.round(MAP_DECIMALS).tolist(),
        strict=True,
    ):
        row = by_rank.loc[rank]
        rows.append(
            {
                "rank": int(rank),
                "name": name,
                "fixed": bool(fixed),
                "lat": lat,
                "lon": lon,
                "incidents": int(row["incidents"]),
                "added": int(row["incidents_added"]),
                "hot": int(row["hotspot_cells"]),
                "areas": int(row["n_areas_reached"]),
            }
        )
    others = plan_.candidates.loc[~plan_.candidates["chosen"].to_numpy(dtype=bool)]
    others = to_display(others.head(MAX_CANDIDATES_DRAWN))
    candidates = [
        [round(float(y), MAP_DECIMALS), round(float(x), MAP_DECIMALS), str(n)]
        for x, y, n in zip(
            others.geometry.x, others.geometry.y, others["name"].astype(str), strict=True
        )
    ]
    groups = map_builder.data_layers(units, units_name="Hot spots (Gi*)")
    sites_group = folium.FeatureGroup(
        name="Outreach sites and service areas", overlay=True, control=True
    )
    sites_group.add_child(_Sites(sites=rows, candidates=candidates, radius_m=plan_.radius_m))
    return [*groups, sites_group]


# -- chart and tables -----------------------------------------------------------------------


def curve_chart(curve_: pd.DataFrame, *, k: int) -> alt.LayerChart | alt.FacetChart:
    """Share of demand covered for k = 1..K: the exact optimum and the greedy choice."""
    series = {"share": "Best possible (exact)" if curve_["method"].iloc[0] == "exact" else "Greedy"}
    if "greedy_share" in curve_.columns:
        series["greedy_share"] = "Quick (greedy)"
    frame = curve_.melt(
        id_vars=["k"], value_vars=list(series), var_name="series", value_name="value"
    )
    frame["series"] = frame["series"].map(series)
    colours = [palettes.ACCENT, "#7f7f7f"][: len(series)]
    lines = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=25))
        .encode(
            x=alt.X("k:Q", title="Number of sites", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("value:Q", title="Demand covered", axis=alt.Axis(format="%")),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(series.values()), range=colours),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            strokeDash=alt.StrokeDash("series:N", legend=None),
            tooltip=[
                alt.Tooltip("k:Q", title="Sites"),
                alt.Tooltip("series:N", title="Method"),
                alt.Tooltip("value:Q", title="Covered", format=".1%"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"k": [k]}))
        .mark_rule(color=palettes.SITE, strokeDash=[3, 3])
        .encode(x="k:Q")
    )
    return alt.layer(lines, rule).properties(height=260)


def sites_display(
    plan_: OutreachPlan, reach_: PlanReach, context_: pd.DataFrame, *, weighted: bool
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The chosen sites for ``st.dataframe``: what each covers and where it is, by rank."""
    by_site = reach_.by_site
    where = context_.set_index("rank").loc[by_site["rank"].to_numpy()]
    frame = pd.DataFrame(
        {
            "#": by_site["rank"].to_numpy(),
            "Site": by_site["name"].astype(str).to_numpy(),
            "Kept": np.where(by_site["fixed"].to_numpy(dtype=bool), "existing / fixed", ""),
            "Incidents in range": by_site["incidents"].to_numpy(),
            "Adds": by_site["incidents_added"].to_numpy(),
            "Hot spot cells": by_site["hotspot_cells"].to_numpy(),
            "Neighbourhoods": by_site["n_areas_reached"].to_numpy(),
            "Neighbourhoods reached": by_site["areas_reached"].astype(str).to_numpy(),
            "In neighbourhood": where["area"].astype(str).replace("<NA>", "").to_numpy(),
        }
    )
    if where["street"].notna().any():
        frame["Nearest street"] = [
            "" if pd.isna(s) else f"{s} ({d:,.0f} m)"
            for s, d in zip(where["street"], where["street_distance_m"], strict=True)
        ]
    if where["block"].notna().any():
        frame["Nearest block (incidents within 150 m)"] = [
            "" if pd.isna(b) else f"{b} ({n:,}; nearest {d:,.0f} m)"
            for b, n, d in zip(
                where["block"], where["block_incidents"], where["block_distance_m"], strict=True
            )
        ]
    for column, label in (("premises_mix", "Premises nearby"), ("offense_mix", "Offenses nearby")):
        if where[column].notna().any():
            frame[label] = where[column].fillna("").astype(str).to_numpy()
    frame["Longitude"] = where["lon"].to_numpy()
    frame["Latitude"] = where["lat"].to_numpy()
    if weighted:
        frame.insert(5, "Weighted demand added", plan_.sites["added_weight"].to_numpy())
    config: dict[str, Any] = {
        "#": st.column_config.NumberColumn(width="small"),
        "Incidents in range": st.column_config.NumberColumn(
            format="localized", help="Incidents within the service radius of this site."
        ),
        "Adds": st.column_config.NumberColumn(
            format="localized",
            help="Incidents this site covers that the sites ranked above it do not; sums to the total covered.",
        ),
        "Weighted demand added": st.column_config.NumberColumn(format="%.1f"),
        "Hot spot cells": st.column_config.NumberColumn(
            help="Significant hot spot cells (Gi*, FDR) whose centre is within the radius."
        ),
        "Premises nearby": st.column_config.TextColumn(
            help="Premises types of the incidents within the service radius."
        ),
        "Offenses nearby": st.column_config.TextColumn(
            help="Offenses of the incidents within the service radius."
        ),
        "Longitude": st.column_config.NumberColumn(format="%.5f"),
        "Latitude": st.column_config.NumberColumn(format="%.5f"),
    }
    return frame, config


def areas_display(plan_: OutreachPlan) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Coverage by neighbourhood, worst covered first (the fairness view)."""
    by_area = plan_.by_area
    frame = pd.DataFrame(
        {
            "Neighbourhood": by_area["area"].astype(str).to_numpy(),
            "Covered": by_area["covered_weight"].to_numpy(),
            "Demand": by_area["total_weight"].to_numpy(),
            "Share covered": by_area["share"].to_numpy(),
        }
    )
    config: dict[str, Any] = {
        "Covered": st.column_config.NumberColumn(format="localized"),
        "Demand": st.column_config.NumberColumn(format="localized"),
        "Share covered": st.column_config.ProgressColumn(
            min_value=0.0, max_value=1.0, format="percent"
        ),
    }
    return frame, config


def weights_key(weights: dict[str, float]) -> tuple[tuple[str, float], ...]:
    """Offense weights other than 1 as a sorted, hashable tuple."""
    return tuple(sorted((k, float(v)) for k, v in weights.items() if float(v) != 1.0))


def curve_summary(curve_: pd.DataFrame) -> str:
    """One sentence on diminishing returns and the greedy shortfall."""
    total = float(curve_.attrs.get("total_weight", 0.0)) or 1.0
    gains = curve_["marginal_gain"].to_numpy(dtype=float) / total
    first, last = int(curve_["k"].iloc[0]), int(curve_["k"].iloc[-1])
    text = f"Site {first} adds {gains[0]:.1%} of the demand; site {last} adds {gains[-1]:.1%}."
    if "greedy_gap" in curve_.columns:
        worst = float(curve_["greedy_gap"].max()) / total
        text += (
            " The quick greedy choice is as good as the best at every k."
            if worst <= 0
            else f" The quick greedy choice falls short by up to {worst:.1%}."
        )
    not_proven = int((curve_["status"] == "feasible").sum())
    if not_proven:
        text += f" {not_proven} point(s) hit the {APP_TIME_LIMIT_S:g} s time limit (not proven optimal)."
    return text
