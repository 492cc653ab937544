"""The figures and breakdowns as data: for each, its section, French label, population, aggregate (count,
hits, rate, median, mean in months) and filters. ``docs/indicators.md`` describes each in French."""

from __future__ import annotations

from dataclasses import dataclass

from app.models.indicators.results import UNIT_COUNT, UNIT_DAYS, UNIT_MONTHS, UNIT_PERCENT

SECTION_ACTIVE = "File active"


SECTION_DELAYS = "Délais"


SECTION_CONTRACTS = "Contractualisation"


SECTION_INTERVIEWS = "Entretiens"


SECTION_PRESCRIPTIONS = "Prescriptions"


SECTION_EXITS = "Sorties et parcours"


SECTION_EP = "Équipe pluridisciplinaire"


KIND_COUNT = "count"  # number of rows


KIND_HITS = "hits"  # number of rows with ``hit``, out of the rows


KIND_RATE = "rate"  # % of the rows with ``hit``


KIND_MEDIAN = "median"  # median of ``value`` over the population (rows that have one)


KIND_MEAN_MONTHS = "mean_months"  # mean of ``value`` (days) over the rows, in months


Where = tuple[tuple[str, int], ...]  # flag column → required value (0/1)


HONOURED_ONLY: Where = (("applies", 1),)


TARGETED: Where = (("applies", 1),)


@dataclass(frozen=True)
class FigureDef:
    """A figure: the rows of ``population`` matching ``where`` (flags), aggregated by ``kind``."""

    key: str
    section: str
    label: str
    population: str
    kind: str
    unit: str
    where: Where = ()
    note: str = ""


FIGURES: tuple[FigureDef, ...] = (
    FigureDef(
        "presents_debut",
        SECTION_ACTIVE,
        "Présents au début de la période",
        "parcours_people",
        KIND_COUNT,
        UNIT_COUNT,
        (("flag3", 1),),
    ),
    FigureDef(
        "entres",
        SECTION_ACTIVE,
        "Entrés dans la période",
        "parcours_people",
        KIND_COUNT,
        UNIT_COUNT,
        (("flag4", 1),),
    ),
    FigureDef(
        "file_active",
        SECTION_ACTIVE,
        "File active (présents + entrés)",
        "parcours_people",
        KIND_COUNT,
        UNIT_COUNT,
    ),
    FigureDef("sortis", SECTION_ACTIVE, "Sorties dans la période", "exits", KIND_COUNT, UNIT_COUNT),
    FigureDef(
        "delai_rdv_median",
        SECTION_DELAYS,
        "Délai orientation → 1er rendez-vous honoré (médiane)",
        "first_rdv",
        KIND_MEDIAN,
        UNIT_DAYS,
    ),
    FigureDef(
        "delai_rdv_dans_cible",
        SECTION_DELAYS,
        "1er rendez-vous dans le délai cible",
        "first_rdv",
        KIND_RATE,
        UNIT_PERCENT,
        TARGETED,
    ),
    FigureDef(
        "delai_contrat_median",
        SECTION_DELAYS,
        "Délai orientation → 1er contrat signé (médiane)",
        "first_contract",
        KIND_MEDIAN,
        UNIT_DAYS,
    ),
    FigureDef(
        "delai_contrat_dans_cible",
        SECTION_DELAYS,
        "1er contrat signé dans le délai cible",
        "first_contract",
        KIND_RATE,
        UNIT_PERCENT,
        TARGETED,
    ),
    FigureDef(
        "taux_contractualisation",
        SECTION_CONTRACTS,
        "Taux de contractualisation",
        "parcours_people",
        KIND_RATE,
        UNIT_PERCENT,
        (("applies", 1),),  # oriented before the end of the period
    ),
    FigureDef(
        "ep_saisines",
        SECTION_EP,
        "Saisines de l'équipe pluridisciplinaire",
        "ep_referrals",
        KIND_COUNT,
        UNIT_COUNT,
    ),
    FigureDef(
        "ep_delai_avis_median",
        SECTION_EP,
        "Délai saisine → avis de l'EP (médiane)",
        "ep_opinions",
        KIND_MEDIAN,
        UNIT_DAYS,
    ),
    FigureDef(
        "ep_delai_decision_median",
        SECTION_EP,
        "Délai saisine → décision (médiane)",
        "ep_decisions",
        KIND_MEDIAN,
        UNIT_DAYS,
    ),
    FigureDef(
        "ep_decision_dans_cible",
        SECTION_EP,
        "Décisions dans le délai cible après la saisine",
        "ep_decisions",
        KIND_RATE,
        UNIT_PERCENT,
    ),
    FigureDef(
        "entretiens",
        SECTION_INTERVIEWS,
        "Entretiens réalisés (rendez-vous honorés)",
        "appointments",
        KIND_COUNT,
        UNIT_COUNT,
        HONOURED_ONLY,
    ),
    FigureDef(
        "taux_absence",
        SECTION_INTERVIEWS,
        "Taux d'absence aux rendez-vous (non honorés)",
        "appointments",
        KIND_RATE,
        UNIT_PERCENT,
    ),
    FigureDef(
        "prescriptions",
        SECTION_PRESCRIPTIONS,
        "Prescriptions dans la période",
        "prescriptions",
        KIND_COUNT,
        UNIT_COUNT,
    ),
    FigureDef(
        "sans_prescription",
        SECTION_PRESCRIPTIONS,
        "Sans prescription au-delà du délai",
        "without_prescription",
        KIND_HITS,
        UNIT_COUNT,
    ),
    FigureDef(
        "duree_parcours_moyenne",
        SECTION_EXITS,
        "Durée moyenne des parcours terminés",
        "parcours_length",
        KIND_MEAN_MONTHS,
        UNIT_MONTHS,
    ),
    FigureDef(
        "taux_sortie_positive",
        SECTION_EXITS,
        "Taux de sorties dynamiques (emploi ou sortie positive)",
        "exits",
        KIND_RATE,
        UNIT_PERCENT,
    ),
)


