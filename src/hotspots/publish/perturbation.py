"""Cell-key perturbation: every published number of incidents is a consistent, noisy count.

The method of the UK's Office for National Statistics (Census 2021), in four steps:

1. **Record keys.** Each incident gets a fixed *record key*, an integer ``0 ..
   KEY_RANGE - 1``, from a keyed hash (HMAC-SHA256) of its identity with the publisher's
   secret (:func:`record_keys`). The identity is the value of an identifier column when
   the input has one, else the incident's time, offense and location to the metre. The
   secret never appears in any output, so nobody else can compute the keys.
2. **Cell keys.** A published number counts a set of incidents; its *cell key* is the
   sum of their record keys modulo ``KEY_RANGE`` (:func:`cell_key`). It is uniform for
   anyone without the secret, and the same set of incidents always has the same key.
3. **Perturbation table.** :class:`PerturbationTable` maps (exact count, cell key) to
   the published value. For every count the values are exactly zero-mean over the
   keys, within ``bound`` of the count, and never ``1 .. k-1``: a count below ``k``
   becomes 0 or a value of at least ``k``; zero stays zero.
4. **Published value.** 0 is shown as "fewer than k"; any other value as the number.

Because the same incidents always give the same value, publishing a table again, or a
table that shares units with an earlier one, repeats the same noise instead of drawing
new noise that could be averaged away. Totals are perturbed the same way (a total is
the count of its own set of incidents), so they are never exact and never the sum of
the parts shown.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hotspots.errors import invalid

#: Record and cell keys take values 0 .. KEY_RANGE - 1.
KEY_RANGE = 256
#: Largest noise added to a count of at least k + MAX_NOISE (the default table).
MAX_NOISE = 3
#: Weights of the noise -d .. +d out of KEY_RANGE keys, for each half-width d (symmetric,
#: so the mean is exactly zero; each sums to KEY_RANGE).
_NOISE_WEIGHTS: dict[int, tuple[int, ...]] = {
    0: (256,),
    1: (64, 128, 64),
    2: (26, 51, 102, 51, 26),
    3: (8, 32, 56, 64, 56, 32, 8),
}
#: Columns whose value identifies an incident (used for the record key when present).
IDENTITY_COLUMNS = (
    "event_unique_id",
    "incident_id",
    "incident_number",
    "case_number",
    "report_number",
    "uid",
    "objectid",
    "id",
)


@dataclass(frozen=True)
class PerturbationTable:
    """The (count, cell key) → published value table.

    Parameters
    ----------
    k : int
        Published values are 0 or at least ``k`` (never ``1 .. k-1``).
    max_noise : int
        Half-width of the noise for counts of at least ``k + max_noise`` (0 to 3).
    """

    k: int = 5
    max_noise: int = MAX_NOISE
    _small: NDArray[np.int64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_noise not in _NOISE_WEIGHTS:
            raise invalid("max_noise", self.max_noise, sorted(_NOISE_WEIGHTS))
        if self.k * self.k > KEY_RANGE:
            raise invalid(
                "publish:k", self.k, f"at most {int(KEY_RANGE**0.5)} for {KEY_RANGE} keys"
            )
        # Rows 0 .. k + max_noise - 1 are special; larger counts use the full noise.
        rows = [self._row(c) for c in range(self.k + self.max_noise)]
        object.__setattr__(self, "_small", np.array(rows, dtype=np.int64))

    @property
    def bound(self) -> int:
        """Largest |published − exact| over every count and key."""
        return max(self.max_noise, self.k)

    def _row(self, count: int) -> NDArray[np.int64]:
        """Published value for each key of one count (ascending in the key)."""
        k = self.k
        if count == 0:
            return np.zeros(KEY_RANGE, dtype=np.int64)
        if count < k:
            # Values 0, k and k + 1 with integer key counts whose mean is exactly `count`.
            m = (KEY_RANGE * count) // k
            n_high = KEY_RANGE * count - m * k
            n_k = m - n_high
            return np.repeat(np.array([0, k, k + 1], dtype=np.int64), [KEY_RANGE - m, n_k, n_high])
        return count + _noise(min(self.max_noise, count - k))

    def values(self, counts: ArrayLike, keys: ArrayLike) -> NDArray[np.int64]:
        """Published values of exact ``counts`` with cell ``keys`` (same shape)."""
        c = np.asarray(counts, dtype=np.int64)
        u = np.asarray(keys, dtype=np.int64) % KEY_RANGE
        if c.size and c.min() < 0:
            raise ValueError("counts must be non-negative")
        limit = self._small.shape[0]
        small = c < limit
        out = c + _noise(self.max_noise)[u]
        out[small] = self._small[c[small], u[small]]
        return out

    def preimage(self, published: int) -> tuple[int, int]:
        """The smallest and largest exact count that can publish as ``published``."""
        if published == 0:
            return 0, self.k - 1
        low = max(1, published - self.bound)
        candidates = np.arange(low, published + self.bound + 1)
        hits = [
            c for c in candidates if np.any(self.values(np.full(KEY_RANGE, c), _ALL) == published)
        ]
        if not hits:
            raise ValueError(f"{published} is not a value this table publishes")
        return int(min(hits)), int(max(hits))

    def as_dict(self) -> dict[str, int | str]:
        """JSON-ready description (no secret, no keys)."""
        return {
            "method": "cell-key perturbation (UK ONS)",
            "k": self.k,
            "key_range": KEY_RANGE,
            "max_noise": self.max_noise,
            "bound": self.bound,
        }


_ALL = np.arange(KEY_RANGE, dtype=np.int64)


def _noise(half_width: int) -> NDArray[np.int64]:
    weights = _NOISE_WEIGHTS[half_width]
    return np.repeat(np.arange(-half_width, half_width + 1, dtype=np.int64), weights)


def record_keys(incidents: pd.DataFrame, secret: bytes) -> NDArray[np.int64]:
    """One record key (0 .. KEY_RANGE-1) per incident: HMAC-SHA256 of its identity.

    The identity is an identifier column's value when the frame has one of
    :data:`IDENTITY_COLUMNS`; otherwise the time (UTC, to the second), the offense and the
    location (metric x/y to the metre), with a running number for exact duplicates.
    """
    if not secret:
        raise invalid("secret", secret, "the publisher's secret (non-empty bytes)")
    identities = _identities(incidents)
    return np.fromiter(
        (hmac.new(secret, t.encode("utf-8"), hashlib.sha256).digest()[0] for t in identities),
        dtype=np.int64,
        count=len(identities),
    )


def cell_key(keys: ArrayLike) -> int:
    """The cell key of a set of records: the sum of their record keys modulo KEY_RANGE."""
    return int(np.asarray(keys, dtype=np.int64).sum() % KEY_RANGE)


def unit_keys(keys: ArrayLike, units: ArrayLike, n_units: int) -> NDArray[np.int64]:
    """Cell keys of ``n_units`` units given each record's key and unit index (-1: none)."""
    k = np.asarray(keys, dtype=np.int64)
    u = np.asarray(units, dtype=np.int64)
    ok = u >= 0
    sums = np.bincount(u[ok], weights=k[ok], minlength=n_units)[:n_units]
    return np.rint(sums).astype(np.int64) % KEY_RANGE


