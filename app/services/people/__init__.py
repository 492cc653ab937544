"""People and their parcours: identity, orientation, exits, the caseload, follow-up and alerts."""
