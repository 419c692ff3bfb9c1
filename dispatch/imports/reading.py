"""Reading the files people really have: CSV in UTF-8 (with or without a BOM) or GB18030/GBK,
and XLSX (the first sheet, values only, streamed), row by row.

A file is checked before anything parses it (:func:`check_file`): by its name *and* its
content — an XLSX is a zip archive holding the workbook part, a CSV decodes and holds no NUL
byte — so anything else is refused unread. Rows are streamed (openpyxl's read-only mode, the
``csv`` module over a decoding stream), so a file of 100,000 rows never sits whole in memory.
Header names match in any order, case and width, spaces around them ignored; cells are
trimmed and the formula escape our exports add (``'=…``) is removed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from dispatch.exports import unescape_cell
from dispatch.imports.kinds import ImportKind, Row
from dispatch.validators import parse_date

SUFFIXES = {".csv": "csv", ".xlsx": "xlsx"}
#: The workbook part every XLSX holds (Office Open XML, SpreadsheetML).
WORKBOOK_PART = "xl/workbook.xml"
#: What the parts of an XLSX may unpack to, all together (a zip bomb is refused unread).
MAX_UNZIPPED = 1024 * 1024 * 1024
CHUNK = 1024 * 1024
#: Day 0 of spreadsheet serial dates (1900 date system, Lotus's leap-year bug included).
SERIAL_EPOCH = date(1899, 12, 30)
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"\d{1,5}(?:\.\d+)?")
_HEADER_GLUE = re.compile(r"[\s\-]+")


class Unreadable(ValueError):
    """The file cannot be read as the table it claims to be (the message says why)."""


# --- what a file is ---------------------------------------------------------------------------

def file_format(file_name: str) -> str:
    """``csv`` or ``xlsx`` from the name; anything else is refused."""
    suffix = Path(file_name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise Unreadable(_l("Only CSV and XLSX files can be imported (save the sheet as one)."))
    return SUFFIXES[suffix]


def check_file(path: Path, fmt: str, encoding: str = "auto") -> str | None:
    """Refuse a file whose content is not what its name says, without parsing it; returns the
    encoding a CSV is read with (None for XLSX)."""
    if path.stat().st_size == 0:
        raise Unreadable(_l("The file is empty."))
    if fmt == "xlsx":
        _check_xlsx(path)
        return None
    with path.open("rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            raise Unreadable(_l("This is not a CSV file (it is an archive, e.g. an XLSX)."))
    return detect_encoding(path, encoding)


def _check_xlsx(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable(_l("This is not an XLSX file.")) from exc
    if WORKBOOK_PART not in {member.filename for member in members}:
        raise Unreadable(_l("This is not an XLSX file."))
    if sum(member.file_size for member in members) > MAX_UNZIPPED:
        raise Unreadable(_l("The workbook unpacks to more than the import can read."))


def detect_encoding(path: Path, chosen: str = "auto") -> str:
    """A BOM means UTF-8; else the file is UTF-8 when it decodes as such, else GB18030 (which
    includes GBK and GB2312); ``chosen`` (utf-8 or gb18030) is taken at its word but still
    checked. A NUL byte is refused (no text file has one)."""
    with path.open("rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
    if chosen == "utf-8" or (chosen == "auto" and bom):
        candidates = ["utf-8-sig"]
    elif chosen == "gb18030":
        candidates = ["gb18030"]
    else:
        candidates = ["utf-8", "gb18030"]
    for candidate in candidates:
        if _decodes(path, candidate):
            return candidate
    if chosen == "auto":
        raise Unreadable(_l("The file is neither UTF-8 nor GB18030 (GBK) text."))
    raise Unreadable(_l("The file is not valid %(encoding)s text.", encoding=chosen.upper()))


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if b"\x00" in chunk:
                raise Unreadable(_l("This is not a text file (it holds NUL bytes)."))
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


# --- cells and rows ---------------------------------------------------------------------------

def cell_text(value: Any) -> str:
    """A cell as trimmed text: numbers without a spurious ``.0``, dates as ``YYYY-MM-DD``, the
    export's formula escape removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return unescape_cell(str(value).strip()).strip()


