"""Navigation pages, discovered by app.ui.shell.plugins (one module per page)."""
