"""Why a minimum coverage share in every area cannot be met, worked out precisely.

When ``plan_outreach(..., min_share_per_area=s)`` has no solution, the planner does
not just say "infeasible". It works out, in this order:

1. areas that cannot reach ``s`` even with *every* candidate open (too little of their
   demand lies within the radius of any candidate);
2. areas that could, but not with ``k`` sites even if every site served that area alone;
3. the fewest sites that would meet ``s`` everywhere at once, and the best share that
   ``k`` sites can guarantee in every area.

The answer is raised as :class:`FairnessInfeasibleError` whose message states all of
this and whose attributes carry the numbers for the app and the CLI.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hotspots.errors import InputError, Option, given, literal
from hotspots.outreach.coverage import ReducedProblem
from hotspots.outreach.solvers import greedy, solve_max_min_share, solve_mclp, solve_min_sites

log = logging.getLogger(__name__)

#: Areas listed by name in the message (the rest are counted).
MAX_AREAS_IN_MESSAGE = 8

#: Columns of :attr:`FairnessInfeasibleError.diagnosis`.
DIAGNOSIS_COLUMNS = (
    "area",
    "total_weight",
    "reachable_share",
    "best_share_with_k",
    "reason",
)


class FairnessInfeasibleError(InputError):
    """``min_share_per_area`` cannot be met; the message says where and why.

    Attributes
    ----------
    diagnosis : pandas.DataFrame
        One row per area that cannot reach the required share on its own, worst first:
        ``area``, ``total_weight``, ``reachable_share`` (share within ``radius_m`` of any
        candidate), ``best_share_with_k`` (best share ``k`` sites could give that area
        alone), ``reason`` (``"out of reach"`` or ``"k too small"``). Empty when every
        area could reach it alone and only their combination fails.
    min_sites : int or None
        Fewest sites (fixed ones included) that meet the requirement everywhere, or
        ``None`` when no number of these candidates can.
    min_sites_proven : bool
        ``False`` when the search for ``min_sites`` stopped at the time limit (fewer
        sites might suffice).
    best_min_share : float or None
        The largest share that ``k`` sites can guarantee in every area at once.
    """

    def __init__(
        self,
        message: str,
        *,
        options: Sequence[Option] = (),
        diagnosis: pd.DataFrame,
        min_sites: int | None,
        min_sites_proven: bool,
        best_min_share: float | None,
    ) -> None:
        super().__init__(message, options=options)
        self.diagnosis = diagnosis
        self.min_sites = min_sites
        self.min_sites_proven = min_sites_proven
        self.best_min_share = best_min_share


def area_requirements(
    problem: ReducedProblem, area_total: NDArray[np.float64], min_share: float
) -> NDArray[np.float64]:
    """Weight each area still needs from the free sites (after the fixed ones)."""
    return np.maximum(min_share * area_total - problem.fixed_weight_by_area, 0.0)


def reachable_by_area(problem: ReducedProblem, n_areas: int) -> NDArray[np.float64]:
    """Weight of each area within reach of any candidate (fixed or free), in weight units."""
    inside = problem.group_area >= 0
    free = np.bincount(
        problem.group_area[inside], weights=problem.weight[inside], minlength=n_areas
    )
    return problem.fixed_weight_by_area + free


def diagnose(
    problem: ReducedProblem,
    *,
    k: int,
    min_share: float,
    area_names: pd.Index,
    area_total: NDArray[np.float64],
    radius_m: float,
    time_limit_s: float | None,
) -> FairnessInfeasibleError:
    """Work out why ``min_share`` cannot be met in every area; return the error to raise.

    Parameters
    ----------
    problem : ReducedProblem
        The reduced covering problem (fixed sites already taken out).
    k : int
        Sites requested, fixed ones included.
    min_share : float
        The required share in (0, 1].
    area_names : pandas.Index
        Area labels by area code.
    area_total : ndarray
        Total demand weight of each area.
    radius_m : float
        Service radius in metres (for the message).
    time_limit_s : float, optional
        Time limit of each solver run, in seconds.
    """
    n_areas = area_total.size
    n_fixed = problem.fixed.size
    k_free = k - n_fixed
    valid = area_total > 0
    safe_total = np.where(valid, area_total, 1.0)
    reachable = reachable_by_area(problem, n_areas) / safe_total
    required = area_requirements(problem, area_total, min_share)
    needs = valid & (required > 0)

    out_of_reach = needs & (reachable < min_share * (1.0 - 1e-9))
    best_alone = np.full(n_areas, np.nan)
    too_few = np.zeros(n_areas, dtype=bool)
    # Areas that can be reached: can k sites serving that area alone reach the share?
    for a in np.flatnonzero(needs & ~out_of_reach).tolist():
        rows = np.flatnonzero(problem.group_area == a)
        cover = problem.cover[rows]
        weight = problem.weight[rows]
        quick = greedy(cover, weight, k=k_free)
        if quick.value >= required[a] * (1.0 - 1e-9):
            continue
        exact = solve_mclp(cover, weight, k=k_free, time_limit_s=time_limit_s)
        best = max(exact.value, quick.value)
        if best < required[a] * (1.0 - 1e-9):
            too_few[a] = True
            best_alone[a] = (problem.fixed_weight_by_area[a] + best) / safe_total[a]
    for a in np.flatnonzero(out_of_reach).tolist():
        rows = np.flatnonzero(problem.group_area == a)
        exact = solve_mclp(
            problem.cover[rows], problem.weight[rows], k=k_free, time_limit_s=time_limit_s
        )
        best_alone[a] = (problem.fixed_weight_by_area[a] + exact.value) / safe_total[a]

    min_sites: int | None = None
    min_sites_proven = False
    if not out_of_reach.any():
        fewest = solve_min_sites(
            problem.cover,
            problem.weight,
            group_area=problem.group_area,
            area_required=required,
            time_limit_s=time_limit_s,
        )
        if fewest.status in ("optimal", "feasible"):
            min_sites = int(fewest.value) + n_fixed
            min_sites_proven = fewest.status == "optimal"
    best_min = solve_max_min_share(
        problem.cover,
        problem.weight,
        k=k_free,
        group_area=problem.group_area,
        area_total=np.where(valid, area_total, 0.0),
        area_base=problem.fixed_weight_by_area,
        time_limit_s=time_limit_s,
    )
    best_min_share = best_min.value if best_min.status in ("optimal", "feasible") else None

    bad = np.flatnonzero(out_of_reach | too_few)
    diagnosis = pd.DataFrame(
        {
            "area": area_names[bad],
            "total_weight": area_total[bad],
            "reachable_share": reachable[bad],
            "best_share_with_k": best_alone[bad],
            "reason": np.where(out_of_reach[bad], "out of reach", "k too small"),
        },
        columns=list(DIAGNOSIS_COLUMNS),
    )
    diagnosis = diagnosis.sort_values(
        ["best_share_with_k", "reachable_share"], kind="stable"
    ).reset_index(drop=True)
    message, options = _message(
        diagnosis,
        k=k,
        min_share=min_share,
        radius_m=radius_m,
        min_sites=min_sites,
        min_sites_proven=min_sites_proven,
        best_min_share=best_min_share,
        best_min_proven=best_min.status == "optimal",
    )
    error = FairnessInfeasibleError(
        message,
        options=options,
        diagnosis=diagnosis,
        min_sites=min_sites,
        min_sites_proven=min_sites_proven,
        best_min_share=best_min_share,
    )
    log.info("Fairness requirement infeasible: %s", error)
    return error


def _message(
    diagnosis: pd.DataFrame,
    *,
    k: int,
    min_share: float,
    radius_m: float,
    min_sites: int | None,
    min_sites_proven: bool,
    best_min_share: float | None,
    best_min_proven: bool,
) -> tuple[str, tuple[Option, ...]]:
    """The message template (percent signs and area names made literal) and its options."""
    # {0}, {1}, {2}: the values given; {3}, {4}, {5}: the options of the fixes.
    options: list[Option] = [
        given("min_share_per_area", min_share),
        given("k", k),
        given("radius_m", radius_m),
        Option("min_share_per_area"),
        Option("k"),
        Option("radius_m"),
    ]
    lines = ["{0} cannot be met with {1} and {2} (straight-line distance)."]
    for row in diagnosis.head(MAX_AREAS_IN_MESSAGE).itertuples(index=False):
        if row.reason == "out of reach":
            lines.append(
                f"- Area {literal(repr(str(row.area)))} (total weight {row.total_weight:,.4g}): only "
                f"{row.reachable_share:.1%} of its demand lies within {radius_m:,.0f} m of any "
                f"candidate, even with every candidate open"
                + (
                    f"; {k} sites can cover at most {row.best_share_with_k:.1%} of it."
                    if not math.isnan(row.best_share_with_k)
                    else "."
                )
            )
        else:
            lines.append(
                f"- Area {literal(repr(str(row.area)))} (total weight {row.total_weight:,.4g}): the best "
                f"{k} sites for this area alone cover {row.best_share_with_k:.1%} of it "
                f"({row.reachable_share:.1%} is within reach of some candidate): k is too small."
            )
    if len(diagnosis) > MAX_AREAS_IN_MESSAGE:
        lines.append(f"- ... and {len(diagnosis) - MAX_AREAS_IN_MESSAGE} more area(s).")
    if diagnosis.empty:
        lines.append(
            f"- Every area could reach {_percent(min_share)} on its own, but no {k} sites do it for "
            "all areas at once (the areas compete for the same sites)."
        )
    fixes = []
    if best_min_share is not None:
        qualifier = "" if best_min_proven else " at least"
        lines.append(
            f"With {k} sites the best share that can be guaranteed in every area is"
            f"{qualifier} {best_min_share:.1%}."
        )
        if best_min_share > 0:
            lower = math.floor(best_min_share * 1000) / 1000
            options[3] = Option("min_share_per_area", lower)
            fixes.append("lower the share ({3})")
    if min_sites is not None:
        qualifier = "" if min_sites_proven else " at most"
        lines.append(
            f"Meeting {_percent(min_share)} everywhere needs{qualifier} {min_sites} sites."
        )
        options[4] = Option("k", min_sites)
        fixes.append("raise the number of sites ({4})")
    else:
        lines.append(f"No number of these candidates reaches {_percent(min_share)} in every area.")
    fixes.append("raise the radius ({5}), or add candidate sites in or near the areas named")
    lines.append("Fix: " + "; ".join(fixes) + ".")
    return "\n".join(lines), tuple(options)


def _percent(share: float) -> str:
    """0.5 -> "50%", 0.125 -> "12.5%"."""
    return f"{100 * share:.1f}".rstrip("0").rstrip(".") + "%"
