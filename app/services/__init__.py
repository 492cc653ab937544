"""Use cases: vault, caseload, people, records, imports, reporting, sync, PDF. Own sessions; no Qt."""
