"""Warnings that come with an evaluation, each with what to do about it.

The classic mistakes of before/after evaluations (Bowers & Johnson 2003; Eck 2002):
too few incidents to conclude anything, periods too short to see past seasons and noise,
a control that was already moving differently, and targets chosen *because* they were hot,
whose counts tend to fall back anyway (regression to the mean).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hotspots.evaluate.areas import TargetArea
from hotspots.evaluate.periods import Periods
from hotspots.stats.intervention import PreTrend

#: Before-period incidents in the target (and in the control) below which a change is
#: hard to tell from noise: with 20 incidents a period, chance alone moves counts by ±45%.
SMALL_COUNT = 20
#: Fewer incidents than this in all periods of the target: no conclusion at all.
TOO_FEW = 10
#: Shortest period (months) that averages over most of the noise and part of the seasons.
SHORT_MONTHS = 6
#: p-value below which target and control pre-trends are called different.
PRETREND_ALPHA = 0.10


@dataclass(frozen=True)
class Caution:
    """One warning: a short ``code``, what is wrong (``message``) and what to do (``fix``)."""

    code: str
    message: str
    fix: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.message} {self.fix}"


def count_cautions(counts: dict[str, tuple[int, int]]) -> list[Caution]:
    """Small counts in the target or the control."""
    out: list[Caution] = []
    rb, ra = counts["target"]
    if rb + ra < TOO_FEW:
        out.append(
            Caution(
                "too_few_incidents",
                f"The target has only {rb + ra} incidents in both periods together: no "
                "conclusion is possible, whatever the numbers say.",
                "Evaluate a larger area, longer periods or more offense types together.",
            )
        )
        return out
    small = [
        f"{name} {before} before and {after} after"
        for name, (before, after) in counts.items()
        if name in ("target", "control") and min(before, after) < SMALL_COUNT
    ]
    if small:
        out.append(
            Caution(
                "small_counts",
                "Counts are small (" + "; ".join(small) + f"; fewer than {SMALL_COUNT}), so "
                "chance alone moves them by a lot and the interval is wide.",
                "Use longer periods, a larger target or control, or more offense types; read "
                "the interval, not the point estimate.",
            )
        )
    return out


def period_cautions(periods: Periods) -> list[Caution]:
    """Short periods, or periods of different length or season."""
    out: list[Caution] = []
    nb, na = len(periods.before_months), len(periods.after_months)
    if min(nb, na) < SHORT_MONTHS:
        out.append(
            Caution(
                "short_periods",
                f"The periods are short ({nb} months before, {na} after): a few busy weeks or "
                "one season can look like an effect.",
                f"Use at least {SHORT_MONTHS} months each, ideally 12 so every season is in both.",
            )
        )
    if nb != na:
        out.append(
            Caution(
                "unequal_periods",
                f"The before and after periods differ in length ({nb} and {na} months); the "
                "WDD compares raw counts, which then differ partly because of length.",
                "Use equally long periods (the difference-in-differences estimate, which works "
                "month by month, is less affected).",
            )
        )
    elif nb % 12 and periods.before_months[0].month != periods.after_months[0].month:
        out.append(
            Caution(
                "different_seasons",
                "The before and after periods cover different months of the year, and crime "
                "is seasonal.",
                "Compare the same months (e.g. June-August both years) or whole years; the "
                "control absorbs some, not all, of the seasonal difference.",
            )
        )
    return out


def pretrend_caution(pretrend: PreTrend | None, *, before_months: int) -> list[Caution]:
    """Target and control moving differently before the intervention."""
    if pretrend is None:
        return [
            Caution(
                "pretrend_untested",
                f"Whether target and control moved alike before could not be tested "
                f"({before_months} months, or too few incidents).",
                "Use a before period of at least 6 months with incidents in both areas.",
            )
        ]
    if pretrend.p >= PRETREND_ALPHA:
        return []
    return [
        Caution(
            "pretrends_differ",
            f"Before the intervention the target was changing by {pretrend.target_change:+.0%} "
            f"a year and the control by {pretrend.control_change:+.0%} (different, p = "
            f"{pretrend.p:.3f}): the control may not show what would have happened in the "
            "target without the intervention.",
            "Choose a control that moved like the target (the automatic control is matched on "
            "level and trend), or a longer before period; treat the estimate with caution.",
        )
    ]


def selection_cautions(target: TargetArea, periods: Periods) -> list[Caution]:
    """Regression to the mean when the target was chosen for being hot."""
    if not target.chosen_for_hotness:
        return []
    start, end = target.selection.get("start"), target.selection.get("end")
    chosen_on = (
        f" on data from {start or 'the first record'} to {end or 'the last record'}"
        if (start or end)
        else ""
    )
    overlap = (
        (
            (start is None or start <= periods.before[1])
            and (end is None or end >= periods.before[0])
        )
        if (start or end)
        else True
    )
    message = (
        f"The target ({target.description}) was chosen for having much crime{chosen_on}. "
        "Places picked at a peak tend to fall back towards their usual level anyway "
        "(regression to the mean), so part of any fall would have happened without the "
        "intervention."
    )
    if overlap:
        message += (
            " The before period overlaps the data the choice was made on, which makes this worse."
        )
    return [
        Caution(
            "regression_to_the_mean",
            message,
            "Compare with a control that was also hot (the automatic control is matched on the "
            "level before), use a before period that ends before the data the choice was made on, "
            "or a longer before period (2-3 years), and read a fall with caution.",
        )
    ]


def overlap_caution(shared_km2: float) -> list[Caution]:
    """The control reaching into the displacement buffer."""
    if shared_km2 <= 1e-6:
        return []
    return [
        Caution(
            "control_in_buffer",
            f"The control overlaps the displacement buffer ({shared_km2:.3f} km²): crime "
            "displaced there, or benefits diffusing there, would also move the control.",
            "Choose a control farther away, or a narrower displacement buffer.",
        )
    ]


def missing_month_caution(months: list[str]) -> list[Caution]:
    """Months of the periods without a single incident anywhere in the data."""
    if not months:
        return []
    shown = ", ".join(months[:6]) + (f" and {len(months) - 6} more" if len(months) > 6 else "")
    return [
        Caution(
            "missing_months",
            f"The data have no incidents at all in {shown}: the data may be incomplete there.",
            "Check the source for missing months, or choose periods the data cover fully.",
        )
    ]
