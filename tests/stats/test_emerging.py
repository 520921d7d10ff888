"""Emerging hot spots: planted space-time patterns recovered, no patterns in noise, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.errors import InputError
from hotspots.ingest.synthetic import synthetic_incidents
from hotspots.spatial.grids import Grid, make_grid
from hotspots.stats.emerging import (
    ARCGIS_PATTERNS,
    NO_PATTERN,
    SFHOTSPOT_PATTERNS,
    SpaceTimeNeighbours,
    classify_sfhotspot,
    emerging_cube,
    emerging_hotspots,
)
from hotspots.stats.weights import grid_contiguity

SIDE = 40  # cells per side (planted cells stay a small share: the exact null shuffles them too)
CELL_M = 100.0
T = 12  # intervals
BACKGROUND = 5.0  # incidents per cell per interval


def square_grid() -> Grid:
    return make_grid(shapely.box(0, 0, SIDE * CELL_M, SIDE * CELL_M), crs=32617, cell_size_m=CELL_M)


def block(row: int, col: int) -> list[int]:
    """Positions of the 3 x 3 block of cells centred on (row, col)."""
    return [(row + dr) * SIDE + col + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)]


# Expected rate of each planted 3 x 3 block per interval, oldest first.
HOT = 30.0
PLANTS: dict[str, tuple[tuple[int, int], list[float]]] = {
    "New Hot Spot": ((3, 3), [BACKGROUND] * (T - 1) + [HOT]),
    "Consecutive Hot Spot": ((3, 9), [BACKGROUND] * (T - 3) + [HOT] * 3),
    "Intensifying Hot Spot": ((3, 15), list(np.linspace(30, 90, T))),
    "Persistent Hot Spot": ((3, 20), [HOT] * T),
    "Diminishing Hot Spot": ((9, 3), list(np.linspace(90, 30, T))),
    "Historical Hot Spot": ((9, 9), [HOT] * (T - 1) + [BACKGROUND]),
    "Sporadic Hot Spot": (
        (9, 20),
        [*[BACKGROUND, HOT, BACKGROUND] * 3, BACKGROUND, BACKGROUND, HOT],
    ),
}
# Cold spots only show where few hot spots inflate the spread, so they get a cube of their own
# (with a busier background, so that an empty neighbourhood stands out).
COLD_BACKGROUND = 12.0
COLD_PLANTS: dict[str, tuple[tuple[int, int], list[float]]] = {
    "Persistent Cold Spot": ((3, 3), [0.0] * T),
    "New Cold Spot": ((3, 9), [COLD_BACKGROUND] * (T - 1) + [0.0]),
    "Intensifying Cold Spot": ((3, 15), list(np.linspace(5.0, 0.0, T))),
    "Oscillating Hot Spot": (
        (9, 9),
        [
            *([0.0] * 3),
            COLD_BACKGROUND,
            60.0,
            COLD_BACKGROUND,
            COLD_BACKGROUND,
            60.0,
            *[COLD_BACKGROUND, 60.0] * 2,
        ],
    ),
}


def planted_cube(
    seed: int,
    *,
    city_rise: float = 1.0,
    plants: dict[str, tuple[tuple[int, int], list[float]]] = PLANTS,
    background: float = BACKGROUND,
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rates = np.full((SIDE * SIDE, T), background)
    for (row, col), series in plants.values():
        rates[block(row, col)] = series
    rates *= np.linspace(1.0, city_rise, T)[None, :]
    return rng.poisson(rates)


@pytest.fixture(scope="module")
def planted() -> tuple[Grid, np.ndarray]:
    return square_grid(), planted_cube(1)


@pytest.mark.parametrize("pattern", list(PLANTS))
def test_planted_hot_patterns_are_recovered(planted: tuple[Grid, np.ndarray], pattern: str) -> None:
    grid, counts = planted
    result = emerging_cube(counts, grid_contiguity(grid))
    (row, col), _ = PLANTS[pattern]
    assert result.pattern[row * SIDE + col] == pattern
    assert set(result.pattern) <= set(ARCGIS_PATTERNS)


@pytest.mark.parametrize("pattern", list(COLD_PLANTS))
def test_planted_cold_and_oscillating_patterns_are_recovered(pattern: str) -> None:
    counts = planted_cube(5, plants=COLD_PLANTS, background=COLD_BACKGROUND)
    result = emerging_cube(counts, grid_contiguity(square_grid()))
    (row, col), _ = COLD_PLANTS[pattern]
    assert result.pattern[row * SIDE + col] == pattern


def test_noise_gives_no_pattern_in_most_maps() -> None:
    grid = square_grid()
    neighbours = grid_contiguity(grid)
    maps_with_pattern = 0
    for seed in range(20):
        counts = np.random.default_rng(100 + seed).poisson(BACKGROUND, size=(SIDE * SIDE, T))
        pattern = emerging_cube(counts, neighbours).pattern
        maps_with_pattern += bool((pattern != NO_PATTERN).any())
    # A pattern needs a significant (FDR) cell in the final interval or in 90% of them; under
    # the null that happens in about alpha of the maps (the normal p-values run a little hot).
    assert maps_with_pattern <= 3


def test_city_wide_rise_is_handled_by_standardising() -> None:
    grid = square_grid()
    counts = planted_cube(2, city_rise=3.0)
    (row, col), _ = PLANTS["Persistent Hot Spot"]
    cell = row * SIDE + col
    raw = emerging_cube(counts, grid_contiguity(grid), city_trend="none")
    assert raw.pattern[cell] == "Intensifying Hot Spot"  # the city's rise, not the place's
    for handled in ("standardise", "detrend"):
        result = emerging_cube(counts, grid_contiguity(grid), city_trend=handled)
        assert result.pattern[cell] == "Persistent Hot Spot"
        assert result.params["city_trend"] == handled


def test_sfhotspot_scheme(planted: tuple[Grid, np.ndarray]) -> None:
    grid, counts = planted
    result = emerging_cube(counts, grid_contiguity(grid), scheme="sfhotspot")
    assert set(result.pattern) <= set(SFHOTSPOT_PATTERNS)
    at = {name: r * SIDE + c for name, ((r, c), _) in PLANTS.items()}
    assert result.pattern[at["Persistent Hot Spot"]] == "persistent hotspot"
    assert result.pattern[at["New Hot Spot"]] == "emerging hotspot"
    assert result.pattern[at["Sporadic Hot Spot"]] == "intermittent hotspot"
    cold = planted_cube(5, plants=COLD_PLANTS, background=COLD_BACKGROUND)
    cold_result = emerging_cube(cold, grid_contiguity(grid), scheme="sfhotspot")
    assert cold_result.pattern[3 * SIDE + 3] == "persistent coldspot"


def test_sfhotspot_rules_by_hand() -> None:
    # 10 intervals: the last 2 are "recent".
    flags = np.zeros((4, 10), dtype=bool)
    flags[0, :9] = True  # 90% -> persistent
    flags[1, 2:5] = True  # 3 of 8 older, none recent -> former
    flags[2, -1] = True  # none older, half the recent -> emerging
    flags[3, [2, 9]] = True  # 1 of 8 older, 1 of 2 recent -> intermittent
    result = classify_sfhotspot(flags, np.zeros_like(flags))
    assert result.tolist() == [
        "persistent hotspot", "former hotspot", "emerging hotspot", "intermittent hotspot",
    ]  # fmt: skip
    assert classify_sfhotspot(np.zeros_like(flags), flags)[1] == "former coldspot"


def test_space_time_neighbours_match_their_sparse_matrix() -> None:
    grid = make_grid(shapely.box(0, 0, 500, 400), crs=32617, cell_size_m=CELL_M)
    cube = SpaceTimeNeighbours(grid_contiguity(grid), 5, 2)
    values = np.random.default_rng(0).poisson(3, size=cube.n).astype(float)
    matrix = cube.to_sparse()
    np.testing.assert_allclose(cube.lag(values, include_self=False), matrix @ values)
    np.testing.assert_allclose(cube.cardinality(include_self=False), np.diff(matrix.indptr))


def test_temporal_neighbours_find_the_persistent_spot(planted: tuple[Grid, np.ndarray]) -> None:
    grid, counts = planted
    result = emerging_cube(counts, grid_contiguity(grid), temporal_neighbours=1)
    (row, col), _ = PLANTS["Persistent Hot Spot"]
    assert result.pattern[row * SIDE + col] == "Persistent Hot Spot"
    assert "previous 1 interval" in result.params["statistic"]


def test_verb_on_incidents_with_a_planted_new_hot_spot() -> None:
    grid_side = 2_000.0
    background = synthetic_incidents(
        3_000, extent_m=(0, 0, grid_side, grid_side), start="2021-01-01", end="2021-12-31", rng=3
    ).incidents
    burst = synthetic_incidents(
        300, extent_m=(900, 900, 1_100, 1_100), start="2021-12-01", end="2021-12-31", rng=4
    ).incidents
    incidents = pd.concat([background, burst], ignore_index=True)
    result = emerging_hotspots(incidents, interval="month", cell_size_m=100.0)
    assert len(result.periods) == 12
    assert result.counts.sum() == len(incidents)
    cells = result.cells.set_index("cell_id")
    centre = result.grid.locate(np.array([1_000.0]), np.array([1_000.0]))[0]
    assert cells.loc[centre, "pattern"] == "New Hot Spot"
    assert result.params["pattern_counts"]["New Hot Spot"] >= 1
    history = result.series(int(centre))
    assert list(history.columns) == ["period", "count", "gi_z", "hot", "cold", "trend_value"]
    assert history["hot"].tolist() == [False] * 11 + [True]


def test_bad_input_is_explained() -> None:
    one_year = synthetic_incidents(200, start="2021-01-01", end="2021-12-31", rng=0).incidents
    with pytest.raises(InputError, match="needs at least 3"):
        emerging_hotspots(one_year, interval="year", cell_size_m=1_000.0)
    gap = pd.concat(
        [
            one_year,
            synthetic_incidents(50, start="2022-06-01", end="2022-06-30", rng=1).incidents,
        ],
        ignore_index=True,
    )
    with pytest.raises(InputError, match=r"hold no incident.*2022-01-01"):
        emerging_hotspots(gap, interval="month", cell_size_m=1_000.0)
    with pytest.raises(InputError, match="city_trend"):
        emerging_hotspots(one_year, city_trend="linear")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="temporal_neighbours"):
        emerging_hotspots(one_year, temporal_neighbours=-1)
    with pytest.raises(InputError, match="interval"):
        emerging_hotspots(one_year, interval="fortnight")  # type: ignore[arg-type]
