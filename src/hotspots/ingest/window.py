"""Incidents that occurred long before the data's reporting window.

Police exports list the incidents *reported* in a period; a few of them occurred years
earlier (a fraud found late, a historical assault reported now). Toronto's 2014–2021 data
holds 1,057 incidents that occurred between 1966 and 2013 (925 of them before December 2013). Kept, they add a thin, patchy
tail to every trend chart and to "all dates" maps, so by default they are rejected with the
reason ``"before reporting window"`` (listed in the reject report and the notes), and
``keep_early=True`` keeps them.

The rule, documented: the reporting window starts at the first calendar month whose
number of incidents reaches :data:`WINDOW_SHARE` of a busy month (the 90th percentile of
the months that have incidents: the median would be pulled down by decades of months with
one late report each). Incidents that occurred more than :data:`GRACE_DAYS` days before that
month are "before the reporting window" (a few days' grace keeps last month's late reports
and time-zone edges, e.g. a 2019 export's first robbery at 19:30 on 31 December local time).
The rule
only applies with at least :data:`MIN_INCIDENTS` incidents over at least
:data:`MIN_MONTHS` months (too little data has no reliable window).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots.blocks import in_blocks
from hotspots.ingest.localtime import compare_to
from hotspots.ingest.rejects import RejectLedger

#: A month belongs to the reporting window once it holds this share of a busy month.
WINDOW_SHARE = 0.10
#: The rule needs at least this many incidents...
MIN_INCIDENTS = 200
#: ...over at least this many months with incidents.
MIN_MONTHS = 6
#: Incidents up to this many days before the window start are not "long before" it.
GRACE_DAYS = 31
#: The reject reason.
REASON = "before reporting window"


def window_start(occurred_at: pd.Series, *, wall: np.ndarray | None = None) -> pd.Timestamp | None:
    """First day of the reporting window of ``occurred_at`` (tz-aware), or None when there is
    too little data for a window (see the module docs). ``wall``: the same times as naive
    wall-clock ``datetime64`` values, when already at hand."""
    if wall is None:
        local = occurred_at.dt.tz_localize(None) if occurred_at.dt.tz is not None else occurred_at
        wall = local.to_numpy()
    # Incidents per calendar day (integer arithmetic), then per month of the few days seen.
    counted = _incidents_per_day(wall)
    if counted is None or int(counted[1].sum()) < MIN_INCIDENTS:
        return None
    first_day, per_day = counted
    seen = np.flatnonzero(per_day)
    month_of = (seen + first_day).astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
    months, where = np.unique(month_of, return_inverse=True)
    per_month = np.bincount(where, weights=per_day[seen]).astype(np.int64)
    if len(per_month) < MIN_MONTHS:
        return None
    threshold = WINDOW_SHARE * float(np.quantile(per_month, 0.9))
    start = pd.Timestamp(np.datetime64(int(months[np.flatnonzero(per_month >= threshold)[0]]), "M"))
    return start.tz_localize(occurred_at.dt.tz) if occurred_at.dt.tz is not None else start


def _incidents_per_day(wall: np.ndarray) -> tuple[int, np.ndarray] | None:
    """The first day (days since 1970-01-01) of the ``wall`` times that are not NaT and
    how many fall on each day from it (None when all are NaT), a block at a time."""

    def days_of(span: slice) -> np.ndarray:
        block = wall[span]
        missing = np.isnat(block)
        return _days(block[~missing] if missing.any() else block)

    def day_range(span: slice) -> tuple[int, int] | None:
        days = days_of(span)
        return (int(days.min()), int(days.max())) if days.size else None

    ranges = [r for r in in_blocks(wall.size, day_range) if r is not None]
    if not ranges:
        return None
    first = min(r[0] for r in ranges)
    length = max(r[1] for r in ranges) - first + 1
    counts = in_blocks(wall.size, lambda span: np.bincount(days_of(span) - first, minlength=length))
    return first, np.sum(counts, axis=0)


def _days(wall: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (int64) of datetime64 values without NaT: ``astype("datetime64[D]")``
    by integer floor division (several times faster)."""
    unit, count = np.datetime_data(wall.dtype)
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}.get(unit)
    if per_second is None or 86_400 * per_second % count:
        return wall.astype("datetime64[D]").view(np.int64)
    per_day = 86_400 * per_second // count
    return np.floor_divide(wall.view(np.int64), per_day)


def reject_before_window(
    occurred_at: pd.Series,
    ledger: RejectLedger,
    *,
    keep_early: bool,
    wall: np.ndarray | None = None,
) -> tuple[int, str | None]:
    """Reject (or, with ``keep_early``, only count) still-accepted rows that occurred before
    the reporting window. ``occurred_at`` is aligned with the ledger's rows (NaT for rows
    without a date). Returns the number of such rows and a note for the load report."""
    accepted = ledger.accepted
    if accepted.all():
        start = window_start(occurred_at, wall=wall)
    else:
        start = window_start(occurred_at[accepted], wall=None if wall is None else wall[accepted])
    if start is None:
        return 0, None
    cutoff = start - pd.Timedelta(days=GRACE_DAYS)
    early = accepted & compare_to(occurred_at, cutoff, np.less)
    count = int(early.sum())
    if not count:
        return 0, None
    first = occurred_at[early].min()
    last = occurred_at[early].max()
    span = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    if keep_early:
        return count, (
            f"{count:,} incidents occurred before the reporting window (which starts "
            f"{start:%Y-%m}; they occurred {span}) and are kept (keep_early=True)"
        )
    detail = (
        f"occurred more than {GRACE_DAYS} days before the reporting window, which starts "
        f"{start:%Y-%m}"
    )
    ledger.reject(early, REASON, detail)
    return count, (
        f"{count:,} incidents occurred before the reporting window (which starts {start:%Y-%m}; "
        f"they occurred {span}) and are rejected; keep them with keep_early=True "
        "(CLI: --keep-early)"
    )
