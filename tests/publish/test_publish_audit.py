"""The audit, attacked: every rule gets a leak sneaked into a real snapshot's bytes.

Each test starts from a clean snapshot of the hand-made incidents (conftest), tampers
with the final HTML / JSON / PNG the way a bug (or a careless template change) could,
and checks that the audit refuses, naming the rule.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely

import hotspots.publish as publish_module
from hotspots.errors import PrivacyError
from hotspots.publish import (
    TORONTO_MCI_GROUPS,
    AuditReference,
    PublicationRules,
    Snapshot,
    audit_files,
    audit_literals,
)
from hotspots.publish.render import script_json
from hotspots.spatial.projection import to_display

HTML, PNG, META = "snapshot.html", "snapshot.png", "snapshot.json"
_BLOCK = re.compile(
    r'(<script type="application/json" id="snapshot-data">)(.*?)(</script>)', re.DOTALL
)


@pytest.fixture(scope="module")
def reference(incidents: gpd.GeoDataFrame) -> AuditReference:
    return AuditReference.from_incidents(incidents, allowed=TORONTO_MCI_GROUPS)


@pytest.fixture(scope="module")
def audit(
    snapshot: Snapshot, reference: AuditReference, rules: PublicationRules
) -> Callable[[dict[str, bytes]], Any]:
    literals = audit_literals(rules, snapshot.metadata["generated_on"])

    def run(files: dict[str, bytes]) -> Any:
        return audit_files(files, reference, rules, allowed_literals=literals)

    return run


@pytest.fixture(scope="module")
def lonlat(incidents: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.get_coordinates(to_display(incidents).geometry.values)


def with_html(snapshot: Snapshot, change: Callable[[str], str]) -> dict[str, bytes]:
    files = dict(snapshot.files)
    files[HTML] = change(snapshot.html).encode("utf-8")
    return files


def with_data(snapshot: Snapshot, change: Callable[[dict[str, Any]], None]) -> dict[str, bytes]:
    def edit(html: str) -> str:
        match = _BLOCK.search(html)
        assert match
        data = json.loads(match.group(2))
        change(data)
        return html[: match.start(2)] + script_json(data) + html[match.end(2) :]

    return with_html(snapshot, edit)


def with_meta(snapshot: Snapshot, change: Callable[[dict[str, Any]], None]) -> dict[str, bytes]:
    files = dict(snapshot.files)
    meta = json.loads(files[META])
    change(meta)
    files[META] = json.dumps(meta, indent=2).encode("utf-8")
    return files


def refused(audit: Callable[[dict[str, bytes]], Any], files: dict[str, bytes], *rules: str) -> str:
    with pytest.raises(PrivacyError) as info:
        audit(files)
    message = str(info.value)
    for rule in rules:
        assert f"rule '{rule}' failed" in message, message
    assert "Nothing was written" in message
    return message


def area(data: dict[str, Any], name: str) -> dict[str, Any]:
    props: dict[str, Any] = next(
        f["properties"] for f in data["areas"]["features"] if f["properties"]["name"] == name
    )
    return props


def test_clean_snapshot_passes(
    snapshot: Snapshot, audit: Callable[[dict[str, bytes]], Any]
) -> None:
    report = audit(dict(snapshot.files))
    assert set(report.files) == {HTML, PNG, META}
    assert "no incident coordinates" in report.rules


# -- coordinates ----------------------------------------------------------------------------------


class TestCoordinates:
    def test_raw_point_feature(self, snapshot: Snapshot, audit: Any, lonlat: np.ndarray) -> None:
        lon, lat = lonlat[10]

        def add(data: dict[str, Any]) -> None:
            data["areas"]["features"].append(
                {
                    "type": "Feature",
                    "properties": {"name": "x"},
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                }
            )

        refused(audit, with_data(snapshot, add), "polygons only", "no incident coordinates")

    def test_incident_in_feature_properties_rounded_to_output_precision(
        self, snapshot: Snapshot, audit: Any, lonlat: np.ndarray
    ) -> None:
        lon, lat = np.round(lonlat[20], 5)

        def sneak(data: dict[str, Any]) -> None:
            data["areas"]["features"][0]["properties"]["centre"] = [float(lon), float(lat)]

        refused(audit, with_data(snapshot, sneak), "no incident coordinates")

    def test_lat_lon_order_in_page_text(
        self, snapshot: Snapshot, audit: Any, lonlat: np.ndarray
    ) -> None:
        lon, lat = lonlat[30]
        refused(
            audit,
            with_html(
                snapshot,
                lambda h: h.replace("</main>", f"<p>Seen at {lat:.8f}, {lon:.8f}</p></main>"),
            ),
            "no incident coordinates",
        )

    def test_metric_coordinates(
        self, snapshot: Snapshot, audit: Any, incidents: gpd.GeoDataFrame
    ) -> None:
        x, y = shapely.get_coordinates(incidents.geometry.values)[40]
        refused(
            audit,
            with_html(
                snapshot, lambda h: h.replace("</main>", f"<p>x={x:.1f} y={y:.1f}</p></main>")
            ),
            "no incident coordinates",
        )

    def test_coordinates_split_across_keys_in_metadata(
        self, snapshot: Snapshot, audit: Any, lonlat: np.ndarray
    ) -> None:
        lon, lat = lonlat[50]

        def sneak(meta: dict[str, Any]) -> None:
            meta["debug"] = {"lat": float(lat), "zoom": 12, "lon": float(lon)}

        refused(audit, with_meta(snapshot, sneak), "no incident coordinates", "identifiers")

    def test_png_text_chunk(self, snapshot: Snapshot, audit: Any, lonlat: np.ndarray) -> None:
        lon, lat = lonlat[60]
        files = dict(snapshot.files)
        files[PNG] = _png_with_chunk(
            files[PNG], b"tEXt", b"Title\x00" + f"Seen at {lon:.6f} {lat:.6f}".encode()
        )
        refused(audit, files, "no incident coordinates")


# -- small counts, rounding and subtraction --------------------------------------------------------


class TestCounts:
    def test_small_count_in_embedded_data(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_data(snapshot, lambda d: area(d, "Delta").update(incidents=3)),
            "small counts",
        )

    def test_small_count_in_table_cell(self, snapshot: Snapshot, audit: Any) -> None:
        def edit(html: str) -> str:
            head, sep, tail = html.partition(
                '<th scope="row">Delta</th><td class="n">not shown</td>'
            )
            assert sep
            return head + '<th scope="row">Delta</th><td class="n">3</td>' + tail

        refused(audit, with_html(snapshot, edit), "small counts")

    def test_small_count_in_free_text(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_html(
                snapshot, lambda h: h.replace("</main>", "<p>Only 2 incidents in Delta.</p></main>")
            ),
            "small counts",
        )

    def test_small_count_in_metadata(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_meta(snapshot, lambda m: m["published"].update(delta_incidents=1)),
            "small counts",
        )

    def test_small_count_written_as_a_string(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_data(snapshot, lambda d: area(d, "Delta").update(incidents="3")),
            "small counts",
        )

    def test_zero_is_a_small_count(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_data(snapshot, lambda d: area(d, "Delta").update(incidents=0)),
            "small counts",
        )


# -- names, categories, identifiers, places, dates ------------------------------------------------


class TestText:
    def test_script_name_is_escaped_in_a_real_snapshot(self, snapshot: Snapshot) -> None:
        html = snapshot.html
        assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in html
        assert "\\u003cscript\\u003ewindow.__xss" in html
        assert html.count("<script") == 3

    def test_unescaped_script_name(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_html(
                snapshot,
                lambda h: h.replace(
                    "&lt;script&gt;window.__xss = 1&lt;/script&gt;",
                    "<script>window.__xss = 1</script>",
                    1,
                ),
            ),
            "markup",
        )

    def test_event_handler_attribute(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_html(snapshot, lambda h: h.replace("<h1>", '<h1 onmouseover="alert(1)">', 1)),
            "markup",
        )

    def test_script_closing_inside_the_data_block(self, snapshot: Snapshot, audit: Any) -> None:
        def edit(html: str) -> str:
            return html.replace("\\u003cscript\\u003e", "</script><script>", 1)

        refused(audit, with_html(snapshot, edit), "markup")

    def test_category_off_the_allow_list_named(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_html(
                snapshot,
                lambda h: h.replace('<td class="n">', '<td>Sexual Assault</td><td class="n">', 1),
            ),
            "allow list",
        )
        refused(
            audit,
            with_meta(snapshot, lambda m: m["offense_groups"].append("Domestic Violence - Family")),
            "allow list",
        )

    def test_identifier(self, snapshot: Snapshot, audit: Any, incidents: gpd.GeoDataFrame) -> None:
        ident = str(incidents["event_unique_id"].iloc[5])
        refused(
            audit,
            with_html(snapshot, lambda h: h.replace("</main>", f"<p>Case {ident}</p></main>")),
            "identifiers",
        )

    def test_row_level_key(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_data(snapshot, lambda d: area(d, "Alpha").update(source_row=12)),
            "identifiers",
        )

    def test_premises(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_html(
                snapshot,
                lambda h: h.replace('<td class="n">', '<td>Apartment</td><td class="n">', 1),
            ),
            "premises and addresses",
        )
        refused(
            audit,
            with_data(snapshot, lambda d: area(d, "Alpha").update(premises="House")),
            "premises and addresses",
            "identifiers",
        )

    @pytest.mark.parametrize(
        "stamp",
        [
            "2021-03-14",
            "14:30",
            "14/03/2021",
            "March 14, 2021",
            "14 March 2021",
            "2021-03-14T14:00:00",
        ],
    )
    def test_exact_timestamps(self, snapshot: Snapshot, audit: Any, stamp: str) -> None:
        refused(
            audit,
            with_html(
                snapshot, lambda h: h.replace("</main>", f"<p>Last incident: {stamp}</p></main>")
            ),
            "exact timestamps",
        )

    def test_generation_date_is_the_only_allowed_date(self, snapshot: Snapshot) -> None:
        dates = re.findall(r"\d{4}-\d{2}-\d{2}", snapshot.html)
        assert dates == [snapshot.metadata["generated_on"]]


# -- geometry, network, PNG ------------------------------------------------------------------------


class TestStructure:
    def test_cell_size_below_minimum(self, snapshot: Snapshot, audit: Any) -> None:
        refused(
            audit,
            with_data(snapshot, lambda d: d["grid"].update(cell_size_m=250.0)),
            "minimum cell size",
        )

    def test_small_cell_polygon(self, snapshot: Snapshot, audit: Any) -> None:
        def shrink(data: dict[str, Any]) -> None:
            geom = data["grid"]["cells"]["features"][0]["geometry"]
            ring = np.array(geom["coordinates"][0])
            centre = ring[:-1].mean(axis=0)
            geom["coordinates"][0] = np.round(centre + (ring - centre) * 0.2, 5).tolist()

        refused(audit, with_data(snapshot, shrink), "minimum cell size")

    @pytest.mark.parametrize(
        "markup",
        [
            '<link rel="stylesheet" href="https://cdn.example.org/leaflet.css">',
            '<img src="https://tracker.example.org/pixel.png" alt="">',
            "<style>@import url(https://fonts.example.org/font.css);</style>",
            '<div style="background:url(https://example.org/x.png)"></div>',
            '<iframe src="data:text/html,hi"></iframe>',
        ],
    )
    def test_network_resources(self, snapshot: Snapshot, audit: Any, markup: str) -> None:
        refused(
            audit,
            with_html(snapshot, lambda h: h.replace("</main>", markup + "</main>")),
            "network",
        )

    def test_png_extra_chunks(self, snapshot: Snapshot, audit: Any) -> None:
        files = dict(snapshot.files)
        files[PNG] = _png_with_chunk(
            files[PNG], b"tIME", struct.pack(">HBBBBB", 2021, 3, 14, 14, 30, 0)
        )
        refused(audit, files, "png metadata")
        files[PNG] = _png_with_chunk(snapshot.files[PNG], b"tEXt", b"Software\x00matplotlib")
        refused(audit, files, "png metadata")

    def test_png_has_only_a_title(self, snapshot: Snapshot) -> None:
        kinds = _png_kinds(snapshot.files[PNG])
        assert set(kinds) <= {b"IHDR", b"IDAT", b"IEND", b"pHYs", b"tEXt"}
        assert kinds.count(b"tEXt") == 1

    def test_unknown_file_kind(self, snapshot: Snapshot, audit: Any) -> None:
        refused(audit, {**snapshot.files, "points.csv": b"lon,lat\n"}, "markup")


def test_nothing_is_written_when_the_audit_fails(
    make_snapshot: Callable[..., Snapshot],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lonlat: np.ndarray,
) -> None:
    """A renderer bug that leaks a point: publication refuses and writes nothing."""
    real = publish_module.render_html
    lon, lat = lonlat[0]

    def leaky(content: dict[str, Any], **kwargs: Any) -> str:
        return real(content, **kwargs).replace("</main>", f"<p>{lon:.8f},{lat:.8f}</p></main>")

    monkeypatch.setattr(publish_module, "render_html", leaky)
    out = tmp_path / "snapshot"
    with pytest.raises(PrivacyError, match="no incident coordinates"):
        make_snapshot(out_dir=out)
    assert not out.exists() or not any(out.iterdir())


# -- helpers --------------------------------------------------------------------------------------


def _png_with_chunk(png: bytes, kind: bytes, data: bytes) -> bytes:
    chunk = (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )
    end = png.rindex(b"IEND") - 4
    return png[:end] + chunk + png[end:]


def _png_kinds(png: bytes) -> list[bytes]:
    pos, kinds = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kinds.append(png[pos + 4 : pos + 8])
        pos += 12 + length
    return kinds
