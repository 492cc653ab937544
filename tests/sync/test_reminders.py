"""RDV reminders end to end (ADR 0036): a laptop schedules a RDV for a person who agreed to reminders, the sync
carries the reminder to a real department server (uvicorn on 127.0.0.1) which sends it through a real SMTP server
(aiosmtpd) or a real HTTP SMS gateway on loopback; the state comes back to the laptop. A replayed upload sends
nothing twice; a cancelled RDV sends nothing; a gateway answering garbage or an address refused is a failure
with its reason."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.models.tables.followup import AppointmentReminder
from app.services.agenda.convocations import letters
from app.services.casefile import rdv as rdv_mod
from app.services.casefile import reminders
from app.services.errors import ValidationError
from server.api.app import create_app
from server.engine.reminders.dispatch import send_due
from server.engine.reminders.senders import SmsGateway, SmtpSender
from server.store.tables import audit_log
from tests.server.reminder_peers import Gateway, sms_gateway, smtp_server
from tests.sync.harness import Device, Server, ThreadedServer, make_device

SENDER = "rappels@departement.example"


class Recorder(httpx.BaseTransport):
    """Real HTTP, keeping each upload request as sent (to replay it byte for byte)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.uploads: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/upload"):
            request.read()
            self.uploads.append(request)
        return self.inner.handle_request(request)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"toujours pas : {what}")
        time.sleep(0.02)


@contextmanager
def department(tmp_path: Path) -> Iterator[tuple[Server, Any, Gateway, Recorder]]:
    """A served department with an SMTP server and an SMS gateway on loopback; Alice's laptop recorded."""
    with smtp_server() as (inbox, port), sms_gateway() as gw:
        url = f"sqlite:///{tmp_path / 'server.db'}"
        senders = {"courriel": SmtpSender("127.0.0.1", port, SENDER), "sms": SmsGateway(gw.url, gw.token)}
        app = create_app(url, senders=senders)
        srv = Server(url=url, app=app, sdb=app.state.sdb)
        srv.add_user("alice")
        recorder = Recorder()
        with ThreadedServer(app) as running:
            srv.base = running.url
            try:
                yield srv, inbox, gw, recorder
            finally:
                srv.sdb.dispose()


def laptop(srv: Server, data_dir: Path, recorder: Recorder) -> Device:
    return make_device(srv, data_dir, "portable", "alice", http=lambda: recorder)


def plan_rdv(dev: Device, pid: str, at: datetime, **kw: Any) -> str:
    kw.setdefault("purpose", "signature_contrat")
    return rdv_mod.add_appointment(
        dev.vault.db, pid, starts_at=at, nature="physique", place="MDS de Saint-Denis, 3 rue de la Paix", **kw
    )


def test_a_reminder_goes_through_the_real_server_to_smtp_and_a_replay_sends_nothing_twice(tmp_path, data_dir):
    with department(tmp_path) as (srv, inbox, _gw, recorder):
        dev = laptop(srv, data_dir, recorder)
        pid = dev.add_person("Lefèvre", "Éloïse", email="eloise.lefevre@example.org")
        reminders.set_reminder_preference(dev.vault.db, pid, "courriel")
        tomorrow = (datetime.now() + timedelta(days=1)).replace(hour=14, minute=30, second=0, microsecond=0)
        rdv = plan_rdv(dev, pid, tomorrow)
        assert letters.letter_states(dev.vault.db, [rdv])[rdv].reminder.state == "a_envoyer"

        assert dev.sync().state == "ok"
        wait_for(lambda: len(inbox.messages) == 1, "le courriel de rappel")
        msg = inbox.messages[0]
        assert msg["To"] == "eloise.lefevre@example.org" and msg["From"] == SENDER
        body = msg.get_content()
        assert f"{tomorrow.day}" in msg["Subject"] and "14 h 30" in body and "MDS de Saint-Denis" in body
        for secret in ("Lefèvre", "Éloïse", "contrat", "RSA", "signature"):  # who and why never travel
            assert secret.lower() not in (body + msg["Subject"]).lower()

        worker = srv.app.state.reminders
        wait_for(lambda: worker.last is not None and worker.last.sent == 1, "le compte rendu d'envoi")
        runs = worker.runs
        replay = httpx.Client(transport=httpx.HTTPTransport()).send(recorder.uploads[-1])
        assert replay.status_code == 200
        wait_for(lambda: worker.runs > runs, "un tour d'envoi après le rejeu")
        assert len(inbox.messages) == 1  # the replayed batch sent nothing
        assert worker.run_once().sent == 0

        assert dev.sync().state == "ok"  # the state comes back
        state = letters.letter_states(dev.vault.db, [rdv])[rdv]
        assert state.reminder.state == "envoye" and state.reminder.sent_at is not None
        assert "rappel par courriel envoyé le" in state.label
        with srv.sdb.read() as c:
            kinds = [r.kind for r in c.execute(select(audit_log.c.kind, audit_log.c.detail))]
            details = " ".join(r.detail for r in c.execute(select(audit_log.c.detail)))
        assert kinds.count("reminder_sent") == 1 and "example.org" not in details


