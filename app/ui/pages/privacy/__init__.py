"""Données personnelles page."""

PAGE_KEY = "donnees"
