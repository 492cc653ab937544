"""The département server's side of reminders (ADR 0036): a device may queue or cancel a reminder but never
write its state (forging « envoyé » is refused and audited); the SMTP server and the SMS gateway are configured
by URL with a French message for every mistake; STARTTLS and login work against a real SMTP server on
loopback; a refused address is a failure with its reason, an unreachable server a retry; nothing personal in
the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.models.sync import wire as codec
from server.__main__ import main as server_main
from server.admin.accounts import add_user, enroll, new_enrolment_code
from server.engine import upload as upload_mod
from server.engine.reminders.dispatch import send_due
from server.engine.reminders.senders import SenderConfigError, SendError, SmsGateway, SmtpSender
from server.store.db import ServerDB
from server.store.tables import BUSINESS, audit_log
from tests.server.reminder_peers import smtp_server
from tests.sync.network import issue, make_authority

RDV_AT = (datetime.now() + timedelta(days=1)).replace(hour=14, minute=0, second=0, microsecond=0)


@pytest.fixture
def server(database_url: str):
    sdb = ServerDB(database_url)
    sdb.migrate()
    user = add_user(sdb, "alice", "Alice Martin", "referent", "Nord")
    device = str(uuid.uuid4())
    enroll(sdb, new_enrolment_code(sdb, "alice"), device, "poste", "test", "0004")
    try:
        yield sdb, device, user["referent_id"]
    finally:
        sdb.dispose()


class Ops:
    def __init__(self) -> None:
        self.seq = 0
        self.ops: list[dict[str, Any]] = []

    def add(self, table: str, row_id: str, kind: str, fields: dict[str, Any], base: int = 0) -> None:
        self.seq += 1
        wire = {k: codec.to_wire(v) for k, v in fields.items()}
        self.ops.append({"i": str(uuid.uuid4()), "s": self.seq, "t": table, "r": row_id, "k": kind, "b": base,
                         "f": wire})  # fmt: skip


def _file(
    ops: Ops, referent: str, *, email: str = "linh@example.org", state: str = "a_envoyer"
) -> tuple[str, str]:
    pid, rdv, rem = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now().replace(microsecond=0)
    ops.add("person", pid, "insert", {"last_name": "Nguyen", "first_name": "Linh", "regime": "plein_emploi",
                                      "referent_id": referent, "email": email, "reminder_channel": "courriel",
                                      "reminder_consent_on": now.date(), "created_at": now})  # fmt: skip
    ops.add("appointment", rdv, "insert", {"person_id": pid, "starts_at": RDV_AT, "purpose": "suivi",
                                           "nature": "physique", "place": "MDS", "created_at": now})  # fmt: skip
    ops.add("appointment_reminder", rem, "insert", {
        "appointment_id": rdv, "person_id": pid, "channel": "courriel", "due_at": now - timedelta(minutes=1),
        "rdv_at": RDV_AT, "place": "MDS de Saint-Denis", "service": "Département", "reply_phone": "",
        "state": state, "failure": "", "created_at": now,
    })  # fmt: skip
    return pid, rem


def test_a_device_never_writes_a_reminders_state(server):
    sdb, device, referent = server
    ops = Ops()
    _pid, forged = _file(ops, referent, state="envoye")
    _pid2, good = _file(ops, referent)
    result = upload_mod.apply_batch(sdb, device, ops.ops)
    statuses = [(r["st"], r.get("code")) for r in result["results"]]
    assert (
        statuses[2] == ("error", "server_field")
        and "gérés par le serveur (state)" in result["results"][2]["msg"]
    )
    assert all(st == "applied" for st, _c in statuses[3:])
    more = Ops()
    more.seq = ops.seq
    more.add("appointment_reminder", good, "update", {"state": "envoye"}, base=result["last_seq"])
    more.add(
        "appointment_reminder", good, "update", {"cancelled_at": datetime.now()}, base=result["last_seq"]
    )
    second = upload_mod.apply_batch(sdb, device, more.ops)
    assert [r["st"] for r in second["results"]] == ["error", "applied"]
    with sdb.read() as c:
        stored = c.execute(select(BUSINESS["appointment_reminder"])).mappings().all()
        refused = c.execute(select(audit_log.c.code).where(audit_log.c.kind == "op_refused")).scalars().all()
    assert [(r["id"], r["state"]) for r in stored] == [(good, "a_envoyer")] and forged not in refused
    assert refused == ["server_field", "server_field"]


def test_starttls_and_login_against_a_real_smtp_server(server, tmp_path, monkeypatch):
    sdb, device, referent = server
    authority = make_authority("CA Département Test", "Département de test")
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(authority.pem())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # the département's authority in the system store
    ops = Ops()
    _file(ops, referent, email="linh@example.org")
    _file(ops, referent, email="refuse@example.org")
    upload_mod.apply_batch(sdb, device, ops.ops)
    with smtp_server(tls=issue(authority, tmp_path, "smtp"), login=("rappels", "secret")) as (inbox, port):
        inbox.refuse.add("refuse@example.org")
        wrong = SmtpSender.from_url(
            f"smtp+starttls://rappels@127.0.0.1:{port}", "rappels@departement.fr", "faux"
        )
        report = send_due(sdb, {"courriel": wrong})
        assert report.retry == 2 and report.sent == 0 and "identifiants refusés" in report.reasons[0]
        good = SmtpSender.from_url(
            f"smtp+starttls://rappels@127.0.0.1:{port}", "rappels@departement.fr", "secret"
        )
        report = send_due(sdb, {"courriel": good})
        assert (report.sent, report.failed) == (1, 1) and "adresse refusée" in report.reasons[0]
        assert [m["To"] for m in inbox.messages] == ["linh@example.org"] and inbox.logins[-1] == "rappels"
        assert send_due(sdb, {"courriel": good}).sent == 0  # nothing twice
    with sdb.read() as c:
        details = " ".join(c.execute(select(audit_log.c.detail)).scalars())
        states = sorted(c.execute(select(BUSINESS["appointment_reminder"].c.state)).scalars())
    assert states == ["echec", "envoye"] and "example.org" not in details and "Nguyen" not in details


def test_an_unreachable_smtp_server_is_retried_later_and_a_past_rdv_fails(server):
    sdb, device, referent = server
    ops = Ops()
    _file(ops, referent)
    upload_mod.apply_batch(sdb, device, ops.ops)
    from tests.sync.harness import free_port

    closed = SmtpSender("127.0.0.1", free_port(), "rappels@departement.fr")
    report = send_due(sdb, {"courriel": closed})
    assert report.retry == 1 and report.reasons == ["serveur de messagerie injoignable"]
    late = send_due(sdb, {"courriel": closed}, now=RDV_AT + timedelta(minutes=5))
    assert late.failed == 1
    with sdb.read() as c:
        row = c.execute(select(BUSINESS["appointment_reminder"])).mappings().one()
    assert (row["state"], row["failure"]) == ("echec", "rendez-vous passé avant l'envoi")


@pytest.mark.parametrize(
    "url, sender, password, message",
    [
        ("ftp://mail.departement.fr", "a@b.fr", "", "Adresse SMTP invalide"),
        ("smtp://", "a@b.fr", "", "Adresse SMTP invalide"),
        ("smtp://mail:99999999", "a@b.fr", "", "Adresse SMTP invalide"),
        ("smtp://u:motdepasse@mail", "a@b.fr", "", "Ne mettez pas le mot de passe"),
        ("smtp+starttls://u@mail", "a@b.fr", "", "sans mot de passe"),
        ("smtp://mail", "pas-une-adresse", "", "Adresse d'expéditeur invalide"),
    ],
)
def test_smtp_configuration_mistakes_are_named_in_french(url, sender, password, message):
    with pytest.raises(SenderConfigError, match=message):
        SmtpSender.from_url(url, sender, password)


def test_sms_gateway_configuration_and_answers():
    with pytest.raises(SenderConfigError, match="passerelle SMS invalide"):
        SmsGateway.from_url("passerelle", "jeton")
    with pytest.raises(SenderConfigError, match="FILROUGE_SMS_TOKEN"):
        SmsGateway.from_url("https://sms.example/api", " ")
    assert SmtpSender.from_url("smtp://mail.departement.fr", "a@b.fr").port == 25
    assert SmtpSender.from_url("smtps://mail.departement.fr", "a@b.fr").port == 465
    import httpx

    def gateway(status: int, body: bytes) -> SmsGateway:
        transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body))
        return SmsGateway("https://sms.example/api", "jeton", transport=transport)

    with pytest.raises(SendError, match="HTTP 400 : numéro inconnu") as refused:
        gateway(400, b'{"error": "num\\u00e9ro inconnu\\u001b[31m"}').send("+33612345678", "", "x", "r")
    assert not refused.value.transient
    with pytest.raises(SendError, match="indisponible") as busy:
        gateway(503, b"").send("+33612345678", "", "x", "r")
    assert busy.value.transient


def test_serve_refuses_a_bad_configuration_before_starting(capsys, tmp_path):
    code = server_main(["--database", f"sqlite:///{tmp_path / 's.db'}", "serve", "--smtp", "mail.departement.fr",
                        "--smtp-from", "rappels@departement.fr"])  # fmt: skip
    assert code == 2 and "Adresse SMTP invalide" in capsys.readouterr().err
    code = server_main(["--database", f"sqlite:///{tmp_path / 's.db'}", "serve", "--smtp-from", "a@b.fr"])
    assert code == 2 and "vont ensemble" in capsys.readouterr().err


def test_reminders_command_counts_and_names_failures_without_addresses(server, capsys):
    sdb, device, referent = server
    ops = Ops()
    _file(ops, referent, email="")
    _file(ops, referent)
    upload_mod.apply_batch(sdb, device, ops.ops)
    send_due(sdb, {"courriel": SmtpSender("127.0.0.1", 9, "rappels@departement.fr")})
    url = str(sdb.engine.url.render_as_string(hide_password=False))
    assert server_main(["--database", url, "reminders"]) == 0
    out = capsys.readouterr().out
    assert "À envoyer : 1 par courriel" in out and "En échec : 1 par courriel" in out
    assert "pas d'adresse électronique" in out and "example.org" not in out
