"""Dates and figures fixed by the texts, each next to its reference (checked against the texts themselves:
see docs/decisions/0008-law-of-2027.md for what was read and where).

Deadlines live in the rule table (``resources/rules/default.yaml``), printed wording in
``resources/contract/texts.yaml``; this module holds what the services enforce.
"""

from __future__ import annotations

from datetime import date

#: Loi n° 2023-1196 du 18 décembre 2023 pour le plein emploi, in force on 1 January 2025: from that day the only
#: new contract is the contrat d'engagement (C. trav. L.5411-6; CASF L.262-34). A CER can no longer start, be
#: renewed or amended on or after this day.
CE_ONLY_FROM = date(2025, 1, 1)

#: C. trav. L.5411-6, II, 3°: « une durée hebdomadaire d'activité du demandeur d'emploi d'au moins quinze
#: heures », which may be reduced « sans pouvoir être nulle », or removed at the person's request on a ground
#: of the closed list (:class:`app.models.enums.HoursGround`).
CE_WEEKLY_HOURS = 15.0

#: Décret n° 2025-478 du 30 mai 2025 (CASF R.262-68 and following, in force on 1 June 2025): a suspension or a
#: suppression covers at least 30 % (up to 100 %) of the allowance; 1 to 2 months after a first manquement, up to
#: 4 months when it persists or is repeated; capped at 50 % for a household of more than one person or one
#: receiving the L.262-9 majoration (R.262-68-6), for suspension and suppression alike.
SANCTION_MIN_RATE = 30
SANCTION_MAX_RATE = 100
SANCTION_HOUSEHOLD_CAP = 50
SANCTION_FIRST_MAX_MONTHS = 2
SANCTION_MAX_MONTHS = 4
SANCTIONS_IN_FORCE = date(2025, 6, 1)
