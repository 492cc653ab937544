"""Batch sync with the department server (no Qt). See ARCHITECTURE.md §Sync and docs/decisions/0003."""

from app.services.sync.client import SyncClient, SyncReport
from app.services.sync.conflicts import list_conflicts, list_duplicates, resolve_conflict

__all__ = ["SyncClient", "SyncReport", "list_conflicts", "list_duplicates", "resolve_conflict"]
