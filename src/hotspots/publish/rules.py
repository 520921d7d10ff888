"""The privacy rules of a published snapshot, as one frozen value.

:class:`PublicationRules` holds every rule the publication module enforces:

``k`` (default 5, never below 3)
    Any published incident number below ``k`` is shown as "fewer than k".
``rounding_base`` (default 5)
    Every published incident number (areas, cells, months, offence groups and every
    total) is rounded to the nearest multiple of the base, half up, from the exact
    count. This is our protection against recovering a suppressed value by
    subtraction (see :mod:`hotspots.publish.tables`). The pair (``k``,
    ``rounding_base``) is checked by brute force: a suppressed value must keep at
    least two possible values after the worst subtraction (a two-part table).
``sensitive_categories``
    Offence categories matching any of these patterns are removed before anything is
    counted, and the snapshot says so. Matching (our choice, documented): both sides
    are case-folded, accents are stripped and every run of non-alphanumeric characters
    becomes one space; a pattern matches when it occurs at the **start of a word** of
    the category, so ``"sexu"`` matches "Sexual assault" and "Agression sexuelle",
    ``"child"`` matches "Children in need", and ``"rape"`` does not match "Drapery". The
    default list covers sexual offences, domestic and family violence, offences
    involving children, human trafficking, and homicide/death investigations (community
    crime-map vendors withhold these by default). Drug trafficking is *not* matched.
``min_cell_size_m`` (default 500)
    Smallest published grid cell, in metres.
``min_lag_days`` (default 0: none, fine for historic periods)
    The period must end at least this many days before today. Even with 0 the period
    must have ended: a month still under way is never published.
``units``
    What the map shows: neighbourhood choropleth, hot-spot grid cells, or both.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from hotspots.errors import InputError, invalid

log = logging.getLogger(__name__)

MapUnits = Literal["both", "neighbourhoods", "grid"]
MAP_UNITS: tuple[MapUnits, ...] = ("both", "neighbourhoods", "grid")

#: The smallest threshold a publication may use.
MIN_K = 3

#: Default sensitive-category patterns (see the module docstring for how they match).
DEFAULT_SENSITIVE_CATEGORIES: tuple[str, ...] = (
    "sexu",
    "sex offen",
    "sex crime",
    "rape",
    "indecen",
    "domestic",
    "family violence",
    "intimate partner",
    "child",
    "elder abuse",
    "human traffick",
    "trafficking in person",
    "homicide",
    "murder",
    "manslaughter",
    "death",
)

#: The plain-language description of :data:`DEFAULT_SENSITIVE_CATEGORIES`.
DEFAULT_SENSITIVE_DESCRIPTION = (
    "sexual offences, domestic and family violence, offences involving children or elders, "
    "human trafficking, and homicide or death investigations"
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_category(text: object) -> str:
    """Case-fold, strip accents and collapse punctuation/space runs to one space.

    >>> normalise_category("  Agression SEXUELLE / Mineur ")
    'agression sexuelle mineur'
    """
    decomposed = unicodedata.normalize("NFKD", str(text)).casefold()
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped).strip()


@dataclass(frozen=True)
class PublicationRules:
    """Every privacy rule of a published snapshot (frozen and hashable).

    Parameters
    ----------
    k : int
        Published incident numbers below ``k`` are shown as "fewer than k". At least 3.
    rounding_base : int
        Published incident numbers are rounded to a multiple of this base (half up).
    sensitive_categories : tuple of str
        Patterns of offence categories that are never published (matching rules in the
        module docstring). An empty tuple disables the exclusion (logged as a warning).
    sensitive_description : str, optional
        Plain-language description of the excluded categories for the snapshot's note;
        default: the standard description when the default patterns are used, else the
        patterns themselves.
    min_cell_size_m : float
        Smallest published grid cell, in metres (default 500).
    min_lag_days : int
        Days that must separate the end of the period from today (default 0).
    units : {"both", "neighbourhoods", "grid"}
        What the map shows. "both" falls back to "grid" when there are no boundaries.
    """

    k: int = 5
    rounding_base: int = 5
    sensitive_categories: tuple[str, ...] = DEFAULT_SENSITIVE_CATEGORIES
    sensitive_description: str | None = None
    min_cell_size_m: float = 500.0
    min_lag_days: int = 0
    units: MapUnits = "both"
    _patterns: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, int | np.integer) or self.k < MIN_K:
            raise invalid("k", self.k, f"a whole number of at least {MIN_K}", "The default is 5.")
        object.__setattr__(self, "k", int(self.k))
        if (
            isinstance(self.rounding_base, bool)
            or not isinstance(self.rounding_base, int | np.integer)
            or self.rounding_base < 2
        ):
            raise invalid(
                "rounding_base",
                self.rounding_base,
                "a whole number of at least 2",
                "The default is 5.",
            )
        object.__setattr__(self, "rounding_base", int(self.rounding_base))
        _check_rounding_protects(self.k, self.rounding_base)
        if isinstance(self.sensitive_categories, str):
            raise invalid(
                "sensitive_categories",
                self.sensitive_categories,
                "a tuple of patterns",
                f"Write sensitive_categories=({self.sensitive_categories!r},).",
            )
        patterns = tuple(sorted({normalise_category(p) for p in self.sensitive_categories} - {""}))
        object.__setattr__(self, "sensitive_categories", tuple(self.sensitive_categories))
        object.__setattr__(self, "_patterns", patterns)
        if not (np.isfinite(self.min_cell_size_m) and self.min_cell_size_m > 0):
            raise invalid(
                "min_cell_size_m",
                self.min_cell_size_m,
                "a positive number of metres",
                "The default is 500.",
            )
        object.__setattr__(self, "min_cell_size_m", float(self.min_cell_size_m))
        if (
            isinstance(self.min_lag_days, bool)
            or not isinstance(self.min_lag_days, int | np.integer)
            or self.min_lag_days < 0
        ):
            raise invalid("min_lag_days", self.min_lag_days, "a whole number of days, 0 or more")
        object.__setattr__(self, "min_lag_days", int(self.min_lag_days))
        if self.units not in MAP_UNITS:
            raise invalid("units", self.units, MAP_UNITS)

    # -- sensitive categories ------------------------------------------------------------------
    @property
    def patterns(self) -> tuple[str, ...]:
        """The normalised sensitive-category patterns, sorted."""
        return self._patterns

    def is_sensitive(self, category: object) -> bool:
        """True when ``category`` matches one of the sensitive patterns."""
        text = " " + normalise_category(category)
        return any(" " + p in text for p in self._patterns)

    def sensitive_mask(self, categories: pd.Series | Iterable[object]) -> np.ndarray:
        """Boolean array: which of ``categories`` are sensitive (vectorised over unique values)."""
        series = (
            pd.Series(categories, dtype="object")
            if not isinstance(categories, pd.Series)
            else categories
        )
        codes, uniques = pd.factorize(series.astype("object"), use_na_sentinel=True)
        flags = np.array([self.is_sensitive(u) for u in uniques], dtype=bool)
        out = np.zeros(len(codes), dtype=bool)
        known = codes >= 0
        out[known] = flags[codes[known]]
        return out

    def sensitive_note(self) -> str:
        """The sentence the snapshot shows about excluded categories (from the rules only)."""
        if not self._patterns:
            return "No offence categories were excluded as sensitive for this snapshot."
        if self.sensitive_description:
            what = self.sensitive_description
        elif set(self._patterns) == {normalise_category(p) for p in DEFAULT_SENSITIVE_CATEGORIES}:
            what = DEFAULT_SENSITIVE_DESCRIPTION
        else:
            what = "offence categories containing the words " + ", ".join(
                f"“{p}”" for p in self._patterns
            )
        return f"To protect victims, {what} are never shown on this map or in its numbers."

    # -- numbers ---------------------------------------------------------------------------------
    def suppressed_text(self) -> str:
        """How a suppressed number is written, e.g. "fewer than 5"."""
        return f"fewer than {self.k}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description of the rules (goes into the metadata file)."""
        return {
            "k": self.k,
            "small_counts": f"any published number of incidents below {self.k} is shown as '{self.suppressed_text()}'",
            "rounding_base": self.rounding_base,
            "rounding": f"every published number of incidents, totals included, is rounded to the nearest "
            f"multiple of {self.rounding_base} (half up) from the exact count, so totals cannot reveal "
            "a hidden value by subtraction",
            "sensitive_categories": list(self._patterns),
            "sensitive_matching": "case-, accent- and punctuation-insensitive, at the start of a word",
            "min_cell_size_m": self.min_cell_size_m,
            "min_lag_days": self.min_lag_days,
            "units": self.units,
            "time_granularity": "month",
            "coordinates": "aggregated polygons only; vertices rounded to 5 decimals (about 1 m) and kept "
            "away from every input incident location",
        }


