"""The one NIR validator: 13 characters get their key, 15 are checked, Corsica's 2A/2B, masking."""

from __future__ import annotations

import pytest

from app.models.identity.nir import (
    WRONG_KEY,
    WRONG_LENGTH,
    WRONG_SHAPE,
    mask_nir,
    nir_is_valid,
    nir_key,
    nir_sex,
    parse_nir,
)


def test_the_key_is_97_minus_the_number_mod_97() -> None:
    # 1 85 05 78 006 084 → 97 − (1850578006084 mod 97) = 91 (a textbook example)
    assert nir_key("1850578006084") == 97 - 1850578006084 % 97 == 91
    assert parse_nir("1 85 05 78 006 084 91").value == "185057800608491"


def test_thirteen_characters_get_their_key_computed() -> None:
    checked = parse_nir("1850578006084")
    assert (checked.value, checked.problem, checked.key_added) == ("185057800608491", "", True)
    assert nir_is_valid(checked.value or "")
    assert not nir_is_valid("1850578006084")  # 13 characters are not a complete NIR


@pytest.mark.parametrize(
    ("body", "as_number"),
    [("175022A012345", 1750219012345), ("282022B054321", 1820218054321 + 10**12)],
)
def test_corsica_2a_and_2b_are_read_as_19_and_18(body: str, as_number: int) -> None:
    expected = 97 - int(body.upper().replace("2A", "19").replace("2B", "18")) % 97
    assert nir_key(body) == expected
    checked = parse_nir(body.lower())  # « 2a » typed in lower case
    assert checked.value == f"{body}{expected:02d}"
    assert parse_nir(f"{body}{expected:02d}").value == f"{body}{expected:02d}"
    assert parse_nir(f"{body}{(expected + 1) % 100:02d}").problem == WRONG_KEY


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("185057800608490", WRONG_KEY),
        ("12345", WRONG_LENGTH),
        ("18505780060849", WRONG_LENGTH),
        ("485057800608491", WRONG_SHAPE),  # first digit must be 1, 2, 3, 7 or 8
        ("1850578006O84", WRONG_SHAPE),  # a letter O for a zero
    ],
)
def test_unusable_nirs_say_why_without_quoting_the_number(raw: str, problem: str) -> None:
    checked = parse_nir(raw)
    assert checked.value is None and checked.problem == problem
    assert raw not in problem


def test_empty_is_no_nir_and_no_problem() -> None:
    assert parse_nir(None) == parse_nir("") == parse_nir("  . - ") == parse_nir(None)
    assert parse_nir("  ").value is None and parse_nir("  ").problem == ""


def test_mask_and_sex() -> None:
    assert mask_nir("185057800608491") == "•" * 12 + "491"
    assert nir_sex("2800575123456") == "F" and nir_sex("185") == "M" and nir_sex("7") is None
