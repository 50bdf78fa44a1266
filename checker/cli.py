"""The loancheck command line. It only wires the stages together and maps outcomes to
exit codes: 0 all checks pass, 1 at least one breach (or, for `validate`, rejected rows),
2 unusable input or usage error, 3 internal error (DESIGN.md)."""

import os
import signal
import sys
import traceback
import unicodedata
from collections import Counter
from pathlib import Path

import click

from checker import __version__
from checker.errors import InputError, RuleDefinitionError

EXIT_PASS, EXIT_BREACH, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _reading_options(command):
    """Options every command that reads an extract shares."""
    options = [
        click.option(
            "--lang",
            type=click.Choice(["zh", "en"]),
            default="zh",
            show_default=True,
            help="Language of messages and reports.",
        ),
        click.option(
            "--encoding", help="Encoding of the CSV files (default: detect UTF-8 or GB18030)."
        ),
        click.option("--sheet", help="Sheet of the XLSX files to read (default: the first)."),
        click.option(
            "--amount-unit",
            type=click.Choice(["yuan", "wan"]),
            default="yuan",
            show_default=True,
            help="Unit of the amount columns; wan = 万元.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
@click.version_option(__version__, prog_name="loancheck")
def main() -> None:
    """Check loan-book extracts against the supervisory measures for lending to private
    and small-micro firms."""
    # A scheduler stops an overrunning job with SIGTERM. Raised as SystemExit, it unwinds
    # like any exit: the run's temporary store (GBs at 100M loans) and half-written output
    # are removed, the locks released. It takes effect between DuckDB statements.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


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
@_reading_options
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="Threads for DuckDB and polars (default: all cores).",
)
@click.option(
    "--memory-limit",
    help="DuckDB memory limit, e.g. 3GB (default: 1/16 of RAM, at most 1.4 GiB); "
    "DuckDB spills to a temporary folder beyond it.",
)
@click.option("--quiet", is_flag=True, help="Print nothing but errors (for cron).")
@RULES_OPTION
@click.option(
    "--history",
    "history_path",
    type=click.Path(path_type=Path),
    help="Run history (DuckDB file) to compare with and record into "
    "(default: history.duckdb beside the --out folder).",
)
@click.option("--no-history", is_flag=True, help="Neither compare with nor record a history.")
@click.option(
    "--waivers",
    "waivers_path",
    type=click.Path(path_type=Path),
    help="YAML list of waivers: institution, rule, from, to, reason, approved_by, reference.",
)
def check(
    extract_dir: Path,
    out_dir: Path,
    profile: str,
    lang: str,
    encoding: str | None,
    sheet: str | None,
    amount_unit: str,
    threads: int | None,
    memory_limit: str | None,
    quiet: bool,
    rules_dirs: tuple[Path, ...],
    history_path: Path | None,
    no_history: bool,
    waivers_path: Path | None,
) -> None:
    """Check the extract in EXTRACT_DIR and write the findings and reports to --out."""
    if threads:  # polars reads this once, when it is first imported below
        os.environ.setdefault("POLARS_MAX_THREADS", str(threads))
    if no_history and history_path:
        raise click.UsageError("--history and --no-history exclude each other")

    def run() -> int:
        from checker import nightly
        from checker.load import ReadOptions
        from checker.locks import run_locks
        from checker.output import write_outputs
        from checker.pipeline import run_check
        from checker.progress import reporter_for
        from checker.summary import summary_text
        from checker.waivers import load_waivers

        history = None if no_history else history_path or nightly.default_history_path(out_dir)
        nightly.check_history_outside(history, out_dir)
        progress = reporter_for(quiet)
        with run_locks(out_dir, history), progress:
            nightly.remove_leftovers(out_dir)
            waivers = load_waivers(waivers_path) if waivers_path else None  # fail fast
            result = run_check(
                extract_dir,
                profile=profile,
                lang=lang,
                threads=threads,
                options=ReadOptions(encoding, sheet),
                amount_unit=amount_unit,
                memory_limit=memory_limit,
                rules_dirs=rules_dirs,
                progress=progress,
            )
            if history is not None:
                nightly.compare_with_history(result, history)
            if waivers is not None:
                nightly.apply_waiver_file(result, waivers_path, waivers)
            record = (lambda: nightly.record_in_history(result, history)) if history else None
            progress.stage("write reports")
            write_outputs(result, out_dir, lang, before_swap=record)
        if not quiet:
            click.echo(summary_text(result, out_dir, lang))
        statuses = Counter(f.status for f in result.findings)
        if statuses["error"]:
            return EXIT_INTERNAL
        return EXIT_BREACH if statuses["breach"] else EXIT_PASS

    sys.exit(_guarded(run, lang))


@main.command()
@click.argument("extract_dir", type=click.Path(path_type=Path))
@click.option(
    "--rejected",
    "rejected_path",
    type=click.Path(path_type=Path),
    default=Path("rejected_rows.csv"),
    show_default=True,
    help="Where to write the rejected rows.",
)
@_reading_options
def validate(
    extract_dir: Path,
    rejected_path: Path,
    lang: str,
    encoding: str | None,
    sheet: str | None,
    amount_unit: str,
) -> None:
    """Load and validate the extract in EXTRACT_DIR only, as a bank does before sending it.

    Exit 0 when every row is clean, 1 when rows were rejected, 2 when the extract is
    unusable."""

    def run() -> int:
        from checker.load import ReadOptions
        from checker.output import write_csv_atomically
        from checker.pipeline import load_and_validate
        from checker.schemas import load_schemas
        from checker.store import Store
        from checker.validation_report import validation_report

        with Store() as store:  # a database file under the default memory limit
            extract = load_and_validate(
                extract_dir,
                load_schemas(),
                ReadOptions(encoding, sheet),
                amount_unit,
                lang,
                store=store,
            )
        write_csv_atomically(extract.rejections, rejected_path)
        click.echo(validation_report(extract, rejected_path, lang))
        return EXIT_BREACH if extract.rejections.height else EXIT_PASS

    sys.exit(_guarded(run, lang))


@main.command("history")
@click.option(
    "--history",
    "history_path",
    type=click.Path(path_type=Path),
    default=Path("history.duckdb"),
    show_default=True,
    help="The run history (DuckDB file) that `check` records into.",
)
@click.option("--institution", help="Only this institution's (or guarantor's) findings.")
@click.option("--rule", "rule_id", help="Only this rule's findings.")
@click.option("--profile", help="Only runs of this profile.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table for a person; csv (findings) or json (runs and findings) for other tools.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def history_command(
    history_path: Path,
    institution: str | None,
    rule_id: str | None,
    profile: str | None,
    output_format: str,
    lang: str,
) -> None:
    """Past runs and their findings from the run history."""

    def run() -> int:
        from checker import history_report
        from checker.history import open_history

        with open_history(history_path, read_only=True) as store:
            runs = store.runs(profile)
            findings = store.findings(institution, rule_id, profile)
        if output_format == "json":
            click.echo(history_report.history_json(runs, findings))
        elif output_format == "csv":
            click.echo(history_report.history_csv(findings), nl=False)
        else:
            click.echo(history_report.history_table(runs, findings, lang))
        return EXIT_PASS

    sys.exit(_guarded(run, lang))


@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option(
    "--loans",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Loans in the current book (the year-start book has about 20% fewer).",
)
@click.option(
    "--institutions",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Banks in the extract.",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="Same seed and options, same bytes."
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of messages.",
)
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def sample(
    out_dir: Path,
    loans: int,
    institutions: int,
    seed: int,
    file_format: str,
    lang: str,
    quiet: bool,
) -> None:
    """Write a large realistic extract (loans, baseline, fees, guarantees, guarantors) into
    OUT_DIR, with a few institutions planned to breach each core measure. Written in chunks,
    so memory stays bounded for any number of loans."""

    from checker.sample.plan import MIN_LOANS_PER_INSTITUTION

    if loans < MIN_LOANS_PER_INSTITUTION * institutions:
        raise click.BadParameter(
            f"at least {MIN_LOANS_PER_INSTITUTION} per institution", param_hint="--loans"
        )

    def run() -> int:
        from checker.progress import reporter_for
        from checker.sample import write_sample

        progress = reporter_for(quiet)
        with progress:
            plan = write_sample(
                out_dir, loans, institutions, seed, file_format, on_rows=progress.rows
            )
        if not quiet:
            click.echo(
                f"{out_dir}: {plan.loans:,} loans, {plan.baseline_loans:,} at year-start, "
                f"{plan.contracts:,} guarantee contracts"
            )
            for subject, rule_id in sorted(plan.expected_breaches()):
                click.echo(f"planned breach: {subject} {rule_id}")
        return EXIT_PASS

    sys.exit(_guarded(run, lang))


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
        raise RuleDefinitionError(rule_id, "no such rule; see `loancheck rules list`")
    rule = rule_set.rules[rule_id]
    if profile:
        chosen = load_profile(profile, rule_set.rules, rule_set.folders).rules
        matching = [r for r in chosen if r.id == rule_id]
        if not matching:
            raise RuleDefinitionError(rule_id, f"not in profile {profile}")
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


def _guarded(action, lang: str = "zh") -> int:
    """Run a command; a data or usage problem is one line on stderr, never a traceback."""
    try:
        return action()
    except InputError as error:
        click.echo(f"loancheck: {error.render(lang)}", err=True)
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
