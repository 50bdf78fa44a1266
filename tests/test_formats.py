"""Real bank exports: Chinese headers and values, GB18030, XLSX, Parquet, 万元.

The same loan book, written in four formats from the same rows, must give the same
findings; a GB18030 export with Chinese headers needs no option but --amount-unit.
"""

import json

import polars as pl
import pytest

from checker.schemas import load_schemas
from tests.conftest import SAMPLE
from tests.rules.harness import write_extract

SCHEMAS = load_schemas()


def _canonical(table: str) -> pl.DataFrame:
    return pl.read_csv(SAMPLE / f"{table}.csv", infer_schema=False)


def _as_bank_export(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """What a core-banking export looks like: Chinese headers and values, 是/否, 2025/9/30
    dates, amounts in 万元."""
    spec = SCHEMAS[table]
    columns = []
    for column in spec.columns:
        if column.name not in frame.columns:
            continue
        cell = pl.col(column.name)
        if column.type == "enum":
            chinese = {
                v: next((s for s, c in column.spellings.items() if c == v and not s.isascii()), v)
                for v in column.values
            }
            cell = cell.replace(chinese)
        elif column.type == "bool":
            cell = cell.replace({"true": "是", "false": "否"})
        elif column.type == "date":
            parts = cell.str.split("-")
            cell = pl.concat_str(
                parts.list.get(0),
                parts.list.get(1).cast(pl.Int32).cast(pl.String),
                parts.list.get(2).cast(pl.Int32).cast(pl.String),
                separator="/",
            )
        elif column.amount:
            cell = (cell.cast(pl.Float64) / 10_000).map_elements(repr, return_dtype=pl.String)
        columns.append(cell.alias(column.label))
    return frame.select(columns)


def _findings(run_cli, extract, out, *options) -> list:
    code, stdout, stderr = run_cli("check", extract, "--out", out, "--lang", "en", *options)
    assert code == 1, stderr
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]


@pytest.fixture(scope="module")
def csv_findings(tmp_path_factory):
    from click.testing import CliRunner

    from checker.cli import main

    out = tmp_path_factory.mktemp("csv") / "out"
    CliRunner().invoke(main, ["check", str(SAMPLE), "--out", str(out), "--lang", "en"])
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]


TABLES = sorted(path.stem for path in SAMPLE.glob("*.csv"))


def _gb18030_tab_export(table: str, folder) -> None:
    text = _as_bank_export(table, _canonical(table)).write_csv(separator="\t")
    (folder / f"{table}.csv").write_bytes(text.encode("gb18030"))


def _xlsx_export(table: str, folder) -> None:
    _as_bank_export(table, _canonical(table)).write_excel(folder / f"{table}.xlsx")


def _typed_parquet(table: str, folder) -> None:
    """Every column in the type its spec says, as a regulator's Parquet holds it: checking
    changes nothing, so the run reads the rows in place (batch_files.py)."""
    frame = pl.read_csv(SAMPLE / f"{table}.csv", infer_schema_length=None, try_parse_dates=True)
    types = {c.name: c.dtype for c in SCHEMAS[table].columns if c.name in frame.columns}
    frame.cast(types).write_parquet(folder / f"{table}.parquet")


@pytest.mark.parametrize(
    ("write", "options"),
    [
        pytest.param(_gb18030_tab_export, ["--amount-unit", "wan"], id="gb18030-tabs-chinese-wan"),
        pytest.param(_xlsx_export, ["--amount-unit", "wan"], id="xlsx-chinese-wan"),
        pytest.param(_typed_parquet, [], id="typed-parquet"),
    ],
)
def test_same_book_in_another_format_gives_identical_findings(
    tmp_path, run_cli, csv_findings, write, options
):
    extract = tmp_path / "extract"
    extract.mkdir()
    for table in TABLES:
        write(table, extract)
    found = _findings(run_cli, extract, tmp_path / "out", *options)
    assert json.dumps(found, ensure_ascii=False) == json.dumps(csv_findings, ensure_ascii=False)


