"""Pages not built yet: each says plainly what it will hold (no invented data), with real counts if known."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.services.people.status import StatusInfo
from app.ui.kit import theme
from app.ui.kit.widgets import EmptyState

PAGES: dict[str, tuple[str, str, str, str]] = {
    "aujourdhui": (
        "Aujourd'hui",
        "fa6s.sun",
        "Votre journée",
        "Les rendez-vous du jour, les personnes à rappeler et les échéances dépassées, avec leurs actions, "
        "seront rassemblés ici.",
    ),
    "agenda": (
        "Agenda",
        "fa6s.calendar-days",
        "L'agenda arrive bientôt",
        "Vos rendez-vous de la semaine (individuels et collectifs), avec les jours fériés, "
        "seront affichés ici. En attendant, la prochaine échéance de chaque personne figure dans Ma file active.",
    ),
    "alertes": (
        "Alertes",
        "fa6s.bell",
        "Les alertes arrivent bientôt",
        "Chaque échéance dépassée (orientation, premier rendez-vous, contrat, bilan…) sera listée ici "
        "avec la règle qui l'a produite.",
    ),
    "indicateurs": (
        "Indicateurs",
        "fa6s.chart-column",
        "Les indicateurs arrivent bientôt",
        "File active, délais, taux de contractualisation et sorties seront calculés ici chaque mois, "
        "avec la liste des personnes derrière chaque chiffre.",
    ),
    "ep": (
        "Équipe pluridisciplinaire",
        "fa6s.people-group",
        "Équipe pluridisciplinaire",
        "Les séances de l'EP, leur ordre du jour, les avis et les décisions apparaîtront ici.",
    ),
    "equipe": (
        "Mon équipe",
        "fa6s.people-roof",
        "Mon équipe",
        "La charge de chaque référent de l'équipe, les dossiers en attente de l'EP et les réaffectations.",
    ),
    "imports": (
        "Imports",
        "fa6s.file-import",
        "Aucun import pour l'instant",
        "Les listes mensuelles d'orientation du département (fichiers CSV) pourront être importées ici, "
        "avec un compte rendu ligne par ligne.",
    ),
    "doublons": (
        "Doublons possibles",
        "fa6s.people-arrows",
        "Aucun doublon possible",
        "Quand une liste du département ou une saisie ressemble à un dossier existant sans lui correspondre "
        "exactement, les deux dossiers apparaissent ici côte à côte pour que vous décidiez.",
    ),
    "sync": (
        "Synchronisation",
        "fa6s.rotate",
        "Synchronisation avec le département",
        "L'envoi de vos modifications au serveur du département et la réception des mises à jour "
        "se feront ici, avec les éventuels conflits à arbitrer.",
    ),
    "donnees": (
        "Données personnelles",
        "fa6s.user-shield",
        "Données personnelles",
        "Le journal des accès aux dossiers (consultations, modifications, impressions, exports) et la purge "
        "des dossiers arrivés au terme de leur durée de conservation se trouveront ici.",
    ),
    "parametres": (
        "Paramètres",
        "fa6s.gear",
        "Paramètres",
        "Le code de verrouillage, le délai de verrouillage automatique et le référent connecté "
        "se régleront ici.",
    ),
}


class PlaceholderPage(QWidget):
    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        _title, icon_name, head, text = PAGES[key]
        self.base_text = text
        layout = QVBoxLayout(self)
        self.empty = EmptyState(icon_name, head, text)
        layout.addWidget(self.empty)

    def update_status(self, info: StatusInfo, lock_minutes: int) -> None:
        """Add the real figures we already know to the explanation."""
        title = self.empty.title.text()
        extra = ""
        if self.key == "alertes" and info.late:
            extra = (
                f"Dès maintenant : {theme.plural(info.late, 'personne a', 'personnes ont')} une échéance "
                "dépassée — triez Ma file active par « Prochaine échéance » pour les voir en premier."
            )
        elif self.key == "sync":
            n = info.pending_changes
            if n == 0:
                extra = "Aucune modification n'attend d'être envoyée au département."
            elif n == 1:
                extra = "1 modification attend d'être envoyée au département."
            else:
                extra = f"{n} modifications attendent d'être envoyées au département."
            if info.open_conflicts:
                extra += f" {theme.plural(info.open_conflicts, 'conflit', 'conflits')} à arbitrer."
        elif self.key == "parametres":
            extra = f"Actuellement : verrouillage automatique après {lock_minutes} minutes d'inactivité."
        self.empty.set_text(title, f"{self.base_text}\n\n{extra}" if extra else self.base_text)
