"""Read the table specifications in schemas/*.yaml into plain dataclasses.

The YAML files say *what* a valid extract is; validate.py turns a spec into a pandera
schema and parse.py into typed polars columns.
"""

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from checker.errors import RuleDefinitionError
from checker.resources import data_dir

POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "enum": pl.String(),
    "float": pl.Float64(),
    "int": pl.Int64(),
    "date": pl.Date(),
    "bool": pl.Boolean(),
}
_COLUMN_KEYS = {"type", "values", "nullable", "required", "min", "max", "pattern", "not_before"}
_TABLE_KEYS = {"table", "title", "required", "unique", "columns", "columns_from", "references"}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    required: bool = True
    nullable: bool = False
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    not_before: str | None = None

    @property
    def dtype(self) -> pl.DataType:
        return POLARS_TYPES[self.type]


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: dict[str, str]
    required: bool
    columns: tuple[ColumnSpec, ...]
    unique: tuple[str, ...] = ()
    references: dict | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def polars_schema(self) -> dict[str, pl.DataType]:
        return {c.name: c.dtype for c in self.columns}


@dataclass
class SchemaSet:
    tables: dict[str, TableSpec] = field(default_factory=dict)

    def __getitem__(self, name: str) -> TableSpec:
        return self.tables[name]

    def __iter__(self):
        return iter(self.tables.values())


def load_schemas(folder: Path | None = None) -> SchemaSet:
    folder = folder or data_dir("schemas")
    raw = {
        path: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.yaml"))
    }
    by_name = {doc["table"]: (path, doc) for path, doc in raw.items()}
    schemas = SchemaSet()
    for name, (path, doc) in by_name.items():
        _check_keys(path, doc, _TABLE_KEYS)
        source_doc = by_name[doc["columns_from"]][1] if "columns_from" in doc else doc
        schemas.tables[name] = TableSpec(
            name=name,
            title=doc.get("title", {"zh": name, "en": name}),
            required=bool(doc.get("required", False)),
            columns=tuple(_column(path, n, c) for n, c in source_doc["columns"].items()),
            unique=tuple(source_doc.get("unique", ())),
            references=source_doc.get("references"),
        )
    return schemas


def _column(path: Path, name: str, raw: dict) -> ColumnSpec:
    _check_keys(path, raw, _COLUMN_KEYS, where=f"column {name}")
    if raw["type"] not in POLARS_TYPES:
        raise RuleDefinitionError(path.name, f"column {name}: unknown type {raw['type']!r}")
    return ColumnSpec(
        name=name,
        type=raw["type"],
        required=raw.get("required", True),
        nullable=raw.get("nullable", False),
        values=tuple(raw.get("values", ())),
        min=raw.get("min"),
        max=raw.get("max"),
        pattern=raw.get("pattern"),
        not_before=raw.get("not_before"),
    )


def _check_keys(path: Path, raw: dict, allowed: set[str], where: str = "") -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        prefix = f"{where}: " if where else ""
        raise RuleDefinitionError(path.name, f"{prefix}unknown key {unknown[0]!r}")
