"""Reject reasons and the reject report.

Every input row ends up either among the accepted incidents or in the reject report with
exactly one reason: the first check it fails, in the order of :data:`REJECT_REASONS`.

Reject report columns
---------------------
``source_row`` (int64)
    1-based number of the data row in the source (the first row after the header is 1).
``reason`` (str)
    One of :data:`REJECT_REASONS`.
``detail`` (str)
    What exactly was wrong, e.g. ``latitude='abc' is not a number``.
then every column of the source row, as text (missing values stay missing; a geometry
column is written as WKT). A source column whose name clashes with the three report
columns gets a ``source_`` prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hotspots.errors import EmptyDataError, Option

REJECT_REASONS: tuple[str, ...] = (
    "missing coordinate",
    "non-numeric coordinate",
    "withheld location (0/0)",
    "coordinate out of range",
    "not a point geometry",
    "far from the rest",
    "outside study boundary",
    "missing date",
    "unparseable date",
    "future date",
    "before reporting window",
    "duplicate",
)

ACCEPTED = -1  # reason code of a row that passed every check so far
_REPORT_COLUMNS = ("source_row", "reason", "detail")


class RejectLedger:
    """Collects the first reason each row fails, vectorised.

    Parameters
    ----------
    n_rows : int
        Number of rows read from the source.
    """

    def __init__(self, n_rows: int) -> None:
        self.codes = np.full(n_rows, ACCEPTED, dtype=np.int8)
        self._details: np.ndarray | None = None  # allocated on the first reject

    @property
    def details(self) -> np.ndarray:
        """Detail text of every row ("" for accepted rows)."""
        if self._details is None:
            self._details = np.full(len(self.codes), "", dtype=object)
        return self._details

    @property
    def accepted(self) -> np.ndarray:
        """Boolean mask of the rows that have not been rejected yet."""
        return self.codes == ACCEPTED

    def reject(self, mask: np.ndarray, reason: str, detail: pd.Series | np.ndarray | str) -> int:
        """Reject the still-accepted rows in ``mask`` for ``reason``; return how many.

        ``detail`` is one string for all rows or an array/Series aligned with all rows
        (only the entries of newly rejected rows are read).
        """
        code = REJECT_REASONS.index(reason)
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():  # the usual case on clean data: no pass over the codes
            return 0
        new = mask & self.accepted
        count = int(new.sum())
        if count:
            self.codes[new] = code
            if isinstance(detail, str):
                self.details[new] = detail
            else:
                values = detail.to_numpy() if isinstance(detail, pd.Series) else np.asarray(detail)
                self.details[new] = values[new]
        return count

    def report(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Build the reject report for the source ``frame`` (see the module docstring)."""
        rows = np.flatnonzero(~self.accepted)
        report = pd.DataFrame(
            {
                "source_row": (rows + 1).astype(np.int64),
                "reason": pd.Series(
                    np.asarray(REJECT_REASONS, dtype=object)[self.codes[rows]], dtype="str"
                ),
                "detail": pd.Series(
                    self.details[rows] if self._details is not None else [""] * len(rows),
                    dtype="str",
                ),
            }
        )
        # ``head(0)`` avoids an Arrow take (which joins every chunk) when nothing was rejected.
        originals = source_as_text(frame.head(0) if len(rows) == 0 else frame.iloc[rows])
        unread = frame.attrs.get("unread")
        if unread is not None:  # columns the reader left in the file: theirs for these rows
            others = source_as_text(unread.rows(rows))
            others.index = originals.index
            present = [c for c in unread.names if c in originals or c in others]
            originals = pd.concat([originals, others], axis=1)[present]
        originals.columns = [
            f"source_{c}" if c in _REPORT_COLUMNS else c for c in originals.columns
        ]
        originals.index = report.index
        return pd.concat([report, originals], axis=1)


def source_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame``'s columns as text (geometry as WKT), missing values kept missing."""
    out = {}
    for column in frame.columns:
        series = frame[column]
        if hasattr(series, "to_wkt"):
            values = pd.Series(series.to_wkt(), index=frame.index, dtype="str")
        else:
            values = series.astype("str").where(series.notna().to_numpy())
        out[str(column)] = values
    return pd.DataFrame(out, index=frame.index)


def quoted(values: pd.Series, *, limit: int = 40) -> pd.Series:
    """Return ``values`` as quoted text cut to ``limit`` characters, for reject details."""
    text = values.astype("str").fillna("<NA>")
    cut = text.str.slice(0, limit) + np.where(text.str.len() > limit, "...", "")
    return "'" + cut + "'"


def counts_by_reason(rejects: pd.DataFrame) -> pd.Series:
    """Return the number of rejects per reason, largest first (index ``reason``)."""
    counts = rejects["reason"].value_counts(sort=True, ascending=False)
    counts.name = "count"
    counts.index.name = "reason"
    return counts.astype(np.int64)


class NoIncidentsError(EmptyDataError):
    """Every row was rejected; :attr:`rejects` holds the reject report.

    Attributes
    ----------
    rejects : pandas.DataFrame
        The reject report (one row per input row).
    rows_read : int
        Number of rows read from the source.
    """

    def __init__(
        self,
        message: str,
        *,
        rejects: pd.DataFrame,
        rows_read: int,
        options: Sequence[Option] = (),
    ) -> None:
        super().__init__(message, options=options)
        self.rejects = rejects
        self.rows_read = rows_read


def summarise(rejects: pd.DataFrame, *, examples: int = 3) -> str:
    """Return a short text of reject counts per reason with a few example details."""
    parts = []
    for reason, count in counts_by_reason(rejects).items():
        details = rejects.loc[rejects["reason"] == reason, ["source_row", "detail"]].head(examples)
        shown = "; ".join(f"row {r}: {d}" for r, d in details.itertuples(index=False))
        parts.append(f"{count:,} {reason} (e.g. {shown})")
    return "; ".join(parts)
