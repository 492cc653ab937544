"""``check``: is this vault whole? Every page's HMAC, SQLite's own structure, the schema revision, the documents.

Nothing is written: the file is read with the profile's key, without the schema upgrade or any other step of
an ordinary opening. Each check gives one French line; the report is « ok » only when every check is.

- ``cipher_integrity_check``: SQLCipher recomputes the HMAC of every page (a byte changed on disk is found);
- ``integrity_check``: SQLite's structure (b-trees, indexes, free pages);
- the schema revision is one this version knows (older: it will be upgraded at the next opening);
- every document's bytes still hash to the SHA-256 they are filed under.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from app.services.errors import VaultDamagedError, WrongKeyError
from app.services.storage.vault import ProfileInfo, check_file, damage_message

MAX_LINES = 5


@dataclass(frozen=True)
class CheckItem:
    name: str  # code: chiffrement, structure, schema, documents, fichier
    ok: bool
    message: str


@dataclass
class IntegrityReport:
    items: list[CheckItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.items)

    def add(self, name: str, ok: bool, message: str) -> None:
        self.items.append(CheckItem(name, ok, message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verifications": [{"nom": i.name, "ok": i.ok, "message": i.message} for i in self.items],
        }


def _lines(rows: list[Any]) -> list[str]:
    out: list[str] = []
    for row in rows:
        out += [line.strip() for line in str(row[0]).splitlines() if line.strip() and "***" not in line]
    return out


def _summary(problems: list[str]) -> str:
    more = f" (et {len(problems) - MAX_LINES} autre(s))" if len(problems) > MAX_LINES else ""
    return " ; ".join(problems[:MAX_LINES]) + more


def check_vault(info: ProfileInfo, key: bytes) -> IntegrityReport:
    """Run every check on the vault file of ``info`` (see the module docstring)."""
    from app.services.storage import migrate

    check_file(info.db_path)
    report = IntegrityReport()
    conn = sqlcipher.connect(str(info.db_path), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA cipher_log_level = NONE")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher.DatabaseError as exc:
            if not info.key_check:
                raise WrongKeyError(
                    "Clé incorrecte, ou coffre endommagé : impossible de le dire pour ce profil."
                ) from exc
            raise VaultDamagedError(damage_message(exc)) from exc
        report.add("fichier", True, "Le fichier s'ouvre avec la clé du profil.")
        _cipher(conn, report)
        _structure(conn, report)
        _schema(conn, report, migrate.known_revisions(), migrate.head_revision())
        _documents(conn, report)
    finally:
        conn.close()
    return report


def _cipher(conn: Any, report: IntegrityReport) -> None:
    try:
        problems = _lines(conn.execute("PRAGMA cipher_integrity_check").fetchall())
    except sqlcipher.DatabaseError as exc:
        problems = [str(exc)]
    if problems:
        report.add(
            "chiffrement",
            False,
            f"Pages altérées (le fichier a été modifié sur le disque) : {_summary(problems)}.",
        )
    else:
        report.add("chiffrement", True, "Chaque page est intacte (contrôle d'intégrité du chiffrement).")


def _structure(conn: Any, report: IntegrityReport) -> None:
    try:
        problems = [p for p in _lines(conn.execute("PRAGMA integrity_check").fetchall()) if p != "ok"]
    except sqlcipher.DatabaseError as exc:
        problems = [str(exc)]
    if problems:
        report.add("structure", False, f"Structure de la base endommagée : {_summary(problems)}.")
    else:
        report.add("structure", True, "La structure de la base est cohérente.")


def _schema(conn: Any, report: IntegrityReport, known: set[str], head: str) -> None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlcipher.DatabaseError:
        row = None
    revision = str(row[0]) if row else ""
    if not revision:
        report.add(
            "schema",
            False,
            "La version du schéma est introuvable : ce n'est pas un coffre Fil rouge complet.",
        )
    elif revision not in known:
        report.add(
            "schema", False, f"Schéma {revision} inconnu : créé par une version plus récente de Fil rouge."
        )
    elif revision != head:
        report.add(
            "schema", True, f"Schéma {revision} : il sera mis à jour ({head}) à la prochaine ouverture."
        )
    else:
        report.add("schema", True, f"Schéma à jour ({revision}).")


def _documents(conn: Any, report: IntegrityReport) -> None:
    bad: list[str] = []
    count = 0
    try:
        for sha, size, data in conn.execute("SELECT sha256, size, data FROM attachment"):
            count += 1
            blob = bytes(data or b"")
            if hashlib.sha256(blob).hexdigest() != sha or len(blob) != size:
                bad.append(sha[:12])
    except sqlcipher.DatabaseError as exc:
        report.add("documents", False, f"Les documents n'ont pas pu être relus : {exc}.")
        return
    if bad:
        report.add(
            "documents",
            False,
            f"{len(bad)} document(s) sur {count} ne correspondent plus à leur empreinte : {_summary(bad)}.",
        )
    else:
        report.add("documents", True, f"{count} document(s) : chaque empreinte SHA-256 correspond.")
