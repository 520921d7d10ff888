"""The partner archive: one folder per snapshot and an index built from published values."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from publish_helpers import embedded_data

from hotspots.publish import Snapshot
from hotspots.publish.archive import add_to_archive, archive_folder_name


def test_folder_names() -> None:
    assert archive_folder_name("2021-03", "2021-03", ["Robbery"], False) == "2021-03-robbery"
    assert archive_folder_name("2021-01", "2021-12", ["A", "B"], True) == "2021-all"
    assert (
        archive_folder_name("2021-04", "2021-06", ["Break and Enter"], False)
        == "2021-Q2-break-and-enter"
    )


def test_month_over_month_uses_published_values_only(
    make_snapshot: Callable[..., Snapshot], tmp_path: Path
) -> None:
    snaps = [
        make_snapshot(period=m, publisher=tmp_path / "pub", title="Test City")
        for m in ("2021-01", "2021-02")
    ]
    for snap in snaps:
        index = add_to_archive(tmp_path / "archive", snap)
    html = index.read_text()
    assert sorted(p.name for p in (tmp_path / "archive").iterdir()) == [
        "2021-01-all",
        "2021-02-all",
        "index.html",
    ]
    before, after = (
        {
            f["properties"]["name"]: f["properties"]["incidents"]
            for f in embedded_data(s.html)["areas"]["features"]
        }
        for s in snaps
    )
    a, b = before["Alpha"], after["Alpha"]
    row = re.search(r'<tr data-name="alpha">(.*?)</tr>', html)
    assert row is not None
    cells = re.findall(r'<td class="num">(.*?)</td>', row.group(1))
    assert cells[0] == (f"{a:,}" if a is not None else "hidden")
    assert cells[1] == (f"{b:,}" if b is not None else "hidden")
    if a is not None and b is not None:
        assert cells[2] == (f"{b - a:+,}" if b != a else "0")
    # Self-contained: no external resource, thumbnails inlined.
    assert (
        "http://" not in html
        and "https://" not in html
        and html.count("data:image/png;base64,") == 2
    )
    # The archive is rebuilt from the folder: adding the same snapshot again changes nothing.
    assert add_to_archive(tmp_path / "archive", snaps[1]).read_text() == html
