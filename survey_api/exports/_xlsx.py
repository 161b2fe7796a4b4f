"""A workbook written as it is sent: a zip of SpreadsheetML parts, each sheet's rows streamed into it.

The zip goes to a sink that keeps no more than what was written since the last read, so nothing is held but
the piece being sent: sizes and CRCs follow each entry (data descriptors), the directory comes last. Cells
carry no ``r`` reference (optional in ECMA-376 §18.3.1.4: a cell is the one after the previous), strings are
inline. A sheet entry stays under 4 GiB uncompressed so that no Zip64 record is needed, which Excel reads
badly in streamed archives.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import quoteattr

# Rows per sheet, header included (Excel's limit), and uncompressed bytes per sheet entry (under 4 GiB).
SHEET_ROWS = 1_048_576
SHEET_BYTES = 3_800_000_000
_LEVEL = 1  # deflate level: 6 (the default) makes a file ~15% smaller at twice the time
_FLUSH = 2**20

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHEET_START = f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>'.encode()
SHEET_END = b"</sheetData></worksheet>"
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


class _Sink:
    """A write-only file for ``zipfile`` whose content is taken away as it comes."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def workbook(sheets: Iterable[tuple[str, Iterable[bytes]]]) -> Iterator[bytes]:
    """The XLSX file of ``sheets`` (name, the sheet's XML in pieces), in pieces of about a megabyte."""
    sink = _Sink()
    names = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as archive:
        for name, content in sheets:
            names.append(name)
            with archive.open(f"xl/worksheets/sheet{len(names)}.xml", "w") as entry:
                for piece in content:
                    entry.write(piece)
                    if sink.size >= _FLUSH:
                        yield sink.take()
        for part, text in _package(names).items():
            archive.writestr(part, text)
    yield sink.take()


def _package(names: list[str]) -> dict[str, str]:
    """The parts around the sheets: content types, relationships, the workbook (sheet list) and styles."""
    sheets = range(1, len(names) + 1)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_TYPE}.worksheet+xml"/>' for i in sheets
    )
    types = (
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>{overrides}</Types>'
    )
    root = (
        f'{_HEAD}<Relationships xmlns="{_PACKAGE_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    entries = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>' for i, name in zip(sheets, names, strict=True)
    )
    book = f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{entries}</sheets></workbook>'
    links = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in sheets
    )
    styles = f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    return {
        "[Content_Types].xml": types,
        "_rels/.rels": root,
        "xl/workbook.xml": book,
        "xl/_rels/workbook.xml.rels": f'{_HEAD}<Relationships xmlns="{_PACKAGE_REL}">{links}{styles}</Relationships>',
        "xl/styles.xml": _STYLES,
    }
