"""What a long run is doing, for the person watching it: stage, file and rows per second.

Shown only on a terminal (stderr) and never with --quiet, so cron mail and pipes get
nothing of it. Stages take a reporter; the default does nothing, so a stage never needs
to know whether anyone is watching.
"""

import sys
import time
from typing import IO


class Progress:
    """The do-nothing reporter: the default for every stage."""

    def stage(self, name: str, total: int | None = None, unit: str = "rows") -> None:
        """A new stage begins (the previous one ends); total in rows or steps, if known."""

    def advance(self, amount: int = 1) -> None:
        """The current stage did this many more rows or steps."""

    def rows(self, table: str, done: int, total: int) -> None:
        """Rows written so far of a table (the sample writer's callback)."""

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        return None


NO_PROGRESS = Progress()


class RichProgress(Progress):
    """A rich progress display: one line per stage, with rows and rows per second."""

    def __init__(self, console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import (
            Progress as Display,
        )

        self.display = Display(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[speed]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task = None
        self.unit = "rows"
        self.table = None
        self.started = 0.0

    def stage(self, name: str, total: int | None = None, unit: str = "rows") -> None:
        self._finish()
        self.started = time.perf_counter()
        self.unit = unit
        self.task = self.display.add_task(name, total=total, speed="")

    def advance(self, amount: int = 1) -> None:
        if self.task is None:
            return
        self.display.advance(self.task, amount)
        done = self.display.tasks[self.task].completed
        self.display.update(self.task, speed=self._speed(done))

    def rows(self, table: str, done: int, total: int) -> None:
        if table != self.table:
            self.table = table
            self.stage(f"write {table}", total)
        self.display.update(self.task, completed=done, speed=self._speed(done))

    def _speed(self, done: float) -> str:
        elapsed = time.perf_counter() - self.started
        if self.unit != "rows" or elapsed <= 0 or not done:
            return ""
        return f"{done / elapsed:,.0f} rows/s"

    def _finish(self) -> None:
        if self.task is not None:
            task = self.display.tasks[self.task]
            if task.total is None or not task.completed:
                # a stage of unknown size (or counted in nothing) is complete when it ends
                done = task.completed or 1
                self.display.update(self.task, total=done, completed=done)

    def __enter__(self) -> "RichProgress":
        self.display.start()
        return self

    def __exit__(self, *exc) -> None:
        self._finish()
        self.display.stop()


def reporter_for(quiet: bool, stream: IO | None = None) -> Progress:
    """A display on a terminal unless quiet; otherwise the do-nothing reporter."""
    stream = stream if stream is not None else sys.stderr
    if quiet or not stream.isatty():
        return NO_PROGRESS
    from rich.console import Console

    return RichProgress(Console(file=stream))