def _csv_cell(text: str) -> str:
    """:func:`cell_text` of a CSV cell (always text), quicker."""
    text = text.strip()
    return unescape_cell(text).strip() if text[:1] == "'" else text


def read_date(text: str) -> date:
    """``2025-06-01``, ``2025/6/1``, ``2025.6.1``, ``2025年6月1日``, ``20250601`` or a spreadsheet
    serial number (days since 1899-12-30), between 1990 and 2100 (``parse_date``'s guard)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match:
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError as exc:
            raise ValueError(_l("No such day: %(date)s.", date=text)) from exc
    elif _SERIAL.fullmatch(text):
        day = SERIAL_EPOCH + timedelta(days=int(float(text)))
    else:
        raise ValueError(_l("Enter a date as YYYY-MM-DD, YYYY/M/D or a spreadsheet date."))
    return parse_date(day)


def header_key(cell: str) -> str:
    """How a header cell is matched: width-folded, lower case, spaces and dashes as ``_``."""
    folded = unicodedata.normalize("NFKC", cell or "").strip().lstrip("\ufeff").lower()
    return _HEADER_GLUE.sub("_", folded)


@dataclass
class Header:
    """The header row as uploaded, and where each of the kind's columns is in it."""

    cells: list[str]
    positions: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    def missing(self, kind: ImportKind) -> list[str]:
        return [column for column in kind.required if column not in self.positions]


def read_header(cells: Sequence[str], kind: ImportKind) -> Header:
    header = Header(list(cells))
    known = set(kind.columns)
    for index, cell in enumerate(cells):
        key = header_key(cell)
        if not key:
            continue
        if key in known:
            if key in header.positions:
                header.duplicates.append(key)
            else:
                header.positions[key] = index
        elif cell.strip() not in header.unknown:
            header.unknown.append(cell.strip())
    return header


@contextmanager
def open_cells(path: Path, fmt: str, encoding: str | None) -> Iterator[Iterator[tuple[int, list[str]]]]:
    """The file's rows as (row number, cells as text), the header being row 1."""
    if fmt == "xlsx":
        with _xlsx_cells(path) as rows:
            yield rows
        return
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=encoding or "utf-8",
                                                  newline="") as text:
        yield _csv_cells(text)


def _csv_cells(text: io.TextIOWrapper) -> Iterator[tuple[int, list[str]]]:
    first = text.readline()
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(_chain(first, text), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [_csv_cell(cell) for cell in cells]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise Unreadable(_l("The file could not be read after row %(row)d: %(why)s",
                            row=reader.line_num, why=str(exc))) from exc


def _chain(first: str, rest: io.TextIOWrapper) -> Iterator[str]:
    yield first
    yield from rest


@contextmanager
def _xlsx_cells(path: Path) -> Iterator[Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook  # only when a workbook is read

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise Unreadable(_l("The workbook could not be opened: %(why)s", why=str(exc))) from exc
    try:
        if not book.worksheets:
            raise Unreadable(_l("The workbook has no sheet."))
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # read every row, whatever the file claims its size is

        def rows() -> Iterator[tuple[int, list[str]]]:
            try:
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    yield number, [cell_text(value) for value in values]
            except Unreadable:
                raise
            except Exception as exc:
                raise Unreadable(_l("The workbook could not be read: %(why)s",
                                    why=str(exc))) from exc

        yield rows()
    finally:
        book.close()


def to_row(number: int, cells: Sequence[str], header: Header) -> Row | None:
    """The kind's view of a data row; None for a blank row."""
    if not any(cells):
        return None
    values = {column: cells[index] if index < len(cells) else ""
              for column, index in header.positions.items()}
    return Row(number, values, frozenset(header.positions))


@contextmanager
def open_rows(path: Path, fmt: str, encoding: str | None,
              kind: ImportKind) -> Iterator[tuple[Header, Iterator[Row]]]:
    """The header and the data rows (blank ones skipped) of a stored upload."""
    with open_cells(path, fmt, encoding) as cells:
        first = next(cells, None)
        header = read_header(first[1] if first else [], kind)

        def rows() -> Iterator[Row]:
            for number, values in cells:
                row = to_row(number, values, header)
                if row is not None:
                    yield row

        yield header, rows()
