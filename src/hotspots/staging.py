"""Writing a command's results all at once: check the output folder first, stage, move into place.

A command that writes several files (``hotspots analyze``, ``plan``, ``publish``) checks
its output folder before any work (:func:`check_output_folder`), writes everything into a
hidden temporary folder next to it and moves the files into place only when all of them
are written (:func:`staged_folder`). So a failed run never leaves partial files, and a new
run never mixes with an older run's files: the files an older run of the same command may
have written (the ``replaces`` patterns, e.g. ``neighbourhoods.*`` of a run that had
boundaries) are removed when the new ones move in. Other files are left alone.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hotspots.errors import InputError, describe

log = logging.getLogger(__name__)


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
    for folder in dict.fromkeys([out.absolute() if out.exists() else ancestor, _stage_parent(out)]):
        try:
            probe = tempfile.mkdtemp(prefix=".hotspots-probe-", dir=folder)
        except OSError as error:
            raise InputError(
                f"{argument}={describe(str(out))} cannot be written: {describe(str(folder))} "
                f"is not writable ({error.strerror or error}). Choose a folder you can write to."
            ) from None
        os.rmdir(probe)
    return out


@contextmanager
def staged_folder(
    path: str | Path, *, replaces: Sequence[str] = (), argument: str = "--out"
) -> Iterator[Path]:
    """A temporary folder to write into; its files move into ``path`` when the block succeeds.

    Parameters
    ----------
    path : str or Path
        The output folder (created when missing).
    replaces : sequence of str
        Glob patterns of the files a run of this command writes: those already in ``path``
        (an older run's) are removed before the new files move in.
    argument : str
        Name of the option for messages.

    On any exception the temporary folder is removed and ``path`` is untouched.
    """
    out = check_output_folder(path, argument=argument)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name or 'out'}.partial-", dir=_stage_parent(out)))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    try:
        _move_into_place(stage, out, replaces)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _existing_ancestor(path: Path) -> Path:
    current = path.absolute()
    while not current.exists():
        current = current.parent
    return current


def _stage_parent(out: Path) -> Path:
    """Where the temporary folder goes: beside ``out`` (same file system, outside it)."""
    return _existing_ancestor(out.absolute().parent)


def _move_into_place(stage: Path, out: Path, replaces: Sequence[str]) -> None:
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        stage.rename(out)
        return
    older = {old for pattern in replaces for old in out.glob(pattern) if old.is_file()}
    for old in sorted(older):
        old.unlink()
    if older:
        log.info("Replaced %d files of an earlier run in %s", len(older), out)
    for entry in stage.iterdir():
        target = out / entry.name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(entry, target)