def test_moving_or_cancelling_a_rdv_cancels_its_reminder_on_the_server(tmp_path, data_dir):
    with department(tmp_path) as (srv, inbox, gw, recorder):
        dev = laptop(srv, data_dir, recorder)
        pid = dev.add_person("Nguyen", "Linh", phone="06 12 34 56 78")
        reminders.set_reminder_preference(dev.vault.db, pid, "sms")
        later = (datetime.now() + timedelta(days=6)).replace(hour=10, minute=0, second=0, microsecond=0)
        rdv = plan_rdv(dev, pid, later, purpose="suivi")
        rdv_mod.update_appointment(dev.vault.db, rdv, starts_at=later + timedelta(days=1), purpose="suivi",
                                   nature="physique", place="MDS de Saint-Denis, 3 rue de la Paix")  # fmt: skip
        with dev.vault.db.read() as s:
            rows = s.scalars(select(AppointmentReminder).order_by(AppointmentReminder.due_at)).all()
        assert [r.cancelled_at is not None for r in rows] == [True, False]  # the old one cancelled, a new one
        rdv_mod.set_appointment_status(dev.vault.db, rdv, "annule")
        assert dev.sync().state == "ok"
        worker = srv.app.state.reminders
        assert worker.run_once().sent == 0  # due days ahead: nothing leaves now
        report = send_due(srv.sdb, worker.senders, now=later + timedelta(days=1) - timedelta(hours=3))
        assert report.sent == 0 and report.cancelled == 2 and gw.requests == [] and inbox.messages == []
        assert dev.sync().state == "ok"
        state = letters.letter_states(dev.vault.db, [rdv])[rdv]
        assert state.reminder.state == "annule" and "rappel par SMS annulé" in state.label


def test_sms_through_the_gateway_and_a_garbage_answer_is_a_failure_with_its_reason(tmp_path, data_dir):
    with department(tmp_path) as (srv, _inbox, gw, recorder):
        dev = laptop(srv, data_dir, recorder)
        first = dev.add_person("Martin", "Inès", phone="06 12 34 56 78")
        second = dev.add_person("Bernard", "Yanis", phone="07 98 76 54 32")
        for pid in (first, second):
            reminders.set_reminder_preference(dev.vault.db, pid, "sms")
        soon = (datetime.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        gw.answers = [(200, b'{"id": "abc"}'), (200, b"<html>Service Unavailable</html>")]
        a = plan_rdv(dev, first, soon, purpose="suivi")
        b = plan_rdv(dev, second, soon + timedelta(hours=1), purpose="suivi")
        assert dev.sync().state == "ok"
        worker = srv.app.state.reminders
        wait_for(lambda: len(gw.requests) == 2, "deux SMS")
        worker.run_once()  # waits for the round in flight (one lock): both outcomes are recorded after it
        sent = {r["body"]["to"]: r["body"]["text"] for r in gw.requests}
        assert set(sent) == {"+33612345678", "+33798765432"}
        assert all(r["auth"] == "Bearer jeton-de-test" for r in gw.requests)
        for text in sent.values():
            assert "Martin" not in text and "Bernard" not in text and "suivi" not in text
            assert "9 h" in text or "10 h" in text
        assert dev.sync().state == "ok"
        states = letters.letter_states(dev.vault.db, [a, b])
        assert {states[a].reminder.state, states[b].reminder.state} == {"envoye", "echec"}
        failed = next(s for s in states.values() if s.reminder.state == "echec")
        assert "réponse illisible de la passerelle SMS" in failed.label


def test_consent_needs_a_contact_the_channel_can_reach(vault):
    from app.services.people import identity as people
    from app.services.people.identity import PersonInput

    pid = people.create_person(vault.db, PersonInput(last_name="Roux", first_name="Jade", regime="plein_emploi",
                                                     phone="04 76 00 00 00"))  # fmt: skip
    with pytest.raises(ValidationError) as email:
        reminders.set_reminder_preference(vault.db, pid, "courriel")
    assert "pas d'adresse électronique" in email.value.fields["channel"]
    with pytest.raises(ValidationError) as sms:
        reminders.set_reminder_preference(vault.db, pid, "sms")
    assert "numéro non mobile" in sms.value.fields["channel"]
    assert reminders.reminder_preference(vault.db, pid).channel == "aucun"
