"""Where do k outreach teams or sites do the most good? The planner's verbs and result.

:func:`plan_outreach` solves the Maximal Covering Location Problem (MCLP; Church &
ReVelle 1974): choose ``k`` sites among candidates to maximise the demand weight within
``radius_m`` metres of a chosen site, optionally keeping existing sites (``fixed``) and
requiring a minimum coverage share in every area (``min_share_per_area``).
:func:`coverage_curve` shows the diminishing returns for k = 1..K.
:func:`candidate_sites` turns polygons (hotspot cells, neighbourhoods) into candidates.

Distances are straight-line (Euclidean) distances in a metric CRS chosen from the
demand (the local UTM zone unless the demand is already in metres), never travel
distances; every result says which CRS.

The verb reads as a pipeline: :func:`~hotspots.outreach.validation.prepare` (validate, project,
build the coverage matrix) ->
:func:`~hotspots.outreach.coverage.reduce_problem` -> a solver -> :func:`_build_plan`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from hotspots.errors import InputError, Option, given, invalid
from hotspots.outreach.coverage import ReducedProblem, Reduction, reduce_problem
from hotspots.outreach.fairness import area_requirements, diagnose, reachable_by_area
from hotspots.outreach.solvers import (
    Proof,
    Solution,
    Status,
    covered_value,
    greedy,
    solve_mclp,
)
from hotspots.outreach.validation import (
    DISTANCE_NOTE,
    Prepared,
    centre_points,
    check_choice,
    check_min_share,
    prepare,
    require_geometry,
    site_names,
)
from hotspots.spatial.projection import require_geodata, to_display, to_metric

log = logging.getLogger(__name__)

Method = Literal["exact", "greedy"]
CurveMethod = Literal["exact", "greedy", "both"]
METHODS: tuple[Method, ...] = ("exact", "greedy")
CURVE_METHODS: tuple[CurveMethod, ...] = ("exact", "greedy", "both")

#: Columns of :attr:`OutreachPlan.sites` (plus ``geometry``), one row per chosen site.
SITE_COLUMNS = (
    "rank",
    "name",
    "fixed",
    "covered_weight",
    "unique_weight",
    "added_weight",
    "n_demand_points",
    "n_areas_reached",
    "areas_reached",
    "candidate",
)
#: Columns of :attr:`OutreachPlan.by_area`, one row per area, worst-covered first.
AREA_COLUMNS = (
    "area",
    "total_weight",
    "covered_weight",
    "share",
    "n_demand_points",
    "n_covered_points",
)
#: Columns of the frame :func:`coverage_curve` returns (greedy_* only with method="both").
CURVE_COLUMNS = (
    "k",
    "covered_weight",
    "share",
    "marginal_gain",
    "status",
    "method",
    "sites",
)
CURVE_BOTH_COLUMNS = ("greedy_weight", "greedy_share", "greedy_gap")


# -- the result -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OutreachPlan:
    """Chosen outreach sites, what they cover, and the parameters that produced them.

    All geometry is in :attr:`crs` (metres); use :func:`hotspots.spatial.projection.to_display`
    or :meth:`sites_table` for longitude/latitude.

    Attributes
    ----------
    sites : geopandas.GeoDataFrame
        One row per chosen site in :data:`SITE_COLUMNS` order, ranked: fixed sites first,
        then each next site is the one adding the most. ``covered_weight`` is the demand
        weight within ``radius_m`` of the site, ``unique_weight`` the part no other chosen
        site reaches, ``added_weight`` what it adds after the sites ranked above it (these
        sum to :attr:`covered_weight`), ``n_demand_points`` the demand points in range,
        ``areas_reached`` the areas of that demand ("; "-separated, most weight first;
        empty without ``area``), ``candidate`` the row label in the candidates frame.
    candidates : geopandas.GeoDataFrame
        Every candidate: ``name``, ``candidate``, ``chosen``, ``fixed``, ``rank``
        (``<NA>`` when not chosen), ``covered_weight`` and ``n_demand_points`` (within
        ``radius_m`` of that candidate alone).
    demand : geopandas.GeoDataFrame
        The demand as used: ``weight``, ``area`` (``<NA>`` without ``area``), ``covered``
        (bool), ``n_sites`` (chosen sites within range), original geometry in :attr:`crs`.
    by_area : pandas.DataFrame
        Coverage by area in :data:`AREA_COLUMNS` order, worst-covered first (empty when
        no ``area`` column was given). Demand without an area is left out.
    covered_weight, total_weight : float
        Demand weight within range of a chosen site, and all demand weight.
    n_demand_points, n_covered_points : int
        Demand points, and those within range of a chosen site.
    status : {"optimal", "feasible", "heuristic"}
        ``"optimal"``: proven (see :attr:`proof`). ``"feasible"``: CBC stopped at the time limit
        (see :attr:`upper_bound` / :attr:`gap`). ``"heuristic"``: the greedy method.
    upper_bound : float or None
        Best possible covered weight known (CBC's bound), or ``None`` if unknown.
    method : {"exact", "greedy"}
    k : int
        Sites chosen, fixed ones included.
    radius_m : float
        Service radius in metres (straight-line).
    crs : pyproj.CRS
        The metric CRS every distance was measured in.
    reduction : Reduction
        How the model was reduced before solving.
    solve_seconds : float
        Solver wall-clock time in seconds.
    in_range : scipy.sparse.csc_matrix
        The solver's coverage matrix restricted to the chosen sites: demand points (rows,
        as :attr:`demand`) within ``radius_m`` of each chosen site (columns, rank order).
    parameters : dict
        Everything needed to reproduce the plan.
    proof : {"cbc", "relaxation", "trivial", "none"}
        What proved an optimal plan optimal (:class:`~hotspots.outreach.solvers.Solution`).
    """

    sites: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    by_area: pd.DataFrame
    covered_weight: float
    total_weight: float
    n_demand_points: int
    n_covered_points: int
    status: Status
    upper_bound: float | None
    method: Method
    k: int
    radius_m: float
    crs: CRS
    reduction: Reduction
    solve_seconds: float
    in_range: sp.csc_matrix = field(repr=False)
    parameters: dict[str, Any] = field(default_factory=dict)
    proof: Proof = "none"

    @property
    def share(self) -> float:
        """Share of the demand weight covered, in [0, 1]."""
        return self.covered_weight / self.total_weight if self.total_weight > 0 else 0.0

    @property
    def gap(self) -> float | None:
        """Relative optimality gap: 0 when optimal, ``None`` when unknown (greedy)."""
        if self.status == "optimal":
            return 0.0
        if self.upper_bound is None or self.upper_bound <= 0:
            return None
        return max(0.0, (self.upper_bound - self.covered_weight) / self.upper_bound)

    @property
    def distance_note(self) -> str:
        """How distances were measured, for outputs ("straight-line ... in <CRS>")."""
        return f"{DISTANCE_NOTE} in {self.crs.name}" + (
            f" (EPSG:{self.crs.to_epsg()})" if self.crs.to_epsg() else ""
        )

    @property
    def status_text(self) -> str:
        """The optimality status in words."""
        if self.status == "optimal":
            if self.method != "exact":
                return "optimal"
            return {
                "cbc": "optimal (proven by the CBC solver)",
                "relaxation": "optimal (proven: it reaches the linear relaxation's upper bound)",
            }.get(self.proof, "optimal (proven)")
        if self.status == "feasible":
            limit = self.parameters.get("time_limit_s")
            gap = self.gap
            text = "feasible, not proven optimal: the solver stopped at its time limit"
            text += f" of {limit:g} s" if isinstance(limit, int | float) else ""
            if gap is not None:
                text += f"; at most {gap:.1%} below the best possible"
            return text
        return "greedy heuristic, not proven optimal"

    def coverage_circles(self, *, quad_segs: int = 32) -> gpd.GeoDataFrame:
        """Service areas of the chosen sites: ``rank``, ``name``, ``radius_m``, circle polygons.

        ``quad_segs`` is the number of segments per quarter circle.
        """
        circles = shapely.buffer(self.sites.geometry.values, self.radius_m, quad_segs=quad_segs)
        return gpd.GeoDataFrame(
            {
                "rank": self.sites["rank"].to_numpy(),
                "name": self.sites["name"].to_numpy(),
                "radius_m": np.full(len(self.sites), float(self.radius_m)),
            },
            geometry=circles,
            crs=self.crs,
        )

    def sites_table(self) -> pd.DataFrame:
        """The sites as a plain table for CSV: :data:`SITE_COLUMNS` + ``lon``, ``lat`` (EPSG:4326)."""
        lonlat = to_display(self.sites)
        table = pd.DataFrame(self.sites.drop(columns="geometry"))
        table["lon"] = lonlat.geometry.x.to_numpy()
        table["lat"] = lonlat.geometry.y.to_numpy()
        return table

    def summary(self) -> str:
        """One paragraph with the headline numbers, for logs, the CLI and the app."""
        n_fixed = int(self.sites["fixed"].sum())
        fixed = f" ({n_fixed} fixed)" if n_fixed else ""
        return (
            f"{self.k} sites{fixed} cover {self.share:.1%} of the demand "
            f"({format_weight(self.covered_weight)} of {format_weight(self.total_weight)}; "
            f"{self.n_covered_points:,} of {self.n_demand_points:,} demand points) within "
            f"{self.radius_m:,.0f} m, {self.distance_note}. Method: {self.method}, "
            f"{self.status_text}."
        )


# -- public verbs ---------------------------------------------------------------------------


def candidate_sites(
    areas: gpd.GeoDataFrame, *, name: str | None = None, prefix: str = "Site"
) -> gpd.GeoDataFrame:
    """Candidate sites at the centres of polygons (hotspot cells, neighbourhoods) or points.

    Each polygon gives its centroid, or a representative point inside it when the
    centroid falls outside (a crescent-shaped neighbourhood). Centres are computed in a
    metric CRS (chosen automatically when ``areas`` is in longitude/latitude).

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Polygons or points with a CRS.
    name : str, optional
        Column with the site names. By default the ``name`` column when there is one,
        else ``"<prefix> <row label>"`` (e.g. ``"Cell 1234"`` with ``prefix="Cell"``).
    prefix : str
        Prefix of generated names.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` (str) and point ``geometry`` in the metric CRS, with the index of ``areas``.
    """
    require_geodata(areas, "areas")
    metric = to_metric(areas)
    require_geometry(metric, "areas")
    points = centre_points(metric.geometry.values, "areas")
    names = site_names(metric, name=name, prefix=prefix, argument="areas")
    return gpd.GeoDataFrame({"name": names}, geometry=points, crs=metric.crs, index=areas.index)


def plan_outreach(
    demand: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    k: int,
    radius_m: float,
    weight: str | None = None,
    name: str | None = None,
    fixed: Sequence[int | str] = (),
    method: Method = "exact",
    area: str | None = None,
    min_share_per_area: float | None = None,
    time_limit_s: float | None = 60.0,
) -> OutreachPlan:
    """Choose ``k`` sites that put the most demand within ``radius_m`` of a site (MCLP).

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Incidents (points) or hotspot cells / areas (polygons, represented by their
        centres), in any CRS.
    candidates : geopandas.GeoDataFrame
        Possible sites (points, or polygons represented by their centres), in any CRS;
        see :func:`candidate_sites` for automatic ones.
    k : int
        Number of sites to choose, fixed sites included; 1 <= k <= number of candidates.
    radius_m : float
        Service radius in metres, straight-line; a site covers demand at a distance
        <= ``radius_m``.
    weight : str, optional
        Column of ``demand`` with non-negative weights (an offense weight, a cell's
        count). ``None`` (default): every row weighs 1.
    name : str, optional
        Column of ``candidates`` with site names; default ``name`` if present, else
        generated names ``"Site <row label>"``.
    fixed : sequence of str or int
        Sites that must stay: names (str) or row labels (int) of ``candidates``.
    method : {"exact", "greedy"}
        ``"exact"``: the MCLP solved exactly (proven optimal by its linear
        relaxation's bound or by CBC, unless the time limit stops CBC). ``"greedy"``: the fast heuristic, not proven optimal.
    area : str, optional
        Column of ``demand`` with the area (neighbourhood) of each row, for the
        fairness view :attr:`OutreachPlan.by_area`.
    min_share_per_area : float, optional
        Require at least this share (0 < s <= 1) of every area's demand weight to be
        covered (needs ``area`` and ``method="exact"``). Raises
        :class:`~hotspots.outreach.fairness.FairnessInfeasibleError` with a precise
        diagnosis when it cannot be met.
    time_limit_s : float, optional
        Wall-clock limit of each solver run in seconds; ``None`` for none. A plan
        stopped by it is reported as ``status="feasible"`` with its gap.

    Returns
    -------
    OutreachPlan

    Raises
    ------
    hotspots.errors.InputError
        For bad arguments (the message says which, the value, what is allowed and how
        to fix it), including candidates that cover no demand at all.
    """
    method = check_choice("method", method, METHODS)
    if min_share_per_area is not None:
        check_min_share(min_share_per_area, area=area, method=method)
    prep = prepare(
        demand,
        candidates,
        k=k,
        radius_m=radius_m,
        weight=weight,
        name=name,
        fixed=fixed,
        area=area,
        time_limit_s=time_limit_s,
    )
    problem = reduce_problem(
        prep.cover,
        prep.weight,
        fixed=prep.fixed,
        area_code=prep.area_code,
        n_areas=len(prep.area_names),
    )
    k_free = k - prep.fixed.size
    if method == "greedy":
        solution = greedy(problem.cover, problem.weight, k=k_free)
    elif min_share_per_area is not None:
        solution = _solve_fair(
            problem,
            prep,
            k=k,
            min_share=float(min_share_per_area),
            radius_m=float(radius_m),
            time_limit_s=time_limit_s,
        )
    else:
        solution = _solve_exact(problem, k_free=k_free, time_limit_s=time_limit_s)
    log.info(
        "Solved (%s, %s) in %.2f s; the free sites cover %s more",
        method,
        solution.status,
        solution.seconds,
        format_weight(solution.value),
    )
    parameters = {
        "k": int(k),
        "radius_m": float(radius_m),
        "method": method,
        "weight": weight,
        "name": name,
        "area": area,
        "fixed": prep.candidates["name"].to_numpy()[prep.fixed].tolist(),
        "min_share_per_area": min_share_per_area,
        "time_limit_s": time_limit_s,
        "crs": prep.crs.to_string(),
        "distance": f"{DISTANCE_NOTE} in {prep.crs.name}",
    }
    return _build_plan(prep, problem, solution, k=k, method=method, parameters=parameters)


def coverage_curve(
    demand: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    k_max: int,
    radius_m: float,
    weight: str | None = None,
    name: str | None = None,
    fixed: Sequence[int | str] = (),
    method: CurveMethod = "exact",
    time_limit_s: float | None = 60.0,
) -> pd.DataFrame:
    """Covered demand for k = 1..``k_max`` sites: the diminishing returns of one more site.

    The rows start at ``k = max(1, len(fixed))``. Exact solutions for successive ``k``
    need not be nested (the best 3 sites may not include the best 2); each row lists its
    own sites. Each exact solve starts from the better of the greedy answer and the
    previous row's sites plus the best addition, so the curve never decreases.

    Parameters
    ----------
    demand, candidates, radius_m, weight, name, fixed, time_limit_s
        As in :func:`plan_outreach` (``time_limit_s`` applies to each ``k``).
    k_max : int
        Largest number of sites, 1 <= k_max <= number of candidates.
    method : {"exact", "greedy", "both"}
        ``"both"`` solves exactly and adds the greedy's answer and its gap.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CURVE_COLUMNS`: ``k``; ``covered_weight`` and ``share`` of the
        demand covered; ``marginal_gain`` over the previous row; ``status`` (see
        :class:`OutreachPlan`); ``method``; ``sites`` (names, "; "-separated, ranked).
        With ``method="both"`` also ``greedy_weight``, ``greedy_share`` and
        ``greedy_gap`` (exact minus greedy covered weight, >= 0). ``attrs["parameters"]``
        holds the parameters, ``attrs["total_weight"]`` the demand weight.
    """
    method = check_choice("method", method, CURVE_METHODS)
    prep = prepare(
        demand,
        candidates,
        k=k_max,
        radius_m=radius_m,
        weight=weight,
        name=name,
        fixed=fixed,
        area=None,
        time_limit_s=time_limit_s,
        k_argument="k_max",
    )
    problem = reduce_problem(prep.cover, prep.weight, fixed=prep.fixed)
    n_fixed = prep.fixed.size
    ks = np.arange(max(1, n_fixed), k_max + 1)
    greedy_run = greedy(problem.cover, problem.weight, k=k_max - n_fixed)
    names = prep.candidates["name"].to_numpy()

    rows: list[dict[str, Any]] = []
    previous: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
    for k in ks.tolist():
        k_free = k - n_fixed
        greedy_chosen = greedy_run.chosen[:k_free]
        greedy_value = covered_value(problem.cover, problem.weight, greedy_chosen)
        if method == "greedy":
            solution = Solution(greedy_chosen, greedy_value, "heuristic", None, 0.0)
        else:
            solution = _solve_exact(
                problem, k_free=k_free, time_limit_s=time_limit_s, previous=previous
            )
        previous = solution.chosen
        full = _complete_selection(prep, problem, solution.chosen, k=k)
        value = problem.fixed_weight + solution.value
        row: dict[str, Any] = {
            "k": k,
            "covered_weight": value,
            "share": value / prep.total_weight,
            "status": solution.status,
            "method": "greedy" if method == "greedy" else "exact",
            "sites": "; ".join(names[full].tolist()),
        }
        if method == "both":
            greedy_total = problem.fixed_weight + greedy_value
            row["greedy_weight"] = greedy_total
            row["greedy_share"] = greedy_total / prep.total_weight
            row["greedy_gap"] = max(0.0, value - greedy_total)
        rows.append(row)
    columns = list(CURVE_COLUMNS) + (list(CURVE_BOTH_COLUMNS) if method == "both" else [])
    curve = pd.DataFrame(rows)
    curve["marginal_gain"] = curve["covered_weight"].diff().fillna(curve["covered_weight"])
    curve = curve[columns]
    curve.attrs["parameters"] = {
        "k_max": int(k_max),
        "radius_m": float(radius_m),
        "method": method,
        "weight": weight,
        "fixed": names[prep.fixed].tolist(),
        "time_limit_s": time_limit_s,
        "crs": prep.crs.to_string(),
        "distance": f"{DISTANCE_NOTE} in {prep.crs.name}",
    }
    curve.attrs["total_weight"] = prep.total_weight
    return curve


# -- solving --------------------------------------------------------------------------------


def _solve_exact(
    problem: ReducedProblem,
    *,
    k_free: int,
    time_limit_s: float | None,
    previous: NDArray[np.int64] | None = None,
) -> Solution:
    """Exact MCLP started from the best known answer; never worse than that answer."""
    start = greedy(problem.cover, problem.weight, k=k_free)
    if previous is not None and 0 < previous.size < k_free:
        extended = _extend(problem, previous)
        if covered_value(problem.cover, problem.weight, extended) > start.value:
            start = Solution(
                extended,
                covered_value(problem.cover, problem.weight, extended),
                "heuristic",
                None,
                0.0,
            )
    exact = solve_mclp(
        problem.cover,
        problem.weight,
        k=k_free,
        time_limit_s=time_limit_s,
        warm_start=start.chosen if start.chosen.size else None,
    )
    if exact.status in ("optimal", "feasible"):
        return exact
    log.warning(
        "The solver found no answer within time_limit_s=%s; reporting the greedy answer",
        time_limit_s,
    )
    return Solution(start.chosen, start.value, "heuristic", None, exact.seconds)


def _extend(problem: ReducedProblem, chosen: NDArray[np.int64]) -> NDArray[np.int64]:
    """``chosen`` plus the site that adds the most to it."""
    covered = (
        np.asarray(problem.cover[:, chosen].sum(axis=1)).ravel() > 0
        if chosen.size
        else np.zeros(problem.cover.shape[0], dtype=bool)
    )
    gains = np.asarray(problem.cover.T @ np.where(covered, 0.0, problem.weight)).ravel()
    gains[chosen] = -1.0
    return np.append(chosen, int(np.argmax(gains))).astype(np.int64)


def _solve_fair(
    problem: ReducedProblem,
    prep: Prepared,
    *,
    k: int,
    min_share: float,
    radius_m: float,
    time_limit_s: float | None,
) -> Solution:
    """Exact MCLP with a minimum share in every area, or a diagnosed error."""
    codes = prep.area_code
    if codes is None:
        raise invalid("area", None, "a column of demand when min_share_per_area is set")
    n_areas = len(prep.area_names)
    inside = codes >= 0
    area_total = np.bincount(codes[inside], weights=prep.weight[inside], minlength=n_areas).astype(
        np.float64
    )
    required = area_requirements(problem, area_total, min_share)
    reachable = reachable_by_area(problem, n_areas)
    k_free = k - prep.fixed.size

    def failure() -> InputError:
        return diagnose(
            problem,
            k=k,
            min_share=min_share,
            area_names=prep.area_names,
            area_total=area_total,
            radius_m=radius_m,
            time_limit_s=time_limit_s,
        )

    if np.any((area_total > 0) & (reachable < min_share * area_total * (1.0 - 1e-9))):
        raise failure()
    solution = solve_mclp(
        problem.cover,
        problem.weight,
        k=k_free,
        group_area=problem.group_area,
        area_required=required,
        time_limit_s=time_limit_s,
    )
    if solution.status == "infeasible":
        raise failure()
    if solution.status == "no_solution":
        raise InputError(
            "No plan meeting {0} was found within {1}, and none was proven impossible. "
            "Raise the time limit ({2}), or lower the share ({3}).",
            options=(
                given("min_share_per_area", min_share),
                given("time_limit_s", time_limit_s),
                Option("time_limit_s", 600),
                Option("min_share_per_area"),
            ),
        )
    return solution


# -- building the result --------------------------------------------------------------------


def _complete_selection(
    prep: Prepared, problem: ReducedProblem, chosen_free: NDArray[np.int64], *, k: int
) -> NDArray[np.int64]:
    """All chosen candidate positions, ranked; padded to ``k`` when extra sites add nothing.

    Fixed sites come first (in the order given), then the solver's sites ordered so
    that each adds the most after those above it.
    """
    free = problem.candidates[chosen_free]
    ranked = _rank_by_gain(prep.cover, prep.weight, prep.fixed, free)
    if ranked.size < k:
        rest = np.setdiff1d(np.arange(len(prep.candidates)), ranked)
        own = np.asarray(prep.weight @ prep.cover[:, rest]).ravel()
        order = np.lexsort((rest, -own))
        pad = rest[order[: k - ranked.size]]
        log.warning(
            "Only %d of the %d sites add coverage; the other %d were placed at the candidates "
            "with the most demand in range, all of which is already covered",
            ranked.size,
            k,
            pad.size,
        )
        ranked = np.concatenate([ranked, pad])
    return ranked.astype(np.int64)


def _rank_by_gain(
    cover: sp.csr_matrix,
    weight: NDArray[np.float64],
    fixed: NDArray[np.int64],
    free: NDArray[np.int64],
) -> NDArray[np.int64]:
    """``fixed`` in order, then ``free`` sorted greedily by marginal gain (ties: position)."""
    remaining = weight.copy()
    if fixed.size:
        hit = np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0
        remaining[hit] = 0.0
    sub = sp.csc_matrix(cover[:, free]) if free.size else None
    order: list[int] = []
    left = list(range(free.size))
    while left and sub is not None:
        gains = np.asarray(remaining @ sub[:, left]).ravel()
        pick = left[int(np.argmax(gains))]
        order.append(pick)
        left.remove(pick)
        rows = sub.indices[sub.indptr[pick] : sub.indptr[pick + 1]]
        remaining[rows] = 0.0
    return np.concatenate([fixed, free[np.asarray(order, dtype=np.int64)]]).astype(np.int64)


def _build_plan(
    prep: Prepared,
    problem: ReducedProblem,
    solution: Solution,
    *,
    k: int,
    method: Method,
    parameters: dict[str, Any],
) -> OutreachPlan:
    chosen = _complete_selection(prep, problem, solution.chosen, k=k)
    cover = prep.cover
    w = prep.weight
    in_range = sp.csc_matrix(cover[:, chosen])
    n_sites = np.asarray(in_range.sum(axis=1)).ravel().astype(np.int64)
    covered = n_sites > 0
    only_one = n_sites == 1
    covered_weight_site = np.asarray(w @ in_range).ravel()
    unique_weight = np.asarray(np.where(only_one, w, 0.0) @ in_range).ravel()
    n_points_site = np.diff(in_range.indptr).astype(np.int64)

    # What each site adds after the ones ranked above it.
    first_site = first_site_in_range(in_range)
    added = np.bincount(first_site[covered], weights=w[covered], minlength=chosen.size)

    n_areas = len(prep.area_names)
    areas_reached, n_areas_reached = _areas_reached(prep, in_range, n_areas)

    names = prep.candidates["name"].to_numpy()
    labels = prep.candidates["candidate"].to_numpy()
    is_fixed = np.isin(chosen, prep.fixed)
    sites = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, chosen.size + 1, dtype=np.int64),
            "name": pd.array(names[chosen].tolist(), dtype="string"),
            "fixed": is_fixed,
            "covered_weight": covered_weight_site,
            "unique_weight": unique_weight,
            "added_weight": added.astype(np.float64),
            "n_demand_points": n_points_site,
            "n_areas_reached": n_areas_reached,
            "areas_reached": pd.array(areas_reached, dtype="string"),
            "candidate": labels[chosen],
        },
        geometry=prep.candidates.geometry.values[chosen],
        crs=prep.crs,
    )

    rank = np.full(len(prep.candidates), -1, dtype=np.int64)
    rank[chosen] = np.arange(1, chosen.size + 1)
    all_in_range = sp.csc_matrix(cover)
    candidates = gpd.GeoDataFrame(
        {
            "name": pd.array(names.tolist(), dtype="string"),
            "candidate": labels,
            "chosen": rank > 0,
            "fixed": np.isin(np.arange(len(prep.candidates)), prep.fixed),
            "rank": pd.arrays.IntegerArray(np.maximum(rank, 0), mask=rank <= 0),
            "covered_weight": np.asarray(w @ all_in_range).ravel(),
            "n_demand_points": np.diff(all_in_range.indptr).astype(np.int64),
        },
        geometry=prep.candidates.geometry.values,
        crs=prep.crs,
    )

    area_values: Any
    if prep.area_code is not None:
        codes = prep.area_code
        area_values = pd.Series(prep.area_names.take(np.maximum(codes, 0))).where(codes >= 0).array
    else:
        area_values = pd.array(np.full(len(prep.demand), None, dtype=object), dtype="string")
    demand = gpd.GeoDataFrame(
        {"weight": w, "area": area_values, "covered": covered, "n_sites": n_sites},
        geometry=prep.demand.geometry.values,
        crs=prep.crs,
        index=prep.demand.index,
    )
    by_area = _by_area(prep, covered)

    covered_total = float(w[covered].sum())
    expected = problem.fixed_weight + solution.value
    if not np.isclose(covered_total, expected, rtol=1e-9, atol=1e-9):
        log.debug("Covered weight %s differs from the solver's %s", covered_total, expected)
    upper = None if solution.bound is None else problem.fixed_weight + solution.bound
    return OutreachPlan(
        sites=sites,
        candidates=candidates,
        demand=demand,
        by_area=by_area,
        covered_weight=covered_total,
        total_weight=prep.total_weight,
        n_demand_points=len(prep.demand),
        n_covered_points=int(covered.sum()),
        status=solution.status,
        upper_bound=upper,
        method=method,
        k=int(k),
        radius_m=float(parameters["radius_m"]),
        crs=prep.crs,
        reduction=problem.reduction,
        solve_seconds=solution.seconds,
        in_range=in_range,
        parameters=parameters,
        proof=solution.proof,
    )


def first_site_in_range(in_range: sp.spmatrix) -> NDArray[np.int64]:
    """For each demand point (row), the first chosen site (column, in rank order) that
    reaches it, or -1: what each site *adds* after the sites ranked above it."""
    first = np.full(in_range.shape[0], -1, dtype=np.int64)
    coo = in_range.tocoo()
    if coo.nnz:
        order = np.lexsort((coo.col, coo.row))
        rows, cols = coo.row[order], coo.col[order]
        head = np.ones(rows.size, dtype=bool)
        head[1:] = rows[1:] != rows[:-1]
        first[rows[head]] = cols[head]
    return first


def _areas_reached(
    prep: Prepared, in_range: sp.csc_matrix, n_areas: int
) -> tuple[list[str], NDArray[np.int64]]:
    """Per chosen site: its areas "; "-joined (most weight first) and how many."""
    n_sites = in_range.shape[1]
    if prep.area_code is None or n_areas == 0:
        return [""] * n_sites, np.zeros(n_sites, dtype=np.int64)
    codes = prep.area_code
    inside = np.flatnonzero(codes >= 0)
    membership = sp.csr_matrix(
        (np.ones(inside.size), (inside, codes[inside])), shape=(codes.size, n_areas)
    )
    # Demand weight (plus a tiny count so weightless areas still show) per site and area.
    per_site = (in_range.T @ sp.diags(prep.weight + 1e-12) @ membership).toarray()
    names = prep.area_names.astype(str).to_numpy()
    labels: list[str] = []
    # One loop per chosen site (k is small).
    for row in per_site:
        reached = np.flatnonzero(row > 0)
        order = reached[np.lexsort((names[reached], -row[reached]))]
        labels.append("; ".join(names[order].tolist()))
    return labels, np.count_nonzero(per_site > 0, axis=1).astype(np.int64)


def _by_area(prep: Prepared, covered: NDArray[np.bool_]) -> pd.DataFrame:
    if prep.area_code is None:
        return pd.DataFrame({column: [] for column in AREA_COLUMNS})
    codes = prep.area_code
    n_areas = len(prep.area_names)
    inside = codes >= 0
    w = prep.weight
    total = np.bincount(codes[inside], weights=w[inside], minlength=n_areas)
    hit = inside & covered
    got = np.bincount(codes[hit], weights=w[hit], minlength=n_areas)
    frame = pd.DataFrame(
        {
            "area": prep.area_names,
            "total_weight": total,
            "covered_weight": got,
            "share": np.divide(got, total, out=np.full(n_areas, np.nan), where=total > 0),
            "n_demand_points": np.bincount(codes[inside], minlength=n_areas),
            "n_covered_points": np.bincount(codes[hit], minlength=n_areas),
        }
    )
    # Worst covered first; among equal shares (many 0 %), most demand left out first.
    frame["_left_out"] = frame["total_weight"] - frame["covered_weight"]
    frame = frame.sort_values(["share", "_left_out", "area"], ascending=[True, False, True])
    return frame.drop(columns="_left_out").reset_index(drop=True)


def suggested_k(curve: pd.DataFrame, *, min_gain_share: float = 0.01, max_k: int = 10) -> int:
    """A default number of sites: as many as each add at least ``min_gain_share`` of the demand.

    A default of "all candidates" with few candidates gives sites that cover nothing (or
    almost nothing); this stops where one more site adds less than ``min_gain_share``
    (1 %) of the total demand weight, and at ``max_k``.

    Parameters
    ----------
    curve : DataFrame
        A coverage curve (:func:`coverage_curve`, the greedy one is enough), from k = 1.
    min_gain_share : float
        Smallest useful gain of one more site, as a share (0-1) of the total demand.
    max_k : int
        Upper bound of the suggestion.
    """
    total = float(curve.attrs.get("total_weight", 0.0))
    if total <= 0 or curve.empty:
        return 1
    useful = curve.loc[curve["marginal_gain"].to_numpy(dtype=float) >= min_gain_share * total]
    k = int(useful["k"].max()) if len(useful) else 1
    return max(1, min(k, max_k))


def format_weight(value: float) -> str:
    """A weight for text: whole numbers with thousands separators, else 1 decimal."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
