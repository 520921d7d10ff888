"""Point clusters: dense groups of incidents found without a grid (scikit-learn).

``method="hdbscan"`` (default) finds clusters of varying density with
:class:`sklearn.cluster.HDBSCAN`; ``method="dbscan"`` uses :class:`sklearn.cluster.DBSCAN`
with the neighbourhood radius in metres (``eps_m``). Both run on the incidents' metric
coordinates, so distances are metres. Each cluster gets an outline (the convex hull of its
incidents, buffered by ``outline_buffer_m`` so that a cluster on one street corner is still
a visible shape), its count and its main offense; the result also says what share of the
incidents fell in a cluster.

A cluster is a description, not a test: unlike Gi*, nothing here says the concentration is
more than chance. Pair it with the hot spot analysis before calling a place a hot spot.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from hotspots.errors import ColumnError, EmptyDataError, InputError, invalid
from hotspots.spatial.filters import Filters, apply_filters
from hotspots.spatial.projection import require_metric

log = logging.getLogger(__name__)

ClusterMethod = Literal["hdbscan", "dbscan"]
CLUSTER_METHODS: tuple[str, ...] = ("hdbscan", "dbscan")
#: Columns of :attr:`PointClusters.clusters` (plus ``geometry``).
CLUSTER_COLUMNS: tuple[str, ...] = (
    "cluster_id", "count", "share", "main_offense", "main_offense_share", "area_km2",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class PointClusters:
    """The result of :func:`point_clusters`.

    Attributes
    ----------
    clusters : GeoDataFrame (metric CRS)
        One row per cluster, largest first: ``cluster_id`` (1..k), ``count``, ``share`` (of
        all clustered incidents), ``main_offense``, ``main_offense_share``, ``area_km2`` of the
        outline, and the outline polygon.
    labels : ndarray of int64
        Cluster id of each selected incident (0 = in no cluster), in ``incidents`` order.
    incidents : GeoDataFrame
        The incidents that were clustered (after the filters).
    share_clustered : float
        Share of the incidents that fell in a cluster.
    params : dict
        Method, its settings and the filters, ready for JSON.
    """

    clusters: gpd.GeoDataFrame
    labels: NDArray[np.int64]
    incidents: gpd.GeoDataFrame
    share_clustered: float
    params: dict[str, Any] = field(default_factory=dict)


def point_clusters(
    incidents: gpd.GeoDataFrame,
    *,
    method: ClusterMethod = "hdbscan",
    min_cluster_size: int = 25,
    min_samples: int | None = None,
    eps_m: float = 100.0,
    selection: Literal["leaf", "eom"] = "leaf",
    filters: Filters | None = None,
    outline_buffer_m: float = 25.0,
) -> PointClusters:
    """Dense clusters of incidents with HDBSCAN (default) or DBSCAN.

    Parameters
    ----------
    incidents : GeoDataFrame
        Points in a metric CRS (``offense`` column optional), as from
        :func:`hotspots.read_incidents`.
    method : {"hdbscan", "dbscan"}
    min_cluster_size : int, default 25
        Smallest cluster, in incidents (HDBSCAN's ``min_cluster_size``; DBSCAN's
        ``min_samples`` when ``min_samples`` is not given). Clusters smaller than this are
        dropped with DBSCAN too, so both methods answer the same question.
    min_samples : int, optional
        Incidents within reach for a core point (HDBSCAN default: ``min_cluster_size``).
    eps_m : float, default 100
        DBSCAN's neighbourhood radius in metres (ignored by HDBSCAN).
    selection : {"leaf", "eom"}, default "leaf"
        HDBSCAN's ``cluster_selection_method``. Our default is ``"leaf"``: street-scale
        clusters. scikit-learn's ``"eom"`` merges them into a few district-sized ones (on
        Toronto's 2019 break-ins: clusters up to 60 km²).
    filters : Filters, optional
        Offense and date selection first.
    outline_buffer_m : float, default 25
        Buffer around each cluster's convex hull, in metres.

    Returns
    -------
    PointClusters

    Raises
    ------
    InputError
        For bad options; :class:`~hotspots.errors.EmptyDataError` when fewer incidents than
        ``min_cluster_size`` pass the filters; ImportError with the install hint when
        scikit-learn is missing.
    """
    if method not in CLUSTER_METHODS:
        raise invalid("clusters:method", method, CLUSTER_METHODS)
    if selection not in ("leaf", "eom"):
        raise invalid("selection", selection, ("leaf", "eom"))
    size = _positive_int("min_cluster_size", min_cluster_size, minimum=2)
    samples = None if min_samples is None else _positive_int("min_samples", min_samples, minimum=1)
    if not (np.isfinite(eps_m) and eps_m > 0):
        raise invalid("eps_m", eps_m, "a positive distance in metres", "For example eps_m=100.")
    if not (np.isfinite(outline_buffer_m) and outline_buffer_m >= 0):
        raise invalid("outline_buffer_m", outline_buffer_m, "a distance in metres, 0 or more")
    if "geometry" not in incidents:
        raise ColumnError("incidents has no geometry; load them with hotspots.read_incidents(...).")
    crs = require_metric(incidents, "incidents")
    chosen = filters or Filters()
    selected = apply_filters(incidents, chosen) if filters is not None else incidents
    if len(selected) < size:
        raise EmptyDataError(
            f"{len(selected)} incident(s) pass the filters ({chosen.describe()}), fewer than "
            f"min_cluster_size={size}; widen the filters or lower min_cluster_size."
        )
    xy = shapely.get_coordinates(selected.geometry.values)
    raw = _fit(
        xy, method=method, size=size, samples=samples, eps_m=float(eps_m), selection=selection
    )
    labels = _relabel_by_size(raw, size)
    offense = selected["offense"].to_numpy() if "offense" in selected.columns else None
    clusters = _cluster_table(xy, labels, offense, crs=crs, buffer_m=float(outline_buffer_m))
    share = float(np.count_nonzero(labels) / labels.size)
    params = {
        "method": method,
        "min_cluster_size": size,
        "min_samples": samples,
        "eps_m": float(eps_m) if method == "dbscan" else None,
        "selection": selection if method == "hdbscan" else None,
        "outline": f"convex hull buffered by {outline_buffer_m:g} m",
        "filters": chosen.as_dict(),
        "filters_text": chosen.describe(),
        "incidents": len(selected),
        "clusters": len(clusters),
        "share_clustered": share,
    }
    log.info(
        "%s: %d cluster(s) holding %.0f%% of %s incidents",
        method.upper(),
        len(clusters),
        100 * share,
        f"{len(selected):,}",
    )
    return PointClusters(
        clusters=clusters, labels=labels, incidents=selected, share_clustered=share, params=params
    )


def _fit(
    xy: NDArray[np.float64],
    *,
    method: str,
    size: int,
    samples: int | None,
    eps_m: float,
    selection: str,
) -> NDArray[np.int64]:
    try:
        cluster = importlib.import_module("sklearn.cluster")
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "Point clusters need scikit-learn, a dependency of hotspots: pip install scikit-learn."
        ) from exc
    if method == "hdbscan":
        model = cluster.HDBSCAN(
            min_cluster_size=size,
            min_samples=samples,
            cluster_selection_method=selection,
            copy=True,
        )
    else:
        model = cluster.DBSCAN(eps=eps_m, min_samples=samples or size)
    return np.asarray(model.fit_predict(xy), dtype=np.int64)


def _relabel_by_size(raw: NDArray[np.int64], size: int) -> NDArray[np.int64]:
    """Ids 1..k from the largest cluster down; 0 for noise and clusters below ``size``."""
    ids, counts = np.unique(raw[raw >= 0], return_counts=True)
    keep = counts >= size
    order = ids[keep][np.argsort(-counts[keep], kind="stable")]
    mapping = np.zeros(int(raw.max(initial=-1)) + 2, dtype=np.int64)
    mapping[order + 1] = np.arange(1, order.size + 1)
    return mapping[raw + 1]


def _cluster_table(
    xy: NDArray[np.float64],
    labels: NDArray[np.int64],
    offense: NDArray[Any] | None,
    *,
    crs: Any,
    buffer_m: float,
) -> gpd.GeoDataFrame:
    k = int(labels.max(initial=0))
    counts = np.bincount(labels, minlength=k + 1)[1:]
    members = np.flatnonzero(labels > 0)
    members = members[np.argsort(labels[members], kind="stable")]
    points = shapely.points(xy[members])
    parts = shapely.multipoints(points, indices=labels[members] - 1) if k else []
    outlines = shapely.buffer(shapely.convex_hull(parts), buffer_m) if k else []
    main, main_share = _main_offense(labels, offense, k, counts)
    frame = gpd.GeoDataFrame(
        {
            "cluster_id": np.arange(1, k + 1, dtype=np.int64),
            "count": counts.astype(np.int64),
            "share": counts / max(int(counts.sum()), 1),
            "main_offense": main,
            "main_offense_share": main_share,
            "area_km2": np.asarray(shapely.area(outlines), dtype=np.float64) / 1e6
            if k
            else np.zeros(0),
        },
        geometry=gpd.GeoSeries(list(outlines) if k else [], crs=crs),
        crs=crs,
    )
    return frame


def _main_offense(
    labels: NDArray[np.int64], offense: NDArray[Any] | None, k: int, counts: NDArray[np.int64]
) -> tuple[pd.Series, NDArray[np.float64]]:
    if offense is None or k == 0:
        return pd.Series([None] * k, dtype="string"), np.full(k, np.nan)
    mix = (
        pd.DataFrame({"cluster": labels, "offense": offense})
        .loc[lambda f: f["cluster"] > 0]
        .value_counts()
        .reset_index(name="n")
        .sort_values(["cluster", "n", "offense"], ascending=[True, False, True])
        .drop_duplicates("cluster")
        .set_index("cluster")
        .reindex(np.arange(1, k + 1))
    )
    return (
        pd.Series(mix["offense"].to_numpy(), dtype="string"),
        (mix["n"].to_numpy(dtype=np.float64) / counts).round(3),
    )


def _positive_int(argument: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(
            f"{argument}={value!r} is not allowed; use a whole number of incidents, at least "
            f"{minimum}. For example {argument}=25."
        )
    return int(value)
