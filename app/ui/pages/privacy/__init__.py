"""Données personnelles page."""
