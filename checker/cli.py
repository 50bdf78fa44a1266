"""The loancheck command line. It only wires the stages together and maps outcomes to
exit codes: 0 all checks pass, 1 at least one breach, 2 unusable input or usage error,
3 internal error (DESIGN.md)."""

import os
import sys
import traceback
from collections import Counter
from pathlib import Path

import click

from checker import __version__
from checker.errors import InputError

EXIT_PASS, EXIT_BREACH, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


@click.group()
@click.version_option(__version__, prog_name="loancheck")
def main() -> None:
    """Check loan-book extracts against the supervisory measures for lending to private
    and small-micro firms."""


@main.command()
@click.argument("extract_dir", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for findings.json, exceptions/, rejected_rows.csv and the reports.",
)
@click.option("--profile", default="national", show_default=True, help="Rule profile to apply.")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of messages and reports.",
)
@click.option("--threads", type=click.IntRange(min=1), help="DuckDB threads (default: all cores).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors (for cron).")
def check(
    extract_dir: Path, out_dir: Path, profile: str, lang: str, threads: int | None, quiet: bool
) -> None:
    """Check the extract in EXTRACT_DIR and write the findings and reports to --out."""
    sys.exit(_guarded(lambda: _check(extract_dir, out_dir, profile, lang, threads, quiet)))


def _check(extract_dir, out_dir, profile, lang, threads, quiet) -> int:
    # Imported here so that `loancheck --help` stays fast.
    from checker.output import write_outputs
    from checker.pipeline import run_check
    from checker.summary import summary_text

    result = run_check(extract_dir, profile=profile, lang=lang, threads=threads)
    write_outputs(result, out_dir, lang)
    if not quiet:
        click.echo(summary_text(result, out_dir, lang))
    statuses = Counter(f.status for f in result.findings)
    if statuses["error"]:
        return EXIT_INTERNAL
    return EXIT_BREACH if statuses["breach"] else EXIT_PASS


def _guarded(action) -> int:
    """Run a command; a data or usage problem is one line on stderr, never a traceback."""
    try:
        return action()
    except InputError as error:
        click.echo(f"loancheck: {error}", err=True)
        return EXIT_INPUT
    except KeyboardInterrupt:
        click.echo("loancheck: interrupted", err=True)
        return EXIT_INTERNAL
    except Exception as error:  # a bug in loancheck, not a problem with the data
        if os.environ.get("LOANCHECK_DEBUG"):
            traceback.print_exc()
        first_line = str(error).splitlines()[0] if str(error) else ""
        click.echo(
            f"loancheck: internal error: {type(error).__name__}: {first_line} "
            "(set LOANCHECK_DEBUG=1 for the traceback)",
            err=True,
        )
        return EXIT_INTERNAL
