"""Writing a command's results all at once: check the output folder first, stage, move into place.

A command that writes several files (``hotspots analyze``, ``plan``, ``publish``) checks
its output folder before any work (:func:`check_output_folder`), writes everything into a
hidden temporary folder next to it and moves the files into place only when all of them
are written (:func:`staged_folder`). So a failed run never leaves partial files, and a new
run never mixes with an older run's files: the files the older run wrote (listed in the
folder's :data:`MANIFEST`) are removed when the new ones move in. Files that no run of
hotspots wrote are left alone.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hotspots.errors import InputError, describe

log = logging.getLogger(__name__)

#: Hidden file listing what the last run wrote into an output folder.
MANIFEST = ".hotspots-files"


def check_output_folder(path: str | Path, *, argument: str = "--out") -> Path:
    """Return ``path`` if results can be written there, else raise :class:`InputError`.

    The folder may exist (results replace an earlier run's) or not (it is created, with
    its parents, when the results are complete). Nothing is created by this check.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(
            f"{argument}={describe(str(out))} is a file, not a folder; results are several "
            f"files. Give a folder (new or existing), e.g. {argument} {out.with_suffix('')}-results."
        )
    ancestor = _existing_ancestor(out)
    if not ancestor.is_dir():
        raise InputError(
            f"{argument}={describe(str(out))} is inside {describe(str(ancestor))}, which is a "
            "file; give a folder path whose parents are folders."
        )
    try:
        probe = tempfile.mkdtemp(prefix=".hotspots-probe-", dir=ancestor)
    except OSError as error:
        raise InputError(
            f"{argument}={describe(str(out))} cannot be written: {describe(str(ancestor))} "
            f"is not writable ({error.strerror or error}). Choose a folder you can write to."
        ) from None
    os.rmdir(probe)
    return out


@contextmanager
def staged_folder(path: str | Path, *, argument: str = "--out") -> Iterator[Path]:
    """A temporary folder to write into; its files replace ``path``'s when the block succeeds.

    On any exception the temporary folder is removed and ``path`` is untouched.
    """
    out = check_output_folder(path, argument=argument)
    stage = Path(
        tempfile.mkdtemp(prefix=f".{out.name or 'out'}.partial-", dir=_existing_ancestor(out))
    )
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    try:
        _move_into_place(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _existing_ancestor(path: Path) -> Path:
    current = path.absolute()
    while not current.exists():
        current = current.parent
    return current


def _move_into_place(stage: Path, out: Path) -> None:
    names = sorted(entry.name for entry in stage.iterdir())
    (stage / MANIFEST).write_text("\n".join(names) + "\n", encoding="utf-8")
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        stage.rename(out)
        return
    previous = out / MANIFEST
    if previous.is_file():
        old = [line.strip() for line in previous.read_text(encoding="utf-8").splitlines()]
        for name in old:
            target = out / name
            if name and "/" not in name and name not in (".", "..") and target.exists():
                shutil.rmtree(target) if target.is_dir() else target.unlink()
        if old:
            log.info("Removed %d files of the previous run from %s", len(old), out)
    for name in [*names, MANIFEST]:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(stage / name, target)
