"""The privacy rules of a published snapshot, and the checks that enforce them.

Rules (all in :class:`PublicationRules`, frozen; every check is in code):

``k`` (default 5, hard floor :data:`MIN_K` = 3)
    Published numbers of incidents are never ``1 .. k-1``: the cell-key perturbation
    (:mod:`hotspots.publish.perturbation`) maps small counts to 0 ("fewer than k") or to
    a value of at least ``k``.
``max_noise`` (default 3)
    Half-width of the perturbation for counts of at least ``k + max_noise``.
``min_cell_size_m`` (default and hard floor :data:`MIN_CELL_SIZE_M` = 500)
    Smallest published grid cell. No interface can lower it: anything finer is an
    internal export (``hotspots analyze --out``), labelled as such, never a snapshot.
``min_lag_months`` (default 1)
    A period is published only once a whole month has passed since it ended (police.uk
    publishes month-level data about a month later).
``fixed_periods`` (default True)
    Only calendar months, quarters and years are published; other whole-month ranges
    overlap earlier releases in ways that invite differencing.
``min_locations`` (8), ``max_location_share`` (0.5), ``min_area_km2`` (0.25)
    Location diversity: a published unit needs at least 8 distinct incident locations and
    no location may hold more than half its incidents (police.uk snaps crimes to points
    serving at least 8 addresses); boundary units need at least 0.25 km². A unit that fails
    is hidden (its number is not shown).
``units``
    What the map shows: neighbourhood choropleth, hot-spot grid cells, or both.

Offense categories are published only when they are on the **publisher's allow list**
(:mod:`hotspots.publish.publisher`); the rules hold no list of excluded categories.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from hotspots.errors import InputError, Option, given, invalid, literal

log = logging.getLogger(__name__)

MapUnits = Literal["both", "neighbourhoods", "grid"]
MAP_UNITS: tuple[MapUnits, ...] = ("both", "neighbourhoods", "grid")
PeriodKind = Literal["month", "quarter", "year", "custom"]

#: The smallest threshold a publication may use (hard floor).
MIN_K = 3
#: The smallest published grid cell in metres (hard floor).
MIN_CELL_SIZE_M = 500.0

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_category(text: object) -> str:
    """Case-fold, strip accents and collapse punctuation/space runs to one space.

    >>> normalise_category("  Agression SEXUELLE / Mineur ")
    'agression sexuelle mineur'
    """
    decomposed = unicodedata.normalize("NFKD", str(text)).casefold()
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped).strip()


def _whole(name: str, value: Any, low: int, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise invalid(name, value, f"a whole number of at least {low}", fix)
    return int(value)


@dataclass(frozen=True)
class PublicationRules:
    """Every privacy rule of a published snapshot (frozen and hashable).

    Parameters
    ----------
    k : int
        Published numbers are 0 ("fewer than k") or at least ``k``. At least 3.
    max_noise : int
        Perturbation half-width for counts of at least ``k + max_noise`` (1 to 3).
    min_cell_size_m : float
        Smallest published grid cell, in metres; at least 500 (default 500).
    min_lag_months : int
        Whole months that must pass after the period ends (default 1).
    fixed_periods : bool
        Only calendar months, quarters and years (default True).
    min_locations : int
        Distinct incident locations a published unit needs (default 8, at least 8).
    max_location_share : float
        Largest share of a unit's incidents at one location (default 0.5, at most 0.5).
    min_area_km2 : float
        Smallest published boundary unit (default 0.25 km², at least 0.25).
    units : {"both", "neighbourhoods", "grid"}
        What the map shows. "both" falls back to "grid" when there are no boundaries.
    """

    k: int = 5
    max_noise: int = 3
    min_cell_size_m: float = MIN_CELL_SIZE_M
    min_lag_months: int = 1
    fixed_periods: bool = True
    min_locations: int = 8
    max_location_share: float = 0.5
    min_area_km2: float = 0.25
    units: MapUnits = "both"

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "k",
            _whole("publish:k", self.k, MIN_K, "The default is 5; no interface can go below 3."),
        )
        if self.max_noise not in (1, 2, 3) or isinstance(self.max_noise, bool):
            raise invalid("max_noise", self.max_noise, (1, 2, 3), "The default is 3.")
        if self.k * self.k > 256:
            raise invalid("publish:k", self.k, "at most 16 (the perturbation has 256 keys)")
        size = self.min_cell_size_m
        if not (isinstance(size, int | float) and np.isfinite(size) and size >= MIN_CELL_SIZE_M):
            raise invalid(
                "min_cell_size_m",
                size,
                f"at least {MIN_CELL_SIZE_M:g} metres (a hard floor)",
                "Finer grids are for internal use only: hotspots analyze writes them, labelled INTERNAL.",
            )
        object.__setattr__(self, "min_cell_size_m", float(size))
        object.__setattr__(
            self,
            "min_lag_months",
            _whole("min_lag_months", self.min_lag_months, 0, "The default is 1."),
        )
        object.__setattr__(
            self,
            "min_locations",
            _whole("min_locations", self.min_locations, 8, "The default and floor is 8."),
        )
        share = self.max_location_share
        if not (isinstance(share, int | float) and 0 < share <= 0.5):
            raise invalid("max_location_share", share, "a share above 0 and at most 0.5")
        area = self.min_area_km2
        if not (isinstance(area, int | float) and np.isfinite(area) and area >= 0.25):
            raise invalid("min_area_km2", area, "at least 0.25 km² (a hard floor)")
        if self.units not in MAP_UNITS:
            raise invalid("units", self.units, MAP_UNITS)

    # -- numbers ---------------------------------------------------------------------------------
    def suppressed_text(self) -> str:
        """How a hidden number is written, e.g. "fewer than 5"."""
        return f"fewer than {self.k}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description of the rules (goes into the metadata file)."""
        return {
            "k": self.k,
            "small_counts": f"a published number is 0 (shown as '{self.suppressed_text()}') or at least {self.k}",
            "perturbation": "cell-key: every number, totals included, is the exact count plus fixed zero-mean noise "
            f"of at most {max(self.max_noise, self.k)}; the same incidents always give the same number",
            "max_noise": self.max_noise,
            "min_cell_size_m": self.min_cell_size_m,
            "min_lag_months": self.min_lag_months,
            "fixed_periods": self.fixed_periods,
            "location_diversity": f"at least {self.min_locations} distinct locations per unit, none holding more "
            f"than {self.max_location_share:.0%} of its incidents; boundary units of at least {self.min_area_km2:g} km²",
            "units": self.units,
            "time_granularity": "month",
            "coordinates": "aggregated polygons only, from the boundaries and a fixed grid; vertices rounded to 5 decimals",
        }


