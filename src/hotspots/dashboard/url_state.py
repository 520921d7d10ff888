"""The view in the URL: a link reproduces the data set, filters, units, cell size, FDR and
the map's measure (the map adds its zoom and centre: :mod:`.map_view`).

The sidebar writes the current choices into the address bar (``st.query_params``) on every
run, and reads them back once, when a session starts from a link. Only choices that
differ from the defaults are written, so a plain visit keeps a plain URL. Values that do
not fit the data (an offense it does not have, a day outside it) are ignored and logged:
a stale link still opens, with defaults in their place. The page itself is the URL's path
(``/trends``). The map's zoom and centre are written by the map itself, in the browser
(sending them to the server would rerun the app on every pan); the sidebar only keeps them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence

log = logging.getLogger(__name__)

#: Session flag: the URL of this session has been read.
READ_KEY = "hs.url_read"
_SEP = "|"


def params_from_state(
    state: Mapping[str, object],
    *,
    dataset_key: str,
    default_dataset: str,
    defaults: Mapping[str, object],
) -> dict[str, str]:
    """Query parameters for the widget values in ``state`` that differ from ``defaults``.

    ``defaults`` maps the filter widgets' session keys (``sb_dates_<data set>``…) to their
    unfiltered values (see :func:`hotspots.dashboard.sidebar._filter_defaults`).
    """
    out: dict[str, str] = {}
    if dataset_key != default_dataset:
        out["data"] = dataset_key

    def changed(name: str) -> object | None:
        key = f"sb_{name}_{dataset_key}"
        value = state.get(key, defaults.get(key))
        return None if _same(value, defaults.get(key)) else value

    dates = changed("dates")
    if isinstance(dates, Sequence) and len(dates) == 2:
        out["from"], out["to"] = (
            d.isoformat() if isinstance(d, dt.date) else str(d) for d in dates
        )
    offenses = changed("offenses")
    if isinstance(offenses, Sequence) and offenses:
        out["offenses"] = _SEP.join(str(o) for o in offenses)
    hours = changed("hours")
    if isinstance(hours, Sequence) and len(hours) == 2:
        out["hours"] = f"{int(hours[0])}-{int(hours[1])}"
    if changed("overnight"):
        out["overnight"] = "1"
    days = changed("weekdays")
    if isinstance(days, Sequence) and days:
        out["days"] = ",".join(str(int(d)) for d in days)
    for name, key, default in (
        ("units", "sb_unit", "square"),
        ("cell", "sb_cell_size", 0),
        ("fdr", "sb_alpha", 0.05),
        ("show", "map_measure", "gi"),
    ):
        value = state.get(key)
        if value is not None and not _same(value, default):
            out[name] = f"{value:g}" if isinstance(value, float) else str(value)
    return out


def state_from_params(
    params: Mapping[str, str],
    *,
    dataset_key: str,
    offenses: Sequence[str],
    first_day: dt.date,
    last_day: dt.date,
    units: Sequence[str],
    cell_sizes: Sequence[int],
    alphas: Sequence[float],
    measures: Sequence[str],
) -> dict[str, object]:
    """Session values for the widgets from ``params`` (values the data cannot take are skipped)."""
    out: dict[str, object] = {}
    prefix = f"sb_{{}}_{dataset_key}"
    if "from" in params and "to" in params:
        try:
            start, end = (dt.date.fromisoformat(params[k]) for k in ("from", "to"))
        except ValueError:
            log.info("Ignoring the dates of the link: %r to %r", params["from"], params["to"])
        else:
            if first_day <= start <= end <= last_day:
                out[prefix.format("dates")] = (start, end)
    if "offenses" in params:
        wanted = [o for o in params["offenses"].split(_SEP) if o in offenses]
        if wanted:
            out[prefix.format("offenses")] = wanted
    if "hours" in params:
        first, _, last = params["hours"].partition("-")
        if first.isdigit() and last.isdigit() and 0 <= int(first) <= int(last) <= 23:
            out[prefix.format("hours")] = (int(first), int(last))
    if params.get("overnight") == "1":
        out[prefix.format("overnight")] = True
    if "days" in params:
        days = sorted({int(d) for d in params["days"].split(",") if d.isdigit() and int(d) < 7})
        if days:
            out[prefix.format("weekdays")] = days
    if params.get("units") in units:
        out["sb_unit"] = params["units"]
    if params.get("cell", "").isdigit() and int(params["cell"]) in cell_sizes:
        out["sb_cell_size"] = int(params["cell"])
    try:
        alpha = float(params.get("fdr", "nan"))
    except ValueError:
        alpha = float("nan")
    if alpha in alphas:
        out["sb_alpha"] = alpha
    if params.get("show") in measures:
        out["map_measure"] = params["show"]
    return out


def _same(value: object, default: object) -> bool:
    if isinstance(value, list | tuple) and isinstance(default, list | tuple):
        return list(value) == list(default)
    return value == default
