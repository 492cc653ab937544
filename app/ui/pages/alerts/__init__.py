"""Alertes page."""

PAGE_KEY = "alertes"
