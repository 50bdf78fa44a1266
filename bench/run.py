#!/usr/bin/env python3
"""Time loancheck against the floor and its peers on generated extracts (run by hand).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/run.py                 # 1M and 10M loans, 5 repetitions
    .venv/bin/python bench/run.py --sizes 200000  # a quick try
    .venv/bin/python bench/run.py --large         # adds 100M (Parquet only)

Each size is generated once into --cache (Parquet with 122,880-row row groups; CSV at
1M and 10M only). Then every contender runs in a fresh process, interleaved (floor,
loancheck, peers, floor, loancheck, ...), --repeat times; the table shows medians of wall
time, CPU time (user + sys) and peak RSS from os.wait4. Every peer's breaches of the card
measures are compared with loancheck's findings.json.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
sys.path.insert(0, str(PEERS))
from card import CARD_RULES  # noqa: E402

LOANCHECK = Path(sys.executable).with_name("loancheck")
CSV_MAX = 10_000_000
GX_MAX = 1_000_000
TABLE_NAMES = ("loans", "baseline", "fees", "guarantees", "guarantors")


@dataclass
class Contender:
    name: str
    command: list[str]
    result: Path | None = None  # peers write their breaches here
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # wall, cpu, rss KB
    timings: list[dict] = field(default_factory=list)  # loancheck's run.timings, per run
    failed: str = ""

    def median(self, index: int) -> float:
        return statistics.median(s[index] for s in self.samples)


def institutions_for(loans: int) -> int:
    return max(50, min(500, loans // 20_000))


def ensure_sample(cache: Path, loans: int, file_format: str, seed: int) -> Path:
    folder = cache / f"loans-{loans}" / file_format
    if all((folder / f"{t}.{file_format}").exists() for t in TABLE_NAMES):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    print(f"generating {loans:,} loans ({file_format}) into {folder} ...", flush=True)
    command = [str(LOANCHECK), "sample", str(folder), "--loans", str(loans), "--institutions",
               str(institutions_for(loans)), "--seed", str(seed), "--format", file_format,
               "--quiet"]  # fmt: skip
    subprocess.run(command, check=True)
    return folder


def measure(command: list[str], ok_codes=(0, 1)) -> tuple[float, float, int]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    process.returncode = code
    if code not in ok_codes:
        raise RuntimeError(f"exit {code}: {stderr.strip().splitlines()[-1:] or ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def contenders(extract: Path, loans: int, threads: int, work: Path, peers: list[str]):
    python = sys.executable
    out = work / "loancheck-out"
    chosen = [
        Contender(
            "floor (DuckDB scan)", [python, str(HERE / "floor.py"), str(extract), str(threads)]
        ),
        Contender(
            "loancheck check",
            [
                str(LOANCHECK),
                "check",
                str(extract),
                "--out",
                str(out),
                "--quiet",
                "--threads",
                str(threads),
            ],  # fmt: skip
            result=out / "findings.json",
        ),
    ]
    for peer in peers:
        if peer == "great_expectations_pandas" and loans > GX_MAX:
            continue
        result = work / f"{peer}.json"
        chosen.append(
            Contender(
                peer,
                [python, str(PEERS / f"{peer}.py"), str(extract), str(threads), str(result)],
                result=result,
            )
        )
    return chosen


def loancheck_breaches(findings: Path) -> set[tuple[str, str]]:
    document = json.loads(findings.read_text(encoding="utf-8"))
    return {
        (f["institution_id"], f["rule_id"])
        for f in document["findings"]
        if f["status"] == "breach" and f["rule_id"] in CARD_RULES
    }


def run_size(extract: Path, loans: int, file_format: str, args) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="loancheck-bench-") as tmp:
        chosen = contenders(extract, loans, args.threads, Path(tmp), args.peers)
        for repetition in range(args.repeat):
            for contender in chosen:
                if contender.failed:
                    continue
                shutil.rmtree(Path(tmp) / "loancheck-out", ignore_errors=True)
                try:
                    contender.samples.append(measure(contender.command))
                except Exception as error:  # a peer that dies (e.g. out of memory) is reported
                    contender.failed = str(error)
                print(f"  {file_format} {loans:,} rep {repetition + 1} {contender.name}: "
                      f"{contender.samples[-1][0]:.1f}s" if contender.samples and not
                      contender.failed else f"  {contender.name}: FAILED {contender.failed}",
                      flush=True)  # fmt: skip
                if (
                    contender.result
                    and contender.name == "loancheck check"
                    and not contender.failed
                ):
                    contender.reference = loancheck_breaches(contender.result)
                    document = json.loads(contender.result.read_text(encoding="utf-8"))
                    contender.timings.append(document["run"].get("timings", {}))
        return summarise(chosen, loans, file_format)


def summarise(chosen: list[Contender], loans: int, file_format: str) -> list[dict]:
    floor, check = chosen[0], chosen[1]
    reference = getattr(check, "reference", set())
    rows = []
    for contender in chosen:
        row = {"size": loans, "format": file_format, "contender": contender.name,
               "repetitions": len(contender.samples), "failed": contender.failed}  # fmt: skip
        if contender.samples:
            wall = contender.median(0)
            row |= {
                "wall_s": wall,
                "cpu_s": contender.median(1),
                "peak_rss_mib": contender.median(2) / 1024,
                "rows_per_s": loans / wall,
            }
            if contender is check and floor.samples:
                row["vs_floor"] = wall / floor.median(0)
            if contender not in (floor, check) and check.samples:
                row["vs_loancheck"] = wall / check.median(0)
        if contender not in (floor, check) and contender.result and contender.result.exists():
            found = {tuple(b) for b in json.loads(contender.result.read_text())["breaches"]}
            row["same_breaches"] = found == reference
            if found != reference:
                print(f"!!! MISMATCH {contender.name} at {loans:,} {file_format}: "
                      f"only loancheck {sorted(reference - found)}, "
                      f"only peer {sorted(found - reference)}", flush=True)  # fmt: skip
        if contender is check:
            row["card_breaches"] = len(reference)
            stages = {stage for t in contender.timings for stage in t}
            row["stage_seconds"] = {
                stage: statistics.median(t.get(stage, 0) for t in contender.timings)
                for stage in sorted(stages)
            }
            print(f"  loancheck stages at {loans:,} {file_format} (median s): "
                  f"{row['stage_seconds']}", flush=True)  # fmt: skip
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    header = ("| loans | format | contender | wall s | rows/s | CPU s | peak RSS MiB | "
              "check ÷ floor | peer ÷ check | same breaches |")  # fmt: skip
    lines = [header, "|" + "---|" * 10]
    for r in rows:
        if "wall_s" not in r:
            lines.append(f"| {r['size']:,} | {r['format']} | {r['contender']} | failed: "
                         f"{r['failed'][:60]} | | | | | | |")  # fmt: skip
            continue
        lines.append(
            f"| {r['size']:,} | {r['format']} | {r['contender']} | {r['wall_s']:.2f} | "
            f"{r['rows_per_s']:,.0f} | {r['cpu_s']:.1f} | {r['peak_rss_mib']:,.0f} | "
            f"{r.get('vs_floor', '') and format(r['vs_floor'], '.2f')} | "
            f"{r.get('vs_loancheck', '') and format(r['vs_loancheck'], '.2f')} | "
            f"{ {True: 'yes', False: '**NO**'}.get(r.get('same_breaches'), '') } |"
        )
    return "\n".join(lines)


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = [f"python {platform.python_version()}"]
    for package in ("loancheck", "duckdb", "polars", "pyarrow", "pandera", "pandas",
                    "great_expectations"):  # fmt: skip
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} (not installed)")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    found.append(f"{os.cpu_count()} cores, {memory:.1f} GiB RAM, {platform.machine()}")
    return ", ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1_000_000, 10_000_000])  # fmt: skip
    parser.add_argument("--large", action="store_true", help="also 100M loans (Parquet)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--formats", default="parquet,csv")
    parser.add_argument("--peers", default="duckdb_sql,pandas_pandera,great_expectations_pandas",
                        type=lambda s: [p for p in s.split(",") if p])  # fmt: skip
    parser.add_argument("--cache", type=Path, default=HERE / "cache")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    sizes = args.sizes + ([100_000_000] if args.large else [])
    print(versions(), flush=True)
    rows = []
    for loans in sizes:
        for file_format in args.formats.split(","):
            if file_format == "csv" and loans > CSV_MAX:
                continue
            extract = ensure_sample(args.cache, loans, file_format, args.seed)
            rows += run_size(extract, loans, file_format, args)
    print()
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"versions": versions(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
