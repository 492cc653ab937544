"""One person's case file: RDVs, notes, diagnostic, carnet de bord, documents, timeline."""
