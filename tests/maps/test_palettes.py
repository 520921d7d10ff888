"""maps/palettes: the one rule for class breaks and the legend labels every product uses."""

from __future__ import annotations

import numpy as np

from hotspots.maps import palettes


def test_class_breaks_round_up_and_cover_the_maximum() -> None:
    rng = np.random.default_rng(2)
    values = rng.lognormal(2.0, 1.2, 500)
    breaks = palettes.class_breaks(values, classes=5)
    assert 1 <= breaks.size <= 5 and np.all(np.diff(breaks) > 0)
    assert breaks[-1] >= values.max()
    # Every bound has at most 2 significant digits (legends read "1.4", "27", "1,100").
    assert all(float(f"{b:.2g}") == b for b in breaks)
    classes = palettes.class_of(values, breaks)
    assert classes.min() == 0 and classes.max() == breaks.size - 1
    assert np.all(values <= breaks[classes])
    assert palettes.class_of([0.0, np.nan], breaks).tolist() == [-1, -1]


def test_plain_class_labels_for_the_public() -> None:
    classes = [{"low": 0.0, "high": 25.0}, {"low": 25.0, "high": 39.5}, {"low": 39.5, "high": 81.0}]
    labels = [palettes.plain_class_label(i, classes) for i in range(3)]
    assert labels == ["under 25", "25 to 39.5", "39.5 or more"]
    assert palettes.plain_class_label(0, classes[:1]) == "0 to 25"
    assert palettes.plain_number(1234.0) == "1,234" and palettes.plain_number(0.123) == "0.12"


def test_gi_legend_is_the_analysis_label() -> None:
    assert palettes.GI_LEGEND[3] == "Hot spot, 99% confidence"
    assert set(palettes.GI_LEGEND) == set(palettes.GI_COLOURS)
    assert set(palettes.GI_LEGEND) == {*range(-3, 4), palettes.NEAR_HOT_CODE}
    assert set(palettes.HOT_SPOT_FILLS) == {1, 2, 3}
