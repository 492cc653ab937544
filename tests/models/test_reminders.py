"""The pure part of RDV reminders (ADR 0036): when one is due, which contacts a channel can reach, and the
messages — an e-mail that says when and where but never who or why, an SMS that always fits one message of the
GSM alphabet (a « — » or a « ç » would make it UCS-2 and cut it in billed 70-character parts)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.models.reminders import SMS_LENGTH, compose, contact_problem, due_moment, gsm7, mobile_number

RDV = datetime(2026, 12, 15, 14, 30)  # a Tuesday
SERVICE = "Direction de l'insertion et de l'emploi — MDS Agglomération Sud"


def test_due_two_days_before_at_nine_or_now_or_never():
    assert due_moment(RDV, 2, datetime(2026, 12, 1, 10, 0)) == datetime(2026, 12, 13, 9, 0)
    late = datetime(2026, 12, 14, 17, 12, 41)
    assert due_moment(RDV, 2, late) == datetime(2026, 12, 14, 17, 12)  # J-2 has passed: at once
    assert due_moment(RDV, 2, RDV - timedelta(hours=1, minutes=59)) is None  # too late to help
    assert due_moment(RDV, 2, RDV + timedelta(days=1)) is None


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.12.34.56.78", "+33712345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+262 692 12 34 56", "+262692123456"),
        ("04 76 00 00 00", None),  # a landline cannot receive an SMS
        ("06 12 34", None),
        ("", None),
    ],
)
def test_mobile_numbers(typed, number):
    assert mobile_number(typed) == number


def test_contact_problems_are_named():
    assert contact_problem("sms", None, "04 76 00 00 00") == "numéro non mobile"
    assert contact_problem("sms", None, "") == "pas de numéro de téléphone portable"
    assert contact_problem("courriel", "pas-une-adresse", None) == "pas d'adresse électronique valable"
    assert contact_problem("courriel", "a@exemple.fr", None) is None


def test_email_says_when_where_and_whom_to_call():
    m = compose("courriel", rdv_at=RDV, place="MDS Échirolles — bureau 4", service=SERVICE,
                reply_phone="04 65 71 00 12")  # fmt: skip
    assert m.subject == "Rappel de votre rendez-vous du mardi 15 décembre"
    assert "le mardi 15 décembre à 14 h 30, MDS Échirolles — bureau 4." in m.text
    assert "04 65 71 00 12" in m.text and SERVICE in m.text and "\n\n\n" not in m.text


def test_sms_is_one_message_of_the_gsm_alphabet():
    short = compose("sms", rdv_at=RDV, place="MDS", service="MDS Sud", reply_phone="04 65 71 00 12")
    assert (
        short.text
        == "Rappel : RDV le mardi 15 décembre à 14 h 30, MDS. Pour prévenir : 04 65 71 00 12. MDS Sud"
    )
    assert short.subject == ""

    # typography mapped: one GSM message, not a UCS-2 one
    august = compose("sms", rdv_at=datetime(2026, 8, 4, 9, 0), place="Maison de l'emploi — salle « Forêt »",
                     service="", reply_phone="")  # fmt: skip
    assert august.text == 'Rappel : RDV le mardi 4 aout à 9 h, Maison de l\'emploi - salle "Foret".'
    assert gsm7(august.text) == august.text

    # too long: the service goes first, the date, time and number stay
    long = compose("sms", rdv_at=RDV, place="Maison départementale des solidarités, 12 avenue des Alpes",
                   service=SERVICE, reply_phone="04 65 71 00 12")  # fmt: skip
    assert len(long.text) <= SMS_LENGTH and "Agglomération" not in long.text
    assert "12 avenue des Alpes" in long.text and long.text.endswith("Pour prévenir : 04 65 71 00 12.")

    # still too long: the place is shortened, and says so
    huge = compose("sms", rdv_at=RDV, place="Centre " * 40, service=SERVICE, reply_phone="04 65 71 00 12")
    assert len(huge.text) == SMS_LENGTH and "Centre (...)." in huge.text and "14 h 30" in huge.text
    assert gsm7(huge.text) == huge.text
