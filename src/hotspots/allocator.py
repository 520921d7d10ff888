"""How the processes hotspots runs itself take memory: two choices that cost seconds here.

**Small pages for NumPy's arrays.** NumPy asks Linux for transparent huge pages (2 MiB) for
every large array (``madvise``). On the virtual machines this project is measured on, the
kernel's zeroing of a fresh huge page is several times slower than of the same memory in
4 KiB pages: a 10M-row ``hotspots analyze`` spent 9.7 s of its 16.5 s in the kernel, 35 % of
its samples in huge-page zeroing, and took 9.0 s with 2.5 s in the kernel without the
hint (README, "Memory is time on this VM"). :func:`prefer_small_pages` turns the hint off
(``NUMPY_MADVISE_HUGEPAGE=0``) unless that variable is already set.

**Arrow's memory from the C library's allocator.** pyarrow allocates with mimalloc by
default, which hands freed memory back to the system eagerly, to be faulted in again:
converting a ten-million-row CSV's columns to pandas took 4.9-8.5 s with mimalloc and
0.7-0.8 s with the system allocator. :func:`prefer_system_allocator` asks for the system
allocator unless ``ARROW_DEFAULT_MEMORY_POOL`` already names one.

The ``hotspots`` command and the dashboard server make both choices (:func:`tune_memory`);
a program that imports the library chooses for itself (set the variables, or call it).

The C library in turn keeps what is freed in the middle of its heap: after a CSV of ten
million rows is read, the reader's freed buffers were a fifth of the command's peak.
:func:`release_free_memory` hands them back; ``load_incidents`` calls it after reading.
"""

from __future__ import annotations

import contextlib
import os
import sys

#: The variable pyarrow reads its default memory pool from ("system", "jemalloc", "mimalloc").
POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"
#: The variable NumPy reads, when imported, for whether to ask for huge pages ("0" or "1").
HUGEPAGE_VARIABLE = "NUMPY_MADVISE_HUGEPAGE"


def tune_memory() -> None:
    """Both choices (:func:`prefer_small_pages`, :func:`prefer_system_allocator`)."""
    prefer_small_pages()
    prefer_system_allocator()


def prefer_small_pages() -> None:
    """Stop NumPy asking for transparent huge pages in this process, unless
    ``NUMPY_MADVISE_HUGEPAGE`` is set (then nothing changes). Cheap: NumPy is not imported
    for it; if it already is, its setting is switched now."""
    if os.environ.get(HUGEPAGE_VARIABLE) is not None:
        return
    os.environ[HUGEPAGE_VARIABLE] = "0"
    if "numpy" in sys.modules:
        import numpy as np

        core = getattr(np, "_core", None) or getattr(np, "core", None)
        setter = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
        if setter is not None:
            setter(False)


def prefer_system_allocator() -> None:
    """Make the system allocator Arrow's default in this process, unless
    ``ARROW_DEFAULT_MEMORY_POOL`` is set (then nothing changes). Cheap: pyarrow is not
    imported for it; if it already is, its default pool is switched now."""
    if os.environ.get(POOL_VARIABLE):
        return
    os.environ[POOL_VARIABLE] = "system"
    if "pyarrow" in sys.modules:
        import pyarrow as pa

        pa.set_memory_pool(pa.system_memory_pool())


def release_free_memory() -> None:
    """Hand the memory the C library holds freed back to the system (glibc's
    ``malloc_trim``; nothing elsewhere)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
