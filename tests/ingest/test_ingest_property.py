"""Property test: every row of a messy CSV is accepted or rejected, exactly once."""

from __future__ import annotations

import csv
import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots.errors import InputError
from hotspots.ingest import REJECT_REASONS, load_incidents
from hotspots.ingest.rejects import NoIncidentsError

NOW = pd.Timestamp("2024-06-01 12:00", tz="UTC")
DATE_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y/%m/%d %H:%M:%S+00",
    "%Y-%m",
)
TEXT = st.text(alphabet="abcXYZ019 ,;|\t\"'\n<>&/éÔç-", max_size=12)
MESSY_COORDINATES = (
    "",
    " ",
    "abc",
    "0",
    "95.5",
    "-200",
    "nan",
    " 43.7 ",
    "1e999",
    "43,7",
    "<script>",
    "NULL",
)
MESSY_DATES = (
    "",
    "garbage",
    "2019-02-30",
    "2999-01-01",
    "13/13/2019",
    "2019-01-01T10:00:00+05:00",
    "1",
    "nan",
)


@st.composite
def good_rows(draw: st.DrawFn, date_format: str) -> list[str]:
    lat = draw(st.floats(43.60, 43.80))
    lon = draw(st.floats(-79.50, -79.30))
    when = pd.Timestamp("2015-01-01") + pd.Timedelta(minutes=draw(st.integers(0, 4_000_000)))
    return [
        f"{lat:.{draw(st.integers(1, 7))}f}",
        f"{lon:.{draw(st.integers(1, 7))}f}",
        when.strftime(date_format),
        draw(TEXT),
        draw(st.sampled_from(["", "A", "B", "C"])),
    ]


@st.composite
def messy_rows(draw: st.DrawFn) -> list[str]:
    return [
        draw(st.sampled_from(MESSY_COORDINATES) | st.floats(-100, 100).map(str)),
        draw(st.sampled_from(MESSY_COORDINATES) | st.floats(-200, 200).map(str)),
        draw(st.sampled_from(MESSY_DATES) | TEXT),
        draw(TEXT),
        draw(st.sampled_from(["", "A", "B"])),
    ]


@st.composite
def messy_csv(draw: st.DrawFn) -> tuple[bytes, int]:
    date_format = draw(st.sampled_from(DATE_FORMATS))
    good = draw(st.lists(good_rows(date_format), min_size=1, max_size=12))
    # Fewer messy rows than good ones, so the file as a whole still reads as lon/lat.
    messy = draw(st.lists(messy_rows(), max_size=len(good) - 1))
    rows = draw(st.permutations(good + messy))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
    )
    writer.writerow(["lat", "lon", "date", "offense", "id"])
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return buffer.getvalue().encode(encoding), len(rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_csv(), st.sampled_from(["id", "rows", "keep"]))
def test_accepted_plus_rejected_equals_rows_read(data: tuple[bytes, int], duplicates: str) -> None:
    content, n_rows = data
    try:
        result = load_incidents(
            io.BytesIO(content),
            filename="messy.csv",
            duplicates=duplicates,  # type: ignore[arg-type]
            now=NOW,
            quiet=True,
        )
    except NoIncidentsError as error:
        assert error.rows_read == n_rows
        assert len(error.rejects) == n_rows
        assert set(error.rejects["reason"]) <= set(REJECT_REASONS)
        return
    except InputError as error:
        # Slash dates with no day above 12 can be read either way: refused, not guessed.
        assert "can be read day-first or month-first" in str(error), error
        return
    assert result.rows_read == n_rows
    assert len(result.incidents) + len(result.rejects) == result.rows_read
    rows = sorted(result.incidents["source_row"].tolist() + result.rejects["source_row"].tolist())
    assert rows == list(range(1, n_rows + 1))
    assert set(result.rejects["reason"]) <= set(REJECT_REASONS)
    assert result.incidents["occurred_at"].notna().all()
    assert result.incidents.geometry.is_valid.all()
    assert (result.incidents["occurred_at"] <= NOW).all()
