"""Historique tab."""

TAB_KEY = "historique"
