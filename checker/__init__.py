"""loancheck: check loan-book extracts against the supervisory measures for lending to
private and small-micro firms.

The flow, one module per stage (see DESIGN.md):
load -> parse -> validate -> engine (rules in DuckDB) -> output and render.
"""

__version__ = "0.1.0"
