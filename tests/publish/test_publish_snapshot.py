"""publish_snapshot end to end: what is in the files, what never is, and the rule errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from publish_helpers import NOW, PREMISES, SCRIPT_NAME, SENSITIVE, embedded_data

from hotspots.errors import EmptyDataError, InputError, PrivacyError
from hotspots.publish import TORONTO_MCI_GROUPS, Basemap, PublicationRules, Publisher, Snapshot


def all_text(snapshot: Snapshot) -> str:
    return (
        snapshot.html
        + snapshot.files["snapshot.json"].decode()
        + snapshot.files["snapshot.png"].decode("latin-1")
    )


def incident_values(data: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if "incident" in key and not isinstance(value, dict | list):
                found.append(value)
            found += incident_values(value)
    elif isinstance(data, list):
        for value in data:
            found += incident_values(value)
    return found


class TestContent:
    def test_three_files_written(
        self, make_snapshot: Callable[..., Snapshot], tmp_path: Path
    ) -> None:
        snap = make_snapshot(out_dir=tmp_path / "out")
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
            "snapshot.html",
            "snapshot.json",
            "snapshot.png",
        ]
        assert snap.paths["snapshot.html"].read_bytes() == snap.files["snapshot.html"]
        assert snap.files["snapshot.png"].startswith(b"\x89PNG")

    def test_every_published_count_is_hidden_or_at_least_k(self, snapshot: Snapshot) -> None:
        values = incident_values(embedded_data(snapshot.html)) + incident_values(snapshot.metadata)
        assert values
        assert all(v is None or v >= 5 for v in values)
        # Perturbed, not rounded: some values are not multiples of 5.
        assert any(v is not None and v % 5 for v in values)

    def test_small_neighbourhood_is_hidden(self, snapshot: Snapshot) -> None:
        data = embedded_data(snapshot.html)
        delta = next(
            f["properties"] for f in data["areas"]["features"] if f["properties"]["name"] == "Delta"
        )
        assert delta["incidents"] is None and delta["per_km2"] is None and delta["class"] == -1
        # 3 incidents at 3 places: fewer than 8 distinct locations, so hidden whatever its count.
        assert '<th scope="row">Delta</th><td class="n">not shown</td>' in snapshot.html
        assert delta["hidden"] == "not shown"
        assert snapshot.suppression.areas == 1

    def test_total_is_perturbed_on_its_own_and_close_to_the_truth(
        self, snapshot: Snapshot, incidents: gpd.GeoDataFrame
    ) -> None:
        data = embedded_data(snapshot.html)
        local = incidents["occurred_at"].dt.tz_localize(None)
        in_2021 = (
            (local >= "2021-01-01") & (local < "2022-01-01") & ~incidents["offense"].isin(SENSITIVE)
        )
        bound = data["rules"]["perturbation"]["bound"]
        assert abs(data["total"]["incidents"] - int(in_2021.sum())) <= bound
        assert "derived_from" not in data["total"]

    def test_only_allow_listed_categories_and_nothing_about_the_rest(
        self, snapshot: Snapshot
    ) -> None:
        text = all_text(snapshot)
        for name in SENSITIVE:
            assert name.lower() not in text.lower()
        for word in ("sensitive", "excluded", "domestic", "sexual"):
            assert word not in text.lower(), word
        assert snapshot.metadata["offense_groups"] == list(TORONTO_MCI_GROUPS)

    def test_no_ids_premises_or_row_numbers(
        self, snapshot: Snapshot, incidents: gpd.GeoDataFrame
    ) -> None:
        text = all_text(snapshot)
        assert not any(str(v) in text for v in incidents["event_unique_id"].head(200))
        for premises in PREMISES:
            assert premises not in snapshot.html and premises not in text
        assert "source_row" not in text and "event_unique_id" not in text
        keys = set(
            re.findall(
                r'"([^"]+)":',
                snapshot.files["snapshot.json"].decode() + json.dumps(embedded_data(snapshot.html)),
            )
        )
        assert not keys & {
            "premises",
            "premises_type",
            "source_row",
            "occurred_at",
            "lat",
            "lon",
            "id",
        }

    def test_no_point_geometry_and_coordinates_rounded(self, snapshot: Snapshot) -> None:
        data = embedded_data(snapshot.html)
        types = {
            f["geometry"]["type"]
            for f in data["areas"]["features"] + data["grid"]["cells"]["features"]
        }
        assert types <= {"Polygon", "MultiPolygon"}
        numbers = re.findall(r"-?\d+\.(\d+)", json.dumps(data["areas"]))
        assert max(len(n) for n in numbers) <= 5

    def test_names_are_escaped(self, snapshot: Snapshot) -> None:
        assert SCRIPT_NAME not in snapshot.html
        assert "&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;" in snapshot.html

    def test_title_is_escaped(self, make_snapshot: Callable[..., Snapshot]) -> None:
        snap = make_snapshot(title='Crime & <b onclick="x()">safety</b>')
        assert (
            "<title>Crime &amp; &lt;b onclick=&quot;x()&quot;&gt;safety&lt;/b&gt; — January to December 2021</title>"
            in snap.html
        )

    def test_page_parts(self, snapshot: Snapshot) -> None:
        html = snapshot.html
        for part in (
            "<h1>Test City 2021</h1>", "January to December 2021", "Offenses covered: Assault, Auto Theft, Break and Enter, Robbery, Theft Over",
            'id="legend"', "What is a hot spot, and how sure are we?", '<svg class="trend"', "About this map",
            "<caption>Incidents by neighbourhood</caption>", '<th scope="col">Neighbourhood</th>', "Generated on 2024-06-01",
            "Content-Security-Policy", "default-src &#x27;none&#x27;",
        ):  # fmt: skip
            assert part in html, part
        own = re.sub(
            r"<style>.*?</style>", "", html.split('<script id="leaflet-js">')[0], flags=re.DOTALL
        )
        assert "https://" not in own and "http://" not in own.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )

    def test_metadata(self, snapshot: Snapshot) -> None:
        meta = snapshot.metadata
        assert meta["rules"]["k"] == 5 and meta["rules"]["min_cell_size_m"] == 500
        assert meta["parameters"]["cell_size_m"] == 500 and meta["parameters"]["grid"] == "square"
        assert meta["suppression"]["neighbourhoods_hidden"] == 1
        assert meta["audit"]["passed"] is True and "allow list" in meta["audit"]["rules_checked"]
        assert meta["versions"]["hotspots"] and meta["versions"]["xstatic-leaflet"]
        assert json.loads(snapshot.files["snapshot.json"]) == meta


class TestDeterminism:
    def test_same_inputs_same_files_apart_from_the_date(
        self, make_snapshot: Callable[..., Snapshot], tmp_path: Path
    ) -> None:
        a = make_snapshot(now=pd.Timestamp("2024-06-01"), publisher=tmp_path)
        b = make_snapshot(now=pd.Timestamp("2025-02-03"), publisher=tmp_path)
        assert a.html != b.html

        def strip(html: str) -> str:
            return re.sub(r"Generated on \d{4}-\d{2}-\d{2}", "", html)

        assert strip(a.html) == strip(b.html)
        assert a.files["snapshot.png"] == b.files["snapshot.png"]
        ma, mb = dict(a.metadata), dict(b.metadata)
        ma.pop("generated_on")
        mb.pop("generated_on")
        assert ma == mb


class TestRules:
    def test_period_must_be_whole_months(self, make_snapshot: Callable[..., Snapshot]) -> None:
        with pytest.raises(InputError, match="whole months"):
            make_snapshot(period="2021-01-15..2021-12")

    def test_recent_period_refused(self, make_snapshot: Callable[..., Snapshot]) -> None:
        with pytest.raises(PrivacyError, match="minimum lag"):
            make_snapshot(now=pd.Timestamp("2021-12-20"))
        with pytest.raises(PrivacyError, match="minimum lag"):
            make_snapshot(now=pd.Timestamp("2022-01-10"))
        make_snapshot(now=pd.Timestamp("2022-01-10"), rules=PublicationRules(min_lag_months=0))

    def test_small_cells_refused(self, make_snapshot: Callable[..., Snapshot]) -> None:
        with pytest.raises(PrivacyError, match="minimum cell size"):
            make_snapshot(cell_size_m=250)

    def test_larger_cells_and_hexagons(self, make_snapshot: Callable[..., Snapshot]) -> None:
        snap = make_snapshot(cell_size_m=750, grid="hex")
        data = embedded_data(snap.html)
        assert data["grid"]["cell_size_m"] == 750 and data["grid"]["kind"] == "hex"

    def test_asking_for_an_offense_off_the_allow_list_is_refused(
        self, make_snapshot: Callable[..., Snapshot]
    ) -> None:
        with pytest.raises(PrivacyError, match="allow list"):
            make_snapshot(offenses=["Sexual Assault"])
        with pytest.raises(PrivacyError, match="allow list"):
            make_snapshot(offenses=["Arson"])

    def test_only_one_group_or_all(self, make_snapshot: Callable[..., Snapshot]) -> None:
        with pytest.raises(PrivacyError, match="fixed offense groups"):
            make_snapshot(offenses=["Assault", "Robbery"])

    def test_chosen_offenses(self, make_snapshot: Callable[..., Snapshot]) -> None:
        snap = make_snapshot(offenses=["Robbery"])
        assert snap.metadata["offense_groups"] == ["Robbery"]

    def test_custom_k(self, make_snapshot: Callable[..., Snapshot]) -> None:
        snap = make_snapshot(rules=PublicationRules(k=10))
        assert "fewer than 10" in snap.html
        values = incident_values(embedded_data(snap.html))
        assert all(v is None or v >= 10 for v in values)

    def test_publisher_allow_list_adds_a_category(
        self, make_snapshot: Callable[..., Snapshot], tmp_path: Path
    ) -> None:
        publisher = Publisher(tmp_path)
        publisher.allow(["Sexual Assault"])
        snap = make_snapshot(offenses=["Sexual Assault"], publisher=publisher, cell_size_m=1000)
        assert snap.metadata["offense_groups"] == ["Sexual Assault"]

    def test_empty_period(self, make_snapshot: Callable[..., Snapshot]) -> None:
        with pytest.raises(EmptyDataError, match="nothing to publish"):
            make_snapshot(period="2019")

    def test_bad_title(self, make_snapshot: Callable[..., Snapshot]) -> None:
        with pytest.raises(InputError, match="title"):
            make_snapshot(title="   ")

    def test_incidents_must_be_the_ingest_frame(
        self, make_snapshot: Callable[..., Snapshot], incidents: gpd.GeoDataFrame
    ) -> None:
        with pytest.raises(InputError):
            make_snapshot(incidents=pd.DataFrame(incidents.drop(columns="geometry")))
        with pytest.raises(InputError, match="offense"):
            make_snapshot(incidents=incidents.drop(columns="offense"))


class TestMapUnits:
    def test_grid_only(self, make_snapshot: Callable[..., Snapshot]) -> None:
        snap = make_snapshot(rules=PublicationRules(units="grid"))
        data = embedded_data(snap.html)
        assert data["areas"] is None and data["grid"] is not None
        assert "Incidents by neighbourhood" not in snap.html

    def test_neighbourhoods_only(self, make_snapshot: Callable[..., Snapshot]) -> None:
        snap = make_snapshot(rules=PublicationRules(units="neighbourhoods"))
        data = embedded_data(snap.html)
        assert data["grid"] is None and data["areas"] is not None

    def test_without_boundaries(self, make_snapshot: Callable[..., Snapshot]) -> None:
        snap = make_snapshot(boundaries=None)
        assert embedded_data(snap.html)["areas"] is None
        with pytest.raises(InputError, match="units"):
            make_snapshot(boundaries=None, rules=PublicationRules(units="neighbourhoods"))


class TestBasemap:
    def test_configured_basemap(self, make_snapshot: Callable[..., Snapshot]) -> None:
        snap = make_snapshot(
            basemap=Basemap("https://tiles.example.org/{z}/{x}/{y}.png", "© Example <Tiles>")
        )
        assert "img-src data: https://tiles.example.org" in snap.html
        assert (
            embedded_data(snap.html)["basemap"]["url"]
            == "https://tiles.example.org/{z}/{x}/{y}.png"
        )
        assert "© Example &lt;Tiles&gt;" in snap.html

    def test_basemap_needs_a_template_and_attribution(self) -> None:
        with pytest.raises(InputError, match="basemap url"):
            Basemap("https://tiles.example.org/tile.png", "x")
        with pytest.raises(InputError, match="attribution"):
            Basemap("https://tiles.example.org/{z}/{x}/{y}.png", " ")

    def test_no_basemap_by_default(self, snapshot: Snapshot) -> None:
        assert embedded_data(snapshot.html)["basemap"] is None


def test_now_defaults_to_the_clock(make_snapshot: Callable[..., Snapshot]) -> None:
    snap = make_snapshot(now=None)
    assert snap.metadata["generated_on"] >= NOW.strftime("%Y-%m-%d")


def test_hot_spot_cells_found_in_the_planted_cluster(snapshot: Snapshot) -> None:
    data = embedded_data(snapshot.html)
    names = {f["properties"]["neighbourhood"] for f in data["grid"]["cells"]["features"]}
    assert "Alpha" in names
    assert np.all([f["properties"]["bin"] > 0 for f in data["grid"]["cells"]["features"]])
