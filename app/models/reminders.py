"""RDV reminders by e-mail and SMS (ADR 0036), the pure part shared by the laptop and the département server:
when a reminder is due, which contact a channel needs, and the message itself (``resources/reminders/
messages.yaml``). A message says when, where, which service and whom to call — never why, never who.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

import yaml

from app.models.enums import ReminderChannel
from app.models.french import MONTHS_FR, WEEKDAYS_FR, fr_time
from app.models.resources import resource_path

#: A reminder is sent from this hour on its day (local time), never in the night.
SEND_HOUR = time(9, 0)
#: No reminder for a RDV closer than this: it would arrive too late to help.
MIN_NOTICE = timedelta(hours=2)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FR_MOBILE = re.compile(r"^0[67]\d{8}$")
_INTL_MOBILE = re.compile(r"^\+33[67]\d{8}$")
#: Overseas mobiles (+262, +590, +594, +596, +269): 0639…, 0690…, 0694…, 0696…, 0692/0693.
_DOM_MOBILE = re.compile(r"^\+(262|590|594|596|269)6\d{8}$")


def due_moment(rdv_at: datetime, days_before: int, now: datetime) -> datetime | None:
    """When to send the reminder of a RDV at ``rdv_at``: ``days_before`` days earlier at 9 h, or now when that
    is past; None when the RDV is too close (or past) for a reminder to help."""
    if rdv_at - now < MIN_NOTICE:
        return None
    planned = datetime.combine(rdv_at.date() - timedelta(days=days_before), SEND_HOUR)
    return max(planned, now.replace(second=0, microsecond=0))


def email_address(value: str | None) -> str | None:
    """The address when it looks like one, else None."""
    text = (value or "").strip()
    return text if _EMAIL.match(text) else None


def mobile_number(value: str | None) -> str | None:
    """A French mobile number in international form (+33612345678), or None (landline, malformed)."""
    digits = re.sub(r"[\s.()-]", "", value or "")
    if digits.startswith("0033"):
        digits = "+" + digits[2:]
    if _FR_MOBILE.match(digits):
        return "+33" + digits[1:]
    if _INTL_MOBILE.match(digits) or _DOM_MOBILE.match(digits):
        return digits
    return None


def contact_problem(channel: str, email: str | None, phone: str | None) -> str | None:
    """Why a reminder by ``channel`` cannot reach the person (French), or None."""
    if channel == ReminderChannel.EMAIL and email_address(email) is None:
        return "pas d'adresse électronique valable" if (email or "").strip() else "pas d'adresse électronique"
    if channel == ReminderChannel.SMS and mobile_number(phone) is None:
        return "pas de numéro de téléphone portable" if not (phone or "").strip() else "numéro non mobile"
    return None


@dataclass(frozen=True)
class Message:
    subject: str
    text: str


@cache
def _texts() -> dict[str, Any]:
    data = yaml.safe_load(resource_path("reminders", "messages.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not {"email", "sms", "phone", "sms_phone"} <= set(data):
        raise ValueError(
            "resources/reminders/messages.yaml : sections email, sms, phone, sms_phone attendues"
        )
    return data


def _day(d: date) -> str:
    return f"{WEEKDAYS_FR[d.weekday()]} {'1er' if d.day == 1 else d.day} {MONTHS_FR[d.month - 1]}"


#: One SMS: 160 characters of the GSM 03.38 alphabet. A single character outside it (« — », « ç », « ê ») makes
#: the whole message UCS-2, cut in 70-character parts, each billed.
SMS_LENGTH = 160
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_TO_GSM7 = str.maketrans({
    "—": "-", "–": "-", "’": "'", "‘": "'", "«": '"', "»": '"', "“": '"', "”": '"', "…": "...",
    "\u00a0": " ", "\u202f": " ", "œ": "oe", "Œ": "OE", "ç": "c", "â": "a", "ê": "e", "ë": "e", "î": "i",
    "ï": "i", "ô": "o", "û": "u", "ÿ": "y", "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I",
    "Ï": "I", "Ô": "O", "Ù": "U", "Û": "U", "á": "a", "í": "i", "ó": "o", "ú": "u",
})  # fmt: skip


def gsm7(text: str) -> str:
    """``text`` in the SMS alphabet: French typography mapped to its plain form, anything else left out."""
    text = re.sub(r"\s*»", '"', re.sub(r"«\s*", '"', text))  # « Forêt » → "Foret"
    return "".join(c for c in text.translate(_TO_GSM7) if c in _GSM7)


def _sms(template: str, values: dict[str, str], phone: str) -> str:
    """One SMS (160 GSM characters): the service's name goes first when too long, then the place is shortened;
    the date, the time and the number to call always stay."""

    def text(**v: str) -> str:
        return gsm7(" ".join(template.format(**v, phone=phone).split()))

    message = text(**values)
    if len(message) <= SMS_LENGTH:
        return message
    values = {**values, "service": ""}
    message = text(**values)
    over = len(message) - SMS_LENGTH
    if over > 0:
        place = gsm7(values["place"])
        values["place"] = place[: max(10, len(place) - over - 6)].rstrip(" ,-") + " (...)"
        message = text(**values)
    return message


def compose(channel: str, *, rdv_at: datetime, place: str, service: str, reply_phone: str) -> Message:
    """The message of a reminder (e-mail: subject and body; SMS: the text, subject empty, one SMS long)."""
    t = _texts()
    values = {"date": _day(rdv_at.date()), "time": fr_time(rdv_at).replace("\u00a0", " "),
              "place": place.strip() or "au lieu habituel", "service": service.strip()}  # fmt: skip
    if channel == ReminderChannel.SMS:
        phone = t["sms_phone"].format(number=reply_phone) if reply_phone.strip() else ""
        return Message("", _sms(t["sms"], values, phone))
    phone = t["phone"].format(number=reply_phone) if reply_phone.strip() else ""
    e = t["email"]
    body = e["body"].format(**values, phone=phone)
    body = re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
    return Message(e["subject"].format(**values), body)
