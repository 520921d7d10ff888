"""The one hot-spot rule: minimum evidence, "a hot spot is a place with crime", bins inside the set."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.analysis import analyze
from hotspots.ingest.synthetic import synthetic_incidents
from hotspots.stats.classify import (
    COLD,
    HOT,
    MIN_INCIDENTS,
    NEAR_HOT,
    NOT_SIGNIFICANT,
    classify_hotspots,
)

EXTENT = (620_000.0, 4_830_000.0, 625_000.0, 4_835_000.0)  # 5 x 5 km


def with_pile(background: int, pile: int, *, seed: int = 0) -> gpd.GeoDataFrame:
    """``background`` random incidents plus ``pile`` at four busy addresses 250 m apart (a
    mall, a station and their street), so they fill a block of adjacent 250 m cells."""
    data = synthetic_incidents(background + pile, extent_m=EXTENT, rng=seed).incidents.copy()
    corners = np.array([[0.0, 0.0], [250.0, 0.0], [0.0, 250.0], [250.0, 250.0]])
    where = corners[np.arange(pile) % 4] + [622_610.0, 4_832_620.0]
    rows = np.arange(background, background + pile)
    data.loc[data.index[rows], "geometry"] = gpd.points_from_xy(
        where[:, 0], where[:, 1], crs=data.crs
    )
    return data


def test_classes_follow_the_rule_on_hand_made_numbers() -> None:
    counts = np.array([9.0, 0.0, 1.0, 0.0, 5.0, 2.0])  # mean 2.833
    z = np.array([4.0, 3.0, 2.5, -3.0, 0.5, -0.2])
    p_fdr = np.array([0.001, 0.004, 0.07, 0.02, 0.9, 0.5])
    classes = classify_hotspots(counts, z, p_fdr, alpha=0.05, incidents=400)
    assert classes.label.tolist() == [HOT, NEAR_HOT, NOT_SIGNIFICANT, COLD, NOT_SIGNIFICANT,
                                      NOT_SIGNIFICANT]  # fmt: skip
    # Bins only inside the significant set: the 0.07 cell gets no "90%" bin at alpha 0.05.
    assert classes.bin.tolist() == [3, 3, 0, -2, 0, 0]
    assert classes.threshold == pytest.approx(counts.mean())
    wider = classify_hotspots(counts, z, p_fdr, alpha=0.10, incidents=400)
    assert wider.bin[2] == 1 and wider.label[2] == NEAR_HOT


@pytest.mark.parametrize("incidents", [0, 2, MIN_INCIDENTS - 1])
def test_below_the_minimum_nothing_is_significant_and_the_note_says_why(
    incidents: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="hotspots.stats.classify"):
        classes = classify_hotspots([5.0, 0.0], [5.0, -5.0], [1e-9, 1e-9], alpha=0.05,
                                    incidents=incidents)  # fmt: skip
    assert not classes.significant.any() and (classes.label == NOT_SIGNIFICANT).all()
    assert (classes.bin == 0).all() and not classes.enough_evidence
    assert classes.note is not None and f"at least {MIN_INCIDENTS}" in classes.note
    assert f"{incidents:,} incident" in classes.note
    assert "at least 30" in caplog.text


def test_two_incidents_make_no_hot_spot() -> None:
    """Two incidents used to give 8 hot cells 'at 99%', six of them empty."""
    result = analyze(with_pile(0, 2), cell_size_m=250.0, lisa=True)
    assert result.params["hotspot_cells"] == 0 and result.params["coldspot_cells"] == 0
    assert not result.params["enough_evidence"]
    assert (result.cells["gi_class"] == NOT_SIGNIFICANT).all()
    assert (result.cells["lisa_cluster"] == "Not significant").all()
    assert result.hotspots.empty
    assert any("at least 30" in note for note in result.params["notes"])


def test_thirty_incidents_are_enough_and_twenty_nine_are_not() -> None:
    """The edge of the minimum: 24 at four addresses plus random ones."""
    enough = analyze(with_pile(6, 24), cell_size_m=250.0, lisa=False)
    assert enough.params["enough_evidence"] and enough.params["incidents_selected"] == 30
    assert enough.params["hotspot_cells"] >= 1
    assert not any("at least 30" in note for note in enough.params["notes"])
    short = analyze(with_pile(5, 24), cell_size_m=250.0, lisa=False)
    assert short.params["hotspot_cells"] == 0 and not short.params["enough_evidence"]


def test_halo_cells_are_near_a_hot_spot_not_hot_spots() -> None:
    """917 incidents at four busy addresses among 400 random ones: their cells are the hot
    spots; the mostly empty cells around them are significant only through them, so they
    are "near a hot spot"."""
    result = analyze(with_pile(400, 917), cell_size_m=250.0, lisa=False)
    cells = result.cells
    pile_cell = cells.loc[cells["count"].idxmax()]
    assert pile_cell["gi_class"] == HOT and pile_cell["count"] >= 917 / 4
    threshold = cells["count"].mean()
    hot = cells.loc[cells["hotspot"]]
    assert (hot["count"] > threshold).all()
    near = cells.loc[cells["gi_class"] == NEAR_HOT]
    assert len(near) >= 1 and (near["count"] <= threshold).all()
    # No empty cell is ever a hot spot, however hot its neighbours.
    assert (cells.loc[cells["count"] == 0, "gi_class"] != HOT).all()
    assert not near["hotspot"].any()
    assert near["gi_label"].str.startswith("Near a hot spot").all()
    # Every surface reads the same set: the table and the headline count only hot spots.
    assert set(result.hotspots["cell_id"]) == set(hot["cell_id"])
    assert result.params["hotspot_cells"] == len(hot)
    assert result.params["near_hotspot_cells"] == len(near)
    assert "own count" in result.params["hotspot_rule"]


def test_bins_and_labels_only_inside_the_fdr_set() -> None:
    result = analyze(with_pile(400, 200, seed=3), cell_size_m=250.0, lisa=False)
    cells = result.cells
    significant = cells["gi_p_fdr"] <= result.params["alpha"]
    assert ((cells["gi_bin"] != 0) == significant).all()
    assert (cells.loc[~significant, "gi_label"] == NOT_SIGNIFICANT).all()
    assert pd.api.types.is_string_dtype(cells["gi_class"])