@dataclass(frozen=True)
class BreakdownDef:
    """Counts of the rows of ``population`` matching ``where``, by the values of ``column``."""

    key: str
    section: str
    label: str
    population: str
    column: str  # "code", "code2" or "code3"
    vocabulary: str | None  # kind of resources/vocabularies/<kind>.yaml for the labels, None = raw text
    where: Where = ()


BREAKDOWNS: tuple[BreakdownDef, ...] = (
    BreakdownDef(
        "entretiens_objet",
        SECTION_INTERVIEWS,
        "Entretiens par objet",
        "appointments",
        "code",
        "appointment_purposes",
        HONOURED_ONLY,
    ),
    BreakdownDef(
        "entretiens_nature",
        SECTION_INTERVIEWS,
        "Entretiens par nature",
        "appointments",
        "code2",
        "appointment_natures",
        HONOURED_ONLY,
    ),
    BreakdownDef(
        "entretiens_lieu",
        SECTION_INTERVIEWS,
        "Entretiens par lieu",
        "appointments",
        "code3",
        None,
        HONOURED_ONLY,
    ),
    BreakdownDef(
        "prescriptions_type",
        SECTION_PRESCRIPTIONS,
        "Prescriptions par type",
        "prescriptions",
        "code",
        "prescription_kinds",
    ),
    BreakdownDef(
        "prescriptions_suite",
        SECTION_PRESCRIPTIONS,
        "Prescriptions par suite donnée",
        "prescriptions",
        "code2",
        "prescription_outcomes",
    ),
    BreakdownDef(
        "sorties_categorie", SECTION_EXITS, "Sorties par catégorie", "exits", "code", "exit_categories"
    ),
    BreakdownDef("sorties_motif", SECTION_EXITS, "Sorties par motif", "exits", "code2", "exit_reasons"),
    BreakdownDef(
        "ep_saisines_motif", SECTION_EP, "Saisines de l'EP par motif", "ep_referrals", "code", "ep_motives"
    ),
    BreakdownDef(
        "ep_decisions_nature",
        SECTION_EP,
        "Décisions après avis de l'EP",
        "ep_decisions",
        "code2",
        "ep_decisions",
    ),
)


FIGURE_KEYS = frozenset(f.key for f in FIGURES)


BREAKDOWN_KEYS = frozenset(b.key for b in BREAKDOWNS)


def figure_def(key: str) -> FigureDef:
    for f in FIGURES:
        if f.key == key:
            return f
    raise KeyError(key)


def breakdown_def(key: str) -> BreakdownDef:
    for b in BREAKDOWNS:
        if b.key == key:
            return b
    raise KeyError(key)