# -- checks used by the publication verb -----------------------------------------------------------


def check_cell_size(cell_size_m: float | None, rules: PublicationRules) -> float:
    """The published cell size: ``cell_size_m`` if allowed, else raise; default the minimum.

    Raises
    ------
    PrivacyError
        When ``cell_size_m`` is below ``rules.min_cell_size_m`` (never below 500 m).
    """
    from hotspots.errors import PrivacyError

    floor = max(rules.min_cell_size_m, MIN_CELL_SIZE_M)
    if cell_size_m is None:
        log.info("Published cell size set to %g m (the minimum allowed) automatically", floor)
        return floor
    if not (np.isfinite(cell_size_m) and cell_size_m > 0):
        raise invalid("publish:cell_size_m", cell_size_m, "a positive number of metres")
    if cell_size_m < floor:
        raise PrivacyError(
            "Rule 'minimum cell size' failed: {0} is below the minimum published "
            + literal(f"cell size of {floor:g} m. ")
            + "Use {1} or more (or leave it unset). Finer grids are for internal use only "
            "(hotspots analyze writes them, labelled INTERNAL). Nothing was written.",
            options=(
                given("publish:cell_size_m", cell_size_m),
                Option("publish:cell_size_m", floor),
            ),
        )
    return float(cell_size_m)


def period_kind(start: str, end: str) -> PeriodKind:
    """``"month"``, ``"quarter"``, ``"year"`` (calendar) or ``"custom"`` for whole months."""
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    months = (b.year - a.year) * 12 + b.month - a.month + 1
    if months == 1:
        return "month"
    if months == 3 and a.month in (1, 4, 7, 10):
        return "quarter"
    if months == 12 and a.month == 1:
        return "year"
    return "custom"


def check_period(start: str, end: str, rules: PublicationRules, *, now: pd.Timestamp) -> PeriodKind:
    """Check that the period is whole months, a fixed calendar period (unless allowed
    otherwise) and ended at least ``min_lag_months`` ago; return its kind.

    Raises
    ------
    InputError
        When the period does not start on the first or end on the last day of a month.
    PrivacyError
        When the period is not a calendar month/quarter/year, or ends too recently.
    """
    from hotspots.errors import PrivacyError

    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if first.day != 1 or last != last + pd.offsets.MonthEnd(0):
        raise InputError(
            "{0} does not cover whole months; published snapshots are monthly (no finer dates are "
            "ever shown). Write it as a month, quarter or year, e.g. {1}, {2} or {3}.",
            options=(
                given("publish:period", f"{start}..{end}"),
                Option("publish:period", "2021-03"),
                Option("publish:period", "2021-Q1"),
                Option("publish:period", "2021"),
            ),
        )
    kind = period_kind(start, end)
    if kind == "custom" and rules.fixed_periods:
        raise PrivacyError(
            literal(f"Rule 'fixed periods' failed: {start[:7]}..{end[:7]} ")
            + "is not a calendar month, quarter or year. Overlapping ranges of months can be "
            "subtracted from each other, so only fixed periods are published: e.g. {0}, {1} or "
            "{2}. Nothing was written.",
            options=(
                Option("publish:period", "2021-03"),
                Option("publish:period", "2021-Q1"),
                Option("publish:period", "2021"),
            ),
        )
    today = now.tz_localize(None).normalize() if now.tzinfo is not None else now.normalize()
    ready = (last + pd.Timedelta(days=1)) + pd.DateOffset(months=rules.min_lag_months)
    if ready > today:
        latest = (today - pd.DateOffset(months=rules.min_lag_months)).to_period("M") - 1
        raise PrivacyError(
            f"Rule 'minimum lag' failed: the period ends on {last:%Y-%m-%d}, but a published period must have "
            f"ended at least {rules.min_lag_months} whole month(s) before today ({today:%Y-%m-%d}) so that "
            f"recent events are not mapped. End the period in {latest} or earlier. Nothing was written."
        )
    return kind
