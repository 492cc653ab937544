"""Agenda page."""

PAGE_KEY = "agenda"
