"""Text hygiene at the boundary (NFC, no control or invisible character) and terminal-safe output."""

from __future__ import annotations

import json
import sys
import unicodedata

from app.models.text import UNSAFE_RANGES, clean_text, fold, removed_characters, terminal_safe


def test_unsafe_ranges_are_exactly_the_controls_and_invisible_format_characters_of_this_python() -> None:
    """The constant list must follow the Unicode database of the running Python (Cc, Cf, Zl, Zp)."""
    expected = []
    start = prev = None
    for cp in range(0x80, sys.maxunicode + 1):
        if unicodedata.category(chr(cp)) in ("Cc", "Cf", "Zl", "Zp"):
            start = cp if start is None else start
            prev = cp
        elif start is not None:
            expected.append((start, prev))
            start = None
    assert tuple(expected) == UNSAFE_RANGES


def test_nfd_is_stored_nfc_and_folds_like_it() -> None:
    nfd = unicodedata.normalize("NFD", "Éléonore Lefèvre")
    assert nfd != "Éléonore Lefèvre"
    assert clean_text(nfd) == "Éléonore Lefèvre"
    assert fold(nfd) == fold("Éléonore Lefèvre") == fold("ELEONORE LEFEVRE")
    assert not removed_characters(nfd)  # normalising is not removing


def test_controls_bidi_and_zero_width_are_removed() -> None:
    assert clean_text("Du\x00pont") == "Dupont"
    assert clean_text("Jean\x1b[2J\x07") == "Jean[2J"
    assert clean_text("Mar\u202etin") == "Martin"  # RIGHT-TO-LEFT OVERRIDE
    assert clean_text("Ju\u200blie\ufeff\u2066x\u2069") == "Juliex"  # zero-width space, BOM, isolates
    assert clean_text("a\u00adb") == "ab"  # soft hyphen: invisible
    assert clean_text("\U000e0041\U000e0042tag") == "tag"  # tag characters
    assert removed_characters("Mar\u202etin") and removed_characters("a\x00")
    assert not removed_characters("Zoé Ça-Ira, 3 place Jean-Jaurès")
    assert clean_text("Nguyễn Thị 王小明 Ольга") == "Nguyễn Thị 王小明 Ольга"  # any script kept


def test_line_breaks_one_line_and_multi_line() -> None:
    assert clean_text("a\r\nb\rc\u2028d\te") == "a b c d e"
    assert clean_text("a\r\nb\rc\u2028d\te\x0bf", multiline=True) == "a\nb\nc\nd\te f"
    assert clean_text("plain ascii") == "plain ascii"


def test_terminal_output_escapes_what_a_terminal_would_act_on() -> None:
    text = "DUPONT \x1b[2J\x1b[H Jean\x07 \u202eeni\r\n\tok \U000e0041"
    safe = terminal_safe(text)
    assert "\x1b" not in safe and "\x07" not in safe and "\u202e" not in safe and "\r" not in safe
    assert "\\u001b[2J" in safe and "\\u202e" in safe and safe.endswith("\\udb40\\udc41")
    assert "\n\tok" in safe  # line breaks and tabs stay
    assert terminal_safe("Zoé 12 345 €") == "Zoé 12 345 €"  # narrow no-break space kept
    # the escapes are JSON's: a JSON text stays valid JSON and reads back the same
    assert json.loads(terminal_safe(json.dumps({"n": "a\u202eb\x1b"}, ensure_ascii=False))) == {
        "n": "a\u202eb\x1b"
    }


def test_headline_is_the_first_line_without_its_full_stop():
    from app.models.text import headline

    assert (
        headline("\n  Atelier CV et lettre de motivation.  \nSalle 3 réservée.")
        == "Atelier CV et lettre de motivation"
    )
    assert headline("") == headline(None) == ""
    assert headline("x" * 300) == "x" * 120 and headline("Réunion...", limit=5) == "Réuni"
