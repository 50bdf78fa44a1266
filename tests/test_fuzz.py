"""Random corruptions of a valid extract never give a traceback or lose a row.

Each example either stops with exit 2 and one line on stderr and no output, or completes
with every record of the file either checked or listed in rejected_rows.csv. The record
count is checked against Python's csv module, an independent reader.

Run longer by hand: LOANCHECK_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py
"""

import csv
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checker.cli import main
from tests.rules.harness import write_extract

EXAMPLES = int(os.environ.get("LOANCHECK_FUZZ_EXAMPLES", "60"))
ROWS = [
    {"loan_id": "L1", "ownership": "private", "enterprise_size": "small", "credit_line": 1000000},
    {"loan_id": "L2", "classification": "substandard", "overdue_days": 100, "balance": 50},
    {"loan_id": "L3", "borrower_name": "三明某某机械有限公司"},
    {"loan_id": "L4", "is_syndicated": True},
]
with tempfile.TemporaryDirectory(prefix="loancheck-fuzz-") as _template:
    write_extract(Path(_template), {"loans": ROWS})
    VALID = (Path(_template) / "loans.csv").read_bytes()


def _truncate(data: bytes, draw) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def _replace_cell(data: bytes, draw) -> bytes:
    lines = data.decode("utf-8").split("\n")
    index = draw(st.integers(0, len(lines) - 1))
    cells = lines[index].split(",")
    cells[draw(st.integers(0, len(cells) - 1))] = draw(st.text(max_size=12))
    lines[index] = ",".join(cells)
    return "\n".join(lines).encode("utf-8")


def _insert(data: bytes, draw, piece: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + piece + data[at:]


def _duplicate_header(data: bytes, draw) -> bytes:
    header, rest = data.split(b"\n", 1)
    names = header.split(b",")
    if len(names) < 2:
        return data
    names[draw(st.integers(1, len(names) - 1))] = names[0]
    return b",".join(names) + b"\n" + rest


@st.composite
def corrupted(draw) -> bytes:
    data = VALID
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                [
                    "truncate",
                    "cell",
                    "quote",
                    "separator",
                    "newline",
                    "bytes",
                    "header",
                    "empty",
                    "garbage",
                ]
            )
        )
        if kind == "truncate":
            data = _truncate(data, draw)
        elif kind == "cell":
            try:
                data = _replace_cell(data, draw)
            except UnicodeDecodeError:
                pass
        elif kind == "quote":
            data = _insert(data, draw, b'"')
        elif kind == "separator":
            data = _insert(data, draw, b",")
        elif kind == "newline":
            data = _insert(data, draw, b"\n")
        elif kind == "bytes":
            data = _insert(data, draw, draw(st.binary(min_size=1, max_size=8)))
        elif kind == "header" and b"\n" in data:
            data = _duplicate_header(data, draw)
        elif kind == "empty":
            data = b""
        elif kind == "garbage":
            data = draw(st.binary(max_size=200))
    return data


def _records_in(data: bytes) -> int:
    """How many data records an independent reader sees (header excluded)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    # A record ends at a line feed (LF or CRLF), as polars reads it; a lone carriage
    # return is data inside a field. Python's csv module would end the record there, so
    # the oracle hides lone CRs from it (quoted or not, they never end a record for us).
    text = re.sub("\r(?!\n)", " ", text)
    records = list(csv.reader(io.StringIO(text, newline="")))
    while records and not any(records[0]):  # blank lines before the header
        records.pop(0)
    # Rows with no cell filled hold no data: loancheck skips and counts them apart.
    return sum(1 for record in records[1:] if any(field.strip() for field in record))


def _with_lone_carriage_return(data: bytes) -> bytes:
    """A CR alone inside an unquoted cell of the second record (found by this test)."""
    header, first, second, rest = data.split(b"\n", 3)
    return b"\n".join([header, first, second[:12] + b"\r" + second[12:], rest])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=corrupted())
@example(data=_with_lone_carriage_return(VALID))
def test_corrupted_loans_file_never_loses_a_row_or_crashes(data):
    folder = Path(tempfile.mkdtemp(prefix="loancheck-fuzz-case-"))
    try:
        extract, out = folder / "x", folder / "out"
        extract.mkdir()
        (extract / "loans.csv").write_bytes(data)
        result = CliRunner().invoke(main, ["check", str(extract), "--out", str(out), "--quiet"])
        assert result.exit_code in (0, 1, 2), result.stderr or result.output
        assert "Traceback" not in result.output + result.stderr
        if result.exit_code == 2:
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
            assert not out.exists()
            return
        run = json.loads((out / "findings.json").read_text(encoding="utf-8"))["run"]
        [loans] = run["inputs"]
        assert loans["rows"] == loans["rows_checked"] + loans["rows_rejected"]
        # Never fewer rows than an independent reader sees (nothing dropped); more only
        # where the readers disagree on a broken record, which loancheck then rejects.
        assert loans["rows"] >= _records_in(data), "every record is checked or rejected"
        with (out / "rejected_rows.csv").open(encoding="utf-8-sig") as handle:
            listed = {row["row"] for row in csv.DictReader(handle)}
        assert len(listed) == loans["rows_rejected"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
