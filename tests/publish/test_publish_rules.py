"""The privacy rules: validation, sensitive-category matching, period and cell-size checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.errors import InputError, PrivacyError
from hotspots.publish.rules import (
    DEFAULT_SENSITIVE_CATEGORIES,
    PublicationRules,
    check_cell_size,
    check_period,
    normalise_category,
    round_to_base,
    rounding_protects,
    suggest_rounding_base,
    worst_case_candidates,
)
from hotspots.publish.tables import suppressed_ranges, true_range


class TestThresholds:
    def test_defaults(self) -> None:
        rules = PublicationRules()
        assert (rules.k, rules.rounding_base, rules.min_cell_size_m, rules.min_lag_days) == (
            5,
            5,
            500.0,
            0,
        )
        assert rules.suppressed_text() == "fewer than 5"

    @pytest.mark.parametrize("k", [2, 0, -1, True, 4.5, "5"])
    def test_k_below_three_or_not_whole_is_refused(self, k: object) -> None:
        with pytest.raises(InputError, match="k="):
            PublicationRules(k=k)  # type: ignore[arg-type]

    def test_k_three_is_allowed(self) -> None:
        assert PublicationRules(k=3).k == 3

    def test_base_that_rounds_k_below_k_is_refused_with_a_suggestion(self) -> None:
        with pytest.raises(InputError, match=r"rounding_base=5 .*use rounding_base=4"):
            PublicationRules(k=7, rounding_base=5)
        assert PublicationRules(k=7, rounding_base=4).k == 7

    def test_base_that_lets_subtraction_pin_a_value_is_refused(self) -> None:
        # k=5, base 11: a hidden value can be pinned from a rounded total (found by brute force).
        assert worst_case_candidates(5, 11) == 1
        with pytest.raises(InputError, match="rounding_base=11"):
            PublicationRules(k=5, rounding_base=11)

    @pytest.mark.parametrize("k", range(3, 51))
    def test_a_protecting_base_exists_for_every_k(self, k: int) -> None:
        base = suggest_rounding_base(k)
        assert rounding_protects(k, base)
        PublicationRules(k=k, rounding_base=base)

    @pytest.mark.parametrize(
        ("k", "base"),
        [
            (k, b)
            for k in range(3, 13)
            for b in range(2, 12)
            if round_to_base(np.array([k]), b)[0] >= k
        ],
    )
    def test_brute_force_matches_the_interval_adversary(self, k: int, base: int) -> None:
        """Two independent attackers of a part and a rounded total agree: brute force over
        true values (the rules' guard) and the intervals (the audit's adversary)."""
        rules = object.__new__(PublicationRules)
        object.__setattr__(rules, "k", k)
        object.__setattr__(rules, "rounding_base", base)
        worst = k
        for a in range(k, k + 3 * base):
            for b in range(k):
                a_pub = int(round_to_base(np.array([a]), base)[0])
                t_pub = int(round_to_base(np.array([a + b]), base)[0])
                (r,) = suppressed_ranges([a_pub, None], t_pub, rules)
                assert r.low <= b <= r.high  # the truth is always inside
                worst = min(worst, r.size)
        assert worst == worst_case_candidates(k, base)

    def test_true_range_of_a_published_value(self) -> None:
        rules = PublicationRules()
        assert (true_range(10, rules).low, true_range(10, rules).high) == (8, 12)
        assert (true_range(5, rules).low, true_range(5, rules).high) == (
            5,
            7,
        )  # published means >= k
        assert (true_range(None, rules).low, true_range(None, rules).high) == (0, 4)


class TestSensitiveCategories:
    @pytest.mark.parametrize(
        "category",
        [
            "Sexual Assault", "SEXUAL ASSAULT", "sexual-assault", "Agression sexuelle", "Violència domèstica",
            "Domestic Violence - Family", "Child Abuse", "Offences against children", "Human Trafficking",
            "HUMAN-TRAFFICKING", "Homicide", "Murder 1st degree", "Manslaughter", "Death investigation",
            "Rape", "Indecent exposure", "Intimate partner violence", "Elder abuse",
        ],
    )  # fmt: skip
    def test_default_patterns_match(self, category: str) -> None:
        assert PublicationRules().is_sensitive(category)

    @pytest.mark.parametrize(
        "category",
        [
            "Assault",
            "Robbery",
            "Drug trafficking",
            "Drapery theft",
            "Theft Over",
            "Break and Enter",
            "Auto Theft",
            "Essex burglary",
        ],
    )
    def test_other_categories_do_not_match(self, category: str) -> None:
        assert not PublicationRules().is_sensitive(category)

    def test_custom_patterns_and_mask(self) -> None:
        rules = PublicationRules(sensitive_categories=("Stalking", "weapons "))
        mask = rules.sensitive_mask(
            pd.Series(["Criminal STALKING", "Weapons-Possession", "Assault", None], dtype="string")
        )
        assert mask.tolist() == [True, True, False, False]
        assert rules.patterns == ("stalking", "weapons")
        assert "stalking" in rules.sensitive_note()

    def test_a_bare_string_is_refused(self) -> None:
        with pytest.raises(InputError, match="sensitive_categories"):
            PublicationRules(sensitive_categories="sexual")  # type: ignore[arg-type]

    def test_note_describes_the_defaults_in_plain_language(self) -> None:
        note = PublicationRules().sensitive_note()
        assert "sexual offences" in note and "human trafficking" in note and "never shown" in note
        assert "No offence categories" in PublicationRules(sensitive_categories=()).sensitive_note()

    def test_normalise(self) -> None:
        assert (
            normalise_category("  Violència—DOMÈSTICA / Famille ") == "violencia domestica famille"
        )

    def test_default_list_is_documented(self) -> None:
        assert {"sexu", "domestic", "child", "human traffick", "homicide"} <= set(
            DEFAULT_SENSITIVE_CATEGORIES
        )


class TestPeriodAndCells:
    def test_whole_months_required(self) -> None:
        with pytest.raises(InputError, match="whole months"):
            check_period(
                "2021-01-05", "2021-12-31", PublicationRules(), now=pd.Timestamp("2024-01-01")
            )
        with pytest.raises(InputError, match="whole months"):
            check_period(
                "2021-01-01", "2021-12-30", PublicationRules(), now=pd.Timestamp("2024-01-01")
            )

    def test_unfinished_period_is_refused_even_without_lag(self) -> None:
        with pytest.raises(PrivacyError, match="minimum lag"):
            check_period(
                "2024-01-01", "2024-06-30", PublicationRules(), now=pd.Timestamp("2024-06-15")
            )
        check_period("2024-01-01", "2024-05-31", PublicationRules(), now=pd.Timestamp("2024-06-15"))

    def test_lag_rule(self) -> None:
        rules = PublicationRules(min_lag_days=30)
        with pytest.raises(PrivacyError, match=r"minimum lag.*2024-04 or earlier"):
            check_period("2024-01-01", "2024-05-31", rules, now=pd.Timestamp("2024-06-15"))
        check_period("2024-01-01", "2024-04-30", rules, now=pd.Timestamp("2024-06-15"))

    def test_historic_period_needs_no_lag_by_default(self) -> None:
        check_period("2021-01-01", "2021-12-31", PublicationRules(), now=pd.Timestamp("2022-01-01"))

    def test_cell_size(self) -> None:
        rules = PublicationRules(min_cell_size_m=500)
        assert check_cell_size(None, rules) == 500.0
        assert check_cell_size(750, rules) == 750.0
        with pytest.raises(PrivacyError, match="minimum cell size"):
            check_cell_size(499, rules)
        with pytest.raises(InputError):
            check_cell_size(float("nan"), rules)

    def test_rules_round_trip_to_json_ready_dict(self) -> None:
        d = PublicationRules(k=10).as_dict()
        assert d["k"] == 10 and d["rounding_base"] == 5 and "homicide" in d["sensitive_categories"]
