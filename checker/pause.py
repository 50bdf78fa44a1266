"""A test hook: stop a run at a named point so a test can kill it there, or hold it there
while a second run tries its luck.

With LOANCHECK_TEST_PAUSE_AT=<point> and LOANCHECK_TEST_PAUSE_FILE=<file>, a run that
reaches that point writes its process id to the file and waits while the file exists:
the test kills the process, or deletes the file to let the run go on. Without the
variables this does nothing (tests/test_nightly_safety.py). The points:

- before-rules: the extract is checked and staged in the run's temporary store;
- before-history-commit: every row of the run is in the history transaction, uncommitted;
- before-output-swap: the history is committed and the new output is complete beside the
  old one, not yet renamed into place.
"""

import os
import time
from pathlib import Path


def pause_point(name: str) -> None:
    marker = os.environ.get("LOANCHECK_TEST_PAUSE_FILE")
    if os.environ.get("LOANCHECK_TEST_PAUSE_AT") != name or not marker:
        return
    path = Path(marker)
    path.write_text(str(os.getpid()), encoding="utf-8")
    while path.exists():
        time.sleep(0.05)
