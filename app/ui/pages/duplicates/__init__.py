"""Doublons possibles page."""

PAGE_KEY = "doublons"
