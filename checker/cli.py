"""The loancheck command line. It only wires the stages together and maps outcomes to
exit codes: 0 all checks pass, 1 at least one breach, 2 unusable input or usage error,
3 internal error (DESIGN.md)."""

import os
import sys
import traceback
import unicodedata
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


RULES_OPTION = click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Folder of extra rule files (*.yaml); a file with a built-in rule's id replaces it. "
    "Repeatable.",
)


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
@RULES_OPTION
def check(
    extract_dir: Path,
    out_dir: Path,
    profile: str,
    lang: str,
    threads: int | None,
    quiet: bool,
    rules_dirs: tuple[Path, ...],
) -> None:
    """Check the extract in EXTRACT_DIR and write the findings and reports to --out."""
    sys.exit(
        _guarded(lambda: _check(extract_dir, out_dir, profile, lang, threads, quiet, rules_dirs))
    )


def _check(extract_dir, out_dir, profile, lang, threads, quiet, rules_dirs) -> int:
    # Imported here so that `loancheck --help` stays fast.
    from checker.output import write_outputs
    from checker.pipeline import run_check
    from checker.summary import summary_text

    result = run_check(
        extract_dir, profile=profile, lang=lang, threads=threads, rules_dirs=rules_dirs
    )
    write_outputs(result, out_dir, lang)
    if not quiet:
        click.echo(summary_text(result, out_dir))
    statuses = Counter(f.status for f in result.findings)
    if statuses["error"]:
        return EXIT_INTERNAL
    return EXIT_BREACH if statuses["breach"] else EXIT_PASS


@main.group()
def rules() -> None:
    """List and show the rules, and write the rule catalogue."""


@rules.command("list")
@click.option("--profile", help="Only the rules this profile runs.")
@RULES_OPTION
def rules_list(profile: str | None, rules_dirs: tuple[Path, ...]) -> None:
    """One line per rule: id, severity, dates in force, source clause, title."""
    sys.exit(_guarded(lambda: _rules_list(profile, rules_dirs)))


def _rules_list(profile, rules_dirs) -> int:
    from checker.catalogue import index_rows
    from checker.rules import load_profile, load_rule_set, rules_to_run

    rule_set = load_rule_set(rules_dirs)
    chosen = list(rule_set.rules.values())
    if profile:
        chosen = rules_to_run(load_profile(profile, rule_set.rules, rule_set.folders), rule_set)
    rows = index_rows(chosen)
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[4]]))
    return EXIT_PASS


def _width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@rules.command("show")
@click.argument("rule_id")
@click.option("--profile", help="Show the parameter values this profile sets.")
@RULES_OPTION
def rules_show(rule_id: str, profile: str | None, rules_dirs: tuple[Path, ...]) -> None:
    """Everything about one rule: titles, measures, why, source and quote, parameters,
    dates in force, and the SQL."""
    sys.exit(_guarded(lambda: _rules_show(rule_id, profile, rules_dirs)))


def _rules_show(rule_id, profile, rules_dirs) -> int:
    from checker.catalogue import profiles_of, rule_markdown
    from checker.rules import load_profile, load_rule_set

    rule_set = load_rule_set(rules_dirs)
    if rule_id not in rule_set.rules:
        raise InputError(rule_id, "no such rule; see `loancheck rules list`")
    rule = rule_set.rules[rule_id]
    if profile:
        chosen = load_profile(profile, rule_set.rules, rule_set.folders).rules
        matching = [r for r in chosen if r.id == rule_id]
        if not matching:
            raise InputError(rule_id, f"not in profile {profile}")
        rule = matching[0]
    click.echo(rule_markdown(rule, rule_set.documents, profiles_of(rule_set)[rule_id]), nl=False)
    return EXIT_PASS


@rules.command("catalogue")
@RULES_OPTION
def rules_catalogue(rules_dirs: tuple[Path, ...]) -> None:
    """Write the rule catalogue (Markdown) to stdout: loancheck rules catalogue > docs/rules.md"""
    sys.exit(_guarded(lambda: _rules_catalogue(rules_dirs)))


def _rules_catalogue(rules_dirs) -> int:
    from checker.catalogue import catalogue_markdown
    from checker.rules import load_rule_set

    click.echo(catalogue_markdown(load_rule_set(rules_dirs)), nl=False)
    return EXIT_PASS


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
    except BrokenPipeError:
        # `loancheck rules list | head`: the reader has gone; nothing is wrong.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PASS
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
