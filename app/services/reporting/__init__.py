"""Indicators of the référent's caseload and their exports (CSV, XLSX, PDF)."""
