"""Agenda page."""
