"""The adversarial review's attacks, as tests, on real Toronto counts.

An adversary holds every release. Differencing: an exact linear-programming solver
(``scipy.optimize.linprog``, HiGHS; a lower and an upper bound per unknown) over monthly
plus year-to-date releases, over every contiguous range of months, and over releases of
different offense selections, tries to pin hidden counts (published as "fewer than k").
Row order: the hot-spot table's order within equal published values must follow the
cells' positions, never their exact counts.

The releases are what :func:`hotspots.publish.publish_snapshot` publishes for a subset of
neighbourhoods (the neighbourhood numbers and the release total), made with the same
perturbation functions; each goes through the publisher's ledger, as publication does.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from publish_helpers import embedded_data
from scipy.optimize import linprog

from hotspots.errors import HotspotsError, PrivacyError
from hotspots.publish import Publisher, Release, Snapshot
from hotspots.publish.disclosure import Constraint
from hotspots.publish.perturbation import PerturbationTable, record_keys, unit_counts, unit_keys

SECRET = bytes.fromhex("5e" * 32)
GROUPS = ("Robbery", "Theft Over")
TABLE = PerturbationTable(k=5)


@pytest.fixture(scope="module")
def toronto() -> pd.DataFrame:
    """Robbery and Theft Over in 2021 in six neighbourhoods (a few hundred incidents)."""
    from hotspots.ingest import datasets, load_incidents

    try:
        path = datasets.toronto_incidents_path()
    except HotspotsError as exc:  # pragma: no cover - a clone without the bundled data
        pytest.skip(f"bundled Toronto data not available: {exc}")
    frame = load_incidents(path, quiet=True).incidents
    local = frame["occurred_at"].dt.tz_localize(None)
    frame = frame.loc[
        frame["offense"].isin(GROUPS) & (local >= "2021-01-01") & (local < "2022-01-01")
    ]
    names = sorted(frame["neighbourhood"].dropna().unique())
    chosen = [names[i] for i in (0, 7, 21, 44, 80, 120)]
    frame = frame.loc[frame["neighbourhood"].isin(chosen)].reset_index(drop=True)
    frame.attrs["areas"] = chosen
    return frame


def releases_of(
    frame: pd.DataFrame, periods: Sequence[Sequence[int]], selections: Sequence[Sequence[str]]
) -> list[Release]:
    """The neighbourhood numbers and total of each (period, selection), as published."""
    keys = record_keys(frame, SECRET)
    areas = list(frame.attrs["areas"])
    area = pd.Categorical(frame["neighbourhood"], categories=areas).codes.astype(np.int64)
    month = frame["occurred_at"].dt.tz_localize(None).dt.month.to_numpy()
    out = []
    for months in periods:
        for groups in selections:
            chosen = np.isin(month, months) & frame["offense"].isin(groups).to_numpy()
            units = np.where(chosen, area, -1)
            values = TABLE.values(
                unit_counts(units, len(areas)), unit_keys(keys, units, len(areas))
            )
            total = TABLE.values(
                unit_counts(np.where(chosen, 0, -1), 1), unit_keys(keys, np.where(chosen, 0, -1), 1)
            )
            numbers = [
                (f"area:{a}", None, None, int(v)) for a, v in zip(areas, values, strict=True)
            ]
            numbers.append(("*area", None, None, int(total[0])))
            labels = tuple(f"2021-{m:02d}" for m in months)
            out.append(
                Release(
                    period={"start": labels[0], "end": labels[-1], "kind": "custom"},
                    months=labels,
                    groups=tuple(groups),
                    units={"areas": "toronto-subset", "grid": None},
                    numbers=tuple(numbers),
                )
            )
    return out


def through_ledger(releases: list[Release], folder: Path) -> tuple[list[Release], list[str]]:
    """Each release checked against (and recorded in) the ledger, in order."""
    publisher = Publisher(folder)
    accepted, refused = [], []
    for release in releases:
        try:
            publisher.check_release(release, TABLE)
        except PrivacyError as exc:
            refused.append(str(exc))
            continue
        publisher.record(release, TABLE, {})
        accepted.append(release)
    return accepted, refused


def lp_recoveries(releases: list[Release], areas: Sequence[str]) -> list[str]:
    """Hidden numbers and small atoms that linear programming pins to one value."""
    names = [*sorted({f"area:{a}" for a in areas}), "area:*other"]
    constraints: list[Constraint] = [c for r in releases for c in r.constraints(names)]
    index: dict[Hashable, int] = {}
    for con in constraints:
        for atom in con.atoms:
            index.setdefault(atom, len(index))
    rows = np.zeros((len(constraints), len(index)))
    low, high = np.zeros(len(constraints)), np.zeros(len(constraints))
    for i, con in enumerate(constraints):
        rows[i, [index[a] for a in set(con.atoms)]] = 1.0
        low[i], high[i] = TABLE.preimage(con.value)
    a_ub = np.vstack([rows, -rows])
    b_ub = np.concatenate([high, -low])

    def extent(objective: np.ndarray) -> tuple[float, float]:
        lo = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        hi = linprog(-objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status == 0, (lo.message, hi.message)
        return float(lo.fun), float(-hi.fun)

    found = []
    for i, con in enumerate(constraints):
        if con.value == 0:
            lo, hi = extent(rows[i])
            if np.ceil(lo - 1e-6) >= min(TABLE.k - 1, np.floor(hi + 1e-6)):
                found.append(con.label)
    for atom, j in index.items():
        unit = np.zeros(len(index))
        unit[j] = 1.0
        lo, hi = extent(unit)
        if hi < TABLE.k and np.ceil(lo - 1e-6) >= np.floor(hi + 1e-6):
            found.append(f"atom {atom}")
    return found


def _monthly_and_year_to_date() -> list[list[int]]:
    return [[m] for m in range(1, 13)] + [list(range(1, m + 1)) for m in range(2, 13)]


def test_differencing_monthly_and_year_to_date_recovers_nothing(
    toronto: pd.DataFrame, tmp_path: Path
) -> None:
    releases = releases_of(toronto, _monthly_and_year_to_date(), [GROUPS])
    hidden = sum(1 for r in releases for *_, v in r.numbers if v == 0)
    assert hidden >= 40  # the attack has something to aim at
    accepted, refused = through_ledger(releases, tmp_path)
    assert len(accepted) + len(refused) == 23
    assert lp_recoveries(accepted, toronto.attrs["areas"]) == []


def test_differencing_offense_selections_recovers_nothing(
    toronto: pd.DataFrame, tmp_path: Path
) -> None:
    """Each group alone and both together, per month and per quarter."""
    periods = [[m] for m in range(1, 7)] + [[1, 2, 3], [4, 5, 6]]
    releases = releases_of(toronto, periods, [GROUPS, GROUPS[:1], GROUPS[1:]])
    accepted, _ = through_ledger(releases, tmp_path)
    assert len(accepted) >= len(releases) - 2
    assert lp_recoveries(accepted, toronto.attrs["areas"]) == []


@pytest.mark.slow
def test_differencing_every_contiguous_range_recovers_nothing(
    toronto: pd.DataFrame, tmp_path: Path
) -> None:
    ranges = [list(range(a, b + 1)) for a in range(1, 13) for b in range(a, 13)]
    releases = releases_of(toronto, ranges, [GROUPS[1:]])
    assert len(releases) == 78
    accepted, _ = through_ledger(releases, tmp_path)
    assert lp_recoveries(accepted, toronto.attrs["areas"]) == []


def test_rounding_would_have_been_broken_by_the_same_solver(toronto: pd.DataFrame) -> None:
    """The solver has teeth: under the old deterministic rounding to 5 (hidden below 5), the
    contiguous ranges give away exact neighbourhood-month counts, hidden ones included."""
    months = [list(range(a, b + 1)) for a in range(1, 13) for b in range(a, 13)]
    month = toronto["occurred_at"].dt.tz_localize(None).dt.month.to_numpy()
    areas = list(toronto.attrs["areas"])
    exact = np.zeros((len(areas), 12), dtype=np.int64)
    codes = pd.Categorical(toronto["neighbourhood"], categories=areas).codes
    np.add.at(exact, (codes, month - 1), 1)
    recovered = hidden_recovered = 0
    for a in range(len(areas)):
        rows, low, high = [], [], []
        for ms in months:
            count = int(exact[a, [m - 1 for m in ms]].sum())
            row = np.zeros(12)
            row[[m - 1 for m in ms]] = 1
            rows.append(row)
            rounded = 5 * ((2 * count + 5) // 10)
            low.append(0 if count < 5 else max(5, rounded - 2))
            high.append(4 if count < 5 else rounded + 2)
        a_ub = np.vstack([np.array(rows), -np.array(rows)])
        b_ub = np.concatenate([high, -np.array(low)])
        for i in range(12):
            c = np.zeros(12)
            c[i] = 1
            lo = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs").fun
            hi = -linprog(-c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs").fun
            pinned = np.ceil(lo - 1e-6) >= np.floor(hi + 1e-6)
            recovered += int(pinned)
            hidden_recovered += int(pinned and exact[a, i] < 5)
    assert recovered > 0 and hidden_recovered > 0


# -- row order ----------------------------------------------------------------------------------


def _cell_order_key(feature: dict[str, Any]) -> tuple[float, float, float, float]:
    ring = np.asarray(feature["geometry"]["coordinates"][0])
    p = feature["properties"]
    return (
        -p["bin"],
        -(p["incidents"] or 0),
        round(ring[:, 1].min(), 4),
        round(ring[:, 0].min(), 4),
    )


def test_row_order_inference_recovers_nothing(make_snapshot: Callable[..., Snapshot]) -> None:
    """The attack read exact counts from where the order broke within equal published values.
    Rows are ordered by (confidence, published value, position south to north, west to
    east) and nothing else, so every break is explained by positions alone."""
    features = embedded_data(make_snapshot().html)["grid"]["cells"]["features"]
    assert len(features) >= 3
    keys = [_cell_order_key(f) for f in features]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)  # no two rows tie: the order says nothing more
