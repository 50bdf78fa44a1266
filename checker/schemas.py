"""Read the table specifications in schemas/*.yaml into plain dataclasses.

The YAML files say *what* a valid extract is: columns, types, header aliases, allowed
values with their Chinese spellings, ranges, keys. validate.py turns a spec into a
pandera schema, load.py matches headers with it and parse.py types cells with it.
"""

import unicodedata
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
# The same types in the run's DuckDB store (store.py).
SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "enum": "VARCHAR",
    "float": "DOUBLE",
    "int": "BIGINT",
    "date": "DATE",
    "bool": "BOOLEAN",
}
_COLUMN_KEYS = {
    "type",
    "values",
    "nullable",
    "required",
    "min",
    "max",
    "pattern",
    "not_before",
    "aliases",
    "amount",
}
_TABLE_KEYS = {"table", "title", "required", "unique", "columns", "columns_from", "references"}
COMMON_FILE = "common.yaml"


def quoted(name: str) -> str:
    """An identifier from our own schemas, quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


def normalise(text: str) -> str:
    """The form headers and spellings are matched in: full-width to half-width (NFKC),
    no surrounding spaces, case folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    required: bool = True
    nullable: bool = False
    values: tuple[str, ...] = ()
    spellings: dict[str, str] = field(default_factory=dict)  # normalised spelling -> value
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    not_before: str | None = None
    aliases: tuple[str, ...] = ()
    amount: bool = False

    @property
    def dtype(self) -> pl.DataType:
        return POLARS_TYPES[self.type]

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def label(self) -> str:
        """The name a Chinese user knows the column by: its first Chinese alias."""
        chinese = next((a for a in self.aliases if not a.isascii()), None)
        return chinese or self.name

    @property
    def display(self) -> str:
        """How messages name the column: 贷款余额 (balance)."""
        return self.name if self.label == self.name else f"{self.label} ({self.name})"


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

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    def polars_schema(self) -> dict[str, pl.DataType]:
        return {c.name: c.dtype for c in self.columns}

    def header_names(self) -> dict[str, str]:
        """Normalised header (canonical name or alias) -> canonical column name."""
        names = {}
        for column in self.columns:
            for header in (column.name, *column.aliases):
                names[normalise(header)] = column.name
        return names


@dataclass(frozen=True)
class CommonSpellings:
    booleans: dict[str, bool]  # normalised spelling -> value
    date_formats: tuple[str, ...]


@dataclass
class SchemaSet:
    tables: dict[str, TableSpec] = field(default_factory=dict)
    common: CommonSpellings = CommonSpellings({}, ("%Y-%m-%d",))

    def __getitem__(self, name: str) -> TableSpec:
        return self.tables[name]

    def __iter__(self):
        return iter(self.tables.values())


def load_schemas(folder: Path | None = None) -> SchemaSet:
    folder = folder or data_dir("schemas")
    raw = {
        path: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.yaml"))
        if path.name != COMMON_FILE
    }
    by_name = {doc["table"]: (path, doc) for path, doc in raw.items()}
    schemas = SchemaSet(common=_common(folder / COMMON_FILE))
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


def _common(path: Path) -> CommonSpellings:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    booleans = {
        normalise(str(spelling)): value
        for value, spellings in raw["booleans"].items()
        for spelling in spellings
    }
    return CommonSpellings(booleans, tuple(raw["date_formats"]))


def _column(path: Path, name: str, raw: dict) -> ColumnSpec:
    _check_keys(path, raw, _COLUMN_KEYS, where=f"column {name}")
    if raw["type"] not in POLARS_TYPES:
        raise RuleDefinitionError(path.name, f"column {name}: unknown type {raw['type']!r}")
    values, spellings = _values(raw.get("values", ()))
    return ColumnSpec(
        name=name,
        type=raw["type"],
        required=raw.get("required", True),
        nullable=raw.get("nullable", False),
        values=values,
        spellings=spellings,
        min=raw.get("min"),
        max=raw.get("max"),
        pattern=raw.get("pattern"),
        not_before=raw.get("not_before"),
        aliases=tuple(raw.get("aliases", ())),
        amount=bool(raw.get("amount", False)),
    )


def _values(raw: list | dict) -> tuple[tuple[str, ...], dict[str, str]]:
    """Allowed values and every spelling of them (a list, or value -> [spellings])."""
    alternatives = raw if isinstance(raw, dict) else {value: [] for value in raw}
    spellings = {
        normalise(str(spelling)): value
        for value, others in alternatives.items()
        for spelling in (value, *(others or ()))
    }
    return tuple(alternatives), spellings


def _check_keys(path: Path, raw: dict, allowed: set[str], where: str = "") -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        prefix = f"{where}: " if where else ""
        raise RuleDefinitionError(path.name, f"{prefix}unknown key {unknown[0]!r}")
