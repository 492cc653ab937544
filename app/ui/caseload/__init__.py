"""« Ma file active »: the caseload list, its model, filters and batch printing."""
