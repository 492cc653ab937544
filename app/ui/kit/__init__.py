"""Shared UI parts: the database worker, theme, widgets, forms, charts, preview, error display."""
