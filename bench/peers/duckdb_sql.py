#!/usr/bin/env python3
"""Peer: the card measures and the schema checks as an expert writes them in DuckDB SQL.

Usage: duckdb_sql.py EXTRACT_DIR THREADS RESULT_JSON
"""

import duckdb
from card import (
    ENUMS,
    FEE_ENUMS,
    GUARANTEE_ENUMS,
    INCLUSIVE_LINE_MAX,
    INDUSTRY_PATTERN,
    LOAN_BOOLS,
    LOAN_STRINGS,
    arguments,
    breaches_from_totals,
    table_path,
    write_result,
)


def scan(path) -> str:
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    return f"{reader}('{path}')"  # our own cache path, not user input


def in_list(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def loan_violations(view: str) -> str:
    """Rows breaking any column check, and the duplicate keys (a cross-row check)."""
    row_checks = [f"{c} IS NULL" for c in (*LOAN_STRINGS, "as_of_date", *LOAN_BOOLS)]
    row_checks += [f"NOT coalesce({in_list(c, v)}, {c} IS NULL AND '{c}' = 'enterprise_size')"
                   for c, v in ENUMS.items()]  # fmt: skip
    row_checks += [
        "credit_line IS NULL OR credit_line < 0",
        "balance IS NULL OR balance < 0",
        "overdue_days IS NULL OR overdue_days < 0",
        "interest_rate IS NULL OR interest_rate NOT BETWEEN 0 AND 36",
        "start_date IS NULL OR maturity_date IS NULL OR maturity_date < start_date",
        f"NOT coalesce(regexp_full_match(industry, '{INDUSTRY_PATTERN}'), TRUE)",
    ]
    return f"""
        SELECT count(*) FILTER (WHERE {" OR ".join(f"({c})" for c in row_checks)})
             + count(*) - count(DISTINCT (institution_id, loan_id))
        FROM {view}"""


def main() -> None:
    extract, threads, result = arguments()
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    for table in ("loans", "baseline", "fees", "guarantees"):
        path = table_path(extract, table)
        # Parquet is scanned where it lies; a CSV file is parsed once into a table, since
        # every query below would otherwise parse it again.
        kind = "VIEW" if path.suffix == ".parquet" else "TABLE"
        con.execute(f"CREATE {kind} {table} AS SELECT * FROM {scan(path)}")

    rejected = con.execute(loan_violations("loans")).fetchone()[0]
    rejected += con.execute(loan_violations("baseline")).fetchone()[0]
    fee_checks = [in_list(c, v) for c, v in FEE_ENUMS.items()]
    rejected += con.execute(f"""
        SELECT count(*) FILTER (WHERE NOT ({" AND ".join(fee_checks)})
                                   OR amount IS NULL OR amount < 0 OR disclosed IS NULL)
        FROM fees""").fetchone()[0]
    rejected += con.execute("""
        SELECT count(*) FROM fees ANTI JOIN loans USING (institution_id, loan_id)""").fetchone()[0]
    guarantee_checks = [
        in_list("kind", GUARANTEE_ENUMS["kind"]),
        f"coalesce({in_list('borrower_size', GUARANTEE_ENUMS['borrower_size'])}, TRUE)",
        "amount >= 0",
        "fee_rate BETWEEN 0 AND 36",
        "is_government IS NOT NULL AND is_agricultural IS NOT NULL",
    ]
    rejected += con.execute(f"""
        SELECT count(*) FILTER (WHERE NOT ({" AND ".join(guarantee_checks)}))
             + count(*) - count(DISTINCT (guarantor_id, contract_id))
        FROM guarantees""").fetchone()[0]

    totals_sql = f"""
        WITH book AS (
            SELECT 'now' AS snapshot, institution_id, borrower_id, borrower_type, ownership,
                   enterprise_size, credit_line, balance, classification, loan_kind
            FROM loans
            UNION ALL
            SELECT 'year_start', institution_id, borrower_id, borrower_type, ownership,
                   enterprise_size, credit_line, balance, classification, loan_kind
            FROM baseline
        ),
        lines AS (
            SELECT snapshot, institution_id, borrower_id,
                   max(credit_line) <= {INCLUSIVE_LINE_MAX} AS line_ok
            FROM book GROUP BY ALL
        ),
        facts AS (
            SELECT snapshot, institution_id, borrower_id, balance,
                   classification IN ('substandard', 'doubtful', 'loss') AS npl,
                   borrower_type = 'enterprise' AND ownership = 'private' AS private,
                   (borrower_type IN ('individual_business', 'micro_owner')
                    OR (borrower_type = 'enterprise' AND enterprise_size IN ('small', 'micro')))
                   AND line_ok AS inclusive,
                   loan_kind <> 'bill_discount' AS ti
            FROM book JOIN lines USING (snapshot, institution_id, borrower_id)
        )
        SELECT institution_id, snapshot,
               sum(balance) AS balance,
               coalesce(sum(balance) FILTER (WHERE npl), 0) AS npl,
               coalesce(sum(balance) FILTER (WHERE private), 0) AS private,
               coalesce(sum(balance) FILTER (WHERE private AND npl), 0) AS private_npl,
               coalesce(sum(balance) FILTER (WHERE inclusive), 0) AS inclusive,
               coalesce(sum(balance) FILTER (WHERE inclusive AND npl), 0) AS inclusive_npl,
               coalesce(sum(balance) FILTER (WHERE ti), 0) AS ti_balance,
               coalesce(sum(balance) FILTER (WHERE ti AND inclusive), 0) AS ti_inclusive,
               count(DISTINCT borrower_id) FILTER (WHERE ti AND inclusive AND balance > 0)
                   AS ti_borrowers
        FROM facts GROUP BY ALL"""
    totals: dict = {}
    cursor = con.execute(totals_sql)
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        totals.setdefault(record["institution_id"], {})[record["snapshot"]] = record

    fee_sql = f"""
        WITH lines AS (
            SELECT institution_id, borrower_id, max(credit_line) <= {INCLUSIVE_LINE_MAX} AS line_ok
            FROM loans GROUP BY ALL
        ),
        current AS (
            SELECT l.institution_id, l.loan_id, l.is_syndicated, l.disclosure_provided,
                   (l.borrower_type IN ('individual_business', 'micro_owner')
                    OR (l.borrower_type = 'enterprise' AND l.enterprise_size IN ('small', 'micro')))
                   AND lines.line_ok AS inclusive
            FROM loans l JOIN lines USING (institution_id, borrower_id)
        ),
        fee_rows AS (
            SELECT f.institution_id,
                   f.borne_by = 'borrower' AND f.amount > 0 AND (
                       f.fee_type = 'appraisal'
                       OR (f.fee_type IN ('commitment', 'fund_management')
                           AND c.inclusive AND NOT c.is_syndicated)) AS forbidden,
                   NOT f.disclosed AS undisclosed
            FROM fees f JOIN current c USING (institution_id, loan_id)
        )
        SELECT institution_id,
               coalesce(sum(forbidden::INT), 0), coalesce(sum(undisclosed::INT), 0)
        FROM fee_rows GROUP BY ALL
        UNION ALL
        SELECT institution_id, 0, count(*) FROM loans WHERE NOT disclosure_provided GROUP BY ALL
    """
    fee_counts: dict = {}
    for institution, forbidden, undisclosed in con.execute(fee_sql).fetchall():
        before = fee_counts.get(institution, (0, 0))
        fee_counts[institution] = (before[0] + forbidden, before[1] + undisclosed)
    rows = con.execute("SELECT count(*) FROM loans").fetchone()[0]
    write_result(result, breaches_from_totals(totals, fee_counts), int(rejected), rows)


if __name__ == "__main__":
    main()
