"""The project's exceptions, and how their messages speak to each caller.

Every user mistake raises a subclass of :class:`HotspotsError`. A message names the
argument, the value received, what is allowed, and how to fix it. The options it mentions
are kept abstract (:class:`Option`: the library's argument name and an example value) and
rendered for whoever reads the message:

- ``"library"`` (``str(exc)``): argument names, ``columns={'lat': '…'}``, ``crs='EPSG:…'``;
- ``"cli"``: flags, ``--column lat=…``, ``--crs EPSG:…``, ``--swap-lat-lon``;
- ``"app"``: the names of the dashboard's controls, ``"CRS of the coordinates"``.

The CLI prints ``exc.render("cli")`` and exits 2; the app shows ``exc.render("app")`` in place.

>>> err = InputError("No coordinates; give the CRS with {0}.", options=(Option("crs", "EPSG:26910"),))
>>> str(err)
"No coordinates; give the CRS with crs='EPSG:26910'."
>>> err.render("cli")
'No coordinates; give the CRS with --crs EPSG:26910.'
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

#: Who reads a message.
Audience = Literal["library", "cli", "app"]

#: Plain-language names of the incident fields (the dashboard's column pickers use them too).
FIELD_LABELS: dict[str, str] = {
    "lat": "Latitude",
    "lon": "Longitude",
    "x": "X / easting (projected)",
    "y": "Y / northing (projected)",
    "date": "Date (or date and time)",
    "time": "Time of day",
    "year": "Year",
    "month": "Month",
    "day": "Day",
    "hour": "Hour",
    "minute": "Minute",
    "offense": "Offense type",
    "neighbourhood": "Neighbourhood / area label",
    "id": "Incident id",
    "premises": "Premises type",
    "location": "Block / street / address text",
}

#: Option keys that name a library argument of another name (the same argument of another verb).
LIBRARY_ARGS: dict[str, str] = {
    "site_crs": "crs",
    "site_columns": "columns",
    "candidates_from": "candidates",
    "boundaries_source": "source",
    "boundaries_crs": "crs",
    "boundary_name": "name",
    "boundary_population": "population",
}

#: Option keys naming an input file -> how the app speaks of it. The CLI writes the file
#: name after the flag (none for the positional incident file), the library ``source='…'``.
FILES: dict[str, str] = {
    "source": "the file",
    "boundaries_source": "the boundary file",
}

#: Library argument -> CLI flag, where the flag is not simply ``--arg-with-dashes``.
CLI_FLAGS: dict[str, str] = {
    "columns": "--column",
    "offenses": "--offense",
    "existing": "--existing",
    "candidates": "--candidates",
    "method": "--greedy",
    "offense_weights": "--offense-weight",
    "site_crs": "--candidates-crs (or --existing-crs)",
    "demand:cell_size_m": "--demand-cell-size-m",
    "source": "",  # the positional incident file
    "boundaries_source": "--boundaries",
    "out_dir": "--out",
}

#: Option key -> the dashboard control that sets it. A key of the same argument with another
#: meaning elsewhere is prefixed with its verb (``"publish:k"``: the library writes ``k=``, the
#: CLI ``--k``, the app names the Publish page's control). Keys not listed here are set by
#: nothing in the app, and the app's wording names no control for them. Every control named
#: here exists on its page (tests/app/test_app_controls.py).
APP_CONTROLS: dict[str, str] = {
    "columns": "the column choices on the Data page",
    "crs": '"CRS of the coordinates" on the Data page',
    "timezone": '"Time zone" on the Data page',
    "date_format": '"Date format" on the Data page',
    "layer": '"Layer" on the Data page',
    "swap_lat_lon": 'the "Latitude" and "Longitude" choices on the Data page (swap them)',
    "boundaries": "the boundary file on the Data page",
    "boundary_name": '"Boundary name column" on the Data page',
    "boundary_population": '"Population column" on the Data page',
    "candidates": '"Candidate sites" on the Plan outreach page',
    "candidates_from": '"Candidate sites" on the Plan outreach page',
    "existing": '"Existing sites (always kept)" on the Plan outreach page',
    "k": '"Number of sites (k)" on the Plan outreach page',
    "demand": '"Demand to cover" on the Plan outreach page',
    "radius_m": '"Service radius (metres, straight line)" on the Plan outreach page',
    "min_share_per_area": '"Cover at least this share of every neighbourhood" on the Plan outreach page',
    "method": '"Quick greedy choice (not proven optimal)" on the Plan outreach page',
    "cell_size_m": '"Cell size" in the sidebar',
    "alpha": '"False discovery rate" in the sidebar',
    "offenses": '"Offenses" in the sidebar',
    "site_crs": "a sites file that says its CRS (GeoJSON, GeoPackage)",
    "boundaries_crs": "a boundary file that says its CRS (GeoJSON, GeoPackage, a zipped "
    "shapefile with its .prj)",
    "until": '"Train on data up to" on the Forecast page',
    "horizon_months": '"Forecast horizon (months)" on the Forecast page',
    "forecast:cell_size_m": '"Cell size (m)" on the Forecast page',
    "before": '"Before" on the Evaluate page',
    "after": '"After" on the Evaluate page',
    "buffer_m": '"Displacement buffer (metres)" on the Evaluate page',
    "control": '"Control" on the Evaluate page',
    "buffer_control": '"Control" on the Evaluate page',
    "publish:k": '"Never show numbers below" on the Publish page',
    "publish:cell_size_m": '"Grid cell size (m, at least 500)" on the Publish page',
    "publish:min_cell_size_m": '"Grid cell size (m, at least 500)" on the Publish page',
    "selection:radius_m": '"Buffer radius for a clicked point (m)" on the Map page',
    "title": '"Title" on the Publish page',
    "publish:offenses": '"Offense groups" on the Publish page',
    "publish:period": '"Period (a calendar year, quarter or month)" on the Publish page',
    "allow": "the publisher's allow list (allow_list.json in the publisher folder)",
}

#: Things a message points to that are not options.
_PLACES: dict[str, dict[Audience, str]] = {
    "rejects": {
        "library": "the error's .rejects",
        "cli": "the reasons above",
        "app": "the rejected rows below",
    },
    "read_sites": {
        "library": "hotspots.read_sites(path)",
        "cli": "--candidates FILE",
        "app": 'a sites file under "Candidate sites"',
    },
    "site_columns": {
        "library": "columns={'lat': ..., 'lon': ...}",
        "cli": "columns named lat and lon",
        "app": "columns named lat and lon",
    },
}


@dataclass(frozen=True)
class Option:
    """An option a message tells the user to set, independent of how it is spelled.

    Parameters
    ----------
    key : str
        The library's argument name (``"crs"``, ``"columns"``, ``"swap_lat_lon"``), or a
        place such as ``"rejects"``.
    example : object, optional
        An example value: a string or number, ``True`` for a switch, a ``{field: column}``
        dict for ``columns``. ``None`` names the option without a value.
    """

    key: str
    example: Any = None

    def render(self, audience: Audience) -> str:
        """The option as ``audience`` writes it."""
        if self.key in _PLACES:
            return _PLACES[self.key][audience]
        if audience == "library":
            return self._library()
        if audience == "cli":
            return self._cli()
        return self._app()

    def _library(self) -> str:
        key = argument_name(self.key)
        if self.example is None:
            return f"{key}="
        return f"{key}={self.example!r}"

    def _cli(self) -> str:
        flag = cli_flag(self.key)
        example = self.example
        if example is None or example is True:
            return flag
        if isinstance(example, Mapping):
            return " ".join(f"{flag} {k}={plain(v)}" for k, v in example.items())
        return f"{flag} {plain(example)}"

    def _app(self) -> str:
        control = APP_CONTROLS.get(self.key)
        if control is None:  # nothing in the app sets it: name no control
            control = f"the {argument_name(self.key).replace('_', ' ')} setting"
        example = self.example
        if isinstance(example, Mapping):
            fields = ", ".join(f'"{FIELD_LABELS.get(str(f), f)}"' for f in example)
            return f"{control} ({fields})"
        if example is None or isinstance(example, bool):
            return control
        return f"{control} (e.g. {example})"


def argument_name(key: str) -> str:
    """The library argument an option key stands for (``"publish:k"`` -> ``"k"``)."""
    return LIBRARY_ARGS.get(key, key.rsplit(":", 1)[-1])


def cli_flag(key: str) -> str:
    """The command-line flag of an option key (``"cell_size_m"`` -> ``"--cell-size-m"``)."""
    if key in CLI_FLAGS:
        return CLI_FLAGS[key]
    name = key.rsplit(":", 1)[-1]  # "publish:k" is --k
    return CLI_FLAGS.get(name, "--" + name.replace("_", "-"))


class HotspotsError(Exception):
    """Base class of every error a user can cause and fix.

    Parameters
    ----------
    message : str
        The message; ``{0}``, ``{1}``… stand for ``options`` and are rendered per audience.
    argument, value, allowed :
        The structured problem, when it is one bad argument (see :func:`invalid`).
    options : sequence of Option
        The options the message mentions (the fix, abstractly).
    """

    def __init__(
        self,
        message: str = "",
        *,
        options: Sequence[Option] = (),
        argument: str | None = None,
        value: Any = None,
        allowed: str | None = None,
    ) -> None:
        self.template = message
        self.options = tuple(options)
        self.argument = argument
        self.value = value
        self.allowed = allowed
        super().__init__(self.render("library"))

    def render(self, audience: Audience = "library") -> str:
        """The message in the words of ``audience`` (``"library"``, ``"cli"`` or ``"app"``)."""
        if not self.options:
            return self.template
        text = self.template.format(*(option.render(audience) for option in self.options))
        # The app's wording may open with a lowercase control or file ("the file x.csv …").
        if audience == "app" and self.template.startswith("{"):
            return text[:1].upper() + text[1:]
        return text

    def __str__(self) -> str:
        return self.render("library")

    def reworded(self, prefix: str, *, keys: dict[str, str] | None = None) -> HotspotsError:
        """The same error with ``prefix`` before its message and option keys renamed.

        For a verb that passes an argument on under another name (``load_sites(crs=)`` is
        ``--candidates-crs`` on the command line): ``keys={"crs": "site_crs"}``.
        """
        renamed = tuple(
            type(o)(keys.get(o.key, o.key), o.example)
            if keys and type(o) in (Option, _Given)
            else o
            for o in self.options
        )
        return type(self)(literal(prefix) + self.template, options=renamed)


class InputError(HotspotsError, ValueError):
    """An argument or an input file is not what the function can use."""


class ColumnError(InputError):
    """A needed column is missing, ambiguous or of the wrong kind."""


class CRSError(InputError):
    """A coordinate reference system is missing, wrong or does not match."""


class EmptyDataError(InputError):
    """Nothing is left to analyze (an empty file, or every row rejected)."""


class PrivacyError(HotspotsError):
    """A publication rule would be broken; nothing was written."""


def describe(value: Any, *, limit: int = 80) -> str:
    """Return ``repr(value)`` shortened to ``limit`` characters for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def invalid(
    argument: str,
    value: Any,
    allowed: str | Iterable[Any],
    fix: str | None = None,
    *,
    options: Sequence[Option] = (),
) -> InputError:
    """Build the standard "bad argument" error.

    ``argument`` is the library's argument name; the CLI shows it as its flag and the app as
    its control. ``fix`` may refer to ``options`` as ``{1}``, ``{2}``… (``{0}`` is the argument).

    Examples
    --------
    >>> str(invalid("grid", "hexa", ["square", "hex"]))
    "grid='hexa' is not allowed; use one of 'square', 'hex'."
    >>> invalid("cell_size_m", -5, "a positive number of metres").render("cli")
    '--cell-size-m -5 is not allowed; use a positive number of metres.'
    """
    if isinstance(allowed, str):
        allowed_text = allowed
    else:
        allowed_text = "one of " + ", ".join(repr(a) for a in allowed)
    message = "{0} is not allowed; use " + literal(allowed_text) + "."
    if fix:
        message += " " + (fix if options else literal(fix))
    return InputError(
        message,
        options=(_Given(argument, value), *options),
        argument=argument,
        value=value,
        allowed=allowed_text,
    )


