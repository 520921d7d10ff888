"""The verb :func:`evaluate_intervention`: did crime fall in the target, relative to a control?

A short pipeline: periods → areas (target, buffer ring, control, the buffer's control)
→ monthly counts per area → Bowers & Johnson measures, WDD test, Poisson
difference-in-differences, pre-trend test → cautions → an :class:`Evaluation`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from hotspots.errors import ColumnError, EmptyDataError, InputError, Option, invalid, literal
from hotspots.evaluate import cautions as caution
from hotspots.evaluate.areas import (
    TargetArea,
    buffer_ring,
    check_disjoint,
    inside,
    overlap_m2,
    polygons,
    target_area,
)
from hotspots.evaluate.cautions import Caution
from hotspots.evaluate.matching import (
    DEFAULT_CONTROL_CELL_SIZE_M,
    ControlMatch,
    match_control,
)
from hotspots.evaluate.periods import Periods, make_periods
from hotspots.evaluate.wording import (
    did_sentence,
    displacement_sentence,
    net_sentence,
    wdd_sentence,
)
from hotspots.spatial.projection import require_metric
from hotspots.stats.intervention import (
    WDD,
    BowersJohnson,
    DiD,
    PreTrend,
    bowers_johnson,
    poisson_did,
    pretrend_test,
    weighted_displacement_difference,
)

if TYPE_CHECKING:
    from hotspots.analysis import Analysis

log = logging.getLogger(__name__)

#: The areas of an evaluation, in drawing and table order.
ROLES: tuple[str, ...] = ("target", "buffer", "control", "buffer_control")
#: Columns of :attr:`Evaluation.monthly`.
MONTHLY_COLUMNS = ("month", "period", *ROLES)
DEFAULT_BUFFER_M = 400.0

AreaInput: TypeAlias = gpd.GeoDataFrame | str | Path


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The result of :func:`evaluate_intervention`.

    Attributes
    ----------
    counts : dict
        ``{role: (before, after)}`` incident counts for ``target``, ``control`` and, with a
        buffer, ``buffer`` and ``buffer_control``.
    measures : BowersJohnson
        Success measure, WDQ and total net effect.
    wdd : WDD
        Weighted displacement difference test.
    did : DiD or None
        Poisson difference-in-differences on monthly counts (None when too few incidents).
    pretrend : PreTrend or None
        Target and control trends before the intervention (None when it cannot be tested).
    monthly : DataFrame
        :data:`MONTHLY_COLUMNS`: one row per month of both periods (``month`` as
        ``YYYY-MM``, ``period`` "before"/"after", counts per role; buffer columns are 0
        without a buffer).
    areas : GeoDataFrame
        ``role``, ``name``, ``geometry`` (metric CRS): the target's parts, the buffer, the
        control and the buffer's control.
    target : TargetArea
    periods : Periods
    control_match, buffer_control_match : ControlMatch or None
        How an automatic control was matched (None when it came from a file).
    cautions : tuple of Caution
    params : dict
        Every parameter, ready for JSON.
    """

    counts: dict[str, tuple[int, int]]
    measures: BowersJohnson
    wdd: WDD
    did: DiD | None
    pretrend: PreTrend | None
    monthly: pd.DataFrame
    areas: gpd.GeoDataFrame
    target: TargetArea
    periods: Periods
    control_match: ControlMatch | None
    buffer_control_match: ControlMatch | None
    cautions: tuple[Caution, ...]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def has_buffer(self) -> bool:
        return "buffer" in self.counts

    def change(self, role: str) -> float | None:
        """Relative change after vs before in ``role`` (None when it had none before)."""
        before, after = self.counts[role]
        return after / before - 1.0 if before > 0 else None

    def summary(self) -> list[str]:
        """The result in a few honest sentences, headline first."""
        rb, ra = self.counts["target"]
        cb, ca = self.counts["control"]
        lines = [
            f"In the target, incidents went from {rb:,} ({self.periods.label('before')}) to "
            f"{ra:,} ({self.periods.label('after')}){_pct_text(self.change('target'))}; in the "
            f"control from {cb:,} to {ca:,}{_pct_text(self.change('control'))}.",
            did_sentence(self.did),
            wdd_sentence(self.wdd),
            displacement_sentence(self.measures),
            net_sentence(self.measures),
            "These figures are associations with the intervention period, not proof that the "
            "intervention caused them: the control stands in for what would have happened "
            "without it.",
        ]
        return lines


