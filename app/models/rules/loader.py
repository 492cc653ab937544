"""Reading and validating rule files (YAML), and merging a département override into the defaults.

Every problem raises :class:`RuleFileError` naming the file and the line (taken from PyYAML's nodes), with a
French reason. The format is documented in ``resources/rules/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.models.rules.types import (
    CONDITIONS,
    EVENTS,
    PICK_FIRST,
    PICKS,
    RULE_REGIMES,
    Conditions,
    DoneWhen,
    DueVariant,
    Duration,
    EventRef,
    Rule,
    RuleFileError,
    RuleSet,
)

DEFAULT_SOON_DAYS = 14
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
TOP_KEYS = ("version", "soon_days", "rules")
REQUIRED_RULE_KEYS = ("id", "regime", "from_event", "due_in", "label", "legal_basis", "source")
OPTIONAL_RULE_KEYS = (
    "from_pick",
    "due_in_when",
    "applies_when",
    "done_when",
    "valid_from",
    "valid_to",
    "soon_days",
    "disabled",
    "local_target",
)
RULE_KEYS = REQUIRED_RULE_KEYS + OPTIONAL_RULE_KEYS

T = TypeVar("T")


@dataclass
class _Field:
    """A value node and the file it comes from (an override replaces fields of a default rule)."""

    path: Path
    node: Node


@dataclass
class _Entry:
    path: Path
    line: int
    fields: dict[str, _Field] = field(default_factory=dict)

    @property
    def rule_id(self) -> str:
        return _scalar_text(self.fields["id"])


@dataclass
class _Doc:
    path: Path
    version: str
    soon_days: int | None
    entries: list[_Entry]


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _fail(f: _Field, reason: str) -> RuleFileError:
    return RuleFileError(f.path, _line(f.node), reason)


def _value(f: _Field) -> Any:
    """The Python value of a node; a scalar YAML cannot convert (``2026-02-30``) stays its raw text."""
    try:
        return SafeConstructor().construct_object(f.node, deep=True)  # type: ignore[no-untyped-call]
    except (ValueError, yaml.YAMLError):
        if isinstance(f.node, ScalarNode):
            return str(f.node.value)
        raise _fail(f, "valeur illisible") from None


def _scalar_text(f: _Field) -> str:
    if not isinstance(f.node, ScalarNode):
        raise _fail(f, "une valeur simple est attendue ici")
    return str(f.node.value).strip()


def _mapping(f: _Field, what: str) -> dict[str, _Field]:
    """The items of a mapping node, refusing non-text and duplicate keys."""
    if not isinstance(f.node, MappingNode):
        raise _fail(f, f"{what} : une liste de clés (« clé: valeur ») est attendue")
    out: dict[str, _Field] = {}
    for key_node, value_node in f.node.value:
        key = _Field(f.path, key_node)
        name = _scalar_text(key)
        if name in out:
            raise _fail(key, f"clé « {name} » en double")
        out[name] = _Field(f.path, value_node)
    return out


def _items(f: _Field) -> list[_Field]:
    """A sequence's items, or the value itself when a single value stands for a one-item list."""
    if isinstance(f.node, SequenceNode):
        return [_Field(f.path, n) for n in f.node.value]
    return [f]


def _parse_with(f: _Field, parse: Callable[[Any], T]) -> T:
    value = _value(f)
    try:
        return parse(value)
    except ValueError as exc:
        raise _fail(f, str(exc)) from None


def _text(f: _Field, key: str) -> str:
    value = _value(f)
    if not isinstance(value, str) or not value.strip():
        raise _fail(f, f"« {key} » doit être un texte non vide")
    return value.strip()


def _bool(f: _Field, key: str) -> bool:
    value = _value(f)
    if not isinstance(value, bool):
        raise _fail(f, f"« {key} » doit valoir true ou false")
    return value


def _days(f: _Field, key: str) -> int:
    value = _value(f)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 3660:
        raise _fail(f, f"« {key} » doit être un nombre de jours entier positif ou nul")
    return value


def _date(f: _Field, key: str) -> date | None:
    text = _scalar_text(f)
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f, f"« {key} » : date « {text} » invalide (attendu : AAAA-MM-JJ)") from None


def _duration(f: _Field) -> Duration:
    text = _scalar_text(f)
    try:
        return Duration.parse(text)
    except ValueError as exc:
        raise _fail(f, str(exc)) from None


def _events(f: _Field) -> tuple[EventRef, ...]:
    refs = tuple(_parse_with(item, EventRef.parse) for item in _items(f))
    if not refs:
        raise _fail(f, "au moins un événement est attendu")
    return refs