def test_bank_export_really_has_chinese_headers_in_gb18030(tmp_path):
    _gb18030_tab_export("loans", tmp_path)
    text = (tmp_path / "loans.csv").read_bytes().decode("gb18030")
    assert "贷款余额" in text and "次级" in text and "\t" in text


def _one_loan(tmp_path, **cells) -> "Path":  # noqa: F821
    extract = tmp_path / "x"
    extract.mkdir()
    write_extract(extract, {"loans": [{"loan_id": "L1", **cells}]})
    return extract


def _clean_rows(tmp_path, run_cli, extract, *options) -> list[dict]:
    out = tmp_path / "out"
    code, _, stderr = run_cli("check", extract, "--out", out, "--lang", "en", *options)
    assert code in (0, 1), stderr
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert document["run"]["rejected_rows"] == 0, (out / "rejected_rows.csv").read_text()
    return document


@pytest.mark.parametrize(
    "start",
    [
        "2025-01-01",
        "20250101",
        "2025/1/1",
        "2025.01.01",
        "2025年1月1日",
        "45658",
        "2025-01-01 00:00:00",
        "２０２５-０１-０１",
    ],
)
def test_date_spellings(tmp_path, run_cli, start):
    _clean_rows(tmp_path, run_cli, _one_loan(tmp_path, start_date=start))


@pytest.mark.parametrize("amount", ["1,234,567.89", "１２３４", "¥1,000", " 12.5 ", "1000元"])
def test_amount_spellings(tmp_path, run_cli, amount):
    _clean_rows(tmp_path, run_cli, _one_loan(tmp_path, balance=amount))


@pytest.mark.parametrize(
    ("column", "spelling"),
    [
        ("classification", "次级类"),
        ("ownership", "私营"),
        ("ownership", "国有"),
        ("ownership", "外资"),
        ("ownership", "集体"),
        ("borrower_type", "个体工商户"),
        ("borrower_type", "小微企业主"),
        ("guarantee_mode", "质押"),
        ("enterprise_size", "微型"),
        ("is_syndicated", "是"),
        ("is_syndicated", "N"),
        ("is_syndicated", "Y"),
        ("classification", "SUBSTANDARD"),
        ("classification", " 损失 "),
    ],
)
def test_value_spellings(tmp_path, run_cli, column, spelling):
    overdue = {"overdue_days": 400} if column == "classification" else {}
    _clean_rows(tmp_path, run_cli, _one_loan(tmp_path, **{column: spelling}, **overdue))


def test_east_field_names_and_full_width_headers_are_recognised(tmp_path, run_cli):
    extract = _one_loan(tmp_path)
    path = extract / "loans.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    header = header.replace("loan_id", "XDJJH").replace("balance", "ＤＫＹＥ ")
    header = header.replace("borrower_id", " khtybh").replace("classification", "五级分类")
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    _clean_rows(tmp_path, run_cli, extract)


def test_unknown_column_is_kept_out_and_reported(tmp_path, run_cli):
    extract = _one_loan(tmp_path)
    frame = pl.read_csv(extract / "loans.csv", infer_schema=False)
    frame.with_columns(pl.lit("x").alias("备注")).write_csv(extract / "loans.csv")
    document = _clean_rows(tmp_path, run_cli, extract)
    assert document["run"]["inputs"][0]["ignored_columns"] == ["备注"]


def test_two_columns_meaning_one_thing_is_an_error_naming_both(tmp_path, run_cli):
    extract = _one_loan(tmp_path)
    frame = pl.read_csv(extract / "loans.csv", infer_schema=False)
    frame.with_columns(pl.col("balance").alias("贷款余额")).write_csv(extract / "loans.csv")
    code, _, stderr = run_cli("check", extract, "--out", tmp_path / "out", "--lang", "en")
    assert code == 2
    assert stderr.strip() == (
        "loancheck: loans.csv: columns balance and 贷款余额 both mean balance; remove or rename one"
    )


