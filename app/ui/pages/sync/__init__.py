"""Synchronisation page."""

PAGE_KEY = "sync"
#: Built right after unlocking (automatic sync, Ctrl+Maj+S), not on its first visit.
AT_UNLOCK = True
