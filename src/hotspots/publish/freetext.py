"""Checks on the publisher's own texts (title, notes): nothing that could point at an incident.

A snapshot shows no free text from the data apart from allow-listed category names and
the publisher's boundary names. The publisher's title and notes are free text too, so
:func:`check_free_text` refuses, before anything is computed:

- a number with 3 or more decimals (a coordinate to about 100 m or better);
- a date finer than a month (``2021-03-14``, ``14/03/2021``, ``March 14``, ``14 March``)
  or a time of day (``11pm``, ``23:15``);
- an ID-like token: 5 or more characters mixing letters and digits (``GO-20211234``,
  ``A12345``), or 6 or more digits.
"""

from __future__ import annotations

import re

from hotspots.errors import PrivacyError

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|"
    "august|september|october|november|december"
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a coordinate-like number with 3 or more decimals", re.compile(r"\d+[.,]\d{3,}")),
    ("a date finer than a month", re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b")),
    ("a date finer than a month", re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b")),
    (
        "a date finer than a month",
        re.compile(rf"\b(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?\b", re.IGNORECASE),
    ),
    (
        "a date finer than a month",
        re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?(?:{_MONTHS})\b", re.IGNORECASE),
    ),
    ("a time of day", re.compile(r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)),
    ("a time of day", re.compile(r"\b\d{1,2}:\d{2}\b")),
    (
        "an ID-like token",
        re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]{3,}[A-Za-z0-9]\b"),
    ),
    ("an ID-like token", re.compile(r"\b\d{6,}\b")),
)
#: Tokens that look ID-like but are ordinary (ordinals, quarters, units).
_ORDINARY = re.compile(
    r"^(?:\d{4}-?Q[1-4]|\d+(?:st|nd|rd|th|km|m|s)|Q[1-4]-?\d{4})$", re.IGNORECASE
)


def check_free_text(argument: str, text: str) -> None:
    """Raise :class:`PrivacyError` when ``text`` holds a coordinate, a date finer than a
    month, a time of day or an ID-like token (see the module docstring)."""
    for what, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if what == "an ID-like token" and _ORDINARY.match(m.group(0)):
                continue
            raise PrivacyError(
                f"Rule 'free text' failed: {argument} contains {m.group(0)!r}, {what}. Published texts "
                "may not point at an incident (coordinates, exact dates or times, identifiers). Reword "
                f"{argument}. Nothing was written."
            )
