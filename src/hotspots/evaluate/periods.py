"""Before and after periods of an evaluation: whole months, in order, not overlapping."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hotspots.errors import InputError, Option, invalid, literal
from hotspots.spatial.filters import parse_period


@dataclass(frozen=True)
class Periods:
    """The before and after periods, as whole months.

    Attributes
    ----------
    before, after : tuple of str
        First and last day (``YYYY-MM-DD``, inclusive) of each period.
    """

    before: tuple[str, str]
    after: tuple[str, str]

    @property
    def before_months(self) -> pd.PeriodIndex:
        return pd.period_range(self.before[0], self.before[1], freq="M")

    @property
    def after_months(self) -> pd.PeriodIndex:
        return pd.period_range(self.after[0], self.after[1], freq="M")

    @property
    def months(self) -> pd.PeriodIndex:
        """Months of both periods, in order (a gap between them is left out)."""
        return self.before_months.append(self.after_months)

    @property
    def gap_months(self) -> int:
        """Whole months between the end of ``before`` and the start of ``after``."""
        return int((self.after_months[0] - self.before_months[-1]).n) - 1

    def label(self, which: str) -> str:
        """``"2018-01..2018-12"`` for ``which`` in {"before", "after"}."""
        months = self.before_months if which == "before" else self.after_months
        return f"{months[0]}..{months[-1]}"

    def as_dict(self) -> dict[str, object]:
        return {
            "before": {
                "start": self.before[0],
                "end": self.before[1],
                "months": len(self.before_months),
            },
            "after": {
                "start": self.after[0],
                "end": self.after[1],
                "months": len(self.after_months),
            },
            "gap_months": self.gap_months,
        }


def make_periods(before: str | tuple[str, str], after: str | tuple[str, str]) -> Periods:
    """Parse ``before`` and ``after`` (``"2018-01..2018-12"`` or a (start, end) pair).

    Raises
    ------
    InputError
        A period is not whole months, or ``after`` does not start after ``before`` ends.
    """
    b = _whole_months("before", before)
    a = _whole_months("after", after)
    if a[0] <= b[1]:
        raise InputError(
            literal(
                f"The before period ({_text(before)}) and the after period ({_text(after)}) "
                f"overlap or run backwards: the after period must start after the before period "
                f"ends ({b[1]}). For example "
            )
            + "{0} and {1}; leave a gap for the months the intervention was being set up.",
            options=(Option("before", "2018-01..2018-12"), Option("after", "2019-01..2019-12")),
        )
    return Periods(before=b, after=a)


def _text(value: str | tuple[str, str]) -> str:
    return value if isinstance(value, str) else "..".join(value)


def _whole_months(argument: str, value: str | tuple[str, str]) -> tuple[str, str]:
    text = _text(value) if isinstance(value, str | tuple | list) else None
    if text is None:
        raise invalid(argument, value, "'YYYY-MM..YYYY-MM'", "For example 2019-01..2019-12.")
    try:
        start, end = parse_period(text)
    except InputError:
        raise invalid(
            argument,
            value,
            "a period of whole months 'YYYY-MM..YYYY-MM'",
            "For example {1}.",
            options=(Option(argument, "2019-01..2019-12"),),
        ) from None
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if first.day != 1 or last != last + pd.offsets.MonthEnd(0):
        raise invalid(
            argument,
            value,
            "whole months, 'YYYY-MM..YYYY-MM'",
            "Counts are compared month by month; write the period as months, e.g. 2019-01..2019-06.",
        )
    return start, end
