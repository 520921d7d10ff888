"""The publisher's folder: the secret, the allow list and the release ledger.

One folder per publisher, **outside every output** (default
``$HOTSPOTS_PUBLISHER_DIR``, else ``$XDG_CONFIG_HOME/hotspots/publisher``, else
``~/.config/hotspots/publisher``; the CLI takes ``--publisher-dir``):

``secret.key``
    32 random bytes (hex), created on first use with permissions 600. It keys the
    record keys of the cell-key perturbation (:mod:`hotspots.publish.perturbation`).
    Keep it, and back it up: a new secret gives new noise, and two versions of the same
    table with different noise can be averaged.
``allow_list.json``
    The offense categories that may be published, owned by the publisher (created with
    the five Toronto Major Crime Indicator groups). Any other category is dropped before
    anything is counted, and nothing about it — name, count, how many — is published.
``ledger.jsonl``
    One line per release: period, offense selection, units, parameters, the published
    numbers and the SHA-256 of every output file. :meth:`Publisher.check_release`
    refuses a release that would combine with the earlier ones into a disclosure.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hotspots.errors import InputError, PrivacyError, invalid
from hotspots.publish.disclosure import Constraint, pinned
from hotspots.publish.freetext import check_free_text
from hotspots.publish.perturbation import PerturbationTable
from hotspots.publish.rules import normalise_category

log = logging.getLogger(__name__)

#: The five Toronto Police Major Crime Indicator groups, pre-approved for publication.
TORONTO_MCI_GROUPS: tuple[str, ...] = (
    "Assault",
    "Auto Theft",
    "Break and Enter",
    "Robbery",
    "Theft Over",
)
SECRET_FILE = "secret.key"
ALLOW_FILE = "allow_list.json"
LEDGER_FILE = "ledger.jsonl"
#: The environment variable naming the default publisher folder.
ENV_DIR = "HOTSPOTS_PUBLISHER_DIR"


def default_publisher_dir() -> Path:
    """``$HOTSPOTS_PUBLISHER_DIR``, else ``$XDG_CONFIG_HOME/hotspots/publisher``, else
    ``~/.config/hotspots/publisher``."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hotspots" / "publisher"


