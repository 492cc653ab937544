"""Rendez-vous tab and the RDV dialogs."""
