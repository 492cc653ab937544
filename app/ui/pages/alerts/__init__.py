"""Alertes page."""
