"""Contracts (CER, contrat d'engagement): lifecycle, editor, document, batch printing."""
