"""The C allocator's settings for a web server process.

glibc gives each thread that allocates concurrently an arena of its own (up to 8 per core), and
an arena's freed memory is reused only by threads that land on it again. A worker serves from a
pool of up to 40 threads, so each arena slowly fills with its own mix of short- and long-lived
blocks and the process's RSS creeps up long after its caches are full (bench/README.md, memory).
Two arenas keep contention low for the handful of threads that run Python at once (the GIL
serialises the rest) and let freed memory be reused by every thread.
"""

import ctypes
import ctypes.util
import logging

M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2

log = logging.getLogger(__name__)


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas (call before the thread pool starts); False where not glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # musl, macOS: no mallopt
        return False
    if mallopt(M_ARENA_MAX, arenas) != 1:
        log.warning("mallopt(M_ARENA_MAX, %s) was refused", arenas)
        return False
    return True