@dataclass(frozen=True)
class _Given(Option):
    """The bad value as the caller gave it (``grid='hexa'``, ``--grid hexa``, ``"Grid": hexa``)."""

    def render(self, audience: Audience) -> str:
        if audience == "library":
            return f"{argument_name(self.key)}={describe(self.example)}"
        if self.key in FILES:
            if audience == "app":
                return f"{FILES[self.key]} {plain(self.example)}"
            return " ".join(filter(None, (cli_flag(self.key), plain(self.example))))
        if audience == "cli" and self.key.startswith("-"):
            return f"{self.key}" if self.example is True else f"{self.key} {plain(self.example)}"
        if audience == "cli":
            return Option(self.key, self.example)._cli()
        control = Option(self.key)._app()
        label, quote, where = control.partition('" ')  # '"Cell size" in the sidebar'
        if quote and label.startswith('"'):
            where = where.removeprefix("on the ").removeprefix("in the ")
            return f'{label}" = {plain(self.example)} ({where})'
        return f"{control} = {plain(self.example)}"


def given(key: str, value: Any) -> Option:
    """The value the caller gave for option ``key``, as each audience writes it:
    ``k=3``, ``--k 3``, ``"Number of sites (k)" = 3 (Plan outreach page)``."""
    return _Given(key, value)


def plain(value: Any) -> str:
    """``value`` as a user types it: ``-5`` not ``-5.0``, ``Nowhere`` not ``'Nowhere'``."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and value and not any(c.isspace() for c in value):
        return value
    return describe(value)


def literal(text: str) -> str:
    """``text`` made safe to put in a message with options (braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


def positive_number(
    argument: str,
    value: Any,
    allowed: str,
    fix: str | None = None,
    *,
    options: Sequence[Option] = (),
) -> float:
    """``value`` as a finite float > 0, or the standard "bad argument" error (see :func:`invalid`)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (number > 0 and number != float("inf")):  # NaN fails the first test
        raise invalid(argument, value, allowed, fix, options=options)
    return number


def whole_number(
    argument: str,
    value: Any,
    allowed: str,
    fix: str | None = None,
    *,
    minimum: int,
    maximum: int | None = None,
) -> int:
    """``value`` as an int from ``minimum`` to ``maximum`` (no bools), or the standard
    "bad argument" error (see :func:`invalid`)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise invalid(argument, value, allowed, fix)
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        raise invalid(argument, value, allowed, fix)
    return number
