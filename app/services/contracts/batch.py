"""Batch output of the contracts of a selection of people: printed, saved one PDF per contract, or one PDF.

Which contract of a person: the contract **in force** (signé, validé, en cours), else the **draft** being prepared,
else the **last ended** one (terminé, résilié); never a rejected one. People with none of these are listed
« sans contrat ». Rendering goes document by document with a progress callback and a cancel check between
documents; each contract actually printed or saved gets its audit event (« impression » / « export »).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.models.enums import AuditAction, ContractStatus
from app.models.errors import FilRougeError
from app.models.tables.contracts import Contract
from app.models.tables.people import Person
from app.models.vocabularies.loader import load_vocabularies
from app.services.contracts.document import record_output, render_pdf
from app.services.printing.combine import concatenate
from app.services.storage.db import Database
from app.services.storage.uow import read_only

log = logging.getLogger(__name__)

_S = ContractStatus
IN_FORCE = (_S.SIGNED, _S.VALIDATED, _S.ACTIVE)
PAST = (_S.ENDED, _S.TERMINATED)
RULE_TEXT = (
    "Pour chaque personne : le contrat en vigueur (signé, validé ou en cours), sinon le brouillon en "
    "préparation, sinon le dernier contrat terminé ou résilié."
)
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]


class BatchOutputError(FilRougeError):
    default_message = "Les contrats n'ont pas pu être enregistrés dans ce dossier."


def _safe(text: str) -> str:
    clean = _UNSAFE.sub("", text).strip()
    return re.sub(r"\s+", "-", clean) or "sans-nom"


@dataclass(frozen=True)
class BatchItem:
    """One contract to output, with its person's name for the progress label and the file name."""

    person_id: str
    last_name: str
    first_name: str
    contract_id: str
    number: str
    status: str
    status_label: str

    @property
    def label(self) -> str:
        """« DUPONT Élodie »."""
        return f"{self.last_name.upper()} {self.first_name}".strip()

    @property
    def file_name(self) -> str:
        """``Contrat_<NOM>_<Prénom>_<numéro>.pdf`` (characters forbidden in file names removed)."""
        return f"Contrat_{_safe(self.last_name.upper())}_{_safe(self.first_name)}_{_safe(self.number)}.pdf"

    @property
    def is_draft(self) -> bool:
        return self.status == _S.DRAFT


@dataclass(frozen=True)
class BatchPlan:
    """The contracts to output (in the order of the names) and the people without a contract."""

    items: tuple[BatchItem, ...]
    without_contract: tuple[str, ...] = ()

    @property
    def drafts(self) -> int:
        return sum(1 for i in self.items if i.is_draft)

    def summary(self) -> str:
        """« 12 contrats (dont 2 brouillons), 3 personnes sans contrat »."""
        n = len(self.items)
        text = "Aucun contrat" if not n else f"{n} contrat{'s' if n > 1 else ''}"
        if self.drafts:
            text += f" (dont {self.drafts} brouillon{'s' if self.drafts > 1 else ''})"
        m = len(self.without_contract)
        if m:
            text += f", {m} personne{'s' if m > 1 else ''} sans contrat"
        return text


@dataclass(frozen=True)
class BatchResult:
    """What was output. ``done`` in order; ``failed`` (item, French reason) were skipped."""

    total: int
    done: tuple[BatchItem, ...] = ()
    failed: tuple[tuple[BatchItem, str], ...] = ()
    cancelled: bool = False
    paths: tuple[Path, ...] = field(default=())

    def message(self, verb: str = "enregistrés") -> str:
        """« 40 contrats enregistrés. » / « Annulé : 8 contrats sur 40 enregistrés. » (+ failures)."""
        n = len(self.done)
        noun = "contrat" if n <= 1 else "contrats"
        verb_n = verb[:-1] if n <= 1 and verb.endswith("s") else verb
        text = f"{n} {noun} sur {self.total} {verb_n}" if n != self.total else f"{n} {noun} {verb_n}"
        if self.cancelled:
            text = f"Annulé : {text}"
        text += "."
        if self.failed:
            names = ", ".join(item.label for item, _ in self.failed[:5])
            more = "…" if len(self.failed) > 5 else ""
            text += f" {len(self.failed)} en échec : {names}{more}."
        return text


