"""French text of the figures, shared by the screens, the CSV/XLSX exports and the PDF report: numbers with a
non-breaking thousands separator and a decimal comma, ratios, figures grouped by section."""

from __future__ import annotations

from collections.abc import Iterable

from app.models.indicators.results import Figure


def fr_number(value: float | int | None, decimals: int = 1, *, grouping: bool = True) -> str:
    """« 1 234 », « 42,5 », « 3 » (trailing zeros dropped), « — » for a missing value."""
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        text = f"{round(value):,}" if grouping else str(round(value))
    else:
        text = f"{value:,.{decimals}f}" if grouping else f"{value:.{decimals}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.replace(",", "\u00a0").replace(".", ",")


def format_value(figure: Figure) -> str:
    """The figure as read on screen, in the CLI and in the PDF: « 41,7 % », « 18 jours », « 95 », « — »."""
    return figure.display


def ratio_text(figure: Figure) -> str:
    """« 12 / 30 » when the figure is a ratio, else an empty string."""
    if figure.numerator is None or figure.denominator is None:
        return ""
    return f"{fr_number(figure.numerator)} / {fr_number(figure.denominator)}"


def sections(figures: Iterable[Figure]) -> list[tuple[str, list[Figure]]]:
    """Figures grouped by section, in the order sections first appear."""
    groups: dict[str, list[Figure]] = {}
    for f in figures:
        groups.setdefault(f.section, []).append(f)
    return list(groups.items())
