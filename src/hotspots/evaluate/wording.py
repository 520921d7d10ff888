"""The figures of an evaluation in plain, honest words.

Results are "consistent with" a change relative to the control, never "caused by" the
intervention: the control stands in for what would have happened without it, and that is
an assumption, not a measurement.
"""

from __future__ import annotations

from hotspots.stats.intervention import WDD, BowersJohnson, DiD


def change_words(estimate: float, low: float, high: float) -> str:
    """ "consistent with a fall of 35% (95% CI 20% to 47%) relative to the control"."""
    if low < 0 < high:
        return (
            f"consistent with anything from a fall of {-low:.0%} to a rise of {high:.0%} "
            f"(95% CI; point estimate {_signed(estimate)}) relative to the control: no clear change"
        )
    if estimate < 0:
        return (
            f"consistent with a fall of {-estimate:.0%} (95% CI {-high:.0%} to {-low:.0%}) "
            "relative to the control"
        )
    return (
        f"consistent with a rise of {estimate:.0%} (95% CI {low:.0%} to {high:.0%}) "
        "relative to the control"
    )


def did_sentence(did: DiD | None) -> str:
    if did is None:
        return "The month-by-month estimate could not be made (too few incidents)."
    return (
        "Month by month, the target's incidents after the intervention are "
        f"{change_words(did.estimate, did.ci_low, did.ci_high)}."
    )


def wdd_sentence(wdd: WDD) -> str:
    where = "target and buffer" if wdd.with_buffer else "target"
    direction = "fewer" if wdd.estimate < 0 else "more"
    strength = (
        "a difference unlikely to be chance alone"
        if wdd.p < 0.05
        else "a difference chance alone could produce"
    )
    return (
        f"Weighted displacement difference: {abs(wdd.estimate):,.0f} {direction} incidents in the "
        f"{where} than the control's change implies (z = {wdd.z:.2f}, p {_p(wdd.p)}; {strength})."
    )


def displacement_sentence(measures: BowersJohnson) -> str:
    if measures.wdq is None:
        if measures.buffer_effect is None:
            return "No displacement buffer was used, so displacement was not assessed."
        return (
            "Crime in the target did not change relative to the control, so the weighted "
            "displacement quotient is undefined."
        )
    wdq = measures.wdq
    if measures.success >= 0:
        meaning = (
            "crime did not fall in the target relative to the control, so there was nothing "
            "to displace or diffuse; read the quotient with care"
        )
    elif wdq > 0:
        meaning = "diffusion of benefits: the buffer improved too"
    elif wdq < -1:
        meaning = "displacement into the buffer outweighed the fall in the target"
    elif wdq < 0:
        meaning = "some displacement into the buffer"
    else:
        meaning = "no change in the buffer"
    return f"Weighted displacement quotient {wdq:+.2f}: {meaning}."


def net_sentence(measures: BowersJohnson) -> str:
    value = measures.net_effect
    where = "target and buffer" if measures.buffer_effect is not None else "target"
    if value >= 0:
        return (
            f"Total net effect: about {value:,.0f} fewer incidents in the {where} than the "
            "control's trend implies."
        )
    return (
        f"Total net effect: about {-value:,.0f} more incidents in the {where} than the "
        "control's trend implies."
    )


def _signed(value: float) -> str:
    return f"{value:+.0%}"


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"