def plan_batch(db: Database, person_ids: Sequence[str]) -> BatchPlan:
    """Pick each person's contract (see the module rule), ordered by name. Unknown or deleted ids are ignored."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return BatchPlan(())
    vocab = load_vocabularies()
    with read_only(db) as s:
        people = s.execute(
            select(Person.id, Person.last_name, Person.first_name).where(
                Person.id.in_(ids), Person.deleted_at.is_(None)
            )
        ).all()
        rows = s.execute(
            select(
                Contract.id,
                Contract.person_id,
                Contract.number,
                Contract.status,
                Contract.start_date,
                Contract.created_at,
            ).where(Contract.person_id.in_(ids), Contract.deleted_at.is_(None))
        ).all()
    by_person: dict[str, list[tuple[str, str, str, date | None, object]]] = {}
    for cid, pid, number, status, start, created in rows:
        by_person.setdefault(pid, []).append((cid, number, status, start, created))
    items: list[BatchItem] = []
    without: list[str] = []
    for pid, last, first in sorted(people, key=lambda p: (p[1].lower(), p[2].lower())):
        chosen = None
        for statuses in (IN_FORCE, (_S.DRAFT,), PAST):
            found = [c for c in by_person.get(pid, []) if c[2] in statuses]
            if found:
                chosen = max(found, key=lambda c: (c[3] or date.min, str(c[4])))
                break
        if chosen is None:
            without.append(f"{last.upper()} {first}")
            continue
        cid, number, status, _start, _created = chosen
        label = vocab.label("contract_statuses", status)
        items.append(BatchItem(pid, last, first, cid, number, status, label))
    return BatchPlan(tuple(items), tuple(without))


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".filrouge-", suffix=".pdf", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_batch(
    db: Database,
    plan: BatchPlan,
    out_dir: Path | str | None,
    *,
    actor: str,
    combine_to: Path | str | None = None,
    on_document: Callable[[BatchItem, bytes], None] | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> BatchResult:
    """Output the contracts of ``plan``, one at a time.

    - ``combine_to``: one PDF with every contract, written only when all were rendered (not on cancel);
    - else ``out_dir``: one file per contract (:attr:`BatchItem.file_name`), overwriting a previous copy;
    - else each PDF goes to ``on_document`` (printing), audited « impression » once it returned.

    Saved files are sealed when the département's seal is configured (the combined PDF once, as a whole);
    printed ones are not (a seal means nothing on paper). ``progress(done, total, label)`` is called before
    each document and at the end; ``cancel()`` is checked between documents.
    """
    from app.services.printing.seal import seal_with
    from app.services.settings import letterhead
    from app.services.settings import seal as seal_config

    total = len(plan.items)
    target_dir = Path(out_dir) if out_dir is not None else None
    combined = Path(combine_to) if combine_to is not None else None
    if combined is None and target_dir is None and on_document is None:
        raise ValueError("render_batch needs out_dir, combine_to or on_document")
    folder = combined.parent if combined is not None else target_dir
    if folder is not None and not folder.is_dir():
        raise BatchOutputError(f"Le dossier « {folder} » n'existe pas : aucun contrat n'a été enregistré.")
    saving = combined is not None or target_dir is not None
    action = AuditAction.EXPORT if saving else AuditAction.PRINT
    # a configured seal that cannot be used stops the batch here, before anything is written
    signer = seal_config.sealer_for(db) if saving else None
    place = letterhead.department_name(db)

    def sealed(data: bytes) -> bytes:
        return data if signer is None else seal_with(data, signer, location=place)

    done: list[BatchItem] = []
    failed: list[tuple[BatchItem, str]] = []
    pdfs: list[bytes] = []
    paths: list[Path] = []
    cancelled = False
    for n, item in enumerate(plan.items):
        if cancel is not None and cancel():
            cancelled = True
            break
        if progress is not None:
            progress(n, total, item.label)
        try:
            data = render_pdf(db, item.contract_id, actor=actor, audit=None, seal=False)
            if combined is not None:
                pdfs.append(data)
                done.append(item)
                continue
            if target_dir is not None:
                path = target_dir / item.file_name
                _write_atomic(path, sealed(data))
                paths.append(path)
            elif on_document is not None:
                on_document(item, data)
        except OSError as exc:
            raise BatchOutputError(
                f"Écriture impossible dans « {folder} » ({exc.strerror or exc}) : "
                f"{len(done)} contrat(s) enregistré(s) avant l'erreur."
            ) from exc
        except FilRougeError as exc:
            failed.append((item, exc.message))
            continue
        except ValueError as exc:  # ContractDocumentError: this contract cannot be printed as it is
            failed.append((item, str(exc)))
            continue
        record_output(db, item.contract_id, actor=actor, action=action)
        done.append(item)
    if combined is not None and not cancelled and pdfs:
        try:
            _write_atomic(combined, sealed(concatenate(pdfs)))
        except OSError as exc:
            raise BatchOutputError(f"Le fichier « {combined.name} » n'a pas pu être écrit.") from exc
        paths.append(combined)
        for item in done:
            record_output(db, item.contract_id, actor=actor, action=action)
    elif combined is not None:
        done.clear()  # nothing was written
    if progress is not None:
        progress(len(done) + len(failed), total, "")
    return BatchResult(total, tuple(done), tuple(failed), cancelled, tuple(paths))
