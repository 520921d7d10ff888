"""The publisher folder: secret outside every output, allow list, and the release ledger."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from hotspots.errors import InputError, PrivacyError
from hotspots.publish import Publisher, Release, Snapshot
from hotspots.publish.perturbation import PerturbationTable

TABLE = PerturbationTable(k=5)


def release(months: tuple[str, ...], numbers: list[tuple[str, int]], **units: str) -> Release:
    return Release(
        period={"start": months[0], "end": months[-1], "kind": "month"},
        months=months,
        groups=("Robbery",),
        units={"areas": units.get("areas", "A"), "grid": units.get("grid")},
        numbers=tuple((unit, None, None, value) for unit, value in numbers),
    )


def test_folder_secret_and_allow_list(tmp_path: Path) -> None:
    publisher = Publisher(tmp_path / "pub")
    secret = publisher.secret
    assert len(secret) == 32 and publisher.secret == secret
    mode = stat.S_IMODE((tmp_path / "pub" / "secret.key").stat().st_mode)
    assert mode == 0o600
    assert publisher.allow_list == (
        "Assault",
        "Auto Theft",
        "Break and Enter",
        "Robbery",
        "Theft Over",
    )
    publisher.allow(["Bicycle theft", "assault"])
    assert Publisher(tmp_path / "pub").allow_list[-1] == "Bicycle theft"
    assert publisher.is_allowed("BICYCLE  THEFT") and not publisher.is_allowed("Stalking")


def test_allow_list_entries_are_checked_like_free_text(tmp_path: Path) -> None:
    with pytest.raises(PrivacyError, match="free text"):
        Publisher(tmp_path).allow(["Robbery at 43.6532 -79.3832"])
    (tmp_path / "allow_list.json").write_text('{"categories": ["Theft GO-20211234"]}')
    assert Publisher(tmp_path).allow_list == ("Theft GO-20211234",)


def test_secret_never_inside_an_output(tmp_path: Path) -> None:
    publisher = Publisher(tmp_path / "pub")
    with pytest.raises(PrivacyError, match="secret outside every output"):
        publisher.check_outside(tmp_path / "pub" / "out")
    with pytest.raises(PrivacyError, match="secret outside every output"):
        publisher.check_outside(tmp_path)
    publisher.check_outside(tmp_path / "elsewhere")


def test_broken_allow_list_is_reported(tmp_path: Path) -> None:
    publisher = Publisher(tmp_path)
    (tmp_path / "allow_list.json").write_text('{"categories": "Robbery"}')
    with pytest.raises(InputError, match="allow list"):
        _ = publisher.allow_list


def test_ledger_refuses_a_release_that_pins_hidden_values(tmp_path: Path) -> None:
    publisher = Publisher(tmp_path)
    for month in ("2021-01", "2021-02", "2021-03"):
        r = release((month,), [("area:X", 0), ("area:Y", 40), ("*area", 40)])
        publisher.check_release(r, TABLE)
        publisher.record(r, TABLE, {})
    quarter = ("2021-01", "2021-02", "2021-03")
    # Three hidden months (each at most 4) and a quarter published as 15 (at least 12): 4, 4, 4.
    disclosive = release(quarter, [("area:X", 15), ("area:Y", 120), ("*area", 135)])
    with pytest.raises(PrivacyError, match=r"release ledger.*could be worked out"):
        publisher.check_release(disclosive, TABLE)
    safe = release(quarter, [("area:X", 7), ("area:Y", 120), ("*area", 127)])
    publisher.check_release(safe, TABLE)
    assert len(publisher.releases()) == 3


def test_ledger_refuses_other_units_over_the_same_incidents(tmp_path: Path) -> None:
    publisher = Publisher(tmp_path)
    first = release(("2021-01",), [("area:X", 20), ("*area", 20)], areas="A")
    publisher.record(first, TABLE, {})
    other = release(("2021-01",), [("area:X", 20), ("*area", 20)], areas="B")
    with pytest.raises(PrivacyError, match="different boundaries"):
        publisher.check_release(other, TABLE)
    later = release(("2021-02",), [("area:X", 20), ("*area", 20)], areas="B")
    publisher.check_release(later, TABLE)  # no overlap in time: fine


def test_ledger_refuses_other_perturbation_settings_over_the_same_incidents(
    tmp_path: Path,
) -> None:
    publisher = Publisher(tmp_path)
    first = release(("2021-01",), [("area:X", 20), ("*area", 20)])
    publisher.record(first, TABLE, {})
    with pytest.raises(PrivacyError, match="other settings"):
        publisher.check_release(first, PerturbationTable(k=6))
    publisher.check_release(release(("2021-02",), [("*area", 20)]), PerturbationTable(k=6))


def test_ledger_refuses_a_revision_and_accepts_a_repeat(tmp_path: Path) -> None:
    publisher = Publisher(tmp_path)
    first = release(("2021-01",), [("area:X", 20), ("*area", 20)])
    assert publisher.record(first, TABLE, {"snapshot.html": b"x"}) == "R0001"
    publisher.check_release(first, TABLE)
    assert publisher.record(first, TABLE, {}) == "R0001"  # the same release again: no new line
    revised = release(("2021-01",), [("area:X", 21), ("*area", 21)])
    with pytest.raises(PrivacyError, match="the data changed"):
        publisher.check_release(revised, TABLE)
    entry = json.loads((tmp_path / "ledger.jsonl").read_text().splitlines()[0])
    assert entry["release"]["period"]["start"] == "2021-01" and "snapshot.html" in entry["outputs"]


def test_publication_records_and_refuses_through_the_library(
    make_snapshot: Callable[..., Snapshot], tmp_path: Path
) -> None:
    snap = make_snapshot(publisher=tmp_path, period="2021-03")
    assert snap.release_id == "R0001"
    entries = Publisher(tmp_path).releases()
    assert entries[0]["release"]["period"] == {
        "start": "2021-03",
        "end": "2021-03",
        "kind": "month",
    }
    assert set(entries[0]["outputs"]) == {"snapshot.html", "snapshot.json", "snapshot.png"}
    # The same month on a different grid overlaps the first release: refused, nothing recorded.
    with pytest.raises(PrivacyError, match="different grid"):
        make_snapshot(publisher=tmp_path, period="2021-03", cell_size_m=750)
    assert len(Publisher(tmp_path).releases()) == 1
    # No secret, key or ledger content in any output.
    secret = (tmp_path / "secret.key").read_text().strip()
    for content in snap.files.values():
        assert secret.encode() not in content and b"ledger" not in content


def test_year_to_date_is_not_publishable_by_default(
    make_snapshot: Callable[..., Snapshot], tmp_path: Path
) -> None:
    with pytest.raises(PrivacyError, match="fixed periods"):
        make_snapshot(publisher=tmp_path, period="2021-01..2021-02")
    assert (
        make_snapshot(publisher=tmp_path, period="2021-Q1").metadata["period"]["end"] == "2021-03"
    )
