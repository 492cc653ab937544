"""« Mon équipe »: the team leader's view (ADR 0042)."""

PAGE_KEY = "equipe"
