"""Point clusters: planted blobs found by HDBSCAN and DBSCAN, outlines, offenses, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from hotspots.errors import EmptyDataError, InputError
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_incidents
from hotspots.spatial.filters import Filters
from hotspots.stats.clusters import CLUSTER_COLUMNS, point_clusters

EXTENT = (0.0, 0.0, 4_000.0, 4_000.0)
CENTRES = ((1_000.0, 1_000.0), (3_000.0, 1_200.0), (2_000.0, 3_000.0))


@pytest.fixture(scope="module")
def blobs():
    spots = [PlantedHotspot(x, y, radius_m=80.0, share=0.15) for x, y in CENTRES]
    return synthetic_incidents(2_000, extent_m=EXTENT, hotspots=spots, rng=4).incidents


@pytest.mark.parametrize(("method", "options"), [("hdbscan", {}), ("dbscan", {"eps_m": 40.0})])
def test_planted_blobs_are_found(blobs, method: str, options: dict[str, float]) -> None:
    result = point_clusters(blobs, method=method, min_cluster_size=50, **options)  # type: ignore[arg-type]
    clusters = result.clusters
    assert list(clusters.columns) == [*CLUSTER_COLUMNS, "geometry"]
    # Each planted disc lies inside exactly one cluster outline, of about the disc's size.
    for x, y in CENTRES:
        holding = clusters.loc[clusters.contains(shapely.Point(x, y))]
        assert len(holding) == 1
        assert 200 <= int(holding["count"].iloc[0]) <= 400  # 300 planted + a few background
    assert len(clusters) <= 5  # background noise makes few clusters, if any
    assert 0.4 <= result.share_clustered <= 0.6  # 45% planted
    assert clusters["count"].is_monotonic_decreasing
    assert (result.labels > 0).sum() == clusters["count"].sum()


def test_main_offense_and_filters(blobs) -> None:
    result = point_clusters(blobs, filters=Filters(offenses=("Assault",)), min_cluster_size=20)
    assert len(result.incidents) == int((blobs["offense"] == "Assault").sum())
    assert set(result.clusters["main_offense"]) == {"Assault"}
    assert (result.clusters["main_offense_share"] == 1.0).all()


def test_noise_alone_has_no_big_cluster() -> None:
    noise = synthetic_incidents(1_500, extent_m=EXTENT, rng=5).incidents
    result = point_clusters(noise, method="dbscan", eps_m=40.0, min_cluster_size=50)
    assert len(result.clusters) == 0
    assert result.share_clustered == 0.0


def test_bad_input_is_explained(blobs) -> None:
    with pytest.raises(InputError, match="method"):
        point_clusters(blobs, method="kmeans")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="eps_m"):
        point_clusters(blobs, method="dbscan", eps_m=-5.0)
    with pytest.raises(InputError, match="min_cluster_size"):
        point_clusters(blobs, min_cluster_size=1)
    with pytest.raises(EmptyDataError, match="min_cluster_size"):
        point_clusters(blobs.iloc[:10], min_cluster_size=25)
    assert np.isfinite(point_clusters(blobs, min_cluster_size=50).share_clustered)
