"""The privacy rules: validation, hard floors, fixed periods, lag, free text."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.errors import InputError, PrivacyError
from hotspots.publish.freetext import check_free_text
from hotspots.publish.rules import (
    MIN_CELL_SIZE_M,
    MIN_K,
    PublicationRules,
    check_cell_size,
    check_period,
    normalise_category,
    period_kind,
)

NOW = pd.Timestamp("2024-06-15")


class TestRules:
    def test_defaults(self) -> None:
        rules = PublicationRules()
        assert (rules.k, rules.min_cell_size_m, rules.min_lag_months, rules.fixed_periods) == (
            5,
            500.0,
            1,
            True,
        )
        assert (rules.min_locations, rules.max_location_share, rules.min_area_km2) == (8, 0.5, 0.25)

    @pytest.mark.parametrize(
        "options",
        [
            {"k": MIN_K - 1},
            {"k": 2.5},
            {"min_cell_size_m": MIN_CELL_SIZE_M - 1},
            {"min_cell_size_m": 10},
            {"min_locations": 7},
            {"max_location_share": 0.6},
            {"min_area_km2": 0.01},
            {"min_lag_months": -1},
            {"units": "points"},
        ],
    )
    def test_floors_cannot_be_lowered(self, options: dict[str, object]) -> None:
        with pytest.raises(InputError) as info:
            PublicationRules(**options)  # type: ignore[arg-type]
        assert next(iter(options)) in str(info.value)

    def test_finer_cells_point_to_the_internal_export(self) -> None:
        with pytest.raises(InputError, match="INTERNAL"):
            PublicationRules(min_cell_size_m=100)

    def test_normalise_category(self) -> None:
        assert normalise_category("  Agression SEXUELLE / Mineur ") == "agression sexuelle mineur"

    def test_rules_as_dict_names_no_category(self) -> None:
        d = PublicationRules(k=10).as_dict()
        assert d["k"] == 10 and "cell-key" in d["perturbation"]
        assert not any("sensitive" in key for key in d)


class TestPeriods:
    @pytest.mark.parametrize(
        ("start", "end", "kind"),
        [
            ("2021-03-01", "2021-03-31", "month"),
            ("2021-04-01", "2021-06-30", "quarter"),
            ("2021-01-01", "2021-12-31", "year"),
            ("2021-01-01", "2021-02-28", "custom"),
            ("2021-02-01", "2021-04-30", "custom"),
            ("2021-07-01", "2022-06-30", "custom"),
        ],
    )
    def test_period_kind(self, start: str, end: str, kind: str) -> None:
        assert period_kind(start, end) == kind

    def test_only_fixed_periods_by_default(self) -> None:
        with pytest.raises(PrivacyError, match="fixed periods"):
            check_period("2021-01-01", "2021-02-28", PublicationRules(), now=NOW)
        rules = PublicationRules(fixed_periods=False)
        assert check_period("2021-01-01", "2021-02-28", rules, now=NOW) == "custom"

    def test_whole_months_required(self) -> None:
        with pytest.raises(InputError, match="whole months"):
            check_period("2021-01-05", "2021-12-31", PublicationRules(), now=NOW)

    def test_one_month_lag_by_default(self) -> None:
        rules = PublicationRules()
        with pytest.raises(PrivacyError, match=r"minimum lag.*2024-04 or earlier"):
            check_period("2024-05-01", "2024-05-31", rules, now=NOW)
        assert check_period("2024-04-01", "2024-04-30", rules, now=NOW) == "month"
        # No lag: the month must still be over.
        zero = PublicationRules(min_lag_months=0)
        assert check_period("2024-05-01", "2024-05-31", zero, now=NOW) == "month"
        with pytest.raises(PrivacyError, match="minimum lag"):
            check_period("2024-06-01", "2024-06-30", zero, now=NOW)

    def test_cell_size(self) -> None:
        rules = PublicationRules()
        assert check_cell_size(None, rules) == 500.0
        assert check_cell_size(750, rules) == 750.0
        with pytest.raises(PrivacyError, match="minimum cell size"):
            check_cell_size(499, rules)
        with pytest.raises(InputError):
            check_cell_size(float("nan"), rules)


class TestFreeText:
    @pytest.mark.parametrize(
        "text",
        [
            "Robberies near 43.6532, -79.3832",
            "Toronto 2021-07-14",
            "Everything since July 14",
            "The 14th of July",
            "Shooting at 11pm",
            "Shooting at 23:15",
            "Case GO-20211234567",
            "Report 1234567",
            "Incident A12345",
        ],
    )
    def test_refused(self, text: str) -> None:
        with pytest.raises(PrivacyError, match="free text"):
            check_free_text("title", text)

    @pytest.mark.parametrize(
        "text",
        [
            "Toronto 2021",
            "Toronto: where major crimes concentrated, 2021-Q1",
            "Break and Enter, March 2021",
            "Cells of 500 m, 3rd edition",
        ],
    )
    def test_allowed(self, text: str) -> None:
        check_free_text("title", text)
