"""Navigation pages, discovered by app.ui.plugins (one module per page)."""
