"""Where the data folders (schemas, rules, report templates) are.

In a wheel they are packed under checker/_data/ (see pyproject.toml); in a source
checkout or an editable install they are the top-level folders of the repository.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CANDIDATES = (_PACKAGE / "_data", _PACKAGE.parent)


def data_dir(name: str) -> Path:
    for base in _CANDIDATES:
        folder = base / name
        if folder.is_dir():
            return folder
    raise FileNotFoundError(f"loancheck is installed without its {name}/ folder")