def evaluate_intervention(
    incidents: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame | Analysis | Mapping[str, Any] | str | Path,
    *,
    before: str | tuple[str, str],
    after: str | tuple[str, str],
    buffer_m: float = DEFAULT_BUFFER_M,
    control: AreaInput | Literal["auto"] = "auto",
    buffer_control: AreaInput | Literal["auto"] = "auto",
    offenses: Sequence[str] | None = None,
    control_cell_size_m: float = DEFAULT_CONTROL_CELL_SIZE_M,
    chosen_for_hotness: bool | None = None,
) -> Evaluation:
    """Evaluate an intervention: target vs buffer vs control, before vs after.

    Parameters
    ----------
    incidents : GeoDataFrame
        Incidents in the ingest schema (``occurred_at``, ``offense``, points in a metric CRS),
        e.g. ``hotspots.read_incidents(...).incidents``.
    target : GeoDataFrame, Analysis, dict or path
        Where the intervention happened: polygons (file or GeoDataFrame), a ``plan.json``
        (its sites as circles of their radius), or an analysis (its significant hot cells).
    before, after : str or (start, end)
        Whole months, ``"2018-01..2018-12"``. ``after`` must start after ``before`` ends;
        leave a gap for the months the intervention was being set up.
    buffer_m : float
        Width in metres of the displacement buffer ring around the target (0: none).
    control : GeoDataFrame, path or "auto"
        Comparison area; ``"auto"`` matches grid cells of ``control_cell_size_m`` on the
        target's level and trend before, away from target and buffer.
    buffer_control : GeoDataFrame, path or "auto"
        Comparison area of the buffer for the WDD test (matched to the buffer by default).
    offenses : sequence of str, optional
        Offense categories to count (default: all).
    control_cell_size_m : float
        Side in metres of the cells an automatic control is built from.
    chosen_for_hotness : bool, optional
        Whether the target was chosen for having much crime (default: True for plans and
        hot cells); it adds the regression-to-the-mean warning.

    Returns
    -------
    Evaluation

    Raises
    ------
    InputError
        Overlapping or backwards periods, periods without data, an empty target, a
        control overlapping the target, a control without incidents.
    """
    crs = require_metric(incidents, "incidents")
    periods = make_periods(before, after)
    selected = _select(incidents, offenses)
    x, y, month_pos, after_mask, missing = _locate_months(selected, periods)
    area = target_area(target, crs=crs, chosen_for_hotness=chosen_for_hotness)
    target_geom = area.geometry
    buffer_geom = buffer_ring(target_geom, float(buffer_m))
    taken = target_geom if buffer_geom is None else shapely.union(target_geom, buffer_geom)
    before_rows = (month_pos >= 0) & ~after_mask
    n_before = len(periods.before_months)

    control_match, control_geom = _control(
        control, "control", target_geom, taken, x, y, month_pos, before_rows, n_before, crs,
        control_cell_size_m,
    )  # fmt: skip
    found: list[Caution] = []
    found += caution.overlap_caution(overlap_m2(control_geom, buffer_geom) / 1e6)
    geoms: dict[str, shapely.Geometry] = {"target": target_geom, "control": control_geom}
    buffer_match = None
    if buffer_geom is not None:
        buffer_match, buffer_control_geom = _control(
            buffer_control, "buffer_control", buffer_geom, shapely.union(taken, control_geom),
            x, y, month_pos, before_rows, n_before, crs, control_cell_size_m,
        )  # fmt: skip
        geoms["buffer"] = buffer_geom
        geoms["buffer_control"] = buffer_control_geom

    monthly = _monthly(geoms, x, y, month_pos, periods)
    counts = {
        role: (
            int(monthly.loc[monthly["period"] == "before", role].sum()),
            int(monthly.loc[monthly["period"] == "after", role].sum()),
        )
        for role in ROLES
        if role in geoms
    }
    measures = bowers_johnson(
        target=counts["target"], control=counts["control"], buffer=counts.get("buffer")
    )
    wdd = weighted_displacement_difference(
        target=counts["target"],
        control=counts["control"],
        buffer=counts.get("buffer"),
        buffer_control=counts.get("buffer_control"),
    )
    did, pretrend = _models(monthly)
    found = (
        caution.count_cautions(counts)
        + caution.period_cautions(periods)
        + caution.pretrend_caution(pretrend, before_months=n_before)
        + caution.selection_cautions(area, periods)
        + found
        + caution.missing_month_caution(missing)
    )
    if did is None:
        found.append(
            Caution(
                "no_did",
                "The month-by-month estimate needs incidents in the target and the control in "
                "both periods.",
                "Widen the target or control, or lengthen the periods.",
            )
        )
    for item in found:
        log.debug("Caution: %s", item)
    params = {
        "target": area.description,
        "target_kind": area.kind,
        "chosen_for_hotness": area.chosen_for_hotness,
        "selection": area.selection,
        "buffer_m": float(buffer_m),
        "control": "auto" if control_match is not None else "given",
        "buffer_control": (
            None if buffer_geom is None else ("auto" if buffer_match is not None else "given")
        ),
        "control_cell_size_m": float(control_cell_size_m),
        "offenses": sorted(offenses) if offenses is not None else None,
        "periods": periods.as_dict(),
        "crs": crs.to_string(),
        "incidents_used": int((month_pos >= 0).sum()),
        "areas_km2": {role: float(shapely.area(g)) / 1e6 for role, g in geoms.items()},
        "method": {
            "success_wdq_net_effect": "Bowers & Johnson (2003)",
            "wdd": "Wheeler & Ratcliffe (2018), Poisson variance, two-sided normal p",
            "did": "Poisson GLM (statsmodels) of monthly counts: area + month + after x target; "
            "standard errors scaled by max(1, Pearson dispersion); 95% Wald interval",
            "pretrend": "Poisson GLM of before-period monthly counts with a time x target term",
        },
    }
    return Evaluation(
        counts=counts,
        measures=measures,
        wdd=wdd,
        did=did,
        pretrend=pretrend,
        monthly=monthly,
        areas=_areas_frame(area, geoms, crs),
        target=area,
        periods=periods,
        control_match=control_match,
        buffer_control_match=buffer_match,
        cautions=tuple(found),
        params=params,
    )


