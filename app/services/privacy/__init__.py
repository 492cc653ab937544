"""Personal data: retention and purge, right of access, the audit journal."""
