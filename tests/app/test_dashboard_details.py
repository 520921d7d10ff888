"""Issue 14, the smaller dashboard items: headline per unit, cell-size box, plurals,
single-offense profile, placeholder hours, month ticks, the app's Streamlit config."""

from __future__ import annotations

import tomllib

import pandas as pd
from streamlit.testing.v1 import AppTest

from hotspots.dashboard import charts
from hotspots.dashboard.selection import CLICKED_KEY
from hotspots.dashboard.ui import incidents_text, mostly_text
from hotspots.stats.profiles import profile_incidents

from .conftest import ROOT


def _metric_labels(at: AppTest) -> list[str]:
    return [m.label for m in at.metric]


def test_headline_speaks_of_neighbourhoods_in_neighbourhood_units(app: AppTest) -> None:
    assert "Incidents in hot spot cells" in _metric_labels(app)
    app.sidebar.radio(key="sb_unit").set_value("areas").run()
    labels = _metric_labels(app)
    assert "Incidents in hot spot neighbourhoods" in labels
    assert "Incidents in hot spot cells" not in labels
    assert not any(label.startswith("Cell size") for label in labels)
    assert next(m.value for m in app.metric if m.label == "Units") == "Neighbourhoods"


def test_cell_size_box_keeps_automatic_after_neighbourhoods(app: AppTest) -> None:
    box = app.sidebar.selectbox(key="sb_cell_size")
    assert box.value == 0 and box.format_func(box.value) == "Automatic"
    app.sidebar.radio(key="sb_unit").set_value("areas").run()
    app.sidebar.radio(key="sb_unit").set_value("square").run()
    box = app.sidebar.selectbox(key="sb_cell_size")
    assert box.index == 0 and box.format_func(box.value) == "Automatic"
    assert "automatic cell size" in app.caption[0].value


def test_single_offense_profile_has_no_empty_chart(app: AppTest) -> None:
    app.sidebar.multiselect(key="sb_offenses_toronto").select("Robbery").run()
    app.session_state[CLICKED_KEY] = ("toronto", "cell", _hot_cell(app))
    app.run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "All **Robbery**" in text and "Mostly" not in text
    assert any(c.value.startswith("Offense: Robbery (") for c in app.caption)


def test_map_page_table_of_hot_spots_on_request(app: AppTest) -> None:
    """The map page draws no table until asked (a table's scripts held the map back in a new
    browser); asked, it lists every hot spot cell the headline counts."""
    assert not app.dataframe
    hot = int(next(m.value for m in app.metric if m.label == "Hot spot cells").replace(",", ""))
    toggle = app.toggle(key="map_show_table")
    assert toggle.label == f"Show all {hot:,} hot spot cells as a table" and not toggle.value
    toggle.set_value(True).run()
    table = app.dataframe[0].value
    assert len(table) == hot and table["Rank"].tolist() == list(range(1, hot + 1))
    assert table["Gi* z"].is_monotonic_decreasing


def _hot_cell(at: AppTest) -> int:
    at.toggle(key="map_show_table").set_value(True).run()
    table = at.dataframe[0].value
    column = next(c for c in table.columns if "cell" in c.lower())
    return int(table[column].iloc[0])


def test_plurals_and_mostly() -> None:
    assert incidents_text(1) == "1 incident"
    assert incidents_text(2345) == "2,345 incidents"
    assert mostly_text("All incidents", offenses=1) == ""
    assert mostly_text("Assault", offenses=6) == ", mostly Assault"


def test_placeholder_hours_are_flagged() -> None:
    times = [
        f"2021-03-{d:02d} {h:02d}:{m:02d}:00" for d in range(1, 29) for h, m in ((9, 15), (17, 40))
    ]
    times += [f"2021-03-{d:02d} 00:00:00" for d in range(1, 29)] * 2  # unknown times
    frame = pd.DataFrame(
        {"occurred_at": pd.to_datetime(times).tz_localize("America/Toronto"), "offense": "Assault"}
    )
    profile = profile_incidents(frame, with_time_of_day=True)
    assert profile.busiest_hours[0] == 0 and profile.placeholder_hours == (0,)
    real = profile_incidents(frame.iloc[:56], with_time_of_day=True)
    assert real.placeholder_hours == ()


def test_monthly_axis_ticks_on_whole_months_only() -> None:
    frame = pd.DataFrame(
        {"period": pd.date_range("2019-02-01", periods=2, freq="MS"), "count": [3, 4]}
    )
    axis = charts.monthly(frame).to_dict()["encoding"]["x"]["axis"]
    assert axis["tickCount"] == {"interval": "month", "step": 1}
    long = pd.DataFrame({"period": pd.date_range("2014-01-01", periods=96, freq="MS"), "count": 1})
    assert charts.monthly(long).to_dict()["encoding"]["x"]["axis"]["tickCount"]["step"] == 16


def test_committed_streamlit_config_hides_deploy_and_the_file_watcher() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["server"]["fileWatcherType"] == "none"


def test_the_incidents_behind_a_clicked_cell_are_listed_for_analysts(app: AppTest) -> None:
    cell = _hot_cell(app)
    app.session_state[CLICKED_KEY] = ("toronto", "cell", cell)
    app.run()
    assert not app.exception
    listed = next(d.value for d in app.dataframe if len(d.value.columns) == 4)
    count = int(str(next(m.value for m in app.metric if m.label == "Incidents")).replace(",", ""))
    assert len(listed) == count > 0
    assert list(listed.columns) == ["occurred_at", "offense", "premises", "source_row"]
    assert listed["occurred_at"].is_monotonic_decreasing
    assert any("analysts only" in e.label for e in app.expander)


def test_record_level_lists_never_reach_the_publication_code() -> None:
    publish = ROOT / "src" / "hotspots" / "publish"
    for path in publish.rglob("*.py"):
        assert "unit_incidents" not in path.read_text(), path
