"""evaluate_intervention on seeded towns: planted effects found, null changes quiet, bad input named."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from evaluation_helpers import AFTER, BEFORE, CONTROL, CONTROL_RING, CRS, TARGET, frame, town

import hotspots
from hotspots.errors import InputError
from hotspots.evaluate import Evaluation, evaluate_intervention


def _evaluate(incidents: gpd.GeoDataFrame, **kwargs: object) -> Evaluation:
    options: dict[str, object] = {
        "before": BEFORE,
        "after": AFTER,
        "control": frame(CONTROL),
        "buffer_control": frame(CONTROL_RING),
    }
    options.update(kwargs)
    return evaluate_intervention(incidents, frame(TARGET, "Target"), **options)  # type: ignore[arg-type]


def test_front_door_verb() -> None:
    assert hotspots.evaluate_intervention is evaluate_intervention
    assert "evaluate_intervention" in dir(hotspots)


def test_counts_match_a_direct_count() -> None:
    incidents = town(0, drop=0.4)
    ev = _evaluate(incidents)
    xy = incidents.get_coordinates().to_numpy()
    local = incidents["occurred_at"].dt.tz_localize(None)
    before = (local >= "2020-01-01") & (local < "2021-01-01")
    after = (local >= "2021-01-01") & (local < "2022-01-01")
    in_target = shapely.contains_xy(TARGET, xy[:, 0], xy[:, 1])
    assert ev.counts["target"] == (int((in_target & before).sum()), int((in_target & after).sum()))
    assert ev.monthly["target"].sum() == sum(ev.counts["target"])
    assert list(ev.monthly.columns) == list(hotspots.evaluate.MONTHLY_COLUMNS)
    assert len(ev.monthly) == 24
    assert set(ev.areas["role"]) == {"target", "buffer", "control", "buffer_control"}
    ring = ev.areas.loc[ev.areas["role"] == "buffer"].geometry.iloc[0]
    assert ring.area == pytest.approx(np.pi * (700**2 - 300**2), rel=0.01)


def test_planted_forty_percent_drop_is_found() -> None:
    seeds = range(40)
    wdd_found = did_found = covered = 0
    for seed in seeds:
        ev = _evaluate(town(seed, drop=0.4))
        assert ev.did is not None
        wdd_found += ev.wdd.p < 0.05 and ev.wdd.estimate < 0
        did_found += ev.did.p < 0.05 and ev.did.estimate < 0
        covered += ev.did.ci_low <= -0.4 <= ev.did.ci_high
    assert wdd_found / len(seeds) >= 0.9
    assert did_found / len(seeds) >= 0.9
    # the 95% interval holds the planted 40% fall in most towns
    assert covered / len(seeds) >= 0.85


def test_null_change_is_rarely_flagged() -> None:
    runs = 100
    wdd_alarms = did_alarms = 0
    for seed in range(1000, 1000 + runs):
        ev = _evaluate(town(seed))
        wdd_alarms += ev.wdd.p < 0.05
        did_alarms += ev.did is not None and ev.did.p < 0.05
    # alpha 0.05 plus about two binomial standard errors of slack for 100 runs
    assert wdd_alarms / runs <= 0.05 + 0.05
    assert did_alarms / runs <= 0.05 + 0.05


def test_null_change_with_an_automatic_control_is_rarely_flagged() -> None:
    # Matching on noisy before-period counts could pick cells that were high by chance and
    # fall back afterwards (regression to the mean in the control): check it stays small.
    runs = 60
    results = [
        evaluate_intervention(town(seed), frame(TARGET), before=BEFORE, after=AFTER)
        for seed in range(2000, 2000 + runs)
    ]
    assert np.mean([ev.wdd.p < 0.05 for ev in results]) <= 0.05 + 0.07
    assert np.mean([ev.did is not None and ev.did.p < 0.05 for ev in results]) <= 0.05 + 0.07
    assert abs(np.mean([ev.change("control") or 0.0 for ev in results])) < 0.05


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_displacement_into_the_buffer_gives_negative_wdq(seed: int) -> None:
    ev = _evaluate(town(seed, drop=0.4, displaced=1.0))
    assert ev.measures.success < 0
    assert ev.measures.wdq is not None and ev.measures.wdq < 0
    assert "displacement" in " ".join(ev.summary())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_diffusion_into_the_buffer_gives_positive_wdq(seed: int) -> None:
    ev = _evaluate(town(seed, drop=0.4, buffer_drop=0.4))
    assert ev.measures.success < 0
    assert ev.measures.wdq is not None and ev.measures.wdq > 0
    assert "diffusion of benefits" in " ".join(ev.summary())


def test_honest_words() -> None:
    ev = _evaluate(town(3, drop=0.4))
    assert ev.did is not None
    text = " ".join(ev.summary())
    assert f"consistent with a fall of {-ev.did.estimate:.0%} (95% CI" in text
    assert "relative to the control" in text
    assert "caused" not in text.replace("not proof that the intervention caused", "")


def test_auto_control_is_matched_and_shown() -> None:
    incidents = town(4, drop=0.4)
    ev = evaluate_intervention(incidents, frame(TARGET), before=BEFORE, after=AFTER)
    match = ev.control_match
    assert match is not None and ev.buffer_control_match is not None
    target_and_buffer = TARGET.buffer(400)
    assert not shapely.intersects(match.geometry, target_and_buffer)
    assert not shapely.intersects(ev.buffer_control_match.geometry, match.geometry.buffer(-1))
    assert len(match.cells) >= 5 and list(match.cells["rank"]) == list(
        range(1, len(match.cells) + 1)
    )
    assert np.all(np.diff(match.cells["distance"].to_numpy()) >= 0)
    # as many incidents before as the target, so the control is no noisier
    assert ev.counts["control"][0] >= ev.counts["target"][0]
    # the matched cells are the hottest-looking ones: far above the town's background
    background = 300 / 36.0
    assert match.control_level > 2 * background
    assert "matched on the target's level" in match.describe()
    assert ev.did is not None and ev.did.estimate < 0


def test_differing_pretrends_are_flagged() -> None:
    ev = _evaluate(town(5, target_trend_per_year=1.5, hot_per_month=60))
    codes = {c.code for c in ev.cautions}
    assert "pretrends_differ" in codes
    assert ev.pretrend is not None and ev.pretrend.p < 0.1
    quiet = _evaluate(town(5))
    assert "pretrends_differ" not in {c.code for c in quiet.cautions}


def test_small_counts_and_short_periods_warn() -> None:
    incidents = town(6, background_per_month=100, hot_per_month=1.0)
    ev = _evaluate(incidents, before="2020-10..2020-12", after="2021-01..2021-03")
    codes = {c.code for c in ev.cautions}
    assert "short_periods" in codes
    assert codes & {"small_counts", "too_few_incidents"}
    for caution in ev.cautions:
        assert caution.fix  # every warning says what to do


def test_hot_targets_warn_about_regression_to_the_mean() -> None:
    ev = _evaluate(town(7, drop=0.4), chosen_for_hotness=True)
    assert "regression_to_the_mean" in {c.code for c in ev.cautions}
    assert "regression_to_the_mean" not in {c.code for c in _evaluate(town(7)).cautions}


def test_control_in_the_buffer_warns() -> None:
    near = shapely.Point(TARGET.centroid.x + 600, TARGET.centroid.y).buffer(250)
    ev = _evaluate(town(8), control=frame(near), buffer_control="auto")
    assert "control_in_buffer" in {c.code for c in ev.cautions}


def test_no_buffer() -> None:
    ev = _evaluate(town(9, drop=0.4), buffer_m=0)
    assert "buffer" not in ev.counts and ev.measures.wdq is None and not ev.wdd.with_buffer


def test_offense_filter() -> None:
    incidents = town(10)
    ev = _evaluate(incidents, offenses=["Assault"])
    full = _evaluate(incidents)
    assert 0 < ev.counts["target"][0] < full.counts["target"][0]
    with pytest.raises(InputError, match="offenses"):
        _evaluate(incidents, offenses=["Arson"])


# -- bad input --------------------------------------------------------------------------------


def test_overlapping_periods() -> None:
    with pytest.raises(InputError, match="overlap"):
        _evaluate(town(0), before="2020-01..2020-12", after="2020-06..2021-06")


def test_periods_not_whole_months() -> None:
    with pytest.raises(InputError, match="whole months"):
        _evaluate(town(0), before="2020-01-05..2020-12-31")


def test_target_and_control_overlap() -> None:
    with pytest.raises(InputError, match="overlap"):
        _evaluate(town(0), control=frame(TARGET.buffer(100)))


def test_periods_without_data() -> None:
    with pytest.raises(InputError, match="data run from 2020-01 to 2021-12"):
        _evaluate(town(0), after="2022-01..2022-12")


def test_months_without_any_incident_warn() -> None:
    incidents = town(0)
    month = incidents["occurred_at"].dt.tz_localize(None).dt.to_period("M").astype(str)
    ev = _evaluate(incidents.loc[(month != "2020-05").to_numpy()])
    assert "missing_months" in {c.code for c in ev.cautions}


def test_empty_target() -> None:
    empty = gpd.GeoDataFrame(
        {"name": ["line"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=CRS
    )
    with pytest.raises(InputError, match="no area"):
        evaluate_intervention(town(0), empty, before=BEFORE, after=AFTER)


def test_control_without_incidents() -> None:
    far = shapely.box(0, 0, 100, 100)
    with pytest.raises(InputError, match="control"):
        _evaluate(town(0), control=frame(far), buffer_m=0)


def test_a_plan_made_in_the_app_round_trips_into_an_evaluation() -> None:
    # The Plan outreach page's plan.json download (dashboard.outreach.plan_download is
    # these two calls), read back as the Evaluate page does.
    from hotspots.analysis import analyze
    from hotspots.evaluate.areas import parse_plan
    from hotspots.outreach.export import plan_json, plan_record
    from hotspots.outreach.from_analysis import outreach_inputs
    from hotspots.spatial.filters import Filters

    incidents = town(12, drop=0.4)
    xy = incidents.get_coordinates().to_numpy()
    away_from_control = ~shapely.contains_xy(CONTROL.buffer(500), xy[:, 0], xy[:, 1])
    analysis = analyze(  # the plan is made where the control disc is not a candidate
        incidents.loc[away_from_control],
        filters=Filters(start="2020-01-01", end="2020-12-31"),
        cell_size_m=300.0,
        lisa=False,
        quiet=True,
    )
    inputs = outreach_inputs(analysis, candidates="hotspots")
    plan = inputs.plan(k=1, radius_m=300.0)
    record = parse_plan(plan_json(plan_record(inputs, plan)))
    ev = evaluate_intervention(
        incidents, record, before=BEFORE, after=AFTER, control=frame(CONTROL), buffer_m=0
    )
    assert ev.target.kind == "plan" and ev.target.selection["start"] == "2020-01-01"
    # the one site sits on the planted target disc, where 40% was removed afterwards
    assert shapely.intersects(ev.target.geometry, TARGET)
    assert ev.did is not None and ev.did.estimate < -0.2
    assert "regression_to_the_mean" in {c.code for c in ev.cautions}
