"""Evaluating an intervention: did crime fall where we acted, relative to a control?

Give the incidents, the target (polygons, a saved ``plan.json`` or the hot cells of an
analysis) and the before/after periods; get target, buffer and control counts, the
Bowers & Johnson success measure, WDQ and net effect, the weighted displacement difference
test, a Poisson difference-in-differences estimate with a 95% interval, and cautions that
say what to do about the classic mistakes (small counts, short periods, differing
pre-trends, regression to the mean).

>>> ev = evaluate_intervention(incidents, "plan/plan.json",
...                            before="2018-01..2018-12", after="2019-01..2019-12")  # doctest: +SKIP
>>> print("\\n".join(ev.summary()))  # doctest: +SKIP
>>> write_evaluation(ev, "evaluation/")  # doctest: +SKIP
"""

from hotspots.evaluate.areas import TargetArea, read_plan, target_area
from hotspots.evaluate.cautions import Caution
from hotspots.evaluate.evaluation import (
    DEFAULT_BUFFER_M,
    MONTHLY_COLUMNS,
    Evaluation,
    evaluate_intervention,
)
from hotspots.evaluate.matching import ControlMatch
from hotspots.evaluate.periods import Periods, make_periods
from hotspots.evaluate.report import evaluation_html, evaluation_record, write_evaluation

__all__ = [
    "DEFAULT_BUFFER_M",
    "MONTHLY_COLUMNS",
    "Caution",
    "ControlMatch",
    "Evaluation",
    "Periods",
    "TargetArea",
    "evaluate_intervention",
    "evaluation_html",
    "evaluation_record",
    "make_periods",
    "read_plan",
    "target_area",
    "write_evaluation",
]
