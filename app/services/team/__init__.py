"""The team leader\x27s view (issue #17, point 5; ADR 0042)."""