# -- steps ----------------------------------------------------------------------------------


def _select(incidents: gpd.GeoDataFrame, offenses: Sequence[str] | None) -> gpd.GeoDataFrame:
    for column in ("occurred_at", "offense"):
        if column not in incidents.columns:
            raise ColumnError(
                f"incidents has no {column!r} column; read the file with "
                "hotspots.read_incidents(...) first, which adds it."
            )
    if offenses is None:
        return incidents
    if isinstance(offenses, str):
        offenses = [offenses]
    known = set(incidents["offense"].astype("string").dropna().unique())
    unknown = sorted(set(offenses) - known)
    if unknown:
        raise invalid(
            "offenses",
            unknown,
            sorted(known),
            "Offense names must match the data exactly (see the offense column).",
        )
    return incidents.loc[incidents["offense"].isin(list(offenses)).to_numpy()]


def _locate_months(
    incidents: gpd.GeoDataFrame, periods: Periods
) -> tuple[
    NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], NDArray[np.bool_], list[str]
]:
    """Coordinates, month position within the periods (-1: outside), after flag, empty months."""
    if len(incidents) == 0:
        raise EmptyDataError("No incidents to evaluate (after the offense filter); check offenses.")
    times = incidents["occurred_at"]
    local = times.dt.tz_localize(None) if getattr(times.dt, "tz", None) is not None else times
    month = local.dt.to_period("M")
    first, last = month.min(), month.max()
    months = periods.months
    outside = [str(m) for m in months if m < first or m > last]
    if outside:
        raise InputError(
            literal(
                f"The periods include months the data do not cover ({', '.join(outside[:4])}"
                f"{'...' if len(outside) > 4 else ''}); the data run from {first} to {last}. "
            )
            + "Choose {0} and {1} within that range.",
            options=(Option("before"), Option("after")),
        )
    lookup = pd.Series(np.arange(len(months), dtype=np.int64), index=months)
    position = month.map(lookup).fillna(-1).to_numpy(dtype=np.int64)
    per_month = np.bincount(position[position >= 0], minlength=len(months))
    n_before = len(periods.before_months)
    for name, part in (("before", per_month[:n_before]), ("after", per_month[n_before:])):
        if part.sum() == 0:
            raise EmptyDataError(
                f"The {name} period ({periods.label(name)}) has no incidents at all in the data; "
                "choose a period the data cover."
            )
    missing = [str(m) for m, n in zip(months, per_month, strict=True) if n == 0]
    xy = shapely.get_coordinates(incidents.geometry.to_numpy())
    if len(xy) != len(incidents):
        raise InputError("Every incident must be a single point; read them with read_incidents.")
    return xy[:, 0], xy[:, 1], position, position >= n_before, missing