@dataclass(frozen=True)
class Release:
    """What one publication shows, as the ledger records it.

    Attributes
    ----------
    period : dict
        ``{"start": "YYYY-MM", "end": "YYYY-MM", "kind": "month"|"quarter"|"year"|"custom"}``.
    months : tuple of str
        Every month of the period (``YYYY-MM``).
    groups : tuple of str
        The offense groups covered.
    units : dict
        ``{"areas": signature or None, "grid": signature or None}``: what the unit
        systems are (a hash of the boundaries; the grid's kind, size and origin).
    numbers : tuple
        ``(unit, month, group, value)`` per published number; ``unit`` names an area
        (``"area:NAME"``), a grid cell (``"cell:ID"``), ``"*area"`` (every area and the
        unmapped rest) or ``"*cell:ID,ID…"`` (a sum of cells); ``month``/``group`` None =
        all of the release's; ``value`` 0 = hidden.
    parameters : dict
    """

    period: dict[str, str]
    months: tuple[str, ...]
    groups: tuple[str, ...]
    units: dict[str, str | None]
    numbers: tuple[tuple[str, str | None, str | None, int], ...]
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Identity of the release: period, selection, units and parameters."""
        return _digest(
            {
                "period": self.period,
                "groups": list(self.groups),
                "units": self.units,
                "parameters": self.parameters,
            }
        )

    @property
    def numbers_hash(self) -> str:
        """SHA-256 of the published numbers."""
        return _digest([list(n) for n in self.numbers])

    def constraints(self, areas: Sequence[str]) -> list[Constraint]:
        """The published numbers as sums of atoms (unit, month, group) for the adversary."""
        out = []
        label = f"{self.period['start']}..{self.period['end']} ({', '.join(self.groups)})"
        for unit, month, group, value in self.numbers:
            months = (month,) if month is not None else self.months
            groups = (group,) if group is not None else self.groups
            if unit == "*area":
                units: Sequence[str] = areas
            elif unit.startswith("*cell:"):
                units = [f"cell:{self.units['grid']}:{c}" for c in unit[6:].split(",") if c]
            elif unit.startswith("cell:"):
                units = [f"cell:{self.units['grid']}:{unit[5:]}"]
            else:
                units = [unit]
            atoms = tuple((u, m, g) for u in units for m in months for g in groups)
            what = unit if unit != "*area" else "total"
            where = f"{what} in {month or label}" + (f" for {group}" if group else "")
            out.append(Constraint(atoms, int(value), f"the hidden value of {where} ({label})"))
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "period": self.period,
            "months": list(self.months),
            "groups": list(self.groups),
            "units": self.units,
            "parameters": self.parameters,
            "numbers": [list(n) for n in self.numbers],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Release:
        """Inverse of :meth:`as_dict`."""
        return cls(
            period=dict(data["period"]),
            months=tuple(data["months"]),
            groups=tuple(data["groups"]),
            units=dict(data["units"]),
            numbers=tuple(
                (str(u), m if m is None else str(m), g if g is None else str(g), int(v))
                for u, m, g, v in data["numbers"]
            ),
            parameters=dict(data.get("parameters", {})),
        )


class Publisher:
    """A publisher's folder (see the module docstring). Created on first use.

    Parameters
    ----------
    directory : str or Path, optional
        The folder; default :func:`default_publisher_dir`.
    """

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory else default_publisher_dir()
        if self.directory.exists() and not self.directory.is_dir():
            raise invalid(
                "publisher_dir", str(self.directory), "a folder (it is a file)", "Pick a folder."
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        if not (self.directory / ALLOW_FILE).exists():
            self._write_allow_list(TORONTO_MCI_GROUPS)

    # -- the secret ------------------------------------------------------------------------------
    @property
    def secret(self) -> bytes:
        """The perturbation secret (created on first use; never written anywhere else)."""
        path = self.directory / SECRET_FILE
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            log.info("Created a new publisher secret in %s (keep it and back it up)", path)
        text = path.read_text().strip()
        try:
            value = bytes.fromhex(text)
        except ValueError:
            value = b""
        if len(value) < 16:
            raise InputError(
                f"The publisher secret {path} is not 32 hex-encoded bytes. Restore it from a backup; "
                "deleting it makes a new secret, and new noise on numbers already published."
            )
        return value

    def check_outside(self, out_dir: str | Path | None) -> None:
        """Refuse an output folder inside the publisher folder, or holding it."""
        if out_dir is None:
            return
        out = Path(out_dir).expanduser().resolve()
        mine = self.directory.resolve()
        if out == mine or mine in out.parents or out in mine.parents:
            raise PrivacyError(
                f"Rule 'secret outside every output' failed: the output folder {out} and the publisher folder "
                f"{mine} overlap. Write snapshots somewhere else. Nothing was written."
            )

    # -- the allow list --------------------------------------------------------------------------
    @property
    def allow_list(self) -> tuple[str, ...]:
        """The categories that may be published (as the publisher wrote them)."""
        path = self.directory / ALLOW_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            cats = data["categories"]
            if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
                raise TypeError
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"The allow list {path} is not a JSON object with a list of strings under 'categories' "
                f'({exc}). Fix the file, e.g. {{"categories": ["Assault", "Robbery"]}}.'
            ) from None
        return tuple(cats)

    def allow(self, categories: Iterable[str]) -> tuple[str, ...]:
        """Add ``categories`` to the allow list (kept in the publisher folder); return it."""
        current = list(self.allow_list)
        known = {normalise_category(c) for c in current}
        for cat in categories:
            text = " ".join(str(cat).split())
            if not text:
                raise invalid("allow", cat, "a non-empty offense category name")
            check_free_text("allow", text)
            if normalise_category(text) not in known:
                current.append(text)
                known.add(normalise_category(text))
        self._write_allow_list(current)
        return tuple(current)

    def is_allowed(self, category: object) -> bool:
        """True when ``category`` is on the allow list (case/accent/punctuation-insensitive)."""
        return normalise_category(category) in {normalise_category(c) for c in self.allow_list}

    def _write_allow_list(self, categories: Sequence[str]) -> None:
        text = json.dumps(
            {
                "about": "Offense categories that hotspots may publish. Only these are ever counted or named.",
                "categories": list(categories),
            },
            indent=2,
            ensure_ascii=False,
        )
        (self.directory / ALLOW_FILE).write_text(text + "\n", encoding="utf-8")

    # -- the ledger ------------------------------------------------------------------------------
    def releases(self) -> list[dict[str, Any]]:
        """Every recorded release (oldest first)."""
        path = self.directory / LEDGER_FILE
        if not path.exists():
            return []
        out = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    raise InputError(
                        f"Line {n} of the release ledger {path} is not JSON. Restore the ledger from a backup."
                    ) from None
        return out

    def check_release(self, release: Release, table: PerturbationTable) -> None:
        """Refuse (``PrivacyError``, with the reason) a release that combines with the
        recorded ones into a disclosure; return quietly otherwise."""
        earlier = [(entry, Release.from_dict(entry["release"])) for entry in self.releases()]
        settings = table.as_dict()
        for entry, old in earlier:
            if not (
                set(old.months) & set(release.months) and set(old.groups) & set(release.groups)
            ):
                continue
            if entry.get("table") != settings:
                raise _refusal(
                    f"release {entry['id']} ({_describe(old)}) overlaps this one in time and offenses but was "
                    f"perturbed with other settings ({entry.get('table')}); two differently perturbed versions of "
                    "the same counts can be averaged. Use the same k and max_noise as that release"
                )
            for kind in ("areas", "grid"):
                a, b = old.units.get(kind), release.units.get(kind)
                if a is not None and b is not None and a != b:
                    raise _refusal(
                        f"release {entry['id']} ({_describe(old)}) overlaps this one in time and offenses but used "
                        f"different {'boundaries' if kind == 'areas' else 'grid cells'}; differences between "
                        "overlapping units would count the incidents in their slivers. Use the same "
                        f"{'boundaries' if kind == 'areas' else 'grid size, shape and origin'}"
                    )
            if old.months == release.months and old.groups == release.groups:
                before = {tuple(n[:3]): n[3] for n in old.numbers}
                changed = [n for n in release.numbers if before.get(tuple(n[:3]), n[3]) != n[3]]
                if changed:
                    raise _refusal(
                        f"release {entry['id']} already published {_describe(old)} and {changed[0][0]} now "
                        "has another value: the data changed, and two versions differ only by the changed "
                        "incidents. Keep the earlier release (or publish a new period)"
                    )
        related = [
            old
            for entry, old in earlier
            if entry.get("table") == settings and old.numbers_hash != release.numbers_hash
        ] + [release]
        areas = sorted(
            {u for r in related for u, *_ in r.numbers if u.startswith("area:")} | {"area:*other"}
        )
        constraints = [c for r in related for c in r.constraints(areas)]
        found = pinned(constraints, table)
        if found:
            raise _refusal(
                f"together with the {len(related) - 1} release(s) already recorded, {found[0]}"
                + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")
            )

    def record(self, release: Release, table: PerturbationTable, files: Mapping[str, bytes]) -> str:
        """Append ``release`` to the ledger (no new line when the same release is there); return its id."""
        for entry in self.releases():
            if entry["key"] == release.key and entry["numbers"] == release.numbers_hash:
                return str(entry["id"])
        entry_id = f"R{len(self.releases()) + 1:04d}"
        entry = {
            "id": entry_id,
            "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "key": release.key,
            "numbers": release.numbers_hash,
            "table": table.as_dict(),
            "release": release.as_dict(),
            "outputs": {
                name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())
            },
        }
        with (self.directory / LEDGER_FILE).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        log.info("Release %s recorded in %s", entry_id, self.directory / LEDGER_FILE)
        return entry_id


def _refusal(reason: str) -> PrivacyError:
    return PrivacyError(f"Rule 'release ledger' failed: {reason}. Nothing was written.")


def _describe(release: Release) -> str:
    p = release.period
    return f"{p['start']}..{p['end']}, {', '.join(release.groups)}"


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
