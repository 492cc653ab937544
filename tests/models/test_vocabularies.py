"""Vocabularies as data: shipped files, overrides, validation errors with line numbers, sensitive text."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from app.models import enums
from app.models.vocabularies.entries import CLOSED_KINDS, VocabularyError, default_base_dir
from app.models.vocabularies.loader import is_sensitive_text, load_vocabularies, reload_vocabularies

SHIPPED_KINDS = {
    "tracks",
    "regimes",
    "organismes",
    "appointment_purposes",
    "appointment_natures",
    "appointment_statuses",
    "note_kinds",
    "carnet_themes",
    "objective_statuses",
    "action_statuses",
    "prescription_kinds",
    "prescription_outcomes",
    "exit_categories",
    "exit_reasons",
    "sanction_steps",
    "contract_statuses",
    "contract_kinds",
    "document_kinds",
    "diagnostic_sections",
    "diagnostic_items",
    "sensitive_terms",
}


@pytest.fixture(scope="module")
def vocab():
    return load_vocabularies()


@pytest.fixture()
def base(tmp_path: Path) -> Path:
    """A writable copy of the shipped vocabularies."""
    target = tmp_path / "base"
    shutil.copytree(default_base_dir(), target)
    return target


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_error(base: Path, override: Path | None = None) -> VocabularyError:
    with pytest.raises(VocabularyError) as info:
        load_vocabularies(base, override)
    return info.value


# --- Shipped vocabularies -------------------------------------------------------------------------------------


def test_every_shipped_vocabulary_loads(vocab):
    assert set(vocab.kinds()) >= SHIPPED_KINDS
    for kind in vocab.kinds():
        assert vocab.choices(kind), kind
        for entry in vocab.entries(kind):
            assert entry.label.strip() and entry.code


def test_default_load_is_cached_and_reloadable(vocab):
    assert load_vocabularies() is load_vocabularies()
    reloaded = reload_vocabularies()
    assert reloaded is not vocab
    assert reloaded is load_vocabularies()
    assert reloaded.digest == vocab.digest


@pytest.mark.parametrize("kind", sorted(CLOSED_KINDS))
def test_closed_vocabularies_match_enums(vocab, kind):
    assert {e.code for e in vocab.entries(kind)} == {m.value for m in CLOSED_KINDS[kind]}


@pytest.mark.parametrize(
    ("kind", "enum"),
    [
        ("tracks", enums.Track),
        ("regimes", enums.Regime),
        ("appointment_statuses", enums.AppointmentStatus),
        ("appointment_natures", enums.AppointmentNature),
        ("objective_statuses", enums.ObjectiveStatus),
        ("action_statuses", enums.ActionStatus),
        ("note_kinds", enums.NoteKind),
        ("contract_statuses", enums.ContractStatus),
        ("contract_kinds", enums.ContractKind),
        ("sanction_steps", enums.SanctionStepKind),
        ("prescription_outcomes", enums.PrescriptionOutcome),
        ("exit_categories", enums.ExitCategory),
        ("signers", enums.Signer),
    ],
)
def test_shared_lists_use_enum_codes(vocab, kind, enum):
    assert [e.code for e in vocab.choices(kind)] == [m.value for m in enum]


def test_french_labels(vocab):
    assert [e.label for e in vocab.choices("tracks")] == ["Emploi", "Socio-professionnel", "Social"]
    assert vocab.label("regimes", "legacy") == "CER (régime antérieur)"
    assert vocab.label("regimes", "plein_emploi") == "Loi pour le plein emploi (contrat d'engagement)"
    assert vocab.label("appointment_statuses", "non_honore") == "Non honoré (absent)"
    assert vocab.label("appointment_natures", "visite_domicile") == "Visite à domicile"


def test_carnet_has_the_ten_themes(vocab):
    assert [e.code for e in vocab.choices("carnet_themes")] == [
        "logement",
        "emploi",
        "formation",
        "difficultes_administratives",
        "difficultes_financieres",
        "mobilite",
        "sante",
        "contraintes_familiales",
        "langue",
        "numerique",
    ]


def test_purposes_and_prescriptions(vocab):
    purposes = {e.code for e in vocab.choices("appointment_purposes")}
    assert {
        "diagnostic",
        "signature_contrat",
        "suivi",
        "bilan",
        "information_collective",
        "atelier",
    } <= purposes
    assert "entretien_tripartite" in purposes
    kinds = {e.code for e in vocab.choices("prescription_kinds")}
    assert {"pmsmp", "formation", "siae", "aci", "eti", "atelier_collectif", "iod", "autre"} <= kinds


def test_exit_reasons_and_categories(vocab):
    expected = {
        "emploi_durable": {"cdi", "cdd_6_mois_plus", "creation_entreprise"},
        "emploi_transition": {"cdd_moins_6_mois", "contrat_aide"},
        "sortie_positive": {
            "formation_qualifiante",
            "entree_siae",
            "acces_autres_droits",
            "autre_action_insertion",
        },
        "autres": {
            "demenagement",
            "reorientation",
            "fin_droits_rsa",
            "sans_nouvelles",
            "deces",
        },
    }
    for category, reasons in expected.items():
        assert {e.code for e in vocab.exit_reasons_of(category)} == reasons
        for reason in reasons:
            assert vocab.exit_category(reason) == category
    assert "réglage" in vocab.entry("exit_reasons", "cdd_6_mois_plus").get("note")
    # a sanction or a refusal to engage is not an exit (CASF L.262-37): retired, readable on old records
    for retired in ("radiation_suspension", "refus"):
        assert vocab.entry("exit_reasons", retired).active is False
        assert "retiré le 1er janvier 2027" in vocab.label("exit_reasons", retired)
    dynamic = {e.code for e in vocab.choices("exit_categories") if e.get("dynamic")}
    assert dynamic == {"emploi_durable", "emploi_transition", "sortie_positive"}
    with pytest.raises(KeyError):
        vocab.exit_category("inconnu")


def test_diagnostic_sections_and_items(vocab):
    sections = [s.code for s in vocab.sections()]
    assert sections[0] == "generalites"
    assert {"logement", "mobilite", "sante", "langue", "numerique", "garde_enfants", "freins_leviers"} <= set(
        sections
    )
    for section in sections:
        assert vocab.items_of_section(section), section
    # Health: a yes/no constraint and nothing else.
    [health] = vocab.items_of_section("sante")
    assert (health.code, health.get("type")) == ("contrainte_sante", "bool")
    freins = vocab.entry("diagnostic_items", "freins")
    assert freins.get("type") == "multi" and len(vocab.item_choices("freins")) > 5
    rights = {c.code for c in vocab.item_choices("droits_ouverts")}
    assert {"aah", "prime_activite", "css"} <= rights
    for item in vocab.entries("diagnostic_items"):
        if item.get("type") in ("choice", "multi"):
            assert item.choices, item.code
        if item.get("type") == "text" and item.section not in ("etudes_diplomes", "competences"):
            assert item.get("sensitive_warning") or item.code in (
                "metiers_vises",
                "codes_rome",
                "niveau_evaluation",
            )


def test_particular_difficulties(vocab):
    flagged = {e.code for e in vocab.entries("diagnostic_items") if e.get("particular_difficulty")}
    assert {
        "contrainte_sante",
        "logement_stabilite",
        "contrainte_familiale",
        "garde_sans_solution",
    } <= flagged
    assert "droits_ouverts" in flagged  # AAH, RQTH, pension d'invalidité
    data = {
        "sante": {"contrainte_sante": True},
        "logement": {"logement_stabilite": "stable"},
        "ressources_droits": {"droits_ouverts": ["prime_activite", "rqth"]},
    }
    assert vocab.particular_difficulties(data) == ["contrainte_sante", "droits_ouverts"]
    assert vocab.particular_difficulties({"sante": {"contrainte_sante": False}}) == []
    assert vocab.particular_difficulties({"logement": {"logement_stabilite": "sans_logement"}}) == [
        "logement_stabilite"
    ]


def test_unknown_code_and_kind(vocab):
    assert vocab.label("tracks", "abc") == "abc (code inconnu)"
    assert vocab.label("tracks", "") == ""
    assert vocab.entry("tracks", "abc") is None
    assert vocab.choice_label("freins", "zzz") == "zzz (code inconnu)"
    with pytest.raises(KeyError):
        vocab.choices("nope")


# --- Overrides --------------------------------------------------------------------------------------------------


def test_override_adds_relabels_and_retires(tmp_path):
    override = tmp_path / "override"
    write(
        override / "exit_reasons.yaml",
        """
        - code: cdi
          label: Contrat à durée indéterminée
        - code: refus
          active: false
        - code: service_civique
          label: Service civique
          category: sortie_positive
          order: 1
        """,
    )
    write(
        override / "diagnostic_items.yaml",
        """
        - code: freins
          choices:
            - {code: logement, label: "Logement"}
            - {code: mobilite, label: "Mobilité", active: false}
        """,
    )
    vocab = load_vocabularies(default_base_dir(), override)
    assert vocab.label("exit_reasons", "cdi") == "Contrat à durée indéterminée"
    assert vocab.exit_category("cdi") == "emploi_durable"  # untouched keys kept
    codes = [e.code for e in vocab.choices("exit_reasons")]
    assert "refus" not in codes
    assert codes[0] == "service_civique"
    assert vocab.label("exit_reasons", "refus").startswith("Refus de l'accompagnement")  # still readable
    assert vocab.entry("exit_reasons", "refus").active is False
    assert vocab.exit_category("service_civique") == "sortie_positive"
    assert [c.code for c in vocab.item_choices("freins")] == ["logement"]
    assert vocab.choice_label("freins", "mobilite") == "Mobilité"
    assert vocab.digest != load_vocabularies().digest


def test_override_of_closed_vocabulary(tmp_path):
    override = write(
        tmp_path / "o1" / "tracks.yaml", "- {code: social, label: Accompagnement social}\n"
    ).parent
    assert (
        load_vocabularies(default_base_dir(), override).label("tracks", "social") == "Accompagnement social"
    )
    write(override / "tracks.yaml", "- {code: social, label: Social}\n- {code: autre, label: Autre}\n")
    err = load_error(default_base_dir(), override)
    assert err.line == 2 and "vocabulaire fermé" in err.reason
    write(override / "tracks.yaml", "- code: social\n  active: false\n")
    err = load_error(default_base_dir(), override)
    assert err.line == 2 and "ne peut pas être retiré" in err.reason


def test_override_unknown_kind(tmp_path):
    override = write(tmp_path / "o" / "couleurs.yaml", "- {code: rouge, label: Rouge}\n").parent
    err = load_error(default_base_dir(), override)
    assert "couleurs" in err.reason


def test_new_override_entry_needs_a_label(tmp_path):
    override = write(
        tmp_path / "o" / "document_kinds.yaml", "- code: cv\n  order: 1\n- code: bulletin\n"
    ).parent
    err = load_error(default_base_dir(), override)
    assert err.line == 3 and "libellé" in err.reason


# --- Validation errors ------------------------------------------------------------------------------------------


def test_duplicate_code_message(base):
    path = write(
        base / "document_kinds.yaml",
        """
        - code: cv
          label: CV
        - code: abc
          label: Un
        - code: abc
          label: Deux
        """,
    )
    err = load_error(base)
    assert (err.path, err.line) == (path, 5)
    assert err.reason == "code « abc » en double"
    assert err.message.endswith(", ligne 5 : code « abc » en double")
    assert err.message.startswith("Vocabulaire ")
    assert isinstance(err, ValueError) and str(err) == err.message


def test_shipped_file_path_is_displayed_relative():
    from app.models.resources import resource_path

    err = VocabularyError(resource_path("vocabularies", "x.yaml"), 12, "code « abc » en double")
    assert err.message == "Vocabulaire resources/vocabularies/x.yaml, ligne 12 : code « abc » en double"


@pytest.mark.parametrize(
    ("file", "text", "line", "fragment"),
    [
        ("document_kinds", "- code: cv\n  label: CV\n  colour: red\n", 3, "clé inconnue « colour »"),
        ("document_kinds", "- code: cv\n  label: CV\n- label: Sans code\n", 3, "code manquant"),
        ("document_kinds", "- code: cv\n  label: CV\n- code: x\n", 3, "libellé (label) manquant"),
        (
            "document_kinds",
            "- code: cv\n  label: CV\n  order: premier\n",
            3,
            "« order » doit être un nombre entier",
        ),
        (
            "document_kinds",
            "- code: cv\n  label: CV\n  active: oui\n",
            3,
            "« active » doit être true ou false",
        ),
        ("document_kinds", "- code: cv\n  label: ''\n", 2, "« label » doit être un texte"),
        ("document_kinds", "- code: Pièce\n  label: Pièce\n", 1, "code « Pièce » invalide"),
        ("document_kinds", "- code: cv\n  label: CV\n  label: Autre\n", 3, "clé « label » en double"),
        ("document_kinds", "- code: cv\n  label: CV\n- just a string\n", 3, "doit être un dictionnaire"),
        ("document_kinds", "code: cv\nlabel: CV\n", 1, "liste d'entrées"),
        ("document_kinds", "- code: cv\n  label: [CV\n", 3, "YAML invalide"),
        ("organismes", "- code: x\n  label: X\n  tracks: [emploi, {a: b}]\n", 3, "liste de textes"),
    ],
)
def test_entry_errors(base, file, text, line, fragment):
    path = write(base / f"{file}.yaml", text)
    err = load_error(base)
    assert err.path == path
    assert err.line == line, err.message
    assert fragment in err.reason, err.message


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("- code: q\n  label: Q\n  section: generalites\n  type: choice\n", 1, "choix (choices) manquants"),
        ("- code: q\n  label: Q\n  section: generalites\n  type: slider\n", 4, "type « slider » inconnu"),
        (
            "- code: q\n  label: Q\n  section: nulle_part\n  type: bool\n",
            3,
            "absent du vocabulaire diagnostic_sections",
        ),
        ("- code: q\n  label: Q\n  type: bool\n", 1, "« section » manquant"),
        (
            "- code: q\n  label: Q\n  section: generalites\n  type: bool\n  choices:\n    - {code: a, label: A}\n",
            6,
            "« choices » n'est permis",
        ),
        (
            "- code: q\n  label: Q\n  section: generalites\n  type: multi\n  choices:\n"
            "    - {code: a, label: A}\n    - {code: a, label: B}\n",
            7,
            "choix « a » en double",
        ),
        (
            "- code: q\n  label: Q\n  section: generalites\n  type: choice\n  choices:\n    - {code: a}\n",
            6,
            "libellé (label) manquant pour le choix",
        ),
        (
            "- code: q\n  label: Q\n  section: generalites\n  type: bool\n  sensitive_warning: true\n",
            5,
            "sensitive_warning",
        ),
        (
            "- code: q\n  label: Q\n  section: generalites\n  type: choice\n  particular_difficulty: true\n"
            "  choices:\n    - {code: a, label: A}\n",
            5,
            "marquez au moins un choix",
        ),
    ],
)
def test_diagnostic_item_errors(base, text, line, fragment):
    path = write(base / "diagnostic_items.yaml", text)
    err = load_error(base)
    assert err.path == path
    assert err.line == line, err.message
    assert fragment in err.reason, err.message


def test_item_section_error_points_at_override_line(base, tmp_path):
    override = write(
        tmp_path / "o" / "diagnostic_items.yaml", "- code: synthese\n  section: ailleurs\n"
    ).parent
    err = load_error(base, override)
    assert (err.path.name, err.line) == ("diagnostic_items.yaml", 2)
    assert err.path.parent == override


def test_exit_reason_with_unknown_category(base):
    write(
        base / "exit_reasons.yaml",
        "- code: cdi\n  label: CDI\n  category: emploi_durable\n- code: x\n  label: X\n  category: nulle\n",
    )
    err = load_error(base)
    assert err.line == 6 and "exit_categories" in err.reason


def test_closed_vocabulary_must_be_complete(base):
    write(
        base / "appointment_statuses.yaml",
        "- {code: prevu, label: Prévu}\n- {code: reporte, label: Reporté}\n",
    )
    err = load_error(base)
    assert err.line == 2 and "reporte" in err.reason
    write(base / "appointment_statuses.yaml", "- {code: prevu, label: Prévu}\n")
    err = load_error(base)
    assert "annule" in err.reason and "ligne" not in err.message


def test_labels_that_look_like_booleans_stay_text(base):
    write(base / "document_kinds.yaml", "- code: cv\n  label: Non\n- code: on\n  label: yes\n")
    vocab = load_vocabularies(base)
    assert vocab.label("document_kinds", "cv") == "Non"
    assert vocab.label("document_kinds", "on") == "yes"


def test_missing_required_file(base):
    (base / "exit_reasons.yaml").unlink()
    assert "fichier manquant" in load_error(base).message


# --- Sensitive text ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Elle a un cancer, hospitalisée en mars.", "données de santé"),
        ("Suivi pour DEPRESSION, sous traitement depuis 2 ans", "données de santé"),
        ("Il est séropositif (VIH).", "données de santé"),
        ("Diagnostic médical posé par le médecin", "données de santé"),
        ("Handicap moteur, se déplace en fauteuil roulant", "handicap"),
        ("Pratique la religion musulmane", "convictions religieuses"),
        ("Précise son origine ethnique", "origine raciale ou ethnique"),
        ("Parle de son orientation sexuelle", "orientation sexuelle"),
        ("A un casier judiciaire", "infractions"),
        ("Sortie de prison en janvier", "infractions"),
    ],
)
def test_sensitive_text_detected(text, expected):
    warnings = is_sensitive_text(text)
    assert len(warnings) == 1 and expected in warnings[0], warnings
    assert warnings[0].startswith("Ce texte semble contenir")


def test_sensitive_warning_quotes_the_words_as_written():
    [warning] = is_sensitive_text("Maladie chronique, Hospitalisation prévue")
    assert "« Maladie »" in warning and "« Hospitalisation »" in warning


def test_several_categories():
    assert len(is_sensitive_text("Catholique pratiquant, casier judiciaire, cancer")) == 3


@pytest.mark.parametrize(
    "text",
    [
        "Mme souhaite une formation de cariste ; permis B en cours, garde des enfants assurée par sa mère.",
        "Diagnostic socio-professionnel mis à jour, traitement du dossier CAF en cours.",
        "Rendez-vous à l'assurance maladie pour la complémentaire santé solidaire.",
        "Maîtrise le traitement de texte ; origine de la demande : CCAS.",
        "Contrainte de santé : oui. Orientée vers un atelier numérique.",
        "",
    ],
)
def test_normal_text_does_not_warn(text):
    assert is_sensitive_text(text) == []