def test_missing_column_message_names_it_in_chinese(tmp_path, run_cli):
    extract = _one_loan(tmp_path)
    frame = pl.read_csv(extract / "loans.csv", infer_schema=False).drop("classification")
    frame.write_excel(extract / "loans.xlsx")
    (extract / "loans.csv").unlink()
    code, _, stderr = run_cli("check", extract, "--out", tmp_path / "out")
    assert code == 2
    assert stderr.startswith("loancheck: loans.xlsx: 缺少必需的列 贷款五级分类 (classification)；")
    code, _, stderr = run_cli("check", extract, "--out", tmp_path / "out", "--lang", "en")
    assert stderr.startswith(
        "loancheck: loans.xlsx: required column 贷款五级分类 (classification) is missing; "
        "found columns: "
    )


def test_wrong_encoding_given_is_one_line(tmp_path, run_cli):
    extract = _one_loan(tmp_path, borrower_name="三明某某机械有限公司")
    code, _, stderr = run_cli(
        "check", extract, "--out", tmp_path / "out", "--encoding", "ascii", "--lang", "en"
    )
    assert code == 2 and len(stderr.strip().splitlines()) == 1
    assert "cannot be decoded as ascii" in stderr


def test_gbk_is_detected_without_an_option(tmp_path, run_cli):
    extract = _one_loan(
        tmp_path, borrower_name="三明某某机械有限公司", institution_name="三明农商银行"
    )
    path = extract / "loans.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    _clean_rows(tmp_path, run_cli, extract)
    page = next((tmp_path / "out" / "institutions").glob("*.html")).read_text(encoding="utf-8")
    assert "三明农商银行" in page


def test_named_sheet_is_read(tmp_path, run_cli):
    extract = _one_loan(tmp_path)
    frame = pl.read_csv(extract / "loans.csv", infer_schema=False)
    (extract / "loans.csv").unlink()
    import xlsxwriter

    with xlsxwriter.Workbook(extract / "loans.xlsx") as workbook:
        pl.DataFrame({"说明": ["导出说明"]}).write_excel(workbook, worksheet="说明")
        frame.write_excel(workbook, worksheet="贷款")
    code, _, stderr = run_cli("check", extract, "--out", tmp_path / "out", "--lang", "en")
    assert code == 2 and "required column" in stderr
    _clean_rows(tmp_path, run_cli, extract, "--sheet", "贷款")
    code, _, stderr = run_cli(
        "check", extract, "--out", tmp_path / "o2", "--sheet", "无", "--lang", "en"
    )
    assert code == 2 and "no sheet named 无; sheets: 说明, 贷款" in stderr


def test_validate_reports_problems_grouped_with_rows_and_words(tmp_path, run_cli):
    extract = tmp_path / "x"
    extract.mkdir()
    write_extract(
        extract,
        {
            "loans": [
                {"loan_id": "L1"},
                {"loan_id": "L2", "balance": "12,3a4"},
                {"loan_id": "L3", "balance": "x"},
            ]
        },
    )
    path = extract / "loans.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("balance", "贷款余额", 1), encoding="utf-8"
    )
    rejected = tmp_path / "rejected.csv"
    code, stdout, _ = run_cli("validate", extract, "--rejected", rejected, "--lang", "en")
    assert code == 1
    assert "loans.csv: 3 rows read, 1 checked, 2 rejected" in stdout
    assert "贷款余额 (balance) · not_a_number: 2 rows (rows 3, 4)" in stdout
    assert "loans.csv: column 贷款余额 (balance) row 3: '12,3a4' is not a number" in stdout
    assert rejected.read_text(encoding="utf-8-sig").count("not_a_number") == 2


def test_validate_exit_codes_for_clean_and_unusable(tmp_path, run_cli):
    extract = _one_loan(tmp_path)
    code, stdout, _ = run_cli("validate", extract, "--rejected", tmp_path / "r.csv")
    assert code == 0 and "全部数据通过校验" in stdout
    (extract / "loans.csv").write_bytes(b"\x00\x01binary")
    code, _, stderr = run_cli("validate", extract, "--rejected", tmp_path / "r.csv")
    assert code == 2 and len(stderr.strip().splitlines()) == 1