def _conditions(f: _Field, key: str, extra: tuple[str, ...] = ()) -> tuple[Conditions, dict[str, _Field]]:
    """Parse a conditions mapping. Keys listed in ``extra`` are returned untouched for the caller."""
    items: list[tuple[str, bool | tuple[str, ...]]] = []
    rest: dict[str, _Field] = {}
    for name, value in _mapping(f, key).items():
        if name in extra:
            rest[name] = value
            continue
        if name not in CONDITIONS:
            known = ", ".join([*CONDITIONS, *extra])
            raise _fail(value, f"condition « {name} » inconnue dans « {key} » (connues : {known})")
        allowed = CONDITIONS[name]
        if allowed is None:
            items.append((name, _bool(value, name)))
            continue
        choices: list[str] = []
        for item in _items(value):
            text = _value(item)
            if not isinstance(text, str) or text not in allowed:
                raise _fail(
                    item,
                    f"valeur « {_scalar_text(item)} » invalide pour « {name} » "
                    f"(attendu : {', '.join(allowed)})",
                )
            choices.append(text)
        items.append((name, tuple(choices)))
    return Conditions(tuple(items)), rest


def _done_when(f: _Field) -> DoneWhen:
    conditions, rest = _conditions(f, "done_when", extra=("event", "since"))
    events: list[str] = []
    if "event" in rest:
        for item in _items(rest["event"]):
            name = _value(item)
            if not isinstance(name, str) or name not in EVENTS:
                raise _fail(
                    item, f"événement « {_scalar_text(item)} » inconnu (connus : {', '.join(EVENTS)})"
                )
            events.append(name)
    since = _events(rest["since"]) if "since" in rest else ()
    if since and not events:
        raise _fail(rest["since"], "« since » n'a de sens qu'avec « event »")
    if not events and not conditions.items:
        raise _fail(f, "« done_when » est vide")
    return DoneWhen(conditions=conditions, events=tuple(events), since=since)


def _variants(f: _Field) -> tuple[DueVariant, ...]:
    if not isinstance(f.node, SequenceNode):
        raise _fail(f, "« due_in_when » doit être une liste de « when: … / due_in: … »")
    out = []
    for item in _items(f):
        keys = _mapping(item, "due_in_when")
        for name, value in keys.items():
            if name not in ("when", "due_in"):
                raise _fail(value, f"clé « {name} » inconnue dans « due_in_when » (attendu : when, due_in)")
        if "when" not in keys or "due_in" not in keys:
            raise _fail(item, "chaque variante de « due_in_when » demande « when » et « due_in »")
        when, _ = _conditions(keys["when"], "when")
        out.append(DueVariant(when=when, due_in=_duration(keys["due_in"])))
    return tuple(out)


def _build_rule(entry: _Entry) -> Rule:
    fl = entry.fields
    for key in REQUIRED_RULE_KEYS:
        if key not in fl:
            raise RuleFileError(
                entry.path, entry.line, f"règle « {entry.rule_id} » : clé obligatoire « {key} » absente"
            )
    regime = _scalar_text(fl["regime"])
    if regime not in RULE_REGIMES:
        raise _fail(fl["regime"], f"régime « {regime} » invalide (attendu : {', '.join(RULE_REGIMES)})")
    pick = _scalar_text(fl["from_pick"]) if "from_pick" in fl else PICK_FIRST
    if pick not in PICKS:
        raise _fail(fl["from_pick"], f"« from_pick » « {pick} » invalide (attendu : {', '.join(PICKS)})")
    rule = Rule(
        id=entry.rule_id,
        regime=regime,
        from_events=_events(fl["from_event"]),
        from_pick=pick,
        due_in=_duration(fl["due_in"]),
        due_in_when=_variants(fl["due_in_when"]) if "due_in_when" in fl else (),
        applies_when=_conditions(fl["applies_when"], "applies_when")[0]
        if "applies_when" in fl
        else Conditions(),
        done_when=_done_when(fl["done_when"]) if "done_when" in fl else None,
        label=_text(fl["label"], "label"),
        legal_basis=_text(fl["legal_basis"], "legal_basis"),
        source=_text(fl["source"], "source"),
        valid_from=_date(fl["valid_from"], "valid_from") if "valid_from" in fl else None,
        valid_to=_date(fl["valid_to"], "valid_to") if "valid_to" in fl else None,
        soon_days=_days(fl["soon_days"], "soon_days") if "soon_days" in fl else None,
        local_target=_bool(fl["local_target"], "local_target") if "local_target" in fl else False,
        line=entry.line,
    )
    if rule.valid_from and rule.valid_to and rule.valid_to < rule.valid_from:
        raise _fail(fl["valid_to"], "« valid_to » est antérieure à « valid_from »")
    return rule


