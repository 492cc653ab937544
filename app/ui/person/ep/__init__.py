"""« EP » tab of a person's file: the saisines of the équipe pluridisciplinaire (ADR 0040)."""

TAB_KEY = "ep"
