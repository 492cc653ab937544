"""« Bilans » tab: bilans and joint reviews with France Travail (ADR 0050, 0051)."""

TAB_KEY = "bilans"