def _control(
    given: AreaInput | str,
    argument: str,
    target: shapely.Geometry,
    exclude: shapely.Geometry,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    month_pos: NDArray[np.int64],
    before_rows: NDArray[np.bool_],
    n_before: int,
    crs: CRS,
    cell_size_m: float,
) -> tuple[ControlMatch | None, shapely.Geometry]:
    if isinstance(given, str) and given == "auto":
        match = match_control(
            x[before_rows],
            y[before_rows],
            month_pos[before_rows],
            target=target,
            exclude=exclude,
            n_months=n_before,
            crs=crs,
            cell_size_m=cell_size_m,
        )
        return match, match.geometry
    geometry = shapely.union_all(polygons(given, crs=crs, argument=argument).geometry.to_numpy())
    if argument == "control":
        check_disjoint("target", target, "control", geometry, "control")
    else:
        check_disjoint(
            "target, buffer and control", exclude, "buffer control", geometry, "buffer_control"
        )
    return None, geometry


def _monthly(
    geoms: dict[str, shapely.Geometry],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    month_pos: NDArray[np.int64],
    periods: Periods,
) -> pd.DataFrame:
    months = periods.months
    in_period = month_pos >= 0
    n_before = len(periods.before_months)
    frame = pd.DataFrame(
        {
            "month": [str(m) for m in months],
            "period": ["before"] * n_before + ["after"] * (len(months) - n_before),
        }
    )
    for role in ROLES:
        if role in geoms:
            rows = in_period & inside(geoms[role], x, y)
            frame[role] = np.bincount(month_pos[rows], minlength=len(months)).astype(np.int64)
        else:
            frame[role] = np.zeros(len(months), dtype=np.int64)
    return frame


def _models(monthly: pd.DataFrame) -> tuple[DiD | None, PreTrend | None]:
    after = (monthly["period"] == "after").to_numpy()
    try:
        did = poisson_did(monthly["target"], monthly["control"], after)
    except InputError:
        did = None
    before = monthly.loc[~after]
    try:
        pretrend = pretrend_test(before["target"], before["control"]) if len(before) >= 6 else None
    except InputError:
        pretrend = None
    return did, pretrend


def _areas_frame(
    area: TargetArea, geoms: dict[str, shapely.Geometry], crs: CRS
) -> gpd.GeoDataFrame:
    rows: list[tuple[str, str, shapely.Geometry]] = [
        ("target", str(name), geom)
        for name, geom in zip(area.parts["name"], area.parts.geometry, strict=True)
    ]
    labels = {
        "buffer": "Displacement buffer",
        "control": "Control",
        "buffer_control": "Buffer control",
    }
    rows += [(role, labels[role], geoms[role]) for role in ROLES[1:] if role in geoms]
    role, name, geometry = zip(*rows, strict=True)
    return gpd.GeoDataFrame({"role": role, "name": name}, geometry=list(geometry), crs=crs)


def _pct_text(change: float | None) -> str:
    return "" if change is None else f" ({change:+.0%})"
