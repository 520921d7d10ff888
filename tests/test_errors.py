"""One error object, three audiences: library argument names, CLI flags, app controls."""

from __future__ import annotations

import pytest

from hotspots.errors import HotspotsError, InputError, Option, invalid
from hotspots.ingest import load_incidents


def test_invalid_names_argument_value_and_allowed_for_each_audience() -> None:
    err = invalid("radius_m", -5.0, "a positive distance in metres", "For example {1}.",
                  options=(Option("radius_m", 800),))  # fmt: skip
    assert (err.argument, err.value, err.allowed) == (
        "radius_m",
        -5.0,
        "a positive distance in metres",
    )
    assert (
        str(err)
        == "radius_m=-5.0 is not allowed; use a positive distance in metres. For example radius_m=800."
    )
    assert (
        err.render("cli")
        == "--radius-m -5 is not allowed; use a positive distance in metres. For example --radius-m 800."
    )
    app = err.render("app")
    assert app.startswith(
        '"Service radius (metres, straight line)" = -5 (Plan outreach page) is not allowed'
    )
    assert "radius_m" not in app and "--" not in app


@pytest.mark.parametrize(
    ("option", "library", "cli", "app"),
    [
        (Option("columns", {"lat": "Y"}), "columns={'lat': 'Y'}", "--column lat=Y", '("Latitude")'),
        (
            Option("crs", "EPSG:26910"),
            "crs='EPSG:26910'",
            "--crs EPSG:26910",
            "CRS of the coordinates",
        ),
        (Option("swap_lat_lon", True), "swap_lat_lon=True", "--swap-lat-lon", "(swap them)"),
        (Option("rejects"), "the error's .rejects", "the reasons above", "the rejected rows below"),
    ],
)
def test_options_render_per_audience(option: Option, library: str, cli: str, app: str) -> None:
    assert option.render("library") == library
    assert option.render("cli") == cli
    assert app in option.render("app")


def test_plain_messages_and_braces_pass_through() -> None:
    assert HotspotsError("a {literal} brace").render("cli") == "a {literal} brace"
    assert str(invalid("grid", "hexa", ["square", "hex"])) == (
        "grid='hexa' is not allowed; use one of 'square', 'hex'."
    )
    assert invalid("columns", "x", "{'date': ...}").render("cli").endswith("use {'date': ...}.")
    assert isinstance(invalid("grid", "x", "y"), ValueError)


def test_swapped_coordinates_speak_each_language() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {"lat": [-79.39, -79.38, -79.40], "lon": [43.65, 43.66, 43.64], "date": ["2020-01-01"] * 3}
    )
    with pytest.raises(InputError) as info:
        load_incidents(frame)
    err = info.value
    assert "swap_lat_lon=True" in str(err) and "columns={'lat': 'lon', 'lon': 'lat'}" in str(err)
    cli = err.render("cli")
    assert "--swap-lat-lon" in cli and "--column lat=lon --column lon=lat" in cli
    assert "swap_lat_lon" not in cli and "columns=" not in cli
    assert "swap_lat_lon" not in err.render("app") and "Data page" in err.render("app")
