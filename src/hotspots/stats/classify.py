"""One rule for what is called a hot spot, a place near a hot spot, or a cold spot.

Every surface (map colours, headline, hot-spot table, snapshot, planner demand, exports)
reads the classes made here, so they all use the same set:

1. **Significant** means rejected by Benjamini–Hochberg at the false discovery rate alpha
   (Gi*'s ``significant``). Confidence bins (99 / 95 / 90%) are only given *inside* that set,
   so a cell is never coloured as a hot spot "at 90%" while the headline does not count it.
2. **Minimum evidence.** With fewer than :data:`MIN_INCIDENTS` incidents in the analysis,
   nothing is significant (ArcGIS documents Gi* results as unreliable with fewer than 30
   features); the note says why.
3. **A hot spot is a place with crime.** A significant cell with a positive z-score is a
   *hot spot* only if its own count is above the mean count per unit
   (:data:`OWN_COUNT_RULE`); otherwise it is significant only through its neighbours and is
   *near a hot spot* (drawn differently, never counted as a hot spot). Cold spots are
   significant cells with a negative z-score.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hotspots.stats.significance import confidence_bins

log = logging.getLogger(__name__)

#: Below this many incidents nothing is called a hot or cold spot (ArcGIS: 30 features).
MIN_INCIDENTS = 30
#: The own-count rule, as shown to users.
OWN_COUNT_RULE = "its own count is above the mean count per unit"

HOT = "Hot spot"
NEAR_HOT = "Near a hot spot"
COLD = "Cold spot"
NOT_SIGNIFICANT = "Not significant"
#: Class names in display order.
CLASSES: tuple[str, ...] = (HOT, NEAR_HOT, NOT_SIGNIFICANT, COLD)


@dataclass(frozen=True, eq=False)
class HotspotClasses:
    """The classes of ``n`` units under the one rule, with the evidence that produced them.

    Attributes
    ----------
    label : ndarray of str
        One of :data:`CLASSES` per unit.
    significant : ndarray of bool
        Significant at the false discovery rate *and* enough evidence.
    bin : ndarray of int8
        Confidence bin (±3 99%, ±2 95%, ±1 90%) inside ``significant``, 0 outside.
    threshold : float
        The own count a hot spot must exceed (the mean count per unit).
    enough_evidence : bool
        Whether the analysis had at least ``min_incidents`` incidents.
    note : str or None
        Why nothing is significant (too little evidence), else None.
    """

    label: NDArray[np.str_]
    significant: NDArray[np.bool_]
    bin: NDArray[np.int8]
    threshold: float
    enough_evidence: bool
    note: str | None

    @property
    def hot(self) -> NDArray[np.bool_]:
        return np.asarray(self.label == HOT)

    @property
    def near_hot(self) -> NDArray[np.bool_]:
        return np.asarray(self.label == NEAR_HOT)

    @property
    def cold(self) -> NDArray[np.bool_]:
        return np.asarray(self.label == COLD)


def evidence_note(incidents: int, *, min_incidents: int = MIN_INCIDENTS) -> str | None:
    """Why nothing is called a hot spot with only ``incidents`` incidents, or None if enough."""
    if incidents >= min_incidents:
        return None
    return (
        f"Only {incidents:,} incident(s) in this selection; at least {min_incidents} are needed "
        "before anything is called a hot or cold spot (fewer cannot show a pattern reliably; "
        "ArcGIS documents the same minimum). Widen the dates or the offenses."
    )


def classify_hotspots(
    counts: ArrayLike,
    z: ArrayLike,
    p_fdr: ArrayLike,
    *,
    alpha: float,
    incidents: int | None = None,
    min_incidents: int = MIN_INCIDENTS,
) -> HotspotClasses:
    """Hot spot / near a hot spot / cold spot / not significant, by the one rule (module docs).

    Parameters
    ----------
    counts : array_like of float, shape (n,)
        Each unit's own count.
    z : array_like of float, shape (n,)
        Gi* z-scores (sign gives hot or cold).
    p_fdr : array_like of float, shape (n,)
        Benjamini–Hochberg adjusted p-values.
    alpha : float
        False discovery rate: significant when ``p_fdr <= alpha``.
    incidents : int, optional
        Incidents behind the counts (default: their sum), for the minimum-evidence rule.
    min_incidents : int, default :data:`MIN_INCIDENTS`

    Returns
    -------
    HotspotClasses
    """
    own = np.asarray(counts, dtype=np.float64)
    zs = np.asarray(z, dtype=np.float64)
    ps = np.asarray(p_fdr, dtype=np.float64)
    total = round(float(own.sum())) if incidents is None else int(incidents)
    note = evidence_note(total, min_incidents=min_incidents)
    significant = (ps <= alpha) & (note is None)
    threshold = float(own.mean()) if own.size else 0.0
    label = np.full(own.size, NOT_SIGNIFICANT, dtype=object)
    high = significant & (zs > 0)
    label[high & (own > threshold)] = HOT
    label[high & ~(own > threshold)] = NEAR_HOT
    label[significant & (zs < 0)] = COLD
    bins = np.where(significant, confidence_bins(zs, ps), 0).astype(np.int8)
    if note is not None:
        log.warning("Hot spots: %s", note)
    return HotspotClasses(
        label=label.astype(str),
        significant=significant,
        bin=bins,
        threshold=threshold,
        enough_evidence=note is None,
        note=note,
    )
