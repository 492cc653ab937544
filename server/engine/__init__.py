"""The server's sync engine: upload, download, check, scope, purge, attachments, imports, indicators."""
