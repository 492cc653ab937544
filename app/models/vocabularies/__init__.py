"""Vocabularies as data: codes and French labels read from ``resources/vocabularies``."""
