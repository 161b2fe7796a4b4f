"""Read instrument documents from YAML or JSON files, with errors that name the file, item and problem."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from survey_api.instruments.document import InstrumentDocument

DATA_DIR = Path(__file__).parent / "data"
# libyaml's safe loader parses the shipped instruments about 15 times faster than PyYAML's pure-Python one, to
# the same data; the pure-Python one stays the fallback where PyYAML was built without libyaml.
_YAML_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InstrumentFileError(ValueError):
    """An instrument file that cannot be read or does not validate."""


def parse_document(data: Any, origin: str) -> InstrumentDocument:
    """Validate already-parsed data as an instrument document; ``origin`` names it in errors."""
    try:
        return InstrumentDocument.model_validate(data)
    except ValidationError as exc:
        raise InstrumentFileError(f"{origin}: {describe_validation_error(exc, data)}") from None


def load_instrument_file(path: Path | str) -> InstrumentDocument:
    """Load and validate one instrument file (``.yaml``, ``.yml`` or ``.json``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise InstrumentFileError(f"{path}: cannot be read: {exc}") from None
    return parse_document(data, str(path))


def official_instrument_files() -> list[Path]:
    """The instrument files shipped with the platform."""
    return sorted(DATA_DIR.glob("*.yaml"))


def describe_validation_error(exc: ValidationError, data: Any) -> str:
    """One line per problem, naming the item code where the location is inside an item."""
    lines = []
    for error in exc.errors():
        location = _describe_location(error["loc"], data)
        message = str(error["msg"]).removeprefix("Value error, ")
        given = error.get("input")
        if error["type"] != "value_error" and isinstance(given, str | int | float | bool):
            message = f"{message} (got {given!r})"
        lines.append(f"{location}: {message}" if location else message)
    return "; ".join(lines)


def _describe_location(loc: tuple[int | str, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(key, int) and isinstance(node, dict) and "code" in node:
            parts[-1] = f"{parts[-1]} {node['code']}" if parts else str(node["code"])
        else:
            parts.append(str(key))
    return ".".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Validate the files given (default: the shipped ones); print what is wrong."""
    paths = [Path(arg) for arg in (argv if argv is not None else sys.argv[1:])] or official_instrument_files()
    status = 0
    for path in paths:
        try:
            document = load_instrument_file(path)
        except InstrumentFileError as exc:
            print(exc, file=sys.stderr)
            status = 1
        else:
            print(f"{path}: ok ({document.code} v{document.version}, {len(document.items_by_code())} items)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
