"""Historique tab."""
