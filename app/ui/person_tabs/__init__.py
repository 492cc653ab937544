"""Tabs of the person file, discovered by app.ui.plugins (one module per tab)."""