# -- checks used by the publication verb -----------------------------------------------------------


def check_cell_size(cell_size_m: float | None, rules: PublicationRules) -> float:
    """The published cell size: ``cell_size_m`` if allowed, else raise; default the minimum.

    Raises
    ------
    PrivacyError
        When ``cell_size_m`` is below ``rules.min_cell_size_m``.
    """
    from hotspots.errors import PrivacyError

    if cell_size_m is None:
        log.info(
            "Published cell size set to %g m (the minimum allowed) automatically",
            rules.min_cell_size_m,
        )
        return rules.min_cell_size_m
    if not (np.isfinite(cell_size_m) and cell_size_m > 0):
        raise invalid("cell_size_m", cell_size_m, "a positive number of metres")
    if cell_size_m < rules.min_cell_size_m:
        raise PrivacyError(
            f"Rule 'minimum cell size' failed: cell_size_m={cell_size_m:g} is below the minimum published "
            f"cell size of {rules.min_cell_size_m:g} m. Use cell_size_m >= {rules.min_cell_size_m:g} "
            "(or omit it). Nothing was written."
        )
    return float(cell_size_m)


def check_period(start: str, end: str, rules: PublicationRules, *, now: pd.Timestamp) -> None:
    """Check that the period covers whole months and ended at least ``min_lag_days`` ago.

    Raises
    ------
    InputError
        When the period does not start on the first or end on the last day of a month.
    PrivacyError
        When the period ends too recently (rule "minimum lag").
    """
    from hotspots.errors import PrivacyError

    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if first.day != 1 or last != last + pd.offsets.MonthEnd(0):
        raise InputError(
            f"period={start}..{end} does not cover whole months; published snapshots are monthly "
            "(no finer dates are ever shown). Write it as months, e.g. --period 2021-01..2021-12."
        )
    today = now.tz_localize(None).normalize() if now.tzinfo is not None else now.normalize()
    latest_end = today - pd.Timedelta(days=rules.min_lag_days + 1)
    if last > latest_end:
        lag = (
            f"at least {rules.min_lag_days} day(s) before today"
            if rules.min_lag_days
            else "before today"
        )
        raise PrivacyError(
            f"Rule 'minimum lag' failed: the period ends on {last:%Y-%m-%d}, but a published period must "
            f"end {lag} ({today:%Y-%m-%d}) so that very recent events are not mapped. End the period on "
            f"{pd.offsets.MonthEnd().rollback(latest_end):%Y-%m} or earlier. Nothing was written."
        )


