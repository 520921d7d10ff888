"""What ``serve.py``'s warm-up prepares beyond the first page: the structures filter changes reuse."""

from __future__ import annotations

from hotspots.dashboard import cached, warmup
from hotspots.dashboard.startup import default_key


def test_warm_up_prepares_what_every_filter_change_reuses() -> None:
    """After the warm-up, a filter change on the default data set finds the boundaries, the
    study area, the distinct places and the default grid ready (the saved default view does
    not bring them; the first filter change after a start used to build them)."""
    dataset, analysis = cached.default_view()
    warmup._prepare_filters(dataset, default_key(dataset))
    layouts = cached.layouts(dataset, dataset.key, id(dataset.load.table))
    size = analysis.params["cell_size_m"]
    for key in [("boundaries",), ("outline",), ("places",), ("grid", "square", size)]:
        assert key in layouts, key
    assert ("cell neighbours", "square", size, None) in layouts
