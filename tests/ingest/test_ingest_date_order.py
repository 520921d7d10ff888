"""Issue 14: date formats detected from the whole column, two-digit years, ambiguity refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.errors import InputError
from hotspots.ingest import load_incidents

NOW = pd.Timestamp("2024-01-01", tz="UTC")
TZ = "America/Toronto"


def _frame(dates: list[str]) -> pd.DataFrame:
    n = len(dates)
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "lat": (43.65 + rng.normal(0, 0.01, n)).round(5).astype(str),
            "lon": (-79.38 + rng.normal(0, 0.01, n)).round(5).astype(str),
            "date": dates,
        }
    )


def _moments(n: int, seed: int = 1) -> list[dt.datetime]:
    rng = np.random.default_rng(seed)
    return [dt.datetime(2021, 1, 1) + dt.timedelta(hours=int(h)) for h in rng.integers(0, 8000, n)]


def test_two_digit_years_with_am_pm_are_not_the_year_21(tmp_path: Path) -> None:
    moments = _moments(500)
    frame = _frame([m.strftime("%m/%d/%y %I:%M %p") for m in moments])
    frame.loc[0, "date"] = "11/23/21 04:00 PM"  # the reported value
    moments[0] = dt.datetime(2021, 11, 23, 16)
    result = load_incidents(frame, timezone=TZ, now=NOW, quiet=True)
    assert len(result.incidents) == 500
    got = result.incidents.sort_values("source_row")["occurred_at"].dt.tz_localize(None)
    assert got.tolist() == [pd.Timestamp(m) for m in moments]
    assert any("two-digit years read with the pivot 69" in note for note in result.notes)


def test_day_first_decided_by_the_whole_column_in_a_mixed_file() -> None:
    moments = _moments(300, seed=2)
    # Every fourth row ISO, the rest day-first; the first sampled rows all have day <= 12.
    texts = [
        m.strftime("%Y-%m-%d %H:%M") if i % 4 == 0 else m.strftime("%d/%m/%Y %H:%M")
        for i, m in enumerate(moments)
    ]
    early = [i for i, m in enumerate(moments) if i % 4 and m.day <= 12 and m.day != m.month]
    assert early, "the test needs day-first dates that also read month-first"
    result = load_incidents(_frame(texts), timezone=TZ, now=NOW, quiet=True)
    got = result.incidents.sort_values("source_row")["occurred_at"].dt.tz_localize(None)
    assert got.tolist() == [pd.Timestamp(m) for m in moments]
    assert any("dates read day-first" in note for note in result.notes)


def test_rows_that_contradict_the_detected_order_are_rejected_with_the_reason() -> None:
    texts = [m.strftime("%m/%d/%Y") for m in _moments(200, seed=3)]
    texts[7] = "23/11/2021"  # day-first in a month-first column
    result = load_incidents(_frame(texts), timezone=TZ, now=NOW, quiet=True)
    assert len(result.incidents) == 199
    reject = result.rejects.iloc[0]
    assert reject["source_row"] == 8 and reject["reason"] == "unparseable date"
    assert "can only be day-first, but the column is month-first" in reject["detail"]


def test_padded_and_unpadded_slash_dates_count_alike_toward_the_order() -> None:
    # Padded dates (read from their bytes) all ambiguous; only unpadded ones and one with a
    # leading blank (read by regular expressions) show month-first; padded rows contradict.
    moments = _moments(300, seed=4)
    texts = [
        f"{m.month}/{m.day}/{m.year} {m:%H:%M}"
        if m.day > 12
        else f"{m:%m/%d/%Y %H:%M}"
        if i % 2
        else f"  {m:%m/%d/%Y %H:%M}"
        for i, m in enumerate(moments)
    ]
    evidence = sum(m.day > 12 for m in moments)
    assert 0 < evidence < 250
    texts[5] = "25/03/2021 10:00"
    texts[9] = "  31/01/2021 09:00"
    result = load_incidents(_frame(texts), timezone=TZ, now=NOW, quiet=True)
    assert any("dates read month-first" in note for note in result.notes)
    assert result.rejects["source_row"].tolist() == [6, 10]
    detail = result.rejects["detail"]
    assert detail.str.contains("can only be day-first, but the column is month-first").all()
    shown = evidence - (moments[5].day > 12) - (moments[9].day > 12)
    assert detail.str.contains(f"({shown} rows show it)", regex=False).all()
    got = result.incidents.sort_values("source_row")["occurred_at"].dt.tz_localize(None)
    kept = [m for i, m in enumerate(moments) if i not in (5, 9)]
    assert got.tolist() == [pd.Timestamp(m.replace(second=0)) for m in kept]


def test_a_genuinely_ambiguous_column_is_refused_naming_the_option(tmp_path: Path) -> None:
    texts = [f"0{1 + i % 9}/0{1 + (i * 7) % 9}/2021" for i in range(60)]
    with pytest.raises(InputError, match="date_format='day-first' or date_format='month-first'"):
        load_incidents(_frame(texts), timezone=TZ, now=NOW, quiet=True)
    day_first = load_incidents(
        _frame(texts), timezone=TZ, now=NOW, quiet=True, date_format="day-first"
    )
    assert day_first.incidents.sort_values("source_row")["occurred_at"].iloc[1].month == 8
    source = tmp_path / "ambiguous.csv"
    _frame(texts).to_csv(source, index=False)
    assert main(["analyze", str(source), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert not (tmp_path / "out").exists()
    code = main(
        ["analyze", str(source), "--out", str(tmp_path / "out"), "--quiet", "--no-lisa",
         "--date-format", "month-first"]
    )  # fmt: skip
    assert code == 0


def test_an_explicit_strptime_format_is_used_strictly() -> None:
    texts = ["05/06/2021 10:00", "07/06/2021 11:00", "not a date"]
    result = load_incidents(
        _frame(texts), timezone=TZ, now=NOW, quiet=True, date_format="%d/%m/%Y %H:%M"
    )
    assert result.incidents.sort_values("source_row")["occurred_at"].dt.month.tolist() == [6, 6]
    assert result.rejects["reason"].tolist() == ["unparseable date"]


def test_the_cli_names_the_date_format_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "ambiguous.csv"
    _frame([f"0{1 + i % 9}/0{1 + (i * 7) % 9}/2021" for i in range(60)]).to_csv(source, index=False)
    assert main(["analyze", str(source), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    message = " ".join(capsys.readouterr().err.split())
    assert "--date-format day-first or --date-format month-first" in message
