"""Chart builders (Altair / Vega-Lite, rendered by Streamlit from its own bundled scripts).

Each function takes a tidy frame from the library (:mod:`hotspots.stats.trends`,
:mod:`hotspots.stats.profiles`) and returns an Altair chart; no numbers are computed here.
Colours come from :mod:`.palettes` (Okabe–Ito for offenses, YlOrRd for intensities).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from hotspots.maps import palettes

_HEIGHT = 280


def _offense_scale(offenses: list[str]) -> alt.Scale:
    colours = [palettes.CATEGORICAL[i % len(palettes.CATEGORICAL)] for i in range(len(offenses))]
    return alt.Scale(domain=offenses, range=colours)


def over_time(frame: pd.DataFrame, *, period: str, stacked: bool = True) -> alt.Chart:
    """Incidents per period, stacked by offense (``period``, ``offense``, ``count``)."""
    offenses = list(
        frame.groupby("offense")["count"].sum().sort_values(ascending=False).index.astype(str)
    )
    base = alt.Chart(frame).encode(
        x=alt.X(
            "period:T",
            title=None,
            axis=month_axis(frame["period"].nunique())
            if period == "month"
            else alt.Axis(format="%b %Y" if period != "year" else "%Y"),
        ),
        y=alt.Y("count:Q", title=f"Incidents per {period}", stack="zero" if stacked else None),
        color=alt.Color(
            "offense:N",
            title="Offense",
            scale=_offense_scale(offenses),
            sort=offenses,
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("period:T", title=period.capitalize(), format="%Y-%m-%d"),
            alt.Tooltip("offense:N", title="Offense"),
            alt.Tooltip("count:Q", title="Incidents", format=","),
        ],
    )
    mark = (
        base.mark_area(opacity=0.9, interpolate="step-after")
        if stacked
        else base.mark_line(point=False)
    )
    return mark.properties(height=_HEIGHT)


def hour_weekday(frame: pd.DataFrame) -> alt.Chart:
    """The hour × weekday heat table (``weekday``, ``weekday_name``, ``hour``, ``count``)."""
    order = list(frame.sort_values("weekday")["weekday_name"].drop_duplicates())
    return (
        alt.Chart(frame)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("hour:O", title="Hour of day", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("weekday_name:N", title=None, sort=order),
            color=alt.Color(
                "count:Q", title="Incidents", scale=alt.Scale(range=list(palettes.SEQUENTIAL))
            ),
            tooltip=[
                alt.Tooltip("weekday_name:N", title="Day"),
                alt.Tooltip("hour:O", title="Hour"),
                alt.Tooltip("count:Q", title="Incidents", format=","),
            ],
        )
        .properties(height=240)
    )


def offense_mix(frame: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of a profile's offense mix (``offense``, ``count``, ``share``)."""
    offenses = list(frame["offense"].astype(str))
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title="Incidents"),
            y=alt.Y("offense:N", title=None, sort=offenses),
            color=alt.Color("offense:N", scale=_offense_scale(offenses), legend=None),
            tooltip=[
                alt.Tooltip("offense:N", title="Offense"),
                alt.Tooltip("count:Q", title="Incidents", format=","),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
            ],
        )
        .properties(height=max(60, 26 * len(offenses)))
    )


def concentration(frame: pd.DataFrame) -> alt.Chart:
    """Concentration curves (``units``, ``share_of_units``, ``share_of_incidents``): the share
    of incidents at the busiest share of places / of area, with the diagonal of no
    concentration."""
    kinds = list(dict.fromkeys(frame["units"].astype(str)))
    diagonal = pd.DataFrame({"share_of_units": [0.0, 1.0], "share_of_incidents": [0.0, 1.0]})
    lines = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X(
                "share_of_units:Q",
                title="Busiest share of places / of area",
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("share_of_incidents:Q", title="Share of incidents", axis=alt.Axis(format="%")),
            color=alt.Color(
                "units:N",
                title=None,
                scale=alt.Scale(domain=kinds, range=list(palettes.CATEGORICAL[: len(kinds)])),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("units:N", title="Units"),
                alt.Tooltip("share_of_units:Q", title="Busiest", format=".1%"),
                alt.Tooltip("share_of_incidents:Q", title="Hold", format=".1%"),
            ],
        )
    )
    even = (
        alt.Chart(diagonal)
        .mark_line(strokeDash=[4, 4], color="#999999")
        .encode(x="share_of_units:Q", y="share_of_incidents:Q")
    )
    return (even + lines).properties(height=_HEIGHT)


def monthly(frame: pd.DataFrame) -> alt.Chart:
    """A monthly line (``period``, ``count``)."""
    return (
        alt.Chart(frame)
        .mark_line(color=palettes.ACCENT, point=alt.OverlayMarkDef(size=12, color=palettes.ACCENT))
        .encode(
            x=alt.X("period:T", title=None, axis=month_axis(len(frame))),
            y=alt.Y("count:Q", title="Incidents per month"),
            tooltip=[
                alt.Tooltip("period:T", title="Month", format="%b %Y"),
                alt.Tooltip("count:Q", title="Incidents", format=","),
            ],
        )
        .properties(height=180)
    )


