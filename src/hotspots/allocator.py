"""Arrow's memory from the C library's allocator, in the processes hotspots runs itself.

pyarrow allocates with mimalloc by default, which hands freed memory back to the system
eagerly; on the virtual machines this project is measured on, taking it back costs a page
fault per page, and page faults are slow there. Converting a ten-million-row CSV's columns
to pandas took 4.9-8.5 s with mimalloc and 0.7-0.8 s with the system allocator, and a whole
``hotspots analyze`` of ten million incidents 15.1 s against 7.4 s (README, "The same
incidents in other layouts"). The ``hotspots`` command and the dashboard server therefore
ask for the system allocator, unless ``ARROW_DEFAULT_MEMORY_POOL`` already names one; a
program that imports the library chooses for itself (set that variable, or call
:func:`prefer_system_allocator`).

The C library in turn keeps what is freed in the middle of its heap: after a CSV of ten
million rows is read, the reader's freed buffers were a third of the command's peak.
:func:`release_free_memory` hands them back; the readers call it after converting a table.
"""

from __future__ import annotations

import contextlib
import os
import sys

#: The variable pyarrow reads its default memory pool from ("system", "jemalloc", "mimalloc").
POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


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
