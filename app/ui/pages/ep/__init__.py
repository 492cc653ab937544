"""« Équipe pluridisciplinaire » page: the secretariat's séances, saisines waiting, avis and décisions (ADR 0040)."""

PAGE_KEY = "ep"
