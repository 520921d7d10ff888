"""Validating and preparing the planner's inputs: one metric CRS, arrays, the coverage matrix.

Every user mistake is caught here, before any solving, and raised as a
:mod:`hotspots.errors` exception whose message names the argument, the value, what is
allowed and the fix.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from hotspots.errors import (
    ColumnError,
    EmptyDataError,
    InputError,
    Option,
    describe,
    given,
    invalid,
    literal,
)
from hotspots.outreach.coverage import coverage_matrix, nearest_distance_m
from hotspots.spatial.projection import choose_metric_crs, require_geodata, to_metric

log = logging.getLogger(__name__)

#: How distances are measured, for every output.
DISTANCE_NOTE = "straight-line (Euclidean) distance"


@dataclass(frozen=True, eq=False)
class Prepared:
    """Validated inputs in one metric CRS (metres), with their coverage matrix."""

    demand: gpd.GeoDataFrame  # metric, original geometry
    demand_xy: NDArray[np.float64]
    weight: NDArray[np.float64]
    area_code: NDArray[np.int64] | None
    area_names: pd.Index
    candidates: gpd.GeoDataFrame  # metric points, "name" column
    candidate_xy: NDArray[np.float64]
    fixed: NDArray[np.int64]
    cover: sp.csr_matrix
    crs: CRS
    total_weight: float


def prepare(
    demand: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    k: int,
    radius_m: float,
    weight: str | None,
    name: str | None,
    fixed: Sequence[int | str],
    area: str | None,
    time_limit_s: float | None,
    k_argument: str = "k",
) -> Prepared:
    """Validate every input, project to one metric CRS and build the coverage matrix."""
    require_geodata(demand, "demand")
    require_geodata(candidates, "candidates")
    fixed = [fixed] if isinstance(fixed, str) else list(fixed)
    if len(demand) == 0:
        raise EmptyDataError("demand has no rows; there is nothing to cover.")
    if len(candidates) == 0:
        raise EmptyDataError(
            "candidates has no rows. Give at least k candidate sites (a file of partner "
            "locations, or hotspots.outreach.candidate_sites(cells_or_areas))."
        )
    _check_k(k, len(candidates), n_fixed=len(fixed), argument=k_argument)
    _check_radius(radius_m)
    if time_limit_s is not None and not (
        _is_number(time_limit_s) and np.isfinite(float(time_limit_s)) and float(time_limit_s) > 0
    ):
        raise invalid(
            "time_limit_s", time_limit_s, "a positive number of seconds or None", "E.g. 60."
        )

    weights = _weights(demand, weight)
    require_geometry(demand, "demand")
    require_geometry(candidates, "candidates")
    crs = choose_metric_crs(demand)
    demand_m = to_metric(demand, crs)
    demand_points = centre_points(demand_m.geometry.values, "demand")
    demand_xy = shapely.get_coordinates(demand_points)

    area_code: NDArray[np.int64] | None = None
    area_names = pd.Index([])
    if area is not None:
        if area not in demand.columns:
            raise ColumnError(
                f"area={area!r} is not a column of demand; columns are "
                f"{describe(list(map(str, demand.columns.drop(demand.geometry.name))))}. "
                "Name the column with each row's neighbourhood or area, or use area=None."
            )
        codes, uniques = pd.factorize(demand[area], sort=True)
        area_code = np.asarray(codes, dtype=np.int64)
        area_names = pd.Index(uniques)
        missing = int(np.count_nonzero(area_code < 0))
        if missing:
            log.info(
                "%s demand rows have no %s and are left out of the per-area view", missing, area
            )

    cands_m = to_metric(candidates, crs)
    site_points = centre_points(cands_m.geometry.values, "candidates")
    names = site_names(cands_m, name=name, prefix="Site", argument="candidates")
    sites = gpd.GeoDataFrame(
        {"name": names, "candidate": candidates.index.to_numpy()},
        geometry=site_points,
        crs=crs,
    )
    candidate_xy = shapely.get_coordinates(site_points)
    fixed_pos = _resolve_fixed(fixed, names=names, index=candidates.index)

    cover = coverage_matrix(demand_xy, candidate_xy, radius_m=float(radius_m))
    if cover.nnz == 0:
        gap_m = nearest_distance_m(demand_xy, candidate_xy)
        raise InputError(
            literal(f"None of the {len(candidates):,} candidates lies within ")
            + "{0}"
            + literal(
                f" of any demand point: the nearest candidate is {gap_m:,.0f} m from the "
                "nearest demand point. "
            )
            + "Check that candidates and demand cover the same place (and that their CRSs "
            "are right), or raise the radius ({1}).",
            options=(given("radius_m", radius_m), Option("radius_m", math.ceil(gap_m / 100) * 100)),
        )
    total = float(weights.sum())
    log.info(
        "Coverage: %s demand points, %s candidates, %s pairs within %g m (%s)",
        f"{len(demand):,}",
        f"{len(candidates):,}",
        f"{cover.nnz:,}",
        radius_m,
        f"{DISTANCE_NOTE} in {crs.name}",
    )
    return Prepared(
        demand=demand_m,
        demand_xy=demand_xy,
        weight=weights,
        area_code=area_code,
        area_names=area_names,
        candidates=sites,
        candidate_xy=candidate_xy,
        fixed=fixed_pos,
        cover=cover,
        crs=crs,
        total_weight=total,
    )


def require_geometry(frame: gpd.GeoDataFrame, argument: str) -> None:
    geoms = frame.geometry.values
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bad.any():
        labels = frame.index[bad][:5].tolist()
        raise InputError(
            f"{argument} has {int(bad.sum()):,} row(s) without a location (missing or empty "
            f"geometry), e.g. rows {describe(labels)}. Drop them first: "
            f"{argument} = {argument}[~{argument}.geometry.is_empty & "
            f"{argument}.geometry.notna()] (and keep them in your reject report)."
        )


def centre_points(geoms: NDArray[np.object_], argument: str) -> NDArray[np.object_]:
    """Points as they are; other geometries by their centroid, or a point inside if outside."""
    kinds = shapely.get_type_id(geoms)
    is_point = kinds == 0
    if is_point.all():
        return np.asarray(geoms, dtype=object)
    out = np.asarray(geoms, dtype=object).copy()
    others = np.asarray(geoms, dtype=object)[~is_point]
    centroids = shapely.centroid(others)
    inside = shapely.intersects(others, centroids)
    out[~is_point] = np.where(inside, centroids, shapely.point_on_surface(others))
    log.info(
        "%s: %s non-point geometries represented by their centres (%s by a point inside "
        "because the centroid fell outside)",
        argument,
        f"{int((~is_point).sum()):,}",
        f"{int((~inside).sum()):,}",
    )
    return out


def site_names(
    frame: gpd.GeoDataFrame, *, name: str | None, prefix: str, argument: str
) -> NDArray[np.object_]:
    column = name if name is not None else ("name" if "name" in frame.columns else None)
    generated = np.array([f"{prefix} {label}" for label in frame.index.tolist()], dtype=object)
    if column is None:
        log.info("%s has no 'name' column; names generated as '%s <row label>'", argument, prefix)
        return generated
    if column not in frame.columns:
        raise ColumnError(
            f"name={column!r} is not a column of {argument}; columns are "
            f"{describe(list(map(str, frame.columns.drop(frame.geometry.name))))}. Name the "
            "column that holds the site names, or leave name=None to generate names."
        )
    values = frame[column]
    missing = values.isna().to_numpy()
    text = values.astype("string").to_numpy(dtype=object, na_value=None)
    if missing.any():
        log.info("%d %s rows have no name; generated names used", int(missing.sum()), argument)
    return np.where(missing, generated, text).astype(object)


def _weights(demand: gpd.GeoDataFrame, weight: str | None) -> NDArray[np.float64]:
    if weight is None:
        return np.ones(len(demand), dtype=np.float64)
    if weight not in demand.columns:
        raise ColumnError(
            f"weight={weight!r} is not a column of demand; columns are "
            f"{describe(list(map(str, demand.columns.drop(demand.geometry.name))))}. Name the "
            "column with the weights, or use weight=None to count every row once."
        )
    column = demand[weight]
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        raise ColumnError(
            f"weight={weight!r} holds {column.dtype} values, not numbers. Convert it "
            f"(pd.to_numeric(demand[{weight!r}])) or use weight=None to count every row once."
        )
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise InputError(
            f"weight={weight!r} has {int(bad.sum()):,} missing or infinite value(s), e.g. in rows "
            f"{describe(demand.index[bad][:5].tolist())}. Fill them "
            f"(demand[{weight!r}].fillna(0)) or drop those rows first."
        )
    negative = values < 0
    if negative.any():
        raise InputError(
            f"weight={weight!r} has {int(negative.sum()):,} negative value(s) (smallest "
            f"{values.min():g}); weights must be >= 0. Fix or drop those rows first."
        )
    if values.sum() <= 0:
        raise EmptyDataError(
            f"weight={weight!r} sums to 0, so there is no demand to cover. Check the column "
            "or use weight=None to count every row once."
        )
    return values


def _check_k(k: Any, n_candidates: int, *, n_fixed: int, argument: str) -> None:
    if not _is_whole(k) or int(k) < 1:
        raise invalid(argument, k, "a whole number of sites >= 1", f"For example {argument}=5.")
    if k > n_candidates:
        raise invalid(
            argument,
            k,
            f"at most the number of candidates ({n_candidates})",
            f"Lower {argument} or add candidate sites.",
        )
    if n_fixed > k:
        raise invalid(
            argument,
            k,
            f"at least the number of fixed sites ({n_fixed})",
            f"Raise {argument} to {n_fixed} or more, or fix fewer sites.",
        )


def _check_radius(radius_m: Any) -> None:
    if not _is_number(radius_m) or not np.isfinite(float(radius_m)) or float(radius_m) <= 0:
        raise invalid(
            "radius_m",
            radius_m,
            "a positive distance in metres",
            "For example radius_m=800 (a 10-minute walk).",
        )


def check_choice(argument: str, value: Any, allowed: tuple[Any, ...]) -> Any:
    if value not in allowed:
        raise invalid(argument, value, allowed)
    return value


def check_min_share(value: Any, *, area: str | None, method: str) -> None:
    if not _is_number(value) or not (0 < float(value) <= 1):
        raise invalid(
            "min_share_per_area",
            value,
            "a share between 0 (exclusive) and 1",
            "For example min_share_per_area=0.25 for at least 25% in every area.",
        )
    if area is None:
        raise invalid(
            "area",
            None,
            "a column of demand naming each row's area when min_share_per_area is set",
            "Pass area='neighbourhood' (your column), or drop min_share_per_area.",
        )
    if method != "exact":
        raise invalid(
            "method",
            method,
            "'exact' when min_share_per_area is set",
            "The greedy heuristic cannot honour a per-area minimum.",
        )


def _resolve_fixed(
    fixed: Sequence[int | str], *, names: NDArray[np.object_], index: pd.Index
) -> NDArray[np.int64]:
    """Positions of the fixed sites: names (str) or row labels (int) of the candidates."""
    positions: list[int] = []
    name_series = pd.Series(names)
    for item in list(fixed):
        if isinstance(item, str):
            hits = np.flatnonzero((name_series == item).to_numpy())
            if hits.size == 0:
                raise invalid(
                    "fixed",
                    item,
                    f"names of candidates, e.g. {describe(names[:5].tolist())}",
                    "Check the spelling, or give row labels (int) instead.",
                )
            if hits.size > 1:
                raise invalid(
                    "fixed",
                    item,
                    "a name that is unique among the candidates",
                    f"{hits.size} candidates are called {item!r}; give their row labels "
                    f"{describe(index[hits].tolist())} instead.",
                )
            positions.append(int(hits[0]))
        elif isinstance(item, numbers.Integral) and not isinstance(item, bool):
            where = index.get_indexer([item])
            if where[0] < 0:
                raise invalid(
                    "fixed",
                    item,
                    f"row labels of candidates, e.g. {describe(index[:5].tolist())}",
                    "Give candidates' names (str) or their index labels (int).",
                )
            positions.append(int(where[0]))
        else:
            raise invalid("fixed", item, "candidate names (str) or row labels (int)")
    if len(set(positions)) != len(positions):
        raise invalid("fixed", list(fixed), "each site at most once", "Remove the repeats.")
    return np.asarray(positions, dtype=np.int64)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
