"""NIR display and validation helpers."""

from __future__ import annotations

from app.models.identity.nir import mask_nir, nir_is_valid, normalise_nir


def _with_key(body: str) -> str:
    number = int(body.replace("2A", "19").replace("2B", "18"))
    return f"{body}{97 - number % 97:02d}"


def test_mask_keeps_only_last_three() -> None:
    nir = _with_key("1850575123456")
    masked = mask_nir(nir)
    assert masked.endswith(nir[-3:])
    assert nir[:12] not in masked
    assert len(masked) == 15 and masked.count("•") == 12
    assert mask_nir("1 85 05 75 123 456 " + nir[-2:]).endswith(nir[-3:])
    assert mask_nir(None) == "" and mask_nir("") == ""
    assert mask_nir("12") == "••"


def test_nir_key_validation() -> None:
    good = _with_key("2850375123456")
    assert nir_is_valid(good)
    assert nir_is_valid(
        " ".join([good[:1], good[1:3], good[3:5], good[5:7], good[7:10], good[10:13], good[13:]])
    )
    bad_key = good[:13] + f"{(int(good[13:]) % 97) + 1:02d}"
    assert not nir_is_valid(bad_key)
    assert not nir_is_valid("123")
    assert not nir_is_valid("485037512345678")  # first digit must be 1, 2, 3, 7 or 8


def test_corsica_departments() -> None:
    assert nir_is_valid(_with_key("185052A123456"))
    assert nir_is_valid(_with_key("185052B123456"))


def test_normalise() -> None:
    assert normalise_nir(" 1.85-05 ") == "18505"
    assert normalise_nir("") is None and normalise_nir(None) is None
