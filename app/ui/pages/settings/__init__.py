"""Paramètres page."""
