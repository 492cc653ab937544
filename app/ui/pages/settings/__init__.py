"""Paramètres page."""

PAGE_KEY = "parametres"
