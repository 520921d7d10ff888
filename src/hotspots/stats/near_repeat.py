"""Near repeat victimisation: the Knox test, as in the Near Repeat Calculator.

Does one crime raise the risk of another nearby soon after? Count the pairs of events that
are close in space (distance bands, metres) *and* in time (day bands); compare with the
counts when the timestamps are shuffled among the fixed locations (REFERENCE.md):

    Knox ratio = observed / mean of the shuffled counts
    p = (number of shuffles with a count >= observed + 1) / (shuffles + 1)

Our choices, documented:

- *Bands.* Edges ``0, 100, 200, 400`` make the bands [0, 100], (100, 200], (200, 400] metres:
  the first band includes both ends, the others their upper end. Day bands work the same on
  whole calendar days between the events' local dates, so ``0, 7, 14`` means 0–7 days and
  8–14 days, as the Calculator's table shows them. Pairs beyond the last edge of either kind
  are not tabulated (they are not needed for the ratio of any band).
- *Pairs.* Only pairs within the largest distance are counted, found with a KD-tree
  (``scipy.spatial.cKDTree.query_pairs``), never by looking at all n² pairs.
- *p per band, uncorrected.* Like the Calculator; with a 3 × 3 table, one band in about 20 is
  flagged at alpha = 0.05 by chance when there is no near-repeat effect.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from hotspots.errors import ColumnError, EmptyDataError, InputError, describe, invalid, whole_number
from hotspots.spatial.filters import Filters, apply_filters
from hotspots.spatial.projection import require_metric
from hotspots.stats.significance import check_alpha

log = logging.getLogger(__name__)

#: Columns of :attr:`KnoxResult.table` (and ``knox.csv``).
KNOX_COLUMNS: tuple[str, ...] = (
    "distance_from", "distance_to", "days_from", "days_to", "observed", "expected", "ratio", "p",
)  # fmt: skip
DEFAULT_DISTANCE_BANDS_M: tuple[float, ...] = (0.0, 100.0, 200.0, 400.0)
DEFAULT_DAY_BANDS: tuple[int, ...] = (0, 7, 14, 28)
#: Shuffles per batch (memory: batch × pairs × 4 bytes a few times over).
_BATCH_CELLS = 2_000_000


@dataclass(frozen=True, eq=False)
class KnoxResult:
    """The Knox table and what produced it.

    Attributes
    ----------
    table : DataFrame
        One row per (distance band, day band): see :data:`KNOX_COLUMNS`. ``expected`` is the
        mean count over the shuffles, ``ratio`` = observed / expected (NaN when expected is 0),
        ``p`` the one-sided permutation p-value of "more pairs than chance".
    events : int
        Events tested.
    pairs_within_reach : int
        Pairs within the largest distance (the only pairs ever looked at).
    params : dict
        Bands, shuffles, seed, alpha, filters, ready for JSON.
    """

    table: pd.DataFrame
    events: int
    pairs_within_reach: int
    params: dict[str, Any] = field(default_factory=dict)

    def ratio_grid(self) -> pd.DataFrame:
        """Knox ratios as a grid: distance bands down, day bands across (the Calculator's layout)."""
        return self._grid("ratio")

    def p_grid(self) -> pd.DataFrame:
        """p-values in the same layout as :meth:`ratio_grid`."""
        return self._grid("p")

    def summary(self, *, alpha: float | None = None) -> str:
        """A plain sentence on what the table means for prevention."""
        return near_repeat_sentence(
            self.table,
            alpha=self.params["alpha"] if alpha is None else alpha,
            what=self.params.get("what", "an incident"),
        )

    def _grid(self, column: str) -> pd.DataFrame:
        table = self.table.assign(
            distance=band_labels(self.table["distance_from"], self.table["distance_to"], "m"),
            days=band_labels(self.table["days_from"], self.table["days_to"], "days"),
        )
        grid = table.pivot(index="distance", columns="days", values=column)
        return grid.loc[table["distance"].unique(), table["days"].unique()]


def knox_test(
    xy: ArrayLike,
    days: ArrayLike,
    *,
    distance_bands_m: Sequence[float] = DEFAULT_DISTANCE_BANDS_M,
    day_bands: Sequence[int] = DEFAULT_DAY_BANDS,
    permutations: int = 999,
    rng: np.random.Generator | int = 0,
    alpha: float = 0.05,
) -> KnoxResult:
    """Knox test of events at ``xy`` (metres) on whole ``days``.

    Parameters
    ----------
    xy : array_like, shape (n, 2)
        Event locations in a metric CRS.
    days : array_like of int, shape (n,)
        Day number of each event (e.g. days since 1970-01-01 of the local date).
    distance_bands_m : sequence of float
        Increasing band edges in metres, starting at 0 or more (module docs).
    day_bands : sequence of int
        Increasing band edges in whole days.
    permutations : int, default 999
        Shuffles of the timestamps among the locations.
    rng : Generator or int, default 0
        Source of randomness (an int is a seed).
    alpha : float, default 0.05
        Level used by :meth:`KnoxResult.summary`.

    Returns
    -------
    KnoxResult

    Raises
    ------
    InputError
        Bands not increasing, fewer than 2 events, a bad number of shuffles, NaN input.
    """
    level = check_alpha(alpha)
    dist_edges = check_bands(distance_bands_m, "distance_bands_m", whole=False)
    day_edges = check_bands(day_bands, "day_bands", whole=True).astype(np.int64)
    reps = _check_permutations(permutations)
    points, stamps = _check_events(xy, days)
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)

    pairs = cKDTree(points).query_pairs(float(dist_edges[-1]), output_type="ndarray")
    n_dist, n_day = dist_edges.size - 1, day_edges.size - 1
    gap = np.hypot(*(points[pairs[:, 0]] - points[pairs[:, 1]]).T)
    dist_band = _band_index(gap, dist_edges)
    keep = dist_band >= 0
    # Pairs grouped by distance band (contiguous), so each band is one slice.
    order = np.argsort(dist_band[keep], kind="stable")
    left = pairs[keep, 0][order].astype(np.intp)
    right = pairs[keep, 1][order].astype(np.intp)
    bounds = np.searchsorted(dist_band[keep][order], np.arange(n_dist + 1))
    # Whole days: a pair is in day band j when below[j] < |Δt| <= day_edges[j + 1], where
    # below = [day_edges[0] - 1, day_edges[1], ...] (the first band includes its lower edge).
    below = np.concatenate([[day_edges[0] - 1], day_edges[1:-1]])
    thresholds = np.unique(np.concatenate([below, day_edges[1:]]))
    n_bins = n_dist * n_day

    def tabulate(times: NDArray[np.signedinteger[Any]]) -> NDArray[np.int64]:
        """Pair counts per band for a batch of shuffles, shape (batch, n_bins).

        Counts of |Δt| <= threshold per distance slice, differenced into day bands: a gather,
        a subtraction and a few comparisons per pair, no per-pair binning.
        """
        diff = np.take(times, left, axis=1)
        diff -= np.take(times, right, axis=1)
        np.abs(diff, out=diff)
        out = np.zeros((times.shape[0], n_dist, n_day), dtype=np.int64)
        for band in range(n_dist):
            part = diff[:, bounds[band] : bounds[band + 1]]
            upto = {
                int(t): np.count_nonzero(part <= t, axis=1) if t >= 0 else 0 for t in thresholds
            }
            for j in range(n_day):
                out[:, band, j] = upto[int(day_edges[j + 1])] - upto[int(below[j])]
        return out.reshape(times.shape[0], n_bins)

    shifted = stamps - stamps.min()
    # Small integers halve the memory traffic of the gather (days apart fit in int16 for
    # up to 89 years of data).
    kind = np.int16 if shifted.max() < np.iinfo(np.int16).max else np.int32
    stamps_small = shifted.astype(kind)
    observed = tabulate(stamps_small[None, :])[0]
    batch = max(1, _BATCH_CELLS // max(left.size, 1))
    at_least = np.zeros(n_bins, dtype=np.int64)
    total = np.zeros(n_bins, dtype=np.float64)
    done = 0
    while done < reps:
        size = min(batch, reps - done)
        shuffled = generator.permuted(
            np.broadcast_to(stamps_small, (size, stamps_small.size)), axis=1
        )
        sims = tabulate(shuffled)
        at_least += (sims >= observed[None, :]).sum(axis=0)
        total += sims.sum(axis=0)
        done += size
    expected = total / reps
    ratio = np.divide(observed, expected, out=np.full(n_bins, np.nan), where=expected > 0).astype(
        np.float64
    )
    p = (at_least + 1) / (reps + 1)
    d_from, d_to = np.repeat(dist_edges[:-1], n_day), np.repeat(dist_edges[1:], n_day)
    t_from, t_to = np.tile(day_edges[:-1], n_dist), np.tile(day_edges[1:], n_dist)
    # Bands after the first start one past the previous edge (whole days).
    t_from = np.where(t_from == day_edges[0], t_from, t_from + 1)
    table = pd.DataFrame(
        {
            "distance_from": d_from,
            "distance_to": d_to,
            "days_from": t_from,
            "days_to": t_to,
            "observed": observed.astype(np.int64),
            "expected": expected,
            "ratio": ratio,
            "p": p,
        }
    )
    params = {
        "test": "Knox test, timestamps shuffled among fixed locations",
        "distance_bands_m": dist_edges.tolist(),
        "day_bands": day_edges.tolist(),
        "permutations": reps,
        "seed": rng if isinstance(rng, int) else None,
        "alpha": level,
        "multiple_testing": "none (one p-value per band, as the Near Repeat Calculator)",
    }
    log.info(
        "Knox test: %s events, %s pairs within %g m, %d shuffles",
        f"{len(stamps):,}",
        f"{left.size:,}",
        dist_edges[-1],
        reps,
    )
    return KnoxResult(
        table=table, events=len(stamps), pairs_within_reach=int(left.size), params=params
    )


def near_repeat(
    incidents: gpd.GeoDataFrame,
    *,
    distance_bands_m: Sequence[float] = DEFAULT_DISTANCE_BANDS_M,
    day_bands: Sequence[int] = DEFAULT_DAY_BANDS,
    permutations: int = 999,
    filters: Filters | None = None,
    rng: np.random.Generator | int = 0,
    alpha: float = 0.05,
) -> KnoxResult:
    """Knox near-repeat test of ``incidents`` (metric CRS, tz-aware ``occurred_at``).

    Days are the incidents' local calendar dates. See :func:`knox_test` for the options;
    ``filters`` selects offenses and dates first (near repeats are usually tested per
    offense, e.g. ``Filters(offenses=("Break and Enter",))``).

    Raises
    ------
    ColumnError
        Without an ``occurred_at`` column.
    EmptyDataError
        When fewer than 2 incidents pass the filters.
    """
    if "occurred_at" not in incidents.columns:
        raise ColumnError(
            f"incidents lacks the 'occurred_at' column; it has {list(incidents.columns)}. "
            "Load them with hotspots.read_incidents(...)."
        )
    require_metric(incidents, "incidents")
    chosen = filters or Filters()
    selected = apply_filters(incidents, chosen)
    if len(selected) < 2:
        raise EmptyDataError(
            f"{len(selected)} incident(s) pass the filters ({chosen.describe()}); the Knox test "
            "needs at least 2. Widen the filters."
        )
    result = knox_test(
        shapely.get_coordinates(selected.geometry.values),
        local_day_numbers(selected["occurred_at"]),
        distance_bands_m=distance_bands_m,
        day_bands=day_bands,
        permutations=permutations,
        rng=rng,
        alpha=alpha,
    )
    what = "an incident"
    if chosen.offenses and len(chosen.offenses) == 1:
        name = chosen.offenses[0].lower()
        what = f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"
    result.params.update(
        {"filters": chosen.as_dict(), "filters_text": chosen.describe(), "what": what}
    )
    return result


def local_day_numbers(occurred_at: pd.Series) -> NDArray[np.int64]:
    """Whole local calendar days since 1970-01-01 of tz-aware (or naive local) timestamps."""
    local = occurred_at.dt.tz_localize(None) if occurred_at.dt.tz is not None else occurred_at
    days = local.dt.floor("D").to_numpy().astype("datetime64[D]").astype(np.int64)
    return np.asarray(days, dtype=np.int64)


def near_repeat_sentence(table: pd.DataFrame, *, alpha: float, what: str = "an incident") -> str:
    """What the Knox table means for prevention, in one or two plain sentences.

    The elevated zone is the largest distance and the longest time such that every band from
    the nearest and soonest up to it has a ratio above 1 at ``p <= alpha``.
    """
    flagged = (table["p"] <= alpha) & (table["ratio"] > 1)
    d_edges = sorted(table["distance_to"].unique())
    t_edges = sorted(table["days_to"].unique())
    grid = flagged.to_numpy().reshape(len(d_edges), len(t_edges)).astype(bool)
    if not grid[0, 0]:
        if grid.any():
            return (
                f"Some bands show more pairs than chance (p ≤ {alpha:g}), but not the nearest and "
                f"soonest: no clear near-repeat pattern after {what}."
            )
        return (
            f"No near-repeat pattern: pairs of incidents close in space and time are no more "
            f"common than chance (p ≤ {alpha:g}) after {what}."
        )
    # Grow the zone: the widest distance with the first day band elevated, then the longest
    # time with every distance band up to it elevated.
    d_reach = int(np.argmin(np.append(grid[:, 0], False))) - 1
    t_reach = int(np.argmin(np.append(grid[: d_reach + 1].all(axis=0), False))) - 1
    row = table.iloc[0]
    near_ratio = float(row["ratio"])
    return (
        f"Risk is elevated within {d_edges[d_reach]:g} m for {t_edges[t_reach]:g} days after "
        f"{what}: in the nearest band, {near_ratio:.1f} times as many pairs as chance. Prevention "
        f"work (warning neighbours, patrols) pays off inside that zone and time."
    )


def band_labels(start: pd.Series, end: pd.Series, unit: str) -> pd.Series:
    """Readable band names such as ``"0-100 m"`` or ``"8-14 days"``."""
    return pd.Series(
        [f"{a:g}-{b:g} {unit}" for a, b in zip(start, end, strict=True)], index=start.index
    )


def check_bands(values: Any, argument: str, *, whole: bool) -> NDArray[np.float64]:
    """Band edges as an increasing array (at least 2 edges, non-negative), or InputError."""
    text = "0,7,14,28" if whole else "0,100,200,400"
    try:
        edges = np.asarray(
            [float(v) for v in (values.split(",") if isinstance(values, str) else values)],
            dtype=np.float64,
        )
    except (TypeError, ValueError):
        raise invalid(argument, values, f"comma-separated numbers such as {text}") from None
    ok = (
        edges.ndim == 1
        and edges.size >= 2
        and bool(np.isfinite(edges).all())
        and bool((edges >= 0).all())
        and bool((np.diff(edges) > 0).all())
        and (not whole or bool((edges == np.round(edges)).all()))
    )
    if not ok:
        raise InputError(
            f"{argument}={describe(values)} is not allowed; band edges must be at least two "
            f"{'whole numbers' if whole else 'numbers'} 0 or more, strictly increasing "
            f"(for example {text}). Sort the edges and remove repeats."
        )
    return edges


def _band_index(values: NDArray[np.float64], edges: NDArray[np.float64]) -> NDArray[np.int64]:
    """Band of each value: [e0, e1], (e1, e2], ...; -1 outside."""
    idx = np.searchsorted(edges, values, side="left") - 1
    idx = np.where(values == edges[0], 0, idx)
    idx = np.where((values < edges[0]) | (values > edges[-1]), -1, idx)
    return idx.astype(np.int64)


def _check_permutations(permutations: Any) -> int:
    return whole_number(
        "permutations",
        permutations,
        "a whole number of shuffles from 1 to 1,000,000",
        "For example permutations=999.",
        minimum=1,
        maximum=1_000_000,
    )


def _check_events(xy: ArrayLike, days: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    points = np.asarray(xy, dtype=np.float64)
    stamps_f = np.asarray(days, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or stamps_f.shape != (points.shape[0],):
        raise InputError(
            f"xy has shape {points.shape} and days {stamps_f.shape}; pass an (n, 2) array of "
            "metres and one day number per event."
        )
    if points.shape[0] < 2:
        raise EmptyDataError(f"{points.shape[0]} event(s); the Knox test needs at least 2.")
    if not (np.isfinite(points).all() and np.isfinite(stamps_f).all()):
        raise InputError(
            "xy or days holds NaN or infinite values; drop events without a place or a date."
        )
    return points, np.round(stamps_f).astype(np.int64)
