"""Closed sets of codes used by the domain. Stored as text; French labels live in vocabularies."""

from __future__ import annotations

from enum import StrEnum


class Regime(StrEnum):
    LEGACY = "legacy"  # CER, CASF L.262-35/36
    PLEIN_EMPLOI = "plein_emploi"  # contrat d'engagement, loi du 18 décembre 2023


class Track(StrEnum):
    EMPLOI = "emploi"
    SOCIO_PRO = "socio_pro"
    SOCIAL = "social"


class PersonStatus(StrEnum):
    ACTIVE = "active"
    EXITED = "exited"


class AppointmentStatus(StrEnum):
    PLANNED = "prevu"
    HONOURED = "honore"
    EXCUSED = "excuse"
    MISSED = "non_honore"
    CANCELLED = "annule"


class AppointmentNature(StrEnum):
    PHYSICAL = "physique"
    PHONE = "telephone"
    VIDEO = "visio"
    HOME_VISIT = "visite_domicile"


class ReminderChannel(StrEnum):
    """How a person agreed to be reminded of their RDVs (ADR 0036)."""

    NONE = "aucun"
    EMAIL = "courriel"
    SMS = "sms"


class ReminderState(StrEnum):
    """Where a reminder stands; every state but « à envoyer » is written by the département server."""

    QUEUED = "a_envoyer"
    SENDING = "envoi_en_cours"
    SENT = "envoye"
    FAILED = "echec"
    CANCELLED = "annule"


class LetterKind(StrEnum):
    """A letter about a RDV (ADR 0035): a convocation (obligatory RDV), an invitation, a relance after an absence."""

    CONVOCATION = "convocation"
    INVITATION = "invitation"
    RELANCE = "relance"


class ObjectiveStatus(StrEnum):
    IN_PROGRESS = "en_cours"
    ACHIEVED = "atteint"
    ABANDONED = "abandonne"


class ActionStatus(StrEnum):
    PLANNED = "prevue"
    IN_PROGRESS = "en_cours"
    DONE = "realisee"
    ABANDONED = "abandonnee"
    CANCELLED = "annulee"
    ON_HOLD = "en_attente"


class NoteKind(StrEnum):
    INTERVIEW = "entretien"
    CALL = "appel"
    LETTER = "courrier"
    PARTNER_LIAISON = "liaison_partenaire"


class ContractKind(StrEnum):
    CER = "cer"
    CE = "ce"


class ContractStatus(StrEnum):
    DRAFT = "brouillon"
    SIGNED = "signe"
    VALIDATED = "valide"
    REJECTED = "rejete"
    ACTIVE = "en_cours"
    ENDED = "termine"
    TERMINATED = "resilie"


class SignatureMethod(StrEnum):
    PAD = "pad"
    PAPER = "papier"


class Signer(StrEnum):
    PERSON = "personne"
    REFERENT = "referent"


class SanctionStepKind(StrEnum):
    """Steps of a sanction procedure (CASF L.262-37 in its 2025 wording; décret n° 2025-478)."""

    BREACH = "manquement"  # manquement constaté
    LETTER = "courrier"  # mise en mesure de présenter ses observations
    EP_OPINION = "avis_ep"  # avis de l'équipe pluridisciplinaire (required before a suppression)
    DECISION = "decision"  # décision du PCD: suspension, suppression, radiation proposée (facts only)
    REMOBILISATION = "remobilisation"  # levée: the person re-engaged (signs or updates the CE)
    RAPO = "rapo"  # recours administratif préalable obligatoire received (CASF L.262-47)
    RAPO_OUTCOME = "issue_rapo"  # the answer to the RAPO
    LITIGATION = "recours_contentieux"  # the tribunal administratif seized (after the RAPO)
    LITIGATION_OUTCOME = "issue_contentieux"  # the judgment


class SanctionDecision(StrEnum):
    """What the PCD decided (a decided fact: the app never computes an amount)."""

    SUSPENSION = "suspension"
    SUPPRESSION = "suppression"
    RADIATION_PROPOSED = "radiation_proposee"
    NO_SANCTION = "sans_sanction"


class RapoOutcome(StrEnum):
    UPHELD = "maintenue"
    AMENDED = "modifiee"
    WITHDRAWN = "retiree"


class HoursGround(StrEnum):
    """The closed list of grounds for a CE plan d'action with no weekly duration (C. trav. L.5411-6, II)."""

    HEALTH = "sante"
    DISABILITY = "handicap"
    INVALIDITY = "invalidite"
    SINGLE_PARENT = "parent_isole"


class HoursRegime(StrEnum):
    """The weekly activity of a CE (C. trav. L.5411-6, II, 3°)."""

    STANDARD = "au_moins_15h"  # at least fifteen hours
    REDUCED = "minoree"  # reduced for the person's situation, never zero
    NONE = "sans_duree"  # no weekly duration, at the person's request, on a ground of HoursGround


class PrescriptionOutcome(StrEnum):
    PENDING = "en_attente"
    ACCEPTED = "accepte"
    REFUSED = "refuse"
    ENTERED = "entre"
    ABANDONED = "abandonne"
    FINISHED = "termine"


