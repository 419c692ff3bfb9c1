"""Plates (docs/decisions.md "Plates"): examples, then plates generated from the documented
format — not from the pattern under test — typed in every noisy way people type them."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.config import DEFAULT_PLATE_PATTERN
from dispatch.validators import normalize_plate


@pytest.mark.parametrize(("raw", "expected"), [
    ("浙A12345", "浙A12345"),
    ("浙a 123 45", "浙A12345"),
    ("浙Ａ１２３４５", "浙A12345"),          # full-width letters and digits
    ("京A·B1234", "京AB1234"),
    ("粤B.7K3Q9", "粤B7K3Q9"),
    ("沪AD12345", "沪AD12345"),             # new-energy, small car
    ("沪AF0236X", None),                   # new-energy small cars end in four digits
    ("粤B12345D", "粤B12345D"),             # new-energy, large vehicle
    ("苏E1234学", "苏E1234学"),
    ("浙A1234", None),                      # too short
    ("浙A1234567", None),                   # too long
    ("AB12345", None),                      # no province
    ("浙I12345", None),                     # I is not used
    ("浙AO2345", None),                     # O is not used
    ("", None),
])
def test_plates(raw, expected):
    if expected is None:
        with pytest.raises(ValueError):
            normalize_plate(raw, DEFAULT_PLATE_PATTERN)
    else:
        assert normalize_plate(raw, DEFAULT_PLATE_PATTERN) == expected


def test_plate_pattern_is_a_setting():
    assert normalize_plate("ab-123-cd", r"[A-Z]{2}[0-9]{3}[A-Z]{2}") == "AB123CD"
    with pytest.raises(ValueError):
        normalize_plate("浙A12345", r"[A-Z]{2}[0-9]{3}[A-Z]{2}")


# --- plates generated from the documented format, not from the pattern under test -----------
# Mainland plates (GA 36, docs/decisions.md "Plates"): a province character, the issuing
# office's letter, then five letters and digits (an ordinary plate, whose last character may be
# 挂 学 警 领 港 澳), or six on a new-energy plate: D or F, a letter or digit and four digits
# (small cars), or five digits then D or F (large vehicles). Letters never include I or O.

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "0123456789"
SPECIAL_ENDINGS = "挂学警领港澳"
PLATE_FORMATS = ("ordinary", "special", "new_energy_small", "new_energy_large")
#: What people type between the characters: spaces (also the ideographic one), dots, dashes
#: and middle dots, in half and full width (NFKC folds the full-width ones).
TYPED_SEPARATORS = " \u3000.．-－·"


def test_the_plate_alphabets_are_what_the_rules_say():
    assert len(set(PROVINCES)) == len(PROVINCES) == 31  # the mainland's provincial divisions
    assert len(LETTERS) == 24 and set(LETTERS) == set(string.ascii_uppercase) - {"I", "O"}


def _serial(draw, alphabet: str, size: int) -> str:
    return draw(st.text(alphabet=alphabet, min_size=size, max_size=size))


@st.composite
def plates(draw, kind: str | None = None):
    """A valid plate in canonical form, built character by character from the rules above."""
    kind = kind or draw(st.sampled_from(PLATE_FORMATS))
    plate = draw(st.sampled_from(PROVINCES)) + draw(st.sampled_from(LETTERS))
    if kind == "ordinary":
        plate += _serial(draw, LETTERS + DIGITS, 5)
    elif kind == "special":
        plate += _serial(draw, LETTERS + DIGITS, 4) + draw(st.sampled_from(SPECIAL_ENDINGS))
    elif kind == "new_energy_small":
        plate += draw(st.sampled_from("DF")) + _serial(draw, LETTERS + DIGITS, 1) + _serial(draw, DIGITS, 4)
    else:
        plate += _serial(draw, DIGITS, 5) + draw(st.sampled_from("DF"))
    return plate


def _full_width_char(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


@st.composite
def noisy(draw, plate: str) -> str:
    """``plate`` as someone might type it: any ASCII character in lower case and/or full
    width, separators before, between and after the characters."""
    separators = st.text(alphabet=TYPED_SEPARATORS, max_size=2)
    typed = draw(separators)
    for ch in plate:
        if ch.isascii() and ch.isalpha() and draw(st.booleans()):
            ch = ch.lower()
        if ch.isascii() and draw(st.booleans()):
            ch = _full_width_char(ch)
        typed += ch + draw(separators)
    return typed


@st.composite
def typed_plates(draw):
    plate = draw(plates())
    return plate, draw(noisy(plate))


#: Characters that are never part of a plate, anywhere in it (i and o are I and O once folded).
NEVER_IN_A_PLATE = "IOio#@!中"


def _broken(plate: str, filler: str, letter: str) -> list[tuple[str, str]]:
    """Every way of breaking ``plate`` below; each gives something that cannot be a plate."""
    versions = [("too short", plate[:size]) for size in range(1, 7)]       # at least 7
    versions += [("too long", (plate + filler)[:size]) for size in (9, 10)]  # at most 8
    versions += [("no province", plate[1:]),  # the letter would have to be a province
                 *[("not a province", ch + plate[1:]) for ch in "台中使A1"]]
    versions += [("bad character", plate[:i] + ch + plate[i + 1:])
                 for i in range(len(plate)) for ch in NEVER_IN_A_PLATE]
    if len(plate) == 8:
        # A new-energy serial ends in four digits (small) or starts with five (large): a letter
        # there makes it neither, and eight characters are never an ordinary plate.
        digits = range(4, 8) if plate[2] in "DF" else range(2, 7)
        versions += [("letter among new-energy digits", plate[:i] + letter + plate[i + 1:])
                     for i in digits]
    return versions


def _looks_like_a_plate(plate: str) -> bool:
    """The documented format, checked by hand (no regular expression)."""
    head, serial = plate[:2], plate[2:]
    if len(head) < 2 or head[0] not in PROVINCES or head[1] not in LETTERS:
        return False
    alnum = set(LETTERS + DIGITS)
    if len(serial) == 5:
        return set(serial[:4]) <= alnum and serial[4] in alnum | set(SPECIAL_ENDINGS)
    if len(serial) == 6:
        small = serial[0] in "DF" and serial[1] in alnum and serial[2:].isdigit()
        large = serial[:5].isdigit() and serial[5] in "DF"
        return small or large
    return False


@pytest.mark.parametrize("kind", PLATE_FORMATS)
@given(data=st.data())
def test_generated_plates_are_valid_and_accepted_as_they_are(kind, data):
    plate = data.draw(plates(kind))
    assert _looks_like_a_plate(plate), plate
    assert len(plate) == (8 if kind.startswith("new_energy") else 7)
    assert not {"I", "O"} & set(plate)
    assert normalize_plate(plate, DEFAULT_PLATE_PATTERN) == plate


@given(typed_plates())
def test_plates_are_accepted_however_typed_and_normalising_is_idempotent(pair):
    plate, typed = pair
    normalised = normalize_plate(typed, DEFAULT_PLATE_PATTERN)
    assert normalised == plate
    assert normalize_plate(normalised, DEFAULT_PLATE_PATTERN) == normalised


@given(plates(), st.text(alphabet=LETTERS + DIGITS, min_size=4, max_size=4),
       st.sampled_from(LETTERS), st.data())
def test_broken_plates_are_refused_however_typed(plate, filler, letter, data):
    versions = _broken(plate, filler, letter)
    assert {how for how, _ in versions} >= {"too short", "too long", "no province",
                                            "not a province", "bad character"}
    for how, broken in versions:
        assert not _looks_like_a_plate(broken), (how, broken)
        with pytest.raises(ValueError):
            normalize_plate(broken, DEFAULT_PLATE_PATTERN)
    how, broken = data.draw(st.sampled_from(versions))
    with pytest.raises(ValueError):
        normalize_plate(data.draw(noisy(broken)), DEFAULT_PLATE_PATTERN)
