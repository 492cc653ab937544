"""Diagnostic tab and its generated form."""
