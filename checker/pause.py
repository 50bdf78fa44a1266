"""A test hook: stop a run at a named point so a test can kill it there.

With LOANCHECK_TEST_PAUSE_AT=<point>, a run that reaches that point writes its process
id to the file LOANCHECK_TEST_PAUSE_FILE (when set) and sleeps until it is killed. Without
the variable this does nothing; it exists so the kill-safety tests hit known moments
(tests/test_nightly_safety.py).
"""

import os
import time


def pause_point(name: str) -> None:
    if os.environ.get("LOANCHECK_TEST_PAUSE_AT") != name:
        return
    marker = os.environ.get("LOANCHECK_TEST_PAUSE_FILE")
    if marker:
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write(str(os.getpid()))
    while True:  # until the test kills the process
        time.sleep(0.1)
