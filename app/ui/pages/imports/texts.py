"""What the imports page says about a file, its simulation and its report (rich text, French): built apart from
the widgets so that each sentence is written once and testable without a window."""

from __future__ import annotations

from app.models.orientation_list.report import ImportReport, delimiter_label, encoding_label
from app.models.text import fold
from app.services.imports.service import FileInfo
from app.ui.kit import theme


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _s(n: int) -> str:
    return "s" if n > 1 else ""


def detected_html(info: FileInfo) -> str:
    """Encoding, separator, the columns recognised, ignored and absent."""
    mapped = ", ".join(
        f"<b>{_esc(h)}</b>" + ("" if fold(h) == fold(label) else f" ({_esc(label)})")
        for h, label in info.mapped
    )
    parts = [
        f"Encodage : <b>{encoding_label(info.encoding)}</b> · séparateur : <b>{delimiter_label(info.delimiter)}</b>",
        f"Colonnes reconnues ({len(info.mapped)}) : {mapped}",
    ]
    if info.ignored:
        parts.append(
            f"Colonnes ignorées ({len(info.ignored)}, inconnues de la table de correspondance) : "
            + ", ".join(_esc(h) for h in info.ignored)
        )
    if info.absent:
        parts.append(
            "Informations absentes du fichier (facultatives, rien ne sera effacé) : "
            + ", ".join(_esc(a) for a in info.absent)
        )
    return "<br>".join(parts)


def simulation_html(sim: ImportReport) -> str:
    """What the import would do: counts, « doublons possibles », the first rejected lines."""
    lines = [
        f"<b>{sim.created}</b> personne{_s(sim.created)} créée{_s(sim.created)}, "
        f"<b>{sim.updated}</b> mise{_s(sim.updated)} à jour, "
        f"<b>{sim.unchanged}</b> inchangée{_s(sim.unchanged)}, "
        f"<b>{sim.rejected}</b> ligne{_s(sim.rejected)} rejetée{_s(sim.rejected)}."
    ]
    if sim.duplicates:
        lines.append(
            f"<b>{sim.duplicates}</b> doublon{_s(sim.duplicates)} possible{_s(sim.duplicates)} : la ligne "
            "ressemble à un dossier existant sans lui correspondre ; elle ne le modifiera pas et la paire "
            "sera à examiner dans « Doublons possibles »."
        )
    rejected = sim.rejections()
    if rejected:
        shown = "<br>".join(_esc(r.reason) for r in rejected[:5])
        more = (
            f"<br>… et {len(rejected) - 5} autre{_s(len(rejected) - 5)} (détail dans le compte rendu)"
            if len(rejected) > 5
            else ""
        )
        lines.append(
            f"<span style='color:{theme.LATE}'>Lignes rejetées (elles ne seront pas importées ; les "
            f"autres le seront) :</span><br>{shown}{more}"
        )
    if not sim.created and not sim.updated and not sim.duplicates:
        lines.append("Rien à enregistrer : votre dossier est déjà à jour pour ce fichier.")
    return "<br>".join(lines)


def report_detail(report: ImportReport) -> str:
    """The line under the report's summary: duration, what to do with rejections, duplicates, warnings."""
    warnings = sum(1 for r in report.results if r.warning)
    detail = [f"Durée : {report.duration_s:.1f} s.".replace(".", ",", 1)]
    if report.rejected:
        detail.append(
            "Les lignes rejetées n'ont pas été importées : corrigez-les dans le fichier (ou signalez-les au "
            "département) puis réimportez-le — les lignes déjà importées resteront inchangées."
        )
    if report.duplicates:
        detail.append(
            f"{theme.plural(report.duplicates, 'doublon possible', 'doublons possibles')} : aucun dossier "
            "existant n'a été modifié ; décidez dans « Doublons possibles »."
        )
    if warnings:
        detail.append(
            f"{theme.plural(warnings, 'avertissement', 'avertissements')} (NIR inutilisable, caractères "
            "retirés, référent à désigner…)."
        )
    return " ".join(detail)