class ExitCategory(StrEnum):
    DURABLE_EMPLOYMENT = "emploi_durable"
    TRANSITION_EMPLOYMENT = "emploi_transition"
    POSITIVE = "sortie_positive"
    OTHER = "autres"


class DuplicateDecision(StrEnum):
    """What a référent decided about a « doublon possible » (two records of the vault)."""

    SAME = "meme_personne"
    DIFFERENT = "personnes_differentes"


class AuditAction(StrEnum):
    VIEW = "consultation"
    CHANGE = "modification"
    PRINT = "impression"
    EXPORT = "export"
    REVEAL_NIR = "affichage_nir"
    PURGE = "purge"


class OpKind(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
    APPEND = "append"
    PURGE = "purge"  # retention purge of a whole person (row_id = person id), see ADR 0005
    MERGE = "merge"  # a person merged into another (row_id = merged person, fields: into), see ADR 0025


class BilanKind(StrEnum):
    """When a bilan is made (seeds 000, 001, 002): at the contract's end, after a year of parcours, at exit,
    or a bilan d'étape (often tripartite, with the partner or the prescriber) during the parcours."""

    CONTRACT_END = "fin_contrat"
    ONE_YEAR = "annuel"
    EXIT = "sortie"
    STEP = "etape"


class BilanResult(StrEnum):
    """How far an objective was reached."""

    REACHED = "atteint"
    PARTLY = "partiel"
    NOT_REACHED = "non_atteint"


class BilanRecommendation(StrEnum):
    """What a bilan recommends; each opens its next step (ADR 0050)."""

    RENEWAL = "renouvellement"  # the renewal draft is prepared
    AMENDMENT = "avenant"  # an avenant draft of the current contract is prepared
    REORIENTATION = "reorientation"  # a réorientation is requested (with its track): the département decides
    EXIT = "sortie"  # the exit is recorded (sortie de l'accompagnement)
    CONTINUE = "poursuite"  # nothing changes (a bilan d'étape)


class BilanStatus(StrEnum):
    DRAFT = "brouillon"
    FINAL = "finalise"  # locked: printed as is, never edited again


class JointReviewConclusion(StrEnum):
    """The outcome of the joint diagnostic with France Travail (CASF L.262-31, II, in its 2025 wording)."""

    KEEP_SOCIAL = "maintien"  # maintien en parcours social, the contrat d'engagement is revised (II, 2°)
    REORIENTATION = "reorientation"  # a new orientation decision of the PCD is requested (II, 1°)


class CoRole(StrEnum):
    """The role of a second professional on a file (co-accompaniment, seed 002)."""

    CIP = "cip"  # conseiller en insertion professionnelle
    SOCIAL_WORKER = "travailleur_social"
    FRANCE_TRAVAIL = "conseiller_france_travail"
    PARTNER = "partenaire"


class ShareAccess(StrEnum):
    """What a co-accompanying professional may do on the file, as asked by the référent; the département's
    scope rules on the server cap it per role (ADR 0052)."""

    READ = "lecture"
    WRITE = "ecriture"


class EpMotive(StrEnum):
    """Why the équipe pluridisciplinaire is asked (CASF L.262-39: before a réorientation, before a sanction;
    departmental practice: a situation the référent wants examined by several professions)."""

    REORIENTATION = "reorientation"
    SANCTION = "sanction"
    COMPLEX = "situation_complexe"


class EpFactKind(StrEnum):
    """A fact of the file a saisine carries by reference (the row itself, never a copy of it)."""

    ORIENTATION = "orientation"  # the orientation in force
    CONTRACT = "contrat"  # the contract in force (or the last one)
    MISSED_RDV = "rdv_non_honore"  # a RDV the person did not attend
    LETTER = "courrier"  # a letter exchanged with the person (note of kind « courrier »)
    SANCTION_STEP = "etape_sanction"  # a step of the sanction procedure (manquement, mise en mesure…)
    DOCUMENT = "document"  # a document of the file (scan of a letter, an attestation…)


class EpSeanceStatus(StrEnum):
    PLANNED = "prevue"
    HELD = "tenue"
    CANCELLED = "annulee"


class EpAttendance(StrEnum):
    """How the person was heard by the EP (CASF L.262-37: observations, assisted by a person of her choice)."""

    PRESENT = "presente"
    ASSISTED = "assistee"  # present, assisted by a person of her choice
    WRITTEN = "observations_ecrites"  # not present, sent written observations
    EXCUSED = "excusee"
    ABSENT = "absente"


class EpOpinion(StrEnum):
    """The avis of the équipe pluridisciplinaire on one case."""

    REORIENTATION = "reorientation"  # favourable to the réorientation proposed
    MAINTAIN = "maintien"  # the orientation in force should be kept
    SANCTION = "sanction"  # favourable to a sanction
    NO_SANCTION = "pas_de_sanction"
    RECOMMENDATIONS = "preconisations"  # a complex situation: recommendations to the référent
    POSTPONED = "ajournement"  # examined at a later séance


class EpDecision(StrEnum):
    """The décision of the président du conseil départemental after the avis (a decided fact)."""

    REORIENTATION = "reorientation"
    MAINTAIN = "maintien"
    SUSPENSION = "suspension"
    SUPPRESSION = "suppression"
    RADIATION_PROPOSED = "radiation_proposee"
    NO_SANCTION = "sans_sanction"
