"""Deadlines as data: the rule table's types, its loader and the pure engine."""
