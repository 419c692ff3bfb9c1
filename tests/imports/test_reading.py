"""Reading files (encodings, cells, dates, headers) and cutting batches, unit by unit."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dispatch.imports import reading, running
from dispatch.imports.kinds import ImportKind, Row
from tests.imports.conftest import csv_bytes


@pytest.mark.parametrize(("text", "day"), [
    ("2025-06-01", date(2025, 6, 1)), ("2025/6/1", date(2025, 6, 1)),
    ("2025.06.01", date(2025, 6, 1)), ("2025年6月1日", date(2025, 6, 1)),
    ("２０２５／６／１", date(2025, 6, 1)), ("20250601", date(2025, 6, 1)),
    ("45809", date(2025, 6, 1)), ("45809.75", date(2025, 6, 1)),
    ("2025-06-01 08:30", date(2025, 6, 1)), (" 2025-6-1 ", date(2025, 6, 1)),
])
def test_dates_people_and_spreadsheets_write(app, text, day):
    assert reading.read_date(text) == day


@pytest.mark.parametrize(("text", "why"), [
    ("2025-02-30", "No such day"), ("1989-12-31", "out of range"), ("2101-01-01", "out of range"),
    ("12", "out of range"), ("99999", "out of range"), ("June 1st", "YYYY-MM-DD"),
    ("2025-06", "YYYY-MM-DD"),
])
def test_dates_that_are_not(app, text, why):
    with pytest.raises(ValueError, match=why):
        reading.read_date(text)


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (" 浙A12345 ", "浙A12345"), (860000000000017, "860000000000017"),
    (13800138000.0, "13800138000"), (1.5, "1.5"), (datetime(2025, 6, 1), "2025-06-01"),
    (date(2025, 6, 1), "2025-06-01"), ("'=1+2", "=1+2"), ("'+8613800138000", "+8613800138000"),
    ("'plain", "'plain"), (True, "1"),
])
def test_cells_as_text(value, text):
    assert reading.cell_text(value) == text


@pytest.mark.parametrize(("cell", "key"), [
    ("customer_name", "customer_name"), ("  Customer Name ", "customer_name"),
    ("CUSTOMER-NAME", "customer_name"), ("\ufeffplate", "plate"), ("ＰＬＡＴＥ", "plate"),
])
def test_header_names_match_loosely(cell, key):
    assert reading.header_key(cell) == key


def _write(tmp_path, data: bytes, name="f.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_encodings_are_detected(app, tmp_path):
    text = "customer_name,phone,plate\n杭州顺达,13800138000,浙A12345\n"
    assert reading.detect_encoding(_write(tmp_path, b"\xef\xbb\xbf" + text.encode())) == "utf-8-sig"
    assert reading.detect_encoding(_write(tmp_path, text.encode())) == "utf-8"
    assert reading.detect_encoding(_write(tmp_path, text.encode("gbk"))) == "gb18030"
    assert reading.detect_encoding(_write(tmp_path, text.encode("gbk")), "gb18030") == "gb18030"
    with pytest.raises(reading.Unreadable, match="UTF-8"):
        reading.detect_encoding(_write(tmp_path, text.encode("gbk")), "utf-8")
    with pytest.raises(reading.Unreadable, match="neither"):
        reading.detect_encoding(_write(tmp_path, b"abc\x81\x7f\xff\xfe"))


def test_semicolon_and_tab_separated_files_are_read(app, tmp_path):
    for delimiter in (";", "\t"):
        path = _write(tmp_path, csv_bytes([["杭州", "13800138000", "浙A12345"]],
                                          header=["customer_name", "phone", "plate"],
                                          delimiter=delimiter))
        with reading.open_cells(path, "csv", "utf-8-sig") as cells:
            assert list(cells) == [(1, ["customer_name", "phone", "plate"]),
                                   (2, ["杭州", "13800138000", "浙A12345"])]


def test_a_quoted_cell_with_a_line_break_is_one_row(app, tmp_path):
    data = b'customer_name,address\n"A","line one\nline two"\n"B",x\n'
    with reading.open_cells(_write(tmp_path, data), "csv", "utf-8") as cells:
        assert [number for number, _ in cells] == [1, 2, 3]


class Letters(ImportKind):
    name, columns = "letters", ("k",)

    def keys(self, row):
        return [row["k"]] if row["k"] else []


def _rows(keys: str) -> list[Row]:
    return [Row(number, {"k": key}) for number, key in enumerate(keys, start=2)]


def test_batches_never_split_a_natural_key(monkeypatch):
    monkeypatch.setattr(running, "BATCH_ROWS", 2)
    rows = _rows("abacdecfgh")
    plan = running.make_plan(Letters(), iter(rows))
    batches = [[row.values["k"] for row in batch] for batch in running.cut_batches(iter(rows), plan)]
    assert batches == [["a", "b", "a"], ["c", "d", "e", "c"], ["f", "g"], ["h"]]
    # Resumed after the first batch: the same cuts for the rest.
    resumed = [[row.number for row in batch] for batch in running.cut_batches(iter(rows), plan, 3)]
    assert resumed == [[5, 6, 7, 8], [9, 10], [11]]


def test_a_key_at_both_ends_makes_one_batch(monkeypatch):
    monkeypatch.setattr(running, "BATCH_ROWS", 2)
    rows = _rows("abcdefga")
    plan = running.make_plan(Letters(), iter(rows))
    assert [len(batch) for batch in running.cut_batches(iter(rows), plan)] == [8]
