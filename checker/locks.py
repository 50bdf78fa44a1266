"""Exclusive locks that keep two runs off the same output folder or history file.

A lock is fcntl.flock on a small file beside what it guards (`.OUT.lock` beside the
output folder, `history.duckdb.lock` beside the history). The kernel drops it when the
process ends, however it ends, so a killed run never leaves a stale lock. A second run
does not wait: it stops at once with one line naming what is locked (exit 2). The lock
files are left in place on purpose: removing one while another process opens it would
let two runs hold "the" lock at once.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from checker.errors import InputError


def output_lock_path(out_dir: Path) -> Path:
    out_dir = Path(out_dir).resolve()
    return out_dir.parent / f".{out_dir.name}.lock"


def history_lock_path(history: Path) -> Path:
    history = Path(history).resolve()
    return history.parent / f"{history.name}.lock"


@contextmanager
def exclusive(target: Path, lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(str(target), "locked", lock=str(lock_path)) from None
        # The holder's process id, for whoever looks at a lock file during a long run.
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(handle)  # closing releases the lock


@contextmanager
def run_locks(out_dir: Path, history: Path | None) -> Iterator[None]:
    """Both locks of a check run, the output folder first, always in that order."""
    with ExitStack() as stack:
        stack.enter_context(exclusive(Path(out_dir), output_lock_path(out_dir)))
        if history is not None:
            stack.enter_context(exclusive(Path(history), history_lock_path(history)))
        yield
