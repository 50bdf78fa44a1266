"""Every sentence the tool says to a person about their data, in Chinese and English.

Errors and rejections carry a key and parameters; the text is chosen here, at the edge,
in the language the user asked for (Chinese by default).
"""

TEXTS: dict[str, dict[str, str]] = {
    # The extract cannot be used (exit 2).
    "not_a_folder": {"zh": "不是文件夹", "en": "is not a folder"},
    "two_files_one_table": {
        "zh": "同一张表有多个文件：{names}，请只保留一个",
        "en": "both {names} found; keep one per table",
    },
    "no_table": {"zh": "缺少{table}表：应有 {wanted}", "en": "no {table} table: expected {wanted}"},
    "empty_file": {"zh": "文件为空", "en": "the file is empty"},
    "binary_file": {
        "zh": "不是文本表格（含二进制内容），请导出为 CSV、XLSX 或 Parquet",
        "en": "is not a text table (binary content); export it as CSV, XLSX or Parquet",
    },
    "unreadable": {"zh": "无法读取：{detail}", "en": "cannot be read: {detail}"},
    "changed_during_run": {
        "zh": "在检查期间被改动或替换，本次结果作废、未写出；请在文件写完后重新运行",
        "en": "was changed or replaced while it was being checked; nothing was written: "
        "run again once the file is complete",
    },
    "bad_encoding": {
        "zh": "不能按 {encoding} 编码读取（第 {line} 行附近），请用 --encoding 指定正确编码",
        "en": "cannot be decoded as {encoding} (near line {line}); "
        "give the right one with --encoding",
    },
    "unbalanced_quote": {
        "zh": "第 {row} 行起引号未闭合，其后各行无法分开，请检查该行的双引号",
        "en": "an unclosed quote from row {row} swallows the rows after it; "
        "check the quotes on that row",
    },
    "duplicate_header": {
        "zh": "表头中 {name} 出现了不止一次",
        "en": "column {name} appears more than once in the header",
    },
    "two_headers_one_column": {
        "zh": "列 {first} 和 {second} 都对应 {column}，请删除或改名其中一列",
        "en": "columns {first} and {second} both mean {column}; remove or rename one",
    },
    "missing_columns": {
        "zh": "缺少必需的列 {columns}；文件中的列为：{found}",
        "en": "required column {columns} is missing; found columns: {found}",
    },
    "unknown_sheet": {
        "zh": "没有名为 {sheet} 的工作表；工作表有：{sheets}",
        "en": "no sheet named {sheet}; sheets: {sheets}",
    },
    "sample_folder_has_tables": {
        "zh": "已有数据表文件 {files}；请换一个空文件夹生成样例数据",
        "en": "already holds table files ({files}); write the sample into an empty folder",
    },
    "several_as_of_dates": {
        "zh": "包含多个数据日期（{dates}）；一次检查只能是一个日期的数据",
        "en": "holds several as-of dates ({dates}); one extract is one date",
    },
    # The nightly machinery: history file, locks, waivers file (exit 2).
    "history_missing": {"zh": "历史库文件不存在", "en": "no such history file"},
    "history_unreadable": {
        "zh": "不是可读的历史库（DuckDB 文件）：{detail}",
        "en": "is not a readable history file (DuckDB): {detail}",
    },
    "history_too_new": {
        "zh": "历史库由更新版本的 loancheck 写入（结构版本 {found}，本版本支持 {supported}），"
        "为免误读已停止；请升级 loancheck",
        "en": "was written by a newer loancheck (schema version {found}; this one reads up "
        "to {supported}); stopped rather than misread it: upgrade loancheck",
    },
    "history_old": {
        "zh": "历史库结构版本 {found} 较旧（当前 {supported}），请先运行一次 check 以升级",
        "en": "has schema version {found}, older than {supported}; run check once to migrate it",
    },
    "history_inside_out": {
        "zh": "历史库不能放在输出文件夹 {out} 内（该文件夹每次运行整体替换）",
        "en": "the history cannot live inside the output folder {out} (replaced whole each run)",
    },
    "history_busy": {
        "zh": "历史库正被另一个运行写入，请稍后再试（{detail}）",
        "en": "is being written by another run; try again later ({detail})",
    },
    "locked": {
        "zh": "另一个 loancheck 运行正在使用（锁文件 {lock}），本次未运行；请待其结束后再试",
        "en": "is in use by another loancheck run (lock file {lock}); nothing was done, "
        "try again when it has finished",
    },
    "waivers_unreadable": {
        "zh": "豁免文件无法读取：{detail}",
        "en": "the waivers file cannot be read: {detail}",
    },
    "waivers_not_list": {
        "zh": "豁免文件应为 YAML 列表（每项一条豁免），实际为 {found}",
        "en": "the waivers file must be a YAML list (one entry per waiver), not {found}",
    },
    # A row that fails a check (rejected_rows.csv, `loancheck validate`).
    "row_problem": {
        "zh": "{file}：第 {row} 行 {header} 列：{problem}",
        "en": "{file}: column {header} row {row}: {problem}",
    },
    "not_a_number": {"zh": "'{value}' 不是数字", "en": "'{value}' is not a number"},
    "not_a_whole_number": {"zh": "'{value}' 不是整数", "en": "'{value}' is not a whole number"},
    "not_a_date": {
        "zh": "'{value}' 不是日期（如 2025-09-30、20250930、2025/9/30）",
        "en": "'{value}' is not a date (e.g. 2025-09-30, 20250930, 2025/9/30)",
    },
    "not_a_boolean": {
        "zh": "'{value}' 不是 是/否、Y/N、true/false、1/0",
        "en": "'{value}' is not yes/no (是/否, Y/N, true/false, 1/0)",
    },
    "required": {"zh": "不能为空", "en": "is empty but required"},
    "one_of": {
        "zh": "'{value}' 不是允许的值：{allowed}",
        "en": "'{value}' is not one of: {allowed}",
    },
    "min": {"zh": "'{value}' 小于 {limit}", "en": "'{value}' is below {limit}"},
    "max": {"zh": "'{value}' 大于 {limit}", "en": "'{value}' is above {limit}"},
    "pattern": {
        "zh": "'{value}' 格式不对（应符合 {limit}）",
        "en": "'{value}' does not match {limit}",
    },
    "not_before": {"zh": "'{value}' 早于 {limit}", "en": "'{value}' is before {limit}"},
    "unique": {"zh": "'{value}' 重复出现", "en": "'{value}' appears more than once"},
    "reference": {
        "zh": "'{value}' 在已通过校验的{limit}中找不到",
        "en": "'{value}' is not among the checked {limit}",
    },
    "field_count": {
        "zh": "该行有 {value} 个字段，表头有 {limit} 个",
        "en": "the row has {value} fields, the header {limit}",
    },
}


def text(key: str, lang: str = "zh", **params) -> str:
    entry = TEXTS[key]
    return entry.get(lang, entry["en"]).format(**params)
