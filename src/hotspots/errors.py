"""The project's exceptions.

Every user mistake raises a subclass of :class:`HotspotsError`. Messages name the
argument, the value received, what is allowed, and how to fix it, so the CLI can
print them as they are (exit code 2) and the app can show them in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class HotspotsError(Exception):
    """Base class of every error a user can cause and fix."""


class InputError(HotspotsError, ValueError):
    """An argument or an input file is not what the function can use."""


class ColumnError(InputError):
    """A needed column is missing, ambiguous or of the wrong kind."""


class CRSError(InputError):
    """A coordinate reference system is missing, wrong or does not match."""


class EmptyDataError(InputError):
    """Nothing is left to analyse (an empty file, or every row rejected)."""


class PrivacyError(HotspotsError):
    """A publication rule would be broken; nothing was written."""


def describe(value: Any, *, limit: int = 80) -> str:
    """Return ``repr(value)`` shortened to ``limit`` characters for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def invalid(
    argument: str, value: Any, allowed: str | Iterable[Any], fix: str | None = None
) -> InputError:
    """Build the standard "bad argument" error.

    Examples
    --------
    >>> raise invalid("grid", "hexa", ["square", "hex"])  # doctest: +SKIP
    InputError: grid='hexa' is not allowed; use one of 'square', 'hex'.
    """
    if isinstance(allowed, str):
        allowed_text = allowed
    else:
        allowed_text = "one of " + ", ".join(repr(a) for a in allowed)
    message = f"{argument}={describe(value)} is not allowed; use {allowed_text}."
    if fix:
        message += f" {fix}"
    return InputError(message)