def unit_counts(units: ArrayLike, n_units: int) -> NDArray[np.int64]:
    """Exact counts per unit index (-1: none)."""
    u = np.asarray(units, dtype=np.int64)
    return np.bincount(u[u >= 0], minlength=n_units)[:n_units].astype(np.int64)


def _identities(incidents: pd.DataFrame) -> list[str]:
    columns = {str(c).casefold(): c for c in incidents.columns}
    for name in IDENTITY_COLUMNS:
        if name in columns:
            values = incidents[columns[name]].astype("object")
            if values.notna().all() and values.is_unique:
                return ["id:" + str(v) for v in values]
    when = pd.to_datetime(incidents["occurred_at"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S")
    offense = incidents["offense"].astype("object").astype(str)
    geoms = getattr(incidents, "geometry", None)
    if geoms is not None:
        import shapely

        xy = np.rint(shapely.get_coordinates(geoms.values, include_z=False)).astype(np.int64)
        where = pd.Series(xy[:, 0].astype(str), dtype="object") + "," + xy[:, 1].astype(str)
    else:  # pragma: no cover - publish always passes a GeoDataFrame
        where = pd.Series([""] * len(incidents), dtype="object")
    base = (
        when.reset_index(drop=True).astype("object")
        + "|"
        + offense.reset_index(drop=True)
        + "|"
        + where.reset_index(drop=True)
    )
    dup = base.groupby(base, sort=False).cumcount().astype(str)
    return (base + "#" + dup).tolist()