def month_axis(months: int, *, labels: int = 6) -> alt.Axis:
    """A time axis with ticks on whole months only (at most ``labels`` of them).

    Vega's automatic ticks fall mid-month on short ranges, so ``%b %Y`` labels repeat
    ("Mar 2019" twice); ticks every ``step`` months cannot.
    """
    step = max(1, -(-months // labels))
    return alt.Axis(
        format="%b %Y" if step < 12 else "%Y",
        tickCount=alt.TimeIntervalStep(interval="month", step=step),
        labelOverlap=True,
    )


def hours(frame: pd.DataFrame, busiest: tuple[int, ...] = ()) -> alt.Chart:
    """Bars per hour of day (``hour``, ``count``), the busiest hours darker."""
    data = frame.assign(busiest=frame["hour"].isin(busiest).map({True: "Busiest", False: "Other"}))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("hour:O", title="Hour of day", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="Incidents"),
            color=alt.Color(
                "busiest:N",
                scale=alt.Scale(domain=["Busiest", "Other"], range=[palettes.ACCENT, "#9ecae1"]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("hour:O", title="Hour"),
                alt.Tooltip("count:Q", title="Incidents", format=","),
            ],
        )
        .properties(height=170)
    )


def weekdays(frame: pd.DataFrame) -> alt.Chart:
    """Bars per day of the week (``weekday``, ``weekday_name``, ``count``)."""
    order = list(frame.sort_values("weekday")["weekday_name"])
    return (
        alt.Chart(frame)
        .mark_bar(color="#4393c3")
        .encode(
            x=alt.X(
                "weekday_name:N",
                title=None,
                sort=order,
                axis=alt.Axis(labelAngle=0, labelExpr="substring(datum.label, 0, 3)"),
            ),
            y=alt.Y("count:Q", title="Incidents"),
            tooltip=[
                alt.Tooltip("weekday_name:N", title="Day"),
                alt.Tooltip("count:Q", title="Incidents", format=","),
            ],
        )
        .properties(height=170)
    )


def reject_reasons(counts: pd.Series) -> alt.Chart:
    """Rejected rows per reason (a Series indexed by reason)."""
    frame = counts.rename_axis("reason").reset_index(name="rows")
    return (
        alt.Chart(frame)
        .mark_bar(color="#d6604d")
        .encode(
            x=alt.X("rows:Q", title="Rejected rows"),
            y=alt.Y("reason:N", title=None, sort="-x"),
            tooltip=[
                alt.Tooltip("reason:N", title="Reason"),
                alt.Tooltip("rows:Q", title="Rows", format=","),
            ],
        )
        .properties(height=max(60, 28 * len(frame)))
    )


def top_areas(frame: pd.DataFrame, *, value: str, title: str, top: int = 15) -> alt.Chart:
    """Bars of the ``top`` areas by ``value`` (frame with ``name`` and ``value``)."""
    data = frame.nlargest(top, value)
    return (
        alt.Chart(data)
        .mark_bar(color=palettes.ACCENT)
        .encode(
            x=alt.X(f"{value}:Q", title=title),
            y=alt.Y("name:N", title=None, sort="-x"),
            tooltip=[
                alt.Tooltip("name:N", title="Area"),
                alt.Tooltip(f"{value}:Q", title=title, format=",.1f"),
            ],
        )
        .properties(height=max(120, 22 * len(data)))
    )


def change(frame: pd.DataFrame, *, top: int = 10) -> alt.Chart:
    """Largest rises and falls against the previous period (``name``, ``change``)."""
    ranked = frame.dropna(subset=["change"]).sort_values("change")
    data = pd.concat([ranked.head(top), ranked.tail(top)]).drop_duplicates("name")
    data = data.assign(direction=data["change"].map(lambda c: "Rise" if c > 0 else "Fall"))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("change:Q", title="Change in incidents"),
            y=alt.Y("name:N", title=None, sort="-x"),
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(
                    domain=["Rise", "Fall"], range=[palettes.GI_COLOURS[3], palettes.GI_COLOURS[-3]]
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Area"),
                alt.Tooltip("count:Q", title="This period", format=","),
                alt.Tooltip("previous_count:Q", title="Previous period", format=","),
                alt.Tooltip("change:Q", title="Change", format="+,"),
            ],
        )
        .properties(height=max(120, 22 * len(data)))
    )


def cell_series(frame: pd.DataFrame, *, interval: str) -> alt.Chart:
    """One cell's incidents per interval, with the intervals it was a hot or cold spot marked.

    ``frame`` is :meth:`hotspots.stats.emerging.EmergingHotspots.series` (``period``,
    ``count``, ``hot``, ``cold``…).
    """
    data = frame.assign(
        status=frame["hot"]
        .map({True: "Hot spot", False: ""})
        .where(frame["hot"], frame["cold"].map({True: "Cold spot", False: "Neither"}))
    )
    base = alt.Chart(data).encode(
        x=alt.X(
            "period:T", title=None, axis=alt.Axis(format="%b %Y" if interval != "year" else "%Y")
        ),
        y=alt.Y("count:Q", title=f"Incidents per {interval}"),
    )
    line = base.mark_line(color=palettes.OUTLINE, strokeWidth=1.2)
    dots = base.mark_circle(size=45, opacity=1).encode(
        color=alt.Color(
            "status:N",
            title=None,
            scale=alt.Scale(
                domain=["Hot spot", "Cold spot", "Neither"],
                range=[palettes.GI_COLOURS[3], palettes.GI_COLOURS[-3], "#bdbdbd"],
            ),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("period:T", title=interval.capitalize(), format="%Y-%m-%d"),
            alt.Tooltip("count:Q", title="Incidents", format=","),
            alt.Tooltip("gi_z:Q", title="Gi* z", format=".2f"),
            alt.Tooltip("status:N", title="Status"),
        ],
    )
    return (line + dots).properties(height=_HEIGHT)
