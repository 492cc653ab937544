"""Rendez-vous tab and the RDV dialogs."""

TAB_KEY = "rdv"