def round_to_base(values: np.ndarray, base: int) -> np.ndarray:
    """Round non-negative integers to the nearest multiple of ``base``, halves up."""
    v = np.asarray(values, dtype=np.int64)
    return ((2 * v + base) // (2 * base)) * base


def worst_case_candidates(k: int, base: int) -> int:
    """Fewest values a suppressed count can still take after the worst single subtraction.

    The attacker knows a two-part table: one part ``a >= k`` published rounded, the other
    part ``b < k`` suppressed, and the total ``a + b`` published rounded. For every true
    ``(a, b)`` we count the ``b'`` in ``0..k-1`` consistent with what was published. Two
    parts is the worst case: every extra published part adds rounding uncertainty.
    """
    span = np.arange(0, k + 4 * base + 1)
    rounded = round_to_base(span, base)
    worst = k
    for a in range(k, k + 2 * base + 1):
        a_pub = round_to_base(np.array([a]), base)[0]
        possible_a = span[(rounded == a_pub) & (span >= k)]
        for b in range(k):
            t_pub = round_to_base(np.array([a + b]), base)[0]
            totals = possible_a[:, None] + np.arange(k)[None, :]
            ok = (round_to_base(totals, base) == t_pub).any(axis=0)
            worst = min(worst, int(ok.sum()))
    return worst


def rounding_protects(k: int, base: int) -> bool:
    """True when rounding to ``base`` never shows a count >= ``k`` as a number below ``k`` and
    leaves every suppressed value at least two possible values (:func:`worst_case_candidates`)."""
    return bool(round_to_base(np.array([k]), base)[0] >= k) and worst_case_candidates(k, base) >= 2


def suggest_rounding_base(k: int) -> int:
    """The rounding base closest to 5 (then smallest) that protects ``k``."""
    for base in sorted(range(2, 3 * k + 2), key=lambda b: (abs(b - 5), b)):
        if rounding_protects(k, base):
            return base
    return k  # pragma: no cover - some base always works (checked in the tests for k <= 50)


def _check_rounding_protects(k: int, base: int) -> None:
    if not rounding_protects(k, base):
        raise invalid(
            "rounding_base",
            base,
            f"a base that keeps every count of at least k={k} at or above k when rounded and leaves every "
            f"hidden value (0 to {k - 1}) at least two possible values after subtraction from a rounded total",
            f"With k={k} use rounding_base={suggest_rounding_base(k)}.",
        )
