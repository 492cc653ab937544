"""Batch sync with the department server (no Qt). See ARCHITECTURE.md §Sync and docs/decisions/0003."""
