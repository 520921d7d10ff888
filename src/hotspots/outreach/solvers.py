"""Solvers for the Maximal Covering Location Problem (MCLP) on a reduced problem.

All functions work on a :class:`~hotspots.outreach.coverage.ReducedProblem`-style
input: a binary CSR matrix ``cover`` (demand groups × free candidate sites) and the
group weights. Fixed sites were already taken out (their coverage is a constant), so
``k`` here is the number of *free* sites to open.

- :func:`greedy` — the classic greedy: open the site with the largest marginal gain,
  repeat; vectorised as one sparse matrix-vector product per step.
- :func:`solve_mclp` — the exact model (Church & ReVelle 1974) with PuLP and CBC::

      max  sum_i w_i y_i
      s.t. y_i <= sum_{j covers i} x_j      for every demand group i
           sum_j x_j <= k
           sum_{i in a} w_i y_i >= r_a      for every area a with a requirement
           x_j in {0, 1},  0 <= y_i <= 1

  ``y`` may be continuous: for integral ``x`` an optimal ``y_i`` is ``min(1, sum x)``,
  which is 0 or 1, and both objective and area constraints only gain from larger ``y``.
  With ``<= k`` instead of ``= k`` the optimum is the same (opening a site never loses
  coverage); the caller pads the answer to ``k`` sites.
  Before CBC runs, the linear relaxation (``x`` continuous in [0, 1]) is solved in-process
  with HiGHS (:func:`scipy.optimize.linprog`): its optimum bounds every plan from above, so
  when the relaxation's own answer opens whole sites (MCLP relaxations usually do), or the
  greedy start already reaches the bound, that answer is proven optimal without starting a
  CBC process (about 0.1-0.2 s each; a coverage curve solves one model per k). CBC solves
  only the models whose relaxation is fractional, and every model with area requirements.
- :func:`solve_max_min_share` and :func:`solve_min_sites` — the two models behind the
  diagnosis of an infeasible fairness requirement.

Every exact answer carries its status: ``"optimal"`` when CBC proved it, ``"feasible"``
when it stopped at the time limit with a solution (with CBC's bound, so the gap can be
reported), ``"infeasible"`` or ``"no_solution"``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

if TYPE_CHECKING:  # PuLP is imported when a model is built, not with the package
    import pulp

log = logging.getLogger(__name__)

Status = Literal["optimal", "feasible", "heuristic", "infeasible", "no_solution"]
Proof = Literal["cbc", "relaxation", "trivial", "none"]

#: Relative gap under which a plan matching the linear relaxation's bound is optimal
#: (HiGHS's own feasibility tolerance is 1e-7).
RELAXATION_GAP = 1e-7

#: Requirements are relaxed by this relative amount so that meeting one exactly counts.
_REQUIREMENT_SLACK = 1e-9


@dataclass(frozen=True, eq=False)
class Solution:
    """The answer of one solver run on a reduced problem.

    Attributes
    ----------
    chosen : ndarray of int
        Columns (free sites) opened, in the order chosen (greedy) or ascending (exact).
    value : float
        Objective value recomputed from ``chosen``: covered weight (MCLP), the smallest
        area share (max-min) or the number of sites (min sites).
    status : {"optimal", "feasible", "heuristic", "infeasible", "no_solution"}
    bound : float or None
        The solver's best bound on the objective (an upper bound when maximising) when
        it stopped before proving optimality; ``value`` when optimal; else ``None``.
    seconds : float
        Wall-clock time of the solve, in seconds.
    proof : {"cbc", "relaxation", "trivial", "none"}
        What proved an ``"optimal"`` status: CBC's branch and bound, the linear
        relaxation's bound (reached by a plan of whole sites), or a trivial case (every
        site open, nothing to cover); ``"none"`` otherwise.
    """

    chosen: NDArray[np.int64]
    value: float
    status: Status
    bound: float | None
    seconds: float
    proof: Proof = "none"

    @property
    def gap(self) -> float | None:
        """Relative gap ``(bound - value) / bound`` of a maximisation (0 when optimal)."""
        if self.status == "optimal":
            return 0.0
        if self.bound is None or self.status != "feasible" or self.bound <= 0:
            return None
        return max(0.0, (self.bound - self.value) / self.bound)


def covered_value(cover: sp.csr_matrix, weight: NDArray[np.float64], chosen: NDArray[Any]) -> float:
    """Total weight of the rows of ``cover`` that any column in ``chosen`` covers."""
    if cover.shape[0] == 0 or len(chosen) == 0:
        return 0.0
    hit = np.asarray(cover[:, np.asarray(chosen, dtype=np.int64)].sum(axis=1)).ravel() > 0
    return float(weight[hit].sum())


def greedy(cover: sp.csr_matrix, weight: NDArray[np.float64], *, k: int) -> Solution:
    """Open up to ``k`` sites one at a time, each with the largest marginal gain.

    Ties go to the lowest column. The greedy stops early when no site adds anything,
    so ``chosen`` may be shorter than ``k``. Its answer is at least ``1 - 1/e`` (63%)
    of the optimum (Nemhauser, Wolsey & Fisher 1978), usually much closer.
    """
    start = time.perf_counter()
    n, m = cover.shape
    by_site = sp.csc_matrix(cover)
    transposed = sp.csr_matrix(cover.T)
    remaining = np.asarray(weight, dtype=np.float64).copy()
    chosen: list[int] = []
    total = 0.0
    for _ in range(min(k, m)):
        gains = transposed @ remaining
        if chosen:
            gains[chosen] = -1.0
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.append(best)
        total += float(gains[best])
        rows = by_site.indices[by_site.indptr[best] : by_site.indptr[best + 1]]
        remaining[rows] = 0.0
    return Solution(
        chosen=np.asarray(chosen, dtype=np.int64),
        value=covered_value(cover, weight, np.asarray(chosen, dtype=np.int64)) if n else total,
        status="heuristic",
        bound=None,
        seconds=time.perf_counter() - start,
    )


def solve_mclp(
    cover: sp.csr_matrix,
    weight: NDArray[np.float64],
    *,
    k: int,
    group_area: NDArray[np.int64] | None = None,
    area_required: NDArray[np.float64] | None = None,
    time_limit_s: float | None = None,
    warm_start: Sequence[int] | NDArray[np.int64] | None = None,
) -> Solution:
    """Solve the MCLP exactly with CBC (see the module docstring for the model).

    Parameters
    ----------
    cover : scipy.sparse.csr_matrix, shape (n_groups, n_sites)
        Binary coverage of demand groups by free sites.
    weight : ndarray, shape (n_groups,)
        Demand weight of each group.
    k : int
        Number of free sites to open (at most).
    group_area : ndarray of int, optional
        Area code of each group (``-1``: none); needed with ``area_required``.
    area_required : ndarray, optional
        Weight each area must get from the free sites; entries ``<= 0`` or NaN add no
        constraint.
    time_limit_s : float, optional
        CBC's wall-clock limit in seconds; ``None`` for none.
    warm_start : sequence of int, optional
        Sites of a known feasible answer (e.g. the greedy's) handed to CBC as a start.
    """
    import pulp

    start = time.perf_counter()
    n, m = cover.shape
    w = np.asarray(weight, dtype=np.float64)
    required = _requirements(group_area, area_required)
    if k >= m or n == 0 or k == 0:
        chosen = np.arange(m, dtype=np.int64) if k >= m else np.zeros(0, dtype=np.int64)
        feasible = _meets(cover, w, chosen, group_area, required)
        value = covered_value(cover, w, chosen)
        return Solution(
            chosen=chosen,
            value=value,
            status="optimal" if feasible else "infeasible",
            bound=value if feasible else None,
            seconds=time.perf_counter() - start,
            proof="trivial" if feasible else "none",
        )
    if required is None:
        proven = _proven_by_relaxation(
            cover, w, k=k, warm_start=warm_start, time_limit_s=time_limit_s
        )
        if proven is not None:
            chosen, value = proven
            return Solution(
                chosen=chosen,
                value=value,
                status="optimal",
                bound=value,
                seconds=time.perf_counter() - start,
                proof="relaxation",
            )

    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    x, y = _covering_variables(prob, cover)
    prob.setObjective(pulp.LpAffineExpression(list(zip(y, w.tolist(), strict=True))))
    prob.addConstraint(
        pulp.LpConstraint(
            pulp.LpAffineExpression([(v, 1.0) for v in x]), pulp.LpConstraintLE, "sites", k
        )
    )
    _add_area_constraints(prob, y, w, group_area, required)
    if warm_start is not None:
        _set_start(cover, x, y, np.asarray(warm_start, dtype=np.int64))
    status, bound = _run_cbc(prob, time_limit_s=time_limit_s, warm=warm_start is not None)
    chosen = _chosen(x, status)
    value = covered_value(cover, w, chosen)
    if status == "optimal":
        bound = value
    if warm_start is not None and status != "infeasible" and required is None:
        # CBC stopped by its time limit can return a worse answer than the start it was given.
        started = np.asarray(warm_start, dtype=np.int64)
        start_value = covered_value(cover, w, started)
        if start_value > value:
            log.debug("CBC returned %s, below its start %s; keeping the start", value, start_value)
            if status == "optimal":
                status, bound = "feasible", None
            elif status == "no_solution":
                status = "feasible"
            chosen, value = np.sort(started), start_value
    return Solution(
        chosen=chosen,
        value=value,
        status=status,
        bound=bound,
        seconds=time.perf_counter() - start,
        proof="cbc" if status == "optimal" else "none",
    )


def relaxation_bound(
    cover: sp.csr_matrix,
    weight: NDArray[np.float64],
    *,
    k: int,
    time_limit_s: float | None = None,
) -> tuple[float, NDArray[np.float64]] | None:
    """The MCLP's linear relaxation solved by HiGHS: (its optimum, the site values ``x``).

    The optimum is an upper bound on the weight any ``k`` sites can cover. ``None`` when
    HiGHS does not report an optimum within ``time_limit_s`` seconds (it then proves
    nothing).
    """
    from scipy.optimize import linprog

    n, m = cover.shape
    w = np.asarray(weight, dtype=np.float64)
    # Variables [x (m sites), y (n groups)]: max w.y  s.t.  y_i - sum_{j covers i} x_j <= 0,
    # sum x_j <= k, 0 <= x, y <= 1.
    links = sp.hstack([-sp.csr_matrix(cover, dtype=np.float64), sp.identity(n, format="csr")])
    budget = sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, n))])
    result = linprog(
        np.concatenate([np.zeros(m), -w]),
        A_ub=sp.vstack([links, budget], format="csc"),
        b_ub=np.concatenate([np.zeros(n), [float(k)]]),
        bounds=(0.0, 1.0),
        method="highs",
        options={} if time_limit_s is None else {"time_limit": float(time_limit_s)},
    )
    if result.status != 0 or result.x is None:
        log.debug("HiGHS gave no relaxation optimum: %s", result.message)
        return None
    return float(-result.fun), np.asarray(result.x[:m], dtype=np.float64)


def _proven_by_relaxation(
    cover: sp.csr_matrix,
    w: NDArray[np.float64],
    *,
    k: int,
    warm_start: Sequence[int] | NDArray[np.int64] | None,
    time_limit_s: float | None,
) -> tuple[NDArray[np.int64], float] | None:
    """A plan whose covered weight reaches the relaxation's bound, or ``None``.

    Tries the relaxation's own answer when it opens whole sites, and the warm start.
    """
    relaxed = relaxation_bound(cover, w, k=k, time_limit_s=time_limit_s)
    if relaxed is None:
        return None
    bound, x = relaxed
    tries: list[NDArray[np.int64]] = []
    whole = np.minimum(x, 1.0 - x) <= 1e-6
    opened = np.flatnonzero(x > 0.5).astype(np.int64)
    if bool(whole.all()) and opened.size <= k:
        tries.append(opened)
    if warm_start is not None and len(warm_start):
        tries.append(np.sort(np.asarray(warm_start, dtype=np.int64)))
    for chosen in tries:
        value = covered_value(cover, w, chosen)
        if value >= bound - RELAXATION_GAP * max(1.0, abs(bound)):
            log.debug("Relaxation bound %s reached by %d sites: optimal", bound, chosen.size)
            return chosen, value
    return None


def solve_max_min_share(
    cover: sp.csr_matrix,
    weight: NDArray[np.float64],
    *,
    k: int,
    group_area: NDArray[np.int64],
    area_total: NDArray[np.float64],
    area_base: NDArray[np.float64],
    time_limit_s: float | None = None,
) -> Solution:
    """Open ``k`` sites to maximise the smallest per-area coverage share.

    ``area_total`` is each area's total demand weight (areas with zero total are left
    out); ``area_base`` the weight already covered by fixed sites. ``value`` is the
    best smallest share, in [0, 1].
    """
    import pulp

    start = time.perf_counter()
    n, m = cover.shape
    w = np.asarray(weight, dtype=np.float64)
    areas = np.flatnonzero(area_total > 0)
    if k >= m or k == 0 or n == 0 or areas.size == 0:
        chosen = np.arange(m, dtype=np.int64) if k >= m else np.zeros(0, dtype=np.int64)
        value = _min_share(cover, w, chosen, group_area, area_total, area_base)
        return Solution(chosen, value, "optimal", value, time.perf_counter() - start)
    prob = pulp.LpProblem("max_min_share", pulp.LpMaximize)
    x, y = _covering_variables(prob, cover)
    share = _new_variable(prob, "share", 0.0, 1.0, pulp.LpContinuous)
    prob.setObjective(pulp.LpAffineExpression([(share, 1.0)]))
    prob.addConstraint(
        pulp.LpConstraint(
            pulp.LpAffineExpression([(v, 1.0) for v in x]), pulp.LpConstraintLE, "sites", k
        )
    )
    for a in areas.tolist():
        members = np.flatnonzero(group_area == a)
        terms = [(y[i], float(w[i])) for i in members.tolist()]
        terms.append((share, -float(area_total[a])))
        prob.addConstraint(
            pulp.LpConstraint(
                pulp.LpAffineExpression(terms), pulp.LpConstraintGE, f"area_{a}", -area_base[a]
            )
        )
    status, bound = _run_cbc(prob, time_limit_s=time_limit_s, warm=False)
    chosen = _chosen(x, status)
    value = _min_share(cover, w, chosen, group_area, area_total, area_base)
    return _solution(chosen, value, status, bound, start)


def solve_min_sites(
    cover: sp.csr_matrix,
    weight: NDArray[np.float64],
    *,
    group_area: NDArray[np.int64],
    area_required: NDArray[np.float64],
    time_limit_s: float | None = None,
) -> Solution:
    """Fewest free sites that give every area its required weight.

    ``value`` is the number of sites; ``bound`` CBC's lower bound when it stopped at
    the time limit. Status ``"infeasible"`` when even all sites cannot do it.
    """
    import pulp

    start = time.perf_counter()
    w = np.asarray(weight, dtype=np.float64)
    required = _requirements(group_area, area_required)
    m = cover.shape[1]
    everything = np.arange(m, dtype=np.int64)
    nothing = np.zeros(0, dtype=np.int64)
    if _meets(cover, w, nothing, group_area, required):
        return Solution(nothing, 0.0, "optimal", 0.0, time.perf_counter() - start)
    if not _meets(cover, w, everything, group_area, required):
        return Solution(nothing, float("nan"), "infeasible", None, time.perf_counter() - start)
    prob = pulp.LpProblem("min_sites", pulp.LpMinimize)
    x, y = _covering_variables(prob, cover)
    prob.setObjective(pulp.LpAffineExpression([(v, 1.0) for v in x]))
    _add_area_constraints(prob, y, w, group_area, required)
    status, bound = _run_cbc(prob, time_limit_s=time_limit_s, warm=False)
    chosen = _chosen(x, status)
    return _solution(chosen, float(chosen.size), status, bound, start)


# -- model pieces ---------------------------------------------------------------------------


def _chosen(x: list[pulp.LpVariable], status: str) -> NDArray[np.int64]:
    """The opened sites of a solved model (none when CBC found no solution)."""
    return _opened(x) if status in ("optimal", "feasible") else np.zeros(0, dtype=np.int64)


def _solution(
    chosen: NDArray[np.int64], value: float, status: Status, bound: float | None, start: float
) -> Solution:
    """The result of a solve that began at ``start`` (``perf_counter``); proven optimal
    values are their own bound."""
    return Solution(
        chosen=chosen,
        value=value,
        status=status,
        bound=value if status == "optimal" else bound,
        seconds=time.perf_counter() - start,
    )


def _new_variable(
    prob: pulp.LpProblem, name: str, low: float, up: float, cat: str
) -> pulp.LpVariable:
    """A variable owned by ``prob`` (PuLP >= 3.3 API, with a fallback for older PuLP)."""
    import pulp

    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, low, up, cat)
    return pulp.LpVariable(name, low, up, cat)  # pragma: no cover - PuLP < 3.3


def _covering_variables(
    prob: pulp.LpProblem, cover: sp.csr_matrix
) -> tuple[list[pulp.LpVariable], list[pulp.LpVariable]]:
    """Site binaries ``x``, coverage variables ``y`` and the links ``y_i <= sum x_j``."""
    import pulp

    n, m = cover.shape
    x = [_new_variable(prob, f"x_{j}", 0, 1, pulp.LpBinary) for j in range(m)]
    y = [_new_variable(prob, f"y_{i}", 0, 1, pulp.LpContinuous) for i in range(n)]
    indptr = cover.indptr
    indices = cover.indices.tolist()
    # PuLP builds constraints one by one; this loop runs over the merged demand groups.
    for i in range(n):
        terms = [(y[i], 1.0)]
        terms.extend((x[j], -1.0) for j in indices[indptr[i] : indptr[i + 1]])
        prob.addConstraint(
            pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, f"c_{i}", 0)
        )
    return x, y


def _requirements(
    group_area: NDArray[np.int64] | None, area_required: NDArray[np.float64] | None
) -> NDArray[np.float64] | None:
    if area_required is None or group_area is None:
        return None
    required = np.nan_to_num(np.asarray(area_required, dtype=np.float64), nan=0.0)
    return np.where(required > 0, required * (1.0 - _REQUIREMENT_SLACK), 0.0)


def _add_area_constraints(
    prob: pulp.LpProblem,
    y: list[pulp.LpVariable],
    w: NDArray[np.float64],
    group_area: NDArray[np.int64] | None,
    required: NDArray[np.float64] | None,
) -> None:
    import pulp

    if required is None or group_area is None:
        return
    for a in np.flatnonzero(required > 0).tolist():
        members = np.flatnonzero(group_area == a).tolist()
        expr = pulp.LpAffineExpression([(y[i], float(w[i])) for i in members])
        prob.addConstraint(
            pulp.LpConstraint(expr, pulp.LpConstraintGE, f"area_{a}", float(required[a]))
        )


def _meets(
    cover: sp.csr_matrix,
    w: NDArray[np.float64],
    chosen: NDArray[np.int64],
    group_area: NDArray[np.int64] | None,
    required: NDArray[np.float64] | None,
) -> bool:
    if required is None or group_area is None or not np.any(required > 0):
        return True
    if cover.shape[0] == 0 or chosen.size == 0:
        return False
    hit = np.asarray(cover[:, chosen].sum(axis=1)).ravel() > 0
    inside = group_area >= 0
    got = np.bincount(group_area[hit & inside], weights=w[hit & inside], minlength=required.size)
    return bool(np.all(got >= required))


def _min_share(
    cover: sp.csr_matrix,
    w: NDArray[np.float64],
    chosen: NDArray[np.int64],
    group_area: NDArray[np.int64],
    area_total: NDArray[np.float64],
    area_base: NDArray[np.float64],
) -> float:
    hit = (
        np.asarray(cover[:, chosen].sum(axis=1)).ravel() > 0
        if chosen.size and cover.shape[0]
        else np.zeros(cover.shape[0], dtype=bool)
    )
    inside = hit & (group_area >= 0)
    got = area_base + np.bincount(group_area[inside], weights=w[inside], minlength=area_total.size)
    valid = area_total > 0
    return float(np.min(got[valid] / area_total[valid])) if np.any(valid) else 1.0


def _set_start(
    cover: sp.csr_matrix,
    x: list[pulp.LpVariable],
    y: list[pulp.LpVariable],
    chosen: NDArray[np.int64],
) -> None:
    opened = np.zeros(len(x), dtype=bool)
    opened[chosen] = True
    hit = (
        np.asarray(cover[:, chosen].sum(axis=1)).ravel() > 0
        if chosen.size
        else np.zeros(len(y), dtype=bool)
    )
    for var, value in zip(x, opened.tolist(), strict=True):
        var.setInitialValue(1 if value else 0)
    for var, value in zip(y, hit.tolist(), strict=True):
        var.setInitialValue(1 if value else 0)


def _opened(x: list[pulp.LpVariable]) -> NDArray[np.int64]:
    values = np.array([v.varValue if v.varValue is not None else 0.0 for v in x], dtype=float)
    return np.flatnonzero(values > 0.5).astype(np.int64)


# -- running CBC ----------------------------------------------------------------------------


def cbc_solver(
    *, time_limit_s: float | None, log_path: str | None = None, warm: bool = False
) -> pulp.LpSolver:
    """The CBC solver bundled with PuLP, run quietly.

    PuLP 3.3 deprecates the ``PULP_CBC_CMD`` wrapper (a DeprecationWarning on every
    construction) but still ships its CBC binary; we run that binary through
    ``COIN_CMD``, which is the PuLP 4 way, and fall back to a ``cbc`` on the PATH.
    """
    import pulp

    bundled = getattr(getattr(pulp, "PULP_CBC_CMD", None), "pulp_cbc_path", None)
    path = bundled if bundled and os.access(bundled, os.X_OK) else None
    return pulp.COIN_CMD(
        path=path,
        msg=False,
        timeLimit=time_limit_s,
        logPath=log_path,
        warmStart=warm,
    )


_BOUND_RE = re.compile(r"^(?:Upper|Lower) bound:\s*(\S+)", re.MULTILINE)


def _run_cbc(
    prob: pulp.LpProblem, *, time_limit_s: float | None, warm: bool
) -> tuple[Status, float | None]:
    """Solve ``prob`` with CBC; return the status and, when stopped early, CBC's bound."""
    import pulp

    with tempfile.TemporaryDirectory(prefix="hotspots-cbc-") as tmp:
        log_path = str(Path(tmp) / "cbc.log")
        solver = cbc_solver(time_limit_s=time_limit_s, log_path=log_path, warm=warm)
        if not solver.available():
            raise RuntimeError(
                "The CBC solver is not available. It ships with PuLP (pip install pulp); "
                "with PuLP 4 install it with pip install 'pulp[cbc]'."
            )
        started = time.perf_counter()
        prob.solve(solver)
        seconds = time.perf_counter() - started
        text = Path(log_path).read_text(errors="replace") if Path(log_path).exists() else ""
    bound: float | None = None
    timed_out = time_limit_s is not None and seconds >= 0.9 * time_limit_s
    if prob.status == pulp.LpStatusInfeasible and timed_out:
        # CBC stopped by its time limit before it found any answer can report "infeasible"
        # (seen on a loaded machine): only a finished search proves there is none.
        status: Status = "no_solution"
    elif prob.status == pulp.LpStatusInfeasible:
        status = "infeasible"
    elif prob.sol_status == pulp.LpSolutionOptimal:
        status = "optimal"
    elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
        status = "feasible"
        match = _BOUND_RE.search(text)
        if match:
            try:
                bound = abs(float(match.group(1)))
            except ValueError:
                bound = None
    else:
        status = "no_solution"
    log.debug("CBC %s: %s in %.2f s", prob.name, status, seconds)
    return status, bound