def _entry(f: _Field, seen_keys: tuple[str, ...] = RULE_KEYS) -> _Entry:
    entry = _Entry(path=f.path, line=_line(f.node), fields=_mapping(f, "règle"))
    for name, value in entry.fields.items():
        if name not in seen_keys:
            raise _fail(value, f"clé « {name} » inconnue (connues : {', '.join(seen_keys)})")
    if "id" not in entry.fields:
        raise RuleFileError(f.path, entry.line, "règle sans « id »")
    rule_id = _scalar_text(entry.fields["id"])
    if not _ID_RE.match(rule_id):
        raise _fail(entry.fields["id"], f"identifiant « {rule_id} » invalide (minuscules, chiffres et _)")
    return entry


def parse_document(path: Path) -> _Doc:
    """Read one rule file into raw entries (values still YAML nodes, for line numbers)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError(path, None, "fichier introuvable") from None
    except UnicodeDecodeError:
        raise RuleFileError(path, None, "le fichier doit être encodé en UTF-8") from None
    except OSError as exc:
        raise RuleFileError(path, None, f"fichier illisible ({exc.strerror or exc})") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        raise RuleFileError(path, line, f"syntaxe YAML invalide ({exc.problem or exc.context})") from None
    except yaml.YAMLError as exc:
        raise RuleFileError(path, None, f"syntaxe YAML invalide ({exc})") from None
    if root is None:
        raise RuleFileError(path, None, "fichier vide")
    top = _mapping(_Field(path, root), "fichier")
    for name, value in top.items():
        if name not in TOP_KEYS:
            raise _fail(
                value, f"clé « {name} » inconnue en tête de fichier (connues : {', '.join(TOP_KEYS)})"
            )
    if "version" not in top:
        raise RuleFileError(path, 1, "clé « version » absente")
    version = _scalar_text(top["version"])
    if not version or not re.match(r"^[\w.\-]{1,40}$", version):
        raise _fail(top["version"], f"version « {version} » invalide (lettres, chiffres, « . », « - »)")
    soon = _days(top["soon_days"], "soon_days") if "soon_days" in top else None
    entries: list[_Entry] = []
    if "rules" in top:
        rules_field = top["rules"]
        if not isinstance(rules_field.node, SequenceNode):
            raise _fail(rules_field, "« rules » doit être une liste de règles")
        entries = [_entry(item) for item in _items(rules_field)]
    return _Doc(path=path, version=version, soon_days=soon, entries=entries)


def _check_overlaps(rules: list[Rule], entries: list[_Entry]) -> None:
    by_id: dict[str, list[tuple[Rule, _Entry]]] = {}
    for rule, entry in zip(rules, entries, strict=True):
        by_id.setdefault(rule.id, []).append((rule, entry))
    for rule_id, versions in by_id.items():
        ordered = sorted(versions, key=lambda v: v[0].valid_from or date.min)
        for (prev, _), (cur, entry) in pairwise(ordered):
            if prev.valid_to is None or cur.valid_from is None or cur.valid_from <= prev.valid_to:
                raise RuleFileError(
                    entry.path,
                    entry.line,
                    f"règle « {rule_id} » : périodes de validité qui se chevauchent "
                    "(chaque version doit avoir valid_from après le valid_to de la précédente)",
                )


def _disabled(entry: _Entry) -> bool:
    return "disabled" in entry.fields and _bool(entry.fields["disabled"], "disabled")


def _apply_override(base: list[_Entry], override: _Doc) -> list[_Entry]:
    """Merge ``override`` into ``base`` by rule id: replace the given fields of every version, or disable."""
    merged = list(base)
    seen: set[str] = set()
    base_ids = {e.rule_id for e in base}
    for patch in override.entries:
        rule_id = patch.rule_id
        if rule_id in seen:
            raise _fail(patch.fields["id"], f"règle « {rule_id} » présente deux fois dans la surcharge")
        seen.add(rule_id)
        if rule_id not in base_ids:
            merged.append(patch)  # a local rule: must be complete, checked when built
            continue
        out = []
        for entry in merged:
            if entry.rule_id == rule_id:
                fields_ = dict(entry.fields)
                fields_.update({k: v for k, v in patch.fields.items() if k != "id"})
                entry = _Entry(path=entry.path, line=entry.line, fields=fields_)
            out.append(entry)
        merged = out
    return merged


def load_rules(path: Path, override: Path | None = None) -> RuleSet:
    """Load and validate a rule file, then merge the département ``override`` file (same format) if given.

    The effective version combines both: ``"2026.1+93-2026.2"``.
    """
    base = parse_document(path)
    entries = base.entries
    version = base.version
    soon = base.soon_days if base.soon_days is not None else DEFAULT_SOON_DAYS
    files = [base.path]
    if override is not None:
        local = parse_document(override)
        entries = _apply_override(entries, local)
        version = f"{version}+{local.version}"
        soon = local.soon_days if local.soon_days is not None else soon
        files.append(local.path)
    kept = [e for e in entries if not _disabled(e)]
    rules = [_build_rule(e) for e in kept]
    _check_overlaps(rules, kept)
    return RuleSet(version=version, soon_days=soon, rules=tuple(rules), files=tuple(files))
